"""Tests of relugeom/arrangement."""
