"""Installed-base operations taking a Session: the API, the pages and the CLI all call these.

Reads take the caller's ``Scope`` (rows outside it do not exist for the caller); writes take
the acting ``Principal``, are audited, and must leave the written row inside its scope.
A scoped writer (a regional manager) names only rows it may see: a reference to a row outside
its scope answers exactly like an unknown one, and a natural key held by any other row, seen or
not, "cannot be used" (the same words either way, so the answer does not tell where it is).
Nothing here commits: the caller's transaction (one per request or command) does. The reads
and lists live in ``fleet.queries`` and are re-exported here.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core import audit, crud
from fleetcare.core.bulk import Item
from fleetcare.core.crud import get_visible, validate
from fleetcare.core.errors import FieldError, InvalidInput, NotFound
from fleetcare.core.i18n import _
from fleetcare.core.keyed import KeyedTable
from fleetcare.core.permissions import Principal, Scope
from fleetcare.fleet import schemas
from fleetcare.fleet.models import Unit, UnitStatus
from fleetcare.fleet.queries import READ_TYPES as READ_TYPES
from fleetcare.fleet.queries import UnitFilter as UnitFilter
from fleetcare.fleet.queries import customer_read as customer_read
from fleetcare.fleet.queries import delivery_read as delivery_read
from fleetcare.fleet.queries import find_region as find_region
from fleetcare.fleet.queries import known_region as known_region
from fleetcare.fleet.queries import list_customers as list_customers
from fleetcare.fleet.queries import list_deliveries as list_deliveries
from fleetcare.fleet.queries import list_models as list_models
from fleetcare.fleet.queries import list_regions as list_regions
from fleetcare.fleet.queries import list_sites as list_sites
from fleetcare.fleet.queries import list_units as list_units
from fleetcare.fleet.queries import list_usage as list_usage
from fleetcare.fleet.queries import model_read as model_read
from fleetcare.fleet.queries import region_names as region_names
from fleetcare.fleet.queries import region_read as region_read
from fleetcare.fleet.queries import site_read as site_read
from fleetcare.fleet.queries import unit_read as unit_read
from fleetcare.fleet.queries import units_statement as units_statement
from fleetcare.fleet.queries import usage_read as usage_read
from fleetcare.fleet.queries import usage_series as usage_series
from fleetcare.fleet.scoping import refuse_unseen, restrict
from fleetcare.fleet.tables import CUSTOMERS as CUSTOMERS
from fleetcare.fleet.tables import DELIVERIES as DELIVERIES
from fleetcare.fleet.tables import MODELS as MODELS
from fleetcare.fleet.tables import REGIONS as REGIONS
from fleetcare.fleet.tables import SITES as SITES
from fleetcare.fleet.tables import UNITS as UNITS
from fleetcare.fleet.usage import USAGE

R = TypeVar("R", bound=BaseModel)


# --- writes of single rows ---------------------------------------------------------------------
def create(session: Session, keyed: KeyedTable[R], record: R, *, by: Principal) -> int:
    """Insert one record of an installed-base table (see ``core.crud.create``), within scope."""
    if not by.scope.everything:
        refuse_unseen(session, keyed, record.model_dump(), by.scope)
    return crud.create(session, keyed, record, by=by)


def update(
    session: Session, keyed: KeyedTable[R], row_id: int, patch: BaseModel, *, by: Principal
) -> int:
    """Change one visible row (see ``core.crud.update``); what the patch names must be visible."""
    if not by.scope.everything:
        get_visible(session, keyed, row_id, by.scope)  # 404 before anything else
        values = patch.model_dump(exclude_unset=True)
        refuse_unseen(session, keyed, values, by.scope, row_id)
    return crud.update(session, keyed, row_id, patch, by=by)


def add_usage(session: Session, record: schemas.UsageRecord, *, by: Principal) -> int:
    """Record one reading; refused when it would make the unit's meters run backwards."""
    _visible_unit(session, record.serial, by.scope)
    reading_id = USAGE.apply(session, [Item(record, must_be_new=True)]).ids[0]
    audit.record(
        session,
        actor=by.username,
        action="create",
        entity="usage",
        key=f"{record.serial}@{record.taken_at.isoformat()}",
        after=record,
    )
    return reading_id


def update_usage(
    session: Session, reading_id: int, patch: schemas.UsageUpdate, *, by: Principal
) -> int:
    """Change one reading's time or values, checked against the unit's other readings."""
    before = usage_read(session, reading_id, by.scope)
    record = validate(
        schemas.UsageRecord,
        {**before.model_dump(exclude={"id"}), **patch.model_dump(exclude_unset=True)},
    )
    USAGE.apply(session, [Item(record, target_id=reading_id)])
    audit.record(
        session,
        actor=by.username,
        action="update",
        entity="usage",
        key=f"{record.serial}@{record.taken_at.isoformat()}",
        before=before,
        after=record,
    )
    return reading_id


def _visible_unit(session: Session, serial: str, scope: Scope) -> None:
    """Refuse a serial the caller may not see exactly as an unknown one."""
    statement = restrict(select(Unit.id).where(Unit.serial == serial), Unit, scope)
    if not scope.everything and session.scalar(statement) is None:
        raise InvalidInput(
            [FieldError("serial", _("unknown unit '{serial}'").format(serial=serial))]
        )


def set_unit_status(session: Session, unit_id: int, status: UnitStatus, *, by: Principal) -> bool:
    """Set a unit's status (the service domain keeps it in step with its down defects).

    The row is locked first; a retired unit keeps its status. Audited; False when unchanged.
    """
    unit = session.get(Unit, unit_id, with_for_update=True)
    if unit is None:
        raise NotFound(_("unit {id} not found").format(id=unit_id))
    if unit.status in (UnitStatus.retired, status):
        return False
    before = unit.status
    unit.status = status
    audit.record(
        session,
        actor=by.username,
        action="status",
        entity="units",
        key=unit.serial,
        before={"status": before.value},
        after={"status": status.value},
    )
    return True
