"""Translations and money: every string meant for a person goes through ``_()``.

Catalogues live in ``fleetcare/locales/<lang>/LC_MESSAGES/messages.mo`` (Babel). Until a
language has a catalogue, the English source strings are shown.
"""

from __future__ import annotations

from contextvars import ContextVar
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
SUPPORTED_LOCALES = ("en", "ru")
_current_locale: ContextVar[str] = ContextVar("fleetcare_locale", default="en")


@cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalogue for ``locale`` (English source strings when there is none)."""
    return Translations.load(str(LOCALES_DIR), [locale])


def set_locale(locale: str) -> None:
    """Choose the language for the current request or command."""
    _current_locale.set(locale if locale in SUPPORTED_LOCALES else "en")


def get_locale() -> str:
    """The language of the current request or command."""
    return _current_locale.get()


def gettext(message: str) -> str:
    """Translate ``message`` into the current language."""
    return translations(get_locale()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate with the plural form for ``n``."""
    return translations(get_locale()).ngettext(singular, plural, n)


_ = gettext


def format_money(amount: Decimal | float | str, currency: str) -> str:
    """Money always carries its currency: ``format_money(850, "RUB")`` → ``RUB850.00`` (en); an
    amount given as text (``"12345678901234.56"``, as JSON carries it) keeps every digit."""
    number = Decimal(amount) if isinstance(amount, str) else amount
    return format_currency(number, currency, locale=get_locale())


def format_number(value: Decimal | float | str) -> str:
    """A plain number (an exchange rate, units per USD) as the reader's language writes it,
    every significant digit kept and no trailing zeros: ``92.40000000`` → ``92.4`` (en),
    ``92,4`` (ru); ``12345.5`` → ``12,345.5`` (en)."""
    number = Decimal(str(value)).normalize()
    return format_decimal(number, locale=get_locale(), decimal_quantization=False)
