"""A `chroma run` server killed (SIGKILL) mid-ingest and mid-question, then started again on the same folder and port.

While it is gone every command that needs it fails with one line naming the
server's URL (no traceback), and those that need only the article table
(``list``) still work. Once it is back, ``check`` passes (or ``--repair``
makes it pass), running the same ingest again finishes the job, and
questions are answered, by a new CLI process and by a long-lived
``Assistant`` that asked before the server went away.

The CLI runs in a subprocess with the hash embedder (``traced_cli``); it is
held at the chosen stage (``hold``) until the test has killed the server, so
the server is gone exactly when that stage talks to it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from assistant import Assistant, StoreError, load_settings

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
ARTICLES = 300
LEE_QUESTION = "How many people were forced to vacate their homes in the Southern Highlands?"
SEED_QUESTION = "How many military posts did Azerbaijan say it seized?"


def entries(trace: Path, stage: str) -> int:
    if not trace.exists():
        return 0
    return sum(1 for line in trace.read_text().splitlines() if line.split(" ", 1)[0] == stage)


def kill_server_at(run, server, args: tuple[str, ...], stage: str, nth: int, *, home: Path, tmp_path: Path, env: dict):
    """Run the CLI, kill the server as it enters ``stage`` for the ``nth`` time, let it go on; its exit code and output."""
    trace, go = tmp_path / f"{args[0]}.trace", tmp_path / f"{args[0]}.go"
    proc = run(*args, home=home, env=env, trace=trace, hold=(stage, nth), go=go, start=True)
    try:
        deadline = time.monotonic() + 120
        while proc.poll() is None and entries(trace, stage) < nth and time.monotonic() < deadline:
            time.sleep(0.01)
        log = home.parent / f"{home.name}-cli.log"
        assert proc.poll() is None, f"{args[0]} ended before {stage} #{nth}: {log.read_text(errors='replace')}"
        server.kill()
    finally:
        go.touch()
    proc.wait(timeout=120)
    return proc.returncode, log.read_text(errors="replace")


def assert_names_the_server(code: int, output: str, url: str) -> None:
    assert code == 1, output
    assert "Traceback" not in output, output
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines and lines[-1].startswith("failed: ") and f"Chroma server at {url}" in lines[-1], output


def test_a_server_killed_mid_ingest_fails_clearly_then_check_and_a_rerun_finish_the_job(
    traced_cli, lee_corpus, chroma_process, tmp_path
):
    url, home = chroma_process.url, tmp_path / "home"
    env = {"ASSISTANT_CHROMA_URL": url}
    # The second group's Chroma write: the first group is committed, the second pending.
    code, output = kill_server_at(
        traced_cli, chroma_process, ("ingest", str(lee_corpus)), "chroma", 2, home=home, tmp_path=tmp_path, env=env
    )
    assert_names_the_server(code, output, url)

    for args in (("check",), ("ask", LEE_QUESTION), ("ingest", str(lee_corpus))):
        down = traced_cli(*args, home=home, env=env)
        assert_names_the_server(down.returncode, down.stdout + down.stderr, url)
    listed = traced_cli("list", "--json", home=home, env=env)  # the article table alone
    assert listed.returncode == 0 and len(json.loads(listed.stdout)) == 128, listed.stderr

    chroma_process.start()
    checked = traced_cli("check", "--json", home=home, env=env)
    report = json.loads(checked.stdout)
    if checked.returncode:
        assert any("pending" in p for p in report["problems"]), report
        repaired = traced_cli("check", "--repair", "--json", home=home, env=env)
        assert repaired.returncode == 0, repaired.stdout + repaired.stderr
        report = json.loads(repaired.stdout)
    assert report["consistent"] and report["counts"]["articles"] == 128, report
    resumed = traced_cli("ingest", str(lee_corpus), home=home, env=env)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.startswith(f"added {ARTICLES - 128}, unchanged 128, replaced 0, rejected 0"), resumed.stdout
    final = traced_cli("check", "--json", home=home, env=env)
    assert final.returncode == 0, final.stdout
    counts = json.loads(final.stdout)["counts"]
    assert counts["articles"] == ARTICLES and counts["chroma_chunks"] == counts["table_chunks"] == counts["bm25_chunks"]
    asked = traced_cli("ask", LEE_QUESTION, "--json", home=home, env=env)
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert not answer["refused"] and answer["citations"], answer


def test_a_server_killed_mid_question_fails_clearly_and_questions_are_answered_once_it_is_back(
    traced_cli, hash_embedder, chroma_process, tmp_path
):
    url, home = chroma_process.url, tmp_path / "home"
    env = {"ASSISTANT_CHROMA_URL": url}
    seeded = traced_cli("ingest", str(REPO / "seeds"), home=home, env=env)
    assert seeded.returncode == 0, seeded.stderr
    # A long-lived process (as `serve` is) keeps its client across the outage.
    with Assistant(load_settings(home=home, chroma_url=url), embedder=hash_embedder()) as resident:
        before = resident.ask(SEED_QUESTION)
        assert not before.refused and before.citations

        # The CLI's question reaches its dense search, then finds the server gone.
        code, output = kill_server_at(
            traced_cli, chroma_process, ("ask", SEED_QUESTION), "dense", 1, home=home, tmp_path=tmp_path, env=env
        )
        assert_names_the_server(code, output, url)
        with pytest.raises(StoreError, match=f"Chroma server at {url}"):
            resident.ask(SEED_QUESTION)

        chroma_process.start()
        again = resident.ask(SEED_QUESTION)
        assert not again.refused and [c.quote for c in again.citations] == [c.quote for c in before.citations]
    asked = traced_cli("ask", SEED_QUESTION, "--json", home=home, env=env)
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["text"] == before.text
    checked = traced_cli("check", home=home, env=env)
    assert checked.returncode == 0, checked.stdout
