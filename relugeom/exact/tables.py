"""Reports as small tables in notebooks: ``_repr_html_``, ``_repr_markdown_`` and ``to_pandas``.

A report class inherits :class:`Tabular` and says what its table is, with ``_table()`` →
(title, [(label, value), ...]) — the same labels and numbers as its command-line report —
and, where a table of records is the natural shape (per neuron, per region, per theorem),
``_records()`` → list of dicts for :meth:`Tabular.to_pandas`. Exact numbers print exactly
(integers whole, Fractions as p/q).

>>> class Report(Tabular):
...     def _table(self):
...         return "example", [("local dimension", 4), ("bound", "5 < 7")]
>>> print(Report()._repr_markdown_())
**example**
<BLANKLINE>
| | |
|---|---|
| local dimension | 4 |
| bound | 5 < 7 |
"""

from __future__ import annotations

import html
from fractions import Fraction
from typing import Any

__all__ = ["Tabular", "html_table", "markdown_table", "records_frame"]


def _text(value: Any) -> str:
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else str(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(map(_text, value))
    return "—" if value is None else str(value)


def html_table(title: str, rows: list[tuple[str, Any]]) -> str:
    """A two-column HTML table with a caption."""
    body = "".join(f"<tr><td style='text-align:left'>{html.escape(label)}</td>"
                   f"<td style='text-align:left'>{html.escape(_text(value))}</td></tr>"
                   for label, value in rows)
    return f"<table><caption>{html.escape(title)}</caption>{body}</table>"


def markdown_table(title: str, rows: list[tuple[str, Any]]) -> str:
    """A two-column Markdown table under a bold title (``|`` in cells escaped)."""
    cell = lambda v: _text(v).replace("|", "\\|")  # noqa: E731
    lines = [f"**{title}**", "", "| | |", "|---|---|"]
    lines += [f"| {cell(label)} | {cell(value)} |" for label, value in rows]
    return "\n".join(lines)


def records_frame(records: list[dict], what: str) -> Any:
    """A pandas DataFrame of ``records``; without pandas, an ImportError naming the pip
    command."""
    try:
        import pandas
    except ImportError:
        raise ImportError(f"{what}.to_pandas() needs pandas, which is not installed: "
                          "pip install pandas") from None
    return pandas.DataFrame.from_records(records)


class Tabular:
    """Notebook display for a report: subclasses define ``_table()`` (and ``_records()``)."""

    def _table(self) -> tuple[str, list[tuple[str, Any]]]:
        raise NotImplementedError

    def _records(self) -> list[dict]:
        raise NotImplementedError(f"{type(self).__name__} has no table of records")

    def _repr_html_(self) -> str:
        return html_table(*self._table())

    def _repr_markdown_(self) -> str:
        return markdown_table(*self._table())

    def to_pandas(self) -> Any:
        """The report's records (one row per neuron, region or theorem) as a pandas
        DataFrame (needs pandas)."""
        return records_frame(self._records(), type(self).__name__)
