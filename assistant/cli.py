"""The ``assistant`` command: a thin shell over the Python API."""

from __future__ import annotations

import enum
import json
import logging
import os
import sys
from collections.abc import Iterable
from importlib.metadata import EntryPoint, entry_points

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from . import (
    MCP_PATH,
    MCP_PORT,
    MCP_TRANSPORTS,
    Assistant,
    AssistantError,
    UserError,
    __version__,
    load_settings,
    run_mcp_server,
)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Ask questions about your news articles; every answer cites the exact sentences it rests on.",
    pretty_exceptions_enable=False,
)
# soft_wrap: an id, a path or an error must stay on one line for scripts to read.
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        out.print(f"assistant {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "-v", "--verbose", help="Log what happens (INFO)."),
    quiet: bool = typer.Option(False, "--quiet", help="Only errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    level = logging.INFO if verbose else logging.ERROR if quiet else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr, force=True)
    for noisy in ("bm25s", "chromadb", "httpx", "sentence_transformers", "transformers"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    if not verbose:
        # Libraries print load bars and notices that mean nothing to a user.
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("TQDM_DISABLE", "1")


def _assistant() -> Assistant:
    return Assistant(load_settings())


class _RateColumn(ProgressColumn):
    """Items per second, e.g. "41.9/s"."""

    def render(self, task) -> Text:
        return Text(f"{task.speed:.1f}/s" if task.speed else "–/s", style="progress.data.speed")


def _progress_bar(label: str):
    bar = Progress(
        TextColumn(f"[bold]{label}[/] {{task.description}}"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )
    tasks: dict[str, int] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total)
        bar.update(tasks[stage], completed=done, total=total)

    return bar, update


@app.command()
def ingest(
    paths: list[str] = typer.Argument(
        ..., help="Files or folders (.txt, .md, .html, .jsonl), http(s) page or feed URLs, feed files (.xml, .rss)."),
) -> None:
    """Add or update articles; unchanged ones are skipped."""
    bar, update = _progress_bar("Indexing")
    with bar:
        report = _assistant().ingest(paths, progress=update)
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


@app.command()
def ask(
    question: str = typer.Argument(..., help="The question, in quotes."),
    as_json: bool = typer.Option(False, "--json", help="Print the Answer as JSON."),
    stream: bool = typer.Option(False, "--stream", help="Show progress and the answer as it is written."),
    top_k: int | None = typer.Option(None, "--top-k", min=1, max=100, help="Passages to read."),
    outlet: str | None = typer.Option(None, "--outlet", help="Only articles from this outlet."),
    since: str | None = typer.Option(None, "--since", help="Only articles published on or after YYYY-MM-DD."),
    until: str | None = typer.Option(None, "--until", help="Only articles published on or before YYYY-MM-DD."),
    mode: str | None = typer.Option(None, "--mode", help="Answer mode: reader, extractive or llm (default from settings)."),
) -> None:
    """Answer a question from the stored articles (seeds are indexed on first use)."""
    assistant = _assistant()
    assistant.ensure_seeded()
    options = dict(top_k=top_k, outlet=outlet, since=since, until=until, mode=mode)
    if as_json:
        out.print_json(json.dumps(assistant.ask(question, **options).to_dict()))
        return
    if stream:
        _show_stream(assistant.ask_stream(question, **options))
        return
    _show_answer(assistant.ask(question, **options))


def _show_answer(answer, *, text: bool = True) -> None:
    if text:
        out.print(answer.text, markup=False, highlight=False)
    if answer.notice:
        out.print(answer.notice, style="italic", markup=False)
    for c in answer.citations:
        out.print(f"\n[{c.n}] {c.outlet or 'unknown outlet'}, {c.published or 'date unknown'}: {c.title}", style="bold", markup=False)
        out.print(f"    “{c.quote}”", markup=False, highlight=False)


def _show_stream(events):
    """Steps on stderr, text as it is written, then the checked answer; returns the Answer."""
    from . import Answer, Step, TextDelta

    streamed = []
    for event in events:
        if isinstance(event, Step):
            err.print(event.message, style="dim", markup=False, highlight=False)
        elif isinstance(event, TextDelta):
            streamed.append(event.text)
            out.print(event.text, end="", markup=False, highlight=False)
        elif isinstance(event, Answer):
            written = "".join(streamed)
            if written:
                out.print()
            same = written.strip() == event.text.strip()
            if written and not same:
                # What was streamed is a draft: the checked answer replaces it.
                out.print("Checked answer:", style="bold")
            _show_answer(event, text=not same)
            return event
    return None


@app.command()
def chat(
    mode: str | None = typer.Option(None, "--mode", help="Answer mode: reader, extractive or llm (default from settings)."),
) -> None:
    """Talk to the articles: follow-up questions keep the conversation; `/new` starts over, `/quit` ends."""
    assistant = _assistant()
    assistant.ensure_seeded()
    assistant.warm_up()
    err.print(f"Answer modes: {', '.join(assistant.modes)}. Ask a question; /new starts over, /quit ends.", style="dim")
    history: list = []
    while True:
        try:
            question = input("\n> ").strip()
        except EOFError:
            return
        if not question:
            continue
        if question in ("/quit", "/exit"):
            return
        if question == "/new":
            history.clear()
            err.print("New conversation.", style="dim")
            continue
        try:
            answer = _show_stream(assistant.ask_stream(question, history=tuple(history), mode=mode))
        except UserError as exc:
            err.print(f"error: {exc}", markup=False, highlight=False)
            continue
        if answer is not None:
            if answer.rewritten_question != answer.question:
                err.print(f"(read as: {answer.rewritten_question})", style="dim", markup=False)
            history.append((question, answer))


@app.command("list")
def list_articles(as_json: bool = typer.Option(False, "--json", help="Print a JSON array.")) -> None:
    """List the stored articles."""
    articles = _assistant().articles()
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
    a = _assistant().article(article_id)
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
    _assistant().remove(article_id)
    out.print(f"removed {article_id}", markup=False, highlight=False)


@app.command()
def reindex() -> None:
    """Rebuild Chroma and BM25 from the article table with the current settings."""
    bar, update = _progress_bar("Reindexing")
    with bar:
        count = _assistant().reindex(progress=update)
    out.print(f"reindexed {count} articles")


@app.command()
def check(
    repair: bool = typer.Option(False, "--repair", help="Fix what drifted from the article table (a write: takes the lock)."),
    as_json: bool = typer.Option(False, "--json", help="Print the CheckReport as JSON."),
) -> None:
    """Compare the article table with Chroma and BM25; exit 1 while they disagree."""
    report = _assistant().check(repair=repair)
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
        summary = (
            f"{c['articles']} articles; table {c['table_chunks']} chunks, {c['table_sentences']} sentences; "
            f"Chroma {c['chroma_chunks']} chunks, {c['chroma_sentences']} sentences; BM25 {c['bm25_chunks']} chunks"
        )
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
    from . import FeedbackLog

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


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to bind."),
    port: int = typer.Option(7860, min=1, max=65535, help="Port to listen on."),
    auth: str | None = typer.Option(None, "--auth", help="USER:PASS to ask for (default: ASSISTANT_AUTH)."),
    no_auth: bool = typer.Option(False, "--no-auth", help="Serve on a non-local address without a password."),
) -> None:
    """Serve the chat in a browser (indexes the seeds first if the store is empty)."""
    from ui.server import check_bind
    from ui.server import serve as serve_app

    settings = load_settings()
    credentials = check_bind(host, auth or (settings.auth.get_secret_value() if settings.auth else None), no_auth)
    assistant = Assistant(settings)
    bar, update = _progress_bar("Indexing seeds")
    with bar:
        assistant.ensure_seeded(progress=update)
    assistant.warm_up()
    err.print(f"Serving on http://{host}:{port}")
    serve_app(assistant, host=host, port=port, auth=credentials)


# An Enum, so that the option parser lists the choices and refuses others before any work starts.
_Transport = enum.Enum("_Transport", {name: name for name in MCP_TRANSPORTS}, type=str)


@app.command("mcp")
def mcp_command(
    transport: _Transport = typer.Option(
        _Transport.stdio, "--transport", help="stdio (a client starts this command) or http (streamable HTTP)."
    ),
    host: str = typer.Option("127.0.0.1", help="Address to bind (http)."),
    port: int = typer.Option(MCP_PORT, min=1, max=65535, help="Port to listen on (http)."),
) -> None:
    """Serve the archive to agents over the Model Context Protocol: tools ask, search, list_articles, get_article."""

    def ready() -> None:
        # stderr: with stdio, stdout belongs to the protocol.
        where = "stdin/stdout" if transport.value == "stdio" else f"http://{host}:{port}{MCP_PATH}"
        err.print(f"MCP server ready on {where}", markup=False, highlight=False)

    with _assistant() as assistant:
        bar, update = _progress_bar("Indexing seeds")
        with bar:
            assistant.ensure_seeded(progress=update)
        run_mcp_server(assistant, transport=transport.value, host=host, port=port, ready=ready)


COMMANDS_GROUP = "assistant.commands"


def add_commands(target: typer.Typer | None = None, found: Iterable[EntryPoint] | None = None) -> list[str]:
    """Let installed packages add commands; returns the names of the entry points that did.

    Each entry point of the group ``assistant.commands`` names a function that
    takes the Typer app and registers its commands on it (the evals package
    adds ``eval`` and ``bench`` this way). One that fails to load is logged and
    skipped: the other commands still work. ``found`` replaces the installed
    entry points (tests).
    """
    target = app if target is None else target
    if found is None:
        try:
            found = entry_points(group=COMMANDS_GROUP)
        except Exception:  # noqa: BLE001 - broken metadata must not stop the built-in commands
            logging.getLogger(__name__).warning("could not read the %s entry points", COMMANDS_GROUP, exc_info=True)
            found = ()
    added = []
    for point in found:
        try:
            point.load()(target)
        except Exception as exc:  # noqa: BLE001 - one broken package must not stop the others
            logging.getLogger(__name__).warning(
                "commands from %s (%s) not added: %s: %s", point.name, point.value, type(exc).__name__, exc
            )
            continue
        added.append(point.name)
    return added


from .watch_cli import register as _register_watch  # noqa: E402 - the command is defined in its own module

_register_watch(app)
add_commands()


def main() -> None:
    """Entry point: errors become one line on stderr and a non-zero exit."""
    try:
        # Without standalone mode click returns an Exit's code instead of exiting.
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("aborted")
        sys.exit(130)
    except UserError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        sys.exit(2)
    except AssistantError as exc:
        err.print(f"failed: {exc}", markup=False, highlight=False)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the promise is "never a traceback"
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):
            # A usage error from the option parser (typer may carry its own click).
            exc.show()
            sys.exit(exc.exit_code)
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        err.print(f"failed: {type(exc).__name__}: {exc} (run with -v for details)", markup=False, highlight=False)
        sys.exit(1)
