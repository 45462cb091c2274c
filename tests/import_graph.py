"""The project's import graph, read from source with ``ast`` (nothing is imported).

Every import counts: at module level, inside functions, and under
``TYPE_CHECKING``, because each is a dependency a reader has to hold in mind.
``from a.b import c`` depends on ``a.b.c`` when that is a module, else on ``a.b``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class ImportGraph:
    modules: dict[str, Path]
    edges: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def read(cls, root: Path, packages: Iterable[str]) -> ImportGraph:
        modules: dict[str, Path] = {}
        for package in packages:
            for path in sorted((root / package).rglob("*.py")):
                parts = list(path.relative_to(root).with_suffix("").parts)
                if parts[-1] == "__init__":
                    parts.pop()
                modules[".".join(parts)] = path
        graph = cls(modules)
        for name, path in modules.items():
            graph.edges[name] = {target for target in graph._imports_of(path) if target != name}
        return graph

    def _imports_of(self, path: Path) -> Iterator[str]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    found = self._module_for(alias.name)
                    if found:
                        yield found
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    found = self._module_for(f"{node.module}.{alias.name}")
                    if found:
                        yield found

    def _module_for(self, dotted: str) -> str | None:
        """The longest prefix of ``dotted`` that is a module of the tree, if any."""
        while dotted and dotted not in self.modules:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    def cycles(self) -> list[list[str]]:
        """Strongly connected groups of more than one module (Tarjan, iteratively)."""
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        stack: list[str] = []
        on_stack: set[str] = set()
        found: list[list[str]] = []
        for start in self.edges:
            if start in index:
                continue
            work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(self.edges[start])))]
            index[start] = low[start] = len(index)
            stack.append(start)
            on_stack.add(start)
            while work:
                node, children = work[-1]
                child = next(children, None)
                if child is not None:
                    if child not in index:
                        index[child] = low[child] = len(index)
                        stack.append(child)
                        on_stack.add(child)
                        work.append((child, iter(sorted(self.edges[child]))))
                    elif child in on_stack:
                        low[node] = min(low[node], index[child])
                    continue
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        found.append(sorted(group))
        return found

    def layer_violations(self, layers: list[str]) -> list[str]:
        """Imports that reach up (or sideways) the list of layers, lowest first."""

        def layer_of(module: str) -> int | None:
            best: tuple[int, int] | None = None  # (prefix length, layer)
            for number, prefix in enumerate(layers):
                if module == prefix or module.startswith(prefix + "."):
                    if best is None or len(prefix) > best[0]:
                        best = (len(prefix), number)
            return None if best is None else best[1]

        wrong: list[str] = []
        for source, targets in sorted(self.edges.items()):
            mine = layer_of(source)
            for target in sorted(targets):
                theirs = layer_of(target)
                if mine is not None and theirs is not None and theirs > mine:
                    wrong.append(f"{source} imports {target} ({layers[theirs]} is above)")
        return wrong
