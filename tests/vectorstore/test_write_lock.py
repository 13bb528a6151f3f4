"""One writer at a time: the store's write lock, held by another process (or thread), bounds how long a write waits."""

from __future__ import annotations

import threading
import time

import pytest
from filelock import FileLock

from vectorstore.errors import WriterBusy
from vectorstore.index import NewsIndex
from vectorstore.loading import LoadedArticle
from vectorstore.write_lock import LOCK_NAME, WriteLock


def article(aid: str, body: str) -> LoadedArticle:
    return LoadedArticle(
        id=aid, title=aid, outlet="The Ledger", agencies=(), published="2024-05-04", source=f"{aid}.txt", text=body
    )


HARBOUR = article("harbour", "Harbour strike ends\n\nDock workers in Port Avalon ended a nine-day strike on Friday.")
FARM = article("farm", "Drought hits growers\n\nWheat farmers in the Marren valley lost half their crop to drought.")


@pytest.fixture
def other_process_lock(tmp_path):
    """Takes ``path`` the way another process would (its own flock on its own descriptor)."""
    held = []

    def take(path):
        lock = FileLock(str(path))
        lock.acquire(timeout=5)
        held.append(lock)
        return lock

    yield take
    for lock in held:
        lock.release(force=True)


@pytest.mark.unit
def test_a_held_lock_makes_a_writer_wait_then_fail_naming_the_file(tmp_path, other_process_lock):
    path = tmp_path / LOCK_NAME
    other_process_lock(path)
    lock = WriteLock(path, timeout_s=0.3)
    t0 = time.monotonic()
    with pytest.raises(WriterBusy, match="another ingest") as caught:
        with lock.held():
            pytest.fail("got a lock someone else holds")
    assert 0.25 <= time.monotonic() - t0 < 5
    assert str(path) in str(caught.value) and caught.value.lock_path == path


@pytest.mark.unit
def test_the_lock_is_reentrant_and_free_again_after(tmp_path):
    lock = WriteLock(tmp_path / LOCK_NAME, timeout_s=0.2)
    with lock.held():
        with lock.held():
            with lock.attempt() as free:
                assert free  # the holder itself
    other = WriteLock(tmp_path / LOCK_NAME, timeout_s=0.2)
    with other.held():
        with lock.attempt() as free:
            assert not free
    with lock.attempt() as free:
        assert free


@pytest.mark.unit
def test_a_second_thread_waits_for_the_first(tmp_path):
    lock = WriteLock(tmp_path / LOCK_NAME, timeout_s=5)
    order = []
    entered = threading.Event()

    def second():
        entered.wait()
        with lock.held():
            order.append("second")

    thread = threading.Thread(target=second)
    thread.start()
    with lock.held():
        entered.set()
        time.sleep(0.2)
        with lock.attempt() as free:
            assert free  # this thread holds it
        order.append("first")
    thread.join(timeout=10)
    assert order == ["first", "second"]


@pytest.mark.integration
def test_writes_wait_for_another_writer_and_reads_do_not(tmp_path, hash_embedder, other_process_lock):
    home = tmp_path / "store"
    index = NewsIndex(home, embedder=hash_embedder(), chunk_size=256, chunk_overlap=32, write_lock_timeout_s=0.3)
    index.ingest([HARBOUR])
    other_process_lock(home / LOCK_NAME)
    for write in (lambda: index.ingest([FARM]), lambda: index.remove("harbour"), index.reindex,
                  lambda: index.check(repair=True)):  # fmt: skip
        with pytest.raises(WriterBusy, match=LOCK_NAME):
            write()
    assert index.table.ids() == ["harbour"]
    assert index.bm25.search("strike", top_k=1)[0][0].startswith("harbour:")  # readers never wait
    assert index.check().consistent


@pytest.mark.integration
def test_a_reader_leaves_the_pending_group_of_a_running_writer_alone(tmp_path, hash_embedder, other_process_lock, monkeypatch):
    home = tmp_path / "store"
    index = NewsIndex(home, embedder=hash_embedder(), chunk_size=256, chunk_overlap=32)
    index.ingest([HARBOUR])
    monkeypatch.setattr(index.chroma, "near_copies", lambda *a, **k: (_ for _ in ()).throw(OSError("stop here")))
    with pytest.raises(OSError):
        index.ingest([FARM])  # as a writer that is still at work leaves it: pending, Chroma ahead of the table
    monkeypatch.undo()
    index.close()

    other_process_lock(home / LOCK_NAME)  # ... and that writer still holds the lock
    reader = NewsIndex(home, embedder=hash_embedder(), chunk_size=256, chunk_overlap=32)
    assert reader.chroma.chunk_count() == 2  # opened without "restoring" the group or refusing the counts
    assert reader.table.get_meta("pending") == '["farm"]'
    busy = reader.check()
    assert busy.found.writer_busy and busy.found.problems()[0].startswith("an ingest is running now")
    reader.close()


@pytest.mark.integration
def test_a_pending_group_is_put_back_on_open_once_nobody_writes(tmp_path, hash_embedder, monkeypatch):
    home = tmp_path / "store"
    index = NewsIndex(home, embedder=hash_embedder(), chunk_size=256, chunk_overlap=32)
    index.ingest([HARBOUR])
    monkeypatch.setattr(index.chroma, "near_copies", lambda *a, **k: (_ for _ in ()).throw(OSError("stop here")))
    with pytest.raises(OSError):
        index.ingest([FARM])
    monkeypatch.undo()
    index.close()
    embedder = hash_embedder()
    reader = NewsIndex(home, embedder=embedder, chunk_size=256, chunk_overlap=32)
    assert reader.chroma.chunk_count() == 1 and reader.table.get_meta("pending") is None
    assert embedder.calls == 0  # put back from the table's stored vectors
    assert reader.check().consistent


@pytest.mark.integration
def test_a_check_without_repair_lets_a_writer_in_while_it_looks(tmp_path, hash_embedder, monkeypatch):
    home = tmp_path / "store"
    index = NewsIndex(home, embedder=hash_embedder(), chunk_size=256, chunk_overlap=32)
    index.ingest([HARBOUR])
    writer = WriteLock(home / LOCK_NAME, timeout_s=0)  # another process's, in effect: its own flock
    table = index.table
    real = table.ids_without_rows  # read by the check while it looks, after it has asked who writes
    got_in = []

    def looking():
        with writer.held():  # another writer takes the lock mid-check (WriterBusy here would fail the test)
            got_in.append(True)
        return real()

    monkeypatch.setattr(table, "ids_without_rows", looking)
    assert index.check().consistent and got_in == [True]
    with pytest.raises(WriterBusy):
        index.check(repair=True)  # a repair holds it: the writer is kept out
