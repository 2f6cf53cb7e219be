"""Trade as the trade pages show it: each figure converted to the reporting currency with the
rate that converted it, and target against actual per region and year.

A figure or target of year Y is dated 31 December Y (``trade.year_end``): the rate used is the
latest on or before that day, and each row says which day's rate that was. An amount whose
currency has no rate on or before the day is not converted (never at a silent 1.0): its row
shows no converted amount, it counts in no total, and the answer lists it in ``unconverted``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fleetcare.cooperation.figures import share
from fleetcare.cooperation.models import ProductGroup, TradeFigure, TradeTarget
from fleetcare.cooperation.money import MissingRate, RateUsed, Total
from fleetcare.cooperation.rates import check_currency, rate_table
from fleetcare.cooperation.trade import scoped, trade_window, year_end
from fleetcare.core.permissions import EVERYTHING, Scope


def plain(value: Decimal) -> str:
    """A rate as a person writes it: ``35``, not ``35.00000000``."""
    return format(value.normalize(), "f")


def _rates_used(total: Total) -> list[dict[str, str]]:
    return [{**r, "per_usd": plain(Decimal(r["per_usd"]))} for r in total.rates_used()]


@dataclass(frozen=True)
class ConvertedRow:
    """One trade figure as stored and in the reporting currency, with the rates used."""

    id: int
    region: str
    year: int
    group: str
    amount: Decimal
    currency: str
    converted: Decimal | None  # None: no rate on or before the year's end
    rates: tuple[RateUsed, ...]

    def rate_notes(self) -> list[dict[str, str]]:
        """The rates that converted this figure: currency, day and units per USD (plain)."""
        return [
            {"currency": r.currency, "day": r.day.isoformat(), "per_usd": plain(r.per_usd)}
            for r in self.rates
        ]


@dataclass
class ConvertedPage:
    """A page of converted figures, the total count, and the page's ``used`` record: every
    rate it used and the amounts it left out."""

    items: list[ConvertedRow]
    total: int
    currency: str
    used: Total

    @property
    def rates_used(self) -> list[dict[str, str]]:
        return _rates_used(self.used)

    @property
    def unconverted(self) -> list[dict[str, str | int]]:
        return self.used.unconverted()


def converted_trade(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    region: str | None = None,
    year: int | None = None,
    group: ProductGroup | None = None,
    currency: str = "USD",
    limit: int = 50,
    offset: int = 0,
) -> ConvertedPage:
    """A page of trade figures by region, year and group, each converted to ``currency`` at
    the latest rate on or before its year's end."""
    check_currency(session, currency)
    window = trade_window(
        session, scope=scope, region=region, year=year, group=group, limit=limit, offset=offset
    )
    rows, total = window.rows, window.total
    rates, used = rate_table(session), Total(currency)
    items = []
    for row in rows:
        amount: Decimal | None = None
        used_rates: tuple[RateUsed, ...] = ()
        try:
            converted = rates.convert(row.amount, row.currency, currency, year_end(row.year))
        except MissingRate as exc:
            used.note(exc)
        else:
            used.add(converted)
            amount, used_rates = converted.amount, converted.rates
        items.append(
            ConvertedRow(
                id=row.id,
                region=row.region.name,
                year=row.year,
                group=row.group.value,
                amount=row.amount,
                currency=row.currency,
                converted=amount,
                rates=used_rates,
            )
        )
    return ConvertedPage(items, total, currency, used)


def targets_vs_actual(
    session: Session, *, scope: Scope = EVERYTHING, region: str | None = None, currency: str = "USD"
) -> tuple[list[dict[str, Any]], list[dict[str, str]], list[dict[str, str | int]]]:
    """Per region and year with a target or a figure: the target (None: none), the actual
    (all groups), and actual / target (None without a target or when it is 0), in
    ``currency``; the rates used; and the amounts left out for want of a rate."""
    check_currency(session, currency)
    rates, used = rate_table(session), Total(currency)
    actual: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    target: dict[tuple[str, int], Decimal] = {}
    ids: dict[tuple[str, int], int] = {}
    for row in session.scalars(
        scoped(
            select(TradeFigure).options(joinedload(TradeFigure.region)), TradeFigure, scope, region
        )
    ):
        value = used.convert_in(rates, row.amount, row.currency, year_end(row.year))
        if value is not None:
            actual[row.region.name, row.year] += value
    for aim in session.scalars(
        scoped(
            select(TradeTarget).options(joinedload(TradeTarget.region)), TradeTarget, scope, region
        )
    ):
        value = used.convert_in(rates, aim.amount, aim.currency, year_end(aim.year))
        ids[aim.region.name, aim.year] = aim.id
        if value is not None:
            target[aim.region.name, aim.year] = value
    rows = []
    for key in sorted(set(actual) | set(target) | set(ids)):  # a target not converted stays
        aim_amount = target.get(key)
        done = actual.get(key, Decimal(0))
        rows.append(
            {
                "region": key[0],
                "year": key[1],
                "target_id": ids.get(key),
                "target": aim_amount,
                "actual": done,
                "share": None if not aim_amount else share(float(done), float(aim_amount)),
                "currency": currency,
            }
        )
    return rows, _rates_used(used), used.unconverted()
