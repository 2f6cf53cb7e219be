"""The principal behind a name: its role, binding and token version, read in one statement."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from fleetcare.accounts import service
from fleetcare.core.permissions import Role, system
from fleetcare.fleet.models import Customer, Region
from tests.fleet.factories import small_fleet


def _statements(session: Session, call: Callable[[], object]) -> tuple[object, int]:
    seen: list[str] = []
    listen = lambda *args: seen.append(args[2])  # noqa: E731 (conn, cursor, statement, ...)
    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", listen)
    try:
        return call(), sum(not s.startswith("BEGIN") for s in seen)  # SQLite's own BEGIN
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def test_a_principal_carries_its_binding_and_costs_one_statement(
    session: Session, make_user: Callable[..., str]
) -> None:
    small_fleet(session)
    session.commit()
    region_ids = set(session.scalars(select(Region.id)))
    nord = session.scalar(select(Customer.id).where(Customer.code == "NORD"))
    make_user("rm", Role.regional_manager, regions=("Arctic", "Baltic"))
    make_user("nord", Role.customer, customer="NORD")
    make_user("plan", Role.planner)
    session.commit()  # a new transaction sees the users made in another

    manager, cost = _statements(session, lambda: service.principal_for(session, "rm", 0))
    assert cost == 1
    assert manager is not None and manager.role is Role.regional_manager  # type: ignore[attr-defined]
    assert manager.region_ids == region_ids  # type: ignore[attr-defined]
    customer = service.principal_for(session, "nord")
    assert customer is not None and customer.customer_id == nord
    assert customer.region_ids == frozenset()
    planner = service.principal_for(session, "plan", 0)
    assert planner is not None and planner.customer_id is None and planner.region_ids == frozenset()


def test_no_principal_for_a_stale_version_a_disabled_or_an_unknown_account(
    session: Session, make_user: Callable[..., str]
) -> None:
    make_user("gone", Role.planner)
    assert service.principal_for(session, "gone", 1) is None  # a version not yet issued
    assert service.principal_for(session, "nobody") is None
    service.disable_user(session, "gone", by=system("test"))
    assert service.principal_for(session, "gone") is None
