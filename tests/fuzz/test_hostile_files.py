"""Fuzzing every subcommand that reads files with hostile files (issue 13).

Each example writes one hostile file (tests/fuzz/files.py: malformed, huge, badly encoded or
not a regular file) into one slot — the network, the sample, ``walk``'s direction or
``search``'s conjecture file — with valid files in the other slots, and runs two of the
subcommands that read that slot (drawn, so that every one is reached), with or without
``--json``, at the same time, in subprocesses under the time and memory limits of
tests/fuzz/harness.py. Every run must keep the contract of
:func:`tests.fuzz.harness.check_contract`: exit 0 with a report, or exit 2 with one message and
an empty stdout; no traceback; no time-out; no MemoryError. Large well-formed networks and
samples must be answered or refused within the time limit too.

The fast profile draws a few examples per test (about 30 commands here); the thorough profile
(``RELUGEOM_HYPOTHESIS=thorough``) 16 times as many.
"""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.files import (DEEP_NET, DIRECTION, NET, ROWS, conjecture_files,
                              network_files, random_network, random_sample_csv, sample_files)
from tests.fuzz.harness import check_all, examples, run_all

FUZZ = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                  HealthCheck.too_slow,
                                                  HealthCheck.data_too_large])


def _write(folder, name, content):
    path = folder / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def _fresh(tmp_path_factory):
    """A new empty folder per example (hypothesis runs many examples in one test call)."""
    return tmp_path_factory.mktemp("fuzz")


def _valid_files(folder, deep=False):
    return (_write(folder, "net.json", DEEP_NET if deep else NET),
            _write(folder, "x.csv", "\n".join(",".join(r) for r in ROWS) + "\n"),
            _write(folder, "delta.json", DIRECTION))


def _flags(as_json):
    return ("--json",) if as_json else ()


def _commands(slot, net, sample, direction, flags):
    """Every command that reads ``slot``, by name."""
    table = {
        "network": {"analyze": ("analyze", net, sample),
                    "check": ("check", net, sample),
                    "regions": ("regions", net),
                    "fdim": ("fdim", net),
                    "walk": ("walk", net, sample, "--direction", direction)},
        "sample": {"analyze": ("analyze", net, sample),
                   "check": ("check", net, sample),
                   "walk": ("walk", net, sample, "--direction", direction),
                   "regions --sample": ("regions", net, "--sample", sample),
                   "fdim --data": ("fdim", net, "--sampling", "data", "--data", sample,
                                   "--repeats", "2")},
        "direction": {"walk": ("walk", net, sample, "--direction", direction)},
    }[slot]
    return {name: args + flags for name, args in table.items()}


NETWORK_COMMANDS = list(_commands("network", "", "", "", ()))
SAMPLE_COMMANDS = list(_commands("sample", "", "", "", ()))

#: Two distinct commands an example (run at the same time): many payloads, every command.
def _two(names):
    return st.lists(st.sampled_from(names), min_size=2, max_size=2, unique=True)


@settings(max_examples=examples(5), **FUZZ)
@given(payload=network_files(), commands=_two(NETWORK_COMMANDS), as_json=st.booleans())
def test_hostile_network_file(tmp_path_factory, payload, commands, as_json):
    """A hostile NETWORK for analyze, check, regions, fdim and walk."""
    folder = _fresh(tmp_path_factory)
    _, sample, direction = _valid_files(folder)
    table = _commands("network", payload.make(folder, "hostile"), sample, direction,
                      _flags(as_json))
    check_all(run_all([table[name] for name in commands], cwd=folder))


@settings(max_examples=examples(5), **FUZZ)
@given(payload=sample_files(), commands=_two(SAMPLE_COMMANDS), as_json=st.booleans(),
       deep=st.booleans())
def test_hostile_sample_file(tmp_path_factory, payload, commands, as_json, deep):
    """A hostile SAMPLE for analyze, check, walk, regions --sample and fdim --data, with the
    network in the shallow or the deep format."""
    folder = _fresh(tmp_path_factory)
    net, _, direction = _valid_files(folder, deep)
    table = _commands("sample", net, payload.make(folder, "hostile"), direction,
                      _flags(as_json))
    check_all(run_all([table[name] for name in commands], cwd=folder))


@settings(max_examples=examples(2), **FUZZ)
@given(payloads=st.lists(network_files(DIRECTION), min_size=2, max_size=2),
       as_json=st.booleans())
def test_hostile_direction_file(tmp_path_factory, payloads, as_json):
    """Two hostile --direction files for walk."""
    folder = _fresh(tmp_path_factory)
    net, sample, _ = _valid_files(folder)
    check_all(run_all([_commands("network", net, sample, payload.make(folder, f"hostile{i}"),
                                 _flags(as_json))["walk"]
                       for i, payload in enumerate(payloads)], cwd=folder))


@settings(max_examples=examples(2), **FUZZ)
@given(payloads=st.lists(conjecture_files, min_size=2, max_size=2), as_json=st.booleans())
def test_hostile_conjecture_file(tmp_path_factory, payloads, as_json):
    """Two hostile FILE.py for ``search FILE.py:f`` (a few examples, so that it is quick)."""
    folder = _fresh(tmp_path_factory)
    check_all(run_all([("search", payload.make(folder, f"hostile{i}") + ":f", "--max-examples",
                        "5", *_flags(as_json)) for i, payload in enumerate(payloads)],
                      cwd=folder))


@st.composite
def large_cases(draw):
    """(d, N, n, seed, magnitude): sizes first, so that shrinking makes them small."""
    d = draw(st.integers(1, 12))
    N = draw(st.sampled_from([1, 8, 30, 60, 100, 200, 400]))
    n = draw(st.sampled_from([1, 10, 100, 1000]))
    return d, N, n, draw(st.integers(0, 2 ** 16)), draw(st.sampled_from([3, 1, 1000]))


@settings(max_examples=examples(2), **FUZZ)
@given(case=large_cases(), commands=_two(NETWORK_COMMANDS), as_json=st.booleans())
def test_large_well_formed_input(tmp_path_factory, case, commands, as_json):
    """A large network (up to d = 12, N = 400) and sample (up to n = 1000, off every
    hyperplane) with small random integer weights: every command answers or refuses
    (--max-regions, a work budget) within the time limit; none runs until killed."""
    d, N, n, seed, magnitude = case
    folder = _fresh(tmp_path_factory)
    net = _write(folder, "net.json", random_network(d, N, seed, magnitude))
    delta = _write(folder, "delta.json", random_network(d, N, seed + 1, 1))
    sample = _write(folder, "x.csv", random_sample_csv(d, n, seed))
    table = _commands("network", net, sample, delta, _flags(as_json))
    check_all(run_all([table[name] for name in commands], cwd=folder))
