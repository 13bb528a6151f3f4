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


# -- tests use the code's public face ---------------------------------------------------------
# Underscored names that are public API of the standard library, not anything's insides.
PUBLIC_UNDERSCORED = {"_replace", "_asdict", "_fields", "_make"}  # namedtuple's documented methods
PROJECT = ("assistant", "vectorstore", "ui", "evals")


def private_reaches(source: str) -> list[str]:
    """Where ``source`` reaches into something's private names: ``x._name`` (but ``self._name``
    and ``cls._name``, a test's own helpers), a ``"_name"`` given to ``setattr``/``getattr``/
    ``delattr``/``hasattr``/``monkeypatch.setattr``, a dotted ``"pkg.mod._name"`` string, and
    ``from <project module> import _name``."""

    def private(name: str) -> bool:
        return name.startswith("_") and not name.startswith("__") and name not in PUBLIC_UNDERSCORED

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and private(node.attr):
            owner = node.value
            if not (isinstance(owner, ast.Name) and owner.id in {"self", "cls"}):
                found.append(f"line {node.lineno}: .{node.attr}")
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in {"setattr", "getattr", "delattr", "hasattr"}:
                for arg in node.args[:2]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        if private(arg.value) or any(private(part) for part in arg.value.split(".")[1:]):
                            found.append(f"line {node.lineno}: {name}(..., {arg.value!r})")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in PROJECT:
            found += [f"line {node.lineno}: import {a.name}" for a in node.names if private(a.name)]
    return sorted(found, key=lambda where: int(where.split(":")[0].removeprefix("line ")))


def test_no_test_reaches_into_private_attributes():
    """Tests go through what the code offers (issue 17): a private name may change without notice."""
    reaches = {
        str(path.relative_to(ROOT)): found
        for path in sorted((ROOT / "tests").rglob("*.py"))
        if (found := private_reaches(path.read_text(encoding="utf-8")))
    }
    assert reaches == {}


def test_the_private_access_check_sees_each_kind():
    source = (
        "from assistant.api import _default_assistant\n"
        "reader._tokens('x')\n"
        "monkeypatch.setattr(index, '_survey', fake)\n"
        "monkeypatch.setattr('evals.fetch_lee._download_wheel', fake)\n"
        "getattr(model, '_model')\n"
        "self._own = 1; cls._own = 2; point._replace(x=1); obj.__class__\n"
    )
    assert private_reaches(source) == [
        "line 1: import _default_assistant",
        "line 2: ._tokens",
        "line 3: setattr(..., '_survey')",
        "line 4: setattr(..., 'evals.fetch_lee._download_wheel')",
        "line 5: getattr(..., '_model')",
    ]
