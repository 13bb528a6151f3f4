"""Names in a text: capitalised runs of words, less the words that only look like names there.

One lexicon for every rule that reads names (a question's, a candidate
sentence's, the example questions'): a word that opens a sentence or a
question ("The", "What", "According"), a day or month, an honorific or a
wh-word is trimmed from either end of a run; in a sentence, a title or a
number word before a name is not part of it either.  What a caller
does with the names (an office is no name in a question, an example needs a
full name) stays with the caller.
"""

from __future__ import annotations

import re

from .calendar import CALENDAR_WORDS

__all__ = ["NAME_RUN", "NOT_NAMES", "OFFICES", "QUESTION_WORDS", "names_in", "trimmed"]

# Capitalised words in a row, joined by "of", "de", "al", "von", "van" or "the" ("Lord of the Rings").
NAME_RUN = re.compile(r"\b[A-Z][\w'’-]+(?:\s+(?:(?:of|de|al|von|van)\s+)?(?:the\s+)?[A-Z][\w'’-]+)*")

_FUNCTION_WORDS = {
    "the", "a", "an", "in", "on", "at", "but", "and", "he", "she", "they", "it", "this", "that", "these",
    "those", "its", "his", "her", "their", "as", "after", "before", "while", "when", "if", "for", "of",
    "with", "from", "by", "to", "we", "our", "i", "there", "some", "many", "all", "since",
}  # fmt: skip
# A question's own words, which name nothing it asks about (question.content_words drops them too).
QUESTION_WORDS = frozenset({
    "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "did", "does", "do",
    "is", "are", "was", "were", "has", "have", "had", "the", "a", "an", "and", "about", "say",
    "said", "tell", "me", "according", "article", "articles", "many", "much",
})  # fmt: skip
_NUMBER_WORDS = {
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "dozens", "hundreds", "thousands",
}  # fmt: skip
_HONORIFICS = {"mr", "mrs", "ms", "dr"}
_PAGE_WORDS = {"read", "follow", "source", "photo"}  # "Read more", "Follow us", "Photo: ..." on saved pages
NOT_NAMES = frozenset(_FUNCTION_WORDS | QUESTION_WORDS | _HONORIFICS | _PAGE_WORDS | CALENDAR_WORDS)

# Offices and the words of their titles: "the Prime Minister" names an office, and
# in "Azerbaijani President Ilham Aliyev" the name is what follows the title.
OFFICES = frozenset({
    "prime", "minister", "president", "premier", "chancellor", "secretary", "foreign", "defence", "defense",
    "general", "governor", "senator", "king", "queen", "prince", "pope", "chief", "deputy", "vice", "attorney",
    "treasurer", "mayor", "government", "federal", "opposition", "leader", "commissioner", "ambassador",
    "spokesman", "spokeswoman", "spokesperson", "state", "adviser", "advisor", "commander", "chairman",
    "director", "judge", "official", "envoy",
})  # fmt: skip
# What opens a sentence's run before the name itself: "Three police officers",
# "Prime Minister Ariel Sharon", "Secretary of State Colin Powell".  Only the
# title words these rules were measured with: "Government" or "General Motors" stay.
_BEFORE_NAMES = NOT_NAMES | _NUMBER_WORDS | {"prime", "president", "minister", "foreign", "state", "secretary"}


def trimmed(words: list[str]) -> list[str]:
    """A run's words without non-name words at either end, possessives dropped ("Aliyev's" -> "Aliyev")."""
    while words and _key(words[0]) in NOT_NAMES:
        words = words[1:]
    while words and _key(words[-1]) in NOT_NAMES:
        words = words[:-1]
    return [re.sub(r"[’']s$", "", w) for w in words]


def names_in(text: str) -> list[str]:
    """Every name in ``text``, in order (repeats kept), without the title or the count before it."""
    out = []
    for m in NAME_RUN.finditer(text):
        words = trimmed(m.group().split())
        while words and _key(words[0]) in _BEFORE_NAMES:
            words = words[1:]
        if words:
            out.append(" ".join(words))
    return out


def _key(word: str) -> str:
    return word.lower().strip("’'")
