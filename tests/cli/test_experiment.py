"""``relugeom experiment``: results and figures written, the human report, clear errors."""

import json

import pytest

from relugeom.cli import main
from relugeom.errors import InputError
from relugeom.experiments import run_experiment
from relugeom.experiments.mnist import DataUnavailable
from tests.cli.runner import refused as runner_refused


def test_experiment_writes_results_and_figures(tmp_path, capsys):
    out = tmp_path / "run"
    settings = ["width=4", "n_samples=6", "n_test=3", "n_gaussian=3", "steps=30", "checkpoints=2"]
    code = main(["experiment", "training", "--quick", "--out", str(out), "--seed", "1",
                 "--no-progress", "--json"] + [a for s in settings for a in ("--set", s)])
    assert code == 0
    data = json.loads((out / "results.json").read_text())
    assert data["experiment"] == "training" and data["seed"] == 1
    assert data["config"]["width"] == 4 and len(data["X"]) == 6
    report = json.loads(capsys.readouterr().out)
    assert report["results"] == str(out / "results.json")
    assert report["summary"]["final_local_dimension"] == data["checkpoints"][-1]["local_dimension"]
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert report["figures"] == [] and "matplotlib" in report["figures_note"]
    else:
        assert sorted(report["figures"]) == [str(out / "dynamics.png"), str(out / "fit.png")]
        assert (out / "dynamics.png").stat().st_size > 0


def test_experiment_human_report(tmp_path, capsys):
    code = main(["experiment", "saddle", "--out", str(tmp_path), "--no-progress", "--no-plots",
                 "--set", "width=3", "--set", "steps=40", "--set", "checkpoints=2"])
    text = capsys.readouterr().out
    assert code == 0 and "dim sig." in text and "results:" in text
    assert not list(tmp_path.glob("*.png"))


def test_bad_setting_is_a_clear_error(tmp_path, capsys):
    code = main(["experiment", "saddle", "--out", str(tmp_path), "--set", "widht=3"])
    err = capsys.readouterr().err
    assert code == 2 and "widht" in err and "width" in err and "Traceback" not in err
    with pytest.raises(InputError, match="unknown experiment"):
        run_experiment("nope")


def _refused(capsys, *args):
    return runner_refused(capsys, "experiment", *args)


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if any experiment starts training: refusals must come first."""
    from relugeom.experiments import EXPERIMENTS

    def trained(*args, **kwargs):
        raise AssertionError("training started before the options were checked")

    for module in EXPERIMENTS.values():
        monkeypatch.setattr(module, "run", trained)


def test_mnist_without_its_data_extra_exits_2_with_the_pip_command(tmp_path, capsys,
                                                                    monkeypatch, no_training):
    """Like a missing extra for --plot: exit 2 and the pip command, before any training."""
    from relugeom.experiments import mnist

    def unavailable(*args, **kwargs):
        raise DataUnavailable("no image data available: test")

    monkeypatch.setattr(mnist, "load_images", unavailable)
    err = _refused(capsys, "mnist", "--out", tmp_path / "m", "--no-progress")
    assert "pip install 'relugeom[mnist]'" in err and "pip install scikit-learn" in err
    assert not (tmp_path / "m").exists()
    # 'all' includes mnist: refused as a whole, saying how to run the others
    err = _refused(capsys, "all", "--out", tmp_path / "a", "--no-progress")
    assert "pip install 'relugeom[mnist]'" in err and "training, saddle" in err
    assert not (tmp_path / "a").exists()
    with pytest.raises(InputError, match="pip install"):
        mnist.check_requirements(mnist.CONFIGS["quick"])


@pytest.mark.parametrize("seed", ["-1", "abc", "1.5"])
def test_a_bad_seed_is_refused_by_the_parser(tmp_path, capsys, seed, no_training):
    err = _refused(capsys, "training", f"--seed={seed}", "--out", tmp_path / "o")
    # the same words as check and fdim (the shared whole_number option type)
    assert "argument --seed" in err and "whole number" in err and seed in err
    with pytest.raises(InputError, match="seed must be a whole number ≥ 0, got -1"):
        run_experiment("saddle", seed=-1, steps=2, checkpoints=2)


@pytest.mark.parametrize("where, message", [
    ("file", "exists and is not a directory"),
    ("/dev/null", "exists and is not a directory"),
    ("/proc/relugeom-x", "cannot be created"),
    ("under_a_file", "is not a directory"),
])
def test_an_unusable_out_is_refused_before_any_training(tmp_path, capsys, where, message,
                                                        no_training):
    existing = tmp_path / "file"
    existing.write_text("keep me\n")
    out = {"file": existing, "under_a_file": existing / "sub"}.get(where, where)
    if str(out).startswith("/proc") and not __import__("os").path.isdir("/proc"):
        pytest.skip("no /proc")
    err = _refused(capsys, "saddle", "--out", out, "--no-progress")
    assert message in err and str(out) in err and "--out" in err
    assert existing.read_text() == "keep me\n"


@pytest.mark.parametrize("name", ["saddle", "all"])
def test_an_empty_out_is_refused_not_replaced_by_the_default(tmp_path, capsys, monkeypatch,
                                                             name, no_training):
    monkeypatch.chdir(tmp_path)
    assert "--out needs a directory name" in _refused(capsys, name, "--out=", "--set=width=3"
                                                      if name != "all" else "--no-plots")
    assert list(tmp_path.iterdir()) == []


def test_the_check_of_out_leaves_nothing_behind(tmp_path, capsys, monkeypatch, no_training):
    from relugeom.cli._common import check_output_directory

    check_output_directory(str(tmp_path / "new" / "deeper"), "--out")
    assert not (tmp_path / "new").exists()  # created to try, then removed
    check_output_directory(str(tmp_path), "--out")
    assert list(tmp_path.iterdir()) == []
    # a bad setting is refused first, before the folder is even looked at
    err = _refused(capsys, "saddle", "--out", "/dev/null", "--set", "widht=3")
    assert "widht" in err


@pytest.mark.parametrize("setting, message", [
    ("target_knots=()", "target_knots must be"),
    ("learning_rate=-1", "learning_rate must be > 0"),
    ("learning_rate=1e999", "finite number"),
    ("steps=-3", "integer ≥ 0"),
])
def test_settings_that_cannot_run_are_refused_before_training(tmp_path, capsys, setting,
                                                               message, no_training):
    err = _refused(capsys, "training", "--out", tmp_path / "o", "--set", setting)
    assert message in err
    assert not (tmp_path / "o").exists()


def test_settings_of_saddle_and_mnist_are_checked(tmp_path, capsys, no_training):
    assert "same length" in _refused(capsys, "saddle", "--set", "teacher_w=(1,)")
    assert "networks must name" in _refused(capsys, "mnist", "--set", "networks=('x',)")
    assert "source must be one of" in _refused(capsys, "mnist", "--set", "source='x'")
