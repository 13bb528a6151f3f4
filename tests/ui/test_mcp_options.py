"""`assistant mcp`'s options and the server's set-up, without a store or a model."""

from __future__ import annotations

import logging

import pytest
from typer.testing import CliRunner

from assistant import InvalidInputError
from assistant.cli import app
from tests.conftest import run_async
from ui import mcp as module
from ui.mcp import build_mcp_server, run_mcp_server

pytestmark = pytest.mark.unit


class _NoStore:
    """Stands in for an Assistant; fails the test if anything reaches for the store."""

    def warm_up(self) -> None:
        raise AssertionError("warmed up before the options were checked")


def test_an_unknown_transport_is_refused_by_the_cli_before_any_work():
    result = CliRunner().invoke(app, ["mcp", "--transport", "sse"])
    assert result.exit_code == 2
    assert "stdio" in result.output and "http" in result.output


def test_an_unknown_transport_is_refused_by_the_api_before_the_warm_up():
    with pytest.raises(InvalidInputError, match="unknown MCP transport 'sse'"):
        run_mcp_server(_NoStore(), transport="sse")


def test_the_server_offers_exactly_the_four_tools_with_descriptions():
    tools = run_async(build_mcp_server(_NoStore()).list_tools)
    assert {t.name for t in tools} == {"ask", "search", "list_articles", "get_article"}
    assert all(t.description for t in tools)
    ask = next(t for t in tools if t.name == "ask")
    assert ask.input_schema["required"] == ["question"]
    assert set(ask.input_schema["properties"]) == {"question", "history", "outlet", "since", "until", "top_k", "as_of"}


def test_a_non_local_http_bind_is_warned_about(monkeypatch, caplog):
    served = []

    class Warm:
        def warm_up(self) -> None:
            pass

    class Recorder:
        """Records how the server would be run instead of binding a port."""

        def run(self, *args, **kwargs) -> None:
            served.append((args, kwargs))

    monkeypatch.setattr(module, "build_mcp_server", lambda assistant: Recorder())
    with caplog.at_level(logging.WARNING, logger="ui.mcp"):
        run_mcp_server(Warm(), transport="http", host="127.0.0.1", port=9)
        assert "without authentication" not in caplog.text
        run_mcp_server(Warm(), transport="http", host="0.0.0.0", port=9)
    assert "serving MCP on 0.0.0.0 without authentication" in caplog.text
    assert served[0] == (("streamable-http",), {"host": "127.0.0.1", "port": 9, "streamable_http_path": "/mcp"})
