"""Load on the real app: many conversations at once, and chats answering while an ingest writes.

Both start their own ``python -m assistant serve`` (reader off, so an answer
takes well under a second) and talk to it through ``gradio_client`` as outside
callers do, one ``Client`` per conversation, each in its own thread.  Every
answer must come back (no error), and every citation must be an exact slice
of its article as the store holds it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from gradio_client import Client

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
CONVERSATIONS = 20
ROUNDS = 3
RSS_GROWTH_LIMIT = 1.15  # RSS after the last round at most 15 % above the first

# A question, then two follow-ups that only make sense with the conversation
# before them (a pronoun, an ellipsis), all about the two seed articles.
SCRIPTS = [
    ("Who is Hikmet Hajiyev?", "What did he say about civilians?", "And about the ground forces?"),
    ("What did Antony Blinken say about Azerbaijan?", "What did he call on Baku to do?", "And the humanitarian situation?"),
    ("What did Pashinyan say about a coup?", "What did he say about ethnic cleansing?", "And about Russia?"),
    ("What did Russia say about the fighting?", "Who spoke for it?", "And what about its peacekeepers?"),
    ("How many military posts did Azerbaijan say it seized?", "When did it launch the operation?", "And why?"),
]  # fmt: skip


def _client(url: str) -> Client:
    return Client(url, verbose=False, analytics_enabled=False)


def _article_texts(home: Path) -> dict[str, str]:
    """Every stored article's text by id, read straight from the table (read-only)."""
    db = sqlite3.connect(f"file:{home / 'articles.sqlite3'}?mode=ro", uri=True)
    try:
        return dict(db.execute("SELECT id, text FROM articles"))
    finally:
        db.close()


def _bad_citations(answer: dict, texts: dict[str, str]) -> list[str]:
    bad = []
    for c in answer["citations"]:
        text = texts.get(c["article_id"])
        if text is None or text[c["start"] : c["end"]] != c["quote"]:
            bad.append(f"{c['article_id']}[{c['start']}:{c['end']}] {c['quote'][:60]!r}")
    return bad


def _status_kib(pid: int, field: str) -> int:
    """``VmRSS`` / ``VmHWM`` of a process, in KiB, from /proc/<pid>/status."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def _conversation(url: str, script: tuple[str, ...]) -> list[tuple[dict | None, float, str | None]]:
    """One conversation of len(script) turns: (answer, seconds, error) per turn."""
    client = _client(url)
    history: list[dict] = []
    turns = []
    for message in script:
        start = time.perf_counter()
        try:
            answer = client.predict(message, history, api_name="/chat")
        except Exception as exc:  # counted, not raised: the test reports them all
            turns.append((None, time.perf_counter() - start, f"{message!r}: {exc}"))
            break
        turns.append((answer, time.perf_counter() - start, None))
        history.append(answer)
    return turns


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the server's memory from /proc")
def test_twenty_conversations_three_rounds_no_errors_no_growth(start_real_app):
    with start_real_app(READER="off") as app:
        texts = _article_texts(app.home)
        assert len(texts) == 2, texts.keys()
        latencies: list[float] = []
        rss_after: list[int] = []
        for _ in range(ROUNDS):
            scripts = [SCRIPTS[i % len(SCRIPTS)] for i in range(CONVERSATIONS)]
            with ThreadPoolExecutor(max_workers=CONVERSATIONS) as pool:
                results = list(pool.map(lambda s: _conversation(app.url, s), scripts))
            errors = [e for turns in results for _, _, e in turns if e]
            assert not errors, errors
            for script, turns in zip(scripts, results, strict=True):
                assert len(turns) == len(script)
                for answer, seconds, _ in turns:
                    latencies.append(seconds)
                    assert not _bad_citations(answer, texts), (answer["question"], _bad_citations(answer, texts))
                # The follow-up was read with the conversation before it.
                assert turns[1][0]["rewritten_question"] != script[1], turns[1][0]["rewritten_question"]
            # The first question of each script is answered from the articles.
            assert all(not turns[0][0]["refused"] and turns[0][0]["citations"] for turns in results)
            rss_after.append(_status_kib(app.pid, "VmRSS"))
        peak = _status_kib(app.pid, "VmHWM")
    p50, p95 = _percentile(latencies, 50), _percentile(latencies, 95)
    print(
        f"\nload: {ROUNDS} rounds x {CONVERSATIONS} conversations x 3 turns = {len(latencies)} answers; "
        f"latency p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms; "
        f"server RSS after each round {[round(r / 1024) for r in rss_after]} MiB, peak {peak / 1024:.0f} MiB"
    )
    assert rss_after[-1] <= rss_after[0] * RSS_GROWTH_LIMIT, rss_after


# -- ingest while chats answer ----------------------------------------------------
NEW_ARTICLES = 100
CHAT_THREADS = 10
CHAT_QUESTIONS = (
    "Who is Hikmet Hajiyev?",
    "What did Blinken say?",
    "How many military posts did Azerbaijan say it seized?",
    "What did Russia say about the fighting?",
)


def _write_articles(folder: Path, count: int) -> list[str]:
    """``count`` short articles, each about its own made-up town and a number only it holds."""
    folder.mkdir()
    towns = []
    for i in range(count):
        town = f"Quillhaven{i:03d}"
        towns.append(town)
        (folder / f"town_{i:03d}.txt").write_text(
            f"{town} opens a new bridge\n\n"
            f"The town of {town} opened a new bridge on Monday, the mayor said. "
            f"The bridge in {town} cost {1000 + i} thousand euros and took two years to build. "
            f"Residents of {town} had waited a decade for a crossing over the river.\n",
            encoding="utf-8",
        )
    return towns


def test_chats_answer_while_an_ingest_writes(start_real_app, seeded_home, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(seeded_home, home)
    towns = _write_articles(tmp_path / "new", NEW_ARTICLES)
    with start_real_app(home=home, READER="off") as app:
        seed_texts = _article_texts(home)
        done = threading.Event()
        answers: list[dict] = []
        errors: list[str] = []
        lock = threading.Lock()

        def chatter(n: int) -> None:
            client = _client(app.url)
            i = n
            while not done.is_set():
                question = CHAT_QUESTIONS[i % len(CHAT_QUESTIONS)]
                i += 1
                try:
                    answer = client.predict(question, [], api_name="/chat")
                except Exception as exc:
                    with lock:
                        errors.append(f"{question!r}: {exc}")
                    continue
                with lock:
                    answers.append(answer)

        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
        env.update(ASSISTANT_HOME=str(home), ASSISTANT_READER="off")
        threads = [threading.Thread(target=chatter, args=(n,)) for n in range(CHAT_THREADS)]
        for t in threads:
            t.start()
        try:
            ingest = subprocess.run(
                [sys.executable, "-m", "assistant", "ingest", str(tmp_path / "new")],
                cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            time.sleep(1.0)  # a few more answers after the write
        finally:
            done.set()
            for t in threads:
                t.join(timeout=60)
        assert ingest.returncode == 0, ingest.stderr[-3000:]
        assert f"added {NEW_ARTICLES}" in ingest.stdout, ingest.stdout[-2000:]
        assert not errors, errors[:5]
        assert len(answers) >= CHAT_THREADS, len(answers)
        texts = _article_texts(home)
        assert len(texts) == len(seed_texts) + NEW_ARTICLES
        bad = [(a["question"], _bad_citations(a, texts)) for a in answers if _bad_citations(a, texts)]
        assert not bad, bad[:5]
        print(f"\ningest while chatting: {len(answers)} answers during the ingest of {NEW_ARTICLES} articles")

        # The running app answers about the new articles at once.
        client = _client(app.url)
        for i in (0, NEW_ARTICLES // 2, NEW_ARTICLES - 1):
            answer = client.predict(f"How much did the bridge in {towns[i]} cost?", [], api_name="/chat")
            assert not answer["refused"], answer
            assert any(f"{1000 + i} thousand euros" in c["quote"] for c in answer["citations"]), answer["citations"]
            assert not _bad_citations(answer, texts)
