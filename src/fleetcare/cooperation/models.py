"""Cooperation tables: deals (machine batches per customer), trade figures and targets per
region and year, and exchange rates by date.

Money is a ``Numeric`` amount with its ISO 4217 currency beside it, everywhere.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fleetcare.cooperation.stages import Stage
from fleetcare.core.db import Base, string_enum
from fleetcare.fleet.models import Customer, Delivery, ProductModel, Region, Site


class ProductGroup(enum.StrEnum):
    """The groups trade figures are kept in."""

    machinery = "machinery"
    construction_materials = "construction_materials"
    food = "food"
    timber = "timber"
    chemicals = "chemicals"
    energy = "energy"
    other = "other"


class Deal(Base):
    """A batch of one model negotiated with one customer; ``reference`` names it.

    ``delivery_id`` is set when the deal is shipped: the delivery (and its units) the shipment
    created, or the delivery an imported historical deal names.
    """

    __tablename__ = "deals"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("value >= 0", name="value_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(60), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("product_models.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    value: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))
    stage: Mapped[Stage] = mapped_column(string_enum(Stage, "deal_stage"), index=True)
    lost_reason: Mapped[str | None] = mapped_column(String(500))
    expected_signing: Mapped[date | None] = mapped_column(Date)
    expected_delivery: Mapped[date | None] = mapped_column(Date)
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id"), unique=True)
    changed_at: Mapped[datetime | None] = mapped_column(DateTime)

    customer: Mapped[Customer] = relationship()
    model: Mapped[ProductModel] = relationship()
    site: Mapped[Site | None] = relationship()
    delivery: Mapped[Delivery | None] = relationship()


class TradeFigure(Base):
    """Trade with a partner region in one year and product group, in ``currency``."""

    __tablename__ = "trade_figures"
    __table_args__ = (
        UniqueConstraint("region_id", "year", "group"),
        CheckConstraint("amount >= 0", name="amount_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    group: Mapped[ProductGroup] = mapped_column(string_enum(ProductGroup, "product_group"))
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))

    region: Mapped[Region] = relationship()


class TradeTarget(Base):
    """The trade volume agreed with a partner region for one year, in ``currency``."""

    __tablename__ = "trade_targets"
    __table_args__ = (
        UniqueConstraint("region_id", "year"),
        CheckConstraint("amount >= 0", name="amount_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))

    region: Mapped[Region] = relationship()


class ExchangeRate(Base):
    """How many units of ``currency`` one US dollar bought on ``day`` (USD itself: 1 by
    definition, never stored)."""

    __tablename__ = "exchange_rates"
    __table_args__ = (
        UniqueConstraint("currency", "day"),
        CheckConstraint("per_usd > 0", name="rate_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), index=True)
    day: Mapped[date] = mapped_column(Date)
    per_usd: Mapped[Decimal] = mapped_column(Numeric(18, 8))
