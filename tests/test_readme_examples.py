"""Every shell example of README.md runs, in order, verbatim, in an empty folder, and prints
what the README shows (issue 13).

How the README must write its examples (what this test reads):

- Only code blocks are examples. Prose, inline code and ```python blocks are not run (the
  Python examples are not shell examples).
- A fenced block tagged ``sh``, ``bash`` or ``shell`` is a *script*: all its lines run, in
  order, as one bash script (``set -e``: a failing line fails the example), so loops,
  heredocs, ``echo ... > file`` and ``printf ... > file`` work as typed. If the next block
  follows with nothing but blank lines between and has no tag (or ``text``/``output``), it is
  the script's expected stdout.
- A fenced block tagged ``console``, or untagged, whose first line starts with ``$ `` is a
  *session*: each ``$ `` line is one command (continued on the next line after a trailing
  ``\\``, and including the body of a heredoc it opens); the lines after it, up to the next
  ``$ `` line or the end of the block, are its expected stdout. Untagged blocks that do not
  start with ``$ `` are shown output or text, never run.
- An indented (4-space) block is a synopsis: lines starting with ``$ `` run as in a session;
  lines starting with ``relugeom `` run too unless they hold placeholders (an upper-case word
  such as NETWORK, or ``[``/``|``), which make them a synopsis line, skipped.
- A fenced block whose first line is a comment naming a file (``# mine.py``) is that file:
  it is written into the folder, at that point of the README.
- Expected output is compared with the command's stdout (stderr notes are not compared),
  line by line, ignoring trailing spaces and trailing blank lines; ``...`` stands for any text
  (several lines included), as in doctest's ELLIPSIS. Every command must exit with status 0.
- Not run, reported as skipped with the reason: ``pip install``, ``pytest`` (this suite),
  ``python benchmarks/...`` and ``relugeom experiment`` without ``--quick`` (minutes each),
  and synopsis lines.

All examples run once, in README order, in one temporary folder (module fixture); each test
reads the result of its example. An example known to fail is marked xfail in :data:`XFAIL`,
keyed by its command, with the reason (to be fixed in README.md, then removed from here).
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
TIMEOUT = 120          # seconds, one example

#: Examples known to fail today, keyed by their (last) command: the reason.
XFAIL: dict[str, str] = {}

#: Lines never run: (pattern, reason).
NOT_RUNNABLE = [
    (re.compile(r"\bpip install\b"), "installs packages"),
    (re.compile(r"(^|&&|;|\s)pytest\b"), "runs the whole test suite"),
    (re.compile(r"\bpython\S* benchmarks/"), "a benchmark (minutes)"),
    (re.compile(r"\brelugeom experiment\b(?!.*--quick)"),
     "an experiment without --quick (minutes)"),
]
SCRIPT_TAGS = {"sh", "bash", "shell"}
OUTPUT_TAGS = {"", "text", "output"}
_PLACEHOLDER = re.compile(r"\b[A-Z][A-Z0-9_]+\b|\[|\|")
_FILE_COMMENT = re.compile(r"^(?:#|//)\s*([\w.-]+\.\w+)\s*$")
_HEREDOC = re.compile(r"<<-?\s*(['\"]?)(\w+)\1")


@dataclass
class Example:
    """One thing to do, in README order: run ``script`` (and compare its stdout with
    ``expected`` when given), or write ``file``."""

    line: int
    script: str = ""
    expected: str | None = None
    file: tuple | None = None          # (name, text)
    skipped: list = field(default_factory=list)   # (line, reason, text) of lines not run

    @property
    def key(self) -> str:
        """The command that names the example: its last line that runs relugeom, else its
        last line."""
        if self.file:
            return f"write {self.file[0]}"
        lines = [l.strip() for l in self.script.splitlines() if l.strip()]
        if not lines:
            return self.skipped[0][2].strip() if self.skipped else "(nothing)"
        named = [l for l in lines if "relugeom" in l] or lines
        return named[-1]


# --- reading the README -----------------------------------------------------------------------

def _blocks(text: str):
    """(kind, tag, first line number, lines, follows_previous) of every code block:
    kind "fenced" or "indented"; follows_previous when only blank lines separate it from the
    previous block."""
    lines = text.splitlines()
    i, last_end, blank_run = 0, None, True
    while i < len(lines):
        line = lines[i]
        fence = re.match(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)", line)
        if fence:
            marker, tag = fence[2], fence[3].lower()
            start = i + 1
            j = start
            while j < len(lines) and not lines[j].strip().startswith(marker):
                j += 1
            follows = last_end is not None and all(not l.strip() for l in lines[last_end:i])
            yield "fenced", tag, start + 1, lines[start:j], follows
            i = last_end = j + 1
            blank_run = False
            continue
        if line.startswith("    ") and line.strip() and blank_run:
            j = i
            while j < len(lines) and (lines[j].startswith("    ") or not lines[j].strip()):
                j += 1
            body = lines[i:j]
            while body and not body[-1].strip():
                body.pop()
            follows = last_end is not None and all(not l.strip() for l in lines[last_end:i])
            yield "indented", "", i + 1, [l[4:] for l in body], follows
            i = last_end = i + len(body)
            continue
        blank_run = not line.strip()
        i += 1


def _not_runnable(command: str) -> str | None:
    for pattern, reason in NOT_RUNNABLE:
        if pattern.search(command):
            return reason
    return None


def _session(lines, first_line, indented=False):
    """Examples of a session: each "$ " command with the output shown after it. In an
    indented block, also its "relugeom " lines, and one skipped example holding the lines not
    run (synopsis lines, benchmarks)."""
    examples, i = [], 0
    not_run = Example(first_line)
    while i < len(lines):
        line = lines[i]
        if indented and not line.startswith("$ "):
            reason = (_not_runnable(line) or
                      ("a synopsis line (placeholders)" if line.startswith("relugeom ")
                       and _PLACEHOLDER.search(line) else None))
            if reason:
                not_run.skipped.append((first_line + i, reason, line))
            elif line.startswith("relugeom "):
                examples.append(Example(first_line + i, line))
            i += 1
            continue
        if not line.startswith("$ "):
            i += 1
            continue
        start = i
        command = [line[2:]]
        while command[-1].endswith("\\") and i + 1 < len(lines):
            i += 1
            command.append(lines[i].removeprefix("> "))
        heredoc = _HEREDOC.search(" ".join(command))
        if heredoc:
            while i + 1 < len(lines) and lines[i + 1].strip() != heredoc[2]:
                i += 1
                command.append(lines[i])
            i += 1
            command.append(heredoc[2])
        i += 1
        output = []
        while i < len(lines) and not lines[i].startswith("$ "):
            output.append(lines[i])
            i += 1
        example = Example(first_line + start, "\n".join(command),
                          None if indented else _clean(output))
        reason = _not_runnable(example.script)
        if reason:
            example.skipped.append((first_line + start, reason, example.script))
            example.script = ""
        examples.append(example)
    if not_run.skipped:
        examples.insert(0, not_run)
    return examples


def _clean(lines) -> str | None:
    lines = [l.rstrip() for l in lines]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) if lines else None


def read_examples(text: str) -> list[Example]:
    examples: list[Example] = []
    last_script = None
    for kind, tag, first_line, lines, follows in _blocks(text):
        if kind == "fenced" and lines and _FILE_COMMENT.match(lines[0]):
            name = _FILE_COMMENT.match(lines[0])[1]
            examples.append(Example(first_line, file=(name, "\n".join(lines) + "\n")))
            last_script = None
            continue
        if kind == "fenced" and tag in SCRIPT_TAGS:
            example = Example(first_line)
            kept = []
            for offset, line in enumerate(lines):
                reason = _not_runnable(line)
                if reason:
                    example.skipped.append((first_line + offset, reason, line))
                else:
                    kept.append(line.removeprefix("$ "))
            example.script = "\n".join(kept) if any(l.strip() for l in kept) else ""
            examples.append(example)
            last_script = example
            continue
        if (kind == "fenced" and tag in OUTPUT_TAGS | {"console"} and lines
                and lines[0].startswith("$ ")) or kind == "indented":
            examples.extend(_session(lines, first_line, indented=kind == "indented"))
            last_script = None
            continue
        if kind == "fenced" and tag in OUTPUT_TAGS and follows and last_script is not None:
            last_script.expected = _clean(lines)
        last_script = None
    return examples


# --- running them -------------------------------------------------------------------------------

def _matches(expected: str, actual: str) -> bool:
    """``actual`` (trailing spaces and blank lines dropped) is ``expected``, where ``...``
    matches any text."""
    actual = _clean(actual.splitlines()) or ""
    pattern = ".*?".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual, re.DOTALL) is not None


def _runnable(example: Example) -> bool:
    return bool(example.file or example.script)


EXAMPLES = read_examples(README.read_text(encoding="utf-8"))


def _params():
    params, seen = [], {}
    for example in EXAMPLES:
        if not _runnable(example) and not example.skipped:
            continue
        name = example.key
        seen[name] = seen.get(name, 0) + 1
        ident = f"L{example.line}: {name[:60]}" + (f" #{seen[name]}" if seen[name] > 1 else "")
        marks = []
        if not _runnable(example):
            marks.append(pytest.mark.skip(reason="; ".join(
                f"README line {n}: {reason}" for n, reason, _ in example.skipped)))
        elif example.key in XFAIL:
            marks.append(pytest.mark.xfail(strict=False, reason=XFAIL[example.key]))
        params.append(pytest.param(example, id=ident, marks=marks))
    return params


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """Run every example in README order in one empty folder: id(example) -> result."""
    folder = tmp_path_factory.mktemp("readme")
    shims = tmp_path_factory.mktemp("bin")
    relugeom = shims / "relugeom"     # the relugeom of this checkout and this Python
    relugeom.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m relugeom "$@"\n')
    relugeom.chmod(relugeom.stat().st_mode | stat.S_IEXEC)
    env = {k: v for k, v in os.environ.items() if k != "RELUGEOM_MAX_INPUT_BYTES"}
    env["PATH"] = os.pathsep.join([str(shims), str(Path(sys.executable).parent),
                                   env.get("PATH", "")])
    workdir = folder / "work"
    workdir.mkdir()
    results = {}
    for example in EXAMPLES:
        if example.file:
            (workdir / example.file[0]).write_text(example.file[1])
            results[id(example)] = None
        elif example.script:
            try:
                results[id(example)] = subprocess.run(
                    ["bash", "-e", "-c", example.script], cwd=workdir, env=env,
                    capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired as exc:
                results[id(example)] = exc
    return results


def test_the_readme_has_examples():
    assert sum(bool(e.script) for e in EXAMPLES) >= 3
    assert any(e.expected for e in EXAMPLES)


@pytest.mark.parametrize("example", _params())
def test_readme_example(session, example):
    result = session[id(example)]
    if example.file:
        return
    shown = f"README line {example.line}:\n{example.script}"
    if isinstance(result, subprocess.TimeoutExpired):
        pytest.fail(f"{shown}\ntook more than {TIMEOUT} s", pytrace=False)
    if "Traceback" in result.stderr or result.returncode != 0:
        pytest.fail(f"{shown}\nexit status {result.returncode}\nstdout:\n{result.stdout}\n"
                    f"stderr:\n{result.stderr}", pytrace=False)
    if example.expected is not None and not _matches(example.expected, result.stdout):
        pytest.fail(f"{shown}\nREADME shows:\n{example.expected}\n\nthe command printed:\n"
                    f"{result.stdout}", pytrace=False)
