"""The ``/ask`` API endpoint, through ``gradio_client`` as an outside caller uses it.

The ``unit`` tests run the app in-process over a fake assistant (wiring and
error paths); the ``integration`` tests hit the real app started by
``python -m assistant serve``.
"""

from __future__ import annotations

import pytest
from gradio_client import Client


def _client(url: str) -> Client:
    return Client(url, verbose=False, analytics_enabled=False)


@pytest.mark.unit
def test_ask_endpoint_returns_answer_dict(fake_app, seized_question):
    url, fake = fake_app
    result = _client(url).predict(seized_question, api_name="/ask")
    assert result["text"].endswith("[1].")
    assert result["refused"] is False
    assert result["citations"][0]["outlet"] == "Example News"
    # The API answers single questions: no conversation is carried over.
    assert fake.calls[-1] == (seized_question, ())


@pytest.mark.unit
def test_ask_endpoint_reports_user_error_message(fake_app):
    url, _ = fake_app
    with pytest.raises(Exception, match="The question is empty"):
        _client(url).predict("  ", api_name="/ask")


@pytest.mark.unit
def test_chat_events_are_not_public_api(fake_app):
    url, _ = fake_app
    named = _client(url).view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert list(named) == ["/ask"]


@pytest.mark.integration
def test_real_app_answers_with_exact_citation(app_url, seized_question):
    result = _client(app_url).predict(seized_question, api_name="/ask")
    assert isinstance(result, dict)
    assert result["refused"] is False
    assert "60" in result["text"]
    quotes = [c for c in result["citations"] if "more than 60 military posts" in c["quote"]]
    assert quotes, result["citations"]
    assert quotes[0]["outlet"]
    assert quotes[0]["published"]


@pytest.mark.integration
def test_real_app_refuses_off_topic_question(app_url, off_topic_question):
    result = _client(app_url).predict(off_topic_question, api_name="/ask")
    assert result["refused"] is True
    assert result["citations"] == []
