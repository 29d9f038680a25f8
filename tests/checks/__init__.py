"""Tests of relugeom/checks."""
