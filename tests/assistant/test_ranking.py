"""Ranking signals and reporter-style answers on invented articles (hand-made vectors, no model)."""

from __future__ import annotations

import pytest

from assistant import ExtractiveAnswerer, Tuning
from assistant.context.ranking import is_anaphoric
from assistant.language.names import names_in

from .test_answering import FILLER, NO_FIGURE, answer_from, context, two_articles, unit

pytestmark = pytest.mark.unit


def test_anaphora_and_names():
    assert is_anaphoric("“We will rebuild the pier,” she said.")
    assert is_anaphoric("He added that the port would reopen.")
    assert not is_anaphoric("The harbour master said the port would reopen.")
    assert names_in("The harbour master Tom Reed met Port Avalon officials.") == ["Tom Reed", "Port Avalon"]


def test_a_he_said_quote_carries_the_sentence_that_names_the_speaker():
    named = "Harbour master Tom Reed spoke to reporters at the quay on Monday."
    quote = "“The pier will reopen within a month,” he said."
    ctx = context(
        "What did Tom Reed say about the pier?",
        unit(1, 0, 0),
        {"a": ("Coast Post", [(named, unit(0.6, 0.8, 0)), (quote, unit(1, 0, 0))])},
    )
    draft = ExtractiveAnswerer(min_score=0.2).answer(ctx)
    assert draft.text == f"{named} {quote} [1]"
    cited = draft.citations[0]
    assert ctx.texts["a"][cited.start : cited.end] == f"{named} {quote}"


def test_a_count_question_wants_the_number_next_to_the_counted_thing():
    boats = "Officials said 14 fishing boats were lost in the storm on the coast."
    people = "Officials said 300 people sheltered in the town hall during the storm."
    draft = answer_from("How many fishing boats were lost in the storm?", (people, unit(1, 0, 0)), (boats, unit(0.97, 0.24, 0)))
    assert draft.text.startswith(boats)


def test_no_figure_in_close_sentences_is_an_honest_refusal():
    vague = "Officials said many fishing boats were lost in the storm on the coast."
    draft = answer_from("How many fishing boats were lost?", (vague, unit(1, 0, 0)))
    assert draft.refused and draft.notice == NO_FIGURE


def test_headings_are_never_the_answer():
    heading = "Fishing boats lost in the storm on the coast"
    body = "The storm sank fishing boats along the northern coast overnight."
    draft = answer_from("Were fishing boats lost in the storm?", (heading, unit(1, 0, 0)), (body, unit(0.9, 0.43, 0)))
    assert draft.text.startswith(body)


def test_a_weekday_is_resolved_against_the_publication_date():
    sentence = "The ferry service resumed on Tuesday after the storm passed."
    ctx = context("When did the ferry service resume?", unit(1, 0, 0), {"a": ("Coast Post", [(sentence, unit(1, 0, 0))])})
    ctx.published["a"] = "2024-05-09"  # a Thursday
    draft = ExtractiveAnswerer(min_score=0.2).answer(ctx)
    assert draft.notice == "“Tuesday” in Coast Post of 2024-05-09 is 2024-05-07."


def test_a_question_about_the_present_is_dated():
    sentence = "The northern pier is closed to all traffic until repairs end."
    ctx = context("Is the northern pier closed?", unit(1, 0, 0), {"a": ("Coast Post", [(sentence, unit(1, 0, 0))])})
    ctx.published["a"] = "2024-05-09"
    draft = ExtractiveAnswerer(min_score=0.2).answer(ctx)
    assert draft.notice == "As of 2024-05-09 (Coast Post); this may have changed since."


def test_a_demonym_matches_its_country():
    from assistant.language.terms import has_term

    assert has_term("freedonia", {"freedonian", "armi"})
    assert not has_term("port", {"portion"})


def test_a_two_part_question_answers_the_part_it_can_and_names_the_rest():
    from assistant.language.parts import split_parts

    assert split_parts("Who runs the port, and when did the strike end?") == ["Who runs the port?", "when did the strike end?"]
    runs = "Harbour master Tom Reed runs the port for the city council."
    ctx = context(
        "Who runs the port, and how many fishing boats sank?",
        unit(1, 0, 0),
        {"a": ("Coast Post", [(runs, unit(1, 0, 0))])},
    )
    draft = ExtractiveAnswerer(min_score=0.2).answer(ctx)
    assert not draft.refused and draft.text == f"{runs} [1]"
    assert draft.notice == "The articles don't answer “how many fishing boats sank?”."


def test_a_capital_stands_for_its_country_and_is_not_an_unknown_name():
    # News copy writes the capital for the government ("Lima announced ...").
    country = "Peru announced the harbour would reopen to cargo next week."
    other = "Officials announced the harbour would reopen to cargo next month."
    ctx = two_articles("What did Lima announce about the harbour?", unit(1, 0, 0), (other, unit(1, 0, 0)), (country, unit(1, 0, 0)))
    draft = ExtractiveAnswerer(min_score=0.2).answer(ctx)
    assert not draft.refused
    assert draft.text.startswith(country)


def test_an_answer_comes_from_an_article_that_names_what_the_question_names():
    # A count from another fire must not answer a question about this one.
    named = "The Kessel fire destroyed two barns and a hay store overnight."
    alike = "Officials said 30 people were hurt in the warehouse fire."
    ctx = two_articles(
        "How many people were hurt in the Kessel fire?", unit(1, 0, 0), (named, unit(0.8, 0.6, 0)), (alike, unit(1, 0, 0))
    )
    draft = ExtractiveAnswerer(min_score=0.2).answer(ctx)
    assert draft.refused and draft.notice == "The articles discuss this but give no figure that answers it."
    assert not ExtractiveAnswerer(min_score=0.2, tuning=Tuning(grounded=False)).answer(ctx).refused


@pytest.mark.parametrize(
    "question,sentence",
    [
        # years and clock times are numbers but not counts
        ("How many hostages did the gang take in the raid?", "The gang was jailed for the 1996 raid that began at 10:30am at the bank."),
        # a number far from the counted thing doesn't count it
        ("How many hostages were freed?", "The storm reached force nine on the coast as police freed the hostages."),
        # an age is not a count
        ("How many people died on the coast road?", "A 45-year-old man died when his car left the coast road on Sunday."),
        # a day of the month is not a count, even when nothing names what is counted
        ("How many died?", "Residents fled the coast road after the March 11 storm, and again on 14 April."),
    ],
)
def test_a_count_question_without_a_count_of_its_thing_is_refused(question, sentence):
    draft = answer_from(question, (sentence, unit(1, 0, 0)))
    assert draft.refused and draft.notice == NO_FIGURE


def test_how_many_with_a_verb_takes_any_count():
    sentence = "Officials said 30 people were killed when the market caught fire on March 3."
    draft = answer_from("How many died?", (sentence, unit(1, 0, 0)))
    assert draft.text == f"{sentence} [1]"


def test_a_named_street_or_river_answers_where():
    from assistant.language.terms import is_place

    assert is_place("Elliot Street") and is_place("Tamar River") and not is_place("Street")
    street = "Police said the missing boy was found unharmed on Elliot Street."
    vague = "Police said the missing boy was found unharmed after a search by volunteers."
    draft = answer_from("Where was the missing boy found?", (vague, unit(1, 0, 0)), (street, unit(0.97, 0.24, 0)))
    assert draft.text.startswith(street)


def test_the_speakers_own_words_after_a_says_sentence_are_part_of_the_quote():
    says = "Harbour master Tom Reed says his plan for the pier is simple."
    words = "“Fix the pilings first and open the north end by June,” he said."
    later = "The harbour office will publish the tender next week for builders."
    ctx = context(
        "What is Tom Reed's plan for the pier?",
        unit(1, 0, 0),
        {"a": ("Coast Post", [(says, unit(1, 0, 0)), (words, unit(0.2, 0.98, 0)), (later, unit(0, 0, 1))])},
    )
    draft = ExtractiveAnswerer(min_score=0.2).answer(ctx)
    assert draft.text == f"{says} {words} [1]"
    cited = draft.citations[0]
    assert ctx.texts["a"][cited.start : cited.end] == f"{says} {words}"


def test_a_time_relative_to_another_event_answers_when():
    sentence = "The council closed the pier hours after the storm damaged its pilings."
    draft = answer_from("When did the council close the pier?", (sentence, unit(1, 0, 0)))
    assert not draft.refused and draft.text.startswith(sentence)


def test_the_second_sentence_of_a_typed_answer_must_hold_the_type_too():
    count = "Officials said 14 fishing boats sank in the storm on the coast."
    unclear = "It was not clear how many fishing boats sank in the storm on the coast."
    draft = answer_from("How many fishing boats sank in the storm?", (count, unit(1, 0, 0)), (unclear, unit(1, 0.05, 0)))
    assert draft.text == f"{count} [1]"


@pytest.mark.parametrize(
    "question,parts",
    [
        ("What did Cole and Reed say?", ["What did Cole say?", "What did Reed say?"]),
        ("How did the EU and Freedonia react to the vote?", ["How did the EU react to the vote?", "How did Freedonia react to the vote?"]),
        ("What did Trinidad and Tobago announce?", ["What did Trinidad and Tobago announce?"]),  # one country
        ("What did he and she say?", ["What did he and she say?"]),  # no names to split on
    ],
)
def test_two_named_subjects_are_two_questions(question, parts):
    from assistant.language.parts import split_parts

    assert split_parts(question) == parts


def test_each_subject_gets_its_own_sentence_and_a_shared_one_is_said_once():
    cole = "Cole said the port would reopen on Monday after the storm."
    reed = "Reed said the quay would need weeks of repairs before ferries could dock."
    assert answer_from("What did Cole and Reed say?", (cole, unit(1, 0, 0)), (reed, unit(0.9, 0.44, 0))).text == (
        f"{cole} [1] {reed} [2]"
    )
    both = "Cole and Reed said the port would reopen on Monday after the storm."
    assert answer_from("What did Cole and Reed say?", (both, unit(1, 0, 0)), (FILLER, unit(0, 1, 0))).text == f"{both} [1]"


class CountingMemo(dict):
    """A context's ``sentence_memo`` that records every score written into it."""

    def __init__(self):
        super().__init__()
        self.written = []

    def __setitem__(self, key, value):
        self.written.append(key)
        super().__setitem__(key, value)


def test_rerank_and_answer_score_each_sentence_of_a_question_once():
    from dataclasses import replace

    ctx = context(
        "How many passengers were rescued from the ferry?",
        unit(1, 0, 0),
        {
            "a": ("Coast Post", [(FILLER, unit(0, 1, 0)), ("Rescuers said 212 passengers were saved from the ferry on Sunday.", unit(0.9, 0.1, 0))]),
            "b": ("Bay Times", [("The ferry had left port late on Saturday evening with a full deck.", unit(0.7, 0.3, 0))]),
        },
    )  # fmt: skip
    memo = CountingMemo()
    ctx = replace(ctx, sentence_memo=memo)
    answerer = ExtractiveAnswerer(min_score=0.2)
    reordered = replace(ctx, passages=answerer.rerank(ctx, top_k=2))  # as the Assistant builds its context
    first = len(memo.written)
    assert reordered.sentence_memo is memo and first == len(set(memo.written)) > 0  # each sentence scored once
    draft = answerer.answer(reordered)
    assert len(memo.written) == first  # the answer reused every score
    afresh = answerer.answer(replace(reordered, sentence_memo={}))
    assert replace(draft, timings_ms={}) == replace(afresh, timings_ms={})  # what scoring afresh gives
    assert "212" in draft.text
