"""`assistant ask` and `assistant chat`: answers as they are made, then checked."""

from __future__ import annotations

import json

import typer

from .. import (
    Conversation,
    UserError,
)
from . import root
from .root import app, err, out


@app.command()
def ask(
    question: str = typer.Argument(..., help="The question, in quotes."),
    as_json: bool = typer.Option(False, "--json", help="Print the Answer as JSON."),
    stream: bool = typer.Option(False, "--stream", help="Show progress and the answer as it is written."),
    top_k: int | None = typer.Option(None, "--top-k", min=1, max=100, help="Passages to read."),
    outlet: str | None = typer.Option(None, "--outlet", help="Only articles from this outlet."),
    since: str | None = typer.Option(None, "--since", help="Only articles published on or after YYYY-MM-DD."),
    until: str | None = typer.Option(None, "--until", help="Only articles published on or before YYYY-MM-DD."),
    mode: str | None = typer.Option(None, "--mode", help="Answer mode: reader, extractive or llm (default from settings)."),
) -> None:
    """Answer a question from the stored articles (seeds are indexed on first use)."""
    assistant = root.open_assistant()
    assistant.ensure_seeded()
    options = dict(top_k=top_k, outlet=outlet, since=since, until=until, mode=mode)
    if as_json:
        out.print_json(json.dumps(assistant.ask(question, **options).to_dict()))
        return
    if stream:
        _show_stream(assistant.ask_stream(question, **options))
        return
    _show_answer(assistant.ask(question, **options))

def _show_answer(answer, *, text: bool = True) -> None:
    if text:
        out.print(answer.text, markup=False, highlight=False)
    if answer.notice:
        out.print(answer.notice, style="italic", markup=False)
    for c in answer.citations:
        out.print(f"\n[{c.n}] {c.outlet or 'unknown outlet'}, {c.published or 'date unknown'}: {c.title}", style="bold", markup=False)
        out.print(f"    “{c.quote}”", markup=False, highlight=False)

def _show_stream(events):
    """Steps on stderr, text as it is written, then the checked answer; returns the Answer."""
    from .. import Answer, Step, TextDelta

    streamed = []
    for event in events:
        if isinstance(event, Step):
            err.print(event.message, style="dim", markup=False, highlight=False)
        elif isinstance(event, TextDelta):
            streamed.append(event.text)
            out.print(event.text, end="", markup=False, highlight=False)
        elif isinstance(event, Answer):
            written = "".join(streamed)
            if written:
                out.print()
            same = written.strip() == event.text.strip()
            if written and not same:
                # What was streamed is a draft: the checked answer replaces it.
                out.print("Checked answer:", style="bold")
            _show_answer(event, text=not same)
            return event
    return None

@app.command()
def chat(
    mode: str | None = typer.Option(None, "--mode", help="Answer mode: reader, extractive or llm (default from settings)."),
) -> None:
    """Talk to the articles: follow-up questions keep the conversation; `/new` starts over, `/quit` ends."""
    assistant = root.open_assistant()
    assistant.ensure_seeded()
    assistant.warm_up()
    err.print(f"Answer modes: {', '.join(assistant.modes)}. Ask a question; /new starts over, /quit ends.", style="dim")
    conversation = Conversation(assistant)
    while True:
        try:
            question = input("\n> ").strip()
        except EOFError:
            return
        if not question:
            continue
        if question in ("/quit", "/exit"):
            return
        if question == "/new":
            conversation.clear()
            err.print("New conversation.", style="dim")
            continue
        try:
            answer = _show_stream(conversation.ask_stream(question, mode=mode))
        except UserError as exc:
            err.print(f"error: {exc}", markup=False, highlight=False)
            continue
        if answer is not None:
            if answer.rewritten_question != answer.question:
                err.print(f"(read as: {answer.rewritten_question})", style="dim", markup=False)
