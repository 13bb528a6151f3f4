"""Fixtures for the fault-injection tests: the real CLI in a subprocess that notes where it is, and a killable Chroma server.

``traced_cli`` runs ``python -m assistant``'s own module with the tests' hash
embedder (so an ingest of the 300 Lee articles takes seconds and two ingests
give the same vectors). With ``trace=PATH`` the process also appends one line
per stage of an ingest as it enters it (``load``, ``open``, ``embed``,
``pending``, ``chroma``, ``bm25``, ``copies``, ``commit``, then ``exit``) with
a monotonic timestamp (and ``dense`` as a question's dense search starts), so
a test can kill it inside a chosen stage. With ``hold=(STAGE, N)`` and
``go=PATH`` it waits on entering STAGE the Nth time until PATH exists. The
tracing only observes (and waits): every traced function is called as it was.
"""

from __future__ import annotations

import inspect
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

_BOOT = """
import atexit, os, runpy, sys, time

{embedder}

TRACE = os.environ.get("TEST_TRACE")
_last = [None]


# TEST_HOLD=STAGE:N with TEST_GO=PATH: on entering STAGE for the Nth time, wait until PATH exists
# (the test kills the Chroma server meanwhile, so the stage meets it gone).
HOLD, GO = os.environ.get("TEST_HOLD"), os.environ.get("TEST_GO")
_seen = {{}}


def mark(name):
    _last[0] = name
    if TRACE:
        with open(TRACE, "a") as f:
            f.write(f"{{name}} {{time.monotonic():.6f}}\\n")
    _seen[name] = _seen.get(name, 0) + 1
    if HOLD == f"{{name}}:{{_seen[name]}}":
        deadline = time.monotonic() + 120
        while not os.path.exists(GO) and time.monotonic() < deadline:
            time.sleep(0.01)


def traced(owner, attr, name):
    real = getattr(owner, attr)

    def call(*args, **kwargs):
        mark(name() if callable(name) else name)
        return real(*args, **kwargs)

    setattr(owner, attr, call)


class TracedEmbedder(HashEmbedder):
    def embed(self, texts, **kwargs):
        mark("embed")
        return super().embed(texts, **kwargs)


import assistant.archive
from vectorstore.articles import ArticleTable
from vectorstore.bm25_index import BM25Index
from vectorstore.chroma_store import ChromaStore

# The Archive (the Assistant's store half) builds the embedder and loads the paths.
assistant.archive.embedder_for = lambda settings: TracedEmbedder()
if TRACE or HOLD:
    traced(assistant.archive, "load_paths", "load")
    traced(ChromaStore, "__init__", "open")
    traced(ChromaStore, "add", "chroma")
    traced(ChromaStore, "near_copies", "copies")
    traced(ChromaStore, "dense_search", "dense")
    traced(BM25Index, "update", "bm25")
    # A group opens two table transactions: the pending mark before Chroma, the commit after the copies.
    traced(ArticleTable, "transaction", lambda: "commit" if _last[0] == "copies" else "pending")
    atexit.register(mark, "exit")
sys.argv = ["assistant", *sys.argv[1:]]
runpy.run_module("assistant", run_name="__main__")
"""


@pytest.fixture
def traced_cli(hash_embedder):
    """``run(*args, home=, env=None, trace=None, start=False, hold=None, go=None)``: the CLI with the hash embedder.

    Returns a ``CompletedProcess`` (text), or with ``start`` a running
    ``Popen`` whose output goes to ``log`` (default ``HOME-cli.log`` beside the home).
    """
    script = _BOOT.format(embedder=inspect.getsource(hash_embedder))

    def run(
        *args: str,
        home: Path,
        env: dict | None = None,
        trace: Path | None = None,
        start: bool = False,
        hold: tuple[str, int] | None = None,
        go: Path | None = None,
        log: Path | None = None,
    ):
        argv = [sys.executable, "-c", script, *args]
        full = {**os.environ, "ASSISTANT_HOME": str(home), **(env or {})}
        if trace is not None:
            full["TEST_TRACE"] = str(trace)
        if hold is not None:
            full["TEST_HOLD"], full["TEST_GO"] = f"{hold[0]}:{hold[1]}", str(go)
        if start:
            log = log or home.parent / f"{home.name}-cli.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("wb") as out:
                return subprocess.Popen(argv, cwd=REPO, env=full, stdout=out, stderr=subprocess.STDOUT)
        return subprocess.run(argv, cwd=REPO, env=full, capture_output=True, text=True, timeout=300)

    return run


@pytest.fixture(scope="session")
def lee_corpus() -> Path:
    """The 300 ABC News articles of the Lee corpus as JSONL, fetched once as the evals fetch it."""
    from evals.dataset import ensure_corpus, load_suite

    (path,) = ensure_corpus(load_suite("lee"))
    return path


# -- a Chroma server a test may kill and start again ------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ChromaServer:
    """``chroma run`` on 127.0.0.1 over ``data``; ``kill()`` and ``start()`` keep the folder and the port."""

    data: Path
    port: int
    log: Path
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 60.0) -> None:
        import httpx

        exe = Path(sys.executable).with_name("chroma")
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(exe), "run", "--path", str(self.data), "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
            )  # fmt: skip
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"chroma run exited with {self.proc.returncode}: {self.log.read_text(errors='replace')[-2000:]}"
                )
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"chroma run did not answer on {self.url} within {timeout_s:.0f} s")

    def kill(self) -> None:
        """SIGKILL, as a crash or an OOM kill would: no shutdown, nothing flushed."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)


@pytest.fixture
def chroma_process(tmp_path):
    """A private ``ChromaServer`` (started), killed after the test."""
    if not Path(sys.executable).with_name("chroma").exists():
        pytest.skip("the chroma command is not installed next to this Python")
    server = ChromaServer(data=tmp_path / "chroma-data", port=free_port(), log=tmp_path / "chroma-server.log")
    server.start()
    yield server
    server.kill()
