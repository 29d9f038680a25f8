"""Progress bars on stderr for long runs, built on tqdm.

:func:`progress` returns a tqdm bar that is drawn only when its stream (stderr by default) is a
terminal, unless ``force`` is set; elsewhere (a log file, a captured stream) it is silent. tqdm
redraws at most ten times a second, and a disabled bar costs one test per update.

Runs that share one bar count from an offset: ``bar.update_to(offset + done, status)``. The
label is shown once, before the bar: a status that begins with it ("training: step 3") loses
that prefix ("step 3").

>>> import io
>>> log = io.StringIO()                        # not a terminal: silent unless forced
>>> with progress(100, "demo", stream=log) as bar:
...     bar.update_to(100, "done")
>>> log.getvalue()
''
>>> with progress(4, "demo", force=True, stream=log) as bar:
...     bar.update_to(4, "all four")
>>> "demo: 100%" in log.getvalue() and "4/4" in log.getvalue() and "all four" in log.getvalue()
True
>>> log = io.StringIO()
>>> with progress(4, "training", force=True, stream=log) as bar:
...     bar.update_to(2, "training: step 2/4")
>>> shown = [line for line in log.getvalue().replace("\\r", "\\n").splitlines() if line.strip()]
>>> all(line.count("training") == 1 for line in shown), "step 2/4" in shown[-1]
(True, True)

"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from tqdm import tqdm


class Bar(tqdm):
    """A tqdm bar whose count can be set to an absolute value, with a status text."""

    def update_to(self, done: int, status: str | None = None) -> None:
        """Set the count to ``done`` units (not an increment) and the status after the bar."""
        if self.disable:
            return
        if status is not None:
            self.set_postfix_str(self.without_label(status), refresh=False)
        self.update(done - self.n)

    def without_label(self, status: str) -> str:
        """``status`` without a leading copy of the bar's label ("training: step 3" on the bar
        "training" → "step 3"): the label is already printed before the bar."""
        label = (self.desc or "").strip()
        if label and status.startswith(label):
            rest = status[len(label):]
            if not rest or rest[0] in ": ":
                return rest.lstrip(": ") or status
        return status


def progress(total: int, label: str, enabled: bool = True, *, force: bool = False,
             stream: TextIO | None = None, unit: str = "it", **options: Any) -> Bar:
    """A :class:`Bar` of ``total`` units named ``label``, on ``stream`` (default stderr).

    Shown when ``enabled`` and the stream is a terminal, or when ``enabled`` and ``force``;
    otherwise silent. Use it as a context manager, or call ``close()``. ``options`` go to tqdm.
    """
    stream = stream if stream is not None else sys.stderr
    terminal = bool(getattr(stream, "isatty", lambda: False)())
    return Bar(total=total, desc=label, file=stream, unit=unit,
               disable=not (enabled and (force or terminal)), **options)
