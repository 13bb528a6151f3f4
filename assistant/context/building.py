"""What an answerer reads: the retrieved passages with everything ingest stored about their articles.

``AnswerContext`` is built here, once per question, from the store; the
answerers never touch the store themselves.  Whether a follow-up is about
the previous answer's articles is read from the store here too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from vectorstore.protocols import Store

from ..answerers.drafts import AnswerContext
from ..language.question import content_words, statement_form
from ..language.terms import has_term
from ..types import Answer, Passage

__all__ = ["build_context", "cites_what_is_asked", "sentence_query_vector"]


def build_context(store: Store, question: str, passages: Sequence[Passage], query_vector: np.ndarray) -> AnswerContext:
    """The context for ``passages`` as retrieved (an article removed since retrieval is left out)."""
    texts, outlets, published, hashes, credits, updated = {}, {}, {}, {}, {}, {}
    for aid in dict.fromkeys(p.article_id for p in passages):
        stored = store.article(aid)
        if stored is not None:
            texts[aid], outlets[aid], published[aid] = stored.text, stored.outlet, stored.published
            hashes[aid] = stored.content_hash
            updated[aid] = stored.updated  # a report's date in a timeline (answerers/timeline.py)
            credits[aid] = "; ".join(n for n in (stored.outlet, *stored.agencies) if n)
    sentences = store.sentences_of(hashes)
    # The ranker tokenises every sentence of the candidates: one call for those not seen yet.
    store.lexicon.prime([texts[aid][s:e] for aid, spans in sentences.items() for s, e, _ in spans])
    kept = [p for p in passages if p.article_id in texts]
    context = AnswerContext(
        question=question,
        passages=kept,
        query_vector=query_vector,
        sentences=sentences,
        texts=texts,
        lexicon=store.lexicon,
        outlets=outlets,
        published=published,
        updated=updated,
        credits=credits,
        source_names=store.source_names(),
        copies=store.copies_of(list(texts)),
    )
    return replace(context, pool=kept)


def sentence_query_vector(question: str, embed: Callable[[str], np.ndarray]) -> np.ndarray:
    """The mean of the question's vector and its statement form's, for ranking sentences.

    Measured on the dev split: answer sentences rank higher against the
    mean than against the question alone (see the commit adding this).
    """
    statement = statement_form(question)
    if statement == question:
        return embed(question)
    mean = embed(question) + embed(statement)
    return mean / np.linalg.norm(mean)


def cites_what_is_asked(store: Store, question: str, previous: Answer, *, share: float) -> bool:
    """Whether the articles ``previous`` cited speak of what ``question`` asks.

    ``share`` of the question's idf-weighted terms must be in them; a refused
    answer cited nothing, so it gives no reason to doubt the follow-up.
    """
    cited = {c.article_id for c in previous.citations}
    if not cited:
        return True
    lexicon = store.lexicon
    terms = set(lexicon.tokenize(" ".join(content_words(question))))
    weights = {t: lexicon.idf(t) for t in terms}
    total = sum(weights.values())
    if not total:
        return True
    texts = [stored.text for aid in cited if (stored := store.article(aid)) is not None]
    present = set(lexicon.tokenize(" ".join(texts)))
    covered = sum(w for t, w in weights.items() if has_term(t, present))
    return covered / total >= share
