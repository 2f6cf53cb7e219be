"""The demo's service history: warranty policies, service levels, and years of defects with
their work orders, transitions and downtime, written through the service facade.

The story the seeds tell: every family breaks now and then; the hydraulics (hoses and seals
that harden in the cold) fail three times as often in the arctic regions and twice in the cold
ones, more in winter; repairs in the remote regions (Murmansk, Yakutia) take longer and wait for
parts more often, so their service levels are breached there (the SLA clocks come with the next
slice). Work that would end after the scenario's date stops where it stood then, and the work
of the last 30 days' defects stops part-way: the dispatcher's backlog on the scenario's date.
Deterministic for a given seed; a second build writes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.bulk import Item
from fleetcare.core.permissions import Principal, system
from fleetcare.fleet.models import ProductModel, Region, Site, Unit, UnitStatus
from fleetcare.parts.models import ComponentGroup
from fleetcare.service import schemas, service
from fleetcare.service.models import Defect
from fleetcare.service.states import WorkOrderStatus

SERVICE_ACTOR = "demo-service"
REMOTE = {"Murmansk Oblast", "Sakha (Yakutia)"}
COLD_GROUP = ComponentGroup.hydraulics
COLD_FACTOR = {"arctic": 3.0, "cold": 2.0, "temperate": 1.0}
DEFECTS_PER_UNIT_YEAR = 0.07  # the base rate, before the cold
GROUPS = [  # group, share of defects, symptom
    (ComponentGroup.engine, 0.22, "loss of power, black smoke under load"),
    (ComponentGroup.transmission, 0.12, "harsh shifting between gears"),
    (ComponentGroup.hydraulics, 0.18, "hydraulic hose leaking at the fitting"),
    (ComponentGroup.brakes, 0.10, "brake pedal travel too long"),
    (ComponentGroup.electrics, 0.16, "warning lamp on, intermittent fault code"),
    (ComponentGroup.cooling, 0.08, "coolant temperature high"),
    (ComponentGroup.cab, 0.08, "door or heater not working"),
    (ComponentGroup.body, 0.06, "crack in a panel bracket"),
]
POLICIES = [  # component group (None: whole machine), months, hour limit
    (None, 24, None),
    (ComponentGroup.engine, 36, 10_000.0),
    (ComponentGroup.transmission, 36, 10_000.0),
]
LEVELS = {"arctic": (12.0, 72.0), "cold": (8.0, 48.0), "temperate": (4.0, 24.0)}


BACKLOG = timedelta(days=30)  # work orders of defects this recent stop at a random step


def _policies_and_levels(session: Session) -> int:
    models = session.scalars(select(ProductModel.code).order_by(ProductModel.code)).all()
    policies = [
        Item(schemas.WarrantyPolicyRecord(model=m, component_group=g, months=n, hours=h))
        for m in models
        for g, n, h in POLICIES
    ]
    regions = session.execute(select(Region.name, Region.climate).order_by(Region.name)).all()
    levels = [
        Item(
            schemas.ServiceLevelRecord(
                region=name,
                response_hours=LEVELS[climate.value][0],
                restore_hours=LEVELS[climate.value][1],
            )
        )
        for name, climate in regions
    ]
    written = service.WARRANTY_POLICIES.apply(session, policies)
    levels_written = service.SERVICE_LEVELS.apply(session, levels)
    return written.created + levels_written.created


def build_service_history(session: Session, *, as_of: date, seed: int = 7) -> dict[str, int]:
    """Write policies, levels and the defect history unless it is there (idempotent)."""
    tables = _policies_and_levels(session)
    if session.scalar(select(Defect.id).where(Defect.reported_by == SERVICE_ACTOR).limit(1)):
        return {"warranty policies and service levels": tables, "defects": 0, "work orders": 0}
    by = system(SERVICE_ACTOR)
    rng = np.random.default_rng(seed + 3000)
    end = datetime(as_of.year, as_of.month, as_of.day)
    units = session.execute(
        select(Unit.serial, Unit.warranty_start, Region.name, Region.climate)
        .join(Site, Unit.site_id == Site.id)
        .join(Region, Site.region_id == Region.id)
        .where(Unit.status != UnitStatus.retired)
        .order_by(Unit.serial)
    ).all()
    shares = np.array([share for _g, share, _s in GROUPS])
    defects = orders = 0
    for serial, start, region, climate in units:
        first = datetime(start.year, start.month, start.day)
        days = (end - first).days
        if days < 2:
            continue
        weights = shares.copy()
        weights[[g for g, _s, _t in GROUPS].index(COLD_GROUP)] *= COLD_FACTOR[climate.value]
        rate = DEFECTS_PER_UNIT_YEAR * weights.sum() * days / 365
        for _n in range(int(rng.poisson(rate))):
            reported = first + timedelta(
                days=int(rng.integers(0, days)), hours=int(rng.integers(6, 20))
            )
            group, _share, symptom = GROUPS[int(rng.choice(len(GROUPS), p=weights / weights.sum()))]
            if group is COLD_GROUP and reported.month in (4, 5, 6, 7, 8, 9) and rng.random() < 0.5:
                reported = reported.replace(month=1, day=min(reported.day, 28))  # winter
                if reported < first or reported >= end:
                    continue
            defect = service.report_defect(
                session,
                schemas.DefectCreate(
                    unit=serial,
                    component_group=group,
                    symptom=symptom,
                    down=bool(rng.random() < 0.45),
                    reported_at=reported,
                ),
                by=by,
            )
            defects += 1
            orders += _work(session, defect.id, reported, end, region in REMOTE, rng, by)
    return {
        "warranty policies and service levels": tables,
        "defects": defects,
        "work orders": orders,
    }


def _work(
    session: Session,
    defect_id: int,
    reported: datetime,
    end: datetime,
    remote: bool,
    rng: np.random.Generator,
    by: Principal,
) -> int:
    """Close the defect (no fault found) or take it through a work order up to ``end``."""
    if rng.random() < 0.08:
        at = reported + timedelta(hours=float(rng.uniform(1, 8)))
        if at < end:
            service.close_defect(
                session, defect_id, schemas.DefectClose(reason="no fault found", at=at), by=by
            )
        return 0
    slow = 3.0 if remote else 1.0
    at = reported + timedelta(hours=float(rng.exponential(3.0 * slow)))
    if at >= end:
        return 0
    order = service.open_work_order(
        session, schemas.WorkOrderCreate(defect=defect_id, at=at), by=by
    )
    steps: list[tuple[WorkOrderStatus, float, str | None]] = [
        (WorkOrderStatus.scheduled, rng.exponential(6.0 * slow), None),
        (WorkOrderStatus.in_progress, rng.exponential(10.0 * slow), None),
    ]
    if rng.random() < (0.45 if remote else 0.15):
        steps += [
            (WorkOrderStatus.waiting_parts, rng.exponential(4.0), "part not in the depot"),
            (WorkOrderStatus.in_progress, rng.exponential(72.0 * slow), "part arrived"),
        ]
    steps.append((WorkOrderStatus.done, rng.exponential(6.0) + 1.0, None))
    if end - reported < BACKLOG:  # the dispatcher's current backlog: left part-way
        steps = steps[: int(rng.integers(0, len(steps)))]
    for to, hours, reason in steps:
        at += timedelta(hours=float(hours))
        if at >= end:
            break
        service.transition(
            session, order.id, schemas.TransitionCreate(to=to, at=at, reason=reason), by=by
        )
    return 1
