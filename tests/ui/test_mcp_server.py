"""`assistant mcp` through the MCP SDK's own client, over stdio and streamable HTTP.

Each transport gets a real `python -m assistant mcp` process over a private
copy of the seeded store (reader off), and a client that lists the tools and
calls every one: the answers must be the `--json` shapes, every quote an exact
slice of the stored article, and a user's mistake an MCP tool error that names it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_async, stop_process, wait_for_port

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
TOOLS = {"ask", "search", "list_articles", "get_article"}
QUESTION = "How many military posts did Azerbaijan say it seized?"
# A client that waits longer than this for one reply has found a hang, not a slow answer.
READ_TIMEOUT_S = 30.0
START_TIMEOUT_S = 90.0


def _server_env(home: Path) -> dict[str, str]:
    """This process's environment with only the store and the reader (off) set among ASSISTANT_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    return {**env, "ASSISTANT_HOME": str(home), "ASSISTANT_READER": "off"}


@pytest.fixture(scope="module")
def store_copy(seeded_home, tmp_path_factory):
    """A factory of private copies of the seeded store: one server process each."""

    def copy(name: str) -> Path:
        home = tmp_path_factory.mktemp(f"mcp-{name}") / "home"
        shutil.copytree(seeded_home, home)
        return home

    return copy


@pytest.fixture(scope="module")
def http_server(store_copy, tmp_path_factory):
    """`assistant mcp --transport http` on a free port of 127.0.0.1; yields the /mcp URL, stopped after."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log_path = tmp_path_factory.mktemp("mcp-http-log") / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "assistant", "mcp", "--transport", "http", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO, env=_server_env(store_copy("http")), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        # The port opens only after the warm-up, so an open port means ready for questions.
        wait_for_port(port, proc, log_path, timeout_s=START_TIMEOUT_S, what="assistant mcp")
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        stop_process(proc)


def _http_client(url: str):
    from mcp import Client

    return Client(url, read_timeout_seconds=READ_TIMEOUT_S)


def _stdio_client(home: Path, errlog):
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters, stdio_client

    params = StdioServerParameters(
        command=sys.executable, args=["-m", "assistant", "mcp"], env=_server_env(home), cwd=REPO
    )
    # The transport itself, so that the server's stderr goes to a file the failure can show.
    return Client(stdio_client(params, errlog=errlog), read_timeout_seconds=READ_TIMEOUT_S)


async def _call(client, tool: str, arguments: dict | None = None):
    """The tool's structured result (lists come wrapped as {"result": [...]}); fails on a tool error."""
    result = await client.call_tool(tool, arguments or {})
    assert not result.is_error, f"{tool} failed: {result.content}"
    data = result.structured_content
    return data["result"] if set(data) == {"result"} else data


async def _check_every_tool(client, expected_answer: dict, expected_ids: set[str]) -> None:
    listed = await client.list_tools()
    assert {tool.name for tool in listed.tools} == TOOLS
    assert all(tool.description for tool in listed.tools)

    articles = await _call(client, "list_articles")
    assert {a["id"] for a in articles} == expected_ids
    assert set(articles[0]) == {"id", "title", "outlet", "agencies", "published", "source", "content_hash",
                                "author", "updated"}

    result = await client.call_tool("ask", {"question": QUESTION})
    assert not result.is_error, result.content
    answer = result.structured_content
    # The text an agent reads is the same JSON.
    assert json.loads(result.content[0].text) == answer
    # What `assistant ask --json` prints: Answer.to_dict() (timings differ run to run).
    assert {k: v for k, v in answer.items() if k != "timings_ms"} == {
        k: v for k, v in expected_answer.items() if k != "timings_ms"
    }
    assert not answer["refused"] and answer["citations"]
    texts: dict[str, str] = {}
    for c in answer["citations"]:
        if c["article_id"] not in texts:
            article = await _call(client, "get_article", {"article_id": c["article_id"]})
            assert article["id"] == c["article_id"] and article["history"] == []  # the seeds were never replaced
            texts[c["article_id"]] = article["text"]
        assert texts[c["article_id"]][c["start"] : c["end"]] == c["quote"], c

    passages = await _call(client, "search", {"query": "Azerbaijan military posts", "top_k": 2})
    assert 1 <= len(passages) <= 2
    for p in passages:
        article = await _call(client, "get_article", {"article_id": p["article_id"]})
        assert article["text"][p["start"] : p["end"]] == p["text"]


@pytest.fixture(scope="module")
def expected(seeded):
    """What the in-process API says for the same store: the answer to QUESTION and the article ids."""
    return seeded.ask(QUESTION).to_dict(), {a.id for a in seeded.articles()}


def test_a_stdio_client_lists_exactly_the_four_tools_and_calls_each(store_copy, expected, tmp_path):
    home = store_copy("stdio")
    log_path = tmp_path / "stdio-server.log"

    async def main() -> None:
        with open(log_path, "w") as errlog:
            async with _stdio_client(home, errlog) as client:
                await _check_every_tool(client, *expected)

    try:
        run_async(main)
    except BaseException:
        print(log_path.read_text(errors="replace")[-3000:], file=sys.stderr)
        raise


def test_an_http_client_lists_exactly_the_four_tools_and_calls_each(http_server, expected):
    async def main() -> None:
        async with _http_client(http_server) as client:
            await _check_every_tool(client, *expected)

    run_async(main)


@pytest.mark.parametrize(
    ("tool", "arguments", "message"),
    [
        ("ask", {"question": "   "}, "the question is empty"),
        ("ask", {"question": QUESTION, "since": "last tuesday"}, "since must be a date as YYYY-MM-DD"),
        ("ask", {"question": QUESTION, "as_of": "yesterday"}, "as of must be a date as YYYY-MM-DD"),
        ("get_article", {"article_id": "no-such-article"}, "no article with id 'no-such-article'"),
        ("search", {"query": "Azerbaijan", "top_k": 0}, "top_k"),
        ("ask", {"question": QUESTION, "history": [{"question": "Who?"}]}, "answer is missing the field"),
    ],
)
def test_a_user_error_comes_back_as_a_tool_error_naming_it_and_the_server_keeps_serving(
    http_server, tool, arguments, message
):
    async def main() -> None:
        async with _http_client(http_server) as client:
            result = await client.call_tool(tool, arguments)
            assert result.is_error
            text = " ".join(block.text for block in result.content)
            assert message in text
            assert "Traceback" not in text
            assert await _call(client, "list_articles")

    run_async(main)


def test_a_follow_up_passes_the_earlier_answer_as_history(http_server):
    async def main() -> None:
        async with _http_client(http_server) as client:
            first = await _call(client, "ask", {"question": "Who is Hikmet Hajiyev?"})
            follow = await _call(
                client, "ask", {"question": "What did he say about civilians?", "history": [first]}
            )
            assert follow["question"] == "What did he say about civilians?"
            assert "Hajiyev" in follow["rewritten_question"]

    run_async(main)
