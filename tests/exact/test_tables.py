"""Notebook display (relugeom.exact.tables): the HTML / Markdown tables of Analysis, region
reports and check reports carry the same labels and numbers as the command line prints, and
to_pandas() has one row per neuron, region or theorem, checked against direct counts."""

import html
import re
from fractions import Fraction

import pytest

from relugeom import DeepNetwork, ShallowNetwork, analyze, region_report, run_checks
from tests.cli.runner import run
from tests.reference import reference_patterns

NET = ShallowNetwork([[1, 0], [0, 1], [1, 1], [1, -2]], [0, 0, -1, "1/2"], [[1, -1, 2, 1]], [0])
X = [["-3/2", "-7/4"], ["1/2", "1/4"], ["3/2", "5/4"], ["-1/2", "5/4"], ["3/2", "-3/4"]]


def cli_rows(text):
    """{label: value} of the aligned "label  value" lines of a command's text report."""
    return dict(re.match(r"\s+(.*?)\s{2,}(\S.*)$", line).groups()
                for line in text.splitlines() if re.match(r"\s+\S.*\s{2,}\S", line))


def markdown_rows(markdown):
    return dict(line[2:-2].split(" | ") for line in markdown.splitlines()[4:])


def write(tmp_path, network, X):
    (tmp_path / "net.json").write_text(network.to_json())
    (tmp_path / "x.csv").write_text("\n".join(",".join(row) for row in X))
    return tmp_path / "net.json", tmp_path / "x.csv"


@pytest.mark.parametrize("network", [NET, DeepNetwork([([[1, 0], [0, 1], [1, 1]], [0, 0, -1]),
                                                       ([[1, -1, 2], [0, 1, 1]], [1, -1]),
                                                       ([[1, 2]], [0])])])
def test_analysis_table_is_the_cli_report(tmp_path, capsys, network):
    net, sample = write(tmp_path, network, X)
    code, text, _ = run(capsys, "analyze", net, sample)
    a = analyze(network, X)
    assert code == 0 and markdown_rows(a._repr_markdown_()) == cli_rows(text)
    shown = a._repr_html_()
    assert all(html.escape(label) in shown for label in cli_rows(text))


def test_region_table_is_the_cli_report(tmp_path, capsys):
    net, sample = write(tmp_path, NET, X)
    code, text, _ = run(capsys, "regions", net, "--sample", sample)
    assert code == 0 and markdown_rows(region_report(NET, X)._repr_markdown_()) == cli_rows(text)


def test_records_agree_with_direct_counts():
    pytest.importorskip("pandas")
    deep = DeepNetwork.from_shallow(NET)
    patterns = [reference_patterns(deep, [Fraction(v) for v in row]) for row in X]
    frame = analyze(NET, X).to_pandas()
    assert list(frame["active_samples"]) == [sum(p[j] for p in patterns) for j in range(4)]
    regions = region_report(NET, X).to_pandas()
    assert regions["samples"].sum() == len(X)
    assert (regions["samples"] > 0).sum() == len(set(patterns))
    checks = run_checks(analyze(NET, X)).to_pandas()
    assert list(checks["theorem"]) == [f"T{k}" for k in range(1, 10)]
    assert set(checks["status"]) <= {"holds", "not applicable"}
