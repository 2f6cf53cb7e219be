"""Spare-parts tables. Stock is kept only through moves; ``stock_levels`` is their running sum."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fleetcare.core.db import Base, string_enum
from fleetcare.fleet.models import ProductModel, Region


class ComponentGroup(enum.StrEnum):
    """Where on the machine a part belongs."""

    engine = "engine"
    transmission = "transmission"
    hydraulics = "hydraulics"
    brakes = "brakes"
    electrics = "electrics"
    body = "body"
    filters = "filters"
    cooling = "cooling"
    suspension = "suspension"
    cab = "cab"
    lifting = "lifting"
    other = "other"


class LocationKind(enum.StrEnum):
    """What a stocking location is."""

    plant = "plant"
    hub = "hub"
    port_warehouse = "port_warehouse"
    depot = "depot"
    assembly_site = "assembly_site"


class TransportMode(enum.StrEnum):
    """How a lane moves parts; ``air`` and ``express`` are the emergency modes."""

    road = "road"
    rail = "rail"
    sea = "sea"
    air = "air"
    express = "express"


class MoveKind(enum.StrEnum):
    """Every way stock changes; see ``parts.ledger`` for each kind's effect."""

    receipt = "receipt"
    adjustment = "adjustment"
    transfer_shipped = "transfer_shipped"
    transfer_received = "transfer_received"
    reserve = "reserve"
    release = "release"
    issue = "issue"
    return_ = "return"
    scrap = "scrap"
    cannibalisation = "cannibalisation"
    grey_purchase = "grey_purchase"


class ReservationStatus(enum.StrEnum):
    """A reservation holds stock until it is issued or released."""

    active = "active"
    issued = "issued"
    released = "released"


class TransferStatus(enum.StrEnum):
    """A transfer is in transit until it is received."""

    in_transit = "in_transit"
    received = "received"


class Part(Base):
    """A spare part, by part number; ``unit_cost`` is the plant's cost in ``currency``."""

    __tablename__ = "parts"
    __table_args__ = (
        CheckConstraint("unit_cost >= 0", name="cost_non_negative"),
        CheckConstraint("weight_kg >= 0", name="weight_non_negative"),
        Index("ix_parts_group_number", "group", "number"),  # the catalogue's pages by group
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    group: Mapped[ComponentGroup] = mapped_column(string_enum(ComponentGroup, "component_group"))
    unit_cost: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    weight_kg: Mapped[float] = mapped_column(Float)
    repairable: Mapped[bool] = mapped_column(Boolean, default=False)
    grey_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("parts.id"))
    supplier: Mapped[str | None] = mapped_column(String(200))  # None: the maker's own part

    superseded_by: Mapped[Part | None] = relationship(remote_side=[id])


class BomLine(Base):
    """Part ``part`` is fitted ``quantity`` times (Z) on every machine of ``model``."""

    __tablename__ = "bom_lines"
    __table_args__ = (
        UniqueConstraint("model_id", "part_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("product_models.id"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    critical: Mapped[bool] = mapped_column(Boolean, default=False)

    model: Mapped[ProductModel] = relationship()
    part: Mapped[Part] = relationship()


class Location(Base):
    """A stocking point in the resupply tree: each is resupplied from its ``parent``."""

    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[LocationKind] = mapped_column(string_enum(LocationKind, "location_kind"))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)

    parent: Mapped[Location | None] = relationship(remote_side=[id])
    region: Mapped[Region | None] = relationship()


class Lane(Base):
    """A transport link: lead time in days (mean and standard deviation), cost per kg."""

    __tablename__ = "lanes"
    __table_args__ = (
        UniqueConstraint("from_id", "to_id", "mode"),
        CheckConstraint("from_id <> to_id", name="not_to_itself"),
        CheckConstraint("lead_time_days > 0", name="lead_time_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    to_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    mode: Mapped[TransportMode] = mapped_column(string_enum(TransportMode, "transport_mode"))
    lead_time_days: Mapped[float] = mapped_column(Float)
    lead_time_sd_days: Mapped[float] = mapped_column(Float, default=0.0)
    cost_per_kg: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)

    origin: Mapped[Location] = relationship(foreign_keys=[from_id])
    destination: Mapped[Location] = relationship(foreign_keys=[to_id])


class StockLevel(Base):
    """The running balance of one part at one location: the sum of its moves."""

    __tablename__ = "stock_levels"
    __table_args__ = (
        UniqueConstraint("part_id", "location_id"),
        CheckConstraint("on_hand >= 0", name="on_hand_non_negative"),
        CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="reserved_within_on_hand"),
        CheckConstraint("in_transit >= 0", name="in_transit_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    in_transit: Mapped[int] = mapped_column(Integer, default=0)
    target: Mapped[int | None] = mapped_column(Integer)  # the planned stock, when one is set


class StockMove(Base):
    """One entry of the ledger; the deltas say how on hand, reserved and in transit changed."""

    __tablename__ = "stock_moves"
    __table_args__ = (
        # the ledger's pages, last recorded first, of one part or one location (core.query.page)
        Index("ix_stock_moves_part_id_id", "part_id", "id"),
        Index("ix_stock_moves_location_id_id", "location_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    kind: Mapped[MoveKind] = mapped_column(string_enum(MoveKind, "move_kind"))
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    on_hand_delta: Mapped[int] = mapped_column(Integer, default=0)
    reserved_delta: Mapped[int] = mapped_column(Integer, default=0)
    in_transit_delta: Mapped[int] = mapped_column(Integer, default=0)
    price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # per piece, grey purchases
    currency: Mapped[str | None] = mapped_column(String(3))
    work_order: Mapped[str | None] = mapped_column(String(60))
    unit_serial: Mapped[str | None] = mapped_column(String(60), index=True)  # donor or grey unit
    reservation_id: Mapped[int | None] = mapped_column(ForeignKey("reservations.id"))
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfers.id"))
    actor: Mapped[str] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(String(200))


class Reservation(Base):
    """``quantity`` of a part held at a location for a work order."""

    __tablename__ = "reservations"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    work_order: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[ReservationStatus] = mapped_column(
        string_enum(ReservationStatus, "reservation_status")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(80))


class Transfer(Base):
    """Parts on their way: from a location (or a supplier, when ``from_id`` is empty) to another."""

    __tablename__ = "transfers"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"))
    from_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    to_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    lane_id: Mapped[int | None] = mapped_column(ForeignKey("lanes.id"))
    status: Mapped[TransferStatus] = mapped_column(string_enum(TransferStatus, "transfer_status"))
    shipped_at: Mapped[datetime] = mapped_column(DateTime)
    expected_at: Mapped[datetime | None] = mapped_column(DateTime)
    received_at: Mapped[datetime | None] = mapped_column(DateTime)
