"""Example questions for an empty chat, drawn from the stored articles.

Not hard-coded: whatever the store holds, the examples name the people,
places and organisations its newest articles mention most, so a click on one
gets an answer from those articles.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Protocol

from ..types import Article, ArticleInfo
from .calendar import CALENDAR_WORDS

__all__ = ["example_questions", "examples_from_store"]

# Two to four capitalised words in a row ("Hikmet Hajiyev", "Nagorno Karabakh").
_NAME = re.compile(r"\b[A-Z][a-z]+(?:[ -](?:[A-Z][a-z]+|of|al|el|de)){0,3}[ -][A-Z][a-z]+\b")
# Words that start a capitalised run without being part of a name.
_NOT_NAME_START = {
    "The", "A", "An", "In", "On", "At", "But", "And", "For", "It", "He", "She", "They", "We", "This",
    "That", "As", "If", "When", "While", "After", "Before", "Since", "With", "By", "From", "Of", "To",
    "Mr", "Mrs", "Ms", "Dr", "Read", "Follow", "Source", "Photo",
    *(word.capitalize() for word in CALENDAR_WORDS),
}  # fmt: skip


class _Store(Protocol):
    def articles(self) -> list[ArticleInfo]: ...
    def article(self, article_id: str) -> Article: ...


# A title before a name ("Azerbaijani President Ilham Aliyev"): the name is what follows it.
_TITLES = {
    "President", "Minister", "Secretary", "State", "Spokesman", "Spokeswoman", "Spokesperson", "Leader",
    "General", "Chief", "Senator", "Governor", "Mayor", "King", "Queen", "Prince", "Pope", "Ambassador",
    "Adviser", "Advisor", "Commander", "Chairman", "Director", "Judge", "Official", "Envoy",
}  # fmt: skip


def _names(text: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for match in _NAME.finditer(text):
        words = match.group(0).split(" ")
        while words and words[0] in _NOT_NAME_START:
            words = words[1:]
        titled = [i for i, word in enumerate(words) if word in _TITLES]
        if titled:
            words = words[titled[-1] + 1 :]
        if len(words) >= 2 and words[0][0].isupper():
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


def examples_from_store(store: _Store, n: int = 4, *, sample: int = 12) -> list[str]:
    """``example_questions`` over the ``sample`` newest stored articles (undated ones last)."""
    infos = sorted(store.articles(), key=lambda a: a.published or "", reverse=True)[:sample]
    return example_questions([store.article(info.id) for info in infos], n)
