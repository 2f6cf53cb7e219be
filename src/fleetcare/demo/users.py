"""The demo's users: one per role, each with a random password shown once."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.accounts.models import User
from fleetcare.accounts.schemas import UserCreate
from fleetcare.accounts.service import add_user
from fleetcare.core import audit
from fleetcare.core.permissions import Role, system
from fleetcare.workforce.models import Assignment, Technician

DEMO_USERS = [
    ("admin", Role.admin, None, ()),
    ("planner", Role.planner, None, ()),
    ("dispatcher", Role.dispatcher, None, ()),
    ("north.manager", Role.regional_manager, None, ("Murmansk Oblast", "Karelia")),
    ("technician", Role.technician, None, ()),
    ("murmansk.transport", Role.customer, "MUR-CITYTRANS", ()),
]


def demo_users(session: Session) -> dict[str, tuple[Role, str]]:
    """One user per role, with a fresh random password; users that exist are left alone.

    Returns the new users' roles and passwords: the only time the passwords are shown.
    """
    created: dict[str, tuple[Role, str]] = {}
    for name, role, customer, regions in DEMO_USERS:
        if session.scalar(select(User.id).where(User.username == name)) is not None:
            continue
        password = secrets.token_urlsafe(9)
        new = UserCreate(
            username=name, role=role, password=password, customer=customer, regions=list(regions)
        )
        add_user(session, new, by=system("demo"))
        created[name] = (role, password)
    _link_technician(session)
    return created


def _link_technician(session: Session) -> None:
    """The ``technician`` account signs in as the technician with the latest assignment (its
    crews' jobs on *My work*), unless it is linked already or that technician is (audited)."""
    account = session.scalar(select(User.id).where(User.username == "technician"))
    if account is None or session.scalar(
        select(Technician.id).where(Technician.account_id == account)
    ):
        return
    latest = session.scalars(
        select(Technician)
        .join(Assignment, Assignment.technician_id == Technician.id)
        .order_by(Assignment.start_at.desc(), Technician.code)
        .limit(1)
    ).first()
    if latest is not None and latest.account_id is None:  # never over an administrator's link
        latest.account_id = account
        session.flush()
        audit.record(
            session,
            actor="demo",
            action="update",
            entity="technicians",
            key=latest.code,
            before={"account": None},
            after={"account": "technician"},
        )
