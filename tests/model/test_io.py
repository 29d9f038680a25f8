"""Reading networks and samples from files (relugeom.model.io): exact values from CSV, JSON
and numpy files, shallow or deep networks told apart by their keys, and named refusals."""

from fractions import Fraction

import numpy as np
import pytest

from relugeom import DeepNetwork, InputError, ShallowNetwork, read_network, read_sample
from relugeom.model.io import network_from_data


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_csv_with_header_decimals_and_fractions(tmp_path):
    path = write(tmp_path, "x.csv", "x1,x2\n0.1,3/7\n-2, 1e-3\n\n")
    assert read_sample(path, 2) == ((Fraction(1, 10), Fraction(3, 7)),
                                    (Fraction(-2), Fraction(1, 1000)))


def test_csv_without_header(tmp_path):
    assert read_sample(write(tmp_path, "x.csv", "1\n2\n"), 1) == ((1,), (2,))


def test_json_sample_is_exact(tmp_path):
    path = write(tmp_path, "x.json", '{"X": [[0.1, 2], ["1/3", -0.5]]}')
    assert read_sample(path) == ((Fraction(1, 10), 2), (Fraction(1, 3), Fraction(-1, 2)))


def test_npy_and_npz_are_exact_binary(tmp_path):
    arr = np.array([[0.1, 1.0], [2.0, -3.5]])
    np.save(tmp_path / "x.npy", arr)
    np.savez(tmp_path / "x.npz", X=arr)
    for name in ("x.npy", "x.npz"):
        X = read_sample(str(tmp_path / name), 2)
        assert X[0][0] == Fraction(0.1) and X[1] == (2, Fraction(-7, 2))


def test_network_file(tmp_path):
    path = write(tmp_path, "n.json", '{"W": [[0.5]], "b": [0], "V": [[1]], "c": ["1/3"]}')
    net = read_network(path)
    assert net.W == ((Fraction(1, 2),),) and net.c == (Fraction(1, 3),)


def test_json_format_detection_and_messages(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text('{"layers": [{"W": [[1, "1/2"]], "b": [0.1]}, {"W": [[2]], "b": [0]}]}')
    net = read_network(str(deep))
    assert isinstance(net, DeepNetwork) and net.widths == (2, 1, 1)
    assert net.layers[0][1] == (Fraction(1, 10),)
    shallow = tmp_path / "shallow.json"
    shallow.write_text('{"W": [[1]], "b": [0], "V": [[1]], "c": [0]}')
    assert isinstance(read_network(str(shallow)), ShallowNetwork)
    bad = tmp_path / "bad.json"
    bad.write_text('{"layers": [{"W": [[1]], "b": [0]}, {"W": [[1, 1]], "b": [0]}]}')
    with pytest.raises(InputError, match="layer 2: W has 2 columns"):
        read_network(str(bad))
    with pytest.raises(InputError, match="unknown key"):
        network_from_data({"layers": [{"W": [[1]], "b": [0]}], "extra": 1})


@pytest.mark.parametrize("name, text, message", [
    ("x.csv", "1,2\n3\n", "ragged: line 2 has 1 values"),
    ("x.csv", "1,2\n3,abc\n", "line 2, column 2"),
    ("x.csv", "1,2\nnan,2\n", "NaN"),
    ("x.csv", "", "empty"),
    ("x.csv", "a,b\n", "empty"),
    ("x.csv", "1,2,3\n", "3 column"),
    ("x.json", '{"Y": [[1, 2]]}', "expected"),
    ("x.json", '{"X": [[1, 2], [1]]}', "ragged"),
    ("x.json", '{"X": [[1, 2]', "not valid JSON"),
    ("x.json", '{"X": []}', "empty"),
    ("x.json", '{"X": [[1, Infinity]]}', "NaN and infinities"),
])
def test_bad_samples_are_named(tmp_path, name, text, message):
    with pytest.raises(InputError, match=message):
        read_sample(write(tmp_path, name, text), 2)


def test_bad_numpy_samples(tmp_path):
    np.save(tmp_path / "one.npy", np.array([1.0, 2.0]))
    np.save(tmp_path / "nan.npy", np.array([[1.0, np.nan]]))
    with pytest.raises(InputError, match="shape"):
        read_sample(str(tmp_path / "one.npy"), 2)
    with pytest.raises(InputError, match="NaN"):
        read_sample(str(tmp_path / "nan.npy"), 2)
    (tmp_path / "junk.npy").write_bytes(b"not numpy")
    with pytest.raises(InputError, match="cannot be read"):
        read_sample(str(tmp_path / "junk.npy"), 2)


def test_missing_and_directory_files(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_network(str(tmp_path / "nope.json"))
    with pytest.raises(InputError, match="is a directory"):
        read_sample(str(tmp_path), 1)
    with pytest.raises(InputError, match="missing key"):
        read_network(write(tmp_path, "n.json", '{"W": [[1]], "b": [0]}'))


def test_csv_separator_and_long_numbers(tmp_path):
    with pytest.raises(InputError, match="comma-separated"):
        read_sample(write(tmp_path, "x.csv", "1;2\n3;4\n"), 2)
    with pytest.raises(InputError, match="comma-separated"):
        read_sample(write(tmp_path, "x.csv", "1\t2\n"), 2)
    big = "7" * 5000
    X = read_sample(write(tmp_path, "x.csv", f"{big}\n1\n2\n"), 1)
    assert len(X) == 3 and X[0][0] == 7 * (10 ** 5000 - 1) // 9  # data, not a header
    with pytest.raises(InputError, match="line 1"):
        read_sample(write(tmp_path, "x.csv", "1e99999999\n"), 1)
    with pytest.raises(InputError, match="not valid CSV"):
        read_sample(write(tmp_path, "x.csv", "1," + "9" * 200_000 + "\n"), 2)


def test_corrupt_numpy_archives(tmp_path):
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(InputError, match="cannot be read"):
        read_sample(str(tmp_path / "bad.npz"), 1)
    np.savez(tmp_path / "obj.npz", X=np.array([[1, "a"]], dtype=object))
    with pytest.raises(InputError, match="cannot be read"):
        read_sample(str(tmp_path / "obj.npz"), 2)
    (tmp_path / "dir.npy").mkdir()
    with pytest.raises(InputError, match="is a directory"):
        read_sample(str(tmp_path / "dir.npy"), 1)
