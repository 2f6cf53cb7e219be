"""The workforce's importable tables: technicians, days off, courses, training sessions,
attendances and grants (CSV/JSON through ``fleetcare import``, all or nothing).

Scope: a regional manager sees (and writes) the technicians of its regions and what hangs on
them, and the sessions held in its regions; a customer sees the technicians it employs and
what hangs on them, and the sessions held in its own region; courses are the maker's public
catalogue.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session

from fleetcare.accounts.models import User
from fleetcare.core.bulk import Item, Table
from fleetcare.core.clock import today
from fleetcare.core.db import Base
from fleetcare.core.errors import FieldError
from fleetcare.core.i18n import _
from fleetcare.core.keyed import Ids, KeyedTable, Reference, resolve
from fleetcare.core.labels import named
from fleetcare.core.permissions import Scope
from fleetcare.fleet.models import Customer, Region
from fleetcare.workforce import schemas
from fleetcare.workforce.bookings import (
    days_off_from,
    first_stranded,
    held_from,
    lock_technicians,
    week_of,
)
from fleetcare.workforce.ladder import GrantFact, Level, level_on
from fleetcare.workforce.models import (
    Attendance,
    Course,
    DayOff,
    Grant,
    Technician,
    TrainingSession,
)
from fleetcare.workforce.shifts import WEEKDAYS, weekday_field

S = TypeVar("S", bound=Select[Any])


def visible_technicians(scope: Scope) -> Select[Any]:
    """Ids of the technicians ``scope`` may see."""
    statement = select(Technician.id)
    if scope.everything:
        return statement
    if scope.customer_id is not None:
        return statement.where(Technician.employer_id == scope.customer_id)
    regions = sorted(scope.region_ids or ())
    return (
        statement.where(Technician.region_id.in_(regions)) if regions else statement.where(false())
    )


def _technicians_in_scope(statement: S, _table: type[Base], scope: Scope) -> S:
    if scope.everything:
        return statement
    return statement.where(Technician.id.in_(visible_technicians(scope)))


def _through_technician(statement: S, table: type[Base], scope: Scope) -> S:
    if scope.everything:
        return statement
    column = table.technician_id  # type: ignore[attr-defined]
    return statement.where(column.in_(visible_technicians(scope)))


def visible_session_regions(scope: Scope) -> Select[Any] | None:
    """Ids of the regions whose sessions ``scope`` may see (None: all)."""
    if scope.everything:
        return None
    if scope.customer_id is not None:
        return select(Customer.region_id).where(Customer.id == scope.customer_id)
    return select(Region.id).where(Region.id.in_(sorted(scope.region_ids or ())))


def _sessions_in_scope(statement: S, _table: type[Base], scope: Scope) -> S:
    regions = visible_session_regions(scope)
    return statement if regions is None else statement.where(TrainingSession.region_id.in_(regions))


def grant_facts(session: Session, technician_ids: Sequence[int]) -> dict[int, list[GrantFact]]:
    """Every grant of the technicians, as facts for the ladder rules, by technician id."""
    facts: dict[int, list[GrantFact]] = {i: [] for i in technician_ids}
    if not technician_ids:
        return facts
    rows = session.scalars(select(Grant).where(Grant.technician_id.in_(sorted(technician_ids))))
    for g in rows:
        facts[g.technician_id].append(
            GrantFact(g.family.value, g.level, g.granted_on, g.expires_on)
        )
    return facts


def _trainers_valid(session: Session, items: Sequence[Item[Any]], ids: Ids) -> list[FieldError]:
    """Each session's trainer holds a trainer grant for the course's family valid on every day
    of the session (its first and its last)."""
    families = dict(
        session.execute(
            select(Course.id, Course.family).where(Course.id.in_(ids["course"].values()))
        ).all()
    )
    facts = grant_facts(session, sorted(set(ids["trainer"].values())))
    errors = []
    for item in items:
        record: schemas.SessionRecord = item.record
        family = families[ids["course"][record.course]].value
        grants = facts[ids["trainer"][record.trainer]]
        if any(
            level_on(grants, family, d) is not Level.trainer
            for d in (record.starts_on, record.ends_on)
        ):
            message = _(
                "{trainer} is not a valid trainer for {family} on the session's days"
            ).format(trainer=record.trainer, family=named(family))
            errors.append(FieldError("trainer", message, item.row))
    return errors


def _days_off_keep_bookings(
    session: Session, items: Sequence[Item[Any]], ids: Ids
) -> list[FieldError]:
    """A new day off of a technician who holds an assignment starting that day is refused
    on its ``day`` (``bookings``); the technicians are locked first."""
    if not items:
        return []
    technician_ids = ids["technician"]
    lock_technicians(session, technician_ids.values())
    since = min(item.record.day for item in items)
    held = held_from(session, technician_ids.values(), since)
    stored = days_off_from(session, technician_ids.values(), since)
    errors = []
    for item in items:
        record: schemas.DayOffRecord = item.record
        technician_id = technician_ids[record.technician]
        if record.day in stored[technician_id]:
            continue  # unchanged
        that_day = [a for a in held[technician_id] if a.start_at.date() == record.day]
        stranded = first_stranded(record.technician, that_day, lambda _day: None)
        if stranded is not None:
            errors.append(FieldError("day", stranded.sentence, item.row))
    return errors


def _shifts_keep_bookings(
    session: Session, items: Sequence[Item[Any]], _ids: Ids
) -> list[FieldError]:
    """A stored technician's new weekly shifts must hold its assignments from today on (its
    days off still off), refused on the first weekday field that does not (``bookings``);
    the technicians are locked first."""
    stored = resolve(session, Technician, "code", [item.record.code for item in items])
    technician_ids = [
        item.target_id if item.target_id is not None else stored.get(item.record.code)
        for item in items
    ]
    known = [t for t in technician_ids if t is not None]
    lock_technicians(session, known)
    since = today()
    held = held_from(session, known, since)
    days_off = days_off_from(session, held, since)
    errors = []
    for item, technician_id in zip(items, technician_ids, strict=True):
        if technician_id is None or not held[technician_id]:
            continue  # a new technician holds nothing
        record: schemas.TechnicianRecord = item.record
        shift_on = week_of(record.model_dump(include=set(WEEKDAYS)), days_off[technician_id])
        stranded = first_stranded(record.code, held[technician_id], shift_on)
        if stranded is not None:
            field = weekday_field(stranded.assignment.start_at.date())
            errors.append(FieldError(field, stranded.sentence, item.row))
    return errors


def _accounts_unshared(session: Session, items: Sequence[Item[Any]], ids: Ids) -> list[FieldError]:
    """An account is linked to one technician at most once the batch is written: neither on
    two rows of the batch nor on a row and a stored technician the batch leaves linked."""
    wanted = [item for item in items if item.record.account is not None]
    if not wanted:
        return []
    stored_ids = resolve(session, Technician, "code", [item.record.code for item in items])
    in_batch = {
        item.target_id if item.target_id is not None else stored_ids.get(item.record.code)
        for item in items
    }
    account_ids = sorted({ids["account"][item.record.account] for item in wanted})
    holders = session.execute(
        select(Technician.id, Technician.code, Technician.account_id).where(
            Technician.account_id.in_(account_ids)
        )
    )
    kept = {account: code for row_id, code, account in holders if row_id not in in_batch}
    errors: list[FieldError] = []
    first_row: dict[int, int | None] = {}
    for item in wanted:
        account_id = ids["account"][item.record.account]
        if account_id in first_row:
            message = _("account '{account}' is linked twice (also row {row})").format(
                account=item.record.account, row=first_row[account_id]
            )
        elif account_id in kept:
            message = _("account '{account}' is linked to technician {code} already").format(
                account=item.record.account, code=kept[account_id]
            )
        else:
            first_row[account_id] = item.row
            continue
        errors.append(FieldError("account", message, item.row))
    return errors


def _technician_rules(session: Session, items: Sequence[Item[Any]], ids: Ids) -> list[FieldError]:
    """An account linked once at most, and the bookings kept (``_shifts_keep_bookings``)."""
    return _accounts_unshared(session, items, ids) + _shifts_keep_bookings(session, items, ids)


_TECHNICIAN = Reference(
    field="technician", column="technician_id", table=Technician, key="code", relation="technician"
)
_REGION = Reference(field="region", column="region_id", table=Region, key="name", relation="region")

TECHNICIANS = KeyedTable(
    name="technicians",
    record_type=schemas.TechnicianRecord,
    table=Technician,
    key=("code",),
    plain=(
        "name",
        "kind",
        "home_latitude",
        "home_longitude",
        "languages",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
    ),
    references=(
        _REGION,
        Reference(
            field="employer", column="employer_id", table=Customer, key="code", relation="employer"
        ),
        Reference(
            field="account", column="account_id", table=User, key="username", relation="account"
        ),
    ),
    extra_check=_technician_rules,
    restrict=_technicians_in_scope,
    scope_field="region",
)
DAYS_OFF = KeyedTable(
    name="days-off",
    record_type=schemas.DayOffRecord,
    table=DayOff,
    key=("technician", "day"),
    plain=(),
    references=(_TECHNICIAN,),
    extra_check=_days_off_keep_bookings,
    restrict=_through_technician,
    scope_field="technician",
)
COURSES = KeyedTable(
    name="courses",
    record_type=schemas.CourseRecord,
    table=Course,
    key=("code",),
    plain=("name", "family", "kind"),
)
TRAINING_SESSIONS = KeyedTable(
    name="training-sessions",
    record_type=schemas.SessionRecord,
    table=TrainingSession,
    key=("code",),
    plain=("starts_on", "ends_on", "place"),
    references=(
        Reference(field="course", column="course_id", table=Course, key="code", relation="course"),
        _REGION,
        Reference(
            field="trainer", column="trainer_id", table=Technician, key="code", relation="trainer"
        ),
    ),
    extra_check=_trainers_valid,
    restrict=_sessions_in_scope,
    scope_field="region",
)
ATTENDANCES = KeyedTable(
    name="attendances",
    record_type=schemas.AttendanceRecord,
    table=Attendance,
    key=("session", "technician"),
    plain=("result",),
    references=(
        Reference(
            field="session",
            column="session_id",
            table=TrainingSession,
            key="code",
            relation="session",
        ),
        _TECHNICIAN,
    ),
    restrict=_through_technician,
    scope_field="technician",
)
GRANTS = KeyedTable(
    name="grants",
    record_type=schemas.GrantRecord,
    table=Grant,
    key=("technician", "family", "level", "granted_on"),
    plain=("expires_on", "granted_by"),
    references=(_TECHNICIAN,),
    restrict=_through_technician,
    scope_field="technician",
)
WORKFORCE_TABLES: tuple[Table[Any], ...] = (
    TECHNICIANS,
    DAYS_OFF,
    COURSES,
    TRAINING_SESSIONS,
    ATTENDANCES,
    GRANTS,
)
