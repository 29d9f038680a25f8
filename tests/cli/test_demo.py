"""``relugeom demo``: the examples' numbers are the library's."""

import json

from relugeom import local_dimension
from relugeom.model.examples import all_examples
from tests.cli.runner import relugeom


def test_demo_matches_library():
    result = relugeom("demo", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    for ex in all_examples():
        assert report[ex.name]["local_dimension"] == local_dimension(ex.network, ex.X)
    text = relugeom("demo")
    assert text.returncode == 0 and "below P − N" in text.stdout
