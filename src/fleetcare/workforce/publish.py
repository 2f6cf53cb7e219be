"""Publishing a dispatch plan: every route's assignments, all or nothing.

The plan is the solver's output (``routes`` with ``crew`` and ``stops``), re-checked here
against the database as if it were forged; every problem is reported at once as 422 naming
its path (``plan.routes[0].stops[1].job``):

- a crew member the caller may not see or that does not exist (``…crew[j]``), one in two
  routes, twice in one crew;
- a job that is not ``WO-<id>`` of a visible work order that is ``open`` or ``scheduled``, a
  job served twice, a job of another region than the crew's (``…stops[k].job``);
- times that are not ``HH:MM``, end not after start, stops of one route that overlap, and
  times outside a member's shift that day or a member's day off (``…stops[k].start``);
- a crew with nobody certified (or trainer) for the job's family — a trainee alone — or
  with nobody holding a valid grant for it at all (``…crew``). A member with no grant for a
  stop's family while a colleague is certified for it rides along (the solver pairs a
  trainee with a colleague certified in the trainee's family, and the colleague may serve
  other families too): it is assigned to the stop as a trainee, so its time is booked.

Then the members are locked (``bookings.lock_technicians``) and checked against the
assignments already held, and the jobs' work orders are locked and checked for a crew booked
already (``jobs.booked_after``): either is 409 and nothing is written.
Otherwise each member of each route gets one assignment per stop (``start``–``end`` of the
stop on the plan's date), and each work order still ``open`` moves to ``scheduled``
through the service facade — all in the request's one transaction.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.clock import utcnow
from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.i18n import _
from fleetcare.core.labels import named
from fleetcare.core.permissions import Principal
from fleetcare.service import schemas as service_schemas
from fleetcare.service import service
from fleetcare.service.models import Defect, WorkOrder
from fleetcare.service.states import WorkOrderStatus
from fleetcare.workforce import assignments, ladder, schemas
from fleetcare.workforce.bookings import lock_technicians
from fleetcare.workforce.jobs import Job, booked_after, job_code, jobs_by_id, parse_job_code
from fleetcare.workforce.ladder import Level
from fleetcare.workforce.models import Assignment, Technician
from fleetcare.workforce.people import days_off, shift_on
from fleetcare.workforce.shifts import parse_time
from fleetcare.workforce.tables import grant_facts, visible_technicians

Stop = tuple[int, Job, datetime, datetime]  # stop index, job, start, end


class _Checker:
    """Collects the plan's problems by path."""

    def __init__(self, session: Session, principal: Principal, day: date) -> None:
        self.session = session
        self.principal = principal
        self.day = day
        self.errors: list[FieldError] = []

    def fail(self, path: str, message: str) -> None:
        self.errors.append(FieldError(path, message))

    def technicians(self, plan: schemas.PlanDocument) -> dict[str, Technician]:
        codes = sorted({c for route in plan.routes for c in route.crew})
        rows = self.session.scalars(
            select(Technician).where(
                Technician.code.in_(codes),
                Technician.id.in_(visible_technicians(self.principal.scope)),
            )
        )
        return {t.code: t for t in rows}

    def jobs(self, plan: schemas.PlanDocument) -> dict[int, Job]:
        ids = [i for r in plan.routes for s in r.stops if (i := parse_job_code(s.job)) is not None]
        return jobs_by_id(self.session, ids, self.principal.scope)

    def moment(self, path: str, text: str) -> datetime | None:
        try:
            return datetime.combine(self.day, parse_time(text))
        except ValueError as exc:
            self.fail(path, str(exc))
            return None


def check(
    session: Session, principal: Principal, plan: schemas.PlanDocument, day: date
) -> list[tuple[list[Technician], list[Stop]]]:
    """The plan's routes as (crew, stops), or InvalidInput naming every problem by path."""
    checker = _Checker(session, principal, day)
    known = checker.technicians(plan)
    jobs = checker.jobs(plan)
    off = days_off(session, [t.id for t in known.values()], day)
    facts = grant_facts(session, [t.id for t in known.values()])
    in_route: dict[str, int] = {}
    served: dict[int, str] = {}
    routes = []
    for r, route in enumerate(plan.routes):
        here = f"plan.routes[{r}]"
        crew: list[Technician] = []
        for m, code in enumerate(route.crew):
            path = f"{here}.crew[{m}]"
            if code not in known:
                checker.fail(path, _("unknown technician '{code}'").format(code=code))
            elif code in in_route:
                checker.fail(
                    path,
                    _("{code} is in route {other} too").format(code=code, other=in_route[code]),
                )
            else:
                in_route[code] = r
                crew.append(known[code])
        stops: list[Stop] = []
        for k, stop in enumerate(route.stops):
            at = f"{here}.stops[{k}]"
            order_id = parse_job_code(stop.job)
            job = None if order_id is None else jobs.get(order_id)
            if job is None:
                checker.fail(f"{at}.job", _("unknown job '{job}'").format(job=stop.job))
                continue
            if job.status not in (WorkOrderStatus.open, WorkOrderStatus.scheduled):
                checker.fail(
                    f"{at}.job",
                    _("work order {id} is {status}: it cannot be dispatched").format(
                        id=job.id, status=named(job.status)
                    ),
                )
            if job.id in served:
                checker.fail(
                    f"{at}.job",
                    _("{job} is served at {other} too").format(job=stop.job, other=served[job.id]),
                )
            served[job.id] = at
            foreign = [t.code for t in crew if t.region_id != job.region_id]
            if foreign:
                checker.fail(
                    f"{at}.job",
                    _("{job} is in another region than {codes}").format(
                        job=stop.job, codes=", ".join(foreign)
                    ),
                )
            start = checker.moment(f"{at}.start", stop.start)
            end = checker.moment(f"{at}.end", stop.end)
            if start is None or end is None:
                continue
            if end <= start:
                checker.fail(f"{at}.end", _("the stop ends before it starts"))
                continue
            if stops and start < stops[-1][3]:
                checker.fail(f"{at}.start", _("the stop starts before the previous one ends"))
            for technician in crew:
                shift = None if technician.id in off else shift_on(technician, day)
                if shift is None:
                    checker.fail(
                        f"{at}.start",
                        _("{code} does not work on {day}").format(
                            code=technician.code, day=day.isoformat()
                        ),
                    )
                elif start < shift.on(day)[0] or end > shift.on(day)[1]:
                    checker.fail(
                        f"{at}.start",
                        _("{start}–{end} is outside {code}'s shift {shift}").format(
                            start=stop.start, end=stop.end, code=technician.code, shift=shift.text()
                        ),
                    )
            levels = [ladder.level_on(facts[t.id], job.family, day) for t in crew]
            unfit = [t.code for t, level in zip(crew, levels, strict=True) if level is None]
            if unfit and not ladder.crew_covers(levels):
                checker.fail(
                    f"{here}.crew",
                    _("{codes}: no valid grant for {family} ({job})").format(
                        codes=", ".join(unfit), family=named(job.family), job=stop.job
                    ),
                )
            elif crew and not ladder.crew_covers(levels):
                checker.fail(
                    f"{here}.crew",
                    _(
                        "nobody in the crew is certified for {family} ({job}): a trainee never "
                        "works alone"
                    ).format(family=named(job.family), job=stop.job),
                )
            stops.append((k, job, start, end))
        routes.append((crew, stops))
    if checker.errors:
        raise InvalidInput(checker.errors)
    return routes


def _refuse_booked_jobs(session: Session, order_ids: list[int], day: date) -> None:
    """409 when a job is booked already (``jobs.booked_after``: an assignment on the day or
    later, or on an earlier day still to come): booked work is not dispatched again, as the
    day's problem does not offer it; the jobs' defects and work orders are locked first, so
    two plans for the same job cannot both pass."""
    if not order_ids:
        return
    ids = sorted(set(order_ids))
    # the defects first, then the work orders, each in id order: the order every work-order
    # writer takes them in (a transition, a part line, a claim, an unschedule)
    defects = select(WorkOrder.defect_id).where(WorkOrder.id.in_(ids))
    session.execute(
        select(Defect.id).where(Defect.id.in_(defects)).order_by(Defect.id).with_for_update()
    ).all()
    session.execute(
        select(WorkOrder.id).where(WorkOrder.id.in_(ids)).order_by(WorkOrder.id).with_for_update()
    ).all()
    since = booked_after(day, utcnow())
    held = session.execute(
        select(Assignment.work_order_id, Assignment.id, Assignment.start_at)
        .where(Assignment.work_order_id.in_(ids), Assignment.end_at > since)
        .order_by(Assignment.work_order_id, Assignment.start_at)
    ).first()
    if held is not None:
        order_id, assignment_id, start = held
        raise service.Conflict(
            _(
                "{job} is booked already (assignment {id} from {start}): cancel that crew first"
            ).format(
                job=job_code(order_id),
                id=assignment_id,
                start=start.isoformat(sep=" ", timespec="minutes"),
            )
        )


def publish_plan(
    session: Session, principal: Principal, plan: schemas.PlanDocument, day: date
) -> schemas.Published:
    """Check the plan, then write its assignments and schedule its work orders, all or nothing
    (422 naming the path, 409 on a double booking)."""
    routes = check(session, principal, plan, day)
    members = [t for crew, _stops in routes for t in crew]
    lock_technicians(session, [t.id for t in members])
    _refuse_booked_jobs(
        session, [job.id for _crew, stops in routes for _k, job, _s, _e in stops], day
    )
    for crew, stops in routes:
        for technician in crew:
            for _k, _job, start, end in stops:
                held = assignments.overlapping(session, technician.id, start, end)
                if held is not None:
                    raise assignments.busy(technician.code, held)
    facts = grant_facts(session, [t.id for t in members])
    written = []
    for crew, stops in routes:
        for _k, job, start, end in stops:
            for technician in crew:
                # A rider with no grant for the family works as a trainee beside the crew's
                # certified member: its time is booked like everyone's, so no later plan
                # can send it elsewhere while it rides along.
                level = ladder.level_on(facts[technician.id], job.family, day) or Level.trainee
                row = assignments.insert(session, technician, job, level, start, end, by=principal)
                written.append(row)
    scheduled = []
    for _crew, stops in routes:
        for _k, job, _start, _end in stops:
            if job.status is WorkOrderStatus.open:
                body = service_schemas.TransitionCreate(to=WorkOrderStatus.scheduled)
                service.transition(session, job.id, body, by=principal)
            scheduled.append(job.id)
    for row in written:
        session.refresh(row)
    return schemas.Published(
        date=day, assignments=[assignments.read(r) for r in written], work_orders=scheduled
    )
