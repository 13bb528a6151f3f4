"""``eval`` and ``bench`` are added to ``assistant`` by the evals package's entry point."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest
import typer
from typer.testing import CliRunner

from assistant import UserError, cli

pytestmark = pytest.mark.unit


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        pass

    return app


def test_the_evals_entry_point_adds_eval_then_bench_with_their_options():
    app = _app()
    point = EntryPoint(name="evals", value="evals.cli:register", group=cli.COMMANDS_GROUP)
    assert cli.add_commands(app, [point]) == ["evals"]
    assert [c.name or c.callback.__name__ for c in app.registered_commands] == ["eval", "bench"]
    runner = CliRunner()
    eval_help = runner.invoke(app, ["eval", "--help"], env={"COLUMNS": "200"}).output
    for option in ("--split", "--json", "--html", "--compare", "--record", "--size"):
        assert option in eval_help
    bench_help = runner.invoke(app, ["bench", "--help"], env={"COLUMNS": "200"}).output
    for option in ("--sizes", "--questions", "--reader-questions", "--cold-runs", "--no-naive", "--ingest-sample",
                   "--embeddings-from", "--workdir"):  # fmt: skip
        assert option in bench_help


def test_bad_options_are_user_errors_before_anything_runs():
    app = _app()
    cli.add_commands(app, [EntryPoint(name="evals", value="evals.cli:register", group=cli.COMMANDS_GROUP)])
    runner = CliRunner()
    for args, message in ((["eval", "--split", "bogus"], "--split must be dev, test or all"),
                          (["bench", "--sizes", "x"], "--sizes must be whole numbers"),
                          (["bench", "--sizes", "0"], "--sizes needs at least one size")):  # fmt: skip
        result = runner.invoke(app, args)
        assert isinstance(result.exception, UserError) and message in str(result.exception)
