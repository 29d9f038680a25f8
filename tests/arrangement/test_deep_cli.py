"""``relugeom regions`` on networks with several hidden layers: the report, JSON, box, samples,
plot, --count-only bounds and --max-regions refusals."""

import json

import pytest

from relugeom import DeepNetwork, deep_activation_regions, deep_linear_pieces
from tests.cli.runner import refused, run


@pytest.fixture
def deep_files(tmp_path):
    net = DeepNetwork.random([2, 4, 3, 1], seed=5, low=-64, high=64, denominator=64)
    path = tmp_path / "deep.json"
    path.write_text(net.to_json())
    regions = deep_activation_regions(net)
    sample = tmp_path / "x.json"
    points = [[str(q) for q in r.point] for r in regions.regions[:4]]
    sample.write_text(json.dumps({"X": points + points[:1]}))
    return net, regions, str(path), str(sample), tmp_path


def test_json_report(capsys, deep_files):
    net, regions, path, sample, tmp = deep_files
    code, out, _ = run(capsys, "regions", path, "--json", "--sample", sample, "--box", "-1",
                       "1", "--cells")
    assert code == 0
    report = json.loads(out)
    assert report["activation_regions"] == regions.count
    assert report["linear_pieces"] == deep_linear_pieces(regions).count
    assert report["activation_regions_perceived"] == 4
    assert report["sample_region"] == [0, 1, 2, 3, 0]
    assert report["activation_regions_in_box"] == deep_activation_regions(net, (-1, 1)).count
    assert len(report["regions"]) == regions.count
    assert report["upper_bound"] >= regions.count


def test_text_report_and_plot(capsys, deep_files):
    _, regions, path, sample, tmp = deep_files
    plot = tmp / "regions.png"
    code, out, _ = run(capsys, "regions", path, "--sample", sample, "--plot", plot)
    assert code == 0 and plot.stat().st_size > 1000
    assert f"activation regions (exact)          {regions.count}" in out


def test_count_only_gives_proven_bounds(capsys, deep_files):
    _, regions, path, _, _ = deep_files
    code, out, _ = run(capsys, "regions", path, "--count-only", "--json")
    report = json.loads(out)
    assert code == 0
    assert report["activation_regions_at_least"] <= regions.count \
        <= report["activation_regions_at_most"]


def test_refusals(capsys, deep_files):
    _, regions, path, _, tmp = deep_files
    message = refused(capsys, "regions", path, "--max-regions", "2")
    assert "at least" in message and "--max-regions 2" in message
    message = refused(capsys, "regions", path, "--max-regions", str(regions.count - 1))
    assert "more than --max-regions" in message
    f = regions.regions[0].facets[0]
    on_boundary = tmp / "on.json"
    on_boundary.write_text(json.dumps({"X": [[str(q) for q in f.witness]]}))
    message = refused(capsys, "regions", path, "--sample", on_boundary)
    assert "bent hyperplane" in message
