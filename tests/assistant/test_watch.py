"""``assistant watch``: a folder and a list of feeds, watched round after round on a real store.

The feed and its pages are served by a local HTTP server (127.0.0.1, a free
port); the embedder is the hash embedder, so no model loads.
"""

from __future__ import annotations

import threading

import pytest
from typer.testing import CliRunner

from assistant import Assistant, InvalidInputError, load_settings
from assistant.watch import Watcher, read_feed_list
from tests.vectorstore.test_web import BODY, Site, article_html, rss

pytestmark = pytest.mark.integration

STORY = ("Harbour strike ends\n\nDock workers in Port Avalon ended a nine-day strike on Friday after "
         "412 union members voted to accept a 6 percent raise.\n")
FARM = ("Drought hits growers\n\nWheat farmers in the Marren valley lost half their crop to drought this "
        "summer, the growers' association said.\n")


@pytest.fixture
def site():
    s = Site()
    yield s
    s.close()


@pytest.fixture
def make_assistant(hash_embedder, tmp_path):
    embedder = hash_embedder()

    def make() -> Assistant:
        return Assistant(load_settings(home=tmp_path / "home", reader="off"), embedder=embedder)

    return make


@pytest.fixture
def cli_app(make_assistant, monkeypatch):
    from assistant import cli

    monkeypatch.setattr(cli.root, "open_assistant", make_assistant)
    return cli.app


def test_watch_once_twice_adds_the_new_file_and_skips_the_old(cli_app, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "strike.txt").write_text(STORY, encoding="utf-8")
    first = CliRunner().invoke(cli_app, ["watch", str(folder), "--once"])
    assert first.exit_code == 0, first.output
    assert "round 1: 1 added, 0 replaced, 0 unchanged, 0 failed" in first.output
    assert "added: strike" in first.output

    (folder / "farm.txt").write_text(FARM, encoding="utf-8")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")
    second = CliRunner().invoke(cli_app, ["watch", str(folder), "--once"])
    # A new process knows nothing of the last one: the old file is read again and found unchanged.
    assert "round 1: 1 added, 0 replaced, 1 unchanged, 1 failed" in second.output
    assert "added: farm" in second.output and "notes.pdf: unsupported file type" in second.output
    assert second.exit_code == 2  # --once exits 2 when something failed, as ingest does
    listed = CliRunner().invoke(cli_app, ["list"])
    assert "strike" in listed.output and "farm" in listed.output


def test_rounds_read_only_new_and_changed_files(make_assistant, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "strike.txt").write_text(STORY, encoding="utf-8")
    (folder / "broken.txt").write_bytes(b"\xff\xfe not utf-8")
    with make_assistant() as assistant:
        watcher = Watcher(assistant, folder=folder)
        one = watcher.round()
        assert (one.added, one.unchanged, [f.source for f in one.failed]) == (
            ("strike",), (), [str(folder / "broken.txt")])
        two = watcher.round()  # nothing changed: nothing read, the bad file not reported again
        assert (two.n, two.added, two.replaced, two.unchanged, two.failed, two.skipped_files) == (
            2, (), (), (), (), 2)
        (folder / "farm.txt").write_text(FARM, encoding="utf-8")
        (folder / "strike.txt").write_text(STORY.replace("412", "415"), encoding="utf-8")
        (folder / "broken.txt").write_text("Broken no more\n\nThe file was fixed and now reads as text.\n")
        three = watcher.round()
        assert set(three.added) == {"farm", "broken"} and three.replaced == ("strike",)
        assert three.summary() == "round 3: 2 added, 1 replaced, 0 unchanged, 0 failed"
        assert "415" in assistant.article("strike").text
        [old] = assistant.article_history("strike")
        assert old.title == "Harbour strike ends"


def test_run_stops_after_its_rounds_and_when_told(make_assistant, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "strike.txt").write_text(STORY, encoding="utf-8")
    with make_assistant() as assistant:
        watcher = Watcher(assistant, folder=folder)
        assert [r.n for r in watcher.run(interval_s=0, rounds=3)] == [1, 2, 3]
        stop = threading.Event()
        seen = []
        for result in watcher.run(interval_s=30, stop=stop):
            seen.append(result.n)
            stop.set()  # as Ctrl-C's handler would: the wait ends at once, no round after it
        assert seen == [4]


def test_watch_feeds_fetches_items_and_replaces_a_changed_page(cli_app, site, tmp_path):
    site.html("/news/harbour", article_html("Port Linden approves harbour dredging plan", BODY))
    site.html("/news/ferry", article_html("Ferry fares rise again", [p.replace("harbour", "ferry") for p in BODY]))
    site.pages["/rss"] = (200, "application/rss+xml", rss(site.base, ["/news/harbour", "/news/ferry"]).encode())
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(f"# the town's paper\n{site.base}/rss\n\n", encoding="utf-8")

    first = CliRunner().invoke(cli_app, ["watch", "--feeds", str(feeds), "--once"])
    assert first.exit_code == 0, first.output
    assert "round 1: 2 added, 0 replaced, 0 unchanged, 0 failed" in first.output
    changed = BODY[:2] + ["The regional court on Friday suspended the dredging until a study is finished."]
    site.html("/news/harbour", article_html("Court halts dredging", changed))
    second = CliRunner().invoke(cli_app, ["watch", "--feeds", str(feeds), "--rounds", "1", "--interval", "0"])
    assert second.exit_code == 0, second.output
    assert "round 1: 0 added, 1 replaced, 1 unchanged, 0 failed" in second.output
    assert f"replaced: {site.base}/news/harbour" in second.output


def test_bad_watch_arguments_are_clear_errors(make_assistant, tmp_path):
    feeds = tmp_path / "feeds.txt"
    feeds.write_text("https://example.org/rss\nfeeds/local.xml\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="not http\\(s\\) URLs: feeds/local.xml"):
        read_feed_list(feeds)
    with make_assistant() as assistant:
        with pytest.raises(InvalidInputError, match="not a folder"):
            Watcher(assistant, folder=tmp_path / "missing")
        with pytest.raises(InvalidInputError, match="a folder or a file of feed URLs"):
            Watcher(assistant, folder=tmp_path, feeds=feeds)
        with pytest.raises(InvalidInputError, match="interval"):
            next(Watcher(assistant, folder=tmp_path).run(interval_s=-1))


def test_ctrl_c_stops_the_command_cleanly(cli_app, make_assistant, tmp_path, monkeypatch):
    from assistant import watch as watch_module

    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "strike.txt").write_text(STORY, encoding="utf-8")
    rounds = []

    def interrupted_after_one(self, *, progress=None):
        if rounds:
            raise KeyboardInterrupt
        rounds.append(1)
        return original(self, progress=progress)

    original = watch_module.Watcher.round
    monkeypatch.setattr(watch_module.Watcher, "round", interrupted_after_one)
    result = CliRunner().invoke(cli_app, ["watch", str(folder), "--interval", "0"])
    assert result.exit_code == 0, result.output
    assert "round 1: 1 added" in result.output and "stopped after 1 rounds" in result.output
    with make_assistant() as assistant:
        assert [a.id for a in assistant.articles()] == ["strike"] and assistant.check().consistent



def test_a_round_that_finds_the_store_locked_fails_and_the_watch_goes_on(hash_embedder, tmp_path):
    from filelock import FileLock

    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "strike.txt").write_text(STORY, encoding="utf-8")
    settings = load_settings(home=tmp_path / "home", reader="off", write_lock_timeout_s=0.3)
    with Assistant(settings, embedder=hash_embedder()) as assistant:
        assistant.ingest([folder])  # the store exists, then another writer holds it
        (folder / "farm.txt").write_text(FARM, encoding="utf-8")
        other = FileLock(str(settings.home / ".write.lock"))  # as another process takes it (its own flock)
        other.acquire(timeout=5)
        watcher = Watcher(assistant, folder=folder)
        results = []
        try:
            for result in watcher.run(interval_s=0, rounds=2):
                results.append(result)
                other.release(force=True)  # the writer finishes before the second round
        finally:
            other.release(force=True)
    busy, then = results
    assert busy.added == () and len(busy.failed) == 1 and ".write.lock" in busy.failed[0].reason
    assert then.n == 2 and set(then.added) == {"farm"} and then.unchanged == ("strike",)
