"""Tests of relugeom/exact."""
