"""The BM25 index's term statistics, on invented chunks (no model)."""

from __future__ import annotations

import pytest

from vectorstore.bm25_index import BM25Index, tokenize

pytestmark = pytest.mark.unit


@pytest.fixture
def index(tmp_path):
    bm25 = BM25Index(tmp_path / "bm25")
    bm25.rebuild(
        ["a:0-10", "b:0-10", "c:0-10"],
        ["Freedonian troops crossed the river at dawn.", "The river flooded the valley farms.", "Farmers sold grain."],
    )
    return bm25


def test_a_country_is_known_through_its_demonym(index):
    (country,) = tokenize("Freedonia")
    assert country not in tokenize("Freedonian troops")  # the stemmer keeps them apart
    assert index.knows(country)
    assert index.idf(country) == index.idf(tokenize("Freedonian")[0]) > 0


def test_unseen_and_short_terms_stay_unknown(index):
    assert not index.knows("zanzibar")
    assert index.idf("zanzibar") == 0.0
    assert not index.knows("riv")  # short stems never borrow: "riv" is not "river"


def test_the_index_survives_a_reload(index, tmp_path):
    again = BM25Index(tmp_path / "bm25")
    assert again.ids == index.ids
    assert again.search("river valley", top_k=1)[0][0] == "b:0-10"


def test_kin_are_found_both_ways_and_the_commonest_sets_the_frequency(tmp_path):
    bm25 = BM25Index(tmp_path / "bm25")
    bm25.rebuild(["a", "b", "c"], ["Freedonian troops", "Freedonian farmers", "Freedonia"])
    demonym, country = tokenize("Freedonian Freedonia")
    assert bm25.idf(demonym) < bm25.idf(country)  # in two chunks against one
    # an unseen stem that both start with borrows the commoner one's frequency
    assert bm25.idf("freedon") == bm25.idf(demonym)
    # an unseen longer form borrows from the indexed term it starts with
    assert bm25.idf(demonym + "ville") == bm25.idf(demonym)


@pytest.mark.parametrize("term", ["zanzi", "zanzibarian"])  # no prefix of a 5-letter term is long enough
def test_a_term_with_no_kin_is_unknown(index, term):
    assert not index.knows(term)
    assert index.idf(term) == 0.0


def test_updates_add_and_remove_articles_and_persist(index, tmp_path):
    index.update(remove_articles=["b"], ids=["d:0-20", "d:21-40"], texts=["The valley river froze.", "Grain prices rose."])
    assert sorted(index.ids) == ["a:0-10", "c:0-10", "d:0-20", "d:21-40"]
    assert [cid for cid, _ in index.search("river valley", top_k=5)] == ["d:0-20", "a:0-10"]
    again = BM25Index(tmp_path / "bm25")
    assert again.count == 4 and again.search("grain", top_k=1)[0][0] in ("c:0-10", "d:21-40")


def test_allowed_limits_the_hits_and_an_empty_set_finds_nothing(index):
    assert [cid for cid, _ in index.search("river", top_k=5, allowed={"a:0-10", "c:0-10"})] == ["a:0-10"]
    assert index.search("river", top_k=5, allowed=set()) == []


def test_ids_with_any_characters_are_removed_by_article(tmp_path):
    bm25 = BM25Index(tmp_path / "bm25")
    odd = 'news/2023 "x" 50%_off 🚀'
    bm25.update(ids=[f"{odd}:0-9", "other:0-9"], texts=["Harbour strike ends.", "Harbour strike ends."])
    bm25.update(remove_articles=[odd])
    assert bm25.ids == ["other:0-9"]


def test_an_old_bm25s_folder_is_replaced(tmp_path):
    old = tmp_path / "bm25"
    (old / "model").mkdir(parents=True)
    (old / "ids.json").write_text('{"ids": ["a:0-1"], "df": {}}')
    bm25 = BM25Index(old)
    assert bm25.count == 0 and not (old / "ids.json").exists()


def test_terms_primed_in_one_call_are_each_texts_own(monkeypatch):
    from vectorstore import bm25_index

    texts = ["The councils voted on Monday.", "Azerbaijani forces seized 20 posts.", "", "Running runners ran."]
    calls = []
    real = bm25_index.tokenize_many
    monkeypatch.setattr(bm25_index, "tokenize_many", lambda ts: calls.append(list(ts)) or real(ts))
    fresh = [f"{t} (primed {id(calls)})" for t in texts]  # not kept from an earlier test
    bm25_index.prime(fresh + fresh[:1])
    assert len(calls) == 1 and calls[0] == fresh  # duplicates tokenised once
    assert [bm25_index.tokenize(t) for t in fresh] == [real([t])[0] for t in fresh]
    assert len(calls) == 1  # every later lookup is kept


def test_terms_are_bm25s_own_tokenizer():
    import bm25s
    import Stemmer

    from vectorstore import bm25_index

    texts = [
        "The councils voted on Monday to close the harbour road, officials said.",
        "Azerbaijani forces seized 20 posts; Hikmet Hajiyev's statement followed.",
        "Ünïcödé 東京 🚀 “quotes” — dashes, Don't can't O'Neill's 1,200.5 km²",
        "THE The the a I x",
        "",
    ]
    english = Stemmer.Stemmer("english")  # PyStemmer's Snowball stemmer, as bm25s's docs pair them
    want = bm25s.tokenize(texts, stopwords="en", stemmer=english, return_ids=False, show_progress=False)
    assert bm25_index.tokenize_many(texts) == [list(t) for t in want]
    assert [bm25_index.tokenize_many([t])[0] for t in texts] == [list(t) for t in want]
