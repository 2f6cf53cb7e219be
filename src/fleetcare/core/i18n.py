"""Translations, numbers, days and money in the reader's language: every string meant for a person
goes through ``_()``.

The source strings are English. Each other language's catalogue is the Babel/gettext file
``fleetcare/locales/<lang>/LC_MESSAGES/messages.po``, read once per process and compiled in
memory, so there is no compiled ``.mo`` to build or keep in step. A message the catalogue does
not translate is shown in English.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date, get_day_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import (
    NumberFormatError,
    format_currency,
    format_decimal,
    get_decimal_symbol,
    get_group_symbol,
    parse_decimal,
)
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
SUPPORTED_LOCALES = ("en", "ru")
# Each language named in itself, as a language switcher shows it.
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}
_current_locale: ContextVar[str] = ContextVar("fleetcare_locale", default="en")


def catalogue_path(locale: str) -> Path:
    """Where the catalogue of ``locale`` lives (it need not exist: English has none)."""
    return LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"


@cache
def translations(locale: str) -> NullTranslations:
    """The catalogue for ``locale`` compiled in memory (English source strings when there is
    none). Fuzzy entries are left out, as ``msgfmt`` leaves them out."""
    path = catalogue_path(locale)
    if not path.is_file():
        return NullTranslations()
    with path.open("rb") as source:
        catalogue = read_po(source, locale=locale)
    compiled = BytesIO()
    write_mo(compiled, catalogue, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled)


def set_locale(locale: str) -> None:
    """Choose the language for the current request or command."""
    _current_locale.set(locale if locale in SUPPORTED_LOCALES else "en")


def environment_locale(environ: Mapping[str, str]) -> str:
    """The language a terminal asks for, as GNU gettext reads it: the first of ``LC_ALL``,
    ``LC_MESSAGES`` and ``LANG`` that is set names the locale (``ru_RU.UTF-8`` → ``ru``);
    unless that is ``C`` or ``POSIX`` (English), ``LANGUAGE`` (a list, ``de:ru``) goes first
    when it names a supported language."""
    chosen = next((environ[n] for n in ("LC_ALL", "LC_MESSAGES", "LANG") if environ.get(n)), "")
    if chosen.split(".")[0] in ("C", "POSIX"):
        return "en"
    wanted = [*environ.get("LANGUAGE", "").split(":"), chosen]
    codes = [entry.split(".")[0].split("_")[0].lower() for entry in wanted if entry]
    return next((code for code in codes if code in SUPPORTED_LOCALES), "en")


def get_locale() -> str:
    """The language of the current request or command."""
    return _current_locale.get()


def gettext(message: str) -> str:
    """Translate ``message`` into the current language."""
    return translations(get_locale()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate with the plural form for ``n``."""
    return translations(get_locale()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """Translate ``message`` as meant in ``context`` (one English word, two Russian ones:
    "Move" the ledger column, ``pgettext("button", "Move")`` the deal's button)."""
    return str(translations(get_locale()).pgettext(context, message))


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    """``ngettext`` within ``context``."""
    return translations(get_locale()).npgettext(context, singular, plural, n)


_ = gettext


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark ``message`` for the catalogue without translating it yet (``_()`` it when shown)."""
    return message


def N_n(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802 - as ``N_``
    """Mark a message with its plural for the catalogue (``ngettext`` it when shown)."""
    return singular, plural


def format_money(amount: Decimal | float | str, currency: str) -> str:
    """Money always carries its currency: ``format_money(850, "RUB")`` → ``RUB850.00`` (en); an
    amount given as text (``"12345678901234.56"``, as JSON carries it) keeps every digit."""
    number = Decimal(amount) if isinstance(amount, str) else amount
    return format_currency(number, currency, locale=get_locale())


def format_fixed(value: Decimal | float | int, digits: int = 0) -> str:
    """A measured number rounded to ``digits`` decimals, grouped as the reader's language
    groups: ``15100.4`` → ``15,100`` (en), ``15 100`` (ru); ``98.66, 1`` → ``98.7`` / ``98,7``."""
    if not _finite(value):
        return _not_finite(value)
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    with localcontext(rounding=ROUND_HALF_UP):  # 0.45 h → 0.5, as people round
        return format_decimal(value, format=pattern, locale=get_locale())


def format_significant(value: Decimal | float | int, digits: int = 3) -> str:
    """A number to ``digits`` significant digits (a shape parameter: ``2.3456`` → ``2.35``,
    ``2,35`` in Russian)."""
    if not _finite(value):
        return _not_finite(value)
    with localcontext(rounding=ROUND_HALF_UP):
        return format_decimal(value, format="@" * digits, locale=get_locale())


def _finite(value: Decimal | float | int) -> bool:
    return Decimal(value).is_finite() if isinstance(value, Decimal) else math.isfinite(value)


def _not_finite(value: Decimal | float | int) -> str:
    """∞ or −∞ for an unbounded estimate, — for a number that is none."""
    if value != value:  # NaN
        return "—"
    return "∞" if value > 0 else "−∞"


def typed_number(text: str) -> str:
    """A number as the reader typed it on a form (``1 000,50`` in Russian, ``1,000.50`` in
    English) as a plain decimal (``1000.50``); text that is no such number is left as typed,
    for the form's check to refuse. Grouping must be right (Babel's strict parsing: ``1,00``
    is refused rather than read as 100)."""
    locale = get_locale()
    typed = text.strip()
    if get_group_symbol(locale).isspace():  # a no-break space: people type a plain one
        typed = typed.replace(" ", get_group_symbol(locale))
    try:
        return str(parse_decimal(typed, locale=locale, strict=True))
    except NumberFormatError:
        return text.strip()


def weekday_name(code: str) -> str:
    """A weekday's code (``mon`` … ``sun``) as the reader's language abbreviates it: ``Mon``,
    ``пн``; another text as it is."""
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    if code not in days:
        return code
    return str(get_day_names("abbreviated", locale=get_locale())[days.index(code)])


def language_names(codes: str) -> str:
    """Space-separated language codes (``ru en``) named in the reader's language: ``Russian,
    English``, ``русский, английский``; a code Babel does not know as it is."""
    names = []
    for code in codes.split():
        try:
            names.append(Locale.parse(code).get_language_name(get_locale()) or code)
        except (ValueError, UnknownLocaleError):
            names.append(code)
    return ", ".join(names)


def month_name(day: date) -> str:
    """The month of ``day`` with its year, as the reader's language names it: ``December
    2026``, ``декабрь 2026``."""
    return format_date(day, "LLLL y", locale=get_locale())


def number_separators() -> str:
    """The reader's decimal mark then group mark, as Plotly's ``layout.separators`` takes
    them: ``.,`` (en), ``,`` + no-break space (ru)."""
    locale = get_locale()
    return get_decimal_symbol(locale) + get_group_symbol(locale)


def format_number(value: Decimal | float | str) -> str:
    """A plain number (an exchange rate, units per USD) as the reader's language writes it,
    every significant digit kept and no trailing zeros: ``92.40000000`` → ``92.4`` (en),
    ``92,4`` (ru); ``12345.5`` → ``12,345.5`` (en)."""
    number = Decimal(str(value)).normalize()
    return format_decimal(number, locale=get_locale(), decimal_quantization=False)
