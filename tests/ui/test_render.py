"""Unit tests of the pure HTML rendering of answers."""

from __future__ import annotations

import pytest

from ui.render import render_answer_html, render_error_html

pytestmark = pytest.mark.unit


def test_answer_shows_text_and_one_card_per_citation(make_answer, make_citation):
    answer = make_answer(
        text="Two sources agree [1] [2].",
        citations=(
            make_citation(1),
            make_citation(2, outlet="Other Outlet", quote="Second quote."),
        ),
    )
    out = render_answer_html(answer)
    assert out.count('class="citation-card"') == 2
    assert "Example News" in out and "Other Outlet" in out
    assert "Azerbaijan claims control of Karabakh posts" in out
    assert "2023-09-20" in out
    assert '<blockquote class="citation-quote">Second quote.</blockquote>' in out
    assert out.index('data-n="1"') < out.index('data-n="2"')


def test_markers_stay_visible_and_are_highlighted(make_answer):
    out = render_answer_html(make_answer(text="Sixty posts [1]. Unknown [7]."))
    link = '<a class="cite-link" href="#open=a1&amp;start=10&amp;end=68" title="Open the article at this quote">[1]</a>'
    assert f'<sup class="cite-marker">{link}</sup>' in out
    # A marker without a card is left as plain text rather than pointing nowhere.
    assert "Unknown [7]." in out
    assert '<span class="citation-n">[1]</span>' in out


def test_everything_from_articles_is_escaped(make_answer, make_citation):
    evil = '<script>alert("x")</script> & <b>'
    answer = make_answer(
        text=f"{evil} [1]",
        notice=evil,
        citations=(make_citation(1, title=evil, outlet=evil, quote=evil, published=evil),),
    )
    out = render_answer_html(answer)
    assert "<script>" not in out and "<b>" not in out
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;"
    assert out.count(escaped) == 6  # text, notice, title, outlet, date, quote


def test_missing_date_and_outlet_are_said_plainly(make_answer, make_citation):
    citation = make_citation(1, published=None, outlet=None)
    out = render_answer_html(make_answer(citations=(citation,)))
    assert '<span class="citation-date">date unknown</span>' in out
    assert '<span class="citation-outlet">outlet unknown</span>' in out


def test_refusal_is_plain_with_its_notice_and_no_cards(make_answer):
    answer = make_answer(
        text="The articles don't answer this.",
        citations=(),
        refused=True,
        notice="Nothing about Australia.",
    )
    out = render_answer_html(answer)
    assert "answer-refused" in out
    assert "The articles don&#x27;t answer this." in out
    assert '<p class="answer-notice">Nothing about Australia.</p>' in out
    assert "citation-card" not in out


def test_notice_of_a_normal_answer_is_shown(make_answer):
    out = render_answer_html(make_answer(notice="Outlets disagree on the number."))
    assert "Outlets disagree on the number." in out
    assert "answer-refused" not in out


def test_output_never_has_a_blank_line(make_answer, make_citation):
    # A blank line would end the chat's raw HTML block and let Markdown rewrite quotes.
    answer = make_answer(
        text="Line one [1]\n\nline *two*",
        citations=(make_citation(1, quote="First.\n\n  \nSecond _x_."),),
    )
    out = render_answer_html(answer)
    assert "\n" not in out
    assert "First.<br>Second _x_." in out
    assert "Line one" in out and "line *two*" in out


def test_error_html_is_escaped():
    out = render_error_html("Something went wrong: <bad>")
    assert "&lt;bad&gt;" in out and "answer-error" in out


def test_a_rewritten_follow_up_shows_how_it_was_read(make_answer):
    out = render_answer_html(make_answer(question="What did he say?", rewritten_question="What did Tom <Reed> say?"))
    assert '<p class="answer-read-as">Read as: What did Tom &lt;Reed&gt; say?</p>' in out
    assert "Read as" not in render_answer_html(make_answer())
