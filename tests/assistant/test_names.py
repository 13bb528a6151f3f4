"""One name lexicon for questions, sentences and example questions (assistant/language/names.py)."""

from __future__ import annotations

import pytest

from assistant.language.examples import example_questions
from assistant.language.names import names_in
from assistant.language.question import analyse
from assistant.types import Article

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("sentence", "names"),
    [
        ("According to Reuters, the talks failed.", ["Reuters"]),
        ("What the ministry said was clear.", []),
        ("Prime Minister Ariel Sharon said on Monday the army would stay.", ["Ariel Sharon"]),
        ("Secretary of State Colin Powell flew to Cairo.", ["Colin Powell", "Cairo"]),
        ("Three police officers were hurt in Kaslo.", ["Kaslo"]),
        ("Israeli leader Ariel Sharon Tuesday rejected the plan.", ["Israeli", "Ariel Sharon"]),
        ("It's Laden's Al Qaeda network, officials said.", ["Laden Al Qaeda"]),
    ],
)
def test_names_in_a_sentence_leave_out_what_only_opens_them(sentence, names):
    assert names_in(sentence) == names


def test_a_question_and_a_sentence_name_someone_in_the_same_words():
    question = analyse("What did Azerbaijan's President Ilham Aliyev say about the talks?")
    assert question.names == ("Azerbaijan President Ilham Aliyev",)
    assert names_in("Azerbaijan's President Ilham Aliyev said the talks were over.") == list(question.names)


def test_a_quoted_sentence_opening_a_question_names_nobody():
    assert analyse('Who said "This market simply wants to go up" about oil prices?').names == ()


def test_example_questions_name_people_not_their_offices_or_a_headline_run():
    text = (
        "Talks Collapse\nForeign Minister Alexander Downer met Secretary of State Colin Powell. "
        "Alexander Downer said Colin Powell agreed."
    )
    article = Article(id="a", title="Talks Collapse", outlet="Ledger", agencies=(), published="2024-01-02",
                      source="a.txt", text=text, content_hash="x", history=())  # fmt: skip
    assert example_questions([article], 2) == [
        "What do the articles say about Alexander Downer?",
        "What do the articles say about Colin Powell?",
    ]
