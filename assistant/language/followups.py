"""Follow-up questions, rewritten from the conversation by rules, or by a model whose rewrite the rules check."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence

from vectorstore.bm25_index import tokenize

from ..types import Answer
from .names import names_in
from .question import analyse, content_words
from .terms import is_place

__all__ = ["ModelRewriter", "asks_for_more", "llm_writer", "resolve_in_part", "rewrite_follow_up", "rewrite_prompt", "unchanged"]

logger = logging.getLogger(__name__)

# "they" is left alone: after "What did protesters call him?" it means the
# protesters, not him, and no rule here can tell a group from a person.
_PERSONAL = re.compile(r"\b(he|she|him|his|her|hers)\b", re.I)
_NEUTER = re.compile(r"\b(it|its)\b", re.I)
_POSSESSIVE = {"his", "her", "its"}
_FOLLOW_ON = re.compile(r"^\s*(and|also|so|what about|how about|what else)\b[\s,]*", re.I)
_MIN_WORDS_ALONE = 4
_WH = re.compile(r"^\s*(?:(?:by|for|to|with|from|since|until|in|on|at)\s+)?(who|whom|what|when|where|why|how|which)\b", re.I)
_MORE = re.compile(r"^\s*(?:and\s+|so\s+)?what else\b", re.I)


def asks_for_more(question: str) -> bool:
    """"What else?": the same question again, wanting what wasn't said yet."""
    return bool(_MORE.match(question))


def rewrite_follow_up(
    question: str,
    history: Sequence[tuple[str, Answer]],
    *,
    about_previous: Callable[[str, Answer], bool] | None = None,
) -> str:
    """Complete ``question`` from the previous turn when it leans on it.

    * "What else?" asks the previous question again.
    * A pronoun becomes what the previous turn was about: a person named in
      the previous question, or the person or place that answered it
      ("Which country backs X?" → "its" is the country in the answer).
    * "And the council?" (too short to stand alone) is joined to the
      previous question; "Who won?" (short, but a question of its own) gets
      the previous question in brackets.
    * A question that names nothing is about the previous turn's subject,
      added in brackets for retrieval to find the article, when
      ``about_previous(question, previous_answer)`` agrees (the Assistant
      checks that the articles the previous answer cited speak of what it
      asks): "What does the planted note say?" after a question on another
      story is a new question, not a follow-up.
    A question that stands alone and names its subject is returned unchanged
    (less an opening "And").
    """
    question = question.strip()
    if not history:
        return question
    prev_question, prev_answer = history[-1]
    prev = (prev_answer.rewritten_question or prev_question).strip()
    opener = _FOLLOW_ON.match(question)
    rest = question[opener.end() :].strip() if opener else question
    if not rest.strip(" ?"):
        return prev
    person, thing = _referents(prev, prev_answer)
    for pattern, referent in ((_PERSONAL, person), (_NEUTER, thing)):
        if _named_before(rest, pattern):
            continue  # "Did Azerbaijan say it seized ...?": the pronoun is the question's own name
        resolved = _substitute(rest, pattern, referent)
        if resolved:
            return resolved
    if len(rest.split()) < _MIN_WORDS_ALONE and _WH.match(rest):
        # "Who won?" is a whole question, about what the previous one asked.
        return f"{rest[0].upper() + rest[1:]} ({_flattened(prev)})"
    if len(rest.split()) < _MIN_WORDS_ALONE:
        # "And Germany?" after "What did France say?": swap the subject.
        new_names, old_names = analyse(rest).names, analyse(prev).names
        if new_names and old_names and old_names[0] in prev:
            # The new name brings its own article: "the Union" → "Freedonia",
            # "Freedonia" → "the US".
            old = re.search(rf"(?:\bthe\s+)?{re.escape(old_names[0])}", prev)
            new = re.search(rf"(?:\bthe\s+)?{re.escape(new_names[0])}", rest, re.I)
            return prev[: old.start()] + new.group() + prev[old.end() :]
        core, carried = _split_carried(prev)
        return f"{core} {rest.strip(' ?')}?" + (f" ({carried})" if carried else "")
    rest = rest[0].upper() + rest[1:]
    if not analyse(rest).names and (thing or person):
        if about_previous is None or about_previous(rest, prev_answer):
            return f"{rest} ({thing or person})"
    return rest


def _flattened(question: str) -> str:
    """A rewritten question to carry in brackets, its own brackets opened up:
    "How many died? (What happened in X)" → "How many died; What happened in X"."""
    core, carried = _split_carried(question)
    return f"{core}; {carried}" if carried else core


def _split_carried(question: str) -> tuple[str, str | None]:
    """A rewritten question's own words, and what it carries in brackets."""
    m = _CARRIED.match(question)
    return (m.group(1).rstrip(" ?"), m.group(2)) if m else (question.rstrip(" ?"), None)


_CARRIED = re.compile(r"^(.*?)[\s?]*\((.*)\)\s*$")


def resolve_in_part(part: str, first_part: str) -> str:
    """"Who is X, and when will he ...?": the later part's pronoun is the first part's person."""
    return _substitute(part, _PERSONAL, _full_name(analyse(first_part).names)) or part


def _full_name(names) -> str | None:
    """The first name of two words or more: a person's, most likely."""
    return next((n for n in names if len(n.split()) >= 2), None)


def _named_before(text: str, pattern: re.Pattern) -> bool:
    """Whether ``text`` names someone or something before its first pronoun of ``pattern``."""
    m = pattern.search(text)
    return bool(m) and any(0 <= text.find(name) < m.start() for name in analyse(text).names)


def _substitute(text: str, pattern: re.Pattern, referent: str | None) -> str | None:
    m = pattern.search(text)
    if not (m and referent):
        return None
    name = referent + ("'s" if m.group().lower() in _POSSESSIVE else "")
    resolved = text[: m.start()] + name + text[m.end() :]
    return resolved[0].upper() + resolved[1:]


def _referents(prev: str, answer: Answer) -> tuple[str | None, str | None]:
    """(person, thing) the previous turn was about, either may be None."""
    asked = analyse(prev)
    named = [n for n in asked.names]
    person = _full_name(named)
    thing = named[0] if named else None
    if not answer.refused and asked.kind in ("person", "name", "place") and answer.citations:
        known = {n.lower() for n in named}
        found = [n for c in answer.citations for n in names_in(c.quote) if n.lower() not in known]
        if asked.kind in ("person", "name"):
            person = person or next((n for n in found if len(n.split()) >= 2), None)
        else:
            thing = next((n for n in found if is_place(n)), thing)
    return person, thing


_REWRITE_SYSTEM = (
    "You rewrite a reader's follow-up question about the news so that it can be understood on its own. "
    "Replace pronouns (he, she, it, they, his, her, its, their) with the person or thing they mean, and fill in "
    "what a short question leaves out from the previous question. Keep the reader's own words and what they ask; "
    "never answer it and never add facts. If the follow-up already stands on its own, repeat it unchanged. "
    "Reply with the question only, on one line."
)
# Worked examples (made up, about no article here): a small model follows
# shown rewrites far better than described ones.  Kept as earlier turns, so
# the model's cache of them is reused for every follow-up.
_EXAMPLES = (
    ("Previous question: How many homes were flooded in Townsville?\n"
     "Previous answer: About 300 homes were flooded in Townsville, the council said.\n"
     "Follow-up: And in Cairns?", "How many homes were flooded in Cairns?"),
    ("Previous question: Who leads the Harbour Workers Union?\n"
     "Previous answer: Maria Lopez, who leads the Harbour Workers Union, called the strike.\n"
     "Follow-up: What did she demand?", "What did Maria Lopez demand?"),
    ("Previous question: When did the Zenith plant close?\n"
     "Previous answer: The Zenith plant closed in March after losses.\n"
     "Follow-up: How many jobs were lost then?", "How many jobs were lost when the Zenith plant closed?"),
    ("Previous question: What did the rebels say about the ceasefire?\n"
     "Previous answer: The rebels said the ceasefire had been broken twice.\n"
     "Follow-up: What about the other side?", "What did the government say about the ceasefire?"),
    ("Previous question: How many people died in the Lisbon fire?\n"
     "Previous answer: Twelve people died in the fire in Lisbon.\n"
     "Follow-up: Who won the election in Peru?", "Who won the election in Peru?"),
)  # fmt: skip


def rewrite_prompt() -> str:
    """The fixed part of the rewriting exchange: instructions and worked examples, in ChatML."""
    turns = "".join(
        f"<|im_start|>user\n{asked}<|im_end|>\n<|im_start|>assistant\n{written}<|im_end|>\n"
        for asked, written in _EXAMPLES
    )
    return f"<|im_start|>system\n{_REWRITE_SYSTEM}<|im_end|>\n{turns}"


class ModelRewriter:
    """Follow-ups rewritten by a model; ``rewrite`` returns None when it can't help
    and the rules run instead.

    ``write(prompt, user)`` is the model: the packaged reading model
    (``LlamaReader.generate``) or a configured LLM.  What it writes is used
    only when it is a question of sensible length whose names all come from
    the conversation: a model that invents a subject is not trusted.
    """

    def __init__(self, write: Callable[[str, str], str], *, max_answer_chars: int = 240):
        self._write = write
        self._max_answer_chars = max_answer_chars

    def rewrite(self, question: str, history: Sequence[tuple[str, Answer]]) -> str | None:
        asked, answer = history[-1]
        said = re.sub(r"\s*\[\d+\]", "", answer.text if not answer.refused else "(no answer)")
        user = (
            f"Previous question: {answer.rewritten_question or asked}\n"
            f"Previous answer: {said[: self._max_answer_chars]}\n"
            f"Follow-up: {question}"
        )
        try:
            text = self._write(rewrite_prompt(), user)
        except Exception as exc:  # a model that fails leaves the rules to it
            logger.warning("model rewrite failed, using the rules: %s", exc)
            return None
        line = next((ln.strip(" \"'“”") for ln in text.strip().splitlines() if ln.strip()), "")
        line = re.sub(r"^(?:standalone question|question|follow-up)\s*:\s*", "", line, flags=re.I)
        if not line or len(line) > 3 * len(question) + 120 or not re.search(r"[A-Za-z]", line):
            return None
        known = " ".join([question, asked, answer.rewritten_question or "", answer.text]).casefold()
        invented = [n for n in analyse(line).names if n.casefold() not in known]
        if invented:
            logger.info("model rewrite %r names %s, which the conversation does not; using the rules", line, invented)
            return None
        dropped = _own_terms(question) - set(tokenize(line))
        if dropped:
            # "And how many vehicles did it destroy?" must not come back as "...seize?"
            logger.info("model rewrite %r drops %s of the follow-up; using the rules", line, sorted(dropped))
            return None
        return line if line.endswith("?") else line.rstrip(".") + "?"


# Words a rewrite replaces rather than keeps: what they point at is the point.
_REPLACED = re.compile(
    r"\b(he|she|it|they|him|her|them|his|hers|its|their|theirs|then|there|this|that|these|those|and|also|so|"
    r"what about|how about|else|other\s+\w+|others|again|too)\b",
    re.I,
)


def _own_terms(question: str) -> set[str]:
    """The follow-up's own words (stemmed), which a rewrite must keep."""
    return set(tokenize(" ".join(content_words(_REPLACED.sub(" ", question)))))


def unchanged(rewritten: str, question: str) -> bool:
    """Whether a rewrite says nothing the follow-up did not ("And Germany?" back as itself)."""
    return tokenize(_FOLLOW_ON.sub("", rewritten)) == tokenize(_FOLLOW_ON.sub("", question))


def llm_writer(backend) -> Callable[[str, str], str]:
    """A configured LLM as a ``ModelRewriter``'s ``write``."""
    from ..reading.llm import ChatTurn

    def write(prompt: str, user: str) -> str:
        system = re.search(r"<\|im_start\|>system\n(.*?)<\|im_end\|>", prompt, re.S).group(1)
        turns = [ChatTurn("system", system)]
        for asked, written in _EXAMPLES:
            turns += [ChatTurn("user", asked), ChatTurn("assistant", written)]
        return "".join(backend.stream([*turns, ChatTurn("user", user)]))

    return write
