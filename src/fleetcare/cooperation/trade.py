"""Trade figures and targets per partner region and year: scoped reads and writes, and the
yearly series the dashboard draws, converted to the reporting currency.

A trade figure or target of year Y is dated 31 December Y for conversion: the rate used is the
latest on or before that day (for the current year, the latest known).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fleetcare.cooperation import schemas
from fleetcare.cooperation.models import ProductGroup, TradeFigure, TradeTarget
from fleetcare.cooperation.money import RateTable, Total
from fleetcare.cooperation.tables import TRADE, TRADE_TARGETS, visible_regions
from fleetcare.core import crud
from fleetcare.core.permissions import EVERYTHING, Principal, Scope
from fleetcare.core.query import Window, entity_page
from fleetcare.core.schemas import Page
from fleetcare.fleet.models import Region
from fleetcare.fleet.scoping import refuse_unseen


def year_end(year: int) -> date:
    """The day a year's figure is dated for conversion."""
    return date(year, 12, 31)


def scoped(statement: Any, table: Any, scope: Scope, region: str | None) -> Any:
    """``statement`` over trade figures or targets narrowed to the regions ``scope`` sees,
    and to ``region`` when named."""
    regions = visible_regions(scope)
    if regions is not None:
        statement = statement.where(table.region_id.in_(regions))
    if region:
        statement = statement.where(table.region.has(Region.name == region))
    return statement


def trade_window(
    session: Session,
    *,
    scope: Scope,
    region: str | None,
    year: int | None,
    group: ProductGroup | None,
    limit: int,
    offset: int,
    cursor: str | None = None,
) -> Window:
    """One page of the trade figures the filters keep, in region, year and group order."""
    statement = scoped(select(TradeFigure), TradeFigure, scope, region)
    if year is not None:
        statement = statement.where(TradeFigure.year == year)
    if group is not None:
        statement = statement.where(TradeFigure.group == group)
    return entity_page(
        session,
        statement,
        name="trade",
        order=(TradeFigure.region_id, TradeFigure.year, TradeFigure.group),
        loads=(joinedload(TradeFigure.region),),
        limit=limit,
        offset=offset,
        cursor=cursor,
    )


def list_trade(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    region: str | None = None,
    year: int | None = None,
    group: ProductGroup | None = None,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> Page[schemas.TradeRead]:
    """A page of trade figures by region, year and group."""
    window = trade_window(
        session,
        scope=scope,
        region=region,
        year=year,
        group=group,
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    items = [
        schemas.TradeRead.model_validate({"id": r.id, **TRADE.to_record(r).model_dump()})
        for r in window.rows
    ]
    return Page[schemas.TradeRead](items=items, **window.meta())


def list_targets(
    session: Session,
    *,
    scope: Scope = EVERYTHING,
    region: str | None = None,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> Page[schemas.TargetRead]:
    """A page of trade targets by region and year."""
    window = entity_page(
        session,
        scoped(select(TradeTarget), TradeTarget, scope, region),
        name="targets",
        order=(TradeTarget.region_id, TradeTarget.year),
        loads=(joinedload(TradeTarget.region),),
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    items = [
        schemas.TargetRead.model_validate({"id": r.id, **TRADE_TARGETS.to_record(r).model_dump()})
        for r in window.rows
    ]
    return Page[schemas.TargetRead](items=items, **window.meta())


def trade_read(session: Session, row_id: int, scope: Scope = EVERYTHING) -> schemas.TradeRead:
    """One trade figure the scope sees (else ``NotFound``)."""
    return schemas.TradeRead.model_validate(crud.read_values(session, TRADE, row_id, scope))


def target_read(session: Session, row_id: int, scope: Scope = EVERYTHING) -> schemas.TargetRead:
    """One trade target the scope sees (else ``NotFound``)."""
    return schemas.TargetRead.model_validate(
        crud.read_values(session, TRADE_TARGETS, row_id, scope)
    )


def put_trade(session: Session, record: schemas.TradeRecord, *, by: Principal) -> int:
    """Create or replace the figure of a region, year and group (a scoped writer: its
    regions only)."""
    if not by.scope.everything:
        refuse_unseen(session, TRADE, record.model_dump(), by.scope)
    existing = session.scalar(
        select(TradeFigure.id).where(
            TradeFigure.region.has(Region.name == record.region),
            TradeFigure.year == record.year,
            TradeFigure.group == record.group,
        )
    )
    if existing is None:
        return crud.create(session, TRADE, record, by=by)
    return crud.update(session, TRADE, existing, record, by=by)


def put_target(session: Session, record: schemas.TargetRecord, *, by: Principal) -> int:
    """Create or replace the target of a region and year (a scoped writer: its regions)."""
    if not by.scope.everything:
        refuse_unseen(session, TRADE_TARGETS, record.model_dump(), by.scope)
    existing = session.scalar(
        select(TradeTarget.id).where(
            TradeTarget.region.has(Region.name == record.region), TradeTarget.year == record.year
        )
    )
    if existing is None:
        return crud.create(session, TRADE_TARGETS, record, by=by)
    return crud.update(session, TRADE_TARGETS, existing, record, by=by)


def trade_series(
    session: Session, rates: RateTable, currency: str, scope: Scope, region: str | None
) -> tuple[list[dict[str, Any]], Total]:
    """Per year: the volume (all groups; None for a year with a target and no figure yet, not
    0), by group, and the target, each converted to ``currency`` at its year-end rate; and the
    running total holding the rates used."""
    used = Total(currency)
    volume: dict[int, Decimal] = defaultdict(Decimal)
    groups: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    targets: dict[int, Decimal] = defaultdict(Decimal)
    figures = session.execute(
        scoped(
            select(TradeFigure.year, TradeFigure.group, TradeFigure.amount, TradeFigure.currency),
            TradeFigure,
            scope,
            region,
        )
    )
    for year, group, amount, cur in figures:
        value = used.convert_in(rates, amount, cur, year_end(year))
        if value is not None:
            volume[year] += value
            groups[year][group.value] += value
    aims = session.execute(
        scoped(
            select(TradeTarget.year, TradeTarget.amount, TradeTarget.currency),
            TradeTarget,
            scope,
            region,
        )
    )
    for year, amount, cur in aims:
        value = used.convert_in(rates, amount, cur, year_end(year))
        if value is not None:
            targets[year] += value
    series = [
        {
            "year": year,
            "volume": str(volume[year]) if year in volume else None,
            "target": str(targets[year]) if year in targets else None,
            "by_group": {g: str(v) for g, v in sorted(groups.get(year, {}).items())},
        }
        for year in sorted(set(volume) | set(targets))
    ]
    return series, used
