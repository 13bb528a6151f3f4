"""A full disk, however a layer reports it, leaves the assistant as one ``DiskFullError`` naming the disk.

The whole path (a real tmpfs filled mid-ingest, the CLI) is in
``test_full_disk.py``; these pin the translation itself.
"""

from __future__ import annotations

import errno
import sqlite3

import pytest

from assistant import DiskFullError, StoreError, UserError
from assistant.store_errors import store_errors
from vectorstore.errors import StoreUnavailable

pytestmark = pytest.mark.unit


def test_enospc_from_any_layer_names_the_file_and_what_to_do(tmp_path):
    target = tmp_path / "home" / "bm25" / "segment"
    with pytest.raises(DiskFullError) as caught, store_errors(tmp_path / "home"):
        raise OSError(errno.ENOSPC, "No space left on device", str(target))
    message = str(caught.value)
    assert message.startswith(f"the disk holding {target} is full (No space left on device; ")
    assert "bytes free" in message and "assistant check --repair" in message
    assert isinstance(caught.value, UserError) and caught.value.path == target


def test_sqlite_and_wrapped_chroma_full_errors_name_the_home(tmp_path):
    home = tmp_path / "home"
    with pytest.raises(DiskFullError, match=rf"^the disk holding {home} is full \(database or disk is full; "):
        with store_errors(home):
            raise sqlite3.OperationalError("database or disk is full")
    chroma = StoreUnavailable(f"the Chroma store in {home}/chroma failed: InternalError: (code: 13) database or disk is full")
    with pytest.raises(DiskFullError, match=rf"^the disk holding {home} is full \(the Chroma store in "):
        with store_errors(home):
            raise chroma


def test_a_chroma_server_out_of_room_is_said_to_be_the_servers_disk(tmp_path):
    failure = StoreUnavailable("the Chroma server at http://db:8000 failed: InternalError: database or disk is full")
    with pytest.raises(DiskFullError, match="Chroma server's disk is full; free space there") as caught:
        with store_errors(tmp_path):
            raise failure
    assert str(tmp_path) not in str(caught.value)


def test_other_failures_with_room_on_the_disk_stay_what_they_were(tmp_path):
    # tmp_path's disk has far more than NEARLY_FULL_BYTES free.
    with pytest.raises(StoreError, match="cannot reach the Chroma server"), store_errors(tmp_path):
        raise StoreUnavailable("cannot reach the Chroma server at http://db:8000: refused")
    with pytest.raises(ValueError, match="a bug"), store_errors(tmp_path):
        raise ValueError("a bug")
