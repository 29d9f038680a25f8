"""Regression tests from counterexamples: the pytest module, and how it defines the conjecture.

A counterexample is worth keeping only if it stays found. :func:`regression_test_source` renders
a :class:`~relugeom.search.results.Counterexample` as a self-contained pytest module that fails,
with an AssertionError from the conjecture, for as long as the counterexample stands.
:func:`loader_source` writes the lines of that module that define ``conjecture``: a catalogue
entry by name, a package function by import, a self-contained function inlined, or a function of
a file loaded from its path.

Nothing here needs hypothesis.
"""

from __future__ import annotations

import builtins
import dis
import inspect
import json
import os
import re
import sys
import textwrap
from typing import TYPE_CHECKING, Any, Callable, Mapping

from ..exact.jsonable import jsonable as _jsonable
from ..model.sample import sample_to_dict
from .conjectures import CATALOGUE, as_conjecture

if TYPE_CHECKING:
    from .results import Counterexample


# --- the test module -----------------------------------------------------------------------------

def regression_test_source(counterexample: Counterexample) -> str:
    """A self-contained pytest module that fails, with an AssertionError from the conjecture,
    as long as ``counterexample`` stands.

    The module builds the exact network and sample, defines ``conjecture`` with the
    counterexample's ``loader`` (:func:`loader_source`; a placeholder to fill in when there is
    none), and asserts the conjecture on their analysis; the assertion message lists the short
    values it read. Cost: linear in the size of the network and sample.

    >>> from relugeom.search.randomized import find_counterexample
    >>> text = regression_test_source(find_counterexample("regions_formula"))
    >>> print(text.splitlines()[3])
    from relugeom.search.conjectures import get_conjecture
    >>> [line for line in text.splitlines() if line.startswith("def ")]
    ['def test_regions_formula_counterexample():']
    """
    c = counterexample
    net = c.network.to_dict()
    option = ("" if c.relu_prime_at_zero == "error"
              else f", relu_prime_at_zero={c.relu_prime_at_zero!r}")
    message = f"counterexample to {c.conjecture}: {short_values(c.values)}"
    return "\n".join([
        f'"""Regression test: relugeom search found this counterexample to '
        f'{c.conjecture!r}."""',
        "",
        "from relugeom import ShallowNetwork, analyze",
        c.loader or placeholder_source(),
        "",
        "NETWORK = ShallowNetwork(",
        f"    W={json.dumps(net['W'])},",
        f"    b={json.dumps(net['b'])},",
        f"    V={json.dumps(net['V'])},",
        f"    c={json.dumps(net['c'])},",
        ")",
        f"X = {json.dumps(sample_to_dict(c.X)['X'])}",
        "",
        "",
        f"def {regression_test_name(c.conjecture)}():",
        f"    analysis = analyze(NETWORK, X{option})",
        f"    assert conjecture(analysis), {json.dumps(message, ensure_ascii=False)}",
        "",
    ])


def regression_test_name(conjecture: str) -> str:
    """The name of the regression test of a conjecture, also the stem of its file.

    >>> regression_test_name("T1: dim ≤ P − N")
    'test_t1_dim_p_n_counterexample'
    """
    return f"test_{identifier(conjecture)}_counterexample"


def identifier(name: str) -> str:
    """``name`` as a lower-case Python identifier: runs of non-word characters become ``_``.

    >>> identifier("3 regions"), identifier("Regions-Formula")
    ('c_3_regions', 'regions_formula')
    """
    ident = re.sub(r"\W+", "_", name).strip("_").lower()
    return ident if ident and not ident[0].isdigit() else f"c_{ident}"


def show_value(value: Any) -> str:
    """A value as compact JSON, cut to 70 characters (exact numbers as in the JSON formats)."""
    text = json.dumps(_jsonable(value), ensure_ascii=False, default=repr)
    return text if len(text) <= 70 else text[:67] + "..."


def short_values(values: Mapping[str, Any]) -> str:
    """``name = value`` for the values short enough (≤ 40 characters) for an assertion message."""
    parts = [f"{k} = {show_value(v)}" for k, v in values.items() if len(show_value(v)) <= 40]
    return ", ".join(parts) if parts else "see the values in the search report"


# --- how the test defines the conjecture ---------------------------------------------------------

def loader_source(conjecture: Any) -> str:
    """Python code defining ``conjecture`` as this conjecture, for a regression test.

    In order of preference: a catalogue entry is fetched by name; a function of a package
    module is imported; a function whose source uses no global name is inlined (the test is
    then self-contained); a conjecture loaded by
    :func:`~relugeom.search.loading.load_conjecture`, or a top-level function of a file, is loaded
    from that file's path (:func:`file_loader_source`); otherwise a placeholder asks for the
    definition (:func:`placeholder_source`). Cost: reading the function's source, when it is
    inlined.

    >>> print(loader_source("T1"))
    from relugeom.search.conjectures import get_conjecture
    <BLANKLINE>
    conjecture = get_conjecture('symmetry_bound')
    """
    conj = as_conjecture(conjecture)
    if CATALOGUE.get(conj.name) is conj:
        return ("from relugeom.search.conjectures import get_conjecture\n\n"
                f"conjecture = get_conjecture({conj.name!r})")
    func = conj.check
    module_name = getattr(func, "__module__", None) or ""
    qualname = getattr(func, "__qualname__", "")
    module = sys.modules.get(module_name)
    top_level = module is not None and "." not in qualname and "<" not in qualname and \
        getattr(module, qualname, None) in (func, conjecture)
    if top_level and "." in module_name:
        return f"from {module_name} import {qualname} as conjecture"
    inlined = inline_source(func)
    if inlined:
        return inlined
    if conj.origin:
        return conj.origin
    path = getattr(module, "__file__", None)
    if top_level and path and module_name != "__main__":  # loading a script would run it
        return file_loader_source(path, qualname)
    return placeholder_source()


def file_loader_source(path: str, name: str) -> str:
    """Code loading function ``name`` of the file ``path`` (made absolute) as ``conjecture``.

    >>> print(file_loader_source("/tmp/conjectures.py", "small_dim"))
    from relugeom.search import load_conjecture
    <BLANKLINE>
    conjecture = load_conjecture('/tmp/conjectures.py:small_dim')
    """
    spec = f"{os.path.abspath(path)}:{name}"
    return f"from relugeom.search import load_conjecture\n\nconjecture = load_conjecture({spec!r})"


def inline_source(func: Callable) -> str:
    """The function's own source when it is a plain ``def`` that reads no global name but the
    builtins (so the regression test is self-contained); else ``""``.

    >>> def small_dim(a):
    ...     return a.local_dimension < 3
    >>> print(inline_source(small_dim).strip())
    def small_dim(a):
        return a.local_dimension < 3
    <BLANKLINE>
    <BLANKLINE>
    conjecture = small_dim
    """
    code = getattr(func, "__code__", None)
    if code is None or func.__name__ == "<lambda>":
        return ""
    if code.co_freevars or any(name not in _BUILTIN_NAMES for name in _global_names(code)):
        return ""
    try:
        source = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        return ""
    if not source.startswith("def "):
        return ""
    return f"\n\n{source.rstrip()}\n\n\nconjecture = {func.__name__}"


_BUILTIN_NAMES = frozenset(dir(builtins))


def _global_names(code: Any) -> set[str]:
    """Names a code object (and the functions nested in it) looks up as globals."""
    names = {ins.argval for ins in dis.get_instructions(code)
             if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
    for const in code.co_consts:
        if hasattr(const, "co_code"):
            names |= _global_names(const)
    return names


def placeholder_source() -> str:
    """A stand-in ``conjecture`` that raises, for a conjecture whose source cannot be located."""
    return ("\n# relugeom could not locate the conjecture's source: define it here.\n"
            "def conjecture(analysis):\n    raise NotImplementedError('paste the conjecture')")
