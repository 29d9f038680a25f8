"""Tests of relugeom/rank."""
