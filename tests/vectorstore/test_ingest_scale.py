"""Big and interrupted ingests, on real embedded Chroma with a fast stand-in embedder."""

from __future__ import annotations

import json

import pytest

from vectorstore.chroma_store import open_persistent_client
from vectorstore.index import INGEST_GROUP, NewsIndex
from vectorstore.loading import load_paths

pytestmark = pytest.mark.integration


def _jsonl(path, n: int):
    with path.open("w") as f:
        for i in range(n):
            f.write(json.dumps({"id": f"archive/{i:05d} story {i}", "text": f"Item {i} reports {i * 7} new cases."}) + "\n")
    return path


def _open(home, embedder) -> NewsIndex:
    return NewsIndex(home, embedder=embedder, chunk_size=256, chunk_overlap=32)


def test_a_10000_article_jsonl_ingests_in_one_call_below_chromas_batch_limit(tmp_path, hash_embedder, caplog):
    loaded = load_paths([_jsonl(tmp_path / "big.jsonl", 10_000)])
    assert len(loaded.articles) == 10_000 and not loaded.rejected
    index = _open(tmp_path / "home", hash_embedder())
    limit = open_persistent_client(tmp_path / "probe").get_max_batch_size()  # the same Chroma's own limit
    assert index.chroma.write_batch <= limit < 10_000  # one write of everything would be refused
    seen = []
    outcome = index.ingest(loaded.articles, progress=lambda stage, done, total: seen.append((stage, done, total)))
    assert len(outcome.added) == 10_000
    assert index.table.count() == 10_000
    assert index.chroma.counts() == (10_000, 10_000) and index.bm25.count == 10_000
    assert seen[0] == ("articles", 0, 10_000) and seen[-1] == ("articles", 10_000, 10_000)
    assert index.table.get("archive/09999 story 9999").text == "Item 9999 reports 69993 new cases."
    assert index.table.get_meta("pending") is None
    assert "stopped part-way" not in caplog.text  # a clean ingest never restores anything


def test_an_interrupted_ingest_keeps_finished_groups_and_resumes(tmp_path, hash_embedder):
    articles = load_paths([_jsonl(tmp_path / "feed.jsonl", 3 * INGEST_GROUP)]).articles
    home = tmp_path / "home"
    index = _open(home, hash_embedder(fail_on_call=3))  # one embed call per group: the third group dies
    with pytest.raises(KeyboardInterrupt):
        index.ingest(articles)
    index.close()
    again = _open(home, hash_embedder())
    assert again.table.count() == 2 * INGEST_GROUP
    assert again.chroma.counts()[0] == again.table.chunk_count() == len(again.bm25.ids)
    outcome = again.ingest(articles)
    assert (len(outcome.unchanged), len(outcome.added)) == (2 * INGEST_GROUP, INGEST_GROUP)
    assert again.chroma.counts() == (3 * INGEST_GROUP, 3 * INGEST_GROUP)


def test_a_group_half_written_to_chroma_is_put_back_on_the_next_open(tmp_path, hash_embedder, monkeypatch):
    articles = load_paths([_jsonl(tmp_path / "feed.jsonl", 10)]).articles
    home = tmp_path / "home"
    index = _open(home, hash_embedder())
    index.ingest(articles[:5])
    edited = [type(a)(**{**a.__dict__, "text": a.text + " Updated."}) for a in articles[:2]]

    def die(*args, **kwargs):  # after the vectors are written, before the table commits
        raise OSError("disk full")

    monkeypatch.setattr(index.chroma, "near_copies", die)
    with pytest.raises(OSError):
        index.ingest(edited + articles[5:])
    monkeypatch.undo()
    index.close()
    again = _open(home, hash_embedder())
    # the table is unchanged, and the indexes agree with it again: nothing lost, nothing half-new
    assert again.table.count() == 5
    assert again.table.get(articles[0].id).text == articles[0].text
    assert again.chroma.counts() == (5, 5) and len(again.bm25.ids) == 5
    assert again.table.get_meta("pending") is None
    assert len(again.ingest(edited + articles[5:]).added) == 5


def test_a_second_ingest_adds_to_bm25_without_rebuilding_it(tmp_path, hash_embedder, monkeypatch):
    from vectorstore.bm25_index import BM25Index

    articles = load_paths([_jsonl(tmp_path / "feed.jsonl", 20)]).articles
    index = _open(tmp_path / "home", hash_embedder())
    index.ingest(articles[:10])
    rebuilds = []
    real = BM25Index.rebuild
    monkeypatch.setattr(BM25Index, "rebuild", lambda self, *a, **k: (rebuilds.append(1), real(self, *a, **k)))
    edited = type(articles[0])(**{**articles[0].__dict__, "text": "Item 0 reports 1 new case of measles."})
    outcome = index.ingest([edited, *articles[10:]])
    assert (len(outcome.replaced), len(outcome.added)) == (1, 10)
    index.remove(articles[1].id)
    assert rebuilds == []
    assert index.bm25.count == index.table.chunk_count() == 19
    assert index.bm25.search("measles", top_k=3)[0][0].startswith(articles[0].id + ":")
    assert not any(cid.startswith(articles[1].id + ":") for cid in index.bm25.ids)
