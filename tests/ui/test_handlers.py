"""The app's handlers called directly, over the fake assistant (no server, no browser)."""

from __future__ import annotations

import pytest

from ui.articles import ArticleHandlers

pytestmark = pytest.mark.unit


class _FakeStore:
    def __init__(self):
        self.ingested = []

    def ingest(self, paths, *, progress=None):
        from assistant import IngestReport

        self.ingested.extend(paths)
        if progress is not None:
            progress("Indexing", 1, 1)
        return IngestReport(added=tuple(p.stem for p in paths))

    def articles(self):
        return []

    def article(self, article_id):
        from assistant import ArticleNotFoundError

        raise ArticleNotFoundError(article_id)


def test_upload_rejects_wrong_types_and_big_files_by_name_and_ingests_the_rest(tmp_path):
    store = _FakeStore()
    ok = tmp_path / "fine.md"
    ok.write_text("# Title\n\nBody.")
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF")
    big = tmp_path / "big.txt"
    big.write_text("x" * 2_000_000)
    kept = tmp_path / "home" / "uploads"
    handlers = ArticleHandlers(store, max_file_mb=1, upload_dir=kept)
    report, *_ = handlers.upload([str(ok), str(pdf), str(big)], "", progress=lambda *a, **k: None)
    assert store.ingested == [kept / "fine.md"]  # kept in the data folder, not Gradio's temporary copy
    assert (kept / "fine.md").read_text() == "# Title\n\nBody."
    assert "Added: fine" in report
    assert "Rejected: paper.pdf: not a .txt, .md, .html, .jsonl file" in report
    assert "Rejected: big.txt: larger than 1 MB (ASSISTANT_MAX_FILE_MB)" in report


def test_a_bad_viewer_request_says_so():
    handlers = ArticleHandlers(_FakeStore(), max_file_mb=1)
    assert "could not be opened" in handlers.open_citation("{not json")
    assert "Not found" in handlers.open_citation('{"article_id": "gone", "start": 0, "end": 3}')
