"""``relugeom analyze``: the JSON report and the text report, for shallow and deep networks,
checked against the library and independent recomputations."""

import json
import re
from fractions import Fraction

import numpy as np

from relugeom import DeepNetwork, InputError, ShallowNetwork, local_dimension, read_network
from relugeom.analysis import Analysis
from relugeom.cli import main
from tests.cli.runner import relugeom, run
from tests.reference import deep_finite_difference_jacobian, reference_rank


def test_analyze_json(line_files):
    _, net, sample = line_files
    result = relugeom("analyze", net, sample, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    for key in ("input_dim", "hidden_width", "output_dim", "n_samples", "n_parameters",
                "local_dimension", "activation_regions_perceived"):
        assert key in report
    assert report["local_dimension"] == 4 and report["n_parameters"] == 7
    assert report["activation_regions_perceived"] == 2


def test_analyze_text(line_files):
    _, net, sample = line_files
    result = relugeom("analyze", net, sample)
    assert result.returncode == 0 and "local dimension" in result.stdout


def test_boundary_with_convention(line_files):
    tmp, net, _ = line_files
    path = tmp / "x.npy"
    np.save(path, np.array([[0.0], [1.0], [2.0]]))
    result = relugeom("analyze", net, path, "--relu-prime-at-zero", "0", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["relu_prime_convention"] == "0"
    direct = ShallowNetwork(W=[[1], [-1]], b=[0, 0], V=[[1, 1]], c=[0])
    assert report["local_dimension"] == local_dimension(direct, [[0], [1], [2]],
                                                        relu_prime_at_zero=0)


def test_analyze_reports_linear_pieces_perceived(tmp_path):
    net = tmp_path / "net.json"   # relu(x) − relu(−x) + relu(y) = x + relu(y)
    net.write_text('{"W": [[1, 0], [-1, 0], [0, 1]], "b": [0, 0, 0], "V": [[1, -1, 1]], '
                   '"c": [0]}')
    sample = tmp_path / "x.csv"
    sample.write_text("x,y\n1,1\n-1,1\n2,3\n1,-1\n")
    result = relugeom("analyze", net, sample, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["linear_pieces_perceived"] == 2


def test_analyze_text_report_names_pieces_and_deep_widths(capsys, plane_files):
    code, out, _ = run(capsys, "analyze", plane_files.net, plane_files.sample)
    # pieces perceived: the sides of the 3 bending lines x = 0, y = 0, x + y = 1 seen by X
    sides = {(x > 0, y > 0, x + y > 1) for x, y in [(1, 2), (-1, 3), (2, -3), (3, 3), (-2, -3)]}
    assert code == 0 and re.search(rf"linear pieces perceived by X\s+{len(sides)}\n", out)
    assert "m = 1 output," in out
    deep = plane_files("deep.json", {"layers": [{"W": [[1, 0], [0, 1]], "b": [0, 0]},
                                          {"W": [[1, 1], [1, -1]], "b": [0, 1]},
                                          {"W": [[1, 2]], "b": [0]}]})
    code, out, _ = run(capsys, "analyze", deep, plane_files.sample, "--relu-prime-at-zero", "0")
    assert code == 0 and "hidden layers of 2, 2 neurons" in out


def test_analyze_accepts_a_deep_network(tmp_path, capsys):
    path = tmp_path / "net.json"
    path.write_text(DeepNetwork([([[1], [-1]], [0, 1]), ([[1, 2]], [-1]), ([[3]], [0])]).to_json())
    sample = tmp_path / "x.csv"
    sample.write_text("-2\n1/2\n3\n5\n")
    assert main(["analyze", str(path), str(sample), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["hidden_width"] == [2, 1] and report["n_parameters"] == 9
    assert report["symmetry_bound"] == 6
    X = [[-2], [Fraction(1, 2)], [3], [5]]
    net = read_network(str(path))
    assert report["local_dimension"] == reference_rank(deep_finite_difference_jacobian(net, X))
    assert report["layer_diagnosis"][1]["width"] == 1
    assert main(["analyze", str(path), str(sample)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("network: widths (1, 2, 1, 1): d = 1 input, hidden layers of 2, 1 "
                           "neurons, m = 1 output, P = 9 parameters; sample: n = 4\n")
    assert re.search(r"bound P − \(hidden neurons\) \(rescaling symmetries\)\s+6\n", text)


def test_analyze_text_of_a_shallow_network_is_unchanged(tmp_path, capsys):
    path = tmp_path / "net.json"
    path.write_text(ShallowNetwork([[1], [-1]], [0, 1], [[1, 2]], [0]).to_json())
    sample = tmp_path / "x.csv"
    sample.write_text("-2\n1/2\n3\n")
    assert main(["analyze", str(path), str(sample)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("network: d = 1 input, N = 2 hidden neurons, m = 1 output, P = 7 "
                           "parameters; sample: n = 3\n")
    assert re.search(r"\n  bound P − N \(rescaling symmetries\)\s+5\n", text)


# --- a sample on a hyperplane is refused first, and nothing is printed before the report is whole

def _float_case(tmp_path, n=300, seed=0):
    """A d = 5, N = 12 float network and a float CSV sample (shortest decimal literals)."""
    rng = np.random.default_rng(seed)
    W, b = rng.standard_normal((12, 5)), rng.standard_normal(12)
    net = {"W": W.tolist(), "b": b.tolist(), "V": rng.standard_normal((1, 12)).tolist(),
           "c": [0.5]}
    (tmp_path / "net.json").write_text(json.dumps(net))
    return tmp_path / "net.json", rng.standard_normal((n, 5))


def _write_csv(path, rows):
    path.write_text("\n".join(",".join(map(str, row)) for row in rows) + "\n")


def test_a_sample_on_a_hyperplane_is_refused_first_with_empty_stdout(tmp_path, monkeypatch,
                                                                       capsys):
    net, X = _float_case(tmp_path)
    rows = [[repr(float(v)) for v in x] for x in X]
    # sample 217 exactly on neuron 7's hyperplane: x_0 solves w_7·x + b_7 = 0 exactly (the
    # JSON decimals are read exactly)
    network = read_network(str(net))
    w7, b7 = network.W[7], network.b[7]
    x = [Fraction(s) for s in rows[217]]
    x[0] = -(b7 + sum(w * v for w, v in zip(w7[1:], x[1:]))) / w7[0]
    rows[217] = [str(x[0])] + rows[217][1:]
    _write_csv(tmp_path / "x.csv", rows)
    for flag in ([], ["--json"]):
        result = relugeom("analyze", net, tmp_path / "x.csv", *flag)
        assert result.returncode == 2 and result.stdout == ""
        assert "sample 217 lies on the hyperplane of neuron 7" in result.stderr
        assert "Traceback" not in result.stderr

    def no_rank(*args, **kwargs):
        raise AssertionError("the rank was computed before the boundary sample was refused")
    monkeypatch.setattr("relugeom.analysis.local_dimension_report", no_rank)
    code, out, err = run(capsys, "analyze", net, tmp_path / "x.csv")
    assert code == 2 and out == "" and "sample 217" in err


def test_a_failure_halfway_through_the_report_leaves_stdout_empty(tmp_path, monkeypatch, capsys):
    net, X = _float_case(tmp_path, n=20)
    _write_csv(tmp_path / "x.csv", X.tolist())
    code, out, _ = run(capsys, "analyze", net, tmp_path / "x.csv")
    assert code == 0 and out.startswith("network: ")

    def late_failure(self):
        raise InputError("found late")
    monkeypatch.setattr(Analysis, "local_dimension_report",
                        property(late_failure))   # after the first line of the report is built
    for flag in ([], ["--json"]):
        code, out, err = run(capsys, "analyze", net, tmp_path / "x.csv", *flag)
        assert code == 2 and out == "" and "found late" in err


def test_float_sample_report_matches_the_straightforward_computation(tmp_path, capsys):
    """The fast exact path (float filter, integer fallback, hashing) against Fractions."""
    net, X = _float_case(tmp_path, n=200, seed=3)
    _write_csv(tmp_path / "x.csv", X.tolist())
    code, out, _ = run(capsys, "analyze", net, tmp_path / "x.csv", "--json")
    report = json.loads(out)
    network = read_network(str(net))
    exact = [[Fraction(repr(v)) for v in x] for x in X.tolist()]   # the decimals, exactly
    patterns = {tuple(int(sum(w * v for w, v in zip(row, x)) + bj > 0)
                      for row, bj in zip(network.W, network.b)) for x in exact}
    assert code == 0 and report["activation_regions_perceived"] == len(patterns)
    assert report["linear_pieces_perceived"] == len(patterns)   # V has no zero: no merging
    assert report["local_dimension_certificate"].startswith(("upper-bound", "exact"))
    assert report["local_dimension"] == local_dimension(network, exact)


def test_analyze_and_check_report_a_rank_only_known_in_an_interval(monkeypatch, capsys, tmp_path):
    """End to end, in process with the budget shrunk: analyze prints "between L and U", its
    JSON has exact false with the interval, check says which theorems the interval decides,
    and --method exact gives an exact rank inside the interval."""
    from tests.rank.test_interval import interval_case, over_budget
    net, X = interval_case()
    over_budget(monkeypatch)
    net_path, x_path = tmp_path / "net.json", tmp_path / "x.npy"
    net_path.write_text(net.to_json())
    np.save(x_path, X)
    code, out, _ = run(capsys, "analyze", net_path, x_path)
    assert code == 0
    assert re.search(r"local dimension\s+between 19 and 20 \(certified interval; not certified "
                     r"exact within the budget — method='exact' / --method exact forces exact "
                     r"elimination\)", out), out
    code, out, _ = run(capsys, "analyze", net_path, x_path, "--json")
    report = json.loads(out)
    assert code == 0 and report["local_dimension"] is None
    assert (report["local_dimension_exact"], report["local_dimension_lower"],
            report["local_dimension_upper"]) == (False, 19, 20)
    code, out, _ = run(capsys, "analyze", net_path, x_path, "--json", "--method", "exact")
    exact = json.loads(out)
    assert code == 0 and exact["local_dimension_exact"] is True
    assert 19 <= exact["local_dimension"] <= 20
    assert exact["local_dimension"] == local_dimension(net, X, method="exact")
    code, out, _ = run(capsys, "check", net_path, x_path, "--json", "--mc-points", "0")
    checked = json.loads(out)
    assert code == 0 and checked["local_dimension"] is None
    assert checked["local_dimension_lower"] == 19 and checked["local_dimension_upper"] == 20
    assert checked["numeric"] is None and checked["structure"]["kernel"] is None
    statuses = {name: v["status"] for name, v in checked["theorems"].items()}
    assert statuses["T1"] == statuses["T2"] == "holds" and statuses["T3"] == "undecided"
    assert checked["theorems"]["T3"]["detail"].startswith("rank only known in [19, 20]")
    code, out, _ = run(capsys, "check", net_path, x_path, "--mc-points", "0")
    assert code == 0 and "UNDECIDED" in out and "between 19 and 20" in out
    assert "NUMERIC comparison not computed: it needs the exact rank" in out
    code, out, _ = run(capsys, "check", net_path, x_path, "--json", "--mc-points", "0",
                       "--method", "exact")
    checked = json.loads(out)
    assert code == 0 and checked["local_dimension"] == exact["local_dimension"]
    assert "undecided" not in {v["status"] for v in checked["theorems"].values()}
    assert checked["numeric"] is not None


def test_method_is_checked(capsys, line_files):
    _, net, sample = line_files
    code, _, err = run(capsys, "analyze", net, sample, "--method", "numeric")
    assert code == 2 and "invalid choice" in err
