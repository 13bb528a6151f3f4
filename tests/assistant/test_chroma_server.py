"""The whole assistant against a real Chroma server: the CLI end to end, and the token header through a proxy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from assistant import Assistant, StoreError, load_settings

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
QUESTION = "How many military posts did Azerbaijan say it seized?"


def _cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    # `python -m` from the repository root runs this checkout's code.
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )


def test_ingest_then_ask_through_the_cli_against_a_chroma_server(empty_chroma_server, tmp_path):
    env = {**os.environ, "ASSISTANT_CHROMA_URL": empty_chroma_server, "ASSISTANT_HOME": str(tmp_path / "home")}
    ingested = _cli("ingest", str(REPO / "seeds"), env=env)
    assert ingested.returncode == 0, ingested.stderr
    assert ingested.stdout.startswith("added 2, unchanged 0, replaced 0, rejected 0")
    assert not (tmp_path / "home" / "chroma").exists()  # the vectors went to the server

    asked = _cli("ask", QUESTION, "--json", env=env)
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert not answer["refused"] and "60" in answer["text"]
    assert any("60" in c["quote"] for c in answer["citations"])

    listed = _cli("list", "--json", env=env)
    assert sorted(a["id"] for a in json.loads(listed.stdout)) == sorted(p.stem for p in (REPO / "seeds").iterdir())


class _TokenProxy(BaseHTTPRequestHandler):
    """Forwards to the Chroma server only requests carrying the expected bearer token."""

    upstream = ""
    token = ""
    seen: list[str] = []

    def _forward(self) -> None:
        import httpx

        self.seen.append(self.headers.get("Authorization", ""))
        if self.headers.get("Authorization") != f"Bearer {self.token}":
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "authorization", "content-length")}
        got = httpx.request(self.command, self.upstream + self.path, content=body, headers=headers, timeout=60)
        self.send_response(got.status_code)
        for key, value in got.headers.items():
            if key.lower() not in ("content-length", "transfer-encoding", "connection", "content-encoding"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(got.content)))
        self.end_headers()
        self.wfile.write(got.content)

    do_GET = do_POST = do_PUT = do_DELETE = _forward

    def log_message(self, *args) -> None:  # quiet
        pass


@pytest.fixture
def token_proxy(empty_chroma_server):
    handler = type("Proxy", (_TokenProxy,), {"upstream": empty_chroma_server, "token": "s3cret", "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def test_the_token_goes_to_an_authenticating_proxy(token_proxy, tmp_path, embedder):
    url, handler = token_proxy
    with Assistant(load_settings(home=tmp_path / "a", chroma_url=url), embedder=embedder) as without:
        with pytest.raises(StoreError, match="cannot reach the Chroma server"):
            without.search("Who won?")
    settings = load_settings(home=tmp_path / "b", chroma_url=url, chroma_token="s3cret")
    with Assistant(settings, embedder=embedder) as assistant:
        assert assistant.ingest([REPO / "seeds"]).added
        assert assistant.search(QUESTION)[0].article_id
    assert "Bearer s3cret" in handler.seen and "" in handler.seen
