"""The ``breached`` and ``at_risk`` filters of the work-order list are judged in SQL
(``service/sla_sql.py``); on a hand-made set of work orders they keep exactly the orders the
pure ``service/sla.py`` clocks flag, whatever the time of reading and the targets (the
customer's row before the region's), with the total and the paging counted in the database.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fleetcare.core.bulk import Item
from fleetcare.fleet.models import Customer
from fleetcare.service import schemas, service
from fleetcare.service.models import ServiceLevel
from fleetcare.service.states import WorkOrderStatus as S
from fleetcare.service.tables import SERVICE_LEVELS
from tests.service.factories import BY, service_fleet

T0 = datetime(2024, 3, 1, 8, 0)
ORDERS: list[tuple[str, int, list[tuple[S, float]]]] = [  # unit, minutes after T0, moves (h)
    ("BUS-001", 0, []),
    ("BUS-001", 10, [(S.scheduled, 1), (S.in_progress, 3)]),
    ("BUS-002", 20, [(S.scheduled, 1), (S.in_progress, 3), (S.done, 26)]),
    ("BUS-002", 30, [(S.cancelled, 1)]),
    (
        "BUS-003",
        40,
        [(S.scheduled, 0.5), (S.in_progress, 2), (S.waiting_parts, 3), (S.in_progress, 10)],
    ),
    ("BUS-003", 50, [(S.scheduled, 1), (S.in_progress, 4), (S.cancelled, 30)]),
    ("LIFT-001", 60, [(S.scheduled, 1), (S.in_progress, 2.5)]),
    ("LIFT-001", 70, []),
    ("LIFT-001", 80, [(S.scheduled, 1), (S.in_progress, 2), (S.done, 8)]),
]
HOURS = st.integers(1, 4 * 96).map(lambda quarters: quarters / 4)  # 0.25 h … 96 h


def hand_made(session: Session) -> None:
    """Arctic's default level and NORD's own row there; Baltic has only WEST's row."""
    service_fleet(session)
    SERVICE_LEVELS.apply(
        session,
        [
            Item(schemas.ServiceLevelRecord(region="Arctic", response_hours=4, restore_hours=24)),
            Item(
                schemas.ServiceLevelRecord(
                    region="Arctic", customer="NORD", response_hours=6, restore_hours=30
                )
            ),
            Item(
                schemas.ServiceLevelRecord(
                    region="Baltic", customer="WEST", response_hours=2, restore_hours=8
                )
            ),
        ],
    )
    for serial, minutes, moves in ORDERS:
        reported = T0 + timedelta(minutes=minutes)
        defect = service.report_defect(
            session,
            schemas.DefectCreate(
                unit=serial, component_group="brakes", symptom="x", down=False, reported_at=reported
            ),
            by=BY,
        )
        order_id = service.open_work_order(
            session, schemas.WorkOrderCreate(defect=defect.id, at=reported), by=BY
        )
        for to, hours in moves:
            at = reported + timedelta(hours=hours)
            service.transition(session, order_id, schemas.TransitionCreate(to=to, at=at), by=BY)
    session.commit()


def set_targets(session: Session, targets: list[tuple[float, float]]) -> None:
    """Arctic default, NORD's row, WEST's row: (response, restore) hours."""
    nord, west = (
        session.scalar(select(Customer.id).where(Customer.code == code))
        for code in ("NORD", "WEST")
    )
    rows = [ServiceLevel.customer_id.is_(None), ServiceLevel.customer_id == nord]
    rows.append(ServiceLevel.customer_id == west)
    for where, (response, restore) in zip(rows, targets, strict=True):
        session.execute(
            update(ServiceLevel).where(where).values(response_hours=response, restore_hours=restore)
        )
    session.commit()


def test_sql_flags_agree_with_the_pure_clocks(session: Session) -> None:
    """For random reading times and targets, the SQL filters keep exactly the orders whose
    answer (computed by the pure clocks) is flagged, their complement the rest; paging and
    totals come from the database."""
    hand_made(session)

    @settings(
        max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(
        seconds=st.integers(0, 140 * 3600),
        targets=st.lists(st.tuples(HOURS, HOURS), min_size=3, max_size=3),
    )
    @example(seconds=4 * 3600, targets=[(4.0, 24.0), (6.0, 30.0), (2.0, 8.0)])
    @example(seconds=26 * 3600 + 1, targets=[(3.0, 26.0), (3.0, 26.0), (2.5, 8.0)])
    def check(seconds: int, targets: list[tuple[float, float]]) -> None:
        set_targets(session, targets)
        # half a second off: a running clock never sits exactly on its 80 % mark, where the
        # pure floating-point comparison and the database's millisecond one may round apart
        now = T0 + timedelta(seconds=seconds, milliseconds=500)
        everything = service.list_work_orders(session, now=now, limit=500).items
        assert len(everything) == len(ORDERS)
        for flag in ("breached", "at_risk"):
            for wanted in (True, False):
                expected = [o.id for o in everything if getattr(o.sla, flag) is wanted]
                kept = service.list_work_orders(session, now=now, limit=500, **{flag: wanted})
                assert [o.id for o in kept.items] == expected, (flag, wanted)
                assert kept.total == len(expected)
                assert all(getattr(o.sla, flag) is wanted for o in kept.items)
        late = [o.id for o in everything if o.sla.breached]
        page = service.list_work_orders(session, now=now, breached=True, limit=2, offset=1)
        assert page.total == len(late) and [o.id for o in page.items] == late[1:3]

    check()


def test_exactly_the_target_is_met_in_sql(session: Session) -> None:
    """A running clock read exactly at its target is not breached, a second later it is; a
    customer's own row wins over the region's default; no level, no flag."""
    hand_made(session)
    first = min(o.id for o in service.list_work_orders(session, limit=500).items)
    at_target = T0 + timedelta(hours=6)  # NORD's response target (Arctic's default: 4 h)

    def flagged(now: datetime, **flag: bool) -> set[int]:
        return {o.id for o in service.list_work_orders(session, now=now, limit=500, **flag).items}

    assert first not in flagged(at_target, breached=True)
    assert first in flagged(at_target + timedelta(seconds=1), breached=True)
    assert first in flagged(T0 + timedelta(hours=4.8), at_risk=True)
    assert first not in flagged(T0 + timedelta(hours=4.7), at_risk=True)
    session.execute(
        update(ServiceLevel)
        .where(ServiceLevel.customer_id.is_not(None))
        .values(response_hours=1000, restore_hours=1000)
    )
    session.execute(
        update(ServiceLevel)
        .where(ServiceLevel.customer_id.is_(None))
        .values(response_hours=1, restore_hours=1)
    )
    session.commit()
    assert first not in flagged(at_target, breached=True)  # NORD's 1,000 h, not Arctic's 1 h
    session.execute(ServiceLevel.__table__.delete())
    session.commit()
    assert flagged(at_target, breached=True) == set() == flagged(at_target, at_risk=True)
