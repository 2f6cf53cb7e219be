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

    def __str__(self) -> str:
        values = {name: _written_value(value) for name, value in self.fields.items()}
        if self.plural is None:
            return gettext(self.message).format(**values)
        count = self.fields.get("n", 0)
        return ngettext(self.message, self.plural, int(count)).format(**values)  # type: ignore[arg-type]

    def dump(self) -> dict[str, Any]:
        """The note as JSON keeps it."""
        kept: dict[str, Any] = {
            "message": self.message,
            "fields": {
                name: value.dump() if isinstance(value, Note) else value
                for name, value in self.fields.items()
            },
        }
        return kept if self.plural is None else {**kept, "plural": self.plural}

    @classmethod
    def counted(cls, forms: tuple[str, str], n: int, **fields: FieldValue) -> Note:
        """A note with a plural (marked with ``N_n``), its form chosen by ``n``."""
        return cls(forms[0], {"n": n, **fields}, forms[1])

    @classmethod
    def load(cls, kept: Mapping[str, Any]) -> Note:
        """The note ``dump`` kept."""
        fields = {
            name: cls.load(value) if isinstance(value, Mapping) else value
            for name, value in dict(kept.get("fields") or {}).items()
        }
        plural = kept.get("plural")
        return cls(str(kept["message"]), fields, None if plural is None else str(plural))


def _written_value(value: FieldValue) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(format_decimal(value, locale=get_locale()))
    return str(value)


def written(kept: Any) -> str:
    """A kept note in the current language; a record kept as plain text, as it is."""
    if isinstance(kept, Mapping) and "message" in kept:
        return str(Note.load(kept))
    return str(kept)
