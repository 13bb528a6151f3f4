"""The ``assistant`` command: a thin shell over the Python API (``assistant/__init__.py``).

Each module registers its commands on the one Typer ``app``; importing them
here is what makes them part of it.
"""

from . import archive, questions, watch  # noqa: F401  (they register their commands)
from .root import COMMANDS_GROUP, add_commands, app, main

__all__ = ["COMMANDS_GROUP", "add_commands", "app", "main"]

# After the built-in commands, so that --help lists them first.
add_commands()
