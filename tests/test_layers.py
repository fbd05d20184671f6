"""The package's import graph: layers as folders, imports only down, no cycle, no private
name reached across subpackages (docs/architecture.md draws the picture)."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "okrlib"

# Highest first: a layer may import the layers below it, never one above it.
LAYERS = ["cli", "reporting", "presentation", "analysis", "loading", "model", "exceptions"]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("okrlib", cache_dir=None)


def test_every_module_belongs_to_a_layer(graph) -> None:
    top = {module.split(".")[1] for module in graph.modules if module.count(".") >= 1}
    assert top <= set(LAYERS) | {"__main__"}, top - set(LAYERS)


def test_imports_only_go_down_the_layers(graph) -> None:
    illegal = graph.find_illegal_dependencies_for_layers(layers=LAYERS, containers={"okrlib"})
    routes = sorted(f"{d.importer} -> {d.imported}" for d in illegal)
    assert not routes, "imports that run up the layers:\n" + "\n".join(routes)


def test_there_is_no_import_cycle(graph) -> None:
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if imported != module and graph.chain_exists(imported=module, importer=imported):
                cycles.append(f"{module} <-> {imported}")
    # a subpackage's __init__ importing its own modules is not a cycle of code
    cycles = [c for c in cycles if not _is_package_init_pair(graph, c)]
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def _is_package_init_pair(graph, cycle: str) -> bool:
    left, right = cycle.split(" <-> ")
    return right.startswith(left + ".") or left.startswith(right + ".")


def _layer(module: str) -> str:
    """``okrlib.loading._read`` -> ``loading``; ``okrlib`` itself -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_no_private_name_is_imported_across_subpackages() -> None:
    crossings = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module.removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom) or node.level == 0:
                continue
            base = package.split(".")
            base = base[: len(base) - node.level + 1]
            source = ".".join([*base, *(node.module.split(".") if node.module else [])])
            if _layer(source) == _layer(module):
                continue
            private = [part for part in source.split(".")[1:] if part.startswith("_")]
            private += [alias.name for alias in node.names if alias.name.startswith("_")]
            if private:
                crossings.append(f"{module}:{node.lineno} imports {source}: {', '.join(private)}")
    assert not crossings, "private names reached across subpackages:\n" + "\n".join(crossings)


def test_no_module_imports_the_package_root(graph) -> None:
    # okrlib/__init__.py gathers the public API from every layer: importing it from inside
    # would be an import up from any layer
    importers = graph.find_modules_that_directly_import("okrlib") - {"okrlib.__main__"}
    assert not importers, sorted(importers)
