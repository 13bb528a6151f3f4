"""Example questions for an empty chat, drawn from the stored articles.

Not hard-coded: whatever the store holds, the examples name the people,
places and organisations its newest articles mention most, so a click on one
gets an answer from those articles.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Protocol

from ..types import Article, ArticleInfo
from .names import OFFICES, names_in

__all__ = ["example_questions", "examples_from_store"]

class _Archive(Protocol):
    def articles(self) -> list[ArticleInfo]: ...
    def article(self, article_id: str) -> Article: ...


def _names(text: str) -> Counter[str]:
    """Full names (two to five words), each counted; an office before a name is left out of it."""
    counts: Counter[str] = Counter()
    for line in text.splitlines():  # a headline's last word and the next line's first are no name
        for name in names_in(line):
            words = name.split(" ")
            offices = [i for i, word in enumerate(words) if word.lower() in OFFICES]
            if offices:
                words = words[offices[-1] + 1 :]
            if 2 <= len(words) <= 5:
                counts[" ".join(words)] += 1
    return counts


def example_questions(articles: Sequence[Article], n: int = 4) -> list[str]:
    """Up to ``n`` questions, one per article in the given order, then more from the first ones.

    Each asks about a name its article mentions, those that other articles
    mention too and those it mentions most first (never the article's own
    outlet or wire agency); an article without one gets a question about its
    title.
    """
    counts = [_names(article.text) for article in articles]
    spread = Counter(name for c in counts for name in c)
    per_article = []
    for article, names in zip(articles, counts, strict=True):
        own = {(article.outlet or "").casefold(), *(a.casefold() for a in article.agencies)}
        ranked = sorted(names, key=lambda name: (-(spread[name] * 2 + names[name]), name))
        per_article.append([name for name in ranked if name.casefold() not in own])
    questions: list[str] = []
    used: set[str] = set()
    for depth in range(n):
        for article, names in zip(articles, per_article, strict=True):
            if len(questions) >= n:
                return questions
            fresh = [name for name in names if name.casefold() not in used]
            if fresh:
                used.add(fresh[0].casefold())
                questions.append(f"What do the articles say about {fresh[0]}?")
            elif depth == 0 and article.title:
                questions.append(f"What happened: {article.title.rstrip('?.!')}?")
    return questions


def examples_from_store(archive: _Archive, n: int = 4, *, sample: int = 12) -> list[str]:
    """``example_questions`` over the ``sample`` newest articles of ``archive`` (an ``Assistant``; undated ones last)."""
    infos = sorted(archive.articles(), key=lambda a: a.published or "", reverse=True)[:sample]
    return example_questions([archive.article(info.id) for info in infos], n)
