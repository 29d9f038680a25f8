"""Tests of relugeom/geometry."""
