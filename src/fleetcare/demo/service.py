"""The demo's service history: warranty policies, service levels and rates, and years of
defects with their work orders, transitions, parts, downtime and claims, written through the
service facade as it happened (each call under ``clock.frozen`` at the time of its event).

The story the seeds tell: every family breaks now and then, in proportion to the engine hours
it runs (a unit's defects are Poisson over its meter readings, each dated where the meter passed
a uniform draw of its hours: a bus running 14 h a day fails about twice as often as a grader
running 7); the hydraulics (hoses and seals that harden in the cold) fail three times as often
per engine hour in the arctic regions and twice in the cold ones, more in winter; work in the
remote regions (Murmansk, Yakutia) starts four times later and waits for parts longer, so
their SLA clocks are breached far more often than elsewhere.
Parts, grey purchases and cannibalisations before the Far North depots were stocked
(1 September 2024), backorders and emergency transfers: ``service_parts``. A covered repair done
writes its warranty claim (labour hours, travel km, faulty and replacement serials entered on the
work order), and a claim on a supplier's part its recovery claim. Work that would end after the
scenario's date stops where it stood then, the work of the last 30 days' defects stops part-way,
and each partner region gets the dispatcher's backlog of the last days (``backlog``).
Deterministic for a given seed; a second build writes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleetcare.core.bulk import Item
from fleetcare.core.clock import frozen
from fleetcare.core.permissions import Principal, system
from fleetcare.demo.backlog import build_backlog
from fleetcare.demo.service_parts import Need, PartsStory, UnitFacts
from fleetcare.fleet.models import ProductModel, Region, Site, Unit, UnitStatus, UsageReading
from fleetcare.parts.models import ComponentGroup
from fleetcare.service import schemas, service
from fleetcare.service.models import Defect, WorkOrder
from fleetcare.service.states import WorkOrderStatus

SERVICE_ACTOR = "demo-service"
REMOTE = {"Murmansk Oblast", "Sakha (Yakutia)"}
COLD_GROUP = ComponentGroup.hydraulics
COLD_FACTOR = {"arctic": 3.0, "cold": 2.0, "temperate": 1.0}
DEFECTS_PER_UNIT_YEAR = 0.07  # the base rate, before the cold, at 10 engine hours a day
DEFECTS_PER_ENGINE_HOUR = DEFECTS_PER_UNIT_YEAR / (365 * 10.0)
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
RATES = {  # labour RUB per hour, travel RUB per km
    "arctic": (Decimal("3200.00"), Decimal("95.00")),
    "cold": (Decimal("2600.00"), Decimal("70.00")),
    "temperate": (Decimal("2200.00"), Decimal("55.00")),
}


BACKLOG = timedelta(days=30)  # work orders of defects this recent stop at a random step


def _tables(session: Session) -> int:
    """Warranty policies per model, service levels and rates per region (through the tables)."""
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
    rates = [
        Item(
            schemas.ServiceRateRecord(
                region=name,
                labour_rate=RATES[climate.value][0],
                km_rate=RATES[climate.value][1],
                currency="RUB",
            )
        )
        for name, climate in regions
    ]
    created = service.WARRANTY_POLICIES.apply(session, policies).created
    created += service.SERVICE_LEVELS.apply(session, levels).created
    return created + service.SERVICE_RATES.apply(session, rates).created


def _meters(session: Session, end: datetime) -> dict[str, tuple[list[datetime], list[float]]]:
    """Each unit's engine-hour readings before ``end``, oldest first, by serial."""
    meters: dict[str, tuple[list[datetime], list[float]]] = {}
    for serial, at, hours in session.execute(
        select(Unit.serial, UsageReading.taken_at, UsageReading.engine_hours)
        .join(UsageReading, UsageReading.unit_id == Unit.id)
        .where(UsageReading.engine_hours.is_not(None), UsageReading.taken_at <= end)
        .order_by(Unit.serial, UsageReading.taken_at)
    ):
        days, meter = meters.setdefault(serial, ([], []))
        days.append(at)
        meter.append(float(hours or 0.0))
    return meters


def build_service_history(session: Session, *, as_of: date, seed: int = 7) -> dict[str, int]:
    """Write the tables and the defect history unless it is there (idempotent)."""
    tables = _tables(session)
    empty = {"service tables": tables, "defects": 0, "work orders": 0, "part lines": 0}
    if session.scalar(select(Defect.id).where(Defect.reported_by == SERVICE_ACTOR).limit(1)):
        return empty
    by = system(SERVICE_ACTOR)
    rng = np.random.default_rng(seed + 3000)
    end = datetime(as_of.year, as_of.month, as_of.day)
    units = session.execute(
        select(
            Unit.serial,
            Unit.warranty_start,
            ProductModel.code,
            ProductModel.family,
            Region.name,
            Region.climate,
            Unit.customer_id,
        )
        .join(ProductModel, Unit.model_id == ProductModel.id)
        .join(Site, Unit.site_id == Site.id)
        .join(Region, Site.region_id == Region.id)
        .where(Unit.status != UnitStatus.retired)
        .order_by(Unit.serial)
    ).all()
    story = PartsStory(session, rng, by)
    meters = _meters(session, end)
    shares = np.array([share for _g, share, _s in GROUPS])
    for serial, start, model, family, region, climate, customer in units:
        first = datetime(start.year, start.month, start.day)
        days = (end - first).days
        if days < 2:
            continue
        facts = UnitFacts(serial, model, family.value, region, customer)
        weights = shares.copy()
        weights[[g for g, _s, _t in GROUPS].index(COLD_GROUP)] *= COLD_FACTOR[climate.value]
        taken, meter = meters.get(serial, ([], []))
        ran = np.array([0.0, *meter])  # engine hours since the warranty start, at ``on``
        on = np.array([0.0, *((at - first).total_seconds() / 86400 for at in taken)])
        rate = DEFECTS_PER_ENGINE_HOUR * weights.sum() * float(ran[-1])
        for _n in range(int(rng.poisson(rate))):
            day = float(np.interp(rng.uniform(0.0, ran[-1]), ran, on))
            reported = first + timedelta(days=int(day), hours=int(rng.integers(6, 20)))
            if reported >= end:
                continue
            group, _share, symptom = GROUPS[int(rng.choice(len(GROUPS), p=weights / weights.sum()))]
            if group is COLD_GROUP and reported.month in (4, 5, 6, 7, 8, 9) and rng.random() < 0.5:
                reported = reported.replace(month=1, day=min(reported.day, 28))  # winter
                if reported < first or reported >= end:
                    continue
            with frozen(reported):
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
            Work(session, story, facts, by, end).run(defect.id, group, reported, rng)
    build_backlog(session, end=end, rng=rng, by=by)
    written = select(func.count()).select_from(Defect).where(Defect.reported_by == SERVICE_ACTOR)
    return {
        "service tables": tables,
        "defects": session.scalar(written) or 0,
        "work orders": session.scalar(
            select(func.count()).select_from(WorkOrder).where(WorkOrder.opened_by == SERVICE_ACTOR)
        )
        or 0,
        "part lines": story.tally.lines,
        **{f"part lines: {option}": n for option, n in sorted(story.tally.options.items())},
    }


class Work:
    """One defect's work, planned first (all draws), then written up to the scenario's date."""

    def __init__(
        self, session: Session, story: PartsStory, unit: UnitFacts, by: Principal, end: datetime
    ) -> None:
        self.session, self.story, self.unit, self.by, self.end = session, story, unit, by, end
        self.order = 0

    def move(self, to: WorkOrderStatus, at: datetime, reason: str | None = None) -> None:
        with frozen(at):
            service.transition(
                self.session,
                self.order,
                schemas.TransitionCreate(to=to, at=at, reason=reason),
                by=self.by,
            )

    def run(
        self, defect_id: int, group: ComponentGroup, reported: datetime, rng: np.random.Generator
    ) -> int:
        """Close the defect (no fault found) or take it through a work order up to ``end``;
        returns the work orders opened (0 or 1)."""
        if rng.random() < 0.08:
            at = reported + timedelta(hours=float(rng.uniform(1, 8)))
            if at < self.end:
                with frozen(at):
                    service.close_defect(
                        self.session,
                        defect_id,
                        schemas.DefectClose(reason="no fault found", at=at),
                        by=self.by,
                    )
            return 0
        slow = 4.0 if self.unit.region in REMOTE else 1.0
        opened = reported + timedelta(hours=float(rng.exponential(0.8 * slow)))
        scheduled = opened + timedelta(hours=float(rng.exponential(1.0 * slow)))
        started = scheduled + timedelta(hours=float(rng.exponential(1.2 * slow)))
        need = self.story.plan(self.unit, group, started)
        ready = started if need is None else need.ready
        done = ready + timedelta(hours=float(rng.exponential(6.0)) + 1.0)
        labour = round(float(rng.exponential(4.0)) + 1.0, 1)
        travel = round(float(rng.uniform(60, 600) if slow > 1 else rng.uniform(5, 80)), 1)
        backlog = self.end - reported < BACKLOG
        cut = int(rng.integers(0, 4)) if backlog else 4
        finishing = done < self.end and not backlog
        if opened >= self.end:
            return 0
        with frozen(opened):
            self.order = service.open_work_order(
                self.session, schemas.WorkOrderCreate(defect=defect_id, at=opened), by=self.by
            )
        for step, (to, at) in enumerate(
            ((WorkOrderStatus.scheduled, scheduled), (WorkOrderStatus.in_progress, started))
        ):
            if step >= cut or at >= self.end:
                return 1
            self.move(to, at)
        if need is not None and not self.story.add(self.order, need, finishing=finishing):
            waiting = need.asked + timedelta(minutes=20)
            if waiting >= self.end or cut < 3:
                return 1
            self.move(WorkOrderStatus.waiting_parts, waiting, "part not in the depot")
            if not finishing:
                return 1
            self.story.cover(self.order, self.unit, need, self.end)
            self.move(WorkOrderStatus.in_progress, need.ready, "part arrived")
        if not finishing:
            return 1
        self._labour(need, labour, travel, done)
        self.move(WorkOrderStatus.done, done)
        return 1

    def _labour(self, need: Need | None, hours: float, km: float, at: datetime) -> None:
        """Enter what the claim needs: labour, travel and, with a part, the serials."""
        serials = {}
        if need is not None:
            serials = {
                "faulty_serial": f"{need.part.number}-F{self.order:06d}",
                "replacement_serial": f"{need.part.number}-R{self.order:06d}",
            }
        with frozen(at):
            service.update_work_order(
                self.session,
                self.order,
                schemas.WorkOrderUpdate(labour_hours=hours, travel_km=km, **serials),
                by=self.by,
            )
