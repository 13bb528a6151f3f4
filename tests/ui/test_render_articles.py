"""Unit tests of the viewer, article list and upload report HTML."""

from __future__ import annotations

import pytest

from assistant import Article, IngestReport, Rejected
from ui.render import render_question_html, render_step_html
from ui.render_articles import render_article_html, render_article_list, render_ingest_report

pytestmark = pytest.mark.unit

TEXT = "First paragraph.\n\nIt said <script>alert(1)</script> *loudly*. Then more.\n\nLast one."


def _article(**overrides) -> Article:
    fields = dict(
        id="a<1>", title="A <b>bold</b> title", outlet="Out & About", agencies=("Reuters",), published="2024-01-02",
        source="up/a.txt", content_hash="h", text=TEXT,
    )  # fmt: skip
    fields.update(overrides)
    return Article(**fields)


def test_viewer_marks_exactly_the_cited_slice_and_escapes_everything():
    start = TEXT.index("It said")
    end = TEXT.index(" Then")
    out = render_article_html(_article(), start, end)
    marked = out.split('<mark class="cited" id="cited">')[1].split("</mark>")[0]
    assert marked == "It said &lt;script&gt;alert(1)&lt;/script&gt; *loudly*."
    assert "<script>" not in out and "<b>" not in out
    assert "A &lt;b&gt;bold&lt;/b&gt; title" in out
    assert '<span class="article-outlet">Out &amp; About</span>' in out
    assert "2024-01-02" in out and "up/a.txt" in out and "wire: Reuters" in out
    assert out.count("<p>") == 3


def test_a_quote_across_paragraphs_is_marked_in_each():
    out = render_article_html(_article(), TEXT.index("paragraph."), TEXT.index(" Then"))
    assert out.count("<mark") == 2 and out.count("</mark>") == 2
    assert out.count('id="cited"') == 1


def test_bad_offsets_show_the_article_unmarked():
    out = render_article_html(_article(), 5, 10_000)
    assert "<mark" not in out and "First paragraph." in out


def test_article_list_shows_title_outlet_date_size_escaped():
    a = _article()
    out = render_article_list([a], {a.id: 2500}, total=3)
    assert "A &lt;b&gt;bold&lt;/b&gt; title" in out and "Out &amp; About" in out
    assert "2024-01-02" in out and "2.5k chars" in out and "1 of 3 articles" in out
    assert "No stored article matches &#x27;zzz&#x27;." in render_article_list([], {}, query="zzz", total=3)


def test_ingest_report_names_added_unchanged_and_rejected_with_why():
    report = IngestReport(added=("new1",), unchanged=("old1",), rejected=(Rejected("bad.jsonl:3", "no text"),))
    out = render_ingest_report(report, [Rejected("big.txt", "larger than 1 MB <x>")])
    assert "Added: new1" in out and "Unchanged, skipped: old1" in out
    assert "Rejected: bad.jsonl:3: no text" in out and "Rejected: big.txt: larger than 1 MB &lt;x&gt;" in out
    assert "Nothing to add." in render_ingest_report(IngestReport())


def test_a_question_and_a_step_are_text():
    assert render_question_html("Is *this* <i>it</i>?") == '<p class="user-question">Is *this* &lt;i&gt;it&lt;/i&gt;?</p>'
    assert "Reading 6 passages…" in render_step_html("Reading 6 passages…")
