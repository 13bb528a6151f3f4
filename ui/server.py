"""Launching the app: where it binds, who may use it, how many chats run at once."""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from assistant import InvalidInputError

__all__ = ["check_bind", "is_loopback", "serve", "configure_queue", "CONCURRENT_CHATS"]

logger = logging.getLogger(__name__)

# Questions answered at once; the reader and the LLM serialise their own model
# calls, so more would only queue inside them.
CONCURRENT_CHATS = 4


def is_loopback(host: str) -> bool:
    if host.casefold() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, auth: str | None, no_auth: bool = False) -> tuple[str, str] | None:
    """The ``(user, password)`` to ask for, or None; refuses an open non-local bind.

    Binding anywhere but localhost lets the network in, so it needs
    ``auth`` ("USER:PASS") unless ``no_auth`` waives it explicitly.
    """
    if auth:
        user, sep, password = auth.partition(":")
        if not sep or not user or not password:
            raise InvalidInputError("--auth must be USER:PASS (both non-empty)")
        return user, password
    if is_loopback(host) or no_auth:
        return None
    raise InvalidInputError(
        f"serving on {host} lets anyone who can reach it use the assistant: pass --auth USER:PASS "
        "(or set ASSISTANT_AUTH), or --no-auth to serve without a password"
    )


def configure_queue(app: Any) -> Any:
    """The queue every launch uses: several chats at once (ingest and remove take turns, see ``ui.app``)."""
    return app.queue(default_concurrency_limit=CONCURRENT_CHATS)


def serve(assistant: Any, *, host: str = "127.0.0.1", port: int = 7860, auth: tuple[str, str] | None = None) -> None:
    """Launch the app and block until the server stops.

    Binds to localhost unless told otherwise, never creates a share link, and
    keeps Gradio quiet (the CLI does its own logging).
    """
    from ui.app import build_app, launch_options

    app = build_app(assistant)
    configure_queue(app)
    logger.info("serving the news assistant on http://%s:%d", host, port)
    app.launch(
        server_name=host,
        server_port=port,
        auth=auth,
        inbrowser=False,
        show_error=True,
        enable_monitoring=False,
        mcp_server=False,
        **launch_options(assistant),
    )
