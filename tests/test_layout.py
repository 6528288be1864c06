"""The package's layout: layers whose dependencies point one way, and no import cycles.

Every ``import`` of a package module is read from the source (module level and inside functions,
not under ``TYPE_CHECKING`` and not in docstrings). A module may import its own layer or any layer
below it: faces → reconciliation → ledger → reading → values, with ``errors`` and ``_digits``
(the precision of a figure) and ``_array_types`` (the array types the ledger and the core share)
beneath all. Within reconciliation, the core (the pipeline, its
stages and the bundled methods) imports nothing from values, reading or faces: the policies
become arrays, or plain callables handed in, in ``reconciliation._frame`` before it runs.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import estimates as est

ROOT = Path(est.__file__).parent

#: Lower numbers sit lower; a module may import only modules of its own or a lower rank.
RANK = {
    "errors": 0,
    "_version": 0,
    "_digits": 0,
    "_array_types": 0,
    "values": 1,
    "reading": 2,
    "ledger": 3,
    "reconciliation": 4,
    "faces": 5,
    "datasets": 5,
    "strategies": 5,
    "__init__": 6,
    "__main__": 6,
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _layer(module: str) -> str:
    parts = module.split(".")
    return "__init__" if len(parts) == 1 else parts[1]


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path) -> set[str]:
    """Package modules imported by the file at ``path``, resolved to module names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("estimates"))
        elif (
            isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("estimates")
        ):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if _known(candidate) else node.module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _known(module: str) -> bool:
    rel = Path(*module.split(".")[1:])
    return (ROOT / rel).with_suffix(".py").exists() or (ROOT / rel / "__init__.py").exists()


def _graph() -> dict[str, set[str]]:
    return {_module_name(p): _imports(p) for p in sorted(ROOT.rglob("*.py"))}


def test_every_module_is_in_a_known_layer() -> None:
    unknown = {m for m in _graph() if _layer(m) not in RANK}
    assert not unknown, f"modules outside the layers: {sorted(unknown)}"


def test_dependencies_point_down() -> None:
    upward = [
        f"{m} ({_layer(m)}) imports {d} ({_layer(d)})"
        for m, deps in _graph().items()
        for d in sorted(deps)
        if RANK[_layer(d)] > RANK[_layer(m)]
    ]
    assert not upward, "imports against the layering:\n" + "\n".join(upward)


def test_no_import_cycles() -> None:
    graph = {m: {d for d in deps if d != m} for m, deps in _graph().items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            # a package's __init__ importing its own modules is not a cycle through them
            if state.get(nxt) == 1 and not node.startswith(nxt + "."):
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := walk(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for module in sorted(graph):
        if module not in state and (cycle := walk(module)):
            pytest.fail("import cycle: " + " → ".join(cycle))


#: The core: the modules that run on arrays only, with no policy of their own.
CORE = (
    "estimates.reconciliation._core",
    "estimates.reconciliation._answer",
    "estimates.reconciliation._evidence",
    "estimates.reconciliation._segments",
    "estimates.reconciliation._robust",
    "estimates.reconciliation._pooled",
    "estimates.reconciliation._pooled_mean",
    "estimates.reconciliation.methods",
    "estimates.reconciliation.stages",
)


def test_the_core_imports_nothing_from_values_reading_or_faces() -> None:
    graph = _graph()
    core = [m for m in graph if any(m == c or m.startswith(c + ".") for c in CORE)]
    assert len(core) >= len(CORE) + 5  # the stages are modules of their own
    found = [
        f"{m} imports {d}"
        for m in core
        for d in sorted(graph[m])
        if _layer(d) in ("values", "reading", "faces")
    ]
    assert not found, "the core reads policies handed to it, not these:\n" + "\n".join(found)


@pytest.mark.parametrize("name", sorted(est.__all__))
def test_no_public_function_hides_a_module(name: str) -> None:
    obj = getattr(est, name)
    if callable(obj) and not isinstance(obj, type):
        assert not (ROOT / f"{name}.py").exists() and not (ROOT / name).is_dir(), (
            f"estimates.{name} is a function and also a module of the package"
        )


#: The array types: each written once, in ``estimates._array_types``.
ARRAY_TYPES = {"BoolArray", "FloatArray", "Int8Array", "Int64Array", "IntArray", "ObjectArray"}


def test_the_array_types_are_defined_once() -> None:
    defined = [
        f"{_module_name(path)} defines {target.id}"
        for path in sorted(ROOT.rglob("*.py"))
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name) and target.id in ARRAY_TYPES
    ]
    assert sorted(defined) == sorted(f"estimates._array_types defines {t}" for t in ARRAY_TYPES)
