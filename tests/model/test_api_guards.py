"""The Python front door refuses what is not a network with an InputError naming the argument
(relugeom.model.network.as_network), lists the lazily imported search names in ``__all__``
without importing hypothesis, and keeps one version string."""

import configparser
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

import relugeom
from relugeom import (DeepNetwork, InputError, ShallowNetwork, analyze, as_network,
                      local_dimension, symmetry_bound)
from relugeom.model.deep import as_deep

NET = {"W": [[1], [-1]], "b": [0, 0], "V": [[1, 1]], "c": [0]}
X = [[1], [2], [-1], [-3]]
ROOT = Path(__file__).resolve().parents[2]


def test_as_network_returns_networks_unchanged_and_converts_json_dicts():
    shallow = ShallowNetwork(**NET)
    deep = DeepNetwork.from_shallow(shallow)
    assert as_network(shallow) is shallow and as_network(deep) is deep
    assert as_network(NET) == shallow
    assert as_network(deep.to_dict()) == deep
    converted = as_network({"W": [["1/2"]], "b": ["0.1"], "V": [[1]], "c": [0.5]})
    assert converted.W[0][0] == Fraction(1, 2) and converted.b[0] == Fraction(1, 10)


@pytest.mark.parametrize("value, fragment", [
    (None, "got None"),
    ({}, "is an empty dict"),
    ([[1]], "got a list"),
    ("net.json", "use relugeom.load_network(path)"),
    (Path("net.json"), "use relugeom.load_network(path)"),
    (3, "got an int"),
])
def test_as_network_refuses_everything_else_naming_the_argument(value, fragment):
    with pytest.raises(InputError, match="^teacher (must be|is)") as info:
        as_network(value, "teacher")
    assert fragment in str(info.value)


def test_as_network_names_the_argument_in_errors_of_a_json_dict():
    with pytest.raises(InputError, match=r"^network: missing key\(s\) b, V, c"):
        as_network({"W": [[1]]})
    with pytest.raises(InputError, match=r"^network: layer 2: W has 2 columns"):
        as_network({"layers": [{"W": [[1]], "b": [0]}, {"W": [[1, 1]], "b": [0]}]})


def test_the_model_helpers_refuse_what_is_not_a_network():
    with pytest.raises(InputError, match="expected a network"):
        as_deep(None)
    with pytest.raises(InputError, match="expected a network"):
        symmetry_bound({})


@pytest.mark.parametrize("network", [None, {}])
def test_local_dimension_refuses_what_is_not_a_network(network):
    with pytest.raises(InputError, match="^network "):
        local_dimension(network, X)


def test_analyze_refuses_what_is_not_a_network():
    with pytest.raises(InputError, match="^network "):
        analyze(None, X)


def test_search_names_are_public_and_lazy():
    for name in ("find_counterexample", "exhaustive_search", "Counterexample", "SearchResult",
                 "run_experiment", "ExperimentResult", "as_network"):
        assert name in relugeom.__all__ and name in dir(relugeom)
    assert len(set(relugeom.__all__)) == len(relugeom.__all__)
    code = ("import sys, relugeom; assert 'find_counterexample' in relugeom.__all__; "
            "print(sorted(m for m in sys.modules if m.startswith(('hypothesis', "
            "'relugeom.search.randomized'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_star_import_works_without_hypothesis_and_says_what_to_install():
    code = ("import sys; sys.modules['hypothesis'] = None\n"   # as if not installed
            "from relugeom import *\n"
            "from relugeom import Counterexample\n"
            "try:\n"
            "    find_counterexample(lambda a: True)\n"
            "except ModuleNotFoundError as exc:\n"
            "    print(exc.name, '|', exc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("hypothesis | relugeom.find_counterexample runs on hypothesis")
    assert "pip install 'relugeom[test]'" in out.stdout


def test_search_testing_is_reachable_after_a_plain_import():
    code = ("import relugeom; f = relugeom.search.testing.assert_conjecture; "
            "print(f.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if "AttributeError" in out.stderr:
        raise AttributeError(out.stderr.strip().splitlines()[-1])
    assert out.stdout.strip() == "relugeom.search.testing", out.stderr


def test_one_version_string():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    assert config["metadata"]["version"] == "attr: relugeom.__version__"
    assert relugeom.__version__.count(".") == 2
    text = (ROOT / "relugeom" / "__init__.py").read_text()
    assert text.count(relugeom.__version__) == 1
