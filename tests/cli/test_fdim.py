"""``relugeom fdim`` as a user runs it: a subprocess, exit codes, JSON keys, no tracebacks."""

import json

import pytest

from relugeom import ShallowNetwork, functional_dimension, to_rational
from relugeom.cli import main
from tests.cli.runner import relugeom, run, strict_json

OPPOSITE = '{"W": [[1, 0], [0, 1], [1, 1], [-1, 0]], "b": [0, 0, -1, 0], "V": [[1, -1, 2, 1]], ' \
           '"c": [0]}'


@pytest.fixture
def net(tmp_path):
    path = tmp_path / "net.json"
    path.write_text(OPPOSITE)
    return path


def test_json_matches_the_library_and_the_decisive_sample_round_trips(net, tmp_path):
    saved = tmp_path / "decisive.json"
    result = relugeom("fdim", net, "--json", "--save-sample", saved)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    for key in ("functional_dimension", "n_parameters", "hidden_width", "decisive_sample_size",
                "symmetry_bound", "gap", "gap_explanation", "activation_regions"):
        assert key in report
    library = functional_dimension(ShallowNetwork.from_json(OPPOSITE))
    assert report["functional_dimension"] == library.functional_dimension == 12
    assert report["gap"] == 1 and report["n_parameters"] == 17 and report["hidden_width"] == 4
    assert [f["kind"] for f in report["gap_explanation"]["features"]] == ["complementary"]
    # the saved sample is an ordinary sample: analyze gives the same number
    analysed = relugeom("analyze", net, saved, "--json")
    assert analysed.returncode == 0, analysed.stderr
    assert json.loads(analysed.stdout)["local_dimension"] == 12
    assert json.loads(analysed.stdout)["n_samples"] == report["decisive_sample_size"]


def test_text_report(net):
    result = relugeom("fdim", net)
    assert result.returncode == 0, result.stderr
    assert "functional dimension (exact)" in result.stdout and "complementary" in result.stdout


def test_sampling_json_is_deterministic_and_plots(net, tmp_path):
    args = ("fdim", net, "--sampling", "uniform", "--box", "-2", "2", "--repeats", "4",
            "--probability-draws", "400", "--seed", "3", "--json")
    first, second = relugeom(*args), relugeom(*args)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    sampling = json.loads(first.stdout)["sampling"]
    for key in ("smallest_n", "smallest_n_summary", "smallest_n_histogram", "runs",
                "region_probabilities", "distribution"):
        assert key in sampling
    assert len(sampling["smallest_n"]) == 4
    assert "ESTIMATES" in sampling["region_probabilities"]["note"]
    pytest.importorskip("matplotlib")
    png = tmp_path / "conv.png"
    text = relugeom("fdim", net, "--sampling", "gaussian", "--repeats", "3", "--plot", png,
                    "--probability-draws", "200")
    assert text.returncode == 0, text.stderr
    assert "smallest n reaching fdim" in text.stdout and "ESTIMATES" in text.stdout
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_resampling_a_data_file(net, tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("x,y\n" + "\n".join(f"{i / 4},{(i * 7 % 11) / 3 - 1}" for i in range(-8, 9)))
    result = relugeom("fdim", net, "--sampling", "data", "--data", data, "--repeats", "2",
                      "--max-points", "100", "--probability-draws", "100", "--json")
    assert result.returncode == 0, result.stderr
    sampling = json.loads(result.stdout)["sampling"]
    assert sampling["data_ceiling"] is not None and sampling["distribution"]["kind"] == "data"


BAD = {
    "missing network": (["fdim", "{tmp}/nope.json"], "does not exist"),
    "scale without gaussian": (["fdim", "{net}", "--sampling", "uniform", "--scale", "2"],
                               "--scale"),
    "data without file": (["fdim", "{net}", "--sampling", "data"], "--data FILE"),
    "plot without sampling": (["fdim", "{net}", "--plot", "{tmp}/x.png"], "--plot"),
    "empty box": (["fdim", "{net}", "--sampling", "uniform", "--box", "1", "0"], "LO < HI"),
    "negative scale": (["fdim", "{net}", "--sampling", "gaussian", "--scale", "-1"], "positive"),
    "bad repeats": (["fdim", "{net}", "--sampling", "gaussian", "--repeats", "0"], "--repeats"),
    "bad max points": (["fdim", "{net}", "--sampling", "gaussian", "--max-points", "x"],
                       "--max-points"),
    "zero neuron": (["fdim", "{zero}"], "w = 0 and b = 0"),
    "unknown distribution": (["fdim", "{net}", "--sampling", "cauchy"], "invalid choice"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_inputs_exit_2(case, net, tmp_path, capsys):
    """In process (main() is what the console script runs); one case also as a subprocess."""
    zero = tmp_path / "zero.json"
    zero.write_text('{"W": [[0], [1]], "b": [0, 0], "V": [[1, 1]], "c": [0]}')
    args, fragment = BAD[case]
    args = [a.format(tmp=tmp_path, net=net, zero=zero) for a in args]
    try:
        code = main(args)
    except SystemExit as exc:   # argparse's own usage errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert fragment in err and "Traceback" not in err
    if case == "zero neuron":
        result = relugeom(*args)
        assert result.returncode == 2
        assert fragment in result.stderr and "Traceback" not in result.stderr


def test_zero_neuron_with_a_convention(tmp_path):
    zero = tmp_path / "zero.json"
    zero.write_text('{"W": [[0], [1]], "b": [0, 0], "V": [[1, 1]], "c": [0]}')
    result = relugeom("fdim", zero, "--relu-prime-at-zero", "1", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["relu_prime_convention"] == "1"


def test_plot_without_matplotlib_exits_2(net, tmp_path):
    code = ("import sys; sys.modules['matplotlib'] = None; from relugeom.cli import main; "
            "sys.exit(main(sys.argv[1:]))")
    result = relugeom("fdim", net, "--sampling", "gaussian", "--repeats", "1",
                      "--probability-draws", "0", "--plot", tmp_path / "x.png", code=code)
    assert result.returncode == 2
    assert "matplotlib" in result.stderr and "Traceback" not in result.stderr


def test_gaussian_scale_beyond_float_range(capsys, plane_files):
    for exponent in (400, 5000):
        code, out, _ = run(capsys, "fdim", plane_files.net, "--sampling", "gaussian", "--scale",
                           f"1e{exponent}", "--repeats", "1", "--probability-draws", "20",
                           "--json")
        result = strict_json(out)["sampling"]
        assert code == 0
        assert to_rational(result["distribution"]["scale"]) == 10 ** exponent
        assert result["runs"][0]["points_drawn"] >= 1


def test_plot_format_error_and_strict_json_without_draws(capsys, plane_files, tmp_path):
    pytest.importorskip("matplotlib")
    code, _, err = run(capsys, "fdim", plane_files.net, "--sampling", "gaussian", "--repeats",
                       "1", "--probability-draws", "0", "--plot", tmp_path / "f.txt")
    assert code == 2 and "is not one matplotlib writes" in err
    code, out, _ = run(capsys, "fdim", plane_files.net, "--sampling", "gaussian", "--repeats",
                       "1", "--probability-draws", "0", "--json")
    regions = strict_json(out)["sampling"]["region_probabilities"]["regions"]
    assert code == 0 and all(r["probability_estimate"] is None for r in regions)


@pytest.mark.parametrize("extra", [["--repeats", "3"], ["--max-points", "10"], ["--seed", "1"],
                                   ["--probability-draws", "5"], ["--grid-bits", "8"],
                                   ["--plot", "x.png"], ["--repeats", "3", "--seed", "2"]])
def test_sampling_options_without_sampling_are_refused_not_ignored(net, capsys, extra):
    """Issue 13: --repeats without --sampling was silently ignored while --plot was refused."""
    code, out, err = run(capsys, "fdim", net, *extra)
    assert code == 2 and out == ""
    assert "without the matching --sampling" in err and "would be ignored" in err
    for flag in extra[::2]:
        assert flag in err


def test_grid_bits_belongs_to_gaussian_and_uniform(net, tmp_path, capsys):
    data = tmp_path / "data.csv"
    data.write_text("1,2\n-1,3\n2,-3\n")
    code, out, err = run(capsys, "fdim", net, "--sampling", "data", "--data", data,
                         "--grid-bits", "8")
    assert code == 2 and out == "" and "--grid-bits" in err
    code, out, _ = run(capsys, "fdim", net, "--sampling", "uniform", "--grid-bits", "8",
                       "--repeats", "2", "--probability-draws", "10", "--json")
    assert code == 0 and strict_json(out)["sampling"]["distribution"]["grid_bits"] == 8


def test_sampling_defaults_apply_with_sampling(net, capsys):
    code, out, _ = run(capsys, "fdim", net, "--sampling", "gaussian", "--probability-draws", "10",
                       "--json")
    sampling = strict_json(out)["sampling"]
    assert code == 0 and len(sampling["runs"]) == 20 and sampling["seed"] == 0


@pytest.mark.parametrize("command", [["fdim", "--sampling", "gaussian"], ["regions"]])
@pytest.mark.parametrize("target", ["f.txt", "missing/f.png", "."])
def test_an_unwritable_plot_is_refused_before_any_work(capsys, plane_files, tmp_path, monkeypatch,
                                                      command, target):
    """The plot's format and folder are checked first: the exact work never starts."""
    pytest.importorskip("matplotlib")
    import relugeom.cli.fdim as fdim_command
    import relugeom.cli.regions as regions_command

    def never(*args, **kwargs):
        raise AssertionError("the exact work started before the plot path was checked")

    monkeypatch.setattr(fdim_command, "functional_dimension", never)
    monkeypatch.setattr(regions_command, "load_inputs", never)
    path = tmp_path / target if target != "." else tmp_path
    code, out, err = run(capsys, command[0], plane_files.net, *command[1:], "--plot", path)
    assert code == 2 and out == "" and "cannot write the plot" in err
