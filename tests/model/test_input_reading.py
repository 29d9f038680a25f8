"""Reading input files defensively (relugeom.model.io): byte-order marks, the CSV header rule
(never a data row swallowed), notes on how a file was read, non-regular files and the size cap,
numpy files that declare more than they hold."""

import io
import os
import signal
import subprocess
import sys
import zipfile
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relugeom import InputError, read_network, read_sample
from relugeom.model.io import (ENV_MAX_INPUT_BYTES, MAX_INPUT_BYTES, check_input_file,
                               max_input_bytes)

BOM = b"\xef\xbb\xbf"
NET = b'{"W": [[1], [-1]], "b": [0, 0], "V": [[1, 1]], "c": [0]}'


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return str(path)


# --- byte-order marks ----------------------------------------------------------------------------

def test_csv_with_a_byte_order_mark_keeps_its_first_row(tmp_path):
    notes = []
    X = read_sample(write(tmp_path, "b.csv", BOM + b"1\n2\n-1\n-3\n"), 1, notes=notes)
    assert X == ((1,), (2,), (-1,), (-3,)) and notes == []


def test_csv_with_a_byte_order_mark_and_a_header(tmp_path):
    notes = []
    X = read_sample(write(tmp_path, "b.csv", BOM + b"x,y\n1,1/2\n"), 2, notes=notes)
    assert X == ((1, Fraction(1, 2)),)
    assert len(notes) == 1 and "line 1 ('x,y')" in notes[0]


def test_json_with_a_byte_order_mark_is_read(tmp_path):
    assert read_sample(write(tmp_path, "x.json", BOM + b'{"X": [[0.1], [2]]}'), 1) == \
        ((Fraction(1, 10),), (2,))
    net = read_network(write(tmp_path, "n.json", BOM + NET))
    assert net.W == ((1,), (-1,))


def test_utf16_and_invalid_utf8_are_refused_with_their_place(tmp_path):
    with pytest.raises(InputError, match="UTF-16 or UTF-32.*save it as UTF-8"):
        read_sample(write(tmp_path, "w.csv", "1\n2\n".encode("utf-16")), 1)
    with pytest.raises(InputError, match=r"byte 0xff at line 2, column 3"):
        read_sample(write(tmp_path, "bad.csv", b"1,2\n3,\xff4\n"), 2)
    with pytest.raises(InputError, match=r"line 1, column 2 "):   # the BOM is not a column
        read_network(write(tmp_path, "bad.json", BOM + b"{\xff}"))


# --- the header rule -----------------------------------------------------------------------------

@pytest.mark.parametrize("first", ["1,2", " -1/2 , 3", "+.5,1e3", "0x,1", "1e99999999,1",
                                   "nan,1", "x,1", "\u00a01,2"])
def test_a_first_line_that_looks_numeric_is_never_skipped(tmp_path, first):
    path = write(tmp_path, "x.csv", f"{first}\n5,6\n")
    notes = []
    try:
        X = read_sample(path, 2, notes=notes)
    except InputError as exc:
        assert "line 1" in str(exc)    # refused, naming the line: never skipped
    else:
        assert len(X) == 2             # read as data
    assert notes == []


@given(st.lists(st.one_of(st.integers(-10 ** 30, 10 ** 30).map(str),
                          st.fractions(max_denominator=10 ** 6).map(str),
                          st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str)),
                min_size=1, max_size=4))
def test_no_line_of_numbers_is_taken_for_a_header(row):
    from relugeom.model.io import _parse_csv
    notes = []
    text = ",".join(row) + "\n" + ",".join(row) + "\n"
    assert len(_parse_csv(text, "sample", notes)) == 2 and notes == []


def test_a_skipped_header_is_reported(tmp_path):
    notes = []
    X = read_sample(write(tmp_path, "x.csv", "\n\nname one,name two\n1,2\n"), 2, notes=notes)
    assert X == ((1, 2),)
    assert notes == [f"sample file {str(tmp_path / 'x.csv')!r}: line 3 ('name one,name two') "
                     "cannot be read as numbers and was skipped as a header of column names"]


def test_a_header_alone_is_an_empty_sample(tmp_path):
    with pytest.raises(InputError, match=r"empty: line 1 \('x,y'\) is a header"):
        read_sample(write(tmp_path, "x.csv", "x,y\n"), 2)


def test_csv_lines_are_physical_lines(tmp_path):
    # a quoted header cell over two lines, then an error on line 4
    with pytest.raises(InputError, match="line 4, column 2"):
        read_sample(write(tmp_path, "x.csv", '"a\nb",c\n1,2\n3,z\n'), 2)
    # old Mac line ends
    assert read_sample(write(tmp_path, "r.csv", "1\r2\r"), 1) == ((1,), (2,))


# --- numpy files ---------------------------------------------------------------------------------

def test_npz_with_one_array_not_named_x_is_named_in_a_note(tmp_path):
    np.savez(tmp_path / "a.npz", np.array([[1.0], [2.0]]))
    notes = []
    assert read_sample(str(tmp_path / "a.npz"), 1, notes=notes) == ((1,), (2,))
    assert len(notes) == 1 and "'arr_0'" in notes[0] and "rather than 'X'" in notes[0]
    np.savez(tmp_path / "x.npz", X=np.array([[1.0]]))
    notes = []
    read_sample(str(tmp_path / "x.npz"), 1, notes=notes)
    assert notes == []
    np.savez(tmp_path / "two.npz", a=np.zeros((1, 1)), b=np.zeros((1, 1)))
    with pytest.raises(InputError, match=r"holds arrays \['a', 'b'\]; name the sample 'X'"):
        read_sample(str(tmp_path / "two.npz"), 1)


def npy_header(shape):
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "<f8", "fortran_order": False,
                                                  "shape": shape})
    return buffer.getvalue()


def test_numpy_files_declaring_huge_arrays_are_refused_before_allocating(tmp_path):
    huge = (10 ** 6, 10 ** 7)   # 80 TB declared in a few bytes
    (tmp_path / "t.npy").write_bytes(b"\x93NUMPY\x01\x00" + npy_header(huge)[8:] + b"\0" * 64)
    with pytest.raises(InputError, match="truncated"):
        read_sample(str(tmp_path / "t.npy"), 1)
    with zipfile.ZipFile(tmp_path / "t.npz", "w") as archive:
        archive.writestr("X.npy", npy_header(huge) + b"\0" * 64)
    with pytest.raises(InputError, match="array 'X'.*declared larger.*RELUGEOM_MAX_INPUT_BYTES"):
        read_sample(str(tmp_path / "t.npz"), 1)


def test_npz_members_are_capped_uncompressed(tmp_path):
    np.savez_compressed(tmp_path / "z.npz", X=np.zeros((1000, 100)))   # 800 kB of zeros
    assert os.path.getsize(tmp_path / "z.npz") < 10_000
    with pytest.raises(InputError, match="uncompressed, more than the 97.7 KiB"):
        read_sample(str(tmp_path / "z.npz"), 100, max_bytes=100_000)
    assert len(read_sample(str(tmp_path / "z.npz"), 100, max_bytes=1_000_000)) == 1000


# --- what is not a regular file, and the size cap ------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    def expire(*_):
        raise TimeoutError("blocked on the FIFO")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(20)   # opening a FIFO with no writer blocks: fail, do not hang
    try:
        for name in ("fifo.csv", "fifo.json", "fifo.npy", "fifo.npz"):
            os.mkfifo(tmp_path / name)
            with pytest.raises(InputError, match="is a FIFO"):
                read_sample(str(tmp_path / name), 1)
        with pytest.raises(InputError, match="is a FIFO"):
            read_network(str(tmp_path / "fifo.json"))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.skipif(not os.path.exists("/dev/zero") or sys.platform != "linux",
                    reason="no /dev/zero, or no address-space limit here")
def test_devices_are_refused_before_reading(tmp_path):
    # in a process of at most 2 GiB: reading /dev/zero whole ends in a MemoryError there
    (tmp_path / "zero.npy").symlink_to("/dev/zero")
    (tmp_path / "zero.npz").symlink_to("/dev/zero")
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
            "from relugeom import read_network, read_sample\n"
            "for path in sys.argv[1:]:\n"
            "    for read in (read_network, read_sample):\n"
            "        try:\n"
            "            read(path)\n"
            "        except Exception as exc:\n"
            "            print(type(exc).__name__, exc)\n")
    paths = ["/dev/zero", "/dev/urandom", "/dev/null", str(tmp_path / "zero.npy"),
             str(tmp_path / "zero.npz")]
    out = subprocess.run([sys.executable, "-c", code, *paths], capture_output=True, text=True,
                         timeout=120)
    lines = out.stdout.splitlines()
    assert out.returncode == 0 and len(lines) == 2 * len(paths), out.stderr[-500:]
    for line in lines:
        assert line.startswith("InputError") and "is a character device" in line, line


def test_directories_and_missing_files_are_refused(tmp_path):
    with pytest.raises(InputError, match="is a directory"):
        read_network(str(tmp_path))
    with pytest.raises(InputError, match="does not exist"):
        check_input_file(tmp_path / "nope", "sample")


def test_the_size_cap_and_its_override(tmp_path, monkeypatch):
    path = write(tmp_path, "x.csv", "1\n2\n" * 100)   # 400 bytes
    monkeypatch.delenv(ENV_MAX_INPUT_BYTES, raising=False)
    assert max_input_bytes() == MAX_INPUT_BYTES == 1 << 30
    with pytest.raises(InputError, match="400 bytes, more than the 100 bytes.*"
                                         "RELUGEOM_MAX_INPUT_BYTES=4G"):
        read_sample(path, 1, max_bytes=100)
    monkeypatch.setenv(ENV_MAX_INPUT_BYTES, "399")
    with pytest.raises(InputError, match="more than the 399 bytes"):
        read_sample(path, 1)
    assert len(read_sample(path, 1, max_bytes=400)) == 200   # the argument wins
    for text, value in (("400", 400), ("1K", 1024), ("2 MiB", 2 << 20), ("4g", 4 << 30),
                        ("1TB", 1 << 40)):
        monkeypatch.setenv(ENV_MAX_INPUT_BYTES, text)
        assert max_input_bytes() == value
    for text in ("abc", "0", "-5", "1.5G", "1P"):
        monkeypatch.setenv(ENV_MAX_INPUT_BYTES, text)
        with pytest.raises(InputError, match="RELUGEOM_MAX_INPUT_BYTES=.*not a positive size"):
            read_sample(path, 1)


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="no /proc here")
def test_a_file_longer_than_its_size_says_is_cut_at_the_cap():
    # /proc files are regular, report size 0 and hold more: the read itself stops at the cap
    assert os.stat("/proc/self/status").st_size == 0
    with pytest.raises(InputError, match="'/proc/self/status' is larger than 50 bytes"):
        read_sample("/proc/self/status", 1, max_bytes=50)
