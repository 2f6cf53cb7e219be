"""Parts on a work order: reserve through the ledger, and record what was done when a part was
not available — wait (a backorder), an emergency transfer, cannibalisation, a grey purchase.

Every stock change goes through the parts facade (the ledger: balances stay the sum of their
moves, audited there); each line change is audited here as ``work_order_parts``. Locks are
taken in the service order — the defect, then the work order — before the ledger locks its
balance rows, so two work orders reserving the last piece queue and exactly one gets it.
``settle`` is called by a transition in the same transaction: ``done`` issues what is
reserved (and refuses a line that never was), ``cancelled`` releases it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core import audit
from fleetcare.core.clock import utcnow
from fleetcare.core.errors import FieldError, InvalidInput, NotFound
from fleetcare.core.i18n import _
from fleetcare.core.labels import named
from fleetcare.core.permissions import Principal
from fleetcare.fleet.models import Site, Unit, UnitStatus
from fleetcare.parts import schemas as parts_schemas
from fleetcare.parts import service as parts
from fleetcare.parts.models import BomLine, Lane, Location, MoveKind, Part
from fleetcare.service import schemas
from fleetcare.service.defects import report_defect
from fleetcare.service.errors import Conflict
from fleetcare.service.line_ledger import follow_the_ledger
from fleetcare.service.models import (
    Defect,
    LineOption,
    LineStatus,
    WorkOrder,
    WorkOrderPart,
)
from fleetcare.service.queries import line_read, visible_defect, visible_unit
from fleetcare.service.states import FINAL, WorkOrderStatus

OPEN_LINES = frozenset({LineStatus.short, LineStatus.waiting, LineStatus.in_transit})


@dataclass(frozen=True)
class Added:
    """A line asked for a work order; ``shortage`` set when it could not be reserved (409)."""

    line: schemas.PartLineRead
    shortage: parts.NotEnoughStock | None = None


def serving_depot(session: Session, unit: Unit) -> Location | None:
    """The depot that serves ``unit``'s site (``parts.serving``: the one planning counts the
    unit at — the site's own depot, else its region's nearest)."""
    region = session.scalar(select(Site.region_id).where(Site.id == unit.site_id))
    if region is None:
        return None
    depot = parts.serving_depots(session, [region]).get(unit.site_id)
    return None if depot is None else session.get(Location, depot)


def _locked(
    session: Session, order_id: int, by: Principal, *, active: bool = True
) -> tuple[Defect, WorkOrder]:
    """The visible work order and its defect, locked in the service order (else 404)."""
    missing = NotFound(_("work order {id} not found").format(id=order_id))
    defect_id = session.scalar(select(WorkOrder.defect_id).where(WorkOrder.id == order_id))
    if defect_id is None:
        raise missing
    try:
        defect = visible_defect(session, defect_id, by.scope, lock=True)
    except NotFound:
        raise missing from None
    order = session.get(WorkOrder, order_id, with_for_update=True, populate_existing=True)
    if order is None:
        raise missing
    if active and order.status in FINAL:
        raise Conflict(
            _("work order {id} is {status}: its parts cannot change").format(
                id=order.id, status=named(order.status)
            )
        )
    return defect, order


def _line(session: Session, order: WorkOrder, line_id: int) -> WorkOrderPart:
    line = session.get(WorkOrderPart, line_id, with_for_update=True, populate_existing=True)
    if line is None or line.work_order_id != order.id:
        raise NotFound(
            _("part line {line} of work order {id} not found").format(line=line_id, id=order.id)
        )
    return line


def _reserve(session: Session, line: WorkOrderPart, *, by: Principal) -> None:
    """Reserve the line's pieces in a savepoint: NotEnoughStock leaves nothing behind."""
    body = parts_schemas.ReservationCreate(
        part=line.part.number,
        location=line.location.code,
        quantity=line.quantity,
        work_order=str(line.work_order_id),
    )
    with session.begin_nested():
        held = parts.reserve(session, body, by=by)
    line.reservation_id = held.id
    line.status = LineStatus.reserved


def add_part(
    session: Session, order_id: int, body: schemas.PartLineCreate, *, by: Principal
) -> Added:
    """Ask ``quantity`` of a part for an active work order, at ``location`` (default: the depot
    serving the unit). Reserved when available; else kept as a ``short`` line (answered 409)."""
    defect, order = _locked(session, order_id, by)
    part = session.scalars(select(Part).where(Part.number == body.part)).first()
    if part is None:
        raise InvalidInput([FieldError("part", _("unknown part '{n}'").format(n=body.part))])
    if body.location is None:
        location = serving_depot(session, defect.unit)
        if location is None:
            raise InvalidInput(
                [FieldError("location", _("no depot serves the unit's region: name a location"))]
            )
    else:
        location = session.scalars(select(Location).where(Location.code == body.location)).first()
        if location is None:
            raise InvalidInput(
                [FieldError("location", _("unknown location '{c}'").format(c=body.location))]
            )
    line = WorkOrderPart(
        work_order_id=order.id,
        part_id=part.id,
        location_id=location.id,
        quantity=body.quantity,
        status=LineStatus.short,
        created_at=utcnow(),
        created_by=by.username,
    )
    session.add(line)
    session.flush()
    shortage: parts.NotEnoughStock | None = None
    try:
        _reserve(session, line, by=by)
    except parts.NotEnoughStock as exc:
        shortage = exc
    session.flush()
    read = line_read(session, line.id)
    audit.record(
        session,
        actor=by.username,
        action="add",
        entity="work_order_parts",
        key=str(line.id),
        after=read,
    )
    return Added(read, shortage)


def reserve_again(
    session: Session, order_id: int, line_id: int, *, by: Principal
) -> schemas.PartLineRead:
    """Try again to reserve a line that was short, waited for, or shipped: 409 while short."""
    _defect, order = _locked(session, order_id, by)
    line = _line(session, order, line_id)
    follow_the_ledger(session, [line], by=by)
    if line.status not in OPEN_LINES:
        raise Conflict(
            _("part line {line} is {status}: nothing to reserve").format(
                line=line.id, status=named(line.status)
            )
        )
    before = line_read(session, line.id)
    _reserve(session, line, by=by)
    session.flush()
    after = line_read(session, line.id)
    audit.record(
        session,
        actor=by.username,
        action="reserve",
        entity="work_order_parts",
        key=str(line.id),
        before=before,
        after=after,
    )
    return after


def _emergency(session: Session, line: WorkOrderPart, *, by: Principal) -> None:
    """Ship the pieces along the fastest emergency lane into the line's location whose origin
    has them available; 422 when no emergency lane arrives there, 409 when no origin has them."""
    lanes = session.scalars(
        select(Lane)
        .where(Lane.to_id == line.location_id, Lane.emergency.is_(True))
        .order_by(Lane.lead_time_days, Lane.id)
    ).all()
    if not lanes:
        raise InvalidInput(
            [
                FieldError(
                    "option",
                    _("no emergency lane into {code}").format(code=line.location.code),
                )
            ]
        )
    last: parts.NotEnoughStock | None = None
    for lane in lanes:
        body = parts_schemas.TransferCreate(
            part=line.part.number,
            origin=lane.origin.code,
            destination=line.location.code,
            quantity=line.quantity,
            emergency=True,
        )
        try:
            with session.begin_nested():
                shipped = parts.ship(session, body, by=by)
        except parts.NotEnoughStock as exc:
            last = exc
            continue
        line.transfer_id = shipped.id
        line.status = LineStatus.in_transit
        return
    assert last is not None
    raise last


def _cannibalise(
    session: Session, defect: Defect, line: WorkOrderPart, donor: str, *, by: Principal
) -> None:
    """Take the pieces from ``donor`` (booked in at the line's location, then reserved); the
    donor gets its own down defect. The donor is a machine of the same customer (the maker
    strips no customer's machine for another's), and its model must carry the part, at least
    as many pieces as the line needs (its bill of materials: what a working machine holds)."""
    unit = visible_unit(session, donor, by.scope)
    if unit.id == defect.unit_id:
        raise InvalidInput([FieldError("donor", _("a unit cannot give parts to itself"))])
    if unit.status is UnitStatus.retired:
        raise InvalidInput([FieldError("donor", _("the unit is retired"))])
    if unit.customer_id != defect.unit.customer_id:
        message = _("{serial} belongs to another customer: a donor is one of the customer's own")
        raise InvalidInput([FieldError("donor", message.format(serial=unit.serial))])
    fitted = session.scalar(
        select(BomLine.quantity).where(
            BomLine.model_id == unit.model_id, BomLine.part_id == line.part_id
        )
    )
    if not fitted:  # its model's bill of materials does not carry the part
        message = _("{serial} has no {part} to give: its model does not carry it")
        raise InvalidInput(
            [FieldError("donor", message.format(serial=unit.serial, part=line.part.number))]
        )
    if line.quantity > fitted:
        message = _("{serial} carries {fitted} of {part}, fewer than the {quantity} the line needs")
        raise InvalidInput(
            [
                FieldError(
                    "donor",
                    message.format(
                        serial=unit.serial,
                        fitted=fitted,
                        part=line.part.number,
                        quantity=line.quantity,
                    ),
                )
            ]
        )
    parts.record_move(
        session,
        parts_schemas.MoveCreate(
            kind=MoveKind.cannibalisation,
            part=line.part.number,
            location=line.location.code,
            quantity=line.quantity,
            work_order=str(line.work_order_id),
            unit=unit.serial,
        ),
        by=by,
    )
    _reserve(session, line, by=by)
    taken = report_defect(
        session,
        schemas.DefectCreate(
            unit=unit.serial,
            component_group=line.part.group,
            # kept with the donor's defect: English, as every text the system writes into records
            symptom=f"parts taken for work order {line.work_order_id}",
            down=True,
        ),
        by=by,
    )
    line.donor_unit_id = unit.id
    line.donor_defect_id = taken.id


def _grey(
    session: Session,
    defect: Defect,
    line: WorkOrderPart,
    body: schemas.LineResolution,
    *,
    by: Principal,
) -> None:
    """Buy the pieces on the grey market (booked in against the unit's serial, then reserved):
    a non-genuine part of its group fitted to the unit."""
    parts.record_move(
        session,
        parts_schemas.MoveCreate(
            kind=MoveKind.grey_purchase,
            part=line.part.number,
            location=line.location.code,
            quantity=line.quantity,
            price=body.price,
            currency=body.currency or "RUB",
            work_order=str(line.work_order_id),
            unit=defect.unit.serial,
            note="grey-market purchase",
        ),
        by=by,
    )
    _reserve(session, line, by=by)
    line.price = body.price
    line.currency = body.currency


def resolve(
    session: Session,
    order_id: int,
    line_id: int,
    body: schemas.LineResolution,
    *,
    by: Principal,
) -> schemas.PartLineRead:
    """Record the option chosen for a short (or waiting) line."""
    defect, order = _locked(session, order_id, by)
    line = _line(session, order, line_id)
    if line.status not in (LineStatus.short, LineStatus.waiting):
        raise Conflict(
            _("part line {line} is {status}: no option is due").format(
                line=line.id, status=named(line.status)
            )
        )
    before = line_read(session, line.id)
    if body.option is LineOption.wait:
        line.status = LineStatus.waiting
    elif body.option is LineOption.emergency:
        _emergency(session, line, by=by)
    elif body.option is LineOption.cannibalise:
        assert body.donor is not None  # the schema requires it
        _cannibalise(session, defect, line, body.donor, by=by)
    else:
        _grey(session, defect, line, body, by=by)
    line.option = body.option
    line.resolved_at = utcnow()
    session.flush()
    after = line_read(session, line.id)
    audit.record(
        session,
        actor=by.username,
        action=f"resolve.{body.option.value}",
        entity="work_order_parts",
        key=str(line.id),
        before=before,
        after=after,
    )
    return after


def settle(session: Session, order: WorkOrder, to: WorkOrderStatus, *, by: Principal) -> None:
    """With the move to ``to``: ``done`` issues the reserved lines (a line never reserved is
    refused, 409), ``cancelled`` releases them; both in the transition's transaction."""
    if to not in FINAL:
        return
    lines = session.scalars(
        select(WorkOrderPart)
        .where(WorkOrderPart.work_order_id == order.id)
        .order_by(WorkOrderPart.id)
        .with_for_update()
    ).all()
    follow_the_ledger(session, lines, by=by)
    if to is WorkOrderStatus.done:
        unreserved = [line for line in lines if line.status in OPEN_LINES]
        if unreserved:
            first = unreserved[0]
            raise Conflict(
                _(
                    "work order {id} cannot be done: part {part} (line {line}) was never "
                    "reserved ({status}); reserve it or resolve it first"
                ).format(
                    id=order.id,
                    part=first.part.number,
                    line=first.id,
                    status=named(first.status),
                )
            )
    for line in lines:
        before = line.status
        if line.status is LineStatus.reserved and line.reservation_id is not None:
            if to is WorkOrderStatus.done:
                parts.issue(session, line.reservation_id, by=by)
                line.status = LineStatus.issued
            else:
                parts.release(session, line.reservation_id, by=by)
                line.status = LineStatus.released
        elif line.status in OPEN_LINES:
            line.status = LineStatus.cancelled
        else:
            continue
        audit.record(
            session,
            actor=by.username,
            action=line.status.value,
            entity="work_order_parts",
            key=str(line.id),
            before={"status": before.value},
            after={"status": line.status.value, "work_order": order.id},
        )
    session.flush()
