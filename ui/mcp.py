"""A Model Context Protocol server over an ``Assistant``: agents ask the archive and get checked citations.

Four tools, each returning the JSON the CLI prints with ``--json``:
``ask`` (``Answer.to_dict()``), ``search`` (``Passage.to_dict()`` items),
``list_articles`` (``ArticleInfo.to_dict()`` items) and ``get_article``
(``Article.to_dict()``, with the text a citation's ``start:end`` points into).

The SDK is imported when a server is built, not with this module, so that
``assistant --help``, ``list`` and ``show`` stay as light as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import Field

from assistant import AssistantError, Conversation, InvalidInputError, __version__

from .server import is_loopback

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from assistant import Assistant

__all__ = ["MCP_TRANSPORTS", "MCP_PORT", "MCP_PATH", "build_mcp_server", "run_mcp_server"]

logger = logging.getLogger(__name__)

MCP_TRANSPORTS = ("stdio", "http")
# Not the SDK's 8000: that is also Chroma's default port (see Scaling out in the README).
MCP_PORT = 8765
MCP_PATH = "/mcp"

_T = TypeVar("_T")

# The tools' parameters, described for the agent (the SDK puts these in each tool's input schema).
# Module level: the SDK evaluates the annotations in this module's namespace.
TopK = Annotated[int | None, Field(ge=1, le=100, description="Passages to read (default: the server's setting).")]
Outlet = Annotated[str | None, Field(description="Only articles from this outlet (as list_articles names it).")]
Since = Annotated[str | None, Field(description="Only articles published on or after this date, YYYY-MM-DD.")]
Until = Annotated[str | None, Field(description="Only articles published on or before this date, YYYY-MM-DD.")]
AsOf = Annotated[
    str | None, Field(description="Answer as the archive stood on this day, YYYY-MM-DD: only articles published by then.")
]
History = Annotated[
    list[dict[str, Any]] | None,
    Field(description="Earlier results of `ask` in the same conversation, oldest first (for follow-ups)."),
]

_INSTRUCTIONS = (
    "Answers questions about a stored archive of news articles. `ask` returns a short answer whose [n] "
    "markers point to citations; every citation's `quote` is the article's own text, "
    "`get_article(article_id).text[start:end]`, checked before it is returned. A refused answer "
    "(`refused: true`) means the articles do not say; do not answer from elsewhere in their name. "
    "For a follow-up question pass the earlier `ask` results as `history`, oldest first."
)


def _guarded(call: Callable[[], _T]) -> _T:
    """Runs a tool body; the assistant's own errors become MCP tool errors carrying its message.

    A tool error reaches the client as a result with ``isError`` set and the
    message as text, so an agent can read what to fix; the server keeps running.
    """
    from mcp.server.mcpserver.exceptions import ToolError

    try:
        return call()
    except AssistantError as exc:
        raise ToolError(str(exc)) from exc


def _or_none(value: str | None) -> str | None:
    # Agents often send "" for "no filter"; the API reads None as that.
    return value if value else None


def build_mcp_server(assistant: Assistant) -> MCPServer:
    """The MCP server (the SDK's ``MCPServer``) with the four tools over ``assistant``.

    Nothing is loaded here: ``run_mcp_server`` warms the assistant up before
    it takes requests, and an in-process client (tests) may use this directly.
    """
    from mcp.server.mcpserver import MCPServer

    # The SDK configures logging at INFO when nothing has; match what the CLI chose instead.
    level = logging.getLevelName(logging.getLogger().getEffectiveLevel())
    server = MCPServer(
        "news-assistant",
        version=__version__,
        instructions=_INSTRUCTIONS,
        log_level=level if level in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL") else "WARNING",
    )
    # Sync tools: the SDK runs each call on a worker thread, as the chat's queue does.
    @server.tool()
    def ask(
        question: str,
        history: History = None,
        outlet: Outlet = None,
        since: Since = None,
        until: Until = None,
        top_k: TopK = None,
        as_of: AsOf = None,
    ) -> dict[str, Any]:
        """Answer a question from the stored news articles, citing the exact sentences it rests on.

        Returns the Answer: `text` with [n] markers, `citations` (n, article_id, title, outlet,
        published, source, quote, start, end, passage, score), `refused` (true when the articles
        don't answer it), `notice`, `rewritten_question` (how a follow-up was read) and `timings_ms`.
        """
        return _guarded(
            lambda: Conversation.from_dicts(assistant, history or None).ask(
                question,
                outlet=_or_none(outlet),
                since=_or_none(since),
                until=_or_none(until),
                top_k=top_k,
                as_of=_or_none(as_of),
            ).to_dict()
        )

    @server.tool()
    def search(query: str, top_k: TopK = None) -> list[dict[str, Any]]:
        """The stored passages that best match `query`, best first, as the answerer would read them.

        Each passage: chunk_id, article_id, start, end, text (the article's text[start:end]) and score.
        """
        return _guarded(lambda: [p.to_dict() for p in assistant.search(query, top_k=top_k)])

    @server.tool()
    def list_articles() -> list[dict[str, Any]]:
        """The stored articles: id, title, outlet, agencies, published (YYYY-MM-DD or null), source, content_hash,
        author and updated (a web page's, else null)."""
        return _guarded(lambda: [a.to_dict() for a in assistant.articles()])

    @server.tool()
    def get_article(article_id: str) -> dict[str, Any]:
        """One stored article with its full cleaned `text` (a citation's quote is text[start:end]) and
        its `history`: the versions a changed copy replaced (replaced_at, title, published, updated, content_hash)."""
        return _guarded(lambda: assistant.article(article_id).to_dict())

    return server


def run_mcp_server(
    assistant: Assistant,
    *,
    transport: str = "stdio",
    host: str = "127.0.0.1",
    port: int = MCP_PORT,
    ready: Callable[[], None] | None = None,
) -> None:
    """Warms ``assistant`` up, then serves MCP until the client goes (stdio) or the process is stopped (http).

    ``transport`` is ``stdio`` (a client starts this process and talks over
    its stdin and stdout) or ``http`` (streamable HTTP on ``host:port``, at
    ``/mcp``). ``ready`` is called once the assistant is warm, before the
    server takes requests.
    """
    if transport not in MCP_TRANSPORTS:
        raise InvalidInputError(f"unknown MCP transport {transport!r}; use one of {', '.join(MCP_TRANSPORTS)}")
    server = build_mcp_server(assistant)
    # Warm before serving, so an agent's first question is not the one that waits for the model.
    assistant.warm_up()
    if ready is not None:
        ready()
    if transport == "stdio":
        # The SDK keeps stdout for the protocol; logs and progress go to stderr.
        server.run("stdio")
        return
    if not is_loopback(host):
        # The tools only read, but they read the whole archive, and MCP over HTTP has no password here.
        logger.warning("serving MCP on %s without authentication: anyone who can reach it can read the archive", host)
    server.run("streamable-http", host=host, port=port, streamable_http_path=MCP_PATH)

