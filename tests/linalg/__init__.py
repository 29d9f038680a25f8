"""Tests of relugeom/linalg."""
