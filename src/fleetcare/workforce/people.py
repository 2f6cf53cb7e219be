"""Technicians and their days off: scoped reads, checked and audited writes.

A regional manager reads and writes the technicians of its regions; a customer reads the
technicians it employs (none, if it employs none) and writes none (it holds no
``workforce.write``). A technician outside the caller's scope does not exist for it (404).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fleetcare.core import crud
from fleetcare.core.errors import FieldError, InvalidInput, NotFound
from fleetcare.core.i18n import _
from fleetcare.core.permissions import EVERYTHING, Permission, Principal, Scope
from fleetcare.core.query import contains, entity_page
from fleetcare.core.schemas import Page
from fleetcare.fleet.models import Region
from fleetcare.fleet.scoping import refuse_unseen
from fleetcare.workforce import schemas
from fleetcare.workforce.models import DayOff, Technician, TechnicianKind
from fleetcare.workforce.shifts import Shift, parse_shift, weekday_field
from fleetcare.workforce.tables import DAYS_OFF, TECHNICIANS, visible_technicians


def visible_technician(
    session: Session, code: str, scope: Scope = EVERYTHING, *, lock: bool = False
) -> Technician:
    """The technician ``code`` if ``scope`` may see it (locked when ``lock``), else NotFound."""
    statement = select(Technician).where(
        Technician.code == code, Technician.id.in_(visible_technicians(scope))
    )
    found = session.scalars(statement.with_for_update() if lock else statement).first()
    if found is None:
        raise NotFound(_("technician '{code}' not found").format(code=code))
    return found


def visible_technician_codes(session: Session, codes: Iterable[str], scope: Scope) -> set[str]:
    """Those of ``codes`` that name technicians ``scope`` may see (the pages link only those)."""
    wanted = sorted(set(codes))
    if not wanted:
        return set()
    statement = select(Technician.code).where(
        Technician.code.in_(wanted), Technician.id.in_(visible_technicians(scope))
    )
    return set(session.scalars(statement))


def technician_of(row: Technician) -> schemas.TechnicianRead:
    """A stored technician as the API answers it."""
    return schemas.TechnicianRead.model_validate(
        {"id": row.id, **TECHNICIANS.to_record(row).model_dump()}
    )


def _refuse_account_link(account: str | None, by: Principal, *, unlink: bool = False) -> None:
    """Only who manages the accounts links a technician to one (or unlinks it): the link
    shows that account the technician's own work (422 naming ``account`` otherwise)."""
    if (account is not None or unlink) and not by.can(Permission.users_manage):
        message = _("only an administrator links a technician to an account")
        raise InvalidInput([FieldError("account", message)])


def technician_read(
    session: Session, code: str, scope: Scope = EVERYTHING
) -> schemas.TechnicianRead:
    """One technician."""
    return technician_of(visible_technician(session, code, scope))


def list_technicians(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    region: str | None = None,
    kind: TechnicianKind | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> Page[schemas.TechnicianRead]:
    """A page of technicians by code; ``q`` matches part of the code or name."""
    statement = select(Technician).where(Technician.id.in_(visible_technicians(scope)))
    if region:
        statement = statement.where(Technician.region.has(Region.name == region))
    if kind:
        statement = statement.where(Technician.kind == kind)
    if q:
        pattern = contains(q)
        statement = statement.where(
            Technician.code.ilike(pattern, escape="\\")
            | Technician.name.ilike(pattern, escape="\\")
        )
    window = entity_page(
        session,
        statement,
        name="technicians",
        order=(Technician.code,),
        loads=(
            joinedload(Technician.region),
            joinedload(Technician.employer),
            joinedload(Technician.account),
        ),
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    return Page[schemas.TechnicianRead](
        items=[technician_of(r) for r in window.rows], **window.meta()
    )


def create_technician(
    session: Session, record: schemas.TechnicianRecord, *, by: Principal
) -> schemas.TechnicianRead:
    """Add a technician (its code must be new); a scoped writer only within its regions."""
    _refuse_account_link(record.account, by)
    if not by.scope.everything:
        refuse_unseen(session, TECHNICIANS, record.model_dump(), by.scope)
    row_id = crud.create(session, TECHNICIANS, record, by=by)
    return technician_of(session.get_one(Technician, row_id))


def update_technician(
    session: Session, code: str, patch: schemas.TechnicianUpdate, *, by: Principal
) -> schemas.TechnicianRead:
    """Change a visible technician (404 otherwise); the result is checked as a whole record."""
    row = visible_technician(session, code, by.scope)
    values: dict[str, Any] = patch.model_dump(exclude_unset=True)
    if "account" in values and values["account"] != (row.account and row.account.username):
        _refuse_account_link(values["account"], by, unlink=values["account"] is None)
    if not by.scope.everything:
        refuse_unseen(session, TECHNICIANS, values, by.scope, row.id)
    crud.update(session, TECHNICIANS, row.id, patch, by=by)
    session.refresh(row)
    return technician_of(row)


def add_day_off(session: Session, code: str, day: date, *, by: Principal) -> int:
    """Record a day off of a visible technician (a day already off is refused, 422)."""
    visible_technician(session, code, by.scope)
    return crud.create(session, DAYS_OFF, schemas.DayOffRecord(technician=code, day=day), by=by)


def shift_on(technician: Technician, day: date, days_off: set[date] | None = None) -> Shift | None:
    """The technician's shift on ``day``: its weekday's, unless the day is off (None: off)."""
    if days_off is not None and day in days_off:
        return None
    text = getattr(technician, weekday_field(day))
    return None if text is None else parse_shift(text)


def days_off(session: Session, technician_ids: list[int], day: date) -> set[int]:
    """Which of the technicians have ``day`` off."""
    if not technician_ids:
        return set()
    rows = session.scalars(
        select(DayOff.technician_id).where(
            DayOff.technician_id.in_(sorted(technician_ids)), DayOff.day == day
        )
    )
    return set(rows)
