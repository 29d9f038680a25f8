"""Tests of relugeom/experiments."""
