"""``relugeom experiment``: results and figures written, the human report, clear errors."""

import json

import pytest

from relugeom.cli import main
from relugeom.errors import InputError
from relugeom.experiments import run_experiment
from relugeom.experiments.mnist import DataUnavailable


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


def test_mnist_unavailable_is_reported(tmp_path, capsys, monkeypatch):
    from relugeom.experiments import mnist

    def unavailable(*args, **kwargs):
        raise DataUnavailable("no image data available: test")

    monkeypatch.setattr(mnist, "load_images", unavailable)
    code = main(["experiment", "mnist", "--out", str(tmp_path / "m"), "--no-progress"])
    assert code == 1
    assert "unavailable" in capsys.readouterr().err
    assert not (tmp_path / "m" / "results.json").exists()
