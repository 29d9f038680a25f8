"""Running the command line in tests: as a user does (a subprocess of ``python -m relugeom.cli``)
or in process through :func:`relugeom.cli.main` (fast, argparse's exits included), and reading
its JSON strictly. ``NET`` and ``SAMPLE`` are the files of the ``plane_files`` fixture
(tests/cli/conftest.py)."""

import json
import subprocess
import sys

from relugeom.cli import main

#: relu(x) + 2 relu(y) + 3 relu(x + y − 1): three bending lines x = 0, y = 0, x + y = 1
NET = {"W": [[1, 0], [0, 1], [1, 1]], "b": [0, 0, -1], "V": [[1, 2, 3]], "c": [0]}
SAMPLE = "1,2\n-1,3\n2,-3\n3,3\n-2,-3\n"


def relugeom(*args, code=None, cwd=None):
    """``relugeom ARGS`` in a subprocess (or ``python -c CODE ARGS``): the CompletedProcess."""
    command = ([sys.executable, "-c", code, *map(str, args)] if code
               else [sys.executable, "-m", "relugeom.cli", *map(str, args)])
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=cwd)


def run(capsys, *args):
    """(exit status, stdout, stderr) of ``relugeom ARGS``; argparse's exits included."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def refused(capsys, command, *args):
    """``relugeom COMMAND ARGS`` in process must be refused: exit status 2, one message on
    stderr naming the command, nothing on stdout, no traceback. The message."""
    code, out, err = run(capsys, command, *args)
    assert code == 2, (code, out, err)
    assert out == ""
    assert err.strip().splitlines()[-1].startswith(f"relugeom {command}: error:")
    return err


def strict_json(text):
    def refuse(constant):
        raise AssertionError(f"{constant} is not JSON")
    return json.loads(text, parse_constant=refuse)


def with_entry(value):
    """NET with W[0][0] replaced by the JSON text ``value``."""
    return json.dumps(NET).replace("[[1, 0]", f"[[{value}, 0]", 1)
