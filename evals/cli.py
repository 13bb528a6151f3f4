"""The commands the evals package adds to ``assistant``: ``eval`` and ``bench``.

``assistant`` finds them through the entry point ``evals`` of the group
``assistant.commands`` (pyproject.toml), which names :func:`register`; the
assistant package itself knows nothing of evals. Everything heavy is imported
when a command runs, so the other commands start no slower.
"""

from __future__ import annotations

from pathlib import Path

import typer

from assistant import UserError


def register(app: typer.Typer) -> None:
    """Add ``eval`` and ``bench`` to the ``assistant`` app, in that order."""
    app.command("eval")(eval_)
    app.command()(bench)


def eval_(
    suites: list[str] | None = typer.Argument(None, help="Suite names under evals/suites (default: seeds)."),
    split: str = typer.Option("test", help="dev, test or all."),
    json_path: Path = typer.Option(Path("evals/reports/report.json"), "--json", help="Where to write the JSON report."),
    html_path: Path = typer.Option(Path("evals/reports/report.html"), "--html", help="Where to write the HTML report."),
    compare: bool = typer.Option(False, "--compare", help="Run dense only, BM25 only and the default side by side."),
    record: bool = typer.Option(False, "--record", help="Record thresholds (measured − 0.02) from this run."),
    size: int | None = typer.Option(
        None, "--size", min=0, help="Articles a retrieval suite (bbc) ingests; 0 = all (default 2000)."
    ),
) -> None:
    """Run the known-answer eval suites (seeds, lee) or a retrieval suite (bbc) and write reports."""
    if split not in ("dev", "test", "all"):
        raise UserError(f"--split must be dev, test or all, not {split!r}")
    from rich.console import Console

    out = Console(soft_wrap=True)  # like the CLI's: a path or an error stays on one line

    from . import main_eval

    code = main_eval(
        suites or ["seeds"],
        split=split,
        json_path=json_path,
        html_path=html_path,
        compare=compare,
        record=record,
        size=size,
        console=out,
    )
    raise typer.Exit(code)


def bench(
    sizes: str = typer.Option("1000,10000", "--sizes", help="Store sizes in chunks, comma-separated (100000 takes hours)."),
    json_path: Path | None = typer.Option(None, "--json", help="Also write the report as JSON here."),
    questions: int = typer.Option(100, "--questions", min=5, help="Warm questions per size."),
    reader_questions: int = typer.Option(20, "--reader-questions", min=0, help="Of those, asked with the reader on."),
    cold_runs: int = typer.Option(3, "--cold-runs", min=1, help="Cold `assistant ask` processes per size."),
    naive: bool = typer.Option(True, "--naive/--no-naive", help="Also run the naive LlamaIndex pipeline."),
    ingest_sample: int = typer.Option(
        100, "--ingest-sample", min=1, help="Articles per size ingested computing every vector (the ingest figure)."
    ),
    embeddings_from: Path | None = typer.Option(
        None, "--embeddings-from", help="A store (ASSISTANT_HOME) whose vectors fill the embedding cache first."
    ),
    workdir: Path | None = typer.Option(None, "--workdir", help="Keep the stores here (default: a temporary folder)."),
) -> None:
    """Measure ingest, warm and cold ask, memory, and a naive LlamaIndex pipeline on the BBC archive."""
    try:
        parsed = sorted({int(s) for s in sizes.split(",") if s.strip()})
    except ValueError:
        raise UserError(f"--sizes must be whole numbers separated by commas, not {sizes!r}") from None
    if not parsed or parsed[0] < 1:
        raise UserError("--sizes needs at least one size of 1 chunk or more")
    from rich.console import Console

    out = Console(soft_wrap=True)  # like the CLI's: a path or an error stays on one line

    from .bench import main_bench

    main_bench(
        sizes=parsed, json_path=json_path, questions=questions, reader_questions=reader_questions,
        cold_runs=cold_runs, naive=naive, ingest_sample=ingest_sample, embeddings_from=embeddings_from,
        workdir=workdir, console=out,
    )  # fmt: skip
