"""A small cooperation world on the service tests' network: rates for EUR and RUB, trade
figures and targets for Arctic and Baltic, and deals at several stages.

``service_network``: Arctic (North depot, NORD, 3 buses CB-12 of delivery D-1, DEPOT-A) and
Baltic (West depot, WEST, LIFT-001, DEPOT-B).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from fleetcare.cooperation import schemas
from fleetcare.cooperation.models import ProductGroup
from fleetcare.cooperation.stages import Stage
from fleetcare.cooperation.tables import DEALS, EXCHANGE_RATES, TRADE, TRADE_TARGETS
from fleetcare.core.bulk import Item
from fleetcare.core.permissions import system
from tests.service.factories import service_network

BY = system("test")
# units per USD: EUR 0.90 from 2014, 0.80 from 2020; RUB 35 from 2014, 75 from 2020
RATES = [
    ("EUR", date(2014, 1, 1), Decimal("0.9")),
    ("EUR", date(2020, 1, 1), Decimal("0.8")),
    ("RUB", date(2014, 1, 1), Decimal("35")),
    ("RUB", date(2020, 1, 1), Decimal("75")),
]


def rates(session: Session) -> None:
    """The four rates of ``RATES``."""
    EXCHANGE_RATES.apply(
        session,
        [Item(schemas.RateRecord(currency=c, day=d, per_usd=r)) for c, d, r in RATES],
    )


def deal(reference: str, customer: str = "NORD", **fields: object) -> schemas.DealRecord:
    """A deal record for 10 buses CB-12 at North depot worth 1,000,000 USD, unless told."""
    values: dict[str, object] = {
        "reference": reference,
        "customer": customer,
        "model": "CB-12" if customer == "NORD" else "PL-630",
        "site": "North depot" if customer == "NORD" else "West depot",
        "quantity": 10,
        "value": Decimal("1000000"),
        "currency": "USD",
        **fields,
    }
    return schemas.DealRecord.model_validate(values)


def cooperation_world(session: Session) -> None:
    """The network, the rates, trade 2014 and 2016 in Arctic, targets, and three deals:
    DL-A (Arctic, negotiation, 10 buses, 1 M USD), DL-B (Arctic, signed, 2 buses, 7 M RUB),
    DL-W (Baltic, lead, 5 lifts, 100,000 EUR)."""
    service_network(session)
    rates(session)
    TRADE.apply(
        session,
        [
            Item(
                schemas.TradeRecord(
                    region="Arctic",
                    year=2014,
                    group=ProductGroup.machinery,
                    amount=Decimal("200000000"),
                    currency="USD",
                )
            ),
            Item(
                schemas.TradeRecord(
                    region="Arctic",
                    year=2014,
                    group=ProductGroup.food,
                    amount=Decimal("3500000000"),
                    currency="RUB",
                )
            ),
            Item(
                schemas.TradeRecord(
                    region="Arctic",
                    year=2016,
                    group=ProductGroup.machinery,
                    amount=Decimal("90000000"),
                    currency="EUR",
                )
            ),
            Item(
                schemas.TradeRecord(
                    region="Baltic",
                    year=2016,
                    group=ProductGroup.timber,
                    amount=Decimal("5000000"),
                    currency="USD",
                )
            ),
        ],
    )
    TRADE_TARGETS.apply(
        session,
        [
            Item(
                schemas.TargetRecord(
                    region="Arctic", year=2014, amount=Decimal("300000000"), currency="USD"
                )
            ),
            Item(
                schemas.TargetRecord(
                    region="Arctic", year=2016, amount=Decimal("190000000"), currency="USD"
                )
            ),
        ],
    )
    DEALS.apply(
        session,
        [
            Item(deal("DL-A", stage=Stage.negotiation)),
            Item(
                deal(
                    "DL-B", stage=Stage.signed, quantity=2, value=Decimal("7000000"), currency="RUB"
                )
            ),
            Item(
                deal("DL-W", customer="WEST", quantity=5, value=Decimal("100000"), currency="EUR")
            ),
        ],
    )
    session.commit()
