"""Pydantic shapes of accounts and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from fleetcare.core.permissions import Role

Username = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._@-]{2,80}$")]
MIN_PASSWORD, MAX_PASSWORD = 8, 256  # characters
Password = Annotated[str, Field(min_length=MIN_PASSWORD, max_length=MAX_PASSWORD)]


class UserCreate(BaseModel):
    """A new account; ``customer`` for a customer user, ``regions`` for a regional manager."""

    model_config = ConfigDict(extra="forbid")

    username: Username
    role: Role
    password: Password
    customer: str | None = Field(default=None, max_length=40)
    regions: list[Annotated[str, Field(max_length=120)]] = Field(
        default_factory=list, max_length=100
    )


class RoleChange(BaseModel):
    """Another role for an account, with the customer or regions that role is bound to."""

    model_config = ConfigDict(extra="forbid")

    role: Role
    customer: str | None = Field(default=None, max_length=40)
    regions: list[Annotated[str, Field(max_length=120)]] = Field(
        default_factory=list, max_length=100
    )


class UserRead(BaseModel):
    """An account as others see it (never its password or hash)."""

    id: int
    username: str
    role: Role
    customer: str | None
    regions: list[str]
    active: bool


class Token(BaseModel):
    """The OAuth2 password-flow answer."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="seconds")


class AuditRead(BaseModel):
    """One audit entry."""

    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    key: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    changed: list[str] = Field(
        description="the fields the change touched (every field of a row created or removed)"
    )
