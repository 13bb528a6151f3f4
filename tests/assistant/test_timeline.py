"""Time-aware answers on dated, invented articles with hand-made vectors (no model).

The latest figure leads, "how did X change" gives the figures in date order,
reports of one date stay a disagreement, and the as-of date is a filter.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import numpy as np
import pytest

from assistant import (
    Answer,
    AnswerContext,
    Citation,
    DatedFigure,
    ExtractiveAnswerer,
    InvalidInputError,
    Passage,
    asks_change,
    asks_latest,
    check_as_of,
    format_timeline,
)
from assistant.inputs import until_as_of
from tests.conftest import WordLexicon

pytestmark = pytest.mark.unit


def unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def context(question, q_vec, articles, published):
    """articles: {id: (outlet, [(sentence, vector), ...])}; published: {id: date or None}."""
    texts, sentences, passages, outlets = {}, {}, [], {}
    for aid, (outlet, sents) in articles.items():
        text, spans = "", []
        for sentence, vec in sents:
            spans.append((len(text), len(text) + len(sentence), vec))
            text += sentence + " "
        texts[aid], sentences[aid], outlets[aid] = text.rstrip(), spans, outlet
        passages.append(Passage(f"{aid}:0-{len(texts[aid])}", aid, 0, len(texts[aid]), texts[aid], 1.0))
    return AnswerContext(
        question, passages, q_vec, sentences, texts, WordLexicon(texts.values()), outlets, dict(published)
    )


DAY1 = "Coastguard officials said 7 fishing boats sank in the storm overnight."
DAY2 = "The number of fishing boats that sank in the storm rose to 12 on Tuesday, the harbour office said."
DAY3 = "At least 14 fishing boats are now known to have sunk in the storm, officials said on Wednesday."
FILLER = "Harbour cafes stayed open through the long weekend for visitors."
OUTLETS = {"a": "Coast Post", "b": "Bay Times", "c": "Coast Post"}


def story(question, published=None):
    """Three reports of a rising count, a day apart, the middle one ranked first."""
    articles = {
        "a": (OUTLETS["a"], [(DAY1, unit(0.9, 0.3, 0.1)), (FILLER, unit(0, 0, 1))]),
        "b": (OUTLETS["b"], [(DAY2, unit(1, 0.1, 0))]),
        "c": (OUTLETS["c"], [(DAY3, unit(0.95, 0.2, 0.1))]),
    }
    dates = published or {"a": "2024-03-01", "b": "2024-03-02", "c": "2024-03-03"}
    return context(question, unit(1, 0.1, 0), articles, dates)


def answer(ctx):
    return ExtractiveAnswerer(min_score=0.2).answer(ctx)


def check_cited(draft, ctx):
    """Every timeline entry's citation quotes its own article, holding its figure."""
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", draft.text)}
    assert markers == set(range(1, len(draft.citations) + 1))
    for entry in draft.timeline:
        cite = draft.citations[entry.n - 1]
        assert cite.article_id == entry.article_id
        assert entry.figure in ctx.texts[cite.article_id][cite.start : cite.end]
        assert entry.published == (ctx.updated.get(entry.article_id) or ctx.published[entry.article_id])


def test_a_count_reported_on_several_days_leads_with_the_newest_figure_and_its_date():
    ctx = story("How many fishing boats sank in the storm?")
    draft = answer(ctx)
    assert draft.text.startswith(f"14 (Coast Post, 2024-03-03), the latest of 3 reports: {DAY3} [1]")
    assert "Earlier reports: 7 (Coast Post, 2024-03-01) [2]; 12 (Bay Times, 2024-03-02) [3]." in draft.text
    assert [(e.published, e.figure, e.value) for e in draft.timeline] == [
        ("2024-03-01", "7", 7.0), ("2024-03-02", "12", 12.0), ("2024-03-03", "14", 14.0),
    ]  # fmt: skip
    assert "2024-03-01 and 2024-03-03" in draft.notice
    check_cited(draft, ctx)


def test_how_a_figure_changed_is_answered_with_the_figures_in_date_order():
    ctx = story("How did the number of fishing boats lost in the storm rise?")
    draft = answer(ctx)
    assert draft.text == (
        "From 7 to 14 over 3 reports, oldest first: 7 (Coast Post, 2024-03-01) [1]; "
        "12 (Bay Times, 2024-03-02) [2]; 14 (Coast Post, 2024-03-03) [3]."
    )
    assert [e.n for e in draft.timeline] == [1, 2, 3]
    check_cited(draft, ctx)


def test_reports_that_share_a_date_stay_a_disagreement():
    same_day = {"a": "2024-03-02", "b": "2024-03-02", "c": "2024-03-02"}
    draft = answer(story("How many fishing boats sank in the storm?", same_day))
    assert draft.timeline == ()
    assert draft.notice.startswith("The articles disagree:")


def test_two_reports_of_the_newest_date_that_differ_are_both_shown_and_named():
    draft = answer(story("How many fishing boats sank in the storm?", {"a": "2024-03-01", "b": "2024-03-03", "c": "2024-03-03"}))
    # The better ranked of the two newest leads; neither is called earlier.
    assert draft.text.startswith("12 (Bay Times, 2024-03-03), the latest of 3 reports:")
    assert "Other reports: 7 (Coast Post, 2024-03-01) [2]; 14 (Coast Post, 2024-03-03) [3]." in draft.text
    assert "The reports of 2024-03-03 disagree: Bay Times gives 12; Coast Post gives 14." in draft.notice


def test_an_updated_page_reports_as_of_its_update():
    # Article a's text is its version of 2024-03-04, so its figure is the newest report.
    ctx = replace(story("How many fishing boats sank in the storm?"), updated={"a": "2024-03-04"})
    draft = answer(ctx)
    assert draft.text.startswith("7 (Coast Post, 2024-03-04), the latest of 3 reports:")
    assert [(e.published, e.figure) for e in draft.timeline][-1] == ("2024-03-04", "7")


def test_undated_reports_make_no_timeline():
    draft = answer(story("How many fishing boats sank in the storm?", {"a": None, "b": None, "c": None}))
    assert draft.timeline == ()


def test_an_article_after_the_others_only_on_another_topic_does_not_join():
    ctx = story("How many fishing boats sank in the storm?")
    # Article c now counts something else, far in meaning from the boats.
    other = "Some 14 volunteers cleared the beach of litter on Wednesday."
    articles_c = (OUTLETS["c"], [(other, unit(0, 0.2, 1))])
    ctx2 = context(ctx.question, ctx.query_vector, {
        "a": (OUTLETS["a"], [(DAY1, unit(0.9, 0.3, 0.1))]), "b": (OUTLETS["b"], [(DAY2, unit(1, 0.1, 0))]), "c": articles_c,
    }, ctx.published)  # fmt: skip
    draft = answer(ctx2)
    assert "14" not in {e.figure for e in draft.timeline}
    assert "volunteers" not in draft.text


def test_a_question_about_the_present_prefers_the_newest_of_near_ties():
    old = "The harbour office said the port remained closed to ferries."
    new = "The harbour office said the port was closed to ferries on Wednesday."
    articles = {"a": ("Coast Post", [(old, unit(1, 0, 0))]), "b": ("Bay Times", [(new, unit(0.99, 0.12, 0))])}
    dates = {"a": "2024-03-01", "b": "2024-03-03"}
    still = answer(context("Is the port still closed to ferries?", unit(1, 0, 0), articles, dates))
    assert still.text.startswith(new)
    plain = answer(context("Was the port closed to ferries?", unit(1, 0, 0), articles, dates))
    assert plain.text.startswith(old)


@pytest.mark.parametrize(
    "question,latest",
    [
        ("How many people have died so far?", True),
        ("What is the latest death toll?", True),
        ("Is the road still closed?", True),
        ("How many are missing now?", True),
        ("How many people died in the fire?", False),
        ("Who knows the area?", False),  # "now" inside a word is not "now"
    ],
)
def test_questions_about_the_present_are_told_apart(question, latest):
    assert asks_latest(question) is latest


@pytest.mark.parametrize(
    "question,what",
    [
        ("How did the death toll rise?", "the death toll"),
        ("How has the number of arrests changed?", "the number of arrests"),
        ("How did the count of missing people fall over the week?", "the count of missing people"),
        ("How many people died?", None),
        ("How did the police react?", None),
    ],
)
def test_questions_about_a_change_name_the_quantity(question, what):
    assert asks_change(question) == what


def test_as_of_is_the_earlier_of_itself_and_until_and_a_bad_date_is_named():
    assert until_as_of(None, "2024-06-11") == dt.date(2024, 6, 11)
    assert until_as_of("2024-06-12", "2024-06-11") == dt.date(2024, 6, 11)
    assert until_as_of("2024-06-10", "2024-06-11") == dt.date(2024, 6, 10)
    assert until_as_of("2024-06-10", None) == "2024-06-10"
    assert check_as_of("2024-06-11 00:00:00") == dt.date(2024, 6, 11)  # what a date picker may send
    assert check_as_of("") is None
    with pytest.raises(InvalidInputError, match=r"as of must be a date as YYYY-MM-DD, got '2024-02-30'"):
        until_as_of(None, "2024-02-30")


def _answer_with_timeline() -> Answer:
    cite = Citation(1, "a", "T", "Coast Post", "2024-03-03", "s", "14 boats sank.", 0, 14, "14 boats sank.", 0.9)
    entry = DatedFigure("14", 14.0, "2024-03-03", "Coast Post", "a", 1)
    return Answer("q", "q", "14 boats [1]", (cite,), False, "extractive", timeline=(entry,))


def test_an_answer_with_a_timeline_survives_json_and_one_without_reads_as_before():
    ans = _answer_with_timeline()
    data = ans.to_dict()
    assert data["timeline"] == [
        {"figure": "14", "value": 14.0, "published": "2024-03-03", "outlet": "Coast Post", "article_id": "a", "n": 1}
    ]
    assert Answer.from_dict(data) == ans
    older = {k: v for k, v in data.items() if k != "timeline"}
    assert Answer.from_dict(older).timeline == ()
    bad = dict(data, timeline=[dict(data["timeline"][0], value="many")])
    with pytest.raises(InvalidInputError, match="timeline entry field 'value'"):
        Answer.from_dict(bad)


def test_format_timeline_gives_one_line_per_report():
    assert format_timeline(_answer_with_timeline().timeline) == ["2024-03-03        14  Coast Post [1]"]


def test_a_timeline_entry_whose_citation_was_dropped_is_dropped_too():
    from assistant.answerers.timeline import kept_timeline

    entries = (replace(_answer_with_timeline().timeline[0], n=1), replace(_answer_with_timeline().timeline[0], n=2))
    assert [e.n for e in kept_timeline(entries, {2})] == [2]


def test_with_the_reader_every_report_is_read_and_those_it_accepts_join(fake_reader):
    ctx = story("How many fishing boats sank in the storm?")
    # The reader is sure of one report and lukewarm on the others: an earlier
    # report needs only the answer's level (0.2), not a second sentence's (0.5).
    lukewarm = fake_reader(lambda question, text: 0.9 if "12" in text else 0.3)
    draft = ExtractiveAnswerer(min_score=0.2, reader=lukewarm).answer(ctx)
    # No early stop once the sure one is read: each report may belong to the timeline.
    assert {DAY1, DAY2, DAY3} <= {text for _, text in lukewarm.seen}
    assert [e.figure for e in draft.timeline] == ["7", "12", "14"]
    assert draft.text.startswith("14 (Coast Post, 2024-03-03), the latest of 3 reports:")
    check_cited(draft, ctx)
    # A report the reader rejects stays out, however new.
    doubting = fake_reader(lambda question, text: 0.05 if "14" in text else 0.9)
    draft = ExtractiveAnswerer(min_score=0.2, reader=doubting).answer(ctx)
    assert [e.figure for e in draft.timeline] == ["7", "12"]
    assert "14" not in draft.text
