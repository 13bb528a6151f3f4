"""A damaged article table: a clear error naming it, and `check --repair` saving what can be read."""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from assistant import Assistant, StoreError, load_settings
from assistant.cli import app

pytestmark = pytest.mark.integration

N = 40


def _store(tmp_path, embedder):
    """A store of N small articles, each with its own words, and the ids in the order stored."""
    corpus = tmp_path / "corpus.jsonl"
    lines = [
        {"id": f"a{i:02d}", "title": f"Harbour report {i}", "outlet": "Coast Post",
         "text": f"The harbour board met for the {i}th time on Monday. Member {i} said the quay needs repair work soon."}
        for i in range(N)
    ]  # fmt: skip
    corpus.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    home = tmp_path / "home"
    settings = load_settings(home=home, seeds=tmp_path / "none", reader="off")
    with Assistant(settings, embedder=embedder) as assistant:
        assistant.ingest([corpus])
    return settings


def _overwrite_pages(path, *, keep: float) -> None:
    """Zero the file from ``keep`` (a share of its length) on, as a torn write or a full disk might."""
    data = bytearray(path.read_bytes())
    cut = int(len(data) * keep)
    data[cut:] = bytes(len(data) - cut)
    path.write_bytes(bytes(data))


def test_a_file_that_is_no_database_is_named_and_repair_starts_a_fresh_table(tmp_path, hash_embedder):
    embedder = hash_embedder()
    settings = _store(tmp_path, embedder)
    table = settings.home / "articles.sqlite3"
    table.write_bytes(b"this is not a database" * 1000)
    with Assistant(settings, embedder=embedder) as broken, pytest.raises(StoreError) as err:
        broken.ask("What did member 3 say?")
    assert str(table) in str(err.value) and "is damaged" in str(err.value) and "check --repair" in str(err.value)

    with Assistant(settings, embedder=embedder) as repairing:
        report = repairing.check(repair=True)
        assert report.consistent and report.repaired and "damaged" in report.repaired[0]
        assert repairing.articles() == []
    kept = [p for p in settings.home.iterdir() if p.name.startswith("articles.sqlite3.damaged-")]
    assert kept and kept[0].read_bytes().startswith(b"this is not a database")


def test_a_torn_table_keeps_every_readable_article_and_answers_from_them(tmp_path, hash_embedder):
    embedder = hash_embedder()
    settings = _store(tmp_path, embedder)
    table = settings.home / "articles.sqlite3"
    with sqlite3.connect(table) as db:  # no write-ahead log left to replay: the damage is the file's
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    # Zero the file from the articles' second leaf page on: a fixed share (0.7 once)
    # depends on where SQLite put the pages, which moves with any change of schema.
    with sqlite3.connect(table) as db:
        leaves = sorted(p for (p,) in db.execute(
            "SELECT pageno FROM dbstat WHERE name = 'articles' AND pagetype = 'leaf'"))
        pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.close()
    assert len(leaves) >= 2
    _overwrite_pages(table, keep=(leaves[1] - 1) / pages)

    with Assistant(settings, embedder=embedder) as repairing:
        report = repairing.check(repair=True)
        kept = {a.id for a in repairing.articles()}
        assert report.consistent and "damaged" in report.repaired[0]
        # Some articles are lost with the zeroed pages; the rest are whole and answer.
        assert 0 < len(kept) < N
        for article_id in kept:
            i = int(article_id[1:])
            assert repairing.article(article_id).text.endswith(f"Member {i} said the quay needs repair work soon.")
        some = sorted(kept)[0]
        answer = repairing.ask(f"What did member {int(some[1:])} say about the quay?")
        assert not answer.refused and all(c.article_id in kept for c in answer.citations)
    with Assistant(settings, embedder=embedder) as after:
        assert after.check().consistent


def test_check_on_the_command_line_names_the_damage_and_exits_1(tmp_path, hash_embedder, monkeypatch):
    settings = _store(tmp_path, hash_embedder())
    (settings.home / "articles.sqlite3").write_bytes(b"this is not a database" * 1000)
    for name, value in {"ASSISTANT_HOME": settings.home, "ASSISTANT_SEEDS": tmp_path / "none", "ASSISTANT_READER": "off"}.items():
        monkeypatch.setenv(name, str(value))
    result = CliRunner().invoke(app, ["check"])
    assert result.exit_code == 1, result.output
    assert "found: the article table" in result.output and "is damaged" in result.output
    assert "check --repair" in result.output and "could not be counted" in result.output
