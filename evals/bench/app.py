"""The real app for ``--load`` and ``--soak``: a ``python -m assistant serve`` process, its memory, its clients.

The bench talks to the server as outside callers do, through ``gradio_client``
(one ``Client`` per conversation), and judges every citation against the
article as the store holds it (``Assistant.article``), so a figure is only
counted when the answer behind it is right.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .worker import _child_env

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 300.0  # seeding an empty store and loading the models, on a busy machine

# A question, then two follow-ups that only make sense with the conversation
# before them (a pronoun, an ellipsis), all about the two seed articles.
SCRIPTS: tuple[tuple[str, str, str], ...] = (
    ("Who is Hikmet Hajiyev?", "What did he say about civilians?", "And about the ground forces?"),
    ("What did Antony Blinken say about Azerbaijan?", "What did he call on Baku to do?", "And the humanitarian situation?"),
    ("What did Pashinyan say about a coup?", "What did he say about ethnic cleansing?", "And about Russia?"),
    ("What did Russia say about the fighting?", "Who spoke for it?", "And what about its peacekeepers?"),
    ("How many military posts did Azerbaijan say it seized?", "When did it launch the operation?", "And why?"),
)  # fmt: skip


@dataclass(frozen=True)
class Turn:
    message: str
    answer: dict | None  # ``Answer.to_dict()`` as the client received it; None on an error
    seconds: float
    error: str | None = None


@dataclass(frozen=True)
class Server:
    url: str
    home: Path
    pid: int

    def memory_mb(self, field: str = "VmRSS") -> float:
        """``VmRSS`` (now) or ``VmHWM`` (peak) of the server, from /proc/<pid>/status."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
        raise RuntimeError(f"no {field} in /proc/{self.pid}/status")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, proc: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"the server exited with code {proc.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status < 500:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the server at {url} did not answer within {START_TIMEOUT_S:.0f} s")


@contextlib.contextmanager
def served(home: Path, *, reader: str, logs: Path) -> Iterator[Server]:
    """``python -m assistant serve`` on a free 127.0.0.1 port over ``home`` (seeded at start if empty)."""
    if not Path("/proc/self/status").exists():
        raise RuntimeError("--load and --soak read the server's memory from /proc (Linux only)")
    logs.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    # The default pipeline over the bench's own store: the caller's other ASSISTANT_* settings (a home,
    # an LLM, a reader budget) would measure something else; only where the models are, and which, carry over.
    env = {k: v for k, v in _child_env().items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_HOME=str(home), ASSISTANT_READER=reader, GRADIO_ANALYTICS_ENABLED="False")
    for name in ("ASSISTANT_MODEL_CACHE", "ASSISTANT_EMBED_BACKEND", "ASSISTANT_SEEDS"):
        if name in os.environ:
            env[name] = os.environ[name]
    cmd = [sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(port)]
    log_path = logs / "server.log"
    # A file, not a pipe: nobody reads a pipe while the load runs, and a full one would hang the server.
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}/"
            _wait_for(url, proc, log_path)
            yield Server(url, home, proc.pid)
        finally:
            _stop(proc)


def _stop(proc: subprocess.Popen, grace_s: float = 15.0) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=grace_s)


def client(url: str) -> Any:
    from gradio_client import Client

    return Client(url, verbose=False, analytics_enabled=False)


def ask(chat: Any, message: str, history: Sequence[dict]) -> Turn:
    """One ``/chat`` call, timed; an exception is recorded as the turn's error, not raised."""
    start = time.perf_counter()
    try:
        answer = chat.predict(message, list(history), api_name="/chat")
    except Exception as exc:  # every failure is a figure: the run goes on and reports them all
        return Turn(message, None, time.perf_counter() - start, f"{message!r}: {type(exc).__name__}: {exc}"[:300])
    return Turn(message, answer, time.perf_counter() - start)


def conversation(url: str, script: Sequence[str]) -> list[Turn]:
    """One conversation: each message sent with the answers before it; it stops at the first error."""
    chat = client(url)
    history: list[dict] = []
    turns = []
    for message in script:
        turn = ask(chat, message, history)
        turns.append(turn)
        if turn.answer is None:
            break
        history.append(turn.answer)
    return turns


def bad_citations(answer: dict, texts: dict[str, str]) -> list[str]:
    """The citations of ``answer`` that are not ``texts[article_id][start:end]``, described."""
    bad = []
    for c in answer.get("citations", ()):
        text = texts.get(c["article_id"])
        if text is None or text[c["start"] : c["end"]] != c["quote"]:
            bad.append(f"{c['article_id']}[{c['start']}:{c['end']}] {c['quote'][:60]!r}")
    return bad


def stored_texts(assistant: Any, ids: Sequence[str] | None = None) -> dict[str, str]:
    """Article texts by id as the store holds them (all articles, or ``ids``)."""
    ids = [a.id for a in assistant.articles()] if ids is None else ids
    return {i: assistant.article(i).text for i in ids}


def read_by_model(answer: dict) -> bool:
    """Whether the reading model ran for ``answer`` (its timings hold a ``read`` step)."""
    return (answer.get("timings_ms") or {}).get("read", 0.0) > 0
