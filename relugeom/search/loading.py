"""Conjectures by name: a catalogue entry, or a function in a Python file (``FILE.py:FUNCTION``).

:func:`load_conjecture` is what ``relugeom search CONJECTURE`` does with its argument, and what a
regression test of a file's conjecture calls to define it again
(:func:`~relugeom.search.regression.file_loader_source`). :func:`portable` makes a conjecture
loaded from a file travel to worker processes (``--jobs``, a Dask cluster), which never
imported that file. Nothing here needs hypothesis.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import weakref
from dataclasses import replace
from typing import Any, Callable

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
    try:
        _FROM_FILE[conj.check] = (os.path.abspath(path), name, module.__source__)
    except TypeError:   # not weakly referenceable (a builtin): it pickles by reference anyway
        pass
    return replace(conj, origin=file_loader_source(path, name))


#: check function of a conjecture loaded from a file → (absolute path, name, source text).
_FROM_FILE: "weakref.WeakKeyDictionary[Callable, tuple]" = weakref.WeakKeyDictionary()


def portable(conjecture: Conjecture) -> Conjecture:
    """``conjecture``, made to survive pickling into a worker process.

    A function of a file loaded by path lives in a module that only this process imported: a
    plain pickle names that module and the worker cannot import it. For a conjecture loaded
    by :func:`load_conjecture` the check is replaced by a :class:`FileFunction`, which pickles
    as the file's path, the function's name and the file's text, and is re-created in the
    worker from that text (so the file need not exist there). Other conjectures are returned
    unchanged (catalogue entries and functions of importable modules pickle by reference).

    >>> portable(load_conjecture("T1")) is load_conjecture("T1")
    True
    """
    try:
        origin = _FROM_FILE.get(conjecture.check)
    except TypeError:   # not weakly referenceable: not one of ours
        origin = None
    if origin is None:
        return conjecture
    return replace(conjecture, check=FileFunction(*origin, function=conjecture.check))


class FileFunction:
    """The conjecture ``name`` of the file ``path`` (whose text is ``source``), callable on an
    Analysis; pickled, it is re-created from ``source`` as a module named after the file, its
    folder first on ``sys.path`` while it runs (imports of modules beside it still work
    where the folder exists). Cost: one execution of the file per worker process."""

    def __init__(self, path: str, name: str, source: str,
                 function: Callable[[Any], Any] | None = None):
        self.path, self.name, self.source = path, name, source
        self.function = function if function is not None else _function_from_source(
            path, name, source)

    def __call__(self, analysis: Any) -> Any:
        return self.function(analysis)

    def __reduce__(self) -> tuple:
        return (FileFunction, (self.path, self.name, self.source))


#: Conjectures re-created in this process: (path, name, sha256 of the text) → function.
_RECREATED: dict[tuple, Callable] = {}


def _function_from_source(path: str, name: str, source: str) -> Callable[[Any], Any]:
    key = (path, name, hashlib.sha256(source.encode()).hexdigest())
    if key not in _RECREATED:
        module = _import_file(path, source)
        obj = getattr(module, name)
        _RECREATED[key] = obj.check if isinstance(obj, Conjecture) else obj
    return _RECREATED[key]


def _import_file(path: str, source: str | None = None) -> Any:
    """Import the file at ``path`` (or its text ``source``, read once here when not given) as
    a new module, with the text as ``__source__``; its import errors become InputErrors."""
    module_name = "relugeom_conjecture_" + identifier(os.path.splitext(
        os.path.basename(path))[0]) + f"_{abs(hash(os.path.abspath(path))) % 10 ** 8}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise InputError(f"conjecture file {path!r} cannot be imported as a Python module")
    if source is None:
        try:
            source = importlib.util.decode_source(spec.loader.get_data(path))
        except (OSError, SyntaxError, UnicodeDecodeError) as exc:
            raise InputError(f"conjecture file {path!r} cannot be read: {exc}") from None
    module = importlib.util.module_from_spec(spec)
    module.__source__ = source
    sys.modules[module_name] = module
    directory = os.path.dirname(os.path.abspath(path))
    sys.path.insert(0, directory)
    try:
        exec(compile(source, path, "exec"), module.__dict__)
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
