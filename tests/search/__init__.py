"""Tests of relugeom/search."""
