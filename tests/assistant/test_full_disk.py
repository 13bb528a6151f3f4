"""A disk that fills up during an ingest: a clear error naming the disk, nothing stored lost, the store put right after.

``ASSISTANT_HOME`` lives on a small tmpfs mounted for the test (skipped, with
the reason, where mounting is not allowed: it needs root or CAP_SYS_ADMIN).
The first 100 Lee articles are stored, then the whole corpus is ingested
with the real CLI (hash embedder), which is held on entering a stage of its
first group until the test has filled the disk with a file: so each layer
meets the full disk in turn (Chroma's writes, BM25's commit, the article
table's commit). Each time the ingest must fail with one line naming the disk, the
articles stored before must all still be there with the same text, and
once the filler is gone ``check`` (or ``check --repair``) must pass and the
same ingest finish the job.
"""

from __future__ import annotations

import errno
import json
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

FIRST = 100  # articles stored before the disk fills
ARTICLES = 300


@pytest.fixture
def small_disk(tmp_path):
    """A 64 MB tmpfs, unmounted after the test."""
    mount = tmp_path / "disk"
    mount.mkdir()
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)], capture_output=True, text=True, timeout=30
        )
        why = ((done.stderr or done.stdout).strip() or f"mount exited {done.returncode}") if done.returncode else None
    except OSError as exc:  # no mount command
        why = str(exc)
    if why:
        reason = f"cannot mount a tmpfs for the full-disk test: {why}"
        print(reason)
        pytest.skip(reason)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture(scope="module")
def first_part(lee_corpus, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("first")
    lines = lee_corpus.read_text().splitlines()[:FIRST]
    (folder / "first.jsonl").write_text("\n".join(lines) + "\n")
    return folder / "first.jsonl"


def stored(home: Path) -> dict[str, str]:
    """Article id -> content hash, as the table has them committed."""
    with sqlite3.connect(f"file:{home / 'articles.sqlite3'}?mode=ro", uri=True) as db:
        return dict(db.execute("SELECT id, content_hash FROM articles"))


def fill(mount: Path) -> Path:
    """A file taking every byte left on the disk."""
    filler = mount / "filler"
    with filler.open("wb") as f:
        try:
            while True:
                f.write(b"\0" * (1 << 20))
                f.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
    return filler


def entries(trace: Path, stage: str) -> int:
    return sum(1 for line in trace.read_text().splitlines() if line.split(" ", 1)[0] == stage) if trace.exists() else 0


@pytest.mark.parametrize("stage", ["chroma", "bm25", "commit"])
def test_a_disk_filling_up_mid_ingest_is_named_and_loses_nothing_stored(
    traced_cli, lee_corpus, first_part, small_disk, tmp_path, stage
):
    home = small_disk / "home"
    first = traced_cli("ingest", str(first_part), home=home)
    assert first.returncode == 0 and first.stdout.startswith(f"added {FIRST},"), first.stderr
    before = stored(home)
    assert len(before) == FIRST

    # The ingest waits on entering the stage until the disk is full, so that stage meets it.
    trace, go = tmp_path / "ingest.trace", tmp_path / "go"
    log = tmp_path / "ingest.log"  # not on the full disk
    proc = traced_cli("ingest", str(lee_corpus), home=home, trace=trace, hold=(stage, 1), go=go, log=log, start=True)
    try:
        deadline = time.monotonic() + 120
        while proc.poll() is None and not entries(trace, stage) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert proc.poll() is None, f"the ingest ended before {stage}"
        filler = fill(small_disk)
    finally:
        go.touch()
    proc.wait(timeout=120)
    output = log.read_text(errors="replace")
    print(f"disk full at {stage}: {output.strip()[:400]}")
    assert proc.returncode == 2, output  # the user's to fix
    assert "Traceback" not in output, output
    (line,) = [x for x in output.splitlines() if x.strip()]
    assert line.startswith("error: the disk holding ") and f"{small_disk}" in line and " is full (" in line, line
    assert "assistant check --repair" in line
    assert stored(home).items() >= before.items()  # nothing committed is lost

    # Still full: reading the table works; a check reads or names the disk, never a traceback.
    listed = traced_cli("list", "--json", home=home)
    assert listed.returncode == 0, listed.stderr
    assert {a["id"] for a in json.loads(listed.stdout)} >= set(before)
    checked = traced_cli("check", home=home)
    assert checked.returncode in (0, 1, 2) and "Traceback" not in checked.stderr, checked.stderr
    if checked.returncode == 2:
        assert "is full" in checked.stderr, checked.stderr

    filler.unlink()
    checked = traced_cli("check", "--json", home=home)
    assert checked.returncode in (0, 1), checked.stdout + checked.stderr
    if checked.returncode:
        repaired = traced_cli("check", "--repair", "--json", home=home)
        assert repaired.returncode == 0, repaired.stdout + repaired.stderr
        assert json.loads(repaired.stdout)["consistent"]
    after = stored(home)
    assert after.items() >= before.items()
    resumed = traced_cli("ingest", str(lee_corpus), home=home)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.startswith(f"added {ARTICLES - len(after)}, unchanged {len(after)}, replaced 0"), resumed.stdout
    assert traced_cli("check", home=home).returncode == 0
    assert len(stored(home)) == ARTICLES
