"""NewsIndex.check: each kind of drift between the article table and its indexes is found, then repaired."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from vectorstore.chroma_store import CHUNKS, SENTENCES, open_persistent_client
from vectorstore.consistency import BM25, CHROMA_CHUNKS, CHROMA_SENTENCES, survey
from vectorstore.index import INGEST_GROUP, NewsIndex
from vectorstore.loading import LoadedArticle

QUERIES = ("union members voted raise", "drought wheat crop loans", "ferry passengers rescued storm")


def article(aid: str, body: str, **kw) -> LoadedArticle:
    meta = dict(title=f"Title {aid}", outlet="The Ledger", agencies=(), published="2024-05-04", source=f"{aid}.txt")
    return LoadedArticle(id=aid, text=body, **{**meta, **kw})


# Small chunks, so that each article has several and one can go missing alone.
ARTICLES = [
    article(
        "harbour",
        "Harbour strike ends\n\nDock workers in Port Avalon ended a nine-day strike on Friday. "
        "The union said 412 members voted to accept a 6 percent raise. Ships queued outside the harbour for a week. "
        "The port authority said cargo would move again by Monday. Shipping firms had diverted vessels to Kessel.",
    ),
    article(
        "farm",
        "Drought hits growers\n\nWheat farmers in the Marren valley lost half their crop to drought this summer. "
        "The growers' association asked the ministry for emergency loans. Rainfall was the lowest in forty years. "
        "Several co-operatives said they would sell machinery to pay their debts.",
        outlet="Valley News",
    ),
    article(
        "ferry",
        "Ferry passengers rescued\n\nCoastguards rescued 86 passengers from a ferry that lost power in a storm. "
        "The vessel drifted for six hours before tugs reached it. No one was seriously hurt, the operator said. "
        "An inquiry into the engine failure opens next week.",
    ),
]


def _open(home, embedder, **kw) -> NewsIndex:
    return NewsIndex(home, embedder=embedder, chunk_size=24, chunk_overlap=4, **kw)


@pytest.fixture
def store(tmp_path, hash_embedder):
    """A store with ``ARTICLES``, closed again: a test changes it behind the index's back, then opens it."""
    home = tmp_path / "store"
    index = _open(home, hash_embedder())
    index.ingest(ARTICLES)
    index.close()
    return home


def _state(index: NewsIndex) -> dict:
    """Everything the check compares, plus what retrieval gives: equal for equal stores."""
    chunks, sentences = index.chroma.ids()
    return {
        "articles": index.table.ids(),
        "chunks": sorted(row[0] for row in index.table.chunks()),
        "chroma chunks": sorted(chunks),
        "chroma sentences": sorted(sentences),
        "bm25": sorted(index.bm25.ids),
        "bm25 hits": [[cid for cid, _ in index.bm25.search(q, top_k=5)] for q in QUERIES],
    }


def _vectors(home, name: str, ids: list[str]) -> dict[str, np.ndarray]:
    got = open_persistent_client(home / "chroma").get_collection(name).get(ids=ids, include=["embeddings"])
    return dict(zip(got["ids"], (np.asarray(v) for v in got["embeddings"]), strict=True))


@pytest.mark.integration
def test_a_clean_store_checks_consistent_and_repair_does_nothing(store, hash_embedder):
    index = _open(store, hash_embedder())
    outcome = index.check()
    assert outcome.consistent and outcome.found.problems() == ()
    counts = outcome.after.counts()
    assert counts["articles"] == 3
    assert counts["table_chunks"] == counts["chroma_chunks"] == counts["bm25_chunks"] > 3  # several chunks each
    assert counts["table_sentences"] == counts["chroma_sentences"] > counts["table_chunks"]
    repaired = index.check(repair=True)
    assert repaired.consistent and repaired.repaired == ()


@pytest.mark.integration
def test_a_chunk_and_a_sentence_deleted_from_chroma_are_written_back_with_their_vectors(store, hash_embedder):
    with sqlite3.connect(store / "articles.sqlite3") as db:
        chunk = db.execute("SELECT id FROM chunks WHERE article_id = 'farm' ORDER BY start LIMIT 1 OFFSET 1").fetchone()[0]
    before = _open(store, hash_embedder())
    sentence = sorted(s for s in before.chroma.ids()[1] if s.startswith("ferry:"))[2]
    before.close()
    vectors = {**_vectors(store, CHUNKS, [chunk]), **_vectors(store, SENTENCES, [sentence])}
    client = open_persistent_client(store / "chroma")
    client.get_collection(CHUNKS).delete(ids=[chunk])
    client.get_collection(SENTENCES).delete(ids=[sentence])

    embedder = hash_embedder()
    index = _open(store, embedder)
    found = index.check()
    assert not found.consistent
    drift = {d.index: d for d in found.found.drift}
    assert drift[CHROMA_CHUNKS].missing == (chunk,) and drift[CHROMA_SENTENCES].missing == (sentence,)
    assert drift[BM25].clean
    lines = found.found.problems()
    assert any(line.startswith("Chroma chunks: 1 of the table's") and "'farm'" in line for line in lines), lines
    assert any(line.startswith("Chroma sentences: 1 of the table's") and "'ferry'" in line for line in lines), lines

    repaired = index.check(repair=True)
    assert repaired.consistent, repaired.after.problems()
    assert any("nothing embedded" in line for line in repaired.repaired)
    assert embedder.calls == 0  # written back from the table's stored vectors
    index.close()
    after = _vectors(store, CHUNKS, [chunk]) | _vectors(store, SENTENCES, [sentence])
    for cid, vector in vectors.items():
        assert np.allclose(after[cid], vector, atol=1e-6), cid
    assert _open(store, hash_embedder()).check().consistent


@pytest.mark.integration
def test_orphans_in_every_index_are_found_and_deleted(store, hash_embedder, tmp_path):
    index = _open(store, hash_embedder())
    clean = _state(index)
    # Entries of an article the table never held, and one more chunk of a stored one.
    ghost, extra = "ghost:0-20", "harbour:5-17"
    vec = np.ones((1, hash_embedder.dim), dtype=np.float32) / np.sqrt(hash_embedder.dim)
    index.chroma.add(
        chunk_ids=[ghost, extra], chunk_texts=["ghost story", "strike ends"],
        chunk_meta=[{"article_id": "ghost"}, {"article_id": "harbour"}], chunk_vectors=np.vstack([vec, vec]),
        sentence_ids=[ghost], sentence_meta=[{"article_id": "ghost"}], sentence_vectors=vec,
    )  # fmt: skip
    index.bm25.update(ids=[ghost], texts=["union members voted ghost"])

    found = index.check()
    drift = {d.index: d for d in found.found.drift}
    assert drift[CHROMA_CHUNKS].orphans == (ghost, extra)
    assert drift[CHROMA_SENTENCES].orphans == (ghost,)
    assert drift[BM25].orphans == (ghost,)
    assert any("orphan" in line and "'ghost' 1/0 (not in the table)" in line for line in found.found.problems())

    repaired = index.check(repair=True)
    assert repaired.consistent, repaired.after.problems()
    assert any(line.startswith("deleted 2 orphan chunk(s) and 1 orphan sentence(s) from Chroma") for line in repaired.repaired)
    assert _state(index) == clean


@pytest.mark.integration
def test_bm25_docs_deleted_or_doubled_are_found_and_indexed_again(store, hash_embedder):
    index = _open(store, hash_embedder())
    clean = _state(index)
    farm = sorted(cid for cid in index.bm25.ids if cid.startswith("farm:"))
    twice = next(cid for cid in index.bm25.ids if cid.startswith("ferry:"))
    index.bm25.update(remove_articles=["farm"], ids=[twice], texts=["ferry passengers rescued storm"])

    found = index.check()
    drift = {d.index: d for d in found.found.drift}[BM25]
    assert drift.missing == tuple(farm) and drift.duplicates == (twice,)
    assert [(a.article_id, a.expected, a.present) for a in drift.articles] == [
        ("farm", len(farm), 0), ("ferry", drift.articles[1].expected, drift.articles[1].expected + 1)
    ]  # fmt: skip

    repaired = index.check(repair=True)
    assert repaired.consistent, repaired.after.problems()
    assert _state(index) == clean  # the doubled chunk holds its own text again, once


@pytest.mark.integration
def test_a_pending_group_is_reported_then_rolled_back_to_the_table(store, hash_embedder, monkeypatch):
    index = _open(store, hash_embedder())
    clean = _state(index)
    edited = article("harbour", ARTICLES[0].text.replace("412", "415"))
    new = article("mill", "Mill closes\n\nThe paper mill in Orren will close in March. Its 300 workers were told on Tuesday.")

    def die(*args, **kwargs):  # the group's vectors and BM25 docs are written; the table never commits
        raise OSError("disk full")

    monkeypatch.setattr(index.chroma, "near_copies", die)
    with pytest.raises(OSError):
        index.ingest([edited, new])
    monkeypatch.undo()
    index.close()

    index = _open(store, hash_embedder())
    found = index.check()
    assert not found.consistent and found.found.pending == ("harbour", "mill")
    lines = found.found.problems()
    assert lines[0].startswith("an ingest stopped part-way: a group of 2 article(s) is still pending: 'harbour', 'mill'")
    assert any("'mill'" in line and "(not in the table)" in line for line in lines)  # its entries are orphans

    repaired = index.check(repair=True)
    assert repaired.consistent, repaired.after.problems()
    assert repaired.repaired[0].startswith("rolled back the pending group of 2 article(s)")
    assert "1 kept as the table has them" in repaired.repaired[0] and "1 never committed" in repaired.repaired[0]
    assert index.table.get_meta("pending") is None
    assert "412" in index.table.get("harbour").text
    assert _state(index) == clean
    assert index.check().consistent


@pytest.mark.integration
def test_articles_a_cut_short_reindex_left_without_rows_are_embedded_again(tmp_path, hash_embedder):
    home = tmp_path / "store"
    many = [article(f"a{i:03d}", f"Story {i}\n\nItem {i} reports {i * 7} new cases. Officials urged calm.") for i in range(INGEST_GROUP + 2)]
    index = _open(home, hash_embedder())
    index.ingest(many)
    clean = _state(index)
    index.close()
    # 128 articles of 3 sentences take two embedder calls (256 texts each): the third is the second group's
    cut = _open(home, hash_embedder(fail_on_call=3), allow_mismatch=True)
    with pytest.raises(KeyboardInterrupt):
        cut.reindex()
    cut.close()

    embedder = hash_embedder()
    index = _open(home, embedder)
    found = index.check()
    assert found.found.unindexed == ("a128", "a129")
    assert any(line.startswith("2 article(s) in the table have no chunk or sentence rows") for line in found.found.problems())
    repaired = index.check(repair=True)
    assert repaired.consistent, repaired.after.problems()
    assert embedder.calls == 1  # only those two articles were embedded
    assert _state(index) == clean


@pytest.mark.unit
def test_survey_compares_ids_and_counts_per_article():
    got = survey(
        articles=["a", "b"],
        chunk_rows=[("a:0-5", "a", 0, 5), ("a:5-9", "a", 5, 9), ("b:0-4", "b", 0, 4)],
        sentence_spans={"a": [(0, 5), (5, 9)], "b": [(0, 4)]},
        unindexed=[],
        pending=[],
        writer_busy=False,
        chroma_chunks=["a:0-5", "a:5-9", "b:0-4"],
        chroma_sentences=["a:0-5", "a:5-9", "b:0-4", "c:0-3"],
        bm25=["a:0-5", "b:0-4", "b:0-4"],
    )
    drift = {d.index: d for d in got.drift}
    assert drift[CHROMA_CHUNKS].clean
    assert drift[CHROMA_SENTENCES].orphans == ("c:0-3",)
    assert drift[BM25].missing == ("a:5-9",) and drift[BM25].duplicates == ("b:0-4",)
    assert [(a.article_id, a.expected, a.present) for a in drift[BM25].articles] == [("a", 2, 1), ("b", 1, 2)]
    assert not got.consistent
    assert got.counts() == {
        "articles": 2, "table_chunks": 3, "table_sentences": 3,
        "chroma_chunks": 3, "chroma_sentences": 4, "bm25_chunks": 3,
    }  # fmt: skip
    assert got.problems() == (
        "Chroma sentences: 1 orphan(s), ids the table doesn't list, in 1 article(s): 'c' 1/0 (not in the table)",
        "BM25: 1 of the table's 3 entries missing, in 1 article(s): 'a' 1/2",
        "BM25: 1 id(s) held more than once: 'b:0-4'",
    )


@pytest.mark.unit
def test_a_pending_group_of_a_running_writer_is_told_apart():
    running = survey(
        articles=[], chunk_rows=[], sentence_spans={}, unindexed=[], pending=["x"], writer_busy=True,
        chroma_chunks=[], chroma_sentences=[], bm25=[],
    )  # fmt: skip
    assert not running.consistent
    assert running.problems()[0].startswith("an ingest is running now (another process holds the write lock)")
