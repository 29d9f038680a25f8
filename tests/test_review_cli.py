"""Bad and extreme inputs for analyze, regions, check, fdim: exit 2 with a message, or an
exact answer, never a traceback; JSON output is strict JSON.

The commands run in-process through :func:`relugeom.cli.main` (fast); one subprocess run
checks that the same holds for the installed entry point.
"""

import json
import re
import subprocess
import sys

import pytest

from relugeom import ShallowNetwork, functional_dimension, local_dimension, to_rational
from relugeom.cli import main

NET = {"W": [[1, 0], [0, 1], [1, 1]], "b": [0, 0, -1], "V": [[1, 2, 3]], "c": [0]}
SAMPLE = "1,2\n-1,3\n2,-3\n3,3\n-2,-3\n"


def run(capsys, *args):
    """(exit status, stdout, stderr) of ``relugeom ARGS``; argparse's exits included."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def strict_json(text):
    def refuse(constant):
        raise AssertionError(f"{constant} is not JSON")
    return json.loads(text, parse_constant=refuse)


@pytest.fixture
def files(tmp_path):
    def write(name, content):
        path = tmp_path / name
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        return str(path)
    write.net = write("net.json", NET)
    write.sample = write("x.csv", SAMPLE)
    return write


def with_entry(value):
    """NET with W[0][0] replaced by the JSON text ``value``."""
    return json.dumps(NET).replace("[[1, 0]", f"[[{value}, 0]", 1)


@pytest.mark.parametrize("content, fragment", [
    ("[" * 50000 + "]" * 50000, "nested too deeply"),
    ('{"W": [[1]], "W": [[1, 0], [0, 1], [1, 1]], "b": [0, 0, -1], "V": [[1, 2, 3]], '
     '"c": [0]}', "appears twice"),
    ({**NET, "Q": 1}, "unknown key(s) Q"),
    (with_entry("1e99999999"), "digits"),
])
def test_bad_network_files(capsys, files, content, fragment):
    net = files("bad.json", content)
    for command in (["analyze", net, files.sample], ["regions", net], ["fdim", net]):
        code, _, err = run(capsys, *command)
        assert code == 2 and fragment in err, err


def test_huge_exact_entries_are_accepted_and_written(capsys, files):
    long = "7" * 5000
    net = files("long.json", with_entry(long))
    network = ShallowNetwork.from_json(with_entry(long))
    code, out, _ = run(capsys, "regions", net, "--json", "--cells")
    assert code == 0 and strict_json(out)["activation_regions"] == 7
    code, out, _ = run(capsys, "analyze", net, files.sample, "--json")
    assert code == 0
    assert strict_json(out)["local_dimension"] == local_dimension(network, [[1, 2], [-1, 3],
                                                                             [2, -3], [3, 3],
                                                                             [-2, -3]])
    code, out, _ = run(capsys, "fdim", net, "--json")
    assert code == 0
    assert strict_json(out)["functional_dimension"] == \
        functional_dimension(network).functional_dimension


def test_check_beyond_float64_has_no_numeric_rank(capsys, files):
    net = files("huge.json", with_entry("1e400"))
    code, out, _ = run(capsys, "check", net, files.sample, "--json")
    report = strict_json(out)
    assert code == 0 and report["numeric_rank"] is None and report["agreement"] is False
    assert "float64" in report["numeric"]["explanation"]
    assert all(v["status"] != "fails" for v in report["theorems"].values())
    code, out, _ = run(capsys, "check", net, files.sample)
    assert code == 0 and "float64 cannot hold this case" in out


def test_negative_exact_numbers_as_option_values(capsys, files):
    code, out, _ = run(capsys, "check", files.net, files.sample, "--box", "-1/2", "1e1",
                       "--mc-points", "50", "--json")
    assert code == 0 and strict_json(out)["numeric"]["monte_carlo"]["box"] == ["-1/2", 10]
    code, _, err = run(capsys, "check", files.net, files.sample, "--box", "-1e400", "1e400")
    assert code == 2 and "float64" in err
    code, _, err = run(capsys, "regions", files.net, "--box", "-inf", "1")
    assert code == 2 and "infinities" in err
    code, out, _ = run(capsys, "fdim", files.net, "--sampling", "uniform", "--box", "-1/2", "1",
                       "--repeats", "2", "--probability-draws", "50", "--json")
    assert code == 0 and strict_json(out)["sampling"]["distribution"]["low"] == "-1/2"


@pytest.mark.parametrize("args, fragment", [
    (["check", "{net}", "{x}", "--rtol", "1e-400"], "0 in float64"),
    (["check", "{net}", "{x}", "--seed", "-1"], "≥ 0"),
    (["fdim", "{net}", "--sampling", "gaussian", "--repeats", "0"], "--repeats"),
    (["fdim", "{net}", "--sampling", "gaussian", "--max-points", "x"], "--max-points"),
])
def test_bad_option_values(capsys, files, args, fragment):
    code, _, err = run(capsys, *(a.format(net=files.net, x=files.sample) for a in args))
    assert code == 2 and fragment in err, err


def test_shallow_commands_accept_one_hidden_layer_in_deep_form(capsys, files):
    two = files("two.json", {"layers": [{"W": NET["W"], "b": NET["b"]},
                                        {"W": NET["V"], "b": NET["c"]}]})
    three = files("three.json", {"layers": [{"W": [[1, 0], [0, 1]], "b": [0, 0]},
                                            {"W": [[1, 1]], "b": [0]}, {"W": [[1]], "b": [0]}]})
    for command in (["regions", "{}", "--json"], ["fdim", "{}", "--json"]):
        code, deep, _ = run(capsys, *(a.format(two) for a in command))
        assert code == 0
        code, shallow, _ = run(capsys, *(a.format(files.net) for a in command))
        assert strict_json(deep) == strict_json(shallow)
        code, _, err = run(capsys, *(a.format(three) for a in command))
        assert code == 2 and "one-hidden-layer" in err


def test_plot_errors_and_strict_json(capsys, files, tmp_path):
    pytest.importorskip("matplotlib")
    code, _, err = run(capsys, "regions", files.net, "--plot", tmp_path / "r.txt")
    assert code == 2 and "not supported" in err
    for box in (["-1e400", "1e400"], ["1", "1.00000000000000000001"]):
        code, _, err = run(capsys, "regions", files.net, "--box", *box, "--plot",
                           tmp_path / "r.png")
        assert code == 2 and "cannot be drawn in floats" in err
    code, _, err = run(capsys, "fdim", files.net, "--sampling", "gaussian", "--repeats", "1",
                       "--probability-draws", "0", "--plot", tmp_path / "f.txt")
    assert code == 2 and "not supported" in err
    code, out, _ = run(capsys, "fdim", files.net, "--sampling", "gaussian", "--repeats", "1",
                       "--probability-draws", "0", "--json")
    regions = strict_json(out)["sampling"]["region_probabilities"]["regions"]
    assert code == 0 and all(r["probability_estimate"] is None for r in regions)


def test_gaussian_scale_beyond_float_range(capsys, files):
    for exponent in (400, 5000):
        code, out, _ = run(capsys, "fdim", files.net, "--sampling", "gaussian", "--scale",
                           f"1e{exponent}", "--repeats", "1", "--probability-draws", "20",
                           "--json")
        result = strict_json(out)["sampling"]
        assert code == 0
        assert to_rational(result["distribution"]["scale"]) == 10 ** exponent
        assert result["runs"][0]["points_drawn"] >= 1


def test_entry_point_in_a_subprocess(files):
    result = subprocess.run([sys.executable, "-m", "relugeom.cli", "regions", files.net, "--box",
                             "-1/2", "1/2", "--json"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert strict_json(result.stdout)["activation_regions_in_box"] == 4


def test_analyze_text_report_names_pieces_and_deep_widths(capsys, files):
    code, out, _ = run(capsys, "analyze", files.net, files.sample)
    # pieces perceived: the sides of the 3 bending lines x = 0, y = 0, x + y = 1 seen by X
    sides = {(x > 0, y > 0, x + y > 1) for x, y in [(1, 2), (-1, 3), (2, -3), (3, 3), (-2, -3)]}
    assert code == 0 and re.search(rf"linear pieces perceived by X\s+{len(sides)}\n", out)
    assert "m = 1 output," in out
    deep = files("deep.json", {"layers": [{"W": [[1, 0], [0, 1]], "b": [0, 0]},
                                          {"W": [[1, 1], [1, -1]], "b": [0, 1]},
                                          {"W": [[1, 2]], "b": [0]}]})
    code, out, _ = run(capsys, "analyze", deep, files.sample, "--relu-prime-at-zero", "0")
    assert code == 0 and "hidden layers of 2, 2 neurons" in out
