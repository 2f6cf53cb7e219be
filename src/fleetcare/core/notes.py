"""Messages kept in records and written in each reader's language when read.

A warranty decision's reasons are kept with the defect, then read by the customer who reported
it, the maker's engineer and the regional manager, each in their own language. So a record
keeps the message's English source text (its catalogue id) and the values of its fields rather
than the words of whoever wrote it::

    Note(N_("warranty until {day}"), {"day": "2026-02-01"})
    → {"message": "warranty until {day}", "fields": {"day": "2026-02-01"}}   (stored)
    → "гарантия до 2026-02-01"                                                (``str`` in ru)

A field's value may be a note itself; a number is written as the reader's language writes
numbers (Babel: ``10,000`` in English, ``10 000`` in Russian). A note with a ``plural`` takes
the form its field ``n`` asks for (``ngettext``). A record kept as plain text reads as that
text (``written``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from babel.numbers import format_decimal

from fleetcare.core.i18n import get_locale, gettext, ngettext

FieldValue: TypeAlias = "str | int | float | Note"


@dataclass(frozen=True)
class Note:
    """``message`` (English, marked with ``N_``) with the values of its fields."""

    message: str
    fields: Mapping[str, FieldValue] = field(default_factory=dict)
    plural: str | None = None  # with ``fields["n"]`` choosing the form
    lower: bool = False  # its first letter in lower case: a label ("Engine") inside a sentence

    def __str__(self) -> str:
        values = _Fields({name: _written_value(value) for name, value in self.fields.items()})
        count = self.fields.get("n", 0)
        try:
            text = (
                gettext(self.message)
                if self.plural is None
                else ngettext(self.message, self.plural, int(count))  # type: ignore[arg-type]
            )
            written = text.format_map(values)
        except (ValueError, TypeError, IndexError, AttributeError):  # a record kept askew
            written = self.message
        return written[:1].lower() + written[1:] if self.lower else written

    def dump(self) -> dict[str, Any]:
        """The note as JSON keeps it."""
        kept: dict[str, Any] = {
            "message": self.message,
            "fields": {
                name: value.dump() if isinstance(value, Note) else value
                for name, value in self.fields.items()
            },
        }
        if self.plural is not None:
            kept["plural"] = self.plural
        if self.lower:
            kept["lower"] = True
        return kept

    @classmethod
    def counted(cls, forms: tuple[str, str], n: int, **fields: FieldValue) -> Note:
        """A note with a plural (marked with ``N_n``), its form chosen by ``n``."""
        return cls(forms[0], {"n": n, **fields}, forms[1])

    @classmethod
    def load(cls, kept: Mapping[str, Any]) -> Note:
        """The note ``dump`` kept (a field of another shape reads as its text)."""
        stored = kept.get("fields")
        fields = {
            str(name): _loaded_value(value)
            for name, value in (stored.items() if isinstance(stored, Mapping) else ())
        }
        plural = kept.get("plural")
        return cls(
            str(kept.get("message", "")),
            fields,
            None if plural is None else str(plural),
            lower=kept.get("lower") is True,
        )


class _Fields(dict[str, str]):
    """A note's values; a field the record lacks reads as its own ``{name}``."""

    def __missing__(self, name: str) -> str:
        return "{" + name + "}"


def _loaded_value(value: Any) -> FieldValue:
    if isinstance(value, Mapping) and "message" in value:
        return Note.load(value)
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        return value
    return str(value)


def _written_value(value: FieldValue) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(format_decimal(value, locale=get_locale()))
    return str(value)


def written(kept: Any) -> str:
    """A kept note in the current language; a record kept as plain text, as it is."""
    if isinstance(kept, Mapping) and "message" in kept:
        return str(Note.load(kept))
    return str(kept)
