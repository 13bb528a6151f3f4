"""The commands the faces add to ``assistant``: ``serve`` (the chat) and ``mcp`` (agents).

``assistant`` finds them through the entry point ``ui`` of the group
``assistant.commands`` (pyproject.toml), as it finds the evals' commands:
the core knows nothing of its faces.
"""

from __future__ import annotations

import enum

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from assistant import Assistant, load_settings
from ui.mcp import MCP_PATH, MCP_PORT, MCP_TRANSPORTS, run_mcp_server
from ui.server import check_bind
from ui.server import serve as serve_app

err = Console(stderr=True, soft_wrap=True)

_Transport = enum.Enum("_Transport", {name: name for name in MCP_TRANSPORTS}, type=str)


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``mcp`` to the ``assistant`` app."""
    app.command()(serve)
    app.command("mcp")(mcp)


def _seeded(assistant: Assistant) -> None:
    """Index the seeds when the store is empty, with a progress bar on stderr."""
    with Progress(TextColumn("[bold]Indexing seeds[/] {task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True) as bar:  # fmt: skip
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        assistant.ensure_seeded(progress=update)


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to bind."),
    port: int = typer.Option(7860, min=1, max=65535, help="Port to listen on."),
    auth: str | None = typer.Option(None, "--auth", help="USER:PASS to ask for (default: ASSISTANT_AUTH)."),
    no_auth: bool = typer.Option(False, "--no-auth", help="Serve on a non-local address without a password."),
) -> None:
    """Serve the chat in a browser (indexes the seeds first if the store is empty)."""
    settings = load_settings()
    credentials = check_bind(host, auth or (settings.auth.get_secret_value() if settings.auth else None), no_auth)
    assistant = Assistant(settings)
    _seeded(assistant)
    assistant.warm_up()
    err.print(f"Serving on http://{host}:{port}")
    serve_app(assistant, host=host, port=port, auth=credentials)


def mcp(
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

    with Assistant(load_settings()) as assistant:
        _seeded(assistant)
        run_mcp_server(assistant, transport=transport.value, host=host, port=port, ready=ready)
