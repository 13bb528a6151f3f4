"""``assistant watch``: a thin shell over ``assistant.watch.Watcher``."""

from __future__ import annotations

from pathlib import Path

import typer

from . import root
from .root import app, err, out, progress_bar


@app.command("watch")
def watch(
    folder: Path | None = typer.Argument(None, help="A folder whose new and changed files are ingested."),
    feeds: Path | None = typer.Option(None, "--feeds", help="A file of RSS/Atom feed URLs, one a line, instead."),
    interval: float = typer.Option(300.0, "--interval", min=0, help="Seconds between rounds."),
    once: bool = typer.Option(False, "--once", help="One round, then exit (2 if anything failed)."),
    rounds: int | None = typer.Option(None, "--rounds", min=1, help="Stop after this many rounds."),
) -> None:
    """Keep ingesting what appears in a folder or a list of feeds; Ctrl-C stops."""
    from .. import Watcher

    assistant = root.open_assistant()
    watcher = Watcher(assistant, folder=folder, feeds=feeds)
    what = f"folder {folder}" if folder is not None else f"the feeds in {feeds}"
    err.print(f"watching {what}" + ("" if once else f" every {interval:g} s (Ctrl-C stops)"), markup=False)
    failed = 0
    progress = _RoundProgress()
    try:
        for result in watcher.run(interval_s=interval, rounds=1 if once else rounds, progress=progress):
            out.print(result.summary(), markup=False, highlight=False)
            for name, ids in (("added", result.added), ("replaced", result.replaced)):
                for article_id in ids:
                    out.print(f"  {name}: {article_id}", markup=False, highlight=False)
            for rejected in result.failed:
                out.print(f"  failed: {rejected.source}: {rejected.reason}", style="yellow", markup=False)
            failed += len(result.failed)
    except KeyboardInterrupt:
        # An ingest cut short here is resumed by the next round or ingest (see "Where data is stored").
        err.print(f"stopped after {watcher.rounds_done} rounds", markup=False)
        return
    finally:
        progress.close()
        assistant.close()
    if once and failed:
        raise typer.Exit(2)


class _RoundProgress:
    """A progress bar per round, shown only while that round writes something."""

    def __init__(self) -> None:
        self._bar = None
        self._update = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self._bar is None:
            self._bar, self._update = progress_bar("Indexing")
            self._bar.start()
        self._update(stage, done, total)
        if stage == "articles" and done >= total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
