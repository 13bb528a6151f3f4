"""The whole core over the fake store (``MemoryStore``) and hash vectors: no model, no Chroma, no disk."""

from __future__ import annotations

import json

import pytest

from assistant import Assistant, load_settings
from tests.conftest import HashEmbedder
from vectorstore.memory import MemoryStore

pytestmark = pytest.mark.unit

FERRY = {
    "id": "ferry", "title": "Ferry capsizes off Port Avalon", "outlet": "Coast Post", "published": "2024-03-01",
    "text": "Divers rescued 212 passengers from the ferry on Sunday. The ferry capsized near the harbour mouth.",
}  # fmt: skip
CAFES = {
    "id": "cafes", "title": "Cafes stay open", "outlet": "Bay Times", "published": "2024-03-02",
    "text": "Harbour cafes stayed open through the weekend. Visitors came from the city by train.",
}  # fmt: skip


@pytest.fixture
def assistant(tmp_path):
    source = tmp_path / "articles.jsonl"
    source.write_text("".join(json.dumps(a) + "\n" for a in (FERRY, CAFES)), encoding="utf-8")
    embedder = HashEmbedder()
    # Hash vectors are unrelated whatever the words: the reader-off similarity gate is turned off.
    settings = load_settings(home=tmp_path / "home", reader="off", min_similarity=0.0)
    with Assistant(settings, embedder=embedder, store=MemoryStore(embedder=embedder)) as assistant:
        assert assistant.ingest([source]).added == ("ferry", "cafes")
        yield assistant
    assert not (tmp_path / "home").exists()  # the given store was used; nothing was opened on disk


def test_it_answers_from_the_given_store_with_an_exact_quote(assistant):
    answer = assistant.ask("How many passengers did divers rescue from the ferry?")
    assert not answer.refused and "212" in answer.text
    (cited,) = {c.article_id for c in answer.citations}
    assert cited == "ferry"
    stored = assistant.article("ferry").text
    assert all(stored[c.start : c.end] == c.quote for c in answer.citations)
    assert any("212" in c.quote for c in answer.citations)


def test_listing_counting_and_removing_go_through_the_port(assistant):
    assert [a.id for a in assistant.articles()] == ["cafes", "ferry"]
    assert assistant.counts() == {"articles": 2, "chunks": 2}
    assert assistant.check().consistent
    assistant.remove("cafes")
    assert [a.id for a in assistant.articles()] == ["ferry"]
    assert all(c.article_id == "ferry" for c in assistant.search("harbour cafes weekend visitors", top_k=3))


def test_closing_the_assistant_leaves_the_given_store_in_use(assistant):
    assistant.close()
    assert assistant.article("ferry").title == FERRY["title"]
