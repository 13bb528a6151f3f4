"""Secrets never leak: the LLM API key, the chat password and the Chroma token appear in no output, log or file.

Each is set to a recognisable fake value; the CLI runs with ``-v`` (ask, list,
check, an LLM on a closed port, a Chroma server that is not there, a bad
setting beside the secrets, and ``serve`` with a password), the Python API
exports a conversation and records feedback, and then every captured output
and every file under ASSISTANT_HOME is searched for the values.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
API_KEY = "sk-FAKEKEY-llm-7f3a9c2e1d"
AUTH_PASS = "PW-fake-auth-8b4e6d"
AUTH = f"annuser:{AUTH_PASS}"
CHROMA_TOKEN = "tok-FAKE-chroma-5c1f0a"
SECRETS = (API_KEY, AUTH_PASS, CHROMA_TOKEN)


def _closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


@pytest.fixture
def secret_env(seeded_home, tmp_path, monkeypatch):
    home = tmp_path / "home"
    shutil.copytree(seeded_home, home)
    monkeypatch.setenv("ASSISTANT_HOME", str(home))
    monkeypatch.setenv("ASSISTANT_LLM_API_KEY", API_KEY)
    monkeypatch.setenv("ASSISTANT_AUTH", AUTH)
    monkeypatch.setenv("ASSISTANT_CHROMA_TOKEN", CHROMA_TOKEN)
    return home


def _cli(*args: str, timeout: float = 180, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, **{f"ASSISTANT_{k}": v for k, v in env.items()}}
    return subprocess.run([sys.executable, "-m", "assistant", "-v", *args], cwd=REPO, env=full,
                          capture_output=True, text=True, timeout=timeout)  # fmt: skip


def test_no_secret_in_cli_output_logs_exports_or_files(secret_env, caplog, tmp_path):
    home = secret_env
    closed = _closed_port()
    outputs: dict[str, str] = {}

    def run(name: str, *args: str, **env: str) -> subprocess.CompletedProcess:
        result = _cli(*args, **env)
        outputs[name] = result.stdout + result.stderr
        return result

    assert run("ask", "ask", "Who is Hikmet Hajiyev?").returncode == 0, outputs["ask"][-2000:]
    assert run("list", "list").returncode == 0, outputs["list"][-2000:]
    run("check", "check")
    # An LLM that is not there: the answer falls back, the failure is logged.
    run("llm down", "ask", "Who is Hikmet Hajiyev?", ANSWERER="llm", LLM="openai-compatible",
        LLM_BASE_URL=f"http://127.0.0.1:{closed}/v1", LLM_TIMEOUT_S="5")  # fmt: skip
    run("openai down", "ask", "Who is Hikmet Hajiyev?", ANSWERER="llm", LLM="openai",
        LLM_BASE_URL=f"http://127.0.0.1:{closed}/v1", LLM_TIMEOUT_S="5")  # fmt: skip
    # A Chroma server that is not there: an error naming the URL.
    run("chroma down list", "list", CHROMA_URL=f"http://127.0.0.1:{closed}")
    chroma = run("chroma down", "ask", "Who is Hikmet Hajiyev?", CHROMA_URL=f"http://127.0.0.1:{closed}")
    assert chroma.returncode != 0 and f"127.0.0.1:{closed}" in outputs["chroma down"], outputs["chroma down"][-2000:]
    # A bad setting next to the secrets: the error names the bad one only.
    bad = run("bad setting", "list", TOP_K="many")
    assert bad.returncode != 0, outputs["bad setting"][-2000:]
    bad_auth = run("bad auth", "list", AUTH=f"{AUTH_PASS}")  # no colon: refused, and not echoed
    assert bad_auth.returncode != 0, outputs["bad auth"][-2000:]

    # serve with the password (from ASSISTANT_AUTH), briefly.
    port = _closed_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "-v", "serve", "--port", str(port)],
                                cwd=REPO, env=dict(os.environ), stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
                    break
                except OSError:
                    time.sleep(0.5)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    outputs["serve"] = log.read_text(errors="replace")
    assert f"127.0.0.1:{port}" in outputs["serve"], outputs["serve"][-2000:]

    # The Python API: a conversation exported, feedback written, settings shown.
    from assistant import Assistant, FeedbackLog, conversation_markdown, load_settings

    caplog.set_level(logging.DEBUG)
    settings = load_settings()
    outputs["settings repr"] = f"{settings!r} {settings}"
    with Assistant(settings) as assistant:
        first = assistant.ask("Who is Hikmet Hajiyev?")
        follow = assistant.ask("What did he say about civilians?", history=[("Who is Hikmet Hajiyev?", first)])
        outputs["markdown"] = conversation_markdown(
            [("Who is Hikmet Hajiyev?", first), ("What did he say about civilians?", follow)]
        )
        FeedbackLog(home).record("up", follow)
    outputs["log"] = caplog.text
    if os.environ.get("SHOW_SECRET_TEST_OUTPUT"):
        for name, text in outputs.items():
            print(f"--- {name} ---\n{text[-700:]}")

    for name, text in outputs.items():
        assert not _leaks(text), f"{name} shows {_leaks(text)}:\n{text[-3000:]}"
    assert (home / "feedback.jsonl").exists()
    for path in sorted(home.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            found = [s for s in SECRETS if s.encode() in data]
            assert not found, f"{path} holds {found}"
