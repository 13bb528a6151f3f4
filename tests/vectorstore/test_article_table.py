"""The article table's later columns (author, updated) and its history: an older archive opens with its data whole."""

from __future__ import annotations

import sqlite3

import pytest

from assistant import Assistant, load_settings
from vectorstore.articles import ArticleTable, StoredArticle, content_hash

pytestmark = pytest.mark.integration

# The articles table as every release before author and update dates wrote it.
OLD_COLUMNS = ["id", "title", "outlet", "agencies", "published", "source", "text", "content_hash"]

STRIKE = ("Harbour strike ends\n\nDock workers in Port Avalon ended a nine-day strike on Friday after "
          "412 union members voted to accept a 6 percent raise.\n")
FARM = ("Published: 10 January 2023\n\nDrought hits growers\n\nWheat farmers in the Marren valley lost half "
        "their crop to drought this summer, the growers' association said.\n")


def _columns(db_path) -> list[str]:
    with sqlite3.connect(db_path) as db:
        return [row[1] for row in db.execute("PRAGMA table_info(articles)")]


def _old_archive(home, folder, embedder) -> None:
    """A real store, then its table taken back to the layout from before the change."""
    with Assistant(load_settings(home=home, reader="off"), embedder=embedder) as assistant:
        assistant.ingest([folder])
    db = sqlite3.connect(home / "articles.sqlite3")
    with db:
        db.execute("ALTER TABLE articles DROP COLUMN author")
        db.execute("ALTER TABLE articles DROP COLUMN updated")
        db.execute("DROP TABLE history")
    db.close()
    assert _columns(home / "articles.sqlite3") == OLD_COLUMNS


def test_an_archive_made_before_the_new_columns_opens_with_every_row_whole(tmp_path, hash_embedder):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "strike.txt").write_text(STRIKE, encoding="utf-8")
    (folder / "farm.txt").write_text(FARM, encoding="utf-8")
    home = tmp_path / "home"
    embedder = hash_embedder()
    _old_archive(home, folder, embedder)
    with sqlite3.connect(home / "articles.sqlite3") as db:
        before = sorted(db.execute(f"SELECT {', '.join(OLD_COLUMNS)} FROM articles"))
        chunks_before = sorted(db.execute("SELECT * FROM chunks"))

    with Assistant(load_settings(home=home, reader="off"), embedder=embedder) as assistant:
        listed = assistant.articles()
        assert [(a.id, a.author, a.updated) for a in listed] == [("farm", None, None), ("strike", None, None)]
        assert assistant.article("farm").published == "2023-01-10"
        assert assistant.check().consistent
        assert any(p.article_id == "strike" for p in assistant.search("dock workers strike raise"))
        # The migrated archive records history like a new one.
        (folder / "strike.txt").write_text(STRIKE.replace("412", "415"), encoding="utf-8")
        assert assistant.ingest([folder]).replaced == ("strike",)
        [old] = assistant.article_history("strike")
        assert old.content_hash == dict((row[0], row[7]) for row in before)["strike"]

    assert _columns(home / "articles.sqlite3") == OLD_COLUMNS + ["author", "updated"]
    with sqlite3.connect(home / "articles.sqlite3") as db:
        after = sorted(db.execute(f"SELECT {', '.join(OLD_COLUMNS)} FROM articles WHERE id = 'farm'"))
        assert after == [row for row in before if row[0] == "farm"]  # untouched rows are as they were
        assert sorted(db.execute("SELECT * FROM chunks WHERE article_id = 'farm'")) == [
            row for row in chunks_before if row[1] == "farm"]
    # Opening it again (the columns there now) changes nothing.
    ArticleTable(home / "articles.sqlite3").close()
    assert _columns(home / "articles.sqlite3") == OLD_COLUMNS + ["author", "updated"]


def _stored(text: str, title: str, **kw) -> StoredArticle:
    return StoredArticle(id="page", title=title, outlet=None, agencies=(), published=kw.pop("published", None),
                         source="page.html", text=text, content_hash=content_hash(text), **kw)


def test_history_keeps_each_replaced_version_once_in_order(tmp_path):
    table = ArticleTable(tmp_path / "articles.sqlite3")
    try:
        versions = [_stored("First text.", "One", published="2025-01-01"),
                    _stored("First text.", "One, retitled", published="2025-01-01"),  # same text: not a new version
                    _stored("Second text.", "Two", published="2025-01-01", updated="2025-01-02", author="A. Writer"),
                    _stored("Third text.", "Three", published="2025-01-01", updated="2025-01-05")]
        for version in versions:
            with table.transaction() as conn:
                table.put(conn, version)
        assert [(v.title, v.updated, v.content_hash) for v in table.history("page")] == [
            ("One, retitled", None, content_hash("First text.")),
            ("Two", "2025-01-02", content_hash("Second text."))]
        assert (table.get("page").title, table.get("page").updated) == ("Three", "2025-01-05")
        with table.transaction() as conn:
            table.delete(conn, "page")
        assert table.history("page") == []
    finally:
        table.close()
