"""Input files for the command-line tests."""

import json

import pytest

from tests.cli.runner import NET, SAMPLE


@pytest.fixture
def line_files(tmp_path):
    """(folder, network, sample): |x| = relu(x) + relu(−x) and the sample 1, 2, −1, −3."""
    net = tmp_path / "net.json"
    net.write_text('{"W": [[1], [-1]], "b": [0, 0], "V": [[1, 1]], "c": [0]}')
    sample = tmp_path / "x.csv"
    sample.write_text("x\n1\n2\n-1\n-3\n")
    return tmp_path, str(net), str(sample)


@pytest.fixture
def plane_files(tmp_path):
    """A writer ``plane_files(name, content)`` (text, or JSON of an object) returning the path,
    with ``.net`` and ``.sample``: runner.NET and runner.SAMPLE written out."""
    def write(name, content):
        path = tmp_path / name
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        return str(path)
    write.net = write("net.json", NET)
    write.sample = write("x.csv", SAMPLE)
    return write
