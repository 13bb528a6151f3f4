"""`assistant mcp`: the archive served to agents (the web chat's `serve` is added by ``ui``)."""

from __future__ import annotations

import enum

import typer

from .. import (
    MCP_PATH,
    MCP_PORT,
    MCP_TRANSPORTS,
    run_mcp_server,
)
from . import root
from .root import app, err, progress_bar

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

    with root.open_assistant() as assistant:
        bar, update = progress_bar("Indexing seeds")
        with bar:
            assistant.ensure_seeded(progress=update)
        run_mcp_server(assistant, transport=transport.value, host=host, port=port, ready=ready)
