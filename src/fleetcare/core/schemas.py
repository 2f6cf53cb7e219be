"""Pydantic building blocks shared by every domain's records."""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, Generic, TypeVar

import orjson
from babel.numbers import list_currencies
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StringConstraints

from fleetcare.core.clock import naive_utc, today
from fleetcare.core.i18n import _

# Printable text only: no control characters (PostgreSQL refuses NUL in text).
TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"
# The same with line breaks and tabs, for what people write in a text area (a symptom).
PARAGRAPHS_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"  # an ISO 4217 code's form (whether it names one: below)
MONTH_PATTERN = r"^\d{4}-\d{2}$"  # YYYY-MM


def unix_lines(value: Any) -> Any:
    """Text's line breaks as LF alone (a browser's text area sends CR LF); other values as
    they are, for the type's own check."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def text(max_length: int, min_length: int = 1) -> type[str]:
    """A stripped, printable string type of bounded length."""
    return Annotated[  # type: ignore[return-value]
        str,
        StringConstraints(
            strip_whitespace=True,
            min_length=min_length,
            max_length=max_length,
            pattern=TEXT_PATTERN,
        ),
    ]


class StrictModel(BaseModel):
    """A record as files and bodies carry it: unknown fields, NaN and infinity are refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


def _not_in_future(value: date) -> date:
    moment = value.date() if isinstance(value, datetime) else value
    if moment > today():
        raise ValueError(_("date is in the future"))
    return value


PATH_UNSAFE = "/?#%\\"  # characters a code named in a URL path may not hold


def _addressable(value: str) -> str:
    if any(c in value for c in PATH_UNSAFE):
        raise ValueError(_("a code used in addresses may not contain / ? # % or \\"))
    return value


def _known_currency(value: str) -> str:
    if value not in known_currencies():
        raise ValueError(_("'{code}' is not an ISO 4217 currency code").format(code=value))
    return value


@cache
def known_currencies() -> frozenset[str]:
    """The ISO 4217 codes (Babel's list)."""
    return frozenset(list_currencies())


def _naive_utc(value: datetime) -> datetime:
    if value.tzinfo is not None:
        try:
            value = naive_utc(value)
        except OverflowError:  # a moment at the calendar's ends, in UTC before year 1 or after 9999
            raise ValueError(_("the moment is outside the calendar in UTC")) from None
    return value


# the days a period's bounds (``from``, ``to``) and a dispatch day may be: a period is computed
# back from them (30 days, a year) and a day's problem reads up to the next day, which the
# calendar's ends (year 1, 9999) would not hold
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


def outside_calendar(day: date) -> str | None:
    """Why ``day`` is refused (before ``FIRST_DAY`` or after ``LAST_DAY``), or ``None``."""
    if FIRST_DAY <= day <= LAST_DAY:
        return None
    return _("a day from {first} to {last} is needed").format(first=FIRST_DAY, last=LAST_DAY)


def _in_calendar(value: date) -> date:
    problem = outside_calendar(value)
    if problem is not None:
        raise ValueError(problem)
    return value


CalendarDay = Annotated[date, AfterValidator(_in_calendar)]


def _moment_in_calendar(value: datetime) -> datetime:
    _in_calendar(value.date())
    return value


def _encodable(value: dict[str, Any]) -> dict[str, Any]:
    try:
        orjson.dumps(value)  # fast, and it refuses a lone surrogate (a \\ud800 escape) at once
    except orjson.JSONEncodeError:  # that, or a number beyond 64 bits, which the parser names
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(_("holds text that is not valid Unicode (a lone surrogate)")) from None
    return value


# a JSON document taken whole (a planning or dispatch problem): its text must be valid Unicode,
# or its answer, which echoes its ids, could not be written
JsonDocument = Annotated[dict[str, Any], AfterValidator(_encodable)]


def datetime_from_date(value: object) -> object:
    """A date alone ("2024-05-01" in a file) as the start of that day; anything else as is."""
    if isinstance(value, str) and len(value.strip()) == 10:
        return value.strip() + "T00:00:00"
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    return value


Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=120, pattern=TEXT_PATTERN),
]
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=TEXT_PATTERN)
]


def _capitals(value: Any) -> Any:
    """A currency code as people type it (`` rub``) in the capitals it is stored in."""
    return value.strip().upper() if isinstance(value, str) else value


# money's currency: three capitals that name an ISO 4217 currency (typed in any case)
CurrencyCode = Annotated[
    str,
    BeforeValidator(_capitals),
    StringConstraints(pattern=CURRENCY_PATTERN),
    AfterValidator(_known_currency),
]
# a code that names its row in a URL path (a technician's, a training session's)
PathCode = Annotated[Code, AfterValidator(_addressable)]
LongName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=TEXT_PATTERN),
]
Serial = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60, pattern=TEXT_PATTERN)
]
PastDate = Annotated[date, AfterValidator(_in_calendar), AfterValidator(_not_in_future)]
# a moment as the database keeps it (naive UTC; an aware one converted) within the calendar
CalendarMoment = Annotated[
    datetime, AfterValidator(_naive_utc), AfterValidator(_moment_in_calendar)
]
PastMoment = Annotated[
    datetime,
    AfterValidator(_naive_utc),
    AfterValidator(_moment_in_calendar),
    AfterValidator(_not_in_future),
]

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list: the items and how many match in all (``total``; the PostgreSQL
    planner's estimate when ``total_is_estimate``); ``next_cursor``, when more rows follow,
    is the ``cursor`` that asks for the page after this one."""

    items: list[T]
    total: int
    total_is_estimate: bool = False
    next_cursor: str | None = None
