"""Account tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fleetcare.core.db import Base, string_enum
from fleetcare.core.permissions import Role
from fleetcare.fleet.models import Customer, Region


class User(Base):
    """A person who signs in; a customer user is bound to one customer."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(string_enum(Role, "role"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Raised by a password or role change, disabling and signing out: older tokens are void.
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime)

    customer: Mapped[Customer | None] = relationship()
    regions: Mapped[list[Region]] = relationship(secondary="user_regions", order_by=Region.name)


class UserRegion(Base):
    """The regions a regional manager is bound to."""

    __tablename__ = "user_regions"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True)


class LoginFailure(Base):
    """Consecutive failed sign-ins per key (``user:NAME`` or ``addr:IP``), for throttling."""

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime)
