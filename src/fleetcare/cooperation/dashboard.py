"""The regional cooperation dashboard: every figure for one region (or all the caller sees),
gathered from the fleet, service, parts and workforce domains, money converted to the
reporting currency. ``docs/cooperation.md`` documents each key and its formula.

The period (``first`` … ``last``, default the 365 days up to today) bounds availability, SLA
compliance, warranty cost, fill rate, grey purchases and cannibalisations; counts of units,
open defects and work orders, technicians and deals are as of today.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import Session

from fleetcare.cooperation import schemas
from fleetcare.cooperation.figures import share
from fleetcare.cooperation.models import Deal
from fleetcare.cooperation.money import RateTable, Total
from fleetcare.cooperation.rates import check_currency, rate_table
from fleetcare.cooperation.stages import Stage
from fleetcare.cooperation.tables import visible_deals
from fleetcare.cooperation.trade import trade_series
from fleetcare.core.clock import today
from fleetcare.core.errors import FieldError, InvalidInput, InvalidQuery, NotFound
from fleetcare.core.i18n import _
from fleetcare.core.permissions import Scope
from fleetcare.fleet import service as fleet_service
from fleetcare.fleet.models import Customer, Delivery, Site, Unit, UnitStatus
from fleetcare.parts.models import Location, LocationKind, MoveKind, Part, StockMove
from fleetcare.service import service
from fleetcare.service.models import (
    Claim,
    ClaimKind,
    Defect,
    DefectStatus,
    LineStatus,
    WorkOrder,
    WorkOrderPart,
)
from fleetcare.service.states import WorkOrderStatus
from fleetcare.workforce.ladder import QUALIFIED
from fleetcare.workforce.models import Grant, Technician, TechnicianKind

ACTIVE_ORDERS = (
    WorkOrderStatus.open,
    WorkOrderStatus.scheduled,
    WorkOrderStatus.in_progress,
    WorkOrderStatus.waiting_parts,
)
FILLED = (LineStatus.reserved, LineStatus.issued, LineStatus.released)


def region_ids(session: Session, scope: Scope, region: str | None) -> list[int] | None:
    """The regions the figures cover: ``region`` if the caller sees it (else 404), or all the
    caller sees (None: every region)."""
    if region:
        found = fleet_service.find_region(session, region, scope)
        if found is None:
            raise NotFound(_("region '{name}' not found").format(name=region))
        return [found.id]
    if scope.everything:
        return None
    return sorted(scope.region_ids or ())


def _in(column: Any, ids: list[int] | None) -> Any:
    if ids is None:
        return column.is_not(None) | column.is_(None)
    return column.in_(ids) if ids else false()


def _units(ids: list[int] | None) -> Select[Any]:
    return select(Unit.id).where(Unit.site_id.in_(select(Site.id).where(_in(Site.region_id, ids))))


def _locations(ids: list[int] | None, *, depots: bool = False) -> Select[Any]:
    statement = select(Location.id).where(_in(Location.region_id, ids))
    return statement.where(Location.kind == LocationKind.depot) if depots else statement


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    return datetime.combine(first, time()), datetime.combine(last, time()) + timedelta(days=1)


def unit_counts(session: Session, ids: list[int] | None) -> dict[str, int]:
    """Units not retired: delivered (no delivery, or one dated delivered), of those in service
    and down, and in transit (their delivery not delivered yet)."""
    rows = session.execute(
        select(Unit.status, Delivery.delivered_on.is_(None) & Unit.delivery_id.is_not(None))
        .outerjoin(Delivery, Unit.delivery_id == Delivery.id)
        .where(Unit.id.in_(_units(ids)), Unit.status != UnitStatus.retired)
    )
    counts = {"delivered": 0, "in_service": 0, "down": 0, "in_transit": 0}
    for status, in_transit in rows:
        if in_transit:
            counts["in_transit"] += 1
            continue
        counts["delivered"] += 1
        counts["in_service" if status is UnitStatus.in_service else "down"] += 1
    return counts


def service_figures(
    session: Session,
    scope: Scope,
    region: str | None,
    ids: list[int] | None,
    first: date,
    last: date,
) -> dict[str, Any]:
    """Open defects and work orders now; SLA compliance of the work orders done in the period
    (met = neither clock breached, among those with a target)."""
    units = _units(ids)
    open_defects = session.scalar(
        select(func.count()).where(Defect.unit_id.in_(units), Defect.status == DefectStatus.open)
    )
    open_orders = session.scalar(
        select(func.count())
        .select_from(WorkOrder)
        .join(Defect)
        .where(Defect.unit_id.in_(units), WorkOrder.status.in_(ACTIVE_ORDERS))
    )
    in_period = service.work_orders_done(session, scope, region, _bounds(first, last))
    with_target = [o for o in in_period if o.sla.restore.target_hours is not None]
    met = sum(not o.sla.breached for o in with_target)
    return {
        "open_defects": int(open_defects or 0),
        "open_work_orders": int(open_orders or 0),
        "work_orders_done": len(in_period),
        "sla_measured": len(with_target),
        "sla_met": met,
        "sla_compliance": share(met, len(with_target)),
    }


def _money(total: Total, count: int, **extra: Any) -> dict[str, Any]:
    return {"count": count, **extra, "amount": str(total.amount), "currency": total.currency}


def warranty_cost(
    session: Session,
    rates: RateTable,
    currency: str,
    ids: list[int] | None,
    first: date,
    last: date,
    used: Total,
) -> dict[str, Any]:
    """Warranty claims created in the period: their totals (and amounts in other currencies)
    converted at the rate of the claim's day."""
    start, end = _bounds(first, last)
    total = Total(currency)
    claims = session.execute(
        select(Claim.created_at, Claim.total, Claim.currency, Claim.other_currencies).where(
            Claim.kind == ClaimKind.warranty,
            Claim.unit_id.in_(_units(ids)),
            Claim.created_at >= start,
            Claim.created_at < end,
        )
    ).all()
    for created_at, amount, cur, others in claims:
        day = created_at.date()
        if amount:
            if cur is None:
                raise InvalidInput([FieldError("currency", _("a claim's total has no currency"))])
            total.convert_in(rates, amount, cur, day)
        for other, value in (others or {}).items():
            total.convert_in(rates, Decimal(str(value)), other, day)
    used.merge(total)
    return _money(total, len(claims))


def fill_rate(session: Session, ids: list[int] | None, first: date, last: date) -> dict[str, Any]:
    """Part lines asked of the region's depots in the period (cancelled ones left out):
    the share served from the depot's stock (reserved at once, no option needed)."""
    start, end = _bounds(first, last)
    rows = session.execute(
        select(WorkOrderPart.status, WorkOrderPart.option).where(
            WorkOrderPart.location_id.in_(_locations(ids, depots=True)),
            WorkOrderPart.created_at >= start,
            WorkOrderPart.created_at < end,
            WorkOrderPart.status != LineStatus.cancelled,
        )
    ).all()
    filled = sum(option is None and status in FILLED for status, option in rows)
    return {"lines": len(rows), "filled": filled, "rate": share(filled, len(rows))}


def ledger_money(
    session: Session,
    rates: RateTable,
    currency: str,
    kind: MoveKind,
    ids: list[int] | None,
    first: date,
    last: date,
    used: Total,
) -> dict[str, Any]:
    """Moves of ``kind`` at the region's locations in the period: how many, pieces, and money —
    a grey purchase at the price paid, a cannibalisation at the part's unit cost."""
    start, end = _bounds(first, last)
    rows = session.execute(
        select(
            StockMove.at,
            StockMove.on_hand_delta,
            StockMove.price,
            StockMove.currency,
            Part.unit_cost,
            Part.currency,
        )
        .join(Part, StockMove.part_id == Part.id)
        .where(
            StockMove.kind == kind,
            StockMove.location_id.in_(_locations(ids)),
            StockMove.at >= start,
            StockMove.at < end,
        )
    ).all()
    total = Total(currency)
    pieces = 0
    for at, delta, price, cur, unit_cost, part_currency in rows:
        pieces += abs(delta)
        each, money_currency = (
            (price, cur or part_currency) if price is not None else (unit_cost, part_currency)
        )
        total.convert_in(rates, each * abs(delta), money_currency, at.date())
    used.merge(total)
    return _money(total, len(rows), pieces=pieces)


def technicians(session: Session, ids: list[int] | None, on: date) -> dict[str, int]:
    """Own engineers and locals in the regions, and of each how many hold a certified or
    trainer grant valid on ``on`` (``granted_on ≤ on < expires_on``)."""
    certified = select(Grant.technician_id).where(
        Grant.level.in_(sorted(QUALIFIED)), Grant.granted_on <= on, Grant.expires_on > on
    )
    rows = session.execute(
        select(Technician.kind, Technician.id.in_(certified)).where(_in(Technician.region_id, ids))
    )
    counts = {"engineers": 0, "engineers_certified": 0, "locals": 0, "locals_certified": 0}
    for kind, is_certified in rows:
        name = "engineers" if kind is TechnicianKind.engineer else "locals"
        counts[name] += 1
        counts[f"{name}_certified"] += bool(is_certified)
    return counts


def deals_by_stage(
    session: Session,
    rates: RateTable,
    currency: str,
    scope: Scope,
    ids: list[int] | None,
    on: date,
    used: Total,
) -> dict[str, Any]:
    """Per stage: deals, machines and value, converted at the rate of ``on`` (the report's day)."""
    rows = session.execute(
        select(Deal.stage, Deal.quantity, Deal.value, Deal.currency).where(
            Deal.id.in_(visible_deals(scope)),
            Deal.customer_id.in_(select(Customer.id).where(_in(Customer.region_id, ids))),
        )
    )
    counts: dict[Stage, int] = defaultdict(int)
    machines: dict[Stage, int] = defaultdict(int)
    totals = {stage: Total(currency) for stage in Stage}
    for stage, quantity, value, cur in rows:
        counts[stage] += 1
        machines[stage] += quantity
        totals[stage].convert_in(rates, value, cur, on)
    for total in totals.values():
        used.merge(total)
    return {
        stage.value: {
            "count": counts[stage],
            "quantity": machines[stage],
            "value": str(totals[stage].amount),
            "currency": currency,
        }
        for stage in Stage
    }


def map_points(
    session: Session, ids: list[int] | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Sites with their units, machines down and open work orders; the depots."""
    units = dict(
        session.execute(
            select(Unit.site_id, func.count())
            .where(Unit.status != UnitStatus.retired)
            .group_by(Unit.site_id)
        ).all()
    )
    down = dict(
        session.execute(
            select(Unit.site_id, func.count())
            .where(Unit.status == UnitStatus.down)
            .group_by(Unit.site_id)
        ).all()
    )
    orders = dict(
        session.execute(
            select(Unit.site_id, func.count())
            .select_from(WorkOrder)
            .join(Defect, WorkOrder.defect_id == Defect.id)
            .join(Unit, Defect.unit_id == Unit.id)
            .where(WorkOrder.status.in_(ACTIVE_ORDERS))
            .group_by(Unit.site_id)
        ).all()
    )
    sites = [
        {
            "name": s.name,
            "latitude": s.latitude,
            "longitude": s.longitude,
            "units": int(units.get(s.id, 0)),
            "down": int(down.get(s.id, 0)),
            "open_work_orders": int(orders.get(s.id, 0)),
        }
        for s in session.scalars(select(Site).where(_in(Site.region_id, ids)).order_by(Site.name))
    ]
    depots = [
        {"code": d.code, "name": d.name, "latitude": d.latitude, "longitude": d.longitude}
        for d in session.scalars(
            select(Location)
            .where(Location.id.in_(_locations(ids, depots=True)))
            .order_by(Location.code)
        )
    ]
    return sites, depots


def dashboard(
    session: Session,
    *,
    scope: Scope,
    region: str | None = None,
    currency: str = "USD",
    first: date | None = None,
    last: date | None = None,
) -> schemas.Dashboard:
    """Every figure of the dashboard; an amount whose exchange rate is missing is left out of
    its figure and listed in ``unconverted`` (never taken at a silent 1.0)."""
    on = today()
    last = last or on
    first = first or last - timedelta(days=364)
    if first > last:
        message = _("the period must run forwards: {first} is after {last}").format(
            first=first.isoformat(), last=last.isoformat()
        )
        raise InvalidQuery([FieldError("from", message)])
    ids = region_ids(session, scope, region)
    check_currency(session, currency)
    rates = rate_table(session)
    trade, trade_used = trade_series(session, rates, currency, scope, region)
    money_used, deals_used = Total(currency), Total(currency)
    figures = {
        "warranty_cost": warranty_cost(session, rates, currency, ids, first, last, money_used),
        "grey_purchases": ledger_money(
            session, rates, currency, MoveKind.grey_purchase, ids, first, last, money_used
        ),
        "cannibalisations": ledger_money(
            session, rates, currency, MoveKind.cannibalisation, ids, first, last, money_used
        ),
        "deals": deals_by_stage(session, rates, currency, scope, ids, on, deals_used),
    }
    used = Total(currency)
    for part in (trade_used, money_used, deals_used):
        used.merge(part)
    available = service.availability(session, scope, region=region, first=first, last=last)
    sites, depots = map_points(session, ids)
    return schemas.Dashboard(
        region=region,
        currency=currency,
        as_of=on,
        period={"from": first, "to": last},
        units=unit_counts(session, ids),
        availability={
            "machine_days": available.machine_days,
            "down_days": available.down_days,
            "availability": available.availability,
        },
        service=service_figures(session, scope, region, ids, first, last),
        depot_fill_rate=fill_rate(session, ids, first, last),
        technicians=technicians(session, ids, on),
        trade=trade,
        sites=sites,
        depots=depots,
        rates_used=used.rates_used(),
        unconverted=used.unconverted(),
        left_out={
            "trade": trade_used.unconverted(),
            "money": money_used.unconverted(),
            "deals": deals_used.unconverted(),
        },
        **figures,
    )
