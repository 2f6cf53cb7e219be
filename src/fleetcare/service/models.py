"""Service tables: warranty policies, service contracts and levels, defects, work orders with
their history, and downtime.

A work order is the place later slices hang their parts lines and labour on (``work_order_id``
foreign keys from their own tables); a defect carries its warranty decision as computed and as
a person confirmed or overrode it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fleetcare.core.db import Base, string_enum
from fleetcare.fleet.models import Customer, ProductModel, Region, Unit
from fleetcare.parts.models import ComponentGroup, Location, Part
from fleetcare.service.states import WorkOrderStatus
from fleetcare.service.warranty import Decision


class DefectStatus(enum.StrEnum):
    """Where a defect report stands."""

    open = "open"  # reported; a work order may be open for it
    resolved = "resolved"  # its work order is done
    closed = "closed"  # closed without work (no fault found)


class WorkOrderKind(enum.StrEnum):
    """What a work order is for: fixing a defect, or the model's scheduled maintenance."""

    repair = "repair"
    maintenance = "maintenance"  # done: a maintenance of the unit (see service.maintenance)


class MaintenancePlan(Base):
    """A model's scheduled maintenance: every so many engine hours and/or calendar months."""

    __tablename__ = "maintenance_plans"
    __table_args__ = (
        CheckConstraint("every_hours IS NULL OR every_hours > 0", name="hours_positive"),
        CheckConstraint("every_months IS NULL OR every_months > 0", name="months_positive"),
        CheckConstraint("tolerance_hours >= 0", name="tolerance_hours_non_negative"),
        CheckConstraint("tolerance_days >= 0", name="tolerance_days_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("product_models.id"), unique=True)
    every_hours: Mapped[float | None] = mapped_column(Float)
    every_months: Mapped[int | None] = mapped_column(Integer)
    tolerance_hours: Mapped[float] = mapped_column(Float, default=0.0)
    tolerance_days: Mapped[int] = mapped_column(Integer, default=0)

    model: Mapped[ProductModel] = relationship()


class WarrantyPolicy(Base):
    """The maker's warranty on a model: ``months`` from the warranty start, and an hour limit.

    ``component_group`` None is the whole machine, the fallback for groups without a row.
    """

    __tablename__ = "warranty_policies"
    __table_args__ = (
        CheckConstraint("months > 0", name="months_positive"),
        CheckConstraint("hours IS NULL OR hours > 0", name="hours_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("product_models.id"), index=True)
    component_group: Mapped[ComponentGroup | None] = mapped_column(
        string_enum(ComponentGroup, "component_group")
    )
    months: Mapped[int] = mapped_column(Integer)
    hours: Mapped[float | None] = mapped_column(Float)  # engine-hour limit

    model: Mapped[ProductModel] = relationship()


class ServiceContract(Base):
    """Paid cover after the warranty: a customer's model (None: all) and group (None: all)."""

    __tablename__ = "service_contracts"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="dates_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(60), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    model_id: Mapped[int | None] = mapped_column(ForeignKey("product_models.id"))
    component_group: Mapped[ComponentGroup | None] = mapped_column(
        string_enum(ComponentGroup, "component_group")
    )
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)

    customer: Mapped[Customer] = relationship()
    model: Mapped[ProductModel | None] = relationship()


class ServiceLevel(Base):
    """Promised hours to respond and to restore in a region; ``customer`` None is the default."""

    __tablename__ = "service_levels"
    __table_args__ = (
        CheckConstraint("response_hours > 0", name="response_positive"),
        CheckConstraint("restore_hours > 0", name="restore_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    response_hours: Mapped[float] = mapped_column(Float)
    restore_hours: Mapped[float] = mapped_column(Float)

    region: Mapped[Region] = relationship()
    customer: Mapped[Customer | None] = relationship()


class Defect(Base):
    """A shortcoming reported on a unit, with its warranty decision.

    A ``down`` defect holds the unit down from ``reported_at`` until ``down_until``: when it is
    closed, or its work order is done or cancelled.
    """

    __tablename__ = "defects"
    __table_args__ = (
        # the list's pages, newest first, of all or of one status (core.query.page)
        Index("ix_defects_reported_at_id", "reported_at", "id"),
        Index("ix_defects_status_reported_at_id", "status", "reported_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    component_group: Mapped[ComponentGroup] = mapped_column(
        string_enum(ComponentGroup, "component_group")
    )
    symptom: Mapped[str] = mapped_column(String(2000))
    down: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[DefectStatus] = mapped_column(
        string_enum(DefectStatus, "defect_status"), index=True
    )
    reported_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    reported_by: Mapped[str] = mapped_column(String(80))
    hours: Mapped[float | None] = mapped_column(Float)  # engine hours given with the report
    down_until: Mapped[datetime | None] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)  # closed or resolved
    close_reason: Mapped[str | None] = mapped_column(String(500))
    # the warranty decision: as computed, and as a person confirmed or overrode it
    computed_decision: Mapped[Decision] = mapped_column(string_enum(Decision, "computed_decision"))
    decision: Mapped[Decision] = mapped_column(string_enum(Decision, "warranty_decision"))
    reasons: Mapped[list[Any]] = mapped_column(JSON)
    warranty_until: Mapped[date | None] = mapped_column(Date)
    hours_limit: Mapped[float | None] = mapped_column(Float)
    decision_hours: Mapped[float | None] = mapped_column(Float)  # the hours decided on
    decided_by: Mapped[str | None] = mapped_column(String(80))  # None: as computed
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(500))

    unit: Mapped[Unit] = relationship()


class WorkOrder(Base):
    """The work that fixes a defect; at most one active (not done, not cancelled) per defect."""

    __tablename__ = "work_orders"
    __table_args__ = (
        # the list's pages, newest first, of all or of one status (core.query.page)
        Index("ix_work_orders_opened_at_id", "opened_at", "id"),
        Index("ix_work_orders_status_opened_at_id", "status", "opened_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    defect_id: Mapped[int] = mapped_column(ForeignKey("defects.id"), index=True)
    status: Mapped[WorkOrderStatus] = mapped_column(
        string_enum(WorkOrderStatus, "work_order_status"), index=True
    )
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    opened_by: Mapped[str] = mapped_column(String(80))
    changed_at: Mapped[datetime] = mapped_column(DateTime)  # the latest transition's time
    kind: Mapped[WorkOrderKind] = mapped_column(
        string_enum(WorkOrderKind, "work_order_kind"),
        default=WorkOrderKind.repair,
        server_default=WorkOrderKind.repair.value,
    )
    # entered for the warranty claim
    faulty_serial: Mapped[str | None] = mapped_column(String(60))
    replacement_serial: Mapped[str | None] = mapped_column(String(60))
    labour_hours: Mapped[float | None] = mapped_column(Float)
    travel_km: Mapped[float | None] = mapped_column(Float)

    defect: Mapped[Defect] = relationship()
    history: Mapped[list[WorkOrderTransition]] = relationship(
        order_by="WorkOrderTransition.id", back_populates="work_order"
    )
    parts: Mapped[list[WorkOrderPart]] = relationship(order_by="WorkOrderPart.id")


class WorkOrderTransition(Base):
    """One move of a work order (the first: its opening), at the time it happened in the field."""

    __tablename__ = "work_order_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    from_status: Mapped[WorkOrderStatus | None] = mapped_column(
        string_enum(WorkOrderStatus, "from_status")
    )
    to_status: Mapped[WorkOrderStatus] = mapped_column(string_enum(WorkOrderStatus, "to_status"))
    at: Mapped[datetime] = mapped_column(DateTime)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str | None] = mapped_column(String(500))

    work_order: Mapped[WorkOrder] = relationship(back_populates="history")


class Downtime(Base):
    """An interval during which a unit was down (``ended_at`` None: it still is).

    Derived from the unit's down defects: the union of their intervals, one row per stretch.
    """

    __tablename__ = "downtimes"
    __table_args__ = (
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="times_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)


class LineStatus(enum.StrEnum):
    """Where a part line of a work order stands."""

    reserved = "reserved"  # held at its location for the work order
    short = "short"  # not available when asked: an option is due
    waiting = "waiting"  # option wait: a backorder against the work order
    in_transit = "in_transit"  # option emergency: shipped along the emergency lane
    issued = "issued"  # handed out when the work order was done
    released = "released"  # given back when the work order was cancelled
    cancelled = "cancelled"  # never reserved, and the work order was cancelled


class LineOption(enum.StrEnum):
    """What was done about a part that was not available."""

    wait = "wait"
    emergency = "emergency"
    cannibalise = "cannibalise"
    grey = "grey"


class WorkOrderPart(Base):
    """Pieces of a part asked for a work order at a location, and what became of them."""

    __tablename__ = "work_order_parts"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("price IS NULL OR price > 0", name="price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[LineStatus] = mapped_column(string_enum(LineStatus, "line_status"))
    option: Mapped[LineOption | None] = mapped_column(string_enum(LineOption, "line_option"))
    reservation_id: Mapped[int | None] = mapped_column(ForeignKey("reservations.id"))
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("transfers.id"))
    donor_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    donor_defect_id: Mapped[int | None] = mapped_column(ForeignKey("defects.id"))
    price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # per piece, grey purchases
    currency: Mapped[str | None] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(80))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)

    part: Mapped[Part] = relationship()
    location: Mapped[Location] = relationship()
    donor: Mapped[Unit | None] = relationship()


class ServiceRate(Base):
    """What an hour of labour and a km of travel cost in a region, in ``currency``."""

    __tablename__ = "service_rates"
    __table_args__ = (
        CheckConstraint("labour_rate >= 0", name="labour_non_negative"),
        CheckConstraint("km_rate >= 0", name="km_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), unique=True)
    labour_rate: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    km_rate: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))

    region: Mapped[Region] = relationship()


class ClaimKind(enum.StrEnum):
    """To whom a claim goes: the maker (warranty), or a supplier (recovery of its parts)."""

    warranty = "warranty"
    recovery = "recovery"


class Claim(Base):
    """A warranty claim of a covered work order done, or a recovery claim to a supplier."""

    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ClaimKind] = mapped_column(string_enum(ClaimKind, "claim_kind"), index=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))
    supplier: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    faulty_serial: Mapped[str | None] = mapped_column(String(60))
    replacement_serial: Mapped[str | None] = mapped_column(String(60))
    labour_hours: Mapped[float | None] = mapped_column(Float)
    labour_rate: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    labour_cost: Mapped[Decimal | None] = mapped_column(Numeric(24, 2))
    travel_km: Mapped[float | None] = mapped_column(Float)
    km_rate: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    travel_cost: Mapped[Decimal | None] = mapped_column(Numeric(24, 2))
    parts_cost: Mapped[Decimal] = mapped_column(Numeric(24, 2))
    total: Mapped[Decimal] = mapped_column(Numeric(24, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    other_currencies: Mapped[dict[str, Any]] = mapped_column(JSON)  # part costs not in currency
    lines: Mapped[list[Any]] = mapped_column(JSON)  # the parts: number, quantity, cost, currency

    unit: Mapped[Unit] = relationship()
