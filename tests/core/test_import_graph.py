"""No import circle inside the core: the module-level imports of ``gaugellm`` form a graph without cycles.

An edge is an ``import`` or ``from ... import`` executed when a module is imported: at module level, outside
``if TYPE_CHECKING:`` (imports inside functions run later, on first use, and are how the core stays quick to start).
``from package import name`` counts as an edge to ``package.name`` when that is a module, else to ``package``.
Cycles are found as the strongly connected components of the graph (Tarjan's algorithm, iteratively).
"""

from __future__ import annotations

import ast
from pathlib import Path

import gaugellm

ROOT = Path(gaugellm.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _top_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If) and not _is_type_checking(node):
            pending.extend(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            pending.extend(node.body + node.orelse + node.finalbody + [s for h in node.handlers for s in h.body])
    return found


def import_graph() -> dict[str, set[str]]:
    modules = {_module_name(path): path for path in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _top_level_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names
                ]
            graph[name].update(target for target in targets if target in modules and target != name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_graph_is_real() -> None:
    graph = import_graph()
    assert "gaugellm.runner.session" in graph
    assert "gaugellm.runner.engine" in graph["gaugellm.runner.session"]
    assert "gaugellm.plugins.registry" in graph["gaugellm.plugins.resolve"]


def test_cycles_are_found() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_in_the_core() -> None:
    assert cycles(import_graph()) == []


def test_contracts_import_nothing_of_discovery() -> None:
    """The contract modules must be readable and testable without the registry."""
    graph = import_graph()
    contracts = [
        "gaugellm.plugin_args",
        "gaugellm.backend.args",
        "gaugellm.backend.base",
        "gaugellm.runner.executor.args",
        "gaugellm.runner.executor.base",
        "gaugellm.runner.executor.spec",
        "gaugellm.collector.args",
        "gaugellm.collector.base",
    ]
    for contract in contracts:
        reachable, pending = set(), [contract]
        while pending:
            module = pending.pop()
            for target in graph[module] - reachable:
                reachable.add(target)
                pending.append(target)
        assert not {m for m in reachable if m.startswith("gaugellm.plugins")}, contract
