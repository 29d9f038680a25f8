"""numpy's float warnings off, entered once for nested uses.

The float filters and certificates compute with values that may overflow or be NaN on hostile
input; each checks what it computed (a NaN or an infinity proves nothing), so numpy's warnings
are off around them. Entering ``np.errstate`` costs microseconds each time — it replaces the
state every later ufunc call reads — which adds up on small cases: :class:`quiet` enters it at
the outermost of nested uses only, and the inner ones cost a context-variable read.

>>> import numpy as np
>>> with quiet():
...     with quiet():
...         float(np.float64(1e308) * 10)
inf
"""

from __future__ import annotations

from contextvars import ContextVar

import numpy as np

_ACTIVE: ContextVar[bool] = ContextVar("relugeom_quiet", default=False)


class quiet:
    """``with quiet():`` — ``np.errstate(all="ignore")``, entered by the outermost use only."""

    __slots__ = ("_state", "_token")

    def __enter__(self) -> quiet:
        if _ACTIVE.get():  # an outer use has turned the warnings off already
            self._state = None
            return self
        self._state = np.errstate(all="ignore")
        self._state.__enter__()
        self._token = _ACTIVE.set(True)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._state is not None:
            _ACTIVE.reset(self._token)
            self._state.__exit__(*exc_info)
