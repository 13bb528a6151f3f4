import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.language.question import analyse, content_words, statement_form

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "question,kind",
    [
        ("How many boats sank?", "count"),
        ("Who chairs the committee?", "person"),
        ("What is the name of the new mayor?", "name"),
        ("When did the strike start?", "date"),
        ("Where was the summit held?", "place"),
        ("Why did prices rise?", "reason"),
        ("What did the mayor promise?", "other"),
    ],
)
def test_answer_type_comes_from_the_wording(question, kind):
    assert analyse(question).kind == kind


def test_months_imperatives_and_possessives_are_not_names():
    assert analyse("What happened on 4 March?").names == ()
    assert analyse("Summarise the council's decision.").names == ()
    assert analyse("What did Freedonia's leader say?").names == ("Freedonia",)
    assert analyse("What did Western leaders say?").names == ()
    assert analyse("What did the Prime Minister say?").names == ()
    assert analyse("What did Prime Minister Ann Lee say?").names == ("Prime Minister Ann Lee",)
    assert analyse("What did South Freedonia say?").names == ("South Freedonia",)


def test_names_skip_question_words():
    assert analyse("What did Maria Lopez tell the Harbour Council?").names == ("Maria Lopez", "Harbour Council")
    assert analyse("What is the capital of Freedonia?").names == ("Freedonia",)


def test_a_title_with_of_the_is_one_name():
    assert analyse("How much did the Queen of the Harbour cost to build?").names == ("Queen of the Harbour",)
    assert analyse("What did the Bank of Freedonia say on Tuesday?").names == ("Bank of Freedonia",)


@pytest.mark.parametrize(
    "question,wants",
    [("Which countries sent aid?", True), ("What happened on Friday?", True), ("Who is the mayor?", False)],
)
def test_list_questions(question, wants):
    assert analyse(question).wants_list is wants


@pytest.mark.parametrize(
    "question,counted",
    [
        ("How many hostages did the gang take?", "hostages"),
        ("How many people were hurt in the fire?", "people"),
        ("How many fishing boats sank?", "fishing boats sank"),
        ("How many others were moved to the hall?", None),
        ("How many people died on the roads over the holiday?", "people"),
        ("How many sailors rescued by the navy were hurt?", "sailors"),
        ("Who chairs the committee?", None),
        # a verb right after "how many": people are implied, any count answers
        ("How many died?", None),
        ("How many fled the town after the flood?", None),
        ("How many wounded soldiers were flown home?", "wounded soldiers"),
    ],
)
def test_the_counted_thing_stops_at_the_verb(question, counted):
    assert analyse(question).counted == counted


@pytest.mark.parametrize(
    "question,statement",
    [
        ("Where was the missing boy found?", "the missing boy found"),
        ("How many fishing boats sank?", "fishing boats sank"),
        ("Who chairs the committee?", "chairs the committee"),
        ("The ferry was late?", "The ferry was late"),
    ],
)
def test_statement_form_drops_the_question_words(question, statement):
    from assistant.language.question import statement_form

    assert statement_form(question) == statement


# Questions as users type them: any letters, digits, punctuation, quotes and
# apostrophes, capitalised or not, with the words the rules key on mixed in.
_WORDS = st.sampled_from(
    ["how", "many", "who", "when", "where", "what", "which", "is", "the", "president", "of", "Freedonia's",
     "and", "he", "it", "else", "?", "“Port", "Avalon”", "North", "2023", "45-year-old", "O'Neil", "Prime", "Minister"]
)
QUESTIONS = st.one_of(
    st.text(max_size=120),
    st.lists(st.one_of(_WORDS, st.text(min_size=1, max_size=12)), max_size=14).map(" ".join),
)


@settings(max_examples=300, deadline=None)
@given(QUESTIONS)
def test_any_question_is_analysed_without_error(question):
    info = analyse(question)
    assert info.kind in {"count", "name", "person", "date", "place", "reason", "other"}
    # names are the question's own words (a possessive "'s" dropped), never invented
    assert all(word in question for name in info.names for word in name.split())
    assert isinstance(statement_form(question), str)
    assert all(isinstance(w, str) and w for w in content_words(question))
