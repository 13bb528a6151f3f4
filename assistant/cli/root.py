"""The ``assistant`` command's root: the Typer app, its consoles and the plugin commands."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable
from importlib.metadata import EntryPoint, entry_points

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from .. import (
    Assistant,
    AssistantError,
    UserError,
    __version__,
    load_settings,
)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Ask questions about your news articles; every answer cites the exact sentences it rests on.",
    pretty_exceptions_enable=False,
)

# soft_wrap: an id, a path or an error must stay on one line for scripts to read.
out = Console(soft_wrap=True)

err = Console(stderr=True, soft_wrap=True)

def _version(value: bool) -> None:
    if value:
        out.print(f"assistant {__version__}")
        raise typer.Exit()

@app.callback()
def _root(
    verbose: bool = typer.Option(False, "-v", "--verbose", help="Log what happens (INFO)."),
    quiet: bool = typer.Option(False, "--quiet", help="Only errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    level = logging.INFO if verbose else logging.ERROR if quiet else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr, force=True)
    for noisy in ("bm25s", "chromadb", "httpx", "sentence_transformers", "transformers"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    if not verbose:
        # Libraries print load bars and notices that mean nothing to a user.
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("TQDM_DISABLE", "1")

def open_assistant() -> Assistant:
    return Assistant(load_settings())

class RateColumn(ProgressColumn):
    """Items per second, e.g. "41.9/s"."""

    def render(self, task) -> Text:
        return Text(f"{task.speed:.1f}/s" if task.speed else "–/s", style="progress.data.speed")

def progress_bar(label: str):
    bar = Progress(
        TextColumn(f"[bold]{label}[/] {{task.description}}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )
    tasks: dict[str, int] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total)
        bar.update(tasks[stage], completed=done, total=total)

    return bar, update

COMMANDS_GROUP = "assistant.commands"


def add_commands(target: typer.Typer | None = None, found: Iterable[EntryPoint] | None = None) -> list[str]:
    """Let installed packages add commands; returns the names of the entry points that did.

    Each entry point of the group ``assistant.commands`` names a function that
    takes the Typer app and registers its commands on it (``evals`` adds
    ``eval`` and ``bench`` this way, ``ui`` adds ``serve`` and ``mcp``). One that fails to load is logged and
    skipped: the other commands still work. ``found`` replaces the installed
    entry points (tests).
    """
    target = app if target is None else target
    if found is None:
        try:
            found = entry_points(group=COMMANDS_GROUP)
        except Exception:  # noqa: BLE001 - broken metadata must not stop the built-in commands
            logging.getLogger(__name__).warning("could not read the %s entry points", COMMANDS_GROUP, exc_info=True)
            found = ()
    added = []
    for point in found:
        try:
            point.load()(target)
        except Exception as exc:  # noqa: BLE001 - one broken package must not stop the others
            logging.getLogger(__name__).warning(
                "commands from %s (%s) not added: %s: %s", point.name, point.value, type(exc).__name__, exc
            )
            continue
        added.append(point.name)
    return added

def main() -> None:
    """Entry point: errors become one line on stderr and a non-zero exit."""
    try:
        # Without standalone mode click returns an Exit's code instead of exiting.
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("aborted")
        sys.exit(130)
    except UserError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        sys.exit(2)
    except AssistantError as exc:
        err.print(f"failed: {exc}", markup=False, highlight=False)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the promise is "never a traceback"
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):
            # A usage error from the option parser (typer may carry its own click).
            exc.show()
            sys.exit(exc.exit_code)
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        err.print(f"failed: {type(exc).__name__}: {exc} (run with -v for details)", markup=False, highlight=False)
        sys.exit(1)
