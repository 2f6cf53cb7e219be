"""Pydantic shapes of cooperation: the importable records (deals, trade figures, trade targets,
exchange rates), request bodies and answers. Records name related rows by natural key
(customer and model codes, site and region names, delivery reference)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints, ValidationInfo, field_validator

from fleetcare.cooperation.models import ProductGroup
from fleetcare.cooperation.stages import Stage
from fleetcare.core.i18n import _
from fleetcare.core.schemas import (
    TEXT_PATTERN,
    Code,
    CurrencyCode,
    Name,
    PastDate,
    Serial,
    StrictModel,
)

Currency = CurrencyCode  # an ISO 4217 code
Amount = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=2)]
Year = Annotated[int, Field(ge=1990, le=2100)]
Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500, pattern=TEXT_PATTERN),
]
SHIPPED = (Stage.shipped, Stage.delivered)


# --- deals -----------------------------------------------------------------------------------
class DealRecord(StrictModel):
    reference: Serial
    customer: Code
    model: Code
    site: Name | None = Field(default=None, description="where the units will work")
    quantity: int = Field(gt=0, le=100_000)
    value: Amount
    currency: Currency
    stage: Stage = Stage.lead
    lost_reason: Reason | None = Field(default=None, validate_default=True)
    expected_signing: date | None = None
    expected_delivery: date | None = None
    delivery: Serial | None = Field(
        default=None,
        validate_default=True,
        description="the delivery that carried a shipped or delivered deal",
    )

    @field_validator("lost_reason")
    @classmethod
    def _reason_when_lost(cls, value: str | None, info: ValidationInfo) -> str | None:
        stage = info.data.get("stage")
        if stage is Stage.lost and value is None:
            raise ValueError(_("a lost deal says why"))
        if stage is not None and stage is not Stage.lost and value is not None:
            raise ValueError(_("only a lost deal has a reason"))
        return value

    @field_validator("delivery")
    @classmethod
    def _delivery_when_shipped(cls, value: str | None, info: ValidationInfo) -> str | None:
        stage = info.data.get("stage")
        if stage is not None and (stage in SHIPPED) != (value is not None):
            raise ValueError(_("named exactly when the deal is shipped or delivered"))
        return value


class DealUpdate(StrictModel):
    """The fields a PATCH may change; the stage moves by transitions only."""

    reference: Serial | None = None
    customer: Code | None = None
    model: Code | None = None
    site: Name | None = None
    quantity: int | None = Field(default=None, gt=0, le=100_000)
    value: Amount | None = None
    currency: Currency | None = None
    expected_signing: date | None = None
    expected_delivery: date | None = None


class DealRead(DealRecord):
    id: int
    # a read reports what is stored, even a value written before today's checks
    currency: str
    region: str
    changed_at: datetime | None = None
    units: int = Field(description="units the deal's delivery holds")


class DealMove(StrictModel):
    """A stage move; ``on`` dates a shipment or delivery (default today); ``serials`` names
    the units a shipment creates (default ``REFERENCE-0001`` …)."""

    to: Stage
    reason: Reason | None = Field(default=None, description="why the deal was lost")
    on: PastDate | None = None
    serials: list[Serial] | None = Field(default=None, max_length=100_000)


# --- trade -----------------------------------------------------------------------------------
class TradeRecord(StrictModel):
    region: Name
    year: Year
    group: ProductGroup
    amount: Amount
    currency: Currency


class TargetRecord(StrictModel):
    region: Name
    year: Year
    amount: Amount
    currency: Currency


class RateRecord(StrictModel):
    currency: Currency
    day: PastDate
    per_usd: Decimal = Field(gt=0, max_digits=18, decimal_places=8)

    @field_validator("currency")
    @classmethod
    def _not_usd(cls, value: str) -> str:
        if value == "USD":
            raise ValueError(_("USD is 1 per USD by definition; it takes no rate"))
        return value


class TradeRead(TradeRecord):
    id: int
    # a read reports what is stored, even a value written before today's checks
    currency: str


class TargetRead(TargetRecord):
    id: int
    # a read reports what is stored, even a value written before today's checks
    currency: str


# --- dashboard -------------------------------------------------------------------------------
class Dashboard(BaseModel):
    """The dashboard's figures; ``docs/cooperation.md`` documents every key."""

    region: str | None
    currency: str
    as_of: date
    period: dict[str, date]
    units: dict[str, int]
    availability: dict[str, float | None]
    service: dict[str, Any]
    warranty_cost: dict[str, Any]
    depot_fill_rate: dict[str, Any]
    grey_purchases: dict[str, Any]
    cannibalisations: dict[str, Any]
    technicians: dict[str, int]
    deals: dict[str, Any]
    trade: list[dict[str, Any]]
    sites: list[dict[str, Any]]
    depots: list[dict[str, Any]]
    rates_used: list[dict[str, str]]
    unconverted: list[dict[str, Any]] = Field(
        default_factory=list,
        description="amounts left out for want of an exchange rate: currency, amounts, first_day",
    )
    # the same by what left them out — "trade" (the series), "money" (warranty cost, grey
    # purchases, cannibalisations), "deals" — for the exported tables; not in the answer
    left_out: dict[str, list[dict[str, Any]]] = Field(default_factory=dict, exclude=True)
