"""Conjectures by name: a catalogue entry, or a function in a Python file (``FILE.py:FUNCTION``).

:func:`load_conjecture` is what ``relugeom search CONJECTURE`` does with its argument, and what a
regression test of a file's conjecture calls to define it again
(:func:`~relugeom.search.regression.file_loader_source`). Nothing here needs hypothesis.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import replace
from typing import Any

from ..errors import InputError
from ..model.io import check_input_file
from .conjectures import Conjecture, as_conjecture, get_conjecture
from .regression import file_loader_source, identifier


def load_conjecture(spec: str) -> Conjecture:
    """A catalogue name, or ``FILE.py:FUNCTION`` (a function of an Analysis, or a Conjecture).

    A catalogue name is looked up with :func:`~relugeom.search.conjectures.get_conjecture`. A
    file is imported as a fresh module (its folder first on ``sys.path`` while it runs) and the
    function taken from it; the conjecture is named after the function and remembers, as its
    ``origin``, how a regression test loads it again. Cost: one import of the file.

    Raises :class:`~relugeom.errors.InputError` naming the problem when the file is missing,
    cannot be imported (the exception and line are named), or lacks the function.

    >>> load_conjecture("T1").name
    'symmetry_bound'
    >>> load_conjecture("conjectures.py")
    Traceback (most recent call last):
    ...
    relugeom.errors.InputError: 'conjectures.py': name the function to test, as FILE.py:FUNCTION
    """
    path, sep, name = spec.rpartition(":")
    if not sep or not path.endswith(".py"):
        if spec.endswith(".py"):
            raise InputError(f"{spec!r}: name the function to test, as FILE.py:FUNCTION")
        return get_conjecture(spec)
    check_input_file(path, "conjecture")  # exists, is a regular file, not absurdly large
    module = _import_file(path)
    if not hasattr(module, name):
        defined = sorted(k for k, v in vars(module).items()
                         if callable(v) and not k.startswith("_")
                         and getattr(v, "__module__", module.__name__) == module.__name__)
        raise InputError(f"conjecture file {path!r} has no function {name!r} (it defines: "
                         f"{', '.join(defined) or 'no functions'})")
    obj = getattr(module, name)
    if not callable(obj):
        raise InputError(f"{path}:{name} is a {type(obj).__name__}, not a function of an "
                         "Analysis")
    conj = as_conjecture(obj)
    if conj.name != name and not isinstance(obj, Conjecture):
        conj = replace(conj, name=name)
    return replace(conj, origin=file_loader_source(path, name))


def _import_file(path: str) -> Any:
    """Import the file at ``path`` as a new module; its import errors become InputErrors."""
    module_name = "relugeom_conjecture_" + identifier(os.path.splitext(
        os.path.basename(path))[0]) + f"_{abs(hash(os.path.abspath(path))) % 10 ** 8}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise InputError(f"conjecture file {path!r} cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    directory = os.path.dirname(os.path.abspath(path))
    sys.path.insert(0, directory)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        sys.modules.pop(module_name, None)
        raise InputError(f"conjecture file {path!r} cannot be loaded: SyntaxError at line "
                         f"{exc.lineno}: {exc.msg}") from None
    except BaseException as exc:  # anything the file raises while being imported
        sys.modules.pop(module_name, None)
        line = _traceback_line(exc, path)
        raise InputError(f"conjecture file {path!r} cannot be loaded: {type(exc).__name__}"
                         f"{line}: {exc}") from None
    finally:
        sys.path.remove(directory)
    return module


def _traceback_line(exc: BaseException, path: str) -> str:
    """`` at line L`` for the last line of ``path`` in the traceback of ``exc``, else ``""``."""
    tb, line = exc.__traceback__, None
    while tb is not None:
        if os.path.abspath(tb.tb_frame.f_code.co_filename) == os.path.abspath(path):
            line = tb.tb_lineno
        tb = tb.tb_next
    return f" at line {line}" if line else ""
