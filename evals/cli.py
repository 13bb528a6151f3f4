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
    sizes: str | None = typer.Option(
        None, "--sizes", help="Store sizes in chunks, comma-separated (100000 takes hours); default 1000,10000, "
        "none with --load or --soak."
    ),
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
    load: bool = typer.Option(False, "--load", help="Concurrent conversations through the real server (`serve`)."),
    load_conversations: int = typer.Option(50, "--load-conversations", min=1, help="Conversations at once, --load."),
    load_turns: int = typer.Option(3, "--load-turns", min=1, max=3, help="Turns per conversation, --load."),
    load_rounds: int = typer.Option(3, "--load-rounds", min=1, help="Rounds of conversations, --load."),
    soak: float = typer.Option(0, "--soak", min=0, help="Seconds of asking with ingest and remove beside it (0: none)."),
    soak_askers: int = typer.Option(4, "--soak-askers", min=1, help="Threads asking during --soak."),
    serve_reader: str = typer.Option("on", "--serve-reader", help="The server's reader for --load and --soak: on or off."),
) -> None:
    """Measure ingest, warm and cold ask, memory, a naive LlamaIndex pipeline; the served app under load and soak."""
    serving = load or soak > 0
    if sizes is None:
        sizes = "" if serving else "1000,10000"
    try:
        parsed = sorted({int(s) for s in sizes.split(",") if s.strip()})
    except ValueError:
        raise UserError(f"--sizes must be whole numbers separated by commas, not {sizes!r}") from None
    if (not parsed and not serving) or (parsed and parsed[0] < 1):
        raise UserError("--sizes needs at least one size of 1 chunk or more")
    if serve_reader not in ("on", "off"):
        raise UserError(f"--serve-reader must be on or off, not {serve_reader!r}")
    from rich.console import Console

    out = Console(soft_wrap=True)  # like the CLI's: a path or an error stays on one line

    from .bench import LoadOptions, SoakOptions, main_bench

    main_bench(
        sizes=parsed, json_path=json_path, questions=questions, reader_questions=reader_questions,
        cold_runs=cold_runs, naive=naive, ingest_sample=ingest_sample, embeddings_from=embeddings_from,
        workdir=workdir, console=out,
        load=LoadOptions(load_conversations, load_turns, load_rounds, serve_reader) if load else None,
        soak=SoakOptions(soak, soak_askers, serve_reader) if soak > 0 else None,
    )  # fmt: skip
