"""Fixtures for the UI tests.

``fake_assistant`` / ``fake_app_url`` drive the app in-process with hand-built
answers (fast, no model).  ``app_url`` starts the REAL app the way a user
does (``python -m assistant serve``) in a subprocess with its own
``ASSISTANT_HOME``, so the browser and client tests see what users see.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import pytest  # noqa: E402

from assistant import Answer, Citation, UserError  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 120.0  # first start loads the model and seeds the store

SEIZED_QUESTION = "How many military posts did Azerbaijan say it seized?"
OFF_TOPIC_QUESTION = "What is the capital of Australia?"


def free_port() -> int:
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, proc: subprocess.Popen | None, timeout: float) -> None:
    """Poll ``url`` until it answers; fail early if ``proc`` dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status < 500:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def _make_citation(n: int = 1, **overrides) -> Citation:
    fields = dict(
        n=n,
        article_id="a1",
        title="Azerbaijan claims control of Karabakh posts",
        outlet="Example News",
        published="2023-09-20",
        source="seeds/example.txt",
        quote="Azerbaijan said it had seized more than 60 military posts.",
        start=10,
        end=68,
        passage="... Azerbaijan said it had seized more than 60 military posts. ...",
        score=0.9,
    )
    fields.update(overrides)
    return Citation(**fields)


def _make_answer(question: str = SEIZED_QUESTION, **overrides) -> Answer:
    fields = dict(
        question=question,
        rewritten_question=question,
        text="Azerbaijan said it seized more than 60 military posts [1].",
        citations=(_make_citation(),),
        refused=False,
        answerer="extractive",
        notice=None,
        timings_ms={"total": 1.0},
    )
    fields.update(overrides)
    return Answer(**fields)


class FakeAssistant:
    """Stands in for ``Assistant``: canned answers, records every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple]] = []

    def ask(self, question: str, *, history=()) -> Answer:
        self.calls.append((question, tuple(history)))
        if not question.strip():
            raise UserError("The question is empty.")
        if "boom" in question:
            raise RuntimeError("store exploded\nsecond line of detail")
        if "Australia" in question:
            return _make_answer(
                question,
                text="The articles don't answer this question.",
                citations=(),
                refused=True,
                notice="No article mentions Australia.",
            )
        return _make_answer(question)


# Helpers are handed out as fixtures, not imported: tests/ui is not a package
# (an __init__.py here would make pytest put tests/ on sys.path, where the
# test folders named like the real packages would shadow them).
@pytest.fixture
def make_citation():
    """Factory of ``Citation``s with sensible defaults; keywords override."""
    return _make_citation


@pytest.fixture
def make_answer():
    """Factory of ``Answer``s (one citation by default); keywords override."""
    return _make_answer


@pytest.fixture
def seized_question() -> str:
    return SEIZED_QUESTION


@pytest.fixture
def off_topic_question() -> str:
    return OFF_TOPIC_QUESTION


@pytest.fixture(scope="module")
def fake_app() -> Iterator[tuple[str, FakeAssistant]]:
    """The app over a ``FakeAssistant``, launched in this process."""
    from ui.app import APP_CSS, APP_THEME, build_app

    fake = FakeAssistant()
    app = build_app(fake)
    app.queue()
    port = free_port()
    app.launch(
        server_name="127.0.0.1",
        server_port=port,
        prevent_thread_lock=True,
        quiet=True,
        share=False,
        css=APP_CSS,
        theme=APP_THEME,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(url, None, 30)
        yield url, fake
    finally:
        app.close()


def _server_command(port: int) -> list[str]:
    return [sys.executable, "-m", "assistant", "serve", "--port", str(port)]


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of the real app, started with ``python -m assistant serve`` on a free port."""
    home = tmp_path_factory.mktemp("assistant_home")
    logs = tmp_path_factory.mktemp("server_logs")
    port = free_port()
    env = {**os.environ, "ASSISTANT_HOME": str(home), "GRADIO_ANALYTICS_ENABLED": "False"}
    # Output goes to files, not pipes: a chatty server could fill a pipe
    # nobody reads and hang.
    out = open(logs / "stdout.log", "wb")  # noqa: SIM115
    err = open(logs / "stderr.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        _server_command(port), cwd=REPO_ROOT, env=env, stdout=out, stderr=err
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        try:
            wait_for_http(url, proc, START_TIMEOUT_S)
        except (TimeoutError, RuntimeError) as exc:
            err.flush()
            stderr = (logs / "stderr.log").read_text(errors="replace")[-4000:]
            pytest.fail(f"the app did not start: {exc}\n--- server stderr ---\n{stderr}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        out.close()
        err.close()
