"""Errors that name what was wrong: the field, and for files the file and row."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One problem with one field; ``row`` is set when the input came from a file."""

    field: str
    message: str
    row: int | None = None
    file: str | None = None

    def __str__(self) -> str:
        """``FILE:ROW:FIELD: message``, the one-line form the CLI prints."""
        row = "-" if self.row is None else self.row
        return f"{self.file or '-'}:{row}:{self.field}: {self.message}"


class InvalidInput(Exception):
    """Input that breaks a rule; carries every problem found, not only the first."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


class NotFound(Exception):
    """A record asked for by id or key does not exist (or is not visible to the caller)."""
