"""Babel's extraction for fleetcare's Python: the strings marked for translation (Babel's own
``extract_python``), and each command's docstring, which is its help (``fleetcare … --help``;
``cli.LazyCommand`` translates it when the command is loaded). Named in ``babel.cfg``."""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from babel.messages.extract import extract_python

# (line, function, message, comments), as Babel's extractors yield them at run time (its type
# hints describe another tuple)
Extracted = tuple[Any, ...]


def _is_command(decorator: ast.expr) -> bool:
    """``@app.command(…)`` or ``@app.command``: a Typer command."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(target, ast.Attribute) and target.attr == "command"


def extract(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Extracted]:
    """The marked strings of one file, then its commands' docstrings (cleaned as Typer shows
    them), each with the comment "a command's help"."""
    yield from extract_python(fileobj, keywords, comment_tags, options)  # type: ignore[arg-type]
    fileobj.seek(0)
    tree = ast.parse(fileobj.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and any(map(_is_command, node.decorator_list)):
            text = ast.get_docstring(node)
            if text:
                yield node.lineno, None, text, ["a command's help"]
