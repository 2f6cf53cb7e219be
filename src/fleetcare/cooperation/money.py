"""Currency conversion by date: pure arithmetic over a table of rates, no database.

Every currency is quoted against the US dollar: ``per_usd`` is how many units of it one
dollar bought on a day (USD itself is 1 by definition). An amount of currency A dated d is
worth, in currency B,

    amount × per_usd(B, d) / per_usd(A, d),

each rate the latest quoted on or before d (the rate of that date is used as it stands, with
no interpolation). The conversion says which dates' rates it used. A currency with no rate on
or before d is refused (``MissingRate``): never a silent 1.0.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from fleetcare.core.i18n import _

PIVOT = "USD"
CENT = Decimal("0.01")


class MissingRate(ValueError):
    """No rate of ``currency`` on or before ``day``: the message says which."""

    def __init__(self, currency: str, day: date) -> None:
        super().__init__(
            _("no exchange rate for {currency} on or before {day}; import one").format(
                currency=currency, day=day.isoformat()
            )
        )
        self.currency = currency
        self.day = day


@dataclass(frozen=True)
class RateUsed:
    """One rate a conversion used: the currency, the day it was quoted, units per USD."""

    currency: str
    day: date
    per_usd: Decimal


@dataclass(frozen=True)
class Converted:
    """An amount in the reporting currency, and the rates that made it (none when the amount
    was in that currency already)."""

    amount: Decimal
    currency: str
    rates: tuple[RateUsed, ...] = ()


@dataclass
class RateTable:
    """Rates by currency, each a list of (day, per_usd) sorted by day."""

    days: dict[str, list[date]] = field(default_factory=dict)
    values: dict[str, list[Decimal]] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: Iterable[tuple[str, date, Decimal]]) -> RateTable:
        """The table of ``(currency, day, per_usd)`` rows, in any order."""
        table = cls()
        for currency, day, per_usd in sorted(rows, key=lambda r: (r[0], r[1])):
            table.days.setdefault(currency, []).append(day)
            table.values.setdefault(currency, []).append(Decimal(per_usd))
        return table

    def rate(self, currency: str, day: date) -> RateUsed:
        """The latest rate of ``currency`` on or before ``day`` (USD: 1, dated ``day``)."""
        if currency == PIVOT:
            return RateUsed(PIVOT, day, Decimal(1))
        days = self.days.get(currency, [])
        index = bisect.bisect_right(days, day) - 1
        if index < 0:
            raise MissingRate(currency, day)
        return RateUsed(currency, days[index], self.values[currency][index])

    def convert(self, amount: Decimal, currency: str, to: str, day: date) -> Converted:
        """``amount`` of ``currency`` dated ``day`` in ``to``, rounded half-even to the cent."""
        if currency == to:
            return Converted(Decimal(amount), to)
        source, target = self.rate(currency, day), self.rate(to, day)
        value = Decimal(amount) * target.per_usd / source.per_usd
        used = tuple(r for r in (source, target) if r.currency != PIVOT)
        return Converted(value.quantize(CENT, rounding=ROUND_HALF_EVEN), to, used)


@dataclass
class Total:
    """A running sum in one reporting currency, remembering every rate it used, and the
    amounts it could not convert (``missing``: per currency, how many and the earliest day
    without a rate): those are left out of the sum and said, never taken at a silent 1.0."""

    currency: str
    amount: Decimal = Decimal(0)
    rates: set[RateUsed] = field(default_factory=set)
    missing: dict[str, tuple[int, date]] = field(default_factory=dict)

    def add(self, converted: Converted) -> None:
        """Add a converted amount (it must be in this total's currency)."""
        assert converted.currency == self.currency
        self.amount += converted.amount
        self.rates.update(converted.rates)

    def convert_in(
        self, rates: RateTable, amount: Decimal, currency: str, day: date
    ) -> Decimal | None:
        """Convert ``amount`` of ``currency`` dated ``day`` and add it; None (and noted in
        ``missing``) when a rate is missing."""
        try:
            converted = rates.convert(amount, currency, self.currency, day)
        except MissingRate as exc:
            self.note(exc)
            return None
        self.add(converted)
        return converted.amount

    def note(self, missing: MissingRate) -> None:
        """Count one amount left out for want of ``missing``'s rate."""
        count, first = self.missing.get(missing.currency, (0, missing.day))
        self.missing[missing.currency] = (count + 1, min(first, missing.day))

    def merge(self, other: Total) -> None:
        """Take ``other``'s rates and missing amounts (not its sum) into this one's record."""
        self.rates.update(other.rates)
        for currency, (count, first) in other.missing.items():
            have, since = self.missing.get(currency, (0, first))
            self.missing[currency] = (have + count, min(since, first))

    def rates_used(self) -> list[dict[str, str]]:
        """The rates used, as ``{"currency", "day", "per_usd"}`` sorted by currency and day."""
        return [
            {"currency": r.currency, "day": r.day.isoformat(), "per_usd": str(r.per_usd)}
            for r in sorted(self.rates, key=lambda r: (r.currency, r.day))
        ]

    def unconverted(self) -> list[dict[str, str | int]]:
        """The amounts left out, as ``{"currency", "amounts", "first_day"}`` by currency: the
        rate each needs (on or before its day) is missing."""
        return [
            {"currency": c, "amounts": n, "first_day": day.isoformat()}
            for c, (n, day) in sorted(self.missing.items())
        ]
