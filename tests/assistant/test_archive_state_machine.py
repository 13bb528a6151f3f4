"""Ingest, replace, remove, reindex and ask in random order against a dict model of the archive.

A real store (embedded Chroma, tantivy BM25) with the hash embedder and the
reader off. After every step the store must hold exactly the model's ids and
texts, ``check()`` must report it consistent, and every citation must be an
exact slice of its article: "nothing lost, nobody in".
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from assistant import ArticleNotFoundError, Assistant, load_settings
from tests.conftest import HashEmbedder

pytestmark = pytest.mark.integration

IDS = st.sampled_from(["harbour", "farm", "ferry", "news/2024/x", "Ünïcödé 東京"])
NOUNS = ["workers", "farmers", "council", "ferry", "union", "growers", "port", "ministry"]
VERBS = ["voted", "met", "sailed", "protested", "agreed", "closed"]
DAYS = ["Monday", "Friday", "Sunday"]
# Clean already: one paragraph of plain sentences, nothing the cleaner drops,
# so the stored text must equal the generated text exactly.
SENTENCE = st.builds(lambda n, v, d, k: f"The {n} {v} on {d} after {k} days.",
                     st.sampled_from(NOUNS), st.sampled_from(VERBS), st.sampled_from(DAYS), st.integers(1, 999))
TEXTS = st.lists(SENTENCE, min_size=1, max_size=4).map(" ".join)
QUESTIONS = st.builds(lambda n, v: f"When the {n} {v}?", st.sampled_from(NOUNS), st.sampled_from(VERBS))


class Archive(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="archive-sm-"))
        self.assistant = Assistant(load_settings(home=self.dir / "home", reader="off"), embedder=HashEmbedder())
        self.model: dict[str, str] = {}
        self.files = 0

    def teardown(self):
        self.assistant.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    @rule(aid=IDS, text=TEXTS)
    def ingest(self, aid, text):
        self.files += 1
        path = self.dir / f"feed-{self.files}.jsonl"
        path.write_text(json.dumps({"id": aid, "text": text}) + "\n", encoding="utf-8")
        report = self.assistant.ingest([path])
        expected = "unchanged" if self.model.get(aid) == text else "replaced" if aid in self.model else "added"
        assert getattr(report, expected) == (aid,)
        assert report.rejected == ()
        self.model[aid] = text

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def remove(self, data):
        aid = data.draw(st.sampled_from(sorted(self.model)))
        self.assistant.remove(aid)
        del self.model[aid]

    @rule(aid=IDS)
    def remove_unknown(self, aid):
        unknown = aid + "-missing"
        with pytest.raises(ArticleNotFoundError, match="no article with id"):
            self.assistant.remove(unknown)

    @rule()
    def reindex(self):
        assert self.assistant.reindex() == len(self.model)

    @precondition(lambda self: self.model)
    @rule(question=QUESTIONS)
    def ask_and_search(self, question):
        answer = self.assistant.ask(question)
        for c in answer.citations:
            assert c.article_id in self.model
            assert self.assistant.article(c.article_id).text[c.start:c.end] == c.quote
        for passage in self.assistant.search(question):
            assert passage.article_id in self.model

    @invariant()
    def store_matches_model(self):
        assert sorted(a.id for a in self.assistant.articles()) == sorted(self.model)
        for aid, text in self.model.items():
            assert self.assistant.article(aid).text == text
        report = self.assistant.check()
        assert report.consistent, report.problems


Archive.TestCase.settings = settings(max_examples=8, stateful_step_count=8, deadline=None,
                                     suppress_health_check=[HealthCheck.too_slow])
test_archive_state_machine = Archive.TestCase
