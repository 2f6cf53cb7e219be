"""Installed-base tables (SQLAlchemy 2 typed mappings)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fleetcare.core.db import Base, string_enum


class ClimateClass(enum.StrEnum):
    """Climate class of a region; failure rates and demand are kept per class."""

    temperate = "temperate"
    cold = "cold"
    arctic = "arctic"


class ProductFamily(enum.StrEnum):
    """The families of machines the maker builds."""

    city_bus = "city_bus"
    mining_dump_truck = "mining_dump_truck"
    forestry_forwarder = "forestry_forwarder"
    forestry_harvester = "forestry_harvester"
    passenger_lift = "passenger_lift"
    road_machine = "road_machine"
    farm_machine = "farm_machine"


class UnitStatus(enum.StrEnum):
    """Where a delivered machine stands."""

    in_service = "in_service"
    down = "down"
    retired = "retired"


class Region(Base):
    """A partner region (or the maker's home region)."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    country: Mapped[str] = mapped_column(String(80))
    climate: Mapped[ClimateClass] = mapped_column(string_enum(ClimateClass, "climate_class"))

    sites: Mapped[list[Site]] = relationship(back_populates="region")


class Site(Base):
    """A place where machines work (a depot, a mine, a city garage); names are unique."""

    __tablename__ = "sites"
    __table_args__ = (
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    # The parts network's depot that serves the site (``locations`` is the parts domain's
    # table, named here only by its key: fleet sits below parts). Empty: the region's nearest
    # depot (``parts.serving``).
    depot_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"), index=True)

    region: Mapped[Region] = relationship(back_populates="sites")
    depot = relationship("Location")  # the serving depot, when one is named


class Customer(Base):
    """A company or city that owns machines, identified by its code."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)

    region: Mapped[Region] = relationship()


class ProductModel(Base):
    """A model of machine the maker sells (``code`` such as ``CB-12``)."""

    __tablename__ = "product_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    family: Mapped[ProductFamily] = mapped_column(string_enum(ProductFamily, "product_family"))
    name: Mapped[str] = mapped_column(String(200))


class Delivery(Base):
    """A batch of one model shipped to one customer; ``reference`` is the batch number."""

    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("delivered_on IS NULL OR delivered_on >= shipped_on", name="dates_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(60), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("product_models.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    shipped_on: Mapped[date] = mapped_column(Date)
    delivered_on: Mapped[date | None] = mapped_column(Date)

    customer: Mapped[Customer] = relationship()
    model: Mapped[ProductModel] = relationship()


class Unit(Base):
    """One delivered machine, identified by its serial number.

    ``engine_hours``, ``km`` and ``last_reading_at`` mirror the unit's latest usage reading;
    they are written in the same transaction as the readings.
    """

    __tablename__ = "units"
    __table_args__ = (
        # the list's pages: a filter, then the order (core.query.page)
        Index("ix_units_status_serial", "status", "serial"),
        Index("ix_units_customer_id_serial", "customer_id", "serial"),
        Index("ix_units_model_id_serial", "model_id", "serial"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(60), unique=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("product_models.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id"), index=True)
    delivered_on: Mapped[date] = mapped_column(Date)
    warranty_start: Mapped[date] = mapped_column(Date)
    status: Mapped[UnitStatus] = mapped_column(
        string_enum(UnitStatus, "unit_status"), default=UnitStatus.in_service, index=True
    )
    last_reading_at: Mapped[datetime | None] = mapped_column(DateTime)
    engine_hours: Mapped[float | None] = mapped_column(Float)
    km: Mapped[float | None] = mapped_column(Float)

    model: Mapped[ProductModel] = relationship()
    customer: Mapped[Customer] = relationship()
    site: Mapped[Site] = relationship()
    delivery: Mapped[Delivery | None] = relationship()


class UsageReading(Base):
    """A meter reading of one unit at one moment: engine hours, kilometres, or both."""

    __tablename__ = "usage_readings"
    __table_args__ = (
        UniqueConstraint("unit_id", "taken_at"),
        CheckConstraint("engine_hours IS NULL OR engine_hours >= 0", name="hours_non_negative"),
        CheckConstraint("km IS NULL OR km >= 0", name="km_non_negative"),
        CheckConstraint("engine_hours IS NOT NULL OR km IS NOT NULL", name="has_a_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    taken_at: Mapped[datetime] = mapped_column(DateTime)
    engine_hours: Mapped[float | None] = mapped_column(Float)
    km: Mapped[float | None] = mapped_column(Float)
