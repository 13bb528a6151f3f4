import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant import Answer, Citation
from assistant.language.followups import rewrite_follow_up

pytestmark = pytest.mark.unit


def answer(q: str, text: str = "Something.", refused: bool = False) -> Answer:
    cites = () if refused else (Citation(1, "a", "T", None, None, "a.txt", text, 0, len(text), text, 1.0),)
    return Answer(q, q, f"{text} [1]", cites, refused, "extractive")


def test_standalone_question_is_unchanged():
    history = [("Who is Maria Lopez?", answer("Who is Maria Lopez?"))]
    assert rewrite_follow_up("How many ships docked at Port Avalon?", history) == "How many ships docked at Port Avalon?"


def test_pronoun_becomes_the_person_of_the_previous_turn():
    history = [("Who is Maria Lopez?", answer("Who is Maria Lopez?"))]
    assert rewrite_follow_up("What did she say about taxes?", history) == "What did Maria Lopez say about taxes?"
    assert rewrite_follow_up("What is her job?", history) == "What is Maria Lopez's job?"


def test_a_pronoun_after_the_question_s_own_name_is_that_name():
    # Found by the browser test: "it" here is Azerbaijan, not the previous turn's person.
    history = [("What did Hikmet Hajiyev say about civilians?", answer("What did Hikmet Hajiyev say about civilians?"))]
    question = "How many military posts did Azerbaijan say it seized?"
    assert rewrite_follow_up(question, history) == question
    assert rewrite_follow_up("Did Maria Lopez say she would resign?", history) == "Did Maria Lopez say she would resign?"
    assert rewrite_follow_up("What did he say about Azerbaijan?", history) == "What did Hikmet Hajiyev say about Azerbaijan?"


def test_pronoun_falls_back_to_the_person_in_the_previous_answer():
    history = [("Who leads the port?", answer("Who leads the port?", "Harbour master Tom Reed runs it."))]
    assert rewrite_follow_up("When did he start?", history) == "When did Tom Reed start?"


def test_elliptical_follow_up_joins_the_previous_question():
    history = [("What did the union demand?", answer("What did the union demand?"))]
    assert rewrite_follow_up("What else?", history) == "What did the union demand?"
    assert rewrite_follow_up("And the council?", history) == "What did the union demand the council?"


def test_its_is_the_place_that_answered_the_previous_question():
    history = [("Which country hosts the talks?", answer("Which country hosts the talks?", "The talks are held in Norway this week."))]
    assert rewrite_follow_up("What did its prime minister say?", history) == "What did Norway's prime minister say?"


def test_a_question_naming_nothing_keeps_the_previous_subject():
    history = [("What did Harbour Authority announce?", answer("What did Harbour Authority announce?"))]
    assert rewrite_follow_up("When do the new fees start?", history) == "When do the new fees start? (Harbour Authority)"


def test_and_with_a_new_name_swaps_the_subject():
    history = [("What did Freedonia say about the blockade?", answer("What did Freedonia say about the blockade?"))]
    assert rewrite_follow_up("And Sylvania?", history) == "What did Sylvania say about the blockade?"
    # the new name brings its own "the", or none
    history = [("What did the Harbour Union say?", answer("What did the Harbour Union say?"))]
    assert rewrite_follow_up("And Sylvania?", history) == "What did Sylvania say?"
    assert rewrite_follow_up("And the US?", history) == "What did the US say?"


def test_and_with_a_full_question_stands_alone():
    history = [("What did Freedonia say?", answer("What did Freedonia say?"))]
    assert rewrite_follow_up("And what did the Sylvanian government say?", history) == "What did the Sylvanian government say?"


def test_no_history_means_no_rewrite():
    assert rewrite_follow_up("  What did he say? ", ()) == "What did he say?"


def test_a_short_question_of_its_own_carries_the_subject_instead_of_joining():
    history = [("Who did Freedonia play in the final?", answer("Who did Freedonia play in the final?"))]
    assert rewrite_follow_up("Who won?", history) == "Who won? (Who did Freedonia play in the final)"
    history = [("What did the union demand?", answer("What did the union demand?"))]
    assert rewrite_follow_up("Why?", history) == "Why? (What did the union demand)"


def test_a_carried_question_is_carried_flat_not_nested():
    first = answer("What happened in Port Avalon?", "A fire destroyed the market.")
    second = rewrite_follow_up("How many died?", [("What happened in Port Avalon?", first)])
    assert second == "How many died? (What happened in Port Avalon)"
    then = Answer("How many died?", second, "Nothing.", (), True, "extractive")
    assert rewrite_follow_up("Why?", [("What happened in Port Avalon?", first), ("How many died?", then)]) == (
        "Why? (How many died; What happened in Port Avalon)"
    )


def test_what_else_asks_for_more():
    from assistant.language.followups import asks_for_more

    assert asks_for_more("What else?") and asks_for_more("And what else did she say?")
    assert not asks_for_more("What did she say?")


def test_a_later_part_of_a_two_part_question_resolves_its_pronoun():
    from assistant.language.followups import resolve_in_part

    assert resolve_in_part("when will he appear in court?", "What is Tom Reed charged with?") == (
        "When will Tom Reed appear in court?"
    )
    assert resolve_in_part("when did the strike end?", "Who is Ann Lee?") == "when did the strike end?"


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=80).filter(str.strip), st.booleans())
def test_any_follow_up_is_rewritten_without_error(question, refused):
    history = [
        ("Who is Maria Lopez?", answer("Who is Maria Lopez?", "Maria Lopez runs the Port Avalon ferry.")),
        ("How many ships docked?", answer("How many ships docked?", refused=refused)),
    ]
    rewritten = rewrite_follow_up(question, history)
    assert isinstance(rewritten, str) and rewritten.strip()
    assert rewrite_follow_up(question, []) == question.strip()  # nothing to resolve against: unchanged


def test_they_is_not_taken_for_the_person_of_the_previous_turn():
    history = [("What did protesters call Maria Lopez?", answer("What did protesters call Maria Lopez?"))]
    assert rewrite_follow_up("Where did they gather?", history) == "Where did they gather? (Maria Lopez)"


def test_a_question_opening_with_a_preposition_is_a_question_of_its_own():
    history = [("How many ships were sunk at Port Avalon?", answer("How many ships were sunk at Port Avalon?"))]
    assert rewrite_follow_up("By whom?", history) == "By whom? (How many ships were sunk at Port Avalon)"


def test_a_joined_follow_up_keeps_what_the_previous_question_carried_at_the_end():
    prev = Answer("How many docked?", "How many docked? (Port Avalon)", "Nothing.", (), True, "extractive")
    assert rewrite_follow_up("And ferries?", [("How many docked?", prev)]) == "How many docked ferries? (Port Avalon)"


# -- the model rewriter ------------------------------------------------------------
from assistant.language.followups import ModelRewriter, rewrite_prompt  # noqa: E402


class ScriptedWriter:
    """A model that writes what the test says and records what it was given."""

    def __init__(self, reply="", fail=None):
        self.reply, self.fail, self.seen = reply, fail, []

    def __call__(self, prompt, user):
        self.seen.append((prompt, user))
        if self.fail:
            raise self.fail
        return self.reply


HISTORY = [("How many homes were flooded in Townsville?", answer("How many homes were flooded in Townsville?",
                                                                 "About 300 homes were flooded in Townsville."))]


def test_the_model_sees_the_previous_turn_and_its_line_is_used():
    writer = ScriptedWriter("How many homes were flooded in Cairns\n(extra lines are ignored)")
    rewritten = ModelRewriter(writer).rewrite("And in Cairns?", HISTORY)
    assert rewritten == "How many homes were flooded in Cairns?"
    prompt, user = writer.seen[0]
    assert prompt == rewrite_prompt() and "Townsville" in user and "About 300 homes" in user
    assert user.endswith("Follow-up: And in Cairns?") and "[1]" not in user


@pytest.mark.parametrize(
    "reply",
    [
        "",  # wrote nothing
        "How many homes were flooded in Brisbane?",  # a place nobody named
        "x" * 500,  # rambling
        "How many homes were damaged in Cairns?",  # lost the follow-up's own word ("flooded")
    ],
)
def test_a_rewrite_the_conversation_does_not_support_is_not_used(reply):
    question = "And how many were flooded in Cairns?" if "damaged" in reply else "And in Cairns?"
    assert ModelRewriter(ScriptedWriter(reply)).rewrite(question, HISTORY) is None


def test_a_failing_model_leaves_the_follow_up_to_the_rules():
    assert ModelRewriter(ScriptedWriter(fail=RuntimeError("model gone"))).rewrite("And in Cairns?", HISTORY) is None


def test_the_prompt_s_examples_are_chat_turns_ending_before_the_user_turn():
    prompt = rewrite_prompt()
    assert prompt.startswith("<|im_start|>system\n") and prompt.endswith("<|im_end|>\n")
    assert prompt.count("<|im_start|>user") == prompt.count("<|im_start|>assistant") >= 3


def test_a_rewrite_that_says_nothing_new_is_told_apart():
    from assistant.language.followups import unchanged

    assert unchanged("And Germany?", "And Germany?") and unchanged("What is his job", "What is his job?")
    assert not unchanged("What did Germany say about the attack?", "And Germany?")
