"""`assistant check [--repair]` and the write lock, through the real CLI in subprocesses.

The CLI runs with the tests' hash embedder (``_RUN`` swaps it in, then runs
``python -m assistant``'s own module), so an ingest of hundreds of articles
takes seconds and two ingests of one input give the same vectors.
"""

from __future__ import annotations

import inspect
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from filelock import FileLock

from vectorstore.bm25_index import BM25Index
from vectorstore.chroma_store import CHUNKS, SENTENCES, open_persistent_client

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
ARTICLES = 400  # four groups of up to 128
QUERIES = ("measles outbreak Kessel", "cholera cases Orren", "officials urged calm", "flooding March", "2695 new cases")

_RUN = """
import os, runpy, sys, time

{embedder}

import assistant.archive

assistant.archive.embedder_for = lambda settings: HashEmbedder()
mark = os.environ.get("TEST_MARK_GROUPS")
if mark:
    # Each group reaches near_copies after its vectors and BM25 documents are
    # written and before the table commits it: note the group there, and
    # from the second one on, wait there to be killed.
    from vectorstore.chroma_store import ChromaStore

    real = ChromaStore.near_copies

    def near_copies(self, *args, **kwargs):
        with open(mark, "a+") as f:
            f.write("group\\n")
            f.seek(0)
            reached = len(f.readlines())
        if reached >= 2:
            time.sleep(120)
        return real(self, *args, **kwargs)

    ChromaStore.near_copies = near_copies
sys.argv = ["assistant", *sys.argv[1:]]
runpy.run_module("assistant", run_name="__main__")
"""


@pytest.fixture
def cli(hash_embedder):
    script = _RUN.format(embedder=inspect.getsource(hash_embedder))

    def command(*args: str, home: Path, env: dict | None = None, start: bool = False):
        argv = [sys.executable, "-c", script, *args]
        full = {**os.environ, "ASSISTANT_HOME": str(home), **(env or {})}
        if start:
            with (home.parent / f"{home.name}-cli.log").open("wb") as log:
                return subprocess.Popen(argv, cwd=REPO, env=full, stdout=log, stderr=subprocess.STDOUT)
        return subprocess.run(argv, cwd=REPO, env=full, capture_output=True, text=True, timeout=300)

    return command


def _feed(path: Path) -> Path:
    towns, diseases = ("Kessel", "Orren", "Port Avalon", "Marren"), ("measles", "cholera", "influenza", "dengue")
    months = ("January", "March", "June", "October")
    with path.open("w") as f:
        for i in range(ARTICLES):
            town, disease, month = towns[i % 4], diseases[i // 4 % 4], months[i // 16 % 4]
            text = (
                f"Outbreak report {i}\n\nItem {i} from {town} reports {i * 7} new cases of {disease}. "
                f"Officials in {town} urged calm after flooding in {month}. The {disease} outbreak began in {month}."
            )
            f.write(json.dumps({"id": f"feed/{i:04d}", "title": f"Outbreak report {i}", "text": text}) + "\n")
    return path


def _table(home: Path) -> tuple[int, str | None]:
    """(articles, pending) as committed, read the way another process would; (0, None) before the table exists."""
    try:
        with sqlite3.connect(f"file:{home / 'articles.sqlite3'}?mode=ro", uri=True, timeout=5) as db:
            count = db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
            pending = db.execute("SELECT value FROM meta WHERE key = 'pending'").fetchone()
    except sqlite3.OperationalError:  # not created yet
        return 0, None
    return count, pending[0] if pending else None


def _store(home: Path) -> dict:
    """What a store holds, as the comparison with a clean ingest sees it."""
    with sqlite3.connect(home / "articles.sqlite3") as db:
        articles = [r[0] for r in db.execute("SELECT id FROM articles ORDER BY id")]
        chunks = [r[0] for r in db.execute("SELECT id FROM chunks ORDER BY id")]
        # Which of several identical sentences are recorded as a sentence's
        # (at most 4) wire copies is a tie the vector index breaks its own
        # way, so only how many pairs there are is compared.
        copies = db.execute("SELECT COUNT(*) FROM copies").fetchone()[0]
    client = open_persistent_client(home / "chroma")
    chroma = {name: sorted(client.get_collection(name).get(include=[])["ids"]) for name in (CHUNKS, SENTENCES)}
    bm25 = BM25Index(home / "bm25")
    # Every hit with its score: many articles here score alike, and tantivy
    # orders ties by where a document sits in its segments.
    hits = {q: {cid: round(score, 5) for cid, score in bm25.search(q, top_k=2 * ARTICLES)} for q in QUERIES}
    return {"articles": articles, "chunks": chunks, "copies": copies, "chroma": chroma, "bm25": sorted(bm25.ids), "hits": hits}


def test_an_ingest_killed_mid_group_is_checked_repaired_and_resumed_to_a_clean_store(cli, tmp_path):
    feed = _feed(tmp_path / "feed.jsonl")
    home = tmp_path / "home"
    marks = tmp_path / "groups"
    proc = cli("ingest", str(feed), home=home, env={"TEST_MARK_GROUPS": str(marks)}, start=True)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            if marks.exists() and len(marks.read_text().splitlines()) >= 2:
                break  # the first group committed, the second written to Chroma and BM25 but not to the table
            time.sleep(0.01)
        assert proc.poll() is None, f"the ingest ended before it could be killed: {(tmp_path / 'home-cli.log').read_text()}"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    count, pending = _table(home)
    assert count == 128 and pending is not None
    group = json.loads(pending)
    assert len(group) == 128 and not set(group) & {f"feed/{i:04d}" for i in range(128)}

    checked = cli("check", "--json", home=home)
    assert checked.returncode == 1, checked.stderr
    report = json.loads(checked.stdout)
    assert not report["consistent"] and report["counts"]["articles"] == count
    problems = report["problems"]
    assert problems[0].startswith("an ingest stopped part-way: a group of 128 article(s) is still pending: 'feed/0128'")
    for index in ("Chroma chunks", "Chroma sentences", "BM25"):  # the group's entries, ahead of the table
        assert any(p.startswith(f"{index}: ") and "orphan" in p and "in 128 article(s)" in p for p in problems), problems

    repaired = cli("check", "--repair", home=home)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "repaired: rolled back the pending group of 128 article(s)" in repaired.stdout
    assert "128 never committed" in repaired.stdout
    assert repaired.stdout.splitlines()[-1].startswith(f"consistent: {count} articles;")
    again = cli("check", home=home)
    assert again.returncode == 0 and again.stdout.startswith("consistent:"), again.stdout

    resumed = cli("ingest", str(feed), home=home)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.startswith(f"added {ARTICLES - count}, unchanged {count}, replaced 0, rejected 0")

    clean = tmp_path / "clean"
    fresh = cli("ingest", str(feed), home=clean)
    assert fresh.returncode == 0, fresh.stderr
    assert _store(home) == _store(clean)
    assert cli("check", home=home).returncode == 0


def test_an_ingest_waits_for_the_lock_then_fails_naming_it_and_changes_nothing(cli, tmp_path):
    home = tmp_path / "home"
    seeds = cli("ingest", str(REPO / "seeds"), home=home)
    assert seeds.returncode == 0, seeds.stderr
    before = _store(home)
    story = tmp_path / "mill.txt"
    story.write_text("Mill closes\n\nThe paper mill in Orren will close in March, its owners said on Tuesday.\n")
    lock = home / ".write.lock"
    with FileLock(str(lock)):
        t0 = time.monotonic()
        blocked = cli("ingest", str(story), home=home, env={"ASSISTANT_WRITE_LOCK_TIMEOUT_S": "1"})
        waited = time.monotonic() - t0
        assert blocked.returncode != 0
        assert f"{lock}" in blocked.stderr and "another ingest" in blocked.stderr, blocked.stderr
        assert "Traceback" not in blocked.stderr
        assert waited >= 1.0
        repair = cli("check", "--repair", home=home, env={"ASSISTANT_WRITE_LOCK_TIMEOUT_S": "1"})
        assert repair.returncode != 0 and f"{lock}" in repair.stderr
        # readers never take it
        listed = cli("list", "--json", home=home)
        assert listed.returncode == 0 and len(json.loads(listed.stdout)) == 2
        assert cli("check", home=home).returncode == 0
    assert _store(home) == before
    after = cli("ingest", str(story), home=home)
    assert after.returncode == 0 and after.stdout.startswith("added 1,"), after.stderr


def test_check_prints_what_it_found_and_exits_1_until_repaired(cli, tmp_path):
    home = tmp_path / "home"
    assert cli("ingest", str(REPO / "seeds"), home=home).returncode == 0
    BM25Index(home / "bm25").update(remove_articles=[sorted(p.stem for p in (REPO / "seeds").iterdir())[0]])

    found = cli("check", home=home)
    assert found.returncode == 1
    lines = found.stdout.splitlines()
    assert lines[0].startswith("found: BM25: ") and "missing" in lines[0]
    assert lines[-1].startswith("drift remains (`assistant check --repair` fixes it):")

    fixed = cli("check", "--repair", "--json", home=home)
    assert fixed.returncode == 0, fixed.stderr
    report = json.loads(fixed.stdout)
    assert report["consistent"] and report["remaining"] == []
    assert report["problems"][0].startswith("BM25: ")
    assert any("to BM25" in line for line in report["repaired"])
    assert cli("check", home=home).returncode == 0
