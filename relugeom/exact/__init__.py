"""Exact numbers, the bottom of the pipeline: everything above computes with these.

- :mod:`~relugeom.exact.numbers`: parsing decimals, "p/q" strings and floats to Fractions, and
  describing them;
- :mod:`~relugeom.exact.arrays`: :class:`RationalArray`, large exact arrays with residues mod p;
- :mod:`~relugeom.exact.realroots`: real algebraic numbers (roots of rational polynomials);
- :mod:`~relugeom.exact.jsonable`: plain JSON values of exact results.
"""

from .arrays import RationalArray
from .jsonable import jsonable
from .numbers import exact_text, parse_json, to_json_number, to_rational

__all__ = ["RationalArray", "exact_text", "jsonable", "parse_json", "to_json_number",
           "to_rational"]
