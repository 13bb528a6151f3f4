"""A derived index deleted from under the archive (the ``bm25/`` or the ``chroma/`` folder) comes back from the table.

The article table keeps every chunk's span and vector, so nothing is lost
with either folder: ``check`` names what is missing and ``check --repair``
writes it back without embedding anything; the answers are then as before.
"""

from __future__ import annotations

import shutil

import pytest

from assistant import Assistant, load_settings

pytestmark = pytest.mark.integration

QUESTION = "How many military posts did Azerbaijan say it seized?"


@pytest.fixture
def store(seeded_home, seeded, tmp_path):
    """A copy of the seeded store, not yet opened in this process (Chroma keeps one client per
    folder for the life of a process: a folder deleted under it is not what a user meets), and the
    answer the seeded store gives."""
    home = tmp_path / "home"
    shutil.copytree(seeded_home, home)
    return home, seeded.ask(QUESTION)


def open_store(home, embedder) -> Assistant:
    return Assistant(load_settings(home=home, reader="off"), embedder=embedder)


def test_a_deleted_bm25_folder_is_named_by_check_and_repaired_from_the_table(store, embedder):
    home, before = store
    shutil.rmtree(home / "bm25")
    with open_store(home, embedder) as assistant:
        found = assistant.check()
        assert not found.consistent and any("BM25" in p and "missing" in p for p in found.problems)
        repaired = assistant.check(repair=True)
        assert repaired.consistent and any("nothing embedded" in line for line in repaired.repaired)
        assert assistant.check().consistent
        after = assistant.ask(QUESTION)
    assert (after.text, after.citations) == (before.text, before.citations)


def test_a_deleted_chroma_folder_is_put_back_from_the_table(store, embedder):
    home, before = store
    shutil.rmtree(home / "chroma")
    with open_store(home, embedder) as assistant:
        counts = assistant.check(repair=True).counts
        assert counts["chroma_chunks"] == counts["table_chunks"] > 0
        assert assistant.check().consistent
        after = assistant.ask(QUESTION)
    assert (after.text, after.citations) == (before.text, before.citations)
