"""The words people read for a code (a member of an enum), in the reader's language.

Each domain names the words for its codes in its ``labels.py`` (``{Member: N_("Words")}``);
the web app hands them all to ``use_labels`` when it is made (a command has them learnt when
it first reads a code in words: ``learn_when_read``), and templates write
``{{ order.status|label }}`` (or ``{{ "in_progress"|label }}`` for a code held as text). One
code is one set of words across the domains (``open`` reads the same for a defect and a work
order); a code without words reads as the code with spaces (``in_progress`` → "in
progress"). The API's fields, the CLI's tables and exported files keep the codes; inside a
message a code is ``named``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping

from fleetcare.core.i18n import N_, get_locale, gettext
from fleetcare.core.permissions import Role

ROLES: Mapping[enum.Enum, str] = {
    Role.admin: N_("Administrator"),
    Role.planner: N_("Planner"),
    Role.dispatcher: N_("Dispatcher"),
    Role.regional_manager: N_("Regional manager"),
    Role.technician: N_("Technician"),
    Role.customer: N_("Customer"),
}

_WORDS: dict[str, str] = {}
_LEARN: list[Callable[[], None]] = []  # how to learn the words, at the first code read


def learn_when_read(learn: Callable[[], None]) -> None:
    """Have ``learn`` (which calls ``use_labels``) run before the first code is read in words:
    a command that names no code never imports the domains' words (nor their models)."""
    _LEARN[:] = [learn]


def use_labels(*tables: Mapping[enum.Enum, str]) -> None:
    """Learn the words of every code in ``tables`` (and the roles')."""
    for table in (ROLES, *tables):
        _WORDS.update({code.value: words for code, words in table.items()})


def named(code: enum.Enum | str) -> str:
    """A code inside a message: the code itself for an English reader (who may type it
    back), its words in «» for any other (``cannot move from «Запланирован» to …``)."""
    value = str(code.value) if isinstance(code, enum.Enum) else str(code)
    return value if get_locale() == "en" else f"«{label(code)}»"


def label(code: enum.Enum | str | None) -> str:
    """The words for ``code`` in the current language ("" for None)."""
    if code is None:
        return ""
    value = str(code.value) if isinstance(code, enum.Enum) else str(code)
    while _LEARN:
        _LEARN.pop()()
    words = _WORDS.get(value)
    return gettext(words) if words is not None else value.replace("_", " ")
