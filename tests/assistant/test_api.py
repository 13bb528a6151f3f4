"""The issue's must-shows, on the real seeds, model and Chroma."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from assistant import (
    Answer,
    ArticleNotFoundError,
    Assistant,
    IndexMismatchError,
    InvalidInputError,
    load_settings,
)

pytestmark = pytest.mark.integration

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def test_military_posts_answer_cites_the_sentence_with_outlet_and_date(seeded):
    answer = seeded.ask("How many military posts did Azerbaijan say it seized?")
    assert not answer.refused and "60" in answer.text
    quotes = [c for c in answer.citations if "more than 60 military posts" in c.quote]
    assert quotes and all(c.outlet and c.published for c in quotes)
    # The same fact is in both seed articles: one sentence cites both.
    assert {c.article_id for c in quotes} == {"000_7df8da37a3d8a7ae", "001_151552ea4d882762"}


def test_every_citation_is_an_exact_slice_of_the_stored_article(seeded):
    for question in ["Who is Hikmet Hajiyev?", "What did Blinken say?", "Which countries condemned the offensive?"]:
        answer = seeded.ask(question)
        for c in answer.citations:
            assert seeded.article(c.article_id).text[c.start : c.end] == c.quote
            assert f"[{c.n}]" in answer.text
            assert c.quote in c.passage


def test_hajiyev_is_named_as_adviser_to_aliyev(seeded):
    answer = seeded.ask("Who is Hikmet Hajiyev?")
    assert any("adviser to" in c.quote and "Aliyev" in c.quote for c in answer.citations)


def test_off_topic_question_is_refused_without_citations(seeded):
    answer = seeded.ask("What is the capital of Australia?")
    assert answer.refused and answer.citations == ()
    assert "Australia" in (answer.notice or "")


def test_answer_to_dict_is_json_safe_and_complete(seeded):
    answer = seeded.ask("How many military posts did Azerbaijan say it seized?")
    data = json.loads(json.dumps(answer.to_dict()))
    assert set(data) == {
        "question", "rewritten_question", "text", "citations", "refused", "answerer", "notice", "timings_ms", "refusal",
        "dropped",
    }  # fmt: skip
    assert data["refusal"] is None and data["dropped"] == 0
    assert set(data["timings_ms"]) == {"retrieve", "rank", "answer", "total"}
    assert data["answerer"] == "extractive"
    assert set(data["citations"][0]) == {
        "n", "article_id", "title", "outlet", "published", "source", "quote", "start", "end", "passage", "score"
    }
    with pytest.raises(dataclasses.FrozenInstanceError):
        answer.text = "changed"  # type: ignore[misc]


def test_follow_up_uses_the_history(seeded):
    first = seeded.ask("Who is Hikmet Hajiyev?")
    follow = seeded.ask("What did he say about civilians?", history=[("Who is Hikmet Hajiyev?", first)])
    assert "Hikmet Hajiyev" in follow.rewritten_question
    assert not follow.refused


def test_a_new_question_on_another_story_is_not_read_as_a_follow_up(writable_seeded, tmp_path):
    story = tmp_path / "theatre.txt"
    story.write_text(
        "Stage hands find a note hidden in a play's script\n\n"
        "Stage hands at the Riverside Theatre found a note planted inside the director's script on Friday. "
        "The planted note said the final scene had been rewritten without the cast being told. "
        "The theatre said it would review who had access to the script before opening night.\n"
    )
    writable_seeded.ingest([story])
    first = writable_seeded.ask("How many military posts did Azerbaijan say it seized?")
    turn = ("How many military posts did Azerbaijan say it seized?", first)
    unrelated = writable_seeded.ask("What does the planted note say about the script?", history=[turn])
    assert unrelated.rewritten_question == "What does the planted note say about the script?"
    assert {c.article_id for c in unrelated.citations} == {"theatre"}
    related = writable_seeded.ask("What did the ministry say about the military vehicles?", history=[turn])
    assert related.rewritten_question.endswith("(Azerbaijan)")


def test_what_else_never_repeats_a_quote(seeded):
    history = []
    for question in ["Who is Hikmet Hajiyev?", "What else?", "What else?"]:
        answer = seeded.ask(question, history=history)
        history.append((question, answer))
    quotes = [(c.article_id, c.start) for _, a in history for c in a.citations]
    assert len(quotes) == len(set(quotes))
    assert history[1][1].rewritten_question == "Who is Hikmet Hajiyev?"


def test_filters_limit_the_articles(seeded):
    only = seeded.ask("How many military posts did Azerbaijan say it seized?", outlet="yemen details")
    assert {c.article_id for c in only.citations} == {"001_151552ea4d882762"}
    none = seeded.ask("How many military posts did Azerbaijan say it seized?", since="2024-01-01")
    assert none.refused
    with pytest.raises(InvalidInputError, match="YYYY-MM-DD"):
        seeded.ask("anything", since="last week")


def test_bad_questions_are_user_errors(seeded):
    with pytest.raises(InvalidInputError, match="empty"):
        seeded.ask("   ")
    with pytest.raises(InvalidInputError, match="limit"):
        seeded.ask("x" * 5000)


def test_articles_and_article_lookup(seeded):
    ids = [a.id for a in seeded.articles()]
    assert ids == ["000_7df8da37a3d8a7ae", "001_151552ea4d882762"]
    article = seeded.article(ids[1])
    assert article.outlet == "Yemen Details" and article.published == "2023-09-19"
    assert "THIS IMAGE HAS BEEN SUPPLIED" not in seeded.article(ids[0]).text
    with pytest.raises(ArticleNotFoundError):
        seeded.article("missing")


def test_reingest_is_unchanged_and_an_edit_is_replaced(writable_seeded, tmp_path):
    again = writable_seeded.ingest([SEEDS])
    assert again.unchanged == ("000_7df8da37a3d8a7ae", "001_151552ea4d882762") and not again.added
    edited = tmp_path / "seeds"
    shutil.copytree(SEEDS, edited)
    path = edited / "001_151552ea4d882762.txt"
    path.write_text(path.read_text().replace("Reuters could not verify these assertions.", "Nobody could verify it."))
    report = writable_seeded.ingest([edited])
    assert report.replaced == ("001_151552ea4d882762",) and report.unchanged == ("000_7df8da37a3d8a7ae",)
    assert "Nobody could verify it." in writable_seeded.article("001_151552ea4d882762").text


def test_remove_then_the_article_is_gone(writable_seeded):
    writable_seeded.remove("000_7df8da37a3d8a7ae")
    assert [a.id for a in writable_seeded.articles()] == ["001_151552ea4d882762"]
    answer = writable_seeded.ask("How many military posts did Azerbaijan say it seized?")
    assert {c.article_id for c in answer.citations} <= {"001_151552ea4d882762"}
    with pytest.raises(ArticleNotFoundError):
        writable_seeded.remove("000_7df8da37a3d8a7ae")


def test_changed_chunk_settings_ask_for_reindex(seeded_home, tmp_path, embedder):
    home = tmp_path / "copy"
    shutil.copytree(seeded_home, home)
    other = Assistant(load_settings(home=home, chunk_size=128, chunk_overlap=16), embedder=embedder)
    with pytest.raises(IndexMismatchError, match="assistant reindex"):
        other.articles()
    assert other.reindex() == 2
    assert not other.ask("How many military posts did Azerbaijan say it seized?").refused


def test_constructor_is_cheap_and_default_ask_seeds_an_empty_store(monkeypatch, tmp_path):
    import assistant.api as api

    assistant = Assistant()
    assert assistant._index is None  # nothing opened yet
    api._default_assistant.cache_clear()
    try:
        answer = api.ask("Who is Hikmet Hajiyev?")
        assert any("Aliyev" in c.quote for c in answer.citations)
    finally:
        api._default_assistant().close()
        api._default_assistant.cache_clear()


def test_an_answerer_cannot_cite_text_that_is_not_there(seeded_home, embedder):
    from assistant import Draft, DraftCitation

    class Liar:
        name = "liar"

        def warm_up(self):
            pass

        def answer(self, context):
            p = context.passages[0]
            bad = DraftCitation(p.article_id, 0, 10**7, p, 1.0)
            return Draft("Invented claim [1]", (bad,), False)

        def answer_stream(self, context):
            yield self.answer(context)

        def rerank(self, context, top_k):
            return list(context.passages)[:top_k]

    with Assistant(load_settings(home=seeded_home), embedder=embedder, answerer=Liar()) as liar:
        answer = liar.ask("How many military posts were seized?")
    assert answer.refused and answer.citations == () and isinstance(answer, Answer)
    assert answer.refusal == "unchecked"


def test_warm_up_loads_what_the_first_question_needs_and_writes_nothing(writable_seeded, tmp_path, embedder):
    from assistant import Draft
    from assistant.language import terms as answer_types

    answer_types._places.cache_clear()
    before = writable_seeded.articles()
    writable_seeded.warm_up()
    assert answer_types._places.cache_info().currsize == 1  # the gazetteer is read
    assert writable_seeded.articles() == before
    assert writable_seeded.ask("Who is Hikmet Hajiyev?").citations

    class Plain:  # an answerer with nothing to load
        name = "plain"

        def warm_up(self):
            pass

        def answer(self, context):
            return Draft("Nothing.", (), True)

        def answer_stream(self, context):
            yield self.answer(context)

        def rerank(self, context, top_k):
            return list(context.passages)[:top_k]

    with Assistant(load_settings(home=tmp_path / "empty"), embedder=embedder, answerer=Plain()) as empty:
        empty.warm_up()
        assert empty.articles() == []


def test_a_bare_summary_opens_with_both_seed_articles(seeded):
    answer = seeded.ask("Summarise what happened.")
    assert not answer.refused
    assert {c.article_id for c in answer.citations} == {"000_7df8da37a3d8a7ae", "001_151552ea4d882762"}
    for c in answer.citations:  # each is its article's first body sentence, not its headline
        assert c.quote.endswith((".", "’.", "”"))
        assert c.start < 400


class WritingReader:
    """A fake reader that also writes (a TextGenerator): accepts every sentence, rewrites as told."""

    name = "writing-fake"

    def __init__(self, rewrite: str):
        self.rewrite, self.prompts = rewrite, []

    def warm_up(self) -> None:
        pass

    def judge(self, question, claims, *, budget_ms=None, until=None):
        from assistant import Verdicts

        return Verdicts(tuple(0.9 for _ in claims), 1.0)

    def generate(self, prompt, user, *, max_tokens=48):
        self.prompts.append(user)
        return self.rewrite


def test_a_reader_that_writes_rewrites_follow_ups_unless_the_rules_are_asked_for(seeded_home, embedder):
    first_q = "Who is Hikmet Hajiyev?"
    writes = WritingReader("What did Hikmet Hajiyev say about civilians?")
    with Assistant(load_settings(home=seeded_home, reader="on"), embedder=embedder, reader=writes) as model:
        first = model.ask(first_q)
        follow = model.ask("What did he say about them?", history=[(first_q, first)])
        assert follow.rewritten_question == "What did Hikmet Hajiyev say about civilians?"
        assert writes.prompts and writes.prompts[-1].endswith("Follow-up: What did he say about them?")
        # "What else?" is always the rules': it means the previous question again
        more = model.ask("What else?", history=[(first_q, first)])
        assert more.rewritten_question == first_q and len(writes.prompts) == 1
    rules = WritingReader("never used")
    settings = load_settings(home=seeded_home, reader="on", rewriter="rules")
    with Assistant(settings, embedder=embedder, reader=rules) as by_rules:
        follow = by_rules.ask("What did he say about them?", history=[(first_q, first)])
        assert follow.rewritten_question == "What did Hikmet Hajiyev say about them?" and not rules.prompts


def test_the_same_assistant_answers_after_a_reindex(writable_seeded):
    # Found by the archive state machine: the retriever kept the closed index's
    # Chroma collections, which reindex replaces ("Collection ... does not exist").
    question = "How many military posts did Azerbaijan say it seized?"
    before = writable_seeded.ask(question)
    assert writable_seeded.reindex() == 2
    after = writable_seeded.ask(question)
    assert not after.refused and after.text == before.text
    assert writable_seeded.search(question)
