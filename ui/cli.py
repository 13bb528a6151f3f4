"""The command the chat adds to ``assistant``: ``serve``.

``assistant`` finds it through the entry point ``ui`` of the group
``assistant.commands`` (pyproject.toml), as it finds the evals' commands:
the core knows nothing of the chat.
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from assistant import Assistant, load_settings
from ui.server import check_bind
from ui.server import serve as serve_app

err = Console(stderr=True, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the ``assistant`` app."""
    app.command()(serve)


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to bind."),
    port: int = typer.Option(7860, min=1, max=65535, help="Port to listen on."),
    auth: str | None = typer.Option(None, "--auth", help="USER:PASS to ask for (default: ASSISTANT_AUTH)."),
    no_auth: bool = typer.Option(False, "--no-auth", help="Serve on a non-local address without a password."),
) -> None:
    """Serve the chat in a browser (indexes the seeds first if the store is empty)."""
    settings = load_settings()
    credentials = check_bind(host, auth or (settings.auth.get_secret_value() if settings.auth else None), no_auth)
    assistant = Assistant(settings)
    with Progress(TextColumn("[bold]Indexing seeds[/] {task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True) as bar:  # fmt: skip
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        assistant.ensure_seeded(progress=update)
    assistant.warm_up()
    err.print(f"Serving on http://{host}:{port}")
    serve_app(assistant, host=host, port=port, auth=credentials)
