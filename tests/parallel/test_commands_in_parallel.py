"""The commands with --jobs: the same report as the serial run, on exact and on trained-like
float weights (sampling repeats, exhaustive and random search)."""

import json

import numpy as np
import pytest

from relugeom import ShallowNetwork
from relugeom.cli import main
from relugeom.exact.jsonable import jsonable
from relugeom.geometry.sampling import gaussian, sampling_convergence, uniform


def float_network(seed, d=2, N=4):
    """Weights as training leaves them: float64 values, read exactly (their binary value)."""
    rng = np.random.default_rng(seed)
    return ShallowNetwork(W=rng.normal(size=(N, d)), b=rng.normal(size=N),
                          V=rng.normal(size=(1, N)), c=rng.normal(size=1))


@pytest.mark.parametrize("network", [
    ShallowNetwork(W=[[1, 0], [0, 1], [1, 1], [2, 0]], b=[0, 0, -1, 0], V=[[1, -1, 2, 1]],
                   c=[0]),
    float_network(0)])
def test_sampling_repeats_on_two_workers_give_the_serial_result(network):
    for distribution in (gaussian(2), uniform(2, -2, 2)):
        options = {"repeats": 6, "max_points": 200, "seed": 3, "probability_draws": 200}
        serial = sampling_convergence(network, distribution, **options)
        parallel = sampling_convergence(network, distribution, n_jobs=2, **options)
        assert parallel.to_dict() == serial.to_dict()
        # repeat r is the r-th stream whatever the number of repeats: a prefix of the runs
        fewer = sampling_convergence(network, distribution, n_jobs=2,
                                     **{**options, "repeats": 2})
        assert fewer.runs == serial.runs[:2]


def cli_json(capsys, *args):
    assert main([str(a) for a in args]) == 0
    return json.loads(capsys.readouterr().out)


def test_fdim_sampling_with_jobs_prints_the_serial_report(capsys, tmp_path):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(float_network(1, N=3).to_dict()))
    common = ["fdim", path, "--sampling", "gaussian", "--repeats", "4", "--max-points", "100",
              "--probability-draws", "100", "--json"]
    assert cli_json(capsys, *common, "--jobs", "2") == cli_json(capsys, *common)


def test_search_with_jobs_prints_the_serial_report(capsys):
    exhaustive = ["search", "F1", "--exhaustive", "--samples", "1-2", "--json"]
    assert cli_json(capsys, *exhaustive, "--jobs", "2") == cli_json(capsys, *exhaustive)
    proved = ["search", "T2", "--exhaustive", "--hidden-width", "1", "--json"]
    report = cli_json(capsys, *proved, "--jobs", "2")
    assert report == cli_json(capsys, *proved) and report["proved_on_family"]
    # random mode: two streams, whether they run on two workers or here
    random = ["search", "F2", "--max-examples", "20", "--seed", "1", "--json"]
    from relugeom.search.randomized import search
    streams = search("F2", max_examples=20, seed=1, streams=2)
    report = cli_json(capsys, *random, "--jobs", "2")
    assert report["examples_tried"] == streams.examples_tried
    assert report["counterexample"]["network"] == \
        jsonable(streams.counterexample.network.to_dict())


@pytest.mark.parametrize("args, message", [
    (["search", "F1", "--jobs", "0"], "n_jobs (--jobs) must be a positive whole number or -1"),
    (["search", "F1", "--scheduler", " "], "--scheduler needs the address"),
    (["search", "F1", "--scheduler", "tcp://127.0.0.1:1", "--backend", "loky"],
     "goes with --backend dask"),
    (["search", "F1", "--resume", "x.json"], "--resume describes the exhaustive search"),
])
def test_bad_parallel_options_are_refused_before_any_work(capsys, args, message):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_fdim_refuses_jobs_without_sampling(capsys, tmp_path):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(float_network(1).to_dict()))
    assert main(["fdim", str(path), "--jobs", "2"]) == 2
    assert "--jobs given without the matching --sampling" in capsys.readouterr().err


def test_a_resume_file_of_another_family_is_refused(capsys, tmp_path):
    path = tmp_path / "run.json"
    assert main(["search", "T1", "--exhaustive", "--hidden-width", "1", "--samples", "1",
                 "--resume", str(path)]) == 0
    capsys.readouterr()
    assert main(["search", "T1", "--exhaustive", "--hidden-width", "1", "--samples", "1-2",
                 "--resume", str(path)]) == 2
    assert "is for another run (it differs in: cases, family)" in capsys.readouterr().err
