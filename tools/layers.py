"""The import layers: ``python -m tools.layers`` prints the layer of every module.

Dependencies run one way only (docs/architecture.md)::

    app        mobile_service.app, wsgi            the composition root (create_app)
    interface  api, auth, web, tools               HTTP, sign-in, dashboard, developer tools
    domain     mobile_service.*                    rules, read models, use cases, importing
    base       mobile_service.models, extensions,  tables, the unbound Flask extensions and the
               clock                               one clock

A module may import its own layer or a lower one, never a higher one; and no two folders
(packages) may import each other, directly or round a loop. ``tests/test_layers.py`` fails on
either; this command prints the layer of each module and the offending imports, if any.
"""
from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("mobile_service", "api", "auth", "web", "tools")
TOP_MODULES = ("wsgi",)
SKIP_PARTS = ("migrations", "__pycache__")

LAYERS = ("base", "domain", "interface", "app")  # lowest first
_RANK = {name: rank for rank, name in enumerate(LAYERS)}


@dataclass(frozen=True)
class Import:
    """One import statement: who imports what, and where."""

    importer: str
    imported: str
    line: int


def layer_of(module: str) -> str:
    """The layer a module belongs to (see the module docstring)."""
    if module in ("wsgi", "mobile_service.app", "mobile_service") or module.startswith("mobile_service.app."):
        return "app"
    if module.split(".")[0] in ("api", "auth", "web", "tools"):
        return "interface"
    if module.startswith(("mobile_service.models", "mobile_service.extensions", "mobile_service.clock")):
        return "base"
    return "domain"


def folder_of(module: str, packages: set[str]) -> str:
    """The folder (package) a module sits in: itself when it is a package, else its parent."""
    return module if module in packages else module.rpartition(".")[0] or module


def modules() -> dict[str, Path]:
    """Every first-party module (migrations excepted), by dotted name."""
    found: dict[str, Path] = {name: ROOT / f"{name}.py" for name in TOP_MODULES}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if any(part in SKIP_PARTS for part in rel.parts):
                continue
            parts = list(rel.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def packages_of(found: dict[str, Path]) -> set[str]:
    """The dotted names that are packages (folders with an ``__init__.py``)."""
    return {name for name, path in found.items() if path.name == "__init__.py"}


def imports(found: dict[str, Path]) -> list[Import]:
    """Every first-party import, at module level or inside a function, resolved to a module."""
    result = []
    packages = packages_of(found)
    for name, path in found.items():
        tree = ast.parse(path.read_text(), str(path))
        here = name if name in packages else name.rpartition(".")[0]
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = here.split(".")[: len(here.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
            for target in targets:
                resolved = _resolve(target, found)
                if resolved and resolved != name:
                    result.append(Import(name, resolved, node.lineno))
                    if isinstance(node, ast.ImportFrom):
                        break  # "from a.b import c": c a module if it is one, else a.b
    return result


def _resolve(target: str, found: dict[str, Path]) -> str | None:
    while target:
        if target in found:
            return target
        target = target.rpartition(".")[0]
    return None


def upward(found: dict[str, Path]) -> list[Import]:
    """Imports from a lower layer into a higher one."""
    return [imp for imp in imports(found) if _RANK[layer_of(imp.imported)] > _RANK[layer_of(imp.importer)]]


def folder_cycles(found: dict[str, Path]) -> list[list[str]]:
    """Groups of folders that import each other (strongly connected, more than one folder).

    A folder is counted once per layer (``mobile_service`` holds the domain's modules and the
    base's ``clock`` and ``extensions``), and in the base layer each module counts alone (its few
    modules form one chain: extensions -> models -> clock). An import from a lower layer upward
    is reported by :func:`upward`.
    """
    packages = packages_of(found)
    graph: dict[str, set[str]] = {}
    for imp in imports(found):
        if "app" in (layer_of(imp.importer), layer_of(imp.imported)):
            continue  # the composition root wires every folder together by design
        src, dst = folder_of(imp.importer, packages), folder_of(imp.imported, packages)
        # A package's own __init__ re-exporting its parts is not a dependency between folders.
        if _node(imp.importer, src) == _node(imp.imported, dst) or (dst.startswith(src + ".") and imp.importer == src):
            continue
        graph.setdefault(_node(imp.importer, src), set()).add(_node(imp.imported, dst))
    return [sorted(group) for group in _strongly_connected(graph) if len(group) > 1]


def _node(module: str, folder: str) -> str:
    layer = layer_of(module)
    return f"{module} (base)" if layer == "base" else f"{folder} ({layer})"


def _strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    # Tarjan's algorithm, iterative enough for a few hundred modules.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                item = stack.pop()
                on_stack.discard(item)
                group.add(item)
                if item == node:
                    break
            groups.append(group)

    for node in list(graph):
        if node not in index:
            visit(node)
    return groups


def main() -> int:
    """Print each module's layer, then any upward import or folder cycle (exit 1 if any)."""
    found = modules()
    for name in sorted(found):
        print(f"{layer_of(name):<10} {name}")
    problems = [f"upward import: {imp.importer} (line {imp.line}, {layer_of(imp.importer)}) -> "
                f"{imp.imported} ({layer_of(imp.imported)})" for imp in upward(found)]
    problems += ["folder cycle: " + " <-> ".join(group) for group in folder_cycles(found)]
    for problem in problems:
        print(problem)
    print(f"{len(found)} modules, {len(problems)} layering problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
