"""What happens to a crew's assignments after they are made: countersigning a trainee's job,
and cancelling an assignment without breaking the supervision rule.

**Countersigning.** A trainee's assignment on a work order that is ``done`` is countersigned
by a crew member: a technician certified (or trainer) for the family on that day whose own
assignment on the work order overlaps the trainee's. It then counts as one supervised job
(per work order) on the trainee's ladder. Before the job is done, or twice, is 409.

**Cancelling.** An assignment is removed unless it is countersigned (409), or it is the only
qualified cover of a trainee's assignment on the same work order (409: cancel the trainee's
first). The crew's technicians are locked first, as every writer of assignments does. When
the last assignment of a ``scheduled`` work order goes, the work order moves back to ``open``
(``service.unschedule``: in the same transaction, audited), so that it is dispatched again.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fleetcare.core import audit
from fleetcare.core.clock import utcnow
from fleetcare.core.errors import FieldError, InvalidInput, NotFound
from fleetcare.core.i18n import _
from fleetcare.core.labels import named
from fleetcare.core.permissions import Principal, Scope
from fleetcare.service import service as service_facade
from fleetcare.service.service import Conflict
from fleetcare.service.states import WorkOrderStatus
from fleetcare.workforce import ladder, schemas
from fleetcare.workforce.assignments import level_of, read, visible_assignment
from fleetcare.workforce.bookings import lock_technicians
from fleetcare.workforce.jobs import jobs_by_id
from fleetcare.workforce.ladder import Level
from fleetcare.workforce.models import Assignment
from fleetcare.workforce.people import visible_technician
from fleetcare.workforce.tables import visible_technicians


def crew_of(
    session: Session, order_id: int, scope: Scope
) -> tuple[WorkOrderStatus, list[schemas.AssignmentRead]]:
    """A visible work order's status and the assignments on it of technicians ``scope`` may
    see, by start (NotFound when the work order is not visible)."""
    job = jobs_by_id(session, [order_id], scope).get(order_id)
    if job is None:
        raise NotFound(_("work order {id} not found").format(id=order_id))
    held = session.scalars(
        select(Assignment)
        .options(joinedload(Assignment.technician), joinedload(Assignment.countersigned_by))
        .where(
            Assignment.work_order_id == order_id,
            Assignment.technician_id.in_(visible_technicians(scope)),
        )
        .order_by(Assignment.start_at, Assignment.id)
    )
    return job.status, [read(row) for row in held]


def countersign(
    session: Session, assignment_id: int, body: schemas.Countersign, *, by: Principal
) -> schemas.AssignmentRead:
    """Countersign a trainee's assignment on a done work order by a certified crew member."""
    row = visible_assignment(session, assignment_id, by.scope, lock=True)
    if row.countersigned_by_id is not None:
        raise Conflict(_("assignment {id} is countersigned already").format(id=row.id))
    if row.level is not Level.trainee:
        raise Conflict(
            _("assignment {id} is not a trainee's: there is nothing to countersign").format(
                id=row.id
            )
        )
    job = jobs_by_id(session, [row.work_order_id]).get(row.work_order_id)
    if job is None or job.status is not WorkOrderStatus.done:
        status = "-" if job is None else named(job.status)
        raise Conflict(
            _("work order {order} is {status}: only a completed job is countersigned").format(
                order=row.work_order_id, status=status
            )
        )
    try:
        signer = visible_technician(session, body.by, by.scope)
    except NotFound:
        raise InvalidInput(
            [FieldError("by", _("unknown technician '{code}'").format(code=body.by))]
        ) from None
    day = row.start_at.date()
    if not ladder.is_qualified(level_of(session, signer.id, row.family.value, day)):
        message = _("{code} is not certified for {family} on {day}").format(
            code=signer.code, family=named(row.family), day=day.isoformat()
        )
        raise InvalidInput([FieldError("by", message)])
    in_crew = session.scalar(
        select(Assignment.id).where(
            Assignment.technician_id == signer.id,
            Assignment.work_order_id == row.work_order_id,
            Assignment.start_at < row.end_at,
            Assignment.end_at > row.start_at,
        )
    )
    if in_crew is None:
        message = _("{code} was not in the crew of assignment {id}").format(
            code=signer.code, id=row.id
        )
        raise InvalidInput([FieldError("by", message)])
    row.countersigned_by_id = signer.id
    row.countersigned_at = utcnow()
    row.countersigned_user = by.username
    session.flush()
    audit.record(
        session,
        actor=by.username,
        action="countersign",
        entity="assignments",
        key=str(row.id),
        after={"trainee": row.technician.code, "by": signer.code, "work_order": row.work_order_id},
    )
    session.refresh(row)
    return read(row)


def cancel(session: Session, assignment_id: int, *, by: Principal) -> None:
    """Remove an assignment that is not countersigned; refused (409) when it is the cover of a
    trainee's assignment on the same work order that no other qualified assignment covers."""
    row = visible_assignment(session, assignment_id, by.scope, lock=True)
    crew_ids = session.scalars(
        select(Assignment.technician_id).where(Assignment.work_order_id == row.work_order_id)
    ).all()
    lock_technicians(session, list(crew_ids))
    if row.countersigned_by_id is not None:
        raise Conflict(_("assignment {id} is countersigned: it is kept").format(id=row.id))
    if row.level is not Level.trainee:
        trainees = session.scalars(
            select(Assignment).where(
                Assignment.work_order_id == row.work_order_id,
                Assignment.level == Level.trainee,
                Assignment.start_at < row.end_at,
                Assignment.end_at > row.start_at,
            )
        ).all()
        for trainee in trainees:
            other = session.scalar(
                select(Assignment.id).where(
                    Assignment.id != row.id,
                    Assignment.work_order_id == row.work_order_id,
                    Assignment.level.in_([Level.certified, Level.trainer]),
                    Assignment.start_at <= trainee.start_at,
                    Assignment.end_at >= trainee.end_at,
                )
            )
            if other is None:
                raise Conflict(
                    _(
                        "assignment {id} covers trainee assignment {trainee}: cancel that one "
                        "first (a trainee never works alone)"
                    ).format(id=row.id, trainee=trainee.id)
                )
    before, order_id = read(row), row.work_order_id
    session.delete(row)
    session.flush()
    audit.record(
        session,
        actor=by.username,
        action="cancel",
        entity="assignments",
        key=str(assignment_id),
        before=before,
    )
    left = session.scalar(
        select(Assignment.id).where(Assignment.work_order_id == order_id).limit(1)
    )
    if left is None:
        service_facade.unschedule(
            session,
            order_id,
            by=by,
            # kept in the status history: English, as every text the system writes into records
            reason=f"its last assignment ({assignment_id}) was cancelled",
        )
