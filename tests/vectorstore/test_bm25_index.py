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
