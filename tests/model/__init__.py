"""Tests of relugeom/model."""
