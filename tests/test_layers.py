"""The import graph keeps the layers one way: vectorstore <- assistant <- (ui, evals).

``vectorstore`` knows nothing of the rest; the core knows nothing of its
faces; the faces (``ui``, ``evals``) reach the core through
``assistant/__init__.py`` only, never ``vectorstore`` or a core module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]


def imports_of(package: str) -> list[tuple[str, str]]:
    """(file, imported module) for every import in ``package``, relative ones resolved."""
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        here = parts[:-1] if parts[-1] != "__init__" else parts
        if parts[-1] == "__init__":
            here = parts[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found += [(str(path.relative_to(ROOT)), alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here[: len(here) - (node.level - 1)]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                found.append((str(path.relative_to(ROOT)), module))
    return found


def offending(package: str, forbidden) -> list[str]:
    return [f"{file} imports {module}" for file, module in imports_of(package) if forbidden(module)]


def top(module: str) -> str:
    return module.split(".")[0]


def test_the_store_imports_nothing_of_the_core_or_its_faces():
    assert offending("vectorstore", lambda m: top(m) in {"assistant", "ui", "evals"}) == []


def test_the_core_imports_none_of_its_faces():
    assert offending("assistant", lambda m: top(m) in {"ui", "evals"}) == []


@pytest.mark.parametrize("face", ["ui", "evals"])
def test_the_faces_reach_the_core_through_its_public_entry_point_only(face):
    def forbidden(module: str) -> bool:
        return top(module) == "vectorstore" or (top(module) == "assistant" and module != "assistant")

    assert offending(face, forbidden) == []


def test_the_checker_sees_a_forbidden_import(tmp_path, monkeypatch):
    """The walk above finds imports at any depth, relative ones included (so a pass means something)."""
    found = dict((m, f) for f, m in imports_of("ui"))
    assert "assistant" in found and "ui.render" in found
    assert any(m.startswith("vectorstore") for _, m in imports_of("assistant"))


def test_every_test_file_is_marked_unit_or_integration():
    """``make test-unit`` and ``make test-integration`` select by marker: an unmarked file would run in neither."""
    unmarked = [
        str(path.relative_to(ROOT)) for path in sorted((ROOT / "tests").rglob("test_*.py"))
        if "pytest.mark.unit" not in (text := path.read_text(encoding="utf-8")) and "pytest.mark.integration" not in text
    ]  # fmt: skip
    assert unmarked == []
