"""What a question asks for: its type, its key terms, whether it wants a list.

Plain rules, no model: no extractive-QA model ships in any package reachable
here, so the answer type is read from the question's wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .calendar import MONTHS, WEEKDAYS
from .names import NAME_RUN, OFFICES, QUESTION_WORDS, trimmed

__all__ = ["QuestionInfo", "analyse", "content_words", "is_bare_summary", "statement_form", "NUMBER", "DATE"]

_WH_TYPES = [
    (re.compile(r"^\s*(how many|how much|what number|what percentage|how large|how big)\b", re.I), "count"),
    (re.compile(r"^\s*(what is the name|what was the name|what are the names|name the)\b", re.I), "name"),
    (re.compile(r"^\s*(who|whom|whose)\b", re.I), "person"),
    (re.compile(r"^\s*(when|what date|what day|what year|which day|which year)\b", re.I), "date"),
    (re.compile(r"^\s*(where|(what|which) (city|cities|country|countries|region|town|capital))\b", re.I), "place"),
    (re.compile(r"^\s*(why)\b", re.I), "reason"),
]
_LIST = re.compile(
    r"^\s*(which|what)\s+(\w+\s+){0,2}?(countries|leaders|officials|groups|nations|people|states|places|things|steps|measures)\b"
    r"|^\s*(list|name)\b|^\s*what happened\b|^\s*summari[sz]e\b|\bwhat else\b",
    re.I,
)
NUMBER = re.compile(
    r"\b\d[\d,.]*\b|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
    r"fifty|hundred|hundreds|thousand|thousands|million|millions|dozen|dozens)\b",
    re.I,
)
DATE = re.compile(
    r"\b(" + "|".join(WEEKDAYS + MONTHS) + r"|yesterday|today|tomorrow|tonight|overnight|\d{4})\b"
    # news copy dates events relative to others or to the day of writing
    r"|\b(?:hours|days|weeks|months|years|minutes)\s+(?:after|before|later|earlier|ago)\b"
    r"|\b(?:last|this|next|earlier this|later this)\s+(?:week|month|year|morning|afternoon|evening|weekend)\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class QuestionInfo:
    text: str
    kind: str  # count | name | person | date | place | reason | other
    wants_list: bool
    names: tuple[str, ...]  # capitalised words the question names (besides its first word)
    counted: str | None = None  # for "how many X": the words X


# The words right after "how many": the thing counted (a verb may tag along; harmless).
_COUNTED = re.compile(r"\bhow (?:many|much)\s+((?:[A-Za-z][\w'’-]*\s*){1,3})", re.I)


# "how many hostages did X take", "how many people died on ...": the counted
# thing ends where the verb phrase starts (an auxiliary, a past tense, a preposition).
_AUXILIARY = re.compile(
    r"\b(?:did|do|does|were|was|are|is|have|has|had|will|would|could|can|on|in|at|over|during|for|from|"
    r"since|by|with)\b|(?<=\s)\w+ed\b",
    re.I,
)


# "How many others ...": the thing counted is named elsewhere, any count will do.
_PRONOUNS = {"others", "other", "more", "of", "them", "these", "those", "ones"}


# "How many died?", "How many fled the town?": a verb straight after "how
# many" leaves the counted thing (people) implied. "How many wounded soldiers"
# is an adjective: a noun follows it, not an object or the end.
_VERB_FIRST = re.compile(
    r"^(?:\w+ed|left|fell|went|came|lost|got|won|ran|hid|fought|fled)(?:$|\s+(?:the|a|an|their|his|her|its|this|that)\b)",
    re.I,
)


def _counted(words: str) -> str | None:
    head = _AUXILIARY.split(words)[0].strip()
    if not head or head.split()[0].lower() in _PRONOUNS or _VERB_FIRST.match(head):
        return None
    return head


def analyse(question: str) -> QuestionInfo:
    kind = next((k for pattern, k in _WH_TYPES if pattern.search(question)), "other")
    counted = _COUNTED.search(question) if kind == "count" else None
    return QuestionInfo(
        question,
        kind,
        bool(_LIST.search(question)),
        tuple(_names(question)),
        _counted(counted.group(1)) if counted else None,
    )


_COMPASS = re.compile(r"(?:North|South|East|West)(?:ern)?", re.I)


def _names(question: str) -> list[str]:
    names = []
    for m in NAME_RUN.finditer(question):
        words = trimmed(m.group().split())
        # A lone capitalised first word followed by lower case ("Summarise
        # how ...") is the sentence's start, not a name.
        if m.start() == 0 and len(m.group().split()) == 1 and re.match(r"\s+[a-z]", question[m.end() :]):
            words = []
        # "Western leaders" names a camp, and "the Prime Minister" an office:
        # neither is something an article must spell out in those words.
        if (len(words) == 1 and _COMPASS.fullmatch(words[0])) or all(w.lower() in OFFICES for w in words):
            words = []
        if words:
            names.append(" ".join(words))
    return names


_WH_OPENING = re.compile(
    r"^\s*(?:how many|how much|what|which|who|whom|whose|when|where|why|how)\s+"
    r"(?:(?:is|are|was|were|did|do|does|has|have|had|will|would)\s+)?",
    re.I,
)


def statement_form(question: str) -> str:
    """The question without its opening question words: "Where was the boy
    found?" -> "the boy found".  Its vector sits nearer the sentences that
    answer than the question's own does."""
    return _WH_OPENING.sub("", question).rstrip(" ?") or question


def content_words(question: str) -> list[str]:
    """The question's words that carry its topic (their case kept)."""
    return [w for w in re.findall(r"[A-Za-z][\w'’-]*|\d[\d,.]*", question) if w.lower() not in QUESTION_WORDS]


# "Summarise what happened.", "What are the articles about?": no subject to
# rank sentences against, and news leads are written to summarise.
_SUMMARY = re.compile(
    r"^\s*(?:please\s+)?(?:summari[sz]e|sum up|give (?:me )?a summary|what happened|"
    r"what (?:is|are) (?:this|these|it|the articles?|the news|the stor(?:y|ies)) about)\b",
    re.I,
)
_SUMMARY_WORDS = {
    "please", "summarise", "summarize", "sum", "up", "give", "me", "a", "summary", "what", "happened", "is",
    "are", "this", "these", "it", "the", "article", "articles", "news", "story", "stories", "about", "all", "of",
}


def is_bare_summary(question: str) -> bool:
    """A request for a summary that names no subject."""
    words = re.findall(r"[\w'’-]+", question.lower())
    return bool(_SUMMARY.match(question)) and all(w in _SUMMARY_WORDS for w in words)
