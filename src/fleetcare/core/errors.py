"""Errors that name what was wrong: the field, and for files the file and row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fleetcare.core.i18n import _


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


class InvalidQuery(InvalidInput):
    """A query parameter (``?cursor=``) that breaks a rule: 422 naming it under ``query``."""


class NotFound(Exception):
    """A record asked for by id or key does not exist (or is not visible to the caller)."""


class _Spelled(dict[str, object]):
    """A message's values, and every other placeholder spelled as a parameter's name."""

    def __init__(self, values: dict[str, object], spell: Callable[[str], str]) -> None:
        super().__init__(values)
        self.spell = spell

    def __missing__(self, key: str) -> str:
        return self.spell(key)


class ParameterError(ValueError):
    """A parameter the maths refuses: ``field`` is its name (``target_availability``).

    ``message`` names parameters as placeholders (``"{budget} must be ≥ 0"``) and its values
    as placeholders given in ``values``, so that each interface spells the parameters its own
    way with ``text``: the API by their JSON keys (``str``), the CLI by its options.
    """

    def __init__(self, field: str, message: str, **values: object) -> None:
        self.field = field
        self.message = message
        self.values = values
        super().__init__(self.text())

    def text(self, spell: Callable[[str], str] = str) -> str:
        """The message with each parameter's name passed through ``spell``."""
        return self.message.format_map(_Spelled(self.values, spell))


RETRY_AFTER_SECONDS = 5


class Busy(Exception):
    """Heavy work refused before it started: every worker is busy and the queue is full, or
    too many callers already wait for the same result (answered 503 with ``Retry-After``)."""

    def __init__(self, retry_after_seconds: int = RETRY_AFTER_SECONDS) -> None:
        super().__init__(_("the planning workers are busy; try again in a few seconds"))
        self.retry_after_seconds = retry_after_seconds
