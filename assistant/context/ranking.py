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

from ..language.names import names_in
from ..language.question import QuestionInfo, content_words
from ..language.terms import ATTRIBUTION, TermSet, alias_of, has_term, holds_all, type_match
from ..types import Passage

__all__ = ["Candidate", "SentenceRanker", "is_anaphoric", "is_body_sentence", "source_terms"]

# Sentences this short are subheads or captions, never an answer on their own.
_MIN_WORDS = 5
# An answer sentence ends like a sentence; headings and captions don't.
_ENDS_SENTENCE = re.compile(r"[.!?][\"'”’)\]]*$|[\"”’]$")


def is_body_sentence(sentence: str) -> bool:
    """A sentence of the article's body, not a heading, subhead or caption."""
    return len(sentence.split()) >= _MIN_WORDS and bool(_ENDS_SENTENCE.search(sentence))


_ANAPHORA = re.compile(
    r"^(?:[“\"][^”\"]*[”\"],?\s*)?(he|she|they)\b|\b(he|she|they)\s+(said|says|added|told|claimed|warned|stated|noted|argued)\b",
    re.I,
)
# A sentence of quoted words closed by "he said": it carries on the sentence before.
_CONTINUES = re.compile(r"^[“\"][^”\"]+[”\"],?\s+(he|she|they)\s+(said|says|added|told)\b", re.I)


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


class SentenceRanker:
    def __init__(self, *, w_sem: float = 0.5, w_lex: float = 0.4, w_type: float = 0.1, context_weight: float = 1.0):
        self._w = (w_sem, w_lex, w_type)
        self._context_weight = context_weight

    def rank(self, info: QuestionInfo, context) -> list[Candidate]:
        tokenize = context.lexicon.tokenize
        q_terms = set(tokenize(" ".join(content_words(context.question))))
        q_names = {n.lower() for n in info.names}
        aliases = _aliases(info.names, tokenize)
        weights = _weights(q_terms, aliases, context.lexicon)
        # An outlet or agency the question names is in no chunk's words, so the
        # index gives it no weight; it is as telling as the rarest term asked.
        named_sources = q_terms & source_terms(context.source_names, tokenize)
        for term in named_sources:
            weights[term] = weights[term] or max(weights.values(), default=0.0) or 1.0
        total = sum(weights.values()) or 1.0
        counted = set(tokenize(info.counted)) if info.counted else set()
        seen: set[tuple[str, int]] = set()
        out: list[Candidate] = []
        memo = context.sentence_memo
        for rank, passage in enumerate(context.passages):
            text = context.texts[passage.article_id]
            sentences = context.sentences.get(passage.article_id, [])
            # the article's outlet and agencies, once per passage rather than per sentence
            credit_terms = tokenize(context.credits.get(passage.article_id, ""))
            for i, (start, end, vec) in enumerate(sentences):
                if start < passage.start or end > passage.end or (passage.article_id, start) in seen:
                    continue
                seen.add((passage.article_id, start))
                key = (context.question, passage.article_id, start)
                if key not in memo:
                    memo[key] = self._signals(
                        info, context, text, sentences, i, q_names, aliases, weights, total, counted, credit_terms
                    )
                found = memo[key]
                if found is None:
                    continue
                lexical, semantic, typed, quote_start, quote_end = found
                score = (
                    self._w[0] * semantic
                    + self._w[1] * lexical
                    + self._w[2] * typed
                    # retrieval order breaks near-ties between equally good sentences
                    + 0.02 / (rank + 1)
                )
                out.append(
                    Candidate(passage.article_id, start, end, quote_start, quote_end, vec, passage, score, typed, semantic)
                )
        out.sort(key=lambda c: -c.score)
        return out


    def _signals(self, info, context, text, sentences, i, q_names, aliases, weights, total, counted, credit_terms):
        """(lexical, semantic, typed, quote start, quote end) of sentence ``i``; None for a non-body one.

        Depends on the question and the article only, not on where the
        passage ranks, so ``rank`` keeps it in the context's memo.
        """
        tokenize = context.lexicon.tokenize
        start, end, vec = sentences[i]
        sentence = text[start:end]
        if not is_body_sentence(sentence):
            return None
        prev = text[sentences[i - 1][0] : sentences[i - 1][1]] if i else ""
        # The article's outlet and agencies stand in every one of its
        # sentences: "what did Reuters report" prefers Reuters' articles.
        terms = TermSet([*tokenize(sentence), *credit_terms])
        # "He said ..." inherits who is speaking from the sentence before,
        # not that sentence's topic words.
        prev_terms = TermSet(tokenize(" ".join(names_in(prev)))) if prev and is_anaphoric(sentence) else TermSet()
        lexical = (
            sum(w * _credit(t, terms, prev_terms, self._context_weight, aliases) for t, w in weights.items()) / total
        )
        semantic = float(np.dot(context.query_vector, vec))
        speaker_named = bool(prev_terms) and any(len(n.split()) >= 2 for n in names_in(prev))
        typed = type_match(info, sentence, prev if speaker_named else "", q_names, counted, tokenize)
        quote_start = sentences[i - 1][0] if speaker_named else start
        after = sentences[i + 1] if i + 1 < len(sentences) else None
        # "X says the plan is easy. 'Don't ...,' he said.": the quote is what X said.
        goes_on = after and ATTRIBUTION.search(sentence) and _CONTINUES.search(text[after[0] : after[1]])
        quote_end = after[1] if goes_on else end
        return lexical, semantic, typed, quote_start, quote_end


@functools.lru_cache(maxsize=8)
def _source_terms(names: frozenset[str], tokenize) -> frozenset[str]:
    return frozenset(tokenize(" ; ".join(sorted(names))))


def source_terms(names: frozenset[str], tokenize) -> frozenset[str]:
    """The terms of the store's outlet and agency names (cached: they rarely change)."""
    return _source_terms(names, tokenize) if names else frozenset()


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
    if has_term(term, terms) or any(holds_all(alt, terms) for alt in (aliases or {}).get(term, ())):
        return 1.0
    return context_weight if prev_terms and has_term(term, prev_terms) else 0.0
