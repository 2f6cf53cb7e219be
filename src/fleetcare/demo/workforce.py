"""The demo's workforce: in each partner region two of the maker's engineers (a trainer and a
certified one) and four local technicians employed by the region's customers, home bases near
the region's sites; a theory and a practical course per family; past sessions with results;
grants — some falling due within 60 days of the scenario's date — and trainees part-way up the
ladder: in Murmansk one trainee has its supervised jobs and its practical and is eligible for
``certified``, the others have a few jobs countersigned. (The open work orders the dispatcher
routes are the service history's backlog, ``demo/backlog.py``.)

Written through the importable tables (upserts by natural key), and the supervised jobs as
assignments of the crews on work orders already done in the service history. Deterministic for
a seed; a second build writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleetcare.core.bulk import Item, Table
from fleetcare.core.config import get_settings
from fleetcare.fleet.models import (
    Customer,
    ProductFamily,
    ProductModel,
    Region,
    Site,
    Unit,
)
from fleetcare.service.models import Defect, WorkOrder
from fleetcare.service.states import WorkOrderStatus
from fleetcare.workforce import schemas
from fleetcare.workforce.ladder import Level
from fleetcare.workforce.models import Assignment, CourseKind, Result, Technician, TechnicianKind
from fleetcare.workforce.service import (
    ATTENDANCES,
    COURSES,
    GRANTS,
    TECHNICIANS,
    TRAINING_SESSIONS,
)

WORKFORCE_ACTOR = "demo-workforce"
PREFIX = {
    "Murmansk Oblast": "MUR",
    "Sakha (Yakutia)": "YAK",
    "Kaliningrad Oblast": "KGD",
    "Karelia": "KAR",
}
NAMES = [
    "Ivanov",
    "Petrova",
    "Smirnov",
    "Kuznetsova",
    "Popov",
    "Vasilieva",
    "Sokolov",
    "Mikhailova",
]
WEEKDAY_SHIFT = {d: "08:00-17:00" for d in ("mon", "tue", "wed", "thu", "fri")}
EARLY_SHIFT = {d: "07:00-16:00" for d in ("mon", "tue", "wed", "thu", "fri")} | {
    "sat": "09:00-13:00"
}
PARTIAL_JOBS = 4  # supervised jobs of the trainees that are not yet eligible
LEAD_FAMILY = {  # the family each region's trainees learn first
    "Murmansk Oblast": "city_bus",
    "Sakha (Yakutia)": "mining_dump_truck",
    "Kaliningrad Oblast": "passenger_lift",
    "Karelia": "forestry_forwarder",
}
ELIGIBLE_REGION = "Murmansk Oblast"  # its L3 has every supervised job and its practical


def _region_families(session: Session, region_id: int, region_name: str) -> list[str]:
    """The families of the units at the region's sites: the region's lead family (when it has
    units there) first, then by units, most first."""
    rows = session.execute(
        select(ProductModel.family, Unit.id)
        .join(Unit, Unit.model_id == ProductModel.id)
        .join(Site, Unit.site_id == Site.id)
        .where(Site.region_id == region_id)
    ).all()
    counts: dict[str, int] = {}
    for family, _unit in rows:
        counts[family.value] = counts.get(family.value, 0) + 1
    lead = LEAD_FAMILY.get(region_name)
    return sorted(counts, key=lambda f: (f != lead, -counts[f], f))


def _technicians(
    session: Session, rng: np.random.Generator
) -> tuple[list[schemas.TechnicianRecord], dict[str, tuple[str, list[str]]]]:
    """Six technicians per partner region; region → (prefix, families)."""
    records: list[schemas.TechnicianRecord] = []
    plan: dict[str, tuple[str, list[str]]] = {}
    for region in session.scalars(select(Region).order_by(Region.name)):
        prefix = PREFIX.get(region.name)
        if prefix is None:
            continue
        sites = session.scalars(
            select(Site).where(Site.region_id == region.id).order_by(Site.name)
        ).all()
        customers = session.scalars(
            select(Customer.code).where(Customer.region_id == region.id).order_by(Customer.code)
        ).all()
        families = _region_families(session, region.id, region.name)
        if not sites or not customers or not families:
            continue
        plan[region.name] = (prefix, families)
        people = [(f"{prefix}-E{n}", TechnicianKind.engineer, None) for n in (1, 2)] + [
            (f"{prefix}-L{n}", TechnicianKind.local, customers[(n - 1) % len(customers)])
            for n in (1, 2, 3, 4)
        ]
        for index, (code, kind, employer) in enumerate(people):
            site = sites[index % len(sites)]
            lat = round(site.latitude + float(rng.uniform(-0.08, 0.08)), 4)
            lon = round(site.longitude + float(rng.uniform(-0.15, 0.15)), 4)
            shifts = WEEKDAY_SHIFT if kind is TechnicianKind.engineer else EARLY_SHIFT
            records.append(
                schemas.TechnicianRecord.model_validate(
                    {
                        "code": code,
                        "name": f"{NAMES[(index + len(records)) % len(NAMES)]} ({code})",
                        "kind": kind,
                        "employer": employer,
                        "region": region.name,
                        "home_latitude": lat,
                        "home_longitude": lon,
                        "languages": "ru en" if kind is TechnicianKind.engineer else "ru",
                        **shifts,
                    }
                )
            )
    return records, plan


def _grant(
    code: str, family: str, level: Level, on: date, until: date, by: str
) -> schemas.GrantRecord:
    return schemas.GrantRecord(
        technician=code,
        family=ProductFamily(family),
        level=level,
        granted_on=on,
        expires_on=until,
        granted_by=by,
    )


def _grants(plan: dict[str, tuple[str, list[str]]], as_of: date) -> list[schemas.GrantRecord]:
    """E1 trains every family of its region; E2 is certified for them (its first expiring
    within 60 days); L1 and L2 are certified for the first two families (L1's due soon); L3 and
    L4 are trainees in the first family."""
    long_ago, later = as_of - timedelta(days=700), as_of + timedelta(days=3 * 365)
    records = []
    for prefix, families in plan.values():
        for n, family in enumerate(families):
            records.append(_grant(f"{prefix}-E1", family, Level.trainer, long_ago, later, "plant"))
            until = as_of + timedelta(days=45) if n == 0 else later
            records.append(
                _grant(f"{prefix}-E2", family, Level.certified, long_ago, until, "plant")
            )
        first, second = families[0], families[min(1, len(families) - 1)]
        trainer = f"{prefix}-E1"
        soon = as_of + timedelta(days=50)
        records.append(
            _grant(
                f"{prefix}-L1", first, Level.certified, as_of - timedelta(days=400), soon, trainer
            )
        )
        records.append(
            _grant(
                f"{prefix}-L2", second, Level.certified, as_of - timedelta(days=300), later, trainer
            )
        )
        for code in (f"{prefix}-L3", f"{prefix}-L4"):
            records.append(
                _grant(code, first, Level.trainee, as_of - timedelta(days=240), later, trainer)
            )
    return records


def _courses() -> list[schemas.CourseRecord]:
    records = []
    for family in ProductFamily:
        short = "".join(word[0] for word in family.value.split("_")).upper()
        title = family.value.replace("_", " ")
        records.append(
            schemas.CourseRecord(
                code=f"{short}-T",
                name=f"{title.capitalize()}: theory",
                family=family,
                kind=CourseKind.theory,
            )
        )
        records.append(
            schemas.CourseRecord(
                code=f"{short}-P",
                name=f"{title.capitalize()}: practice",
                family=family,
                kind=CourseKind.practical,
            )
        )
    return records


def _course_code(family: str, kind: str) -> str:
    return "".join(word[0] for word in family.split("_")).upper() + (
        "-T" if kind == "theory" else "-P"
    )


def _where_the_machines_are(session: Session, region: str, family: str) -> str | None:
    """The region's site with the most machines of ``family`` (a practical is held beside
    them), else its first site by name."""
    busiest = session.scalars(
        select(Site.name)
        .join(Region)
        .join(Unit, Unit.site_id == Site.id)
        .join(ProductModel, Unit.model_id == ProductModel.id)
        .where(Region.name == region, ProductModel.family == family)
        .group_by(Site.name)
        .order_by(func.count(Unit.id).desc(), Site.name)
    ).first()
    return (
        busiest
        or session.scalars(
            select(Site.name).join(Region).where(Region.name == region).order_by(Site.name)
        ).first()
    )


def _sessions(
    session: Session, plan: dict[str, tuple[str, list[str]]], as_of: date
) -> tuple[list[schemas.SessionRecord], list[schemas.AttendanceRecord]]:
    """Per region, on the first family: a theory session 90 days back (L3 and L4 pass), a
    practical one 60 days back (L3 passes, L4 fails) and a practical one 20 days ahead (L4
    enrolled)."""
    sessions, attendances = [], []
    for region, (prefix, families) in plan.items():
        first = families[0]
        site = _where_the_machines_are(session, region, first)
        dated = [
            (
                "T",
                "theory",
                as_of - timedelta(days=90),
                1,
                {"L3": Result.passed, "L4": Result.passed},
            ),
            (
                "P",
                "practical",
                as_of - timedelta(days=60),
                2,
                {"L3": Result.passed, "L4": Result.failed},
            ),
            ("N", "practical", as_of + timedelta(days=20), 2, {"L4": Result.enrolled}),
        ]
        for tag, kind, start, days, results in dated:
            code = f"{prefix}-{tag}-{start.strftime('%Y%m')}"
            sessions.append(
                schemas.SessionRecord(
                    code=code,
                    course=_course_code(first, kind),
                    starts_on=start,
                    ends_on=start + timedelta(days=days - 1),
                    region=region,
                    place=site or region,
                    trainer=f"{prefix}-E1",
                )
            )
            attendances += [
                schemas.AttendanceRecord(session=code, technician=f"{prefix}-{who}", result=result)
                for who, result in results.items()
            ]
    return sessions, attendances


def _on_site(opened: datetime, finished: datetime) -> tuple[datetime, datetime, datetime] | None:
    """Crew work inside the work order's life, countersigned 10 minutes after it was done:
    two hours inside every demo shift (a weekday, 08:00–16:00) as late as they fit, else —
    a call-out — its last two hours on the day it was done (at least one hour); None when
    that day holds less than an hour of its life."""
    day = finished.date()
    while day >= opened.date():
        if day.weekday() < 5:
            midnight = datetime.combine(day, datetime.min.time())
            first = max(opened, midnight + timedelta(hours=8))
            if first.minute or first.second or first.microsecond:  # from the next whole hour
                first = first.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
            end = min(finished, midnight + timedelta(hours=16)).replace(
                minute=0, second=0, microsecond=0
            )
            if first + timedelta(hours=2) <= end:
                return end - timedelta(hours=2), end, finished + timedelta(minutes=10)
        day -= timedelta(days=1)
    end = finished.replace(second=0, microsecond=0)
    midnight = datetime.combine(end.date(), datetime.min.time())  # one day, as every job
    start = max(opened.replace(second=0, microsecond=0) + timedelta(minutes=1), midnight)
    start = max(start, end - timedelta(hours=2))
    if end - start < timedelta(hours=1):
        return None
    return start, end, finished + timedelta(minutes=10)


def _supervised(session: Session, plan: dict[str, tuple[str, list[str]]]) -> int:
    """Countersigned crews (E2 certified + a trainee) on done work orders of the first family:
    N for the first region's L3 (eligible), ``PARTIAL_JOBS`` for every other trainee."""
    if session.scalar(
        select(Assignment.id).where(Assignment.created_by == WORKFORCE_ACTOR).limit(1)
    ):
        return 0
    needed = get_settings().ladder_supervised_jobs
    codes = dict(session.execute(select(Technician.code, Technician.id)).all())
    written = 0
    for region, (prefix, families) in sorted(plan.items()):
        done = session.execute(
            select(WorkOrder.id, WorkOrder.opened_at, WorkOrder.changed_at)
            .join(Defect, WorkOrder.defect_id == Defect.id)
            .join(Unit, Defect.unit_id == Unit.id)
            .join(ProductModel, Unit.model_id == ProductModel.id)
            .join(Site, Unit.site_id == Site.id)
            .join(Region, Site.region_id == Region.id)
            .where(
                Region.name == region,
                ProductModel.family == families[0],
                WorkOrder.status == WorkOrderStatus.done,
            )
            .order_by(WorkOrder.changed_at.desc(), WorkOrder.id)
        ).all()
        wanted = {
            f"{prefix}-L3": needed if region == ELIGIBLE_REGION else PARTIAL_JOBS,
            f"{prefix}-L4": PARTIAL_JOBS,
        }
        crews = [(order_id, *times) for order_id, *rest in done if (times := _on_site(*rest))]
        position = 0
        for trainee, jobs in wanted.items():
            for order_id, start, end, signed in crews[position : position + jobs]:
                for code, level in ((f"{prefix}-E2", Level.certified), (trainee, Level.trainee)):
                    session.add(
                        Assignment(
                            technician_id=codes[code],
                            work_order_id=order_id,
                            family=ProductFamily(families[0]),
                            level=level,
                            start_at=start,
                            end_at=end,
                            created_at=start,
                            created_by=WORKFORCE_ACTOR,
                            countersigned_by_id=codes[f"{prefix}-E2"]
                            if level is Level.trainee
                            else None,
                            countersigned_at=signed if level is Level.trainee else None,
                            countersigned_user=WORKFORCE_ACTOR if level is Level.trainee else None,
                        )
                    )
                    written += 1
            position += jobs
    session.flush()
    return written


def build_workforce(session: Session, *, as_of: date, seed: int) -> dict[str, int]:
    """Write the demo's workforce; returns how many rows of each it wrote."""
    rng = np.random.default_rng(seed + 18)
    technicians, plan = _technicians(session, rng)
    counts = {"technicians": _write(session, TECHNICIANS, technicians)}
    counts["courses"] = _write(session, COURSES, _courses())
    counts["grants"] = _write(session, GRANTS, _grants(plan, as_of))
    sessions, attendances = _sessions(session, plan, as_of)
    counts["training sessions"] = _write(session, TRAINING_SESSIONS, sessions)
    counts["attendances"] = _write(session, ATTENDANCES, attendances)
    counts["assignments"] = _supervised(session, plan)
    return counts


def _write(session: Session, table: Table[Any], records: Sequence[BaseModel]) -> int:
    result = table.apply(session, [Item(r) for r in records])
    session.flush()
    return result.created + result.updated
