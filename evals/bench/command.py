"""``assistant bench`` and ``python -m evals.bench``: run and print the bench, or a worker, or the Markdown table."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .figures import DEFAULT_SIZES, BenchReport
from .report import print_bench, render_markdown
from .run import bare_report, run_bench
from .serving import LoadOptions, SoakOptions, run_serving
from .worker import worker_main


def main_bench(
    *,
    sizes: Sequence[int] = DEFAULT_SIZES[:2],
    json_path: Path | None = None,
    questions: int = 100,
    reader_questions: int = 20,
    cold_runs: int = 3,
    naive: bool = True,
    ingest_sample: int = 100,
    embeddings_from: Path | None = None,
    workdir: Path | None = None,
    load: LoadOptions | None = None,
    soak: SoakOptions | None = None,
    console: Any = None,
) -> BenchReport:
    """Run the bench, print the table and the verdicts, write the JSON (``json_path``).

    ``sizes`` may be empty when only ``load`` or ``soak`` (the real server under load) is asked for.
    """
    from rich.console import Console

    console = console or Console()

    def log(line: str) -> None:
        console.print(f"[dim]{line}[/]", highlight=False)

    if sizes:
        report = run_bench(
            sizes=sizes, questions=questions, reader_questions=reader_questions, cold_runs=cold_runs, naive=naive,
            ingest_sample=ingest_sample, embeddings_from=embeddings_from, workdir=workdir, log=log,
        )  # fmt: skip
    else:
        report = bare_report()
    if load is not None or soak is not None:
        report = run_serving(report, load=load, soak=soak, workdir=workdir, log=log)
    print_bench(report, console)
    if json_path is not None:
        path = Path(json_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
        console.print(f"report: {path}")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Bench workers and the README table (`assistant bench` runs it).")
    sub = parser.add_subparsers(dest="command", required=True)
    worker = sub.add_parser("worker", help="run one bench job (internal)")
    worker.add_argument("spec", type=Path)
    markdown = sub.add_parser("markdown", help="print the README's Performance table from a bench JSON")
    markdown.add_argument("json", type=Path)
    args = parser.parse_args(argv)
    if args.command == "worker":
        return worker_main(args.spec)
    print(render_markdown(json.loads(args.json.read_text(encoding="utf-8"))))
    return 0
