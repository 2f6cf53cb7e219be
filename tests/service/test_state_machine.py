"""Random sequences of reports, work orders, legal and illegal transitions and closes, run
through the service facade against a model of the rules: after every step each unit's status
and downtime records are what the model says (SQLite)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.clock import utcnow
from fleetcare.core.db import get_sessionmaker, transaction
from fleetcare.core.errors import InvalidInput
from fleetcare.fleet.models import Unit, UnitStatus
from fleetcare.parts.models import ComponentGroup
from fleetcare.service import schemas, service
from fleetcare.service.intervals import Interval, union
from fleetcare.service.models import Downtime
from fleetcare.service.states import ACTIVE, FINAL, MOVES, WorkOrderStatus
from tests.conftest import wipe
from tests.service.factories import BY, service_fleet

SERIALS = ("BUS-001", "BUS-002")


@dataclass
class DefectModel:
    unit: str
    down: bool
    reported_at: datetime
    status: str = "open"
    down_until: datetime | None = None


@dataclass
class OrderModel:
    defect: int
    status: WorkOrderStatus
    changed_at: datetime


class ServiceMachine(RuleBasedStateMachine):
    """The rules of docs/service.md as a model, checked step by step against the database."""

    url = ""

    def __init__(self) -> None:
        super().__init__()
        wipe(self.url)
        with get_sessionmaker(self.url)() as session:
            service_fleet(session, units=2)
        self.clock = utcnow() - timedelta(days=60)
        self.defects: dict[int, DefectModel] = {}
        self.orders: dict[int, OrderModel] = {}

    def tick(self, hours: int) -> datetime:
        self.clock += timedelta(hours=hours, minutes=7)
        return self.clock

    def run(self, work: object) -> str:
        """Run ``work(session)`` in a write transaction: "ok", "conflict" or "invalid"."""
        try:
            with transaction(self.url, write=True) as session:
                work(session)  # type: ignore[operator]
        except service.Conflict:
            return "conflict"
        except InvalidInput:
            return "invalid"
        return "ok"

    def active_order(self, defect_id: int) -> bool:
        return any(o.defect == defect_id and o.status in ACTIVE for o in self.orders.values())

    @rule(unit=st.sampled_from(SERIALS), down=st.booleans(), hours=st.integers(0, 30))
    def report(self, unit: str, down: bool, hours: int) -> None:
        at = self.tick(hours)
        body = schemas.DefectCreate(
            unit=unit, component_group=ComponentGroup.engine, symptom="s", down=down, reported_at=at
        )
        found: list[int] = []
        outcome = self.run(lambda s: found.append(service.report_defect(s, body, by=BY).id))
        assert outcome == "ok"
        self.defects[found[0]] = DefectModel(unit=unit, down=down, reported_at=at)

    @precondition(lambda self: self.defects)
    @rule(pick=st.integers(0, 1000), hours=st.integers(0, 5))
    def open_order(self, pick: int, hours: int) -> None:
        defect_id = sorted(self.defects)[pick % len(self.defects)]
        model = self.defects[defect_id]
        at = self.tick(hours)
        found: list[int] = []
        body = schemas.WorkOrderCreate(defect=defect_id, at=at)
        outcome = self.run(lambda s: found.append(service.open_work_order(s, body, by=BY)))
        if model.status != "open" or self.active_order(defect_id):
            assert outcome == "conflict"
            return
        assert outcome == "ok"
        self.orders[found[0]] = OrderModel(defect_id, WorkOrderStatus.open, at)

    @precondition(lambda self: self.orders)
    @rule(
        pick=st.integers(0, 1000),
        to=st.sampled_from(list(WorkOrderStatus)),
        hours=st.integers(-3, 10),
    )
    def move(self, pick: int, to: WorkOrderStatus, hours: int) -> None:
        order_id = sorted(self.orders)[pick % len(self.orders)]
        order = self.orders[order_id]
        at = order.changed_at + timedelta(hours=hours) if hours < 0 else self.tick(hours)
        body = schemas.TransitionCreate(to=to, at=at)
        outcome = self.run(lambda s: service.transition(s, order_id, body, by=BY))
        if to not in MOVES[order.status]:
            assert outcome == "conflict"
            return
        if at < order.changed_at:
            assert outcome == "invalid"
            return
        assert outcome == "ok"
        order.status, order.changed_at = to, at
        defect = self.defects[order.defect]
        if to in FINAL and defect.down and defect.down_until is None:
            defect.down_until = at
        if to is WorkOrderStatus.done:
            defect.status = "resolved"

    @precondition(lambda self: self.defects)
    @rule(pick=st.integers(0, 1000), hours=st.integers(0, 5))
    def close(self, pick: int, hours: int) -> None:
        defect_id = sorted(self.defects)[pick % len(self.defects)]
        model = self.defects[defect_id]
        at = self.tick(hours)
        body = schemas.DefectClose(reason="no fault found", at=at)
        outcome = self.run(lambda s: service.close_defect(s, defect_id, body, by=BY))
        if model.status != "open" or self.active_order(defect_id):
            assert outcome == "conflict"
            return
        assert outcome == "ok"
        model.status = "closed"
        if model.down and model.down_until is None:
            model.down_until = at

    @invariant()
    def units_follow_their_defects(self) -> None:
        with get_sessionmaker(self.url)() as session:
            for serial in SERIALS:
                expected: list[Interval] = union(
                    (d.reported_at, d.down_until)
                    for d in self.defects.values()
                    if d.unit == serial and d.down
                )
                assert stored_downtime(session, serial) == expected
                status = session.scalar(select(Unit.status).where(Unit.serial == serial))
                down = any(end is None for _start, end in expected)
                assert status is (UnitStatus.down if down else UnitStatus.in_service)


def stored_downtime(session: Session, serial: str) -> list[Interval]:
    """The unit's downtime records, by start."""
    unit_id = select(Unit.id).where(Unit.serial == serial).scalar_subquery()
    rows = session.execute(
        select(Downtime.started_at, Downtime.ended_at)
        .where(Downtime.unit_id == unit_id)
        .order_by(Downtime.started_at)
    )
    return [(start, end) for start, end in rows]


def test_random_histories_keep_status_and_downtime_right(database_url: str) -> None:
    """Legal moves succeed, illegal ones are refused (409 / 422), and the units follow."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the model run is database-independent; SQLite is enough")
    ServiceMachine.url = database_url
    try:
        ServiceMachine.TestCase.settings = settings(
            max_examples=40,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        ServiceMachine.TestCase().runTest()
    finally:
        wipe(database_url)
