"""Grants of the certification ladder and a technician's standing on it (rules in ``ladder``).

Through the API a grant is given by a user holding ``workforce.certify`` on behalf of a
trainer: ``certified`` and ``trainer`` need a ``trainer`` who holds a valid trainer grant for
the family on the grant day (else 422 naming ``trainer``); ``certified`` needs the technician
eligible (else 409 naming what is missing); ``trainer`` needs it certified for the family on
that day (else 409). A ``trainee`` grant needs no trainer (one named must be valid). Every
grant is audited with the user and the trainer.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleetcare.core import audit
from fleetcare.core.bulk import Item
from fleetcare.core.clock import today
from fleetcare.core.config import get_settings
from fleetcare.core.errors import FieldError, InvalidInput, NotFound
from fleetcare.core.i18n import _
from fleetcare.core.labels import named
from fleetcare.core.permissions import EVERYTHING, Principal, Scope
from fleetcare.fleet.models import ProductFamily
from fleetcare.service.service import Conflict
from fleetcare.workforce import ladder, schemas
from fleetcare.workforce.ladder import GrantFact, Level, Missing, Progress
from fleetcare.workforce.models import (
    Assignment,
    Attendance,
    Course,
    CourseKind,
    Grant,
    Result,
    TrainingSession,
)
from fleetcare.workforce.people import visible_technician
from fleetcare.workforce.tables import GRANTS, grant_facts


def needed_jobs() -> int:
    """N: supervised jobs a trainee needs (``FLEETCARE_LADDER_SUPERVISED_JOBS``)."""
    return get_settings().ladder_supervised_jobs


def supervised_jobs(session: Session, technician_id: int, day: date) -> Counter[str]:
    """Supervised jobs per family by ``day``: distinct work orders of the technician's
    assignments countersigned by the day's end (a grant dated D counts no job signed later)."""
    rows = session.execute(
        select(Assignment.family, func.count(func.distinct(Assignment.work_order_id)))
        .where(
            Assignment.technician_id == technician_id,
            Assignment.countersigned_by_id.is_not(None),
            Assignment.countersigned_at <= datetime.combine(day, time.max),
        )
        .group_by(Assignment.family)
    )
    return Counter({family.value: count for family, count in rows})


def practicals_passed(session: Session, technician_id: int, day: date) -> set[str]:
    """Families of the practical sessions the technician passed, ended by ``day``."""
    rows = session.scalars(
        select(Course.family)
        .join(TrainingSession, TrainingSession.course_id == Course.id)
        .join(Attendance, Attendance.session_id == TrainingSession.id)
        .where(
            Attendance.technician_id == technician_id,
            Attendance.result == Result.passed,
            Course.kind == CourseKind.practical,
            TrainingSession.ends_on <= day,
        )
    )
    return {f.value for f in rows}


def progress(session: Session, technician_id: int, family: str, day: date) -> Progress:
    """The technician's way to ``certified`` in ``family`` on ``day``."""
    facts = grant_facts(session, [technician_id])[technician_id]
    return Progress(
        level=ladder.level_on(facts, family, day),
        supervised_jobs=supervised_jobs(session, technician_id, day)[family],
        needed_jobs=needed_jobs(),
        practical_passed=family in practicals_passed(session, technician_id, day),
    )


def _words(missing: Missing, progress: Progress) -> str:
    if missing is Missing.not_trainee:
        return _("holds no valid trainee grant for the family")
    if missing is Missing.supervised_jobs:
        return _("{have} of {need} supervised jobs countersigned").format(
            have=progress.supervised_jobs, need=progress.needed_jobs
        )
    return _("no practical session of the family passed")


def missing_text(progress: Progress) -> list[str]:
    """What keeps ``progress`` from ``certified``, in words."""
    return [_words(m, progress) for m in ladder.missing_for_certified(progress)]


def _grant_read(grant: Grant, day: date) -> schemas.GrantRead:
    fact = GrantFact(grant.family.value, grant.level, grant.granted_on, grant.expires_on)
    return schemas.GrantRead(
        id=grant.id,
        family=grant.family,
        level=grant.level,
        granted_on=grant.granted_on,
        expires_on=grant.expires_on,
        granted_by=grant.granted_by,
        valid_today=ladder.valid(fact, day),
    )


def ladder_read(
    session: Session, code: str, scope: Scope = EVERYTHING, day: date | None = None
) -> schemas.LadderRead:
    """A technician's standing on ``day`` (default today): what it may do, its supervised jobs
    and eligibility per family, grants falling due within ``ladder.DUE_DAYS``, every grant."""
    on = day or today()
    technician = visible_technician(session, code, scope)
    grants = session.scalars(
        select(Grant)
        .where(Grant.technician_id == technician.id)
        .order_by(Grant.family, Grant.granted_on.desc(), Grant.id)
    ).all()
    facts = [GrantFact(g.family.value, g.level, g.granted_on, g.expires_on) for g in grants]
    jobs = supervised_jobs(session, technician.id, on)
    passed = practicals_passed(session, technician.id, on)
    families = sorted({g.family.value for g in grants} | set(jobs))
    statuses = []
    for family in families:
        step = Progress(
            ladder.level_on(facts, family, on), jobs[family], needed_jobs(), family in passed
        )
        statuses.append(
            schemas.FamilyStatus(
                family=ProductFamily(family),
                level=step.level,
                supervised_jobs=step.supervised_jobs,
                needed_jobs=step.needed_jobs,
                practical_passed=step.practical_passed,
                eligible=ladder.eligible(step),
                missing=missing_text(step) if step.level is Level.trainee else [],
            )
        )
    due = {(f.family, f.level, f.granted_on) for f in ladder.falling_due(facts, on)}
    return schemas.LadderRead(
        technician=technician.code,
        on=on,
        may_do=ladder.levels_on(facts, on),
        families=statuses,
        falling_due=[
            _grant_read(g, on)
            for g in sorted(grants, key=lambda g: g.expires_on)
            if (g.family.value, g.level, g.granted_on) in due
        ],
        grants=[_grant_read(g, on) for g in grants],
    )


def _check_trainer(
    session: Session, body: schemas.GrantCreate, code: str, on: date, scope: Scope
) -> None:
    """The named trainer holds a valid trainer grant for the family on ``on`` (else 422)."""
    if body.trainer is None:
        if body.level is not Level.trainee:
            message = _("a {level} grant is given by a trainer: name the trainer").format(
                level=named(body.level)
            )
            raise InvalidInput([FieldError("trainer", message)])
        return
    if body.trainer == code:
        raise InvalidInput([FieldError("trainer", _("a technician cannot certify itself"))])
    try:
        trainer = visible_technician(session, body.trainer, scope)
    except NotFound:  # one answer for a missing and an unseen trainer
        message = _("unknown trainer '{code}'").format(code=body.trainer)
        raise InvalidInput([FieldError("trainer", message)]) from None
    facts = grant_facts(session, [trainer.id])[trainer.id]
    if ladder.level_on(facts, body.family.value, on) is not Level.trainer:
        message = _("{code} is not a valid trainer for {family} on {day}").format(
            code=body.trainer, family=named(body.family), day=on.isoformat()
        )
        raise InvalidInput([FieldError("trainer", message)])


def grant(
    session: Session, code: str, body: schemas.GrantCreate, *, by: Principal
) -> schemas.GrantRead:
    """Give technician ``code`` a level for a family (rules in the module docstring)."""
    technician = visible_technician(session, code, by.scope, lock=True)
    on = body.granted_on or today()
    if body.expires_on <= on:
        message = _("the grant expires before (or on the day) it is granted")
        raise InvalidInput([FieldError("expires_on", message)])
    _check_trainer(session, body, code, on, by.scope)
    family = body.family.value
    if body.level is Level.certified:
        step = progress(session, technician.id, family, on)
        if not ladder.eligible(step):
            raise Conflict(
                _("{code} is not eligible for certified in {family}: {missing}").format(
                    code=code, family=family, missing="; ".join(missing_text(step))
                )
            )
    if body.level is Level.trainer:
        facts = grant_facts(session, [technician.id])[technician.id]
        if not ladder.is_qualified(ladder.level_on(facts, family, on)):
            raise Conflict(
                _(
                    "{code} is not certified for {family} on {day}: a trainer is certified first"
                ).format(code=code, family=family, day=on.isoformat())
            )
    record = schemas.GrantRecord(
        technician=code,
        family=body.family,
        level=body.level,
        granted_on=on,
        expires_on=body.expires_on,
        granted_by=body.trainer or by.username,
    )
    row_id = GRANTS.apply(session, [Item(record, must_be_new=True)]).ids[0]
    audit.record(
        session,
        actor=by.username,
        action="grant",
        entity="grants",
        key=GRANTS.key_text(record),
        after=record,
    )
    return _grant_read(session.get_one(Grant, row_id), today())
