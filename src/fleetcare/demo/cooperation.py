"""The demo's regional cooperation: deals per partner region, trade figures and targets
2013–2026, and monthly exchange rates.

Every figure here is **invented** for the demo (plausible orders of magnitude, not real
statistics or real quotes). The story: Murmansk's 150 city buses were delivered (one delivered
deal per delivery batch the fleet holds), the Yakutian diamond miner's new dump trucks are under
negotiation, Kaliningrad's graders are signed and wait to ship, its lifts are a lead, and
Karelia's harvesters were lost (the reason is recorded). Trade with Murmansk Oblast was
300 M USD in 2014 and fell: the target agreed for 2016 is 190 M USD. The monthly USD, EUR and
RUB rates ship with the package as ``data/exchange_rates.csv`` (units per USD, first of each
month); nothing is downloaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.cooperation import schemas
from fleetcare.cooperation import service as cooperation
from fleetcare.cooperation.models import ProductGroup
from fleetcare.cooperation.stages import Stage
from fleetcare.core.bulk import Item, Table, parse_file
from fleetcare.core.errors import InvalidInput
from fleetcare.fleet.models import Customer, Delivery, ProductFamily, ProductModel

RATES_CSV = Path(__file__).resolve().parent / "data" / "exchange_rates.csv"
# partner region → (2014 volume in M USD, its low year's share, the low year) and the groups'
# shares and currencies; volumes fall after 2014 and recover slowly from the low year
TRADE_STORY: dict[str, tuple[float, float, int]] = {
    "Murmansk Oblast": (300.0, 0.58334, 2016),
    "Sakha (Yakutia)": (420.0, 0.70, 2016),
    "Kaliningrad Oblast": (180.0, 0.65, 2017),
    "Karelia": (90.0, 0.75, 2016),
}
GROUPS: tuple[tuple[ProductGroup, float, str], ...] = (
    (ProductGroup.machinery, 0.55, "USD"),
    (ProductGroup.construction_materials, 0.20, "EUR"),
    (ProductGroup.food, 0.15, "RUB"),
    (ProductGroup.timber, 0.10, "USD"),
)
YEARS = range(2013, 2027)


def _index(year: int, low_share: float, low_year: int) -> float:
    """Trade as a share of 2014's: 0.93 in 2013, 1 in 2014, down to ``low_share`` in the low
    year, then up 4 % of 2014 a year."""
    if year <= 2014:
        return 0.93 if year == 2013 else 1.0
    if year <= low_year:
        return 1.0 - (1.0 - low_share) * (year - 2014) / (low_year - 2014)
    return low_share + 0.04 * (year - low_year)


def _per_usd(rates: dict[str, list[tuple[date, Decimal]]], currency: str, year: int) -> Decimal:
    """The year's last rate: the one the dashboard converts a year's figure at."""
    if currency == "USD":
        return Decimal(1)
    return [r for d, r in rates[currency] if d.year == year][-1]


def trade_records(
    rates: dict[str, list[tuple[date, Decimal]]], as_of: date
) -> tuple[list[schemas.TradeRecord], list[schemas.TargetRecord]]:
    """Figures per region, year (to the last full year before ``as_of``) and group, each in its
    group's currency at that year's last rate; targets for every year (2016: 190 M USD for
    Murmansk)."""
    figures: list[schemas.TradeRecord] = []
    targets: list[schemas.TargetRecord] = []
    for region, (volume, low_share, low_year) in TRADE_STORY.items():
        for year in YEARS:
            total = volume * _index(year, low_share, low_year)
            target = volume if year <= 2014 else volume * (low_share + 0.05)
            if year > 2016:
                target = total * 1.08
            amount = Decimal(str(round(target, 1))) * 1_000_000
            targets.append(
                schemas.TargetRecord(region=region, year=year, amount=amount, currency="USD")
            )
            if year >= as_of.year:
                continue
            for group, share, currency in GROUPS:
                usd = Decimal(str(round(total * share, 3))) * 1_000_000
                local = (usd * _per_usd(rates, currency, year)).quantize(Decimal("0.01"))
                figures.append(
                    schemas.TradeRecord(
                        region=region, year=year, group=group, amount=local, currency=currency
                    )
                )
    return figures, targets


def _murmansk_deals(session: Session) -> list[schemas.DealRecord]:
    """One delivered deal per delivery of Murmansk's city buses (the 150 of 2022–23, 12 m and
    articulated)."""
    rows = session.execute(
        select(Delivery.reference, ProductModel.code, Delivery.quantity, Delivery.delivered_on)
        .join(Customer, Delivery.customer_id == Customer.id)
        .join(ProductModel, Delivery.model_id == ProductModel.id)
        .where(Customer.code == "MUR-CITYTRANS", ProductModel.family == ProductFamily.city_bus)
        .order_by(Delivery.reference)
    ).all()
    return [
        schemas.DealRecord(
            reference=f"DEAL-{reference}",
            customer="MUR-CITYTRANS",
            model=model,
            site="Murmansk bus depot 1",
            quantity=quantity,
            value=Decimal(quantity) * Decimal("19500000" if model == "CB-12" else "31000000"),
            currency="RUB",
            stage=Stage.delivered,
            expected_delivery=delivered_on,
            delivery=reference,
        )
        for reference, model, quantity, delivered_on in rows
    ]


def deal_records(session: Session, as_of: date) -> list[schemas.DealRecord]:
    """The demo's deals, dated from ``as_of``."""

    def ahead(days: int) -> date:
        return as_of + timedelta(days=days)

    return [
        *_murmansk_deals(session),
        schemas.DealRecord(
            reference="YAK-2027-DT130",
            customer="YAK-ALMAZ",
            model="DT-130",
            site="Udachny open pit",
            quantity=12,
            value=Decimal("27600000"),
            currency="USD",
            stage=Stage.negotiation,
            expected_signing=ahead(75),
            expected_delivery=ahead(300),
        ),
        schemas.DealRecord(
            reference="YAK-2027-RG200",
            customer="YAK-DOROGI",
            model="RG-200",
            site="Yakutsk road depot",
            quantity=8,
            value=Decimal("2100000"),
            currency="EUR",
            stage=Stage.lead,
            expected_signing=ahead(150),
        ),
        schemas.DealRecord(
            reference="KGD-2026-RG200",
            customer="KGD-ROADS",
            model="RG-200",
            site="Kaliningrad road depot",
            quantity=6,
            value=Decimal("1450000"),
            currency="EUR",
            stage=Stage.signed,
            expected_delivery=ahead(45),
        ),
        schemas.DealRecord(
            reference="KGD-2027-PL1000",
            customer="KGD-LIFT",
            model="PL-1000",
            site="Kaliningrad city lifts",
            quantity=40,
            value=Decimal("96000000"),
            currency="RUB",
            stage=Stage.lead,
            expected_signing=ahead(120),
        ),
        schemas.DealRecord(
            reference="KAR-2026-HV8",
            customer="KAR-LES",
            model="HV-8",
            site="Segezha logging site",
            quantity=5,
            value=Decimal("3900000"),
            currency="EUR",
            stage=Stage.lost,
            lost_reason="the customer's bank withdrew the leasing line after the rouble fell",
        ),
    ]


def _rates(path: Path = RATES_CSV) -> list[schemas.RateRecord]:
    items, errors = parse_file(cooperation.EXCHANGE_RATES, path)
    if errors:
        raise InvalidInput(errors)
    return [item.record for item in items]


def build_cooperation(session: Session, *, as_of: date) -> dict[str, int]:
    """Write the demo's rates, trade figures and targets, and deals; returns how many rows of
    each it wrote (0 on a second build)."""
    rates = [r for r in _rates() if r.day <= as_of]
    by_currency: dict[str, list[tuple[date, Decimal]]] = {}
    for rate in rates:
        by_currency.setdefault(rate.currency, []).append((rate.day, rate.per_usd))
    figures, targets = trade_records(by_currency, as_of)
    counts: dict[str, int] = {}
    batches: tuple[tuple[str, Table[Any], Sequence[BaseModel]], ...] = (
        ("exchange rates", cooperation.EXCHANGE_RATES, rates),
        ("trade figures", cooperation.TRADE, figures),
        ("trade targets", cooperation.TRADE_TARGETS, targets),
        ("deals", cooperation.DEALS, deal_records(session, as_of)),
    )
    for name, table, records in batches:
        result = table.apply(session, [Item(r) for r in records])
        session.flush()
        counts[name] = result.created + result.updated
    return counts
