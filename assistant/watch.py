"""Keep ingesting what appears: a folder's new and changed files, or the items of a list of feeds.

A ``Watcher`` runs rounds; each round is one ``Assistant.ingest`` of what
may have changed, and returns a ``WatchRound`` (added, replaced, unchanged,
failed). ``run`` repeats rounds at an interval until told to stop.

A folder: a file is read again only when its size or modification time
changed since the round that last read it, so a quiet folder of thousands of
files costs a ``stat`` each per round. A file that could not be read (half
written, say) is tried again once it changes. Files that disappear are not
removed from the archive: watching only adds and replaces.

Feeds: the file of feed URLs (one a line; blank lines and ``#`` comments
skipped) is read again every round, so editing it takes effect at the next
one; every item's page is fetched each round, and a page that changed
replaces the stored copy (its earlier version goes to the article's history).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from vectorstore.loading import iter_files

from .api import Assistant
from .archive import Progress
from .errors import InvalidInputError, StoreBusyError
from .types import IngestReport, Rejected

logger = logging.getLogger(__name__)

__all__ = ["WatchRound", "Watcher", "read_feed_list"]


@dataclass(frozen=True, slots=True)
class WatchRound:
    """What one round did; ``failed`` are the sources that could not be ingested, with why."""

    n: int
    added: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    failed: tuple[Rejected, ...] = ()
    skipped_files: int = 0   # folder files not read again: unmodified since they were last read

    def summary(self) -> str:
        line = (f"round {self.n}: {len(self.added)} added, {len(self.replaced)} replaced, "
                f"{len(self.unchanged)} unchanged, {len(self.failed)} failed")
        return line + (f" ({self.skipped_files} files not modified)" if self.skipped_files else "")


def read_feed_list(path: Path) -> list[str]:
    """The feed URLs in ``path``: one a line, blank lines and ``#`` comments skipped."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"cannot read the feed list {path}: {getattr(exc, 'strerror', None) or exc}") from None
    urls = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    bad = [u for u in urls if not u.lower().startswith(("http://", "https://"))]
    if bad:
        raise InvalidInputError(f"the feed list {path} holds lines that are not http(s) URLs: {', '.join(bad[:3])}")
    return urls


class Watcher:
    """Watch one folder (``folder``) or one file of feed URLs (``feeds``) for an ``Assistant``."""

    def __init__(self, assistant: Assistant, *, folder: str | Path | None = None,
                 feeds: str | Path | None = None) -> None:
        if (folder is None) == (feeds is None):
            raise InvalidInputError("watch needs a folder or a file of feed URLs (one of them)")
        if folder is not None and not Path(folder).is_dir():
            raise InvalidInputError(f"not a folder: {folder}")
        if feeds is not None and not Path(feeds).is_file():
            raise InvalidInputError(f"no such feed list: {feeds}")
        self.assistant = assistant
        self.folder = Path(folder) if folder is not None else None
        self.feeds = Path(feeds) if feeds is not None else None
        self.rounds_done = 0
        self._read: dict[str, tuple[int, int]] = {}  # path -> (size, mtime_ns) when last read
        self._reported: set[tuple[str, str]] = set()  # listing rejections already reported

    def _changed_files(self) -> tuple[list[str], list[Rejected], dict[str, tuple[int, int]], int]:
        """(files new or changed since read, listing rejections not reported yet, their stats, files skipped)."""
        files, rejected = iter_files([self.folder])
        changed, stats, skipped = [], {}, 0
        for path in files:
            try:
                st = path.stat()
            except OSError:
                continue  # gone between the listing and now
            stats[str(path)] = (st.st_size, st.st_mtime_ns)
            if self._read.get(str(path)) == stats[str(path)]:
                skipped += 1
            else:
                changed.append(str(path))
        # A link or an unsupported file is reported the first round it is seen, not every round.
        fresh = [Rejected(source, reason) for source, reason in rejected if (source, reason) not in self._reported]
        self._reported.update((r.source, r.reason) for r in fresh)
        return changed, fresh, stats, skipped

    def round(self, *, progress: Progress | None = None) -> WatchRound:
        """Ingest what may have changed since the last round; returns what happened."""
        n = self.rounds_done + 1
        if self.folder is not None:
            changed, listed, stats, skipped = self._changed_files()
            report = self.assistant.ingest(changed, progress=progress) if changed else IngestReport()
            # Read, kept or rejected: either way it is read again only once it changes
            # (a half-written file that was rejected changes when the writer finishes).
            self._read.update(stats)
            failed = tuple(listed) + report.rejected
        else:
            urls = read_feed_list(self.feeds)
            report = self.assistant.ingest(urls, progress=progress) if urls else IngestReport()
            failed, skipped = report.rejected, 0
        self.rounds_done = n
        result = WatchRound(n, report.added, report.replaced, report.unchanged, failed, skipped)
        logger.info("watch %s", result.summary())
        return result

    def run(self, *, interval_s: float, rounds: int | None = None, stop: threading.Event | None = None,
            progress: Progress | None = None) -> Iterator[WatchRound]:
        """Rounds every ``interval_s`` seconds until ``rounds`` are done or ``stop`` is set (yields each)."""
        if interval_s < 0:
            raise InvalidInputError(f"the interval must be 0 seconds or more, not {interval_s:g}")
        stop = stop or threading.Event()
        done = 0
        while not stop.is_set():
            try:
                result = self.round(progress=progress)
            except StoreBusyError as exc:
                # Another writer held the store past the lock timeout: this round is lost, not the watch.
                self.rounds_done += 1
                result = WatchRound(self.rounds_done, failed=(Rejected(str(self.folder or self.feeds), str(exc)),))
            yield result
            done += 1
            if rounds is not None and done >= rounds:
                return
            stop.wait(interval_s)
