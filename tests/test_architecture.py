"""The house rules: the kernel imports no domain package, no package imports the
composition root, the packages stack in one order, and no module import cycles."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.import_graph import ImportGraph

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["callcenter", "acd", "seats", "workorders", "crisis"]
# Lowest first: each may import only from its own layer or from below.
LAYERS = ["callcenter.kernel", "seats", "acd", "workorders", "crisis", "callcenter.app"]


@pytest.fixture(scope="module")
def graph() -> ImportGraph:
    return ImportGraph.read(ROOT, PACKAGES)


def test_every_module_sits_in_a_layer(graph: ImportGraph) -> None:
    homeless = [
        name
        for name in graph.modules
        if name != "callcenter" and not any(name.startswith(layer) for layer in LAYERS)
    ]
    assert homeless == []


def test_the_kernel_imports_no_domain_package_and_no_package_imports_the_app(
    graph: ImportGraph,
) -> None:
    assert graph.layer_violations(LAYERS) == []


def test_no_module_import_cycles(graph: ImportGraph) -> None:
    assert graph.cycles() == []


def _tree(tmp_path: Path, files: dict[str, str]) -> ImportGraph:
    for name, source in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return ImportGraph.read(tmp_path, ["low", "high"])


def test_the_checks_catch_a_cycle_hidden_under_type_checking(tmp_path: Path) -> None:
    graph = _tree(
        tmp_path,
        {
            "low/__init__.py": "",
            "low/a.py": "from low.b import thing\n",
            "low/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import low.a\n",
            "high/__init__.py": "",
        },
    )
    assert graph.cycles() == [["low.a", "low.b"]]


def test_the_checks_catch_an_import_from_a_higher_layer_inside_a_function(
    tmp_path: Path,
) -> None:
    graph = _tree(
        tmp_path,
        {
            "low/__init__.py": "",
            "low/a.py": "def f():\n    from high import web\n",
            "high/__init__.py": "",
            "high/web.py": "import low.a\n",
        },
    )
    assert graph.layer_violations(["low", "high"]) == ["low.a imports high.web (high is above)"]
