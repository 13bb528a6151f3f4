"""Other packages add commands to ``assistant`` through the entry-point group ``assistant.commands``."""

from __future__ import annotations

import logging
import re
import tomllib
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from assistant import cli
from assistant.cli import root as cli_root

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]

PLUGIN = '''
import typer


def register(app):
    @app.command()
    def hello(name: str = typer.Option("world", help="Whom to greet.")) -> None:
        """Say hello."""
        print(f"hello {name}")
'''


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        pass

    return app


@pytest.fixture
def plugin(tmp_path, monkeypatch) -> EntryPoint:
    (tmp_path / "fake_assistant_plugin.py").write_text(PLUGIN, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return EntryPoint(name="fake", value="fake_assistant_plugin:register", group=cli.COMMANDS_GROUP)


def test_an_entry_point_registers_its_command_on_the_app(plugin):
    app = _app()
    assert cli.add_commands(app, [plugin]) == ["fake"]
    result = CliRunner().invoke(app, ["hello", "--name", "news"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "hello news"


def test_the_installed_entry_points_of_the_group_are_read(plugin, monkeypatch):
    asked = []

    def fake_entry_points(**selection):
        asked.append(selection)
        return [plugin]

    monkeypatch.setattr(cli_root, "entry_points", fake_entry_points)
    app = _app()
    assert cli.add_commands(app) == ["fake"]
    assert asked == [{"group": "assistant.commands"}]
    assert "hello" in [c.name or c.callback.__name__ for c in app.registered_commands]


def test_a_broken_entry_point_is_skipped_and_the_others_still_load(plugin, caplog):
    broken = EntryPoint(name="broken", value="no_such_module_for_assistant:register", group=cli.COMMANDS_GROUP)
    app = _app()
    with caplog.at_level(logging.WARNING, logger="assistant.cli"):
        assert cli.add_commands(app, [broken, plugin]) == ["fake"]
    assert "commands from broken" in caplog.text
    assert CliRunner().invoke(app, ["hello"]).output.strip() == "hello world"


def test_unreadable_metadata_leaves_the_built_in_commands(monkeypatch):
    def fail(**selection):
        raise OSError("metadata unreadable")

    monkeypatch.setattr(cli_root, "entry_points", fail)
    app = _app()
    assert cli.add_commands(app) == []
    assert app.registered_commands == []


def test_the_project_declares_the_evals_commands():
    points = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["entry-points"]
    assert points["assistant.commands"] == {"evals": "evals.cli:register", "ui": "ui.cli:register"}


def test_the_assistant_package_never_imports_evals():
    imports = re.compile(r"^\s*(?:import\s+evals\b|from\s+evals\b)", re.MULTILINE)
    offending = [
        str(path.relative_to(REPO))
        for path in sorted((REPO / "assistant").rglob("*.py"))
        if imports.search(path.read_text(encoding="utf-8"))
    ]
    assert offending == []
