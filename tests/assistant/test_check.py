"""Assistant.check on the real seeds and model: drift of every kind found, repaired, and the answers as before."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from filelock import FileLock

from assistant import Assistant, CheckReport, StoreBusyError, StoreError, UserError, load_settings
from vectorstore.bm25_index import BM25Index
from vectorstore.chroma_store import CHUNKS, SENTENCES, open_http_client, open_persistent_client

pytestmark = pytest.mark.integration

QUESTIONS = (
    "How many military posts did Azerbaijan say it seized?",
    "Who is Hikmet Hajiyev?",
    "What did Blinken say?",
    "Which countries condemned the offensive?",
)


def _answers(assistant: Assistant) -> list[dict]:
    out = []
    for question in QUESTIONS:
        answer = assistant.ask(question).to_dict()
        answer.pop("timings_ms")
        passages = [p.to_dict() for p in assistant.search(question)]
        out.append({"answer": answer, "passages": passages})
    return out


def _drift(home, embedder) -> tuple[str, str]:
    """Every kind of drift at once, written behind the store's back; returns the two seed ids."""
    import sqlite3

    with sqlite3.connect(home / "articles.sqlite3") as db:
        first, second = [row[0] for row in db.execute("SELECT id FROM articles ORDER BY id")]
        chunk = db.execute("SELECT id FROM chunks WHERE article_id = ? ORDER BY start", (first,)).fetchone()[0]
        # a remove of the second article that stopped after it was recorded as pending
        db.execute("INSERT OR REPLACE INTO meta VALUES ('pending', ?)", (json.dumps([second]),))
    client = open_persistent_client(home / "chroma")
    client.get_collection(CHUNKS).delete(ids=[chunk])  # a chunk lost from Chroma
    sentences = client.get_collection(SENTENCES)
    sentences.delete(ids=sentences.get(where={"article_id": first}, include=[], limit=3)["ids"])
    vec = embedder.embed(["An orphan nobody stored."])
    client.get_collection(CHUNKS).add(ids=["ghost:0-24"], embeddings=vec, metadatas=[{"article_id": "ghost"}])
    bm25 = BM25Index(home / "bm25")
    bm25.update(remove_articles=[first], ids=["ghost:0-24"], texts=["An orphan nobody stored."])
    return first, second


def test_a_clean_store_is_consistent(seeded):
    report = seeded.check()
    assert isinstance(report, CheckReport)
    assert report.consistent and report.problems == () and report.repaired == () and report.remaining == ()
    assert report.counts["articles"] == 2
    assert report.counts["table_chunks"] == report.counts["chroma_chunks"] == report.counts["bm25_chunks"] > 0
    assert json.loads(json.dumps(report.to_dict()))["counts"] == report.counts
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.consistent = False  # type: ignore[misc]


def test_every_drift_is_reported_then_repaired_and_the_answers_are_as_on_a_clean_store(seeded, writable_seeded):
    expected = _answers(seeded)
    home, embedder = writable_seeded.settings.home, writable_seeded.embedder
    writable_seeded.close()
    first, second = _drift(home, embedder)

    with Assistant(load_settings(home=home, reader="off"), embedder=embedder) as assistant:
        found = assistant.check()
        assert not found.consistent and found.remaining == found.problems and found.repaired == ()
        text = "\n".join(found.problems)
        assert f"a group of 1 article(s) is still pending: '{second}'" in text
        assert "Chroma chunks: 1 of the table's" in text and f"'{first}'" in text
        assert "Chroma sentences: 3 of the table's" in text
        assert "Chroma chunks: 1 orphan(s)" in text and "'ghost' 1/0 (not in the table)" in text
        assert "BM25: " in text and "missing" in text and "BM25: 1 orphan(s)" in text

        repaired = assistant.check(repair=True)
        assert repaired.consistent, repaired.remaining
        assert repaired.problems == found.problems and repaired.remaining == ()
        assert repaired.repaired[0].startswith("rolled back the pending group of 1 article(s)")
        assert repaired.counts == seeded.check().counts

    with Assistant(load_settings(home=home, reader="off"), embedder=embedder) as again:
        assert again.check().consistent
        assert _answers(again) == expected


def test_a_drifted_store_asks_for_a_repair_when_opened_to_answer(writable_seeded):
    home, embedder = writable_seeded.settings.home, writable_seeded.embedder
    some = writable_seeded.articles()[0].id
    writable_seeded.close()
    open_persistent_client(home / "chroma").get_collection(CHUNKS).delete(where={"article_id": some})
    with Assistant(load_settings(home=home, reader="off"), embedder=embedder) as assistant:
        with pytest.raises(StoreError, match="assistant check --repair"):
            assistant.search("Who is Hikmet Hajiyev?")
        assert assistant.check(repair=True).consistent
    with Assistant(load_settings(home=home, reader="off"), embedder=embedder) as assistant:
        assert assistant.search("Who is Hikmet Hajiyev?")


def test_a_held_write_lock_is_a_user_error_naming_the_file(writable_seeded, tmp_path):
    home = writable_seeded.settings.home
    story = tmp_path / "mill.txt"
    story.write_text("Mill closes\n\nThe paper mill in Orren will close in March, its owners said on Tuesday.\n")
    before = [a.id for a in writable_seeded.articles()]
    writable_seeded.close()
    settings = load_settings(home=home, reader="off", write_lock_timeout_s=0.5)
    with FileLock(str(home / ".write.lock")):  # another process's ingest, as far as this one can tell
        with Assistant(settings, embedder=writable_seeded.embedder) as assistant:
            for write in (lambda: assistant.ingest([story]), lambda: assistant.remove(before[0]),
                          lambda: assistant.check(repair=True)):  # fmt: skip
                with pytest.raises(StoreBusyError, match="another ingest") as caught:
                    write()
                assert isinstance(caught.value, UserError)
                assert str(home / ".write.lock") in str(caught.value)
                assert "ASSISTANT_WRITE_LOCK_TIMEOUT_S" in str(caught.value)
            assert [a.id for a in assistant.articles()] == before
            assert assistant.search("Who is Hikmet Hajiyev?")  # readers never wait
            assert assistant.check().consistent
    with Assistant(settings, embedder=writable_seeded.embedder) as assistant:
        assert assistant.ingest([story]).added == ("mill",)


def test_with_a_chroma_server_the_lock_guards_the_local_table_and_check_repairs_the_server(
    empty_chroma_server, tmp_path, hash_embedder
):
    from assistant.settings import DEFAULT_SEEDS

    home = tmp_path / "home"
    settings = load_settings(home=home, reader="off", chroma_url=empty_chroma_server, write_lock_timeout_s=0.5)
    with Assistant(settings, embedder=hash_embedder()) as assistant:
        assistant.ingest([DEFAULT_SEEDS])
        assert assistant.check().consistent
    server = open_http_client(empty_chroma_server)
    lost = server.get_collection(CHUNKS).get(include=["embeddings"], limit=1)
    server.get_collection(CHUNKS).delete(ids=lost["ids"])

    with Assistant(settings, embedder=hash_embedder()) as assistant:
        found = assistant.check()
        assert not found.consistent and any("Chroma chunks: 1 of the table's" in p for p in found.problems)
        with FileLock(str(home / ".write.lock")):
            with pytest.raises(StoreBusyError, match=r"\.write\.lock"):
                assistant.check(repair=True)
        assert assistant.check(repair=True).consistent
    back = server.get_collection(CHUNKS).get(ids=lost["ids"], include=["embeddings"])
    assert np.allclose(back["embeddings"][0], lost["embeddings"][0], atol=1e-6)
