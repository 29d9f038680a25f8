"""What every subcommand shares (relugeom/cli/__init__.py and _common.py): the entry point,
reading networks, samples and exact option values, the region budget, the one-hidden-layer
form; a bad input exits 2 with a message, never a traceback, and JSON output is strict JSON.

Most commands run in a subprocess, as a user runs them; the many-command cases run in process
through :func:`relugeom.cli.main` (fast), and one checks the installed entry point.
"""

import pytest

from relugeom import ShallowNetwork, functional_dimension, local_dimension
from tests.cli.runner import NET, relugeom, run, strict_json, with_entry


# --- bad inputs, through analyze ---------------------------------------------------------------

BAD_NETWORKS = {
    "invalid JSON": ('{"W": [[1]', "not valid JSON"),
    "wrong shapes": ('{"W": [[1], [2]], "b": [0], "V": [[1, 1]], "c": [0]}', "b has 1 entries"),
    "ragged": ('{"W": [[1, 2], [3]], "b": [0, 0], "V": [[1, 1]], "c": [0]}', "ragged"),
    "non-numeric": ('{"W": [["x"]], "b": [0], "V": [[1]], "c": [0]}', r"W[0][0]"),
    "NaN": ('{"W": [[NaN]], "b": [0], "V": [[1]], "c": [0]}', "NaN"),
    "not an object": ('[1, 2]', "expected a JSON object"),
}


@pytest.mark.parametrize("case", sorted(BAD_NETWORKS))
def test_bad_networks_exit_2(line_files, case):
    tmp, _, sample = line_files
    text, fragment = BAD_NETWORKS[case]
    net = tmp / "bad.json"
    net.write_text(text)
    result = relugeom("analyze", net, sample)
    assert result.returncode == 2
    assert fragment in result.stderr and "Traceback" not in result.stderr


BAD_SAMPLES = {
    "empty": ("x.csv", "", "empty"),
    "mismatched": ("x.csv", "1,2\n", "input dimension is 1"),
    "non-numeric": ("x.csv", "1\nfoo\n", "line 2"),
    "NaN": ("x.csv", "1\nNaN\n", "NaN"),
    "boundary": ("x.csv", "1\n0\n", "sample 1 lies on the hyperplane of neuron 0"),
    "ragged json": ("x.json", '{"X": [[1], [1, 2]]}', "ragged"),
}


@pytest.mark.parametrize("case", sorted(BAD_SAMPLES))
def test_bad_samples_exit_2(line_files, case):
    tmp, net, _ = line_files
    name, text, fragment = BAD_SAMPLES[case]
    path = tmp / name
    path.write_text(text)
    result = relugeom("analyze", net, path)
    assert result.returncode == 2
    assert fragment in result.stderr and "Traceback" not in result.stderr


def test_missing_files_exit_2(line_files):
    tmp, net, sample = line_files
    for args in ((tmp / "nope.json", sample), (net, tmp / "nope.csv"), (net, tmp / "nope.npy")):
        result = relugeom("analyze", *args)
        assert result.returncode == 2 and "does not exist" in result.stderr
        assert "Traceback" not in result.stderr


def test_usage_errors_exit_2():
    assert relugeom().returncode == 2
    assert relugeom("analyze").returncode == 2


def test_region_budget_is_checked_before_enumerating(line_files):
    _, net, _ = line_files  # |x|: one hyperplane, 2 regions
    for command in ("regions", "fdim"):
        refused = relugeom(command, net, "--max-regions", "1")
        assert refused.returncode == 2 and "2 activation regions" in refused.stderr
        assert "Traceback" not in refused.stderr
        assert relugeom(command, net, "--max-regions", "2").returncode == 0


# --- exact numbers and JSON traps, through every command ---------------------------------------

@pytest.mark.parametrize("content, fragment", [
    ("[" * 50000 + "]" * 50000, "nested too deeply"),
    ('{"W": [[1]], "W": [[1, 0], [0, 1], [1, 1]], "b": [0, 0, -1], "V": [[1, 2, 3]], '
     '"c": [0]}', "appears twice"),
    ({**NET, "Q": 1}, "unknown key(s) Q"),
    (with_entry("1e99999999"), "digits"),
])
def test_network_file_traps_exit_2_in_every_command(capsys, plane_files, content, fragment):
    net = plane_files("bad.json", content)
    for command in (["analyze", net, plane_files.sample], ["regions", net], ["fdim", net]):
        code, _, err = run(capsys, *command)
        assert code == 2 and fragment in err, err


def test_huge_exact_entries_are_accepted_and_written(capsys, plane_files):
    long = "7" * 5000
    net = plane_files("long.json", with_entry(long))
    network = ShallowNetwork.from_json(with_entry(long))
    code, out, _ = run(capsys, "regions", net, "--json", "--cells")
    assert code == 0 and strict_json(out)["activation_regions"] == 7
    code, out, _ = run(capsys, "analyze", net, plane_files.sample, "--json")
    assert code == 0
    assert strict_json(out)["local_dimension"] == local_dimension(network, [[1, 2], [-1, 3],
                                                                             [2, -3], [3, 3],
                                                                             [-2, -3]])
    code, out, _ = run(capsys, "fdim", net, "--json")
    assert code == 0
    assert strict_json(out)["functional_dimension"] == \
        functional_dimension(network).functional_dimension


def test_negative_exact_numbers_as_option_values(capsys, plane_files):
    net, sample = plane_files.net, plane_files.sample
    code, out, _ = run(capsys, "check", net, sample, "--box", "-1/2", "1e1", "--mc-points", "50",
                       "--json")
    assert code == 0 and strict_json(out)["numeric"]["monte_carlo"]["box"] == ["-1/2", "10"]
    code, _, err = run(capsys, "check", net, sample, "--box", "-1e400", "1e400")
    assert code == 2 and "float64" in err
    code, _, err = run(capsys, "regions", net, "--box", "-inf", "1")
    assert code == 2 and "infinities" in err
    code, out, _ = run(capsys, "fdim", net, "--sampling", "uniform", "--box", "-1/2", "1",
                       "--repeats", "2", "--probability-draws", "50", "--json")
    assert code == 0 and strict_json(out)["sampling"]["distribution"]["low"] == "-1/2"


def test_shallow_commands_accept_one_hidden_layer_in_deep_form(capsys, plane_files):
    two = plane_files("two.json", {"layers": [{"W": NET["W"], "b": NET["b"]},
                                              {"W": NET["V"], "b": NET["c"]}]})
    three = plane_files("three.json", {"layers": [{"W": [[1, 0], [0, 1]], "b": [0, 0]},
                                                  {"W": [[1, 1]], "b": [0]},
                                                  {"W": [[1]], "b": [0]}]})
    for command in (["regions", "{}", "--json"], ["fdim", "{}", "--json"]):
        code, deep, _ = run(capsys, *(a.format(two) for a in command))
        assert code == 0
        code, shallow, _ = run(capsys, *(a.format(plane_files.net) for a in command))
        assert strict_json(deep) == strict_json(shallow)
    # two hidden layers go to the deep path: relu(x₁) + relu(x₂) ≥ 0 never bends, so the regions
    # are the 4 quadrants, and layer 2 is identically 0 on the third one, where fdim is undefined
    code, out, _ = run(capsys, "regions", three, "--json")
    assert code == 0 and strict_json(out)["activation_regions"] == 4
    code, _, err = run(capsys, "fdim", three, "--json")
    assert code == 2 and "layer 2" in err and "identically 0" in err


def test_entry_point_in_a_subprocess(plane_files):
    result = relugeom("regions", plane_files.net, "--box", "-1/2", "1/2", "--json")
    assert result.returncode == 0, result.stderr
    assert strict_json(result.stdout)["activation_regions_in_box"] == 4
