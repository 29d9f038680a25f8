"""Tests of relugeom/cli."""
