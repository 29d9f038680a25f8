"""Named regression cases of issue 13 (and of what the fuzz harness found), run as a user runs
them: each case writes its files into its own empty folder and runs one ``relugeom`` command
there under the time and memory limits of tests/fuzz/harness.py. Every case keeps the
contract (:func:`tests.fuzz.harness.check_contract`: exit 0 with a report or exit 2 with one
message and nothing on stdout; no traceback, time-out or MemoryError) and its own checks (the
right answer, the exit status, the note or message expected).

All cases run at once, a few in parallel, in one module fixture; each test reads its result.
The fast profile runs the cases named in the issue; cases that are expensive or that repeat
one (another spelling, another command) are skipped there, and those known to run until the
time limit are marked xfail and not run (each would cost the full time limit).
``RELUGEOM_HYPOTHESIS=thorough`` runs them all.
"""

from __future__ import annotations

import io
import json
import os
import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pytest

from relugeom import DeepNetwork
from tests.fuzz.files import DIRECTION, NET, random_network, random_sample_csv
from tests.fuzz.harness import Run, check_contract, run_all, strict_json

THOROUGH = os.environ.get("RELUGEOM_HYPOTHESIS", "fast") == "thorough"

ABSVAL = '{"W": [[1], [-1]], "b": [0, 0], "V": [[1, 1]], "c": [0]}'   # |x|
BOM = b"\xef\xbb\xbf"
FIFO = object()          # a file entry: make a FIFO there


@dataclass
class Case:
    """One command on files written into an empty folder."""

    name: str
    files: dict                               # name -> bytes | str | FIFO | callable() -> bytes
    args: tuple
    expect: Callable[[Run], None] = lambda r: None
    env: dict = field(default_factory=dict)
    memory: int | None = None                 # address-space limit, if not the harness's
    xfail: str | None = None                  # the bug, while it stands
    thorough_only: bool = False               # expensive or redundant: not in the fast profile

    def param(self):
        marks = []
        if self.xfail:
            # a known hang costs the full time limit: run it only in the thorough profile
            marks.append(pytest.mark.xfail(strict=False, reason=self.xfail, run=self.runs))
        elif not self.runs:
            marks.append(pytest.mark.skip(reason="runs with RELUGEOM_HYPOTHESIS=thorough"))
        return pytest.param(self, id=self.name, marks=marks)

    @property
    def runs(self) -> bool:
        return THOROUGH or not self.thorough_only


# --- expectations -------------------------------------------------------------------------------

def exits(code: int):
    def check(r: Run):
        assert r.code == code, r.describe()
    return check


def answers(n: int, dim: int, note: str | None = None):
    """Exit 0 with n samples and local dimension dim (JSON or text); a note on stderr
    containing ``note`` when given, no note otherwise."""
    def check(r: Run):
        assert r.code == 0, r.describe()
        if r.json_mode:
            report = strict_json(r.stdout)
            assert (report["n_samples"], report["local_dimension"]) == (n, dim), r.describe()
        else:
            assert f"sample: n = {n}\n" in r.stdout, r.describe()
            assert re.search(rf"local dimension \(exact rank of J\)\s+{dim}\n", r.stdout), \
                r.describe()
        if note is None:
            assert r.stderr == "", r.describe()
        else:
            assert "note" in r.stderr and note in r.stderr, r.describe()
    return check


def refuses(*words: str):
    """Exit 2 with a message containing every word (case-insensitive)."""
    def check(r: Run):
        assert r.code == 2, r.describe()
        for word in words:
            assert word.lower() in r.stderr.lower(), f"message without {word!r}:\n{r.describe()}"
    return check


def whole_or_refused(zeros: int):
    """Exit 2, or exit 0 with the exact numbers printed whole (a run of ``zeros`` zeros)."""
    def check(r: Run):
        assert r.code == 2 or "0" * zeros in r.stdout, f"numbers not printed whole:\n" \
                                                        f"{r.describe()}"
    return check


def _npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


_DIGITS_5 = "1" + "0" * 100_000          # 10^100000, 100,001 digits
_BIG_B = dict(DIRECTION, b=[0, 0, "1" + "0" * 5000])       # δ with b = 10^5000
_SAMPLE = "1,2\n-1,3\n2,-3\n3,3\n-2,-3\n"


def _deep_net(seed: int) -> str:
    """A random deep network of widths [2, 5, 5, 1] (small rational weights)."""
    return DeepNetwork.random([2, 5, 5, 1], seed=seed).to_json()


def _big(d, N, seed=0, magnitude=3):
    return lambda: json.dumps(random_network(d, N, seed, magnitude))


CASES = [
    # --- silent wrong answers: byte-order marks and the header rule
    Case("csv-bom-no-header-json", {"absval.json": ABSVAL, "b.csv": BOM + b"1\n2\n-1\n-3\n"},
         ("analyze", "absval.json", "b.csv", "--json"), answers(4, 4)),
    Case("csv-bom-no-header-text", {"absval.json": ABSVAL, "b.csv": BOM + b"1\n2\n-1\n-3\n"},
         ("analyze", "absval.json", "b.csv"), answers(4, 4)),
    Case("csv-bom-crlf-no-header", {"absval.json": ABSVAL,
                                    "b.csv": BOM + b"1\r\n2\r\n-1\r\n-3\r\n"},
         ("analyze", "absval.json", "b.csv", "--json"), answers(4, 4),
         thorough_only=True),
    Case("csv-bom-and-header", {"absval.json": ABSVAL, "b.csv": BOM + b"x\n1\n2\n-1\n-3\n"},
         ("analyze", "absval.json", "b.csv", "--json"), answers(4, 4, note="header")),
    Case("csv-header-skipped-with-a-note", {"absval.json": ABSVAL, "x.csv": "x\n1\n2\n-1\n-3\n"},
         ("check", "absval.json", "x.csv", "--json"), answers(4, 4, note="header"),
         thorough_only=True),
    Case("json-network-with-bom",
         {"absval.json": BOM + ABSVAL.encode(), "x.csv": "1\n2\n-1\n-3\n"},
         ("analyze", "absval.json", "x.csv", "--json"), answers(4, 4)),
    Case("json-sample-with-bom", {"absval.json": ABSVAL,
                                  "x.json": BOM + b'{"X": [[1], [2], [-1], [-3]]}'},
         ("analyze", "absval.json", "x.json", "--json"), answers(4, 4),
         thorough_only=True),
    Case("csv-first-line-1e999999999-is-data-not-a-header",
         {"absval.json": ABSVAL, "x.csv": "1e999999999\n1\n2\n-1\n-3\n"},
         ("analyze", "absval.json", "x.csv", "--json"), refuses("line 1")),
    Case("csv-first-line-nan-is-data-not-a-header",
         {"absval.json": ABSVAL, "x.csv": "NaN\n1\n2\n-1\n-3\n"},
         ("analyze", "absval.json", "x.csv"), refuses("line 1")),
    Case("npz-single-array-not-named-X-is-named-in-a-note",
         {"absval.json": ABSVAL, "x.npz": lambda: _npz(Y=np.array([[1.0], [2], [-1], [-3]]))},
         ("analyze", "absval.json", "x.npz", "--json"), answers(4, 4, note="'Y'")),
    Case("npz-two-arrays-none-named-X",
         {"absval.json": ABSVAL, "x.npz": lambda: _npz(A=np.ones((2, 1)), B=np.ones((2, 1)))},
         ("analyze", "absval.json", "x.npz"), refuses("x.npz"),
         thorough_only=True),
    # --- non-regular files and the size cap
    Case("fifo-as-sample", {"absval.json": ABSVAL, "x.csv": FIFO},
         ("analyze", "absval.json", "x.csv"), refuses("FIFO")),
    Case("fifo-as-network", {"net.json": FIFO}, ("fdim", "net.json", "--json"),
         refuses("FIFO"),
         thorough_only=True),
    Case("dev-zero-as-network", {}, ("regions", "/dev/zero"), refuses("/dev/zero")),
    Case("dev-urandom-as-sample", {"absval.json": ABSVAL},
         ("check", "absval.json", "/dev/urandom", "--json"), refuses("/dev/urandom")),
    Case("dev-zero-as-direction", {"net.json": json.dumps(NET), "x.csv": _SAMPLE},
         ("walk", "net.json", "x.csv", "--direction", "/dev/zero"), refuses("/dev/zero"),
         thorough_only=True),
    Case("directory-as-sample", {"absval.json": ABSVAL, "x.csv/inside": "1\n"},
         ("analyze", "absval.json", "x.csv"), refuses("directory")),
    Case("file-over-the-size-cap", {"absval.json": ABSVAL, "x.csv": "1\n" * 1024},
         ("analyze", "absval.json", "x.csv"), refuses("RELUGEOM_MAX_INPUT_BYTES"),
         env={"RELUGEOM_MAX_INPUT_BYTES": "1K"}),
    # found by the harness (fixed since): reading allocated the whole 1 GiB cap up front, so a
    # 12-byte file died with a MemoryError under `ulimit -v 1048576`
    Case("small-file-under-ulimit-v-1GiB", {"absval.json": ABSVAL, "x.csv": "1\n2\n-1\n-3\n"},
         ("analyze", "absval.json", "x.csv", "--json"), answers(4, 4), memory=1 << 30),
    # found by the final probe of the session: a traceback (7 TiB array) and a 20 s hang
    Case("check-monte-carlo-beyond-memory", {"absval.json": ABSVAL, "x.csv": "1\n2\n-1\n-3\n"},
         ("check", "absval.json", "x.csv", "--mc-points", "1000000000000"),
         refuses("Monte-Carlo points", "GiB", "--mc-points")),
    Case("search-family-beyond-hypothesis", {},
         ("search", "F1", "--input-dim", "1000000", "--max-examples", "2"),
         refuses("1000000", "entries", "--input-dim")),
    Case("empty-network-file", {"net.json": "", "x.csv": _SAMPLE},
         ("analyze", "net.json", "x.csv"), exits(2),
         thorough_only=True),
    Case("empty-sample-file", {"absval.json": ABSVAL, "x.csv": ""},
         ("analyze", "absval.json", "x.csv", "--json"), exits(2),
         thorough_only=True),
    # --- deep nesting and huge numbers
    Case("network-nested-100000-deep", {"net.json": _deep(100_000)},
         ("regions", "net.json", "--json"), exits(2)),
    Case("sample-nested-100000-deep", {"absval.json": ABSVAL,
                                       "x.json": '{"X": ' + _deep(100_000) + "}"},
         ("analyze", "absval.json", "x.json"), exits(2)),
    # 10^100000 has 100,001 digits, one more than relugeom reads: refused however spelled
    Case("csv-entry-10^100000-refused", {"absval.json": ABSVAL,
                                         "x.csv": f"1\n{_DIGITS_5}\n-1\n-3\n"},
         ("analyze", "absval.json", "x.csv"), refuses("100000 digits")),
    Case("json-string-10^100000-refused", {"absval.json": ABSVAL,
                                           "x.json": f'{{"X": [[1], ["{_DIGITS_5}"]]}}'},
         ("analyze", "absval.json", "x.json"), refuses("100000 digits"),
         thorough_only=True),
    Case("json-1e100000-refused", {"net.json": ABSVAL.replace("[[1], [-1]]", "[[1e100000], [-1]]"),
                                   "x.csv": "1\n2\n-1\n-3\n"},
         ("analyze", "net.json", "x.csv"), refuses("100000 digits")),
    Case("json-integer-10^100000-refused",
         {"absval.json": ABSVAL.replace("[[1], [-1]]", f"[[{_DIGITS_5}], [-1]]"),
          "x.csv": "1\n2\n-1\n-3\n"},
         ("analyze", "absval.json", "x.csv", "--json"), refuses("100000 digits")),
    Case("walk-direction-b-10^5000-text", {"net.json": json.dumps(NET), "x.csv": _SAMPLE,
                                           "delta.json": json.dumps(_BIG_B)},
         ("walk", "net.json", "x.csv", "--direction", "delta.json"), whole_or_refused(5000)),
    Case("walk-direction-b-10^5000-json", {"net.json": json.dumps(NET), "x.csv": _SAMPLE,
                                           "delta.json": json.dumps(_BIG_B)},
         ("walk", "net.json", "x.csv", "--direction", "delta.json", "--json"),
         whole_or_refused(5000)),
    Case("walk-to-1e99999", {"net.json": json.dumps(NET), "x.csv": _SAMPLE,
                             "delta.json": json.dumps(DIRECTION)},
         ("walk", "net.json", "x.csv", "--direction", "delta.json", "--to", "1e99999"),
         whole_or_refused(99999)),
    Case("walk-to-1-and-5000-zeros", {"net.json": json.dumps(NET), "x.csv": _SAMPLE,
                                      "delta.json": json.dumps(DIRECTION)},
         ("walk", "net.json", "x.csv", "--direction", "delta.json", "--json",
          "--to", "1" + "0" * 5000), whole_or_refused(5000)),
    # --- a refusal never leaves a partial report
    Case("sample-on-a-hyperplane-text", {"absval.json": ABSVAL, "x.csv": "1\n2\n0\n-3\n"},
         ("analyze", "absval.json", "x.csv"), refuses("hyperplane")),
    Case("sample-on-a-hyperplane-check", {"absval.json": ABSVAL, "x.csv": "1\n2\n0\n-3\n"},
         ("check", "absval.json", "x.csv"), refuses("hyperplane"),
         thorough_only=True),
    # --- conjecture files that misbehave (search FILE.py:FUNCTION)
    Case("search-conjecture-raising-SystemExit-0",
         {"c.py": "def f(a):\n    raise SystemExit(0)\n"},
         ("search", "c.py:f", "--max-examples", "5"), exits(2)),
    Case("search-conjecture-printing-with-json",
         {"c.py": "def f(a):\n    print('hello')\n    return True\n"},
         ("search", "c.py:f", "--max-examples", "5", "--json")),
    # --- unbounded work: refuse from a cheap bound before counting (issue 13)
    *[Case(f"{command}-d{d}-N{N}-refused-or-answered-in-time", {"net.json": _big(d, N)},
           (command, "net.json"), thorough_only=(d == 784 or d == 8))
      for d, N in ((5, 100), (8, 60), (10, 200), (784, 2000)) for command in ("regions", "fdim")],
    # --- unbounded work found by test_large_well_formed_input: each runs past the time limit
    Case("check-d10-N200-n10", {"net.json": _big(10, 200, seed=2),
                                "x.csv": lambda: random_sample_csv(10, 10, 2)},
         ("check", "net.json", "x.csv"), thorough_only=True,
         xfail="check takes ~11 s of CPU on d = 10, N = 200, n = 10 (was > 60 s): the kernel "
               "split's choice is made mod p now, but its 2,191 exact extra directions (P = 2401) "
               "are still built and labelled; past the time limit on a loaded machine"),
    Case("check-d2-N200-n1", {"net.json": _big(2, 200, seed=0),
                              "x.csv": lambda: random_sample_csv(2, 1, 0)},
         ("check", "net.json", "x.csv"), thorough_only=True),
    Case("check-d5-N100-n100", {"net.json": _big(5, 100, seed=1),
                                "x.csv": lambda: random_sample_csv(5, 100, 1)},
         ("check", "net.json", "x.csv"), thorough_only=True),
    Case("check-d2-N3-n100000", {"net.json": json.dumps(NET),
                                 "x.csv": lambda: random_sample_csv(2, 100_000, 1)},
         ("check", "net.json", "x.csv", "--mc-points", "0"), thorough_only=True,
         xfail="check takes ~22 s of CPU on n = 100,000 samples of a 3-neuron network (was "
               "~58 s; analyze: 2.5 s): T8 is now refused above its work budget and T3 "
               "evaluates f in one pass, but the exact J, T3's two extra ranks and T9 remain "
               "linear in n with large constants"),
    Case("walk-d2-N3-n10000", {"net.json": json.dumps(NET), "delta.json": json.dumps(DIRECTION),
                               "x.csv": lambda: random_sample_csv(2, 10_000, 1)},
         ("walk", "net.json", "x.csv", "--direction", "delta.json"), exits(0), thorough_only=True),
    Case("walk-d5-N100-n100", {"net.json": _big(5, 100, seed=1),
                               "delta.json": lambda: json.dumps(random_network(5, 100, 2, 1)),
                               "x.csv": lambda: random_sample_csv(5, 100, 1)},
         ("walk", "net.json", "x.csv", "--direction", "delta.json"), exits(0), thorough_only=True),
    Case("walk-deep-2-5-5-1-n1000", {"net.json": lambda: _deep_net(1),
                                     "delta.json": lambda: _deep_net(2),
                                     "x.csv": lambda: random_sample_csv(2, 1000, 1)},
         ("walk", "net.json", "x.csv", "--direction", "delta.json", "--relu-prime-at-zero", "0"),
         exits(0), thorough_only=True,
         xfail="a deep walk is still swept one sample at a time (root isolation of each "
               "neuron's polynomial at every breakpoint of the sample) with an exact rank per "
               "piece: widths [2, 5, 5, 1], n = 1000 takes 11 s of CPU, 33 s on a loaded "
               "machine (n = 300: ~2 s)"),
    Case("fdim-d2-N400", {"net.json": _big(2, 400, seed=3)}, ("fdim", "net.json"),
         thorough_only=True,
         xfail="fdim takes ~28 s on d = 2, N = 400 (was > 40 s): 4,572 regions; the rank on "
               "the decisive sample (13,716 points) now comes from Φ on representative regions "
               "(112 s → 7 s of CPU), but the gap explanation's rank structure of X* "
               "(rank.explain.rank_structure: one exact rank per region, O(N²·n) diagnosis) "
               "takes ~19 s"),
]


def _write(folder, name, content):
    path = os.path.join(folder, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if content is FIFO:
        os.mkfifo(path)
        return
    if callable(content):
        content = content()
    with open(path, "wb") as handle:
        handle.write(content if isinstance(content, bytes) else content.encode())


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Every case that runs in this profile, run at once: name -> Run."""
    chosen = [case for case in CASES if case.runs]
    folders = []
    for case in chosen:
        folder = str(tmp_path_factory.mktemp(re.sub(r"\W", "_", case.name)[:40]))
        for name, content in case.files.items():
            _write(folder, name, content)
        folders.append(folder)
    groups: dict = {}
    for case, folder in zip(chosen, folders):
        key = (tuple(sorted(case.env.items())), case.memory)
        groups.setdefault(key, []).append((case, folder))
    out = {}
    for (env, memory), group in groups.items():
        runs = run_all([case.args for case, _ in group], cwd=[f for _, f in group],
                       env=dict(env), memory=memory)
        out.update({case.name: r for (case, _), r in zip(group, runs)})
    return out


@pytest.mark.parametrize("case", [case.param() for case in CASES])
def test_regression(results, case):
    result = results[case.name]
    check_contract(result)
    case.expect(result)
