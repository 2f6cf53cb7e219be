"""Workforce tables: technicians with their shifts and days off, courses and training sessions
with attendees, certification grants per product family, and assignments of technicians to
work orders.

A technician's shift on a weekday is ``"HH:MM-HH:MM"`` (None: off that weekday); times are the
database's clock (naive UTC), as everywhere in fleetcare.
"""

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
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fleetcare.accounts.models import User
from fleetcare.core.db import Base, string_enum
from fleetcare.fleet.models import Customer, ProductFamily, Region
from fleetcare.workforce.ladder import Level


class TechnicianKind(enum.StrEnum):
    """Whose a technician is: the maker's engineer seconded to a region, or a local hire."""

    engineer = "engineer"
    local = "local"  # employed by a partner or customer (``employer``, when it is a customer)


class CourseKind(enum.StrEnum):
    """What a course teaches by."""

    theory = "theory"
    practical = "practical"
    on_the_job = "on_the_job"


class Result(enum.StrEnum):
    """An attendee's result in a training session."""

    enrolled = "enrolled"  # not assessed yet
    passed = "passed"
    failed = "failed"


class Technician(Base):
    """A person who services machines, identified by its ``code``."""

    __tablename__ = "technicians"
    __table_args__ = (
        CheckConstraint("home_latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("home_longitude BETWEEN -180 AND 180", name="longitude_range"),
        Index("ix_technicians_account_id", "account_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[TechnicianKind] = mapped_column(string_enum(TechnicianKind, "technician_kind"))
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    home_latitude: Mapped[float] = mapped_column(Float)
    home_longitude: Mapped[float] = mapped_column(Float)
    languages: Mapped[str] = mapped_column(String(100), default="")  # "ru en", space-separated
    mon: Mapped[str | None] = mapped_column(String(11))  # "08:00-17:00"; None: off
    tue: Mapped[str | None] = mapped_column(String(11))
    wed: Mapped[str | None] = mapped_column(String(11))
    thu: Mapped[str | None] = mapped_column(String(11))
    fri: Mapped[str | None] = mapped_column(String(11))
    sat: Mapped[str | None] = mapped_column(String(11))
    sun: Mapped[str | None] = mapped_column(String(11))
    # the account the technician signs in with (its own work: ``my_work``); one at most
    account_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    region: Mapped[Region] = relationship()
    employer: Mapped[Customer | None] = relationship()
    account: Mapped[User | None] = relationship()


class DayOff(Base):
    """A day a technician does not work (leave, sickness, a holiday)."""

    __tablename__ = "days_off"
    __table_args__ = (UniqueConstraint("technician_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"), index=True)
    day: Mapped[date] = mapped_column(Date)

    technician: Mapped[Technician] = relationship()


class Course(Base):
    """A course for one product family, identified by its ``code``."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    family: Mapped[ProductFamily] = mapped_column(string_enum(ProductFamily, "product_family"))
    kind: Mapped[CourseKind] = mapped_column(string_enum(CourseKind, "course_kind"))


class TrainingSession(Base):
    """One run of a course: its days, place and region, and its trainer."""

    __tablename__ = "training_sessions"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="dates_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    place: Mapped[str] = mapped_column(String(200))
    trainer_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"), index=True)

    course: Mapped[Course] = relationship()
    region: Mapped[Region] = relationship()
    trainer: Mapped[Technician] = relationship()


class Attendance(Base):
    """A technician attending a training session, and its result."""

    __tablename__ = "attendances"
    __table_args__ = (UniqueConstraint("session_id", "technician_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"), index=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"), index=True)
    result: Mapped[Result] = mapped_column(string_enum(Result, "attendance_result"))

    session: Mapped[TrainingSession] = relationship()
    technician: Mapped[Technician] = relationship()


class Grant(Base):
    """A level of the certification ladder for one family, valid from ``granted_on`` until the
    day before ``expires_on`` (retraining due)."""

    __tablename__ = "grants"
    __table_args__ = (
        CheckConstraint("expires_on > granted_on", name="dates_order"),
        UniqueConstraint("technician_id", "family", "level", "granted_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"), index=True)
    family: Mapped[ProductFamily] = mapped_column(string_enum(ProductFamily, "product_family"))
    level: Mapped[Level] = mapped_column(string_enum(Level, "grant_level"))
    granted_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    granted_by: Mapped[str] = mapped_column(String(80))  # a trainer's code, or a user

    technician: Mapped[Technician] = relationship()


class Assignment(Base):
    """A technician on a work order from ``start`` to ``end`` (one day); a trainee's assignment
    countersigned by a certified crew member once the job is done counts as a supervised job."""

    __tablename__ = "assignments"
    __table_args__ = (CheckConstraint("end_at > start_at", name="times_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"), index=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    family: Mapped[ProductFamily] = mapped_column(string_enum(ProductFamily, "product_family"))
    level: Mapped[Level] = mapped_column(string_enum(Level, "grant_level"))  # on that day
    start_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    end_at: Mapped[datetime] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(80))
    countersigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("technicians.id"))
    countersigned_at: Mapped[datetime | None] = mapped_column(DateTime)
    countersigned_user: Mapped[str | None] = mapped_column(String(80))

    technician: Mapped[Technician] = relationship(foreign_keys=[technician_id])
    countersigned_by: Mapped[Technician | None] = relationship(foreign_keys=[countersigned_by_id])
