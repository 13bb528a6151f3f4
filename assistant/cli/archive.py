"""The archive's commands: ingest, list, show, remove, reindex, check, feedback."""

from __future__ import annotations

import json

import typer

from .. import (
    load_settings,
)
from . import root
from .root import app, out, progress_bar


@app.command()
def ingest(
    paths: list[str] = typer.Argument(
        ..., help="Files or folders (.txt, .md, .html, .jsonl), http(s) page or feed URLs, feed files (.xml, .rss)."),
) -> None:
    """Add or update articles; unchanged ones are skipped."""
    bar, update = progress_bar("Indexing")
    with bar:
        report = root.open_assistant().ingest(paths, progress=update)
    out.print(
        f"added {len(report.added)}, unchanged {len(report.unchanged)}, "
        f"replaced {len(report.replaced)}, rejected {len(report.rejected)}"
    )
    for name, ids in (("added", report.added), ("replaced", report.replaced)):
        for article_id in ids:
            out.print(f"  {name}: {article_id}", markup=False, highlight=False)
    for rejected in report.rejected:
        out.print(f"  rejected: {rejected.source}: {rejected.reason}", style="yellow", markup=False)
    if report.rejected:
        # Scripts must notice that part of the input did not make it in.
        raise typer.Exit(2)

@app.command("list")
def list_articles(as_json: bool = typer.Option(False, "--json", help="Print a JSON array.")) -> None:
    """List the stored articles."""
    articles = root.open_assistant().articles()
    if as_json:
        out.print_json(json.dumps([a.to_dict() for a in articles]))
        return
    if not articles:
        out.print("No articles yet: `assistant ingest PATH` adds some.")
    for a in articles:
        out.print(f"{a.id}  {a.published or '----------'}  {a.outlet or '-'}  {a.title}", markup=False)

@app.command()
def show(article_id: str = typer.Argument(..., help="An id from `assistant list`.")) -> None:
    """Print an article's metadata and cleaned text."""
    a = root.open_assistant().article(article_id)
    out.print(a.title, style="bold", markup=False)
    out.print(
        f"{a.outlet or 'unknown outlet'} · {a.published or 'date unknown'} · {a.source}"
        + (f" · updated {a.updated}" if a.updated else "") + (f" · by {a.author}" if a.author else "")
        + (f" · wire: {', '.join(a.agencies)}" if a.agencies else ""),
        markup=False,
    )
    for v in a.history:  # versions a changed copy of the page replaced
        out.print(f"replaced {v.replaced_at}: {v.title} · {v.published or 'date unknown'} · {v.content_hash[:12]}",
                  markup=False, highlight=False, style="dim")
    out.print()
    out.print(a.text, markup=False, highlight=False)

@app.command()
def remove(article_id: str = typer.Argument(..., help="An id from `assistant list`.")) -> None:
    """Remove an article and its index entries."""
    root.open_assistant().remove(article_id)
    out.print(f"removed {article_id}", markup=False, highlight=False)

@app.command()
def reindex() -> None:
    """Rebuild Chroma and BM25 from the article table with the current settings."""
    bar, update = progress_bar("Reindexing")
    with bar:
        count = root.open_assistant().reindex(progress=update)
    out.print(f"reindexed {count} articles")

@app.command()
def check(
    repair: bool = typer.Option(False, "--repair", help="Fix what drifted from the article table (a write: takes the lock)."),
    as_json: bool = typer.Option(False, "--json", help="Print the CheckReport as JSON."),
) -> None:
    """Compare the article table with Chroma and BM25; exit 1 while they disagree."""
    report = root.open_assistant().check(repair=repair)
    if as_json:
        out.print_json(json.dumps(report.to_dict()))
    else:
        for line in report.problems:
            out.print(f"found: {line}", markup=False, highlight=False)
        for line in report.repaired:
            out.print(f"repaired: {line}", markup=False, highlight=False)
        if repair:
            for line in report.remaining:
                out.print(f"remaining: {line}", style="yellow", markup=False, highlight=False)
        c = report.counts
        # A table too damaged to read has no counts: the found line says so.
        summary = (
            f"{c['articles']} articles; table {c['table_chunks']} chunks, {c['table_sentences']} sentences; "
            f"Chroma {c['chroma_chunks']} chunks, {c['chroma_sentences']} sentences; BM25 {c['bm25_chunks']} chunks"
        ) if c else "the article table could not be counted"  # fmt: skip
        if report.consistent:
            out.print(f"consistent: {summary}", markup=False, highlight=False)
        else:
            hint = "" if repair else " (`assistant check --repair` fixes it)"
            out.print(f"drift remains{hint}: {summary}", style="bold", markup=False, highlight=False)
    if not report.consistent:
        raise typer.Exit(1)

@app.command()
def feedback(as_json: bool = typer.Option(False, "--json", help="Print a JSON array.")) -> None:
    """List the feedback given in the chat (thumbs up/down, wrong source), oldest first."""
    from .. import FeedbackLog

    log = FeedbackLog(load_settings().home)
    entries = log.entries()
    if as_json:
        out.print_json(json.dumps(entries))
        return
    if not entries:
        out.print(f"No feedback yet ({log.path}).")
    for e in entries:
        cited = ", ".join(f"[{c['n']}] {c.get('outlet') or '-'}" for c in e.get("citations", []))
        out.print(f"{e['at']}  {e['kind']:<12}  {e['question']}", markup=False)
        out.print(f"    {e['answer']}" + (f"  ({cited})" if cited else ""), markup=False, highlight=False)
