"""The house plan holds: imports only go down the layers, no module-level cycles, imports inside
functions only for optional extras, flint only in linalg, `import relugeom` stays light.

The layers, bottom first (README, "Architecture"): a module may import its own layer and the
layers below it, never one above.
"""

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parent.parent / "relugeom"

LAYERS = (("errors", "progress", "parallel"), ("exact",), ("linalg",), ("model",), ("rank",),
          ("arrangement",), ("geometry",), ("checks",), ("analysis",), ("search",),
          ("experiments",), ("cli",))
LEVEL = {name: level for level, names in enumerate(LAYERS) for name in names}
TOP = len(LAYERS)  # relugeom/__init__.py and __main__.py re-export everything

#: Imports allowed inside functions: optional extras, and sympy, which costs 0.4 s to import
#: and serves three functions (the sympy backend, real roots, χ as a Poly).
LAZY_LIBRARIES = ("matplotlib", "torch", "sklearn", "mlxtend", "hypothesis", "sympy", "onnx",
                  "h5py", "safetensors", "joblib", "dask", "distributed", "cloudpickle",
                  "threadpoolctl", "pandas")
#: Package modules imported on first use: the experiments (training runs) and the search,
#: which runs on hypothesis; only from the package's front doors.
LAZY_MODULES = {"relugeom.experiments": ("relugeom", "relugeom.cli.experiment"),
                **{f"relugeom.search.{name}": ("relugeom", "relugeom.search",
                                               "relugeom.cli.search")
                   for name in ("results", "regression", "loading", "shrinking", "randomized",
                                "exhaustive")}}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def level(module: str) -> int:
    parts = module.split(".")
    return TOP if len(parts) == 1 or parts[1] == "__main__" else LEVEL[parts[1]]


def imports(path: Path):
    """(imported module, inside a function?, line) for every import, TYPE_CHECKING excluded."""
    tree = ast.parse(path.read_text())
    here = module_name(path).split(".")
    if path.name != "__init__.py":
        here = here[:-1]
    type_checking = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                     and getattr(node.test, "id", "") == "TYPE_CHECKING"
                     for n in ast.walk(node)}
    inside = {id(n) for node in ast.walk(tree)
              if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
              for n in ast.walk(node)}
    for node in ast.walk(tree):
        if id(node) in type_checking:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, id(node) in inside, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = here[:len(here) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names = [f"{module}.{a.name}" for a in node.names] if node.module is None else [module]
            for name in names:
                yield name, id(node) in inside, node.lineno


def package_modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def internal(name: str, modules: dict) -> str | None:
    """The package module an import refers to (a submodule, or the module defining a name)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def test_layers_only_import_downward():
    modules = package_modules()
    upward = []
    for module, path in modules.items():
        for name, _, line in imports(path):
            target = internal(name, modules) if name.startswith("relugeom") else None
            if target and target != "relugeom" and level(target) > level(module):
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}")
    assert not upward, "imports that go up the layers:\n" + "\n".join(upward)


def test_no_import_cycles_between_modules():
    modules = package_modules()
    graph = nx.DiGraph()
    for module, path in modules.items():
        for name, in_function, _ in imports(path):
            target = internal(name, modules) if name.startswith("relugeom") else None
            # a package's __init__ importing its own submodules is not a cycle of the plan
            if target and not in_function and target != module \
                    and not module.startswith(target + ".") and target != "relugeom":
                graph.add_edge(module, target)
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, f"module-level import cycles: {cycles[:5]}"


def test_imports_inside_functions_only_for_extras_and_lazy_modules():
    modules = package_modules()
    found = []
    for module, path in modules.items():
        for name, in_function, line in imports(path):
            if not in_function or name.split(".")[0] in LAZY_LIBRARIES:
                continue
            target = internal(name, modules) if name.startswith("relugeom") else None
            if target and module in LAZY_MODULES.get(target, ()):
                continue
            found.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}")
    assert not found, "imports inside functions:\n" + "\n".join(found)


def test_flint_is_called_only_in_linalg():
    outside = [str(p.relative_to(PACKAGE.parent)) for p in PACKAGE.rglob("*.py")
               if "linalg" not in p.parts
               and any(name.split(".")[0] == "flint" for name, _, _ in imports(p))]
    assert not outside, f"python-flint imported outside relugeom/linalg: {outside}"


def test_import_relugeom_loads_no_experiment_and_no_hypothesis():
    code = ("import sys, relugeom; print(sorted(m for m in sys.modules if m.startswith("
            "('relugeom.experiments', 'hypothesis', 'relugeom.search.randomized', "
            "'relugeom.search.exhaustive', 'relugeom.search.shrinking'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_layer_is_a_folder_or_module_of_the_package():
    for names in LAYERS:
        for name in names:
            assert (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").is_file(), name
    tops = {p.stem for p in PACKAGE.iterdir()
            if (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))}
    assert tops - {"__init__", "__main__"} == set(LEVEL), "a module outside the plan"
