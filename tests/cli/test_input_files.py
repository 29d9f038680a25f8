"""Input files through the command line (relugeom/cli/__init__.py, _common.py, model/io.py):
byte-order marks, the header rule and its note, the array read from an .npz, non-regular files
and the size cap, exact numbers of any size printed whole, ``--version``. Each refusal is exit
status 2 with one message on stderr, naming the file (and line and column where there is one),
nothing on stdout, never a traceback."""

import json
import os
import signal
import sys
from contextlib import contextmanager

import numpy as np
import pytest

import relugeom
from relugeom import ShallowNetwork, local_dimension
from relugeom.cli import main
from tests.cli.runner import relugeom as subprocess_relugeom
from tests.cli.runner import run, strict_json

ABS = '{"W": [[1], [-1]], "b": [0, 0], "V": [[1, 1]], "c": [0]}'   # |x|


@pytest.fixture
def files(tmp_path):
    """A writer ``files(name, bytes or text)`` returning the path, with ``.net`` (|x|)."""
    def write(name, content):
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return str(path)
    write.net = write("absval.json", ABS)
    write.dir = tmp_path
    return write


def refused(capsys, *args):
    """stderr of a command that must be refused: exit 2, one message, no report, no traceback."""
    code, out, err = run(capsys, *args)
    assert code == 2, (code, out, err)
    assert out == ""
    assert err.count("error:") == 1 and len(err.strip().splitlines()) == 1, err
    return err


@contextmanager
def deadline(seconds):
    """Fail (instead of hanging) when the block takes longer than ``seconds``."""
    def expire(*_):
        raise TimeoutError(f"took more than {seconds} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# --- byte-order marks and the header rule --------------------------------------------------------

def test_csv_with_a_byte_order_mark_loses_no_row(capsys, files):
    sample = files("b.csv", b"\xef\xbb\xbf1\n2\n-1\n-3\n")
    code, out, err = run(capsys, "analyze", files.net, sample, "--json")
    assert code == 0 and err == ""
    report = strict_json(out)
    assert report["n_samples"] == 4 and report["local_dimension"] == 4
    code, out, _ = run(capsys, "analyze", files.net, sample)
    assert code == 0 and "sample: n = 4\n" in out


def test_a_skipped_header_is_said_after_the_report(capsys, files):
    sample = files("x.csv", "x\n1\n2\n-1\n-3\n")
    code, out, err = run(capsys, "analyze", files.net, sample, "--json")
    assert code == 0 and strict_json(out)["n_samples"] == 4   # stdout: the JSON alone
    assert err == (f"relugeom analyze: note: sample file {sample!r}: line 1 ('x') cannot be read "
                   "as numbers and was skipped as a header of column names\n")
    code, out, err = run(capsys, "check", files.net, sample)
    assert code == 0 and "skipped as a header" in err


def test_a_header_note_never_joins_an_error(capsys, files):
    sample = files("x.csv", "x\n1\n0\n")    # 0 lies on both hyperplanes
    err = refused(capsys, "analyze", files.net, sample, "--json")
    assert "sample 1 lies on the hyperplane" in err and "note" not in err


@pytest.mark.parametrize("first, where", [("1e99999999", "line 1, column 1"),
                                          ("NaN", "line 1, column 1"),
                                          ("x1,2", "line 1, column 1")])
def test_a_first_line_that_looks_numeric_is_refused_not_skipped(capsys, files, first, where):
    width = first.count(",") + 1
    sample = files("x.csv", f"{first}\n" + "1,2\n"[:2 * width - 1] + "\n")
    assert where in refused(capsys, "analyze", files.net if width == 1 else
                            files("n2.json", '{"W": [[1, 0]], "b": [0], "V": [[1]], "c": [0]}'),
                            sample)


def test_json_with_a_byte_order_mark_is_accepted(capsys, files):
    net = files("bom.json", b"\xef\xbb\xbf" + ABS.encode())
    sample = files("x.json", b'\xef\xbb\xbf{"X": [[1], [2], [-1], [-3]]}')
    code, out, err = run(capsys, "analyze", net, sample, "--json")
    assert code == 0 and err == "" and strict_json(out)["local_dimension"] == 4


def test_text_that_is_not_utf8_is_refused_with_its_place(capsys, files):
    err = refused(capsys, "analyze", files.net, files("bad.csv", b"1\n2\n\xe9\n"))
    assert "bad.csv' is not UTF-8 text: byte 0xe9 at line 3, column 1" in err
    err = refused(capsys, "analyze", files.net, files("w.csv", "1\n".encode("utf-16")))
    assert "UTF-16" in err


# --- numpy archives ------------------------------------------------------------------------------

def test_the_array_read_from_an_npz_is_named(capsys, files):
    np.savez(files.dir / "a.npz", samples=np.array([[1.0], [2.0], [-1.0], [-3.0]]))
    code, out, err = run(capsys, "analyze", files.net, files.dir / "a.npz", "--json")
    assert code == 0 and strict_json(out)["n_samples"] == 4
    assert "holds one array, named 'samples' rather than 'X'; it was read as the sample" in err


# --- non-regular files and the size cap ----------------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_at_once(capsys, files):
    os.mkfifo(files.dir / "fifo.csv")
    os.mkfifo(files.dir / "fifo.json")
    with deadline(20):
        assert "is a FIFO (named pipe)" in refused(capsys, "analyze", files.net,
                                                   files.dir / "fifo.csv")
        assert "is a FIFO" in refused(capsys, "analyze", files.dir / "fifo.json",
                                      files("x.csv", "1\n"))
        assert "is a FIFO" in refused(capsys, "walk", files.net, files("x.csv", "1\n"),
                                      "--direction", files.dir / "fifo.json")


#: ``relugeom ARGS`` with at most 2 GiB of address space: reading /dev/zero whole (the bug of
#: issue 13) then ends in a MemoryError, not in the machine's out-of-memory killer.
LIMITED = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30)); "
           "from relugeom.cli import main; sys.exit(main(sys.argv[1:]))")


@pytest.mark.skipif(not os.path.exists("/dev/zero") or sys.platform != "linux",
                    reason="no /dev/zero, or no address-space limit here")
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_devices_are_refused_at_once(files, device):
    sample = files("x.csv", "1\n")
    for args in (("analyze", device, sample), ("analyze", files.net, device),
                 ("regions", device), ("fdim", files.net, "--sampling", "data", "--data", device)):
        result = subprocess_relugeom(*args, code=LIMITED)
        assert result.returncode == 2 and result.stdout == "", result.stderr[-500:]
        assert "character device" in result.stderr and "Traceback" not in result.stderr


def test_a_directory_is_refused(capsys, files):
    assert "is a directory" in refused(capsys, "analyze", files.net, files.dir)
    assert "is a directory" in refused(capsys, "fdim", files.dir)


def test_files_above_the_size_cap_are_refused_and_the_cap_can_be_raised(capsys, files,
                                                                       monkeypatch):
    sample = files("x.csv", "1\n2\n-1\n-3\n" * 200)   # 2000 bytes
    monkeypatch.setenv("RELUGEOM_MAX_INPUT_BYTES", "1K")
    err = refused(capsys, "analyze", files.net, sample)
    assert "1.95 KiB, more than the 1 KiB relugeom reads from one file" in err
    assert "RELUGEOM_MAX_INPUT_BYTES" in err
    monkeypatch.setenv("RELUGEOM_MAX_INPUT_BYTES", "2K")
    code, out, _ = run(capsys, "analyze", files.net, sample, "--json")
    assert code == 0 and strict_json(out)["n_samples"] == 800
    monkeypatch.setenv("RELUGEOM_MAX_INPUT_BYTES", "lots")
    assert "not a positive size" in refused(capsys, "analyze", files.net, sample)


def test_the_size_cap_is_in_the_help(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "RELUGEOM_MAX_INPUT_BYTES" in capsys.readouterr().out


# --- exact numbers of any size -------------------------------------------------------------------

BIG = 10 ** 5000


@pytest.fixture
def low_int_limit():
    """Python's default int-to-text limit (4300 digits) in force, whatever the test runner set."""
    if not hasattr(sys, "set_int_max_str_digits"):
        pytest.skip("no int-to-text limit in this Python")
    previous = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(4300)
    yield
    sys.set_int_max_str_digits(previous)


def test_a_bias_of_ten_to_the_5000_through_analyze_json(capsys, files, low_int_limit):
    text = ABS.replace('"b": [0, 0]', f'"b": [1{"0" * 5000}, 0]')
    net = files("big.json", text)
    sample = files("x.csv", "1\n2\n-1\n-3\n")
    code, out, err = run(capsys, "analyze", net, sample, "--json")
    assert code == 0, err
    expected = local_dimension(ShallowNetwork([[1], [-1]], [BIG, 0], [[1, 1]], [0]),
                               [[1], [2], [-1], [-3]])
    assert strict_json(out)["local_dimension"] == expected
    code, out, err = run(capsys, "check", net, sample, "--json")
    assert code == 0 and "Traceback" not in err
    assert sys.get_int_max_str_digits() == 4300   # restored after the command


def test_exact_numbers_of_5000_digits_are_printed_whole(capsys, files, low_int_limit):
    # walk prints t in [0, T]: the 5001-digit T crashed halfway ("Exceeds the limit")
    direction = files("dir.json", '{"W": [[0], [0]], "b": [1, 0], "V": [[0, 0]], "c": [0]}')
    sample = files("x.csv", "1\n2\n")
    T = "1" + "0" * 5000
    code, out, err = run(capsys, "walk", files.net, sample, "--direction", direction, "--to", T)
    assert code == 0 and err == "" and f", {T}]" in out
    code, out, err = run(capsys, "walk", files.net, sample, "--direction", direction, "--to", T,
                         "--json")
    assert code == 0 and json.loads(out)["t_to"] in (BIG, T)


def test_main_restores_the_int_limit_after_an_error(capsys, files, low_int_limit):
    refused(capsys, "analyze", files.net, files.dir / "nope.csv")
    assert sys.get_int_max_str_digits() == 4300


def test_huge_whole_number_options_are_refused_quickly(capsys, files):
    code, out, err = run(capsys, "fdim", files.net, "--sampling", "gaussian", "--repeats",
                         "9" * 100_000)
    assert code == 2 and out == "" and "at most 100 digits" in err and len(err) < 1000


# --- the version ---------------------------------------------------------------------------------

def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == f"relugeom {relugeom.__version__}\n"
