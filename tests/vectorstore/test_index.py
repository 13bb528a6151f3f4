"""The Store contract, passed by NewsIndex (embedded Chroma and a Chroma server) and by MemoryStore, the fake."""

from __future__ import annotations

import numpy as np
import pytest

from vectorstore.articles import content_hash
from vectorstore.index import ArticleFilters, IndexSignatureMismatch, NewsIndex
from vectorstore.loading import LoadedArticle
from vectorstore.memory import MemoryStore
from vectorstore.protocols import Lexicon, Store

pytestmark = pytest.mark.integration


def article(aid: str, body: str, *, outlet="The Ledger", published="2024-05-04") -> LoadedArticle:
    return LoadedArticle(
        id=aid, title=f"Title {aid}", outlet=outlet, agencies=(), published=published, source=f"{aid}.txt", text=body
    )


HARBOUR = article(
    "harbour",
    "Harbour strike ends\n\nDock workers in Port Avalon ended a nine-day strike on Friday. "
    "The union said 412 members voted to accept a 6 percent raise. Ships queued outside the harbour for a week.",
)
FARM = article(
    "farm",
    "Drought hits growers\n\nWheat farmers in the Marren valley lost half their crop to drought this summer. "
    "The growers' association asked the ministry for emergency loans.",
    outlet="Valley News",
    published="2023-01-10",
)


def spans_of(store, aid):
    stored = store.article(aid)
    return [(s, e) for s, e, _ in store.sentences_of({aid: stored.content_hash})[aid]]


def search_ids(store, embedder, q, *, filters=ArticleFilters(), top_k=5):
    """The span ids each search finds for ``q``: (dense, keyword)."""
    dense = store.dense_search(q, embedder.embed([q])[0], top_k=top_k, filters=filters)
    return [cid for cid, _ in dense], [cid for cid, _ in store.keyword_search(q, top_k=top_k, filters=filters)]


class StoreContract:
    """What every Store does, through the port alone; subclasses provide ``make_index(home, embedder, **kw)``."""

    def make_index(self, home, embedder, **kw) -> Store:
        raise NotImplementedError

    def test_it_is_a_store(self, tmp_path, embedder):
        store = self.make_index(tmp_path, embedder)
        assert isinstance(store, Store) and isinstance(store.lexicon, Lexicon)

    def test_ingest_is_added_then_unchanged_then_replaced(self, tmp_path, embedder):
        index = self.make_index(tmp_path, embedder)
        assert index.ingest([HARBOUR, FARM]).added == ("harbour", "farm")
        again = index.ingest([HARBOUR, FARM])
        assert again.unchanged == ("harbour", "farm") and not again.added
        edited = article("harbour", HARBOUR.text.replace("412", "415"))
        assert index.ingest([edited]).replaced == ("harbour",)
        assert "415" in index.article("harbour").text
        assert [v.content_hash for v in index.history("harbour")] == [content_hash(HARBOUR.text)]
        assert index.history("farm") == []
        assert [a.id for a in index.articles()] == ["farm", "harbour"] and index.article("nowhere") is None

    def test_sentences_of_follow_a_replaced_article(self, tmp_path, embedder):
        index = self.make_index(tmp_path, embedder)
        index.ingest([HARBOUR, FARM])
        first = spans_of(index, "harbour")
        assert [HARBOUR.text[s:e] for s, e in first][1] == "Dock workers in Port Avalon ended a nine-day strike on Friday."
        assert spans_of(index, "harbour") == first  # from memory the second time, the same spans
        index.ingest([article("harbour", HARBOUR.text + " The port reopened on Monday.")])
        assert len(spans_of(index, "harbour")) == len(first) + 1
        rows = index.sentences_of({"harbour": index.article("harbour").content_hash})["harbour"]
        assert all(abs(float((v * v).sum()) - 1.0) < 1e-3 for _, _, v in rows)

    def test_counts_searches_and_vectors_agree(self, tmp_path, embedder):
        index = self.make_index(tmp_path, embedder)
        index.ingest([HARBOUR, FARM])
        texts = {a.id: a.text for a in (HARBOUR, FARM)}
        chunks = [cid for cid, _ in index.dense_search("x", embedder.embed(["x"])[0], top_k=100, filters=ArticleFilters())]
        assert index.counts() == (2, len(chunks))
        for cid in chunks:
            aid, span = cid.rsplit(":", 1)
            start, end = map(int, span.split("-"))
            assert texts[aid][start:end].strip() == texts[aid][start:end]
        sentences = sum(len(spans_of(index, aid)) for aid in texts)
        assert len(list(index.vectors())) == len(chunks) + sentences

    def test_dense_and_keyword_search_find_the_passage(self, tmp_path, embedder):
        index = self.make_index(tmp_path, embedder)
        index.ingest([HARBOUR, FARM])
        dense, keyword = search_ids(index, embedder, "How many union members voted?", top_k=2)
        assert dense[0].startswith("harbour:") and keyword[0].startswith("harbour:")

    def test_filters_restrict_both_searches(self, tmp_path, embedder):
        index = self.make_index(tmp_path, embedder)
        index.ingest([HARBOUR, FARM, article("undated", "Drought and strike talk.", published=None)])
        for filters, only in (
            (ArticleFilters(outlet="valley news"), {"farm"}),
            (ArticleFilters(since=20240101), {"harbour"}),
            (ArticleFilters(until=20231231), {"farm"}),
        ):
            for found in search_ids(index, embedder, "strike drought", filters=filters):
                assert {cid.split(":")[0] for cid in found} == only, filters

    def test_the_lexicon_knows_the_stored_terms(self, tmp_path, embedder):
        index = self.make_index(tmp_path, embedder)
        index.ingest([HARBOUR, FARM])
        lexicon = index.lexicon
        (union,) = lexicon.tokenize("union")
        assert lexicon.tokenize("The Union's members") == [union, *lexicon.tokenize("members")]
        assert lexicon.knows(union) and lexicon.idf(union) > lexicon.idf("zzyzx") == 0.0
        assert not lexicon.knows("zzyzx")
        assert index.source_names() == frozenset({"The Ledger", "Valley News"})

    def test_remove_drops_every_trace(self, tmp_path, embedder):
        index = self.make_index(tmp_path, embedder)
        index.ingest([HARBOUR, FARM])
        index.ingest([article("farm", FARM.text + " Rain came in March.", outlet="Valley News", published="2023-01-10")])
        assert len(index.history("farm")) == 1
        assert index.remove("farm") is True
        assert index.remove("farm") is False
        assert index.article("farm") is None and index.counts()[0] == 1
        assert all(not cid.startswith("farm:") for found in search_ids(index, embedder, "drought wheat") for cid in found)
        assert all(aid != "farm" for aid, *_ in index.vectors())
        assert index.sentences_of({"farm": content_hash(FARM.text)}) == {"farm": []}
        assert index.history("farm") == []

    def test_check_finds_a_written_store_consistent_and_reindex_keeps_it(self, tmp_path, embedder):
        index = self.make_index(tmp_path, embedder)
        index.ingest([HARBOUR, FARM])
        index.remove("farm")
        assert index.check().consistent and index.damage() == []
        assert index.reindex() == 1
        assert index.check(repair=True).consistent
        assert search_ids(index, embedder, "union members voted")[0][0].startswith("harbour:")

    def test_wire_copies_are_recorded_at_ingest_and_dropped_on_removal(self, tmp_path, embedder):
        index = self.make_index(tmp_path, embedder)
        copy = article("harbour-wire", HARBOUR.text.replace("Ships queued", "Tankers waited"), outlet="Bay Times")
        index.ingest([HARBOUR, copy, FARM])
        copies = index.copies_of(["harbour"])
        shared = "The union said 412 members voted to accept a 6 percent raise."
        start = HARBOUR.text.index(shared)
        assert copies[f"harbour:{start}-{start + len(shared)}"] == [f"harbour-wire:{start}-{start + len(shared)}"]
        assert not any(c.startswith("farm:") for ids in copies.values() for c in ids)
        index.remove("harbour-wire")
        assert index.copies_of(["harbour"]) == {}

    def test_any_string_id_is_stored_searched_and_removed(self, tmp_path, embedder):
        index = self.make_index(tmp_path, embedder)
        odd = ['news/2023/09/19/harbour strike', 'say "50%_off" 🚀', "x" * 300]
        # a wire copy under each id, and an id that is a LIKE pattern matching the others
        arts = [article(aid, HARBOUR.text, outlet=f"Outlet {n}") for n, aid in enumerate(odd)] + [FARM]
        assert index.ingest(arts).added == (*odd, "farm")
        assert {a.id for a in index.articles()} == {*odd, "farm"}
        dense, _ = search_ids(index, embedder, "How many union members voted?", top_k=3)
        assert {cid.rsplit(":", 1)[0] for cid in dense} == set(odd)
        copies = index.copies_of([odd[1]])
        assert copies and all(c.rsplit(":", 1)[0] in (odd[0], odd[2]) for ids in copies.values() for c in ids)
        assert index.remove(odd[1]) is True
        assert index.copies_of([odd[1]]) == {}
        assert all(c.rsplit(":", 1)[0] != odd[1] for ids in index.copies_of([odd[0]]).values() for c in ids)
        assert index.article(odd[0]) is not None and index.article(odd[2]) is not None


class TestMemoryStore(StoreContract):
    def make_index(self, home, embedder, chunk_size=256, chunk_overlap=32, **kw) -> MemoryStore:
        return MemoryStore(embedder=embedder, chunk_size=chunk_size, chunk_overlap=chunk_overlap)


class NewsIndexContract(StoreContract):
    """The port's contract, plus what only the Chroma, BM25 and SQLite store promises."""

    def test_the_three_indexes_hold_the_same_chunks(self, tmp_path, embedder):
        index = self.make_index(tmp_path, embedder)
        index.ingest([HARBOUR, FARM])
        for cid, aid, start, end in index.table.chunks():
            assert cid == f"{aid}:{start}-{end}"
        assert index.chroma.counts()[0] == index.table.chunk_count() == len(index.bm25.ids)
        index.remove("farm")
        assert index.chroma.counts()[0] == index.table.chunk_count() == len(index.bm25.ids)
        assert index.chroma.sentences_of(["farm"]) == {"farm": []}

    def test_sentences_of_match_what_chroma_holds(self, tmp_path, embedder):
        index = self.make_index(tmp_path, embedder)
        index.ingest([HARBOUR, FARM])
        vectors = {(s, e): v for s, e, v in index.sentences_of({"harbour": index.article("harbour").content_hash})["harbour"]}
        for s, e, v in index.chroma.sentences_of(["harbour"])["harbour"]:
            assert np.allclose(vectors[(s, e)], v, atol=1e-6)  # Chroma returns them within float rounding

    def test_other_chunk_settings_are_refused_until_reindex(self, tmp_path, embedder):
        index = self.make_index(tmp_path, embedder)
        index.ingest([HARBOUR])
        index.close()
        with pytest.raises(IndexSignatureMismatch, match="chunk_size"):
            self.make_index(tmp_path, embedder, chunk_size=64, chunk_overlap=8)
        rebuilt = self.make_index(tmp_path, embedder, chunk_size=64, chunk_overlap=8, allow_mismatch=True)
        assert rebuilt.reindex() == 1
        rebuilt.close()
        reopened = self.make_index(tmp_path, embedder, chunk_size=64, chunk_overlap=8)
        assert reopened.stored_signature()["chunk_size"] == 64

    def test_the_answerer_reads_sentence_vectors_from_the_table(self, tmp_path, embedder, monkeypatch):
        index = self.make_index(tmp_path, embedder)
        index.ingest([HARBOUR, FARM])
        in_chroma = index.chroma.sentences_of(["harbour"])["harbour"]
        monkeypatch.setattr(index.chroma, "sentences_of", lambda ids: pytest.fail("asked Chroma for sentences"))
        got = index.sentences_of({"harbour": index.table.get("harbour").content_hash})["harbour"]
        assert [(s, e) for s, e, _ in got] == [(s, e) for s, e, _ in in_chroma]
        assert all(np.allclose(v, w, atol=1e-5) for (_, _, v), (_, _, w) in zip(got, in_chroma, strict=True))
        index.reindex()
        assert index.table.sentences_of(["harbour", "farm"]).keys() == {"harbour", "farm"}


class TestEmbeddedChroma(NewsIndexContract):
    def make_index(self, home, embedder, chunk_size=256, chunk_overlap=32, **kw) -> NewsIndex:
        return NewsIndex(home / "store", embedder=embedder, chunk_size=chunk_size, chunk_overlap=chunk_overlap, **kw)

    def test_opening_a_store_leaves_the_sentence_index_unloaded(self, tmp_path, embedder, monkeypatch):
        # Counting a collection loads its vector index (~1.5 GB of sentences at 100k chunks).
        from chromadb.api.models.Collection import Collection

        from vectorstore.chroma_store import SENTENCES

        self.make_index(tmp_path, embedder).ingest([HARBOUR])
        counted = []
        real = Collection.count
        monkeypatch.setattr(Collection, "count", lambda coll: counted.append(coll.name) or real(coll))
        reopened = self.make_index(tmp_path, embedder)
        assert reopened.chroma.chunk_count() == reopened.table.chunk_count()
        assert counted and SENTENCES not in counted


class TestChromaServer(NewsIndexContract):
    """The same contract against a real ``chroma run`` on 127.0.0.1, through ``open_client``'s server path."""

    @pytest.fixture(autouse=True)
    def _server(self, empty_chroma_server):
        self.url = empty_chroma_server

    def make_index(self, home, embedder, chunk_size=256, chunk_overlap=32, **kw) -> NewsIndex:
        return NewsIndex(
            home / "store", embedder=embedder, chunk_size=chunk_size, chunk_overlap=chunk_overlap,
            chroma_url=self.url, **kw,
        )  # fmt: skip

    def test_the_vectors_live_on_the_server(self, tmp_path, embedder):
        index = self.make_index(tmp_path, embedder)
        index.ingest([HARBOUR])
        assert not (tmp_path / "store" / "chroma").exists()
        assert index.chroma.counts()[0] == index.table.chunk_count() > 0
