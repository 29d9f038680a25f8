"""Running ``relugeom`` on hostile input, as a user does, and checking its contract.

Every command runs in a subprocess (``python -m relugeom ...``) with a wall-clock limit
(:data:`TIME_LIMIT` s) and an address-space limit (:data:`MEMORY_LIMIT` bytes, ``RLIMIT_AS``).
:func:`check_contract` asserts what issue 13 asks of every run, whatever the input:

- exit status 0 with a report on stdout (one JSON object when ``--json``), or exit status 2
  with one error message on stderr and *nothing* on stdout (no partial report);
- never a traceback (on stdout or stderr), never another exit status, never killed by a
  signal, the time limit or the memory limit (a ``MemoryError`` counts as killed).

:func:`examples` scales the number of hypothesis examples of a test with the active profile
(tests/conftest.py: "fast" by default, "thorough" with ``RELUGEOM_HYPOTHESIS=thorough``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from hypothesis import settings

#: Wall-clock limit of one command, in seconds.
TIME_LIMIT = 20
#: Address-space limit of one command (RLIMIT_AS), in bytes.
MEMORY_LIMIT = 2 << 30
#: Commands run at the same time (each is a separate process; most of the time is start-up).
WORKERS = max(2, min(4, os.cpu_count() or 2))

#: The base number of hypothesis examples is for the "fast" profile (max_examples 25); the
#: "thorough" profile (400) runs 16 times as many.
_SCALE = settings.default.max_examples / 25

#: One error message: "relugeom analyze: error: ..." (argparse's and relugeom's alike).
_ERROR_LINE = re.compile(r"^relugeom(?: [\w-]+)?: error: ", re.MULTILINE)


def examples(fast: int) -> int:
    """``fast`` hypothesis examples under the fast profile, proportionally more otherwise."""
    return max(1, round(fast * _SCALE))


#: Sets the memory limit, then becomes ``python -m relugeom ARGS`` (same process, so the time
#: limit kills it). A launcher rather than ``preexec_fn``, which is unsafe with threads.
_LAUNCHER = ("import os, resource, sys; "
             "resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]), int(sys.argv[1]))); "
             "os.execv(sys.executable, [sys.executable, '-m', 'relugeom', *sys.argv[2:]])")


def _environment(extra: dict | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "RELUGEOM_MAX_INPUT_BYTES"}
    env.update(extra or {})
    return env


@dataclass
class Run:
    """One finished (or killed) command."""

    args: tuple
    code: int | None          # None: killed by the time limit
    stdout: str
    stderr: str
    seconds: float

    @property
    def json_mode(self) -> bool:
        return "--json" in self.args

    def describe(self) -> str:
        def clip(text, limit=1500):
            return text if len(text) <= limit else text[:limit] + f"… ({len(text)} characters)"
        return (f"relugeom {' '.join(map(str, self.args))}\n  exit status {self.code} after "
                f"{self.seconds:.1f} s\n  stdout: {clip(self.stdout)!r}\n"
                f"  stderr: {clip(self.stderr)!r}")


def run(*args, cwd=None, env: dict | None = None, timeout: float = TIME_LIMIT,
        memory: int | None = None) -> Run:
    """``relugeom ARGS`` in a subprocess under the time limit and the memory limit
    (``memory`` bytes, default :data:`MEMORY_LIMIT`)."""
    args = tuple(map(str, args))
    start = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-S", "-c", _LAUNCHER,
                               str(memory or MEMORY_LIMIT), *args],
                              cwd=cwd, env=_environment(env), stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        return Run(args, None, _text(exc.stdout), _text(exc.stderr), time.monotonic() - start)
    return Run(args, done.returncode, _text(done.stdout), _text(done.stderr),
               time.monotonic() - start)


def run_all(commands, cwd=None, env: dict | None = None, memory: int | None = None
            ) -> list[Run]:
    """Run several argument tuples concurrently, in ``cwd`` (one folder, or a list of one
    folder a command); the runs in the same order."""
    commands = list(commands)
    folders = cwd if isinstance(cwd, list) else [cwd] * len(commands)
    with ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(lambda job: run(*job[0], cwd=job[1], env=env, memory=memory),
                             zip(commands, folders)))


def _text(data) -> str:
    if data is None:
        return ""
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


def strict_json(text: str):
    """``json.loads`` that refuses NaN and infinities (not JSON)."""
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")
    return json.loads(text, parse_constant=refuse)


def check_contract(result: Run) -> None:
    """Assert the contract of issue 13 on one run (see the module docstring)."""
    what = result.describe()
    assert result.code is not None, f"killed by the {TIME_LIMIT} s time limit:\n{what}"
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, \
        f"a traceback:\n{what}"
    assert "MemoryError" not in result.stderr, f"ran out of the memory limit:\n{what}"
    assert result.code >= 0, f"killed by signal {-result.code}:\n{what}"
    assert result.code in (0, 2), f"exit status neither 0 nor 2:\n{what}"
    if result.code == 2:
        assert result.stdout == "", f"partial stdout with exit status 2:\n{what}"
        assert result.stderr.strip(), f"exit status 2 without a message:\n{what}"
        assert len(_ERROR_LINE.findall(result.stderr)) == 1, \
            f"exit status 2 without exactly one error message:\n{what}"
    else:
        assert result.stdout.strip(), f"exit status 0 without a report:\n{what}"
        assert not _ERROR_LINE.search(result.stderr), \
            f"exit status 0 with an error message:\n{what}"
        if result.json_mode:
            try:
                report = strict_json(result.stdout)
            except ValueError as exc:
                raise AssertionError(f"--json output is not JSON ({exc}):\n{what}") from None
            assert isinstance(report, dict), f"--json output is not one object:\n{what}"


def check_all(results: list[Run]) -> None:
    """:func:`check_contract` on every run, reporting every failure at once."""
    failures = []
    for result in results:
        try:
            check_contract(result)
        except AssertionError as exc:
            failures.append(str(exc))
    assert not failures, "\n\n".join(failures)
