"""One writer at a time per store: a thread lock for this process, a file lock for the others.

Every write (ingest, remove, reindex, a repair, putting back a group an
interrupted ingest left) holds ``HOME/.write.lock``. Two processes writing
one store at once would each record the other's half-written group as their
own pending one, and two tantivy writers refuse each other anyway. Readers
never wait for it: they only ask, without waiting, whether a writer is busy,
so that they leave its group in flight alone (``NewsIndex._settle``).

The file lock is an ``flock`` (``filelock``): the kernel drops it with the
process holding it, so a killed ingest leaves no stale lock behind.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import WriterBusy

__all__ = ["WriteLock", "LOCK_NAME"]

logger = logging.getLogger(__name__)

LOCK_NAME = ".write.lock"


class WriteLock:
    """Reentrant in the thread holding it; ``timeout_s`` bounds the wait for another writer."""

    def __init__(self, path: Path, *, timeout_s: float):
        from filelock import FileLock

        self.path = path
        self.timeout_s = timeout_s
        # Threads of this process queue on the RLock; the file lock is then
        # shared by whichever thread holds the RLock (hence not thread-local).
        self._threads = threading.RLock()
        self._file = FileLock(str(path), thread_local=False)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock, waiting up to ``timeout_s``; ``WriterBusy`` after that."""
        from filelock import Timeout

        deadline = time.monotonic() + self.timeout_s
        if not self._threads.acquire(blocking=False):
            self._waiting()
            if not self._threads.acquire(timeout=self.timeout_s):
                raise self._busy()
        try:
            try:
                self._file.acquire(blocking=False)
            except Timeout:
                self._waiting()
                try:
                    self._file.acquire(timeout=max(deadline - time.monotonic(), 0.0))
                except Timeout:
                    raise self._busy() from None
            try:
                yield
            finally:
                self._file.release()
        finally:
            self._threads.release()

    @contextmanager
    def attempt(self) -> Iterator[bool]:
        """Hold the lock if nobody does, without waiting; yields whether it is held.

        A store whose folder can't take a lock file (read-only, a snapshot
        copied to a reader) has no writer to wait for: that counts as held.
        """
        if not self._threads.acquire(blocking=False):
            yield False
            return
        try:
            got = self._try_file()
            try:
                yield got is not False
            finally:
                if got is True:
                    self._file.release()
        finally:
            self._threads.release()

    def _try_file(self) -> bool | None:
        """True: taken; False: another process holds it; None: no lock file can be made here."""
        from filelock import Timeout

        try:
            self._file.acquire(blocking=False)
        except Timeout:
            return False
        except OSError as exc:
            logger.debug("no write lock in %s (%s): nobody can be writing", self.path.parent, exc)
            return None
        return True

    def _waiting(self) -> None:
        logger.warning("another ingest is running (it holds %s): waiting up to %g s", self.path, self.timeout_s)

    def _busy(self) -> WriterBusy:
        return WriterBusy(
            f"another ingest (or another write to this store) is running: the write lock {self.path} "
            f"is still held after {self.timeout_s:g} s",
            lock_path=self.path,
        )
