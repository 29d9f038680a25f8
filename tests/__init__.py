"""The test suite, one folder per folder of the package (tests/exact tests relugeom/exact, ...).

tests/ and its folders are packages, so test modules of the same name in two folders do not
clash, and the shared helpers are imported by their full name from any folder:
:mod:`tests.reference` (independent reference computations) and :mod:`tests.strategies`
(hypothesis strategies for deep networks). Hypothesis profiles are set in tests/conftest.py.
"""
