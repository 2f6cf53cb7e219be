"""Counts of the installed base for the overview and region pages, within the caller's scope."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleetcare.core.permissions import EVERYTHING, Scope
from fleetcare.fleet import schemas
from fleetcare.fleet.models import (
    Customer,
    Delivery,
    ProductFamily,
    ProductModel,
    Region,
    Site,
    Unit,
    UnitStatus,
)
from fleetcare.fleet.scoping import restrict
from fleetcare.fleet.service import region_read


@dataclass(frozen=True)
class RegionSummary:
    """A region with its units counted by family, by site and family, and by status."""

    region: schemas.RegionRead
    by_family: list[tuple[ProductFamily, int]]
    by_site: list[tuple[str, ProductFamily, int]]
    by_status: list[tuple[UnitStatus, int]]
    customers: int


def region_summary(session: Session, region_id: int, scope: Scope = EVERYTHING) -> RegionSummary:
    """How many units a region has, by family, by site and family, and by status."""
    region = region_read(session, region_id, scope)
    in_region = Site.region_id == region_id
    by_family = session.execute(
        restrict(
            select(ProductModel.family, func.count())
            .select_from(Unit)
            .join(Site)
            .join(ProductModel)
            .where(in_region)
            .group_by(ProductModel.family)
            .order_by(func.count().desc()),
            Unit,
            scope,
        )
    ).all()
    by_site = session.execute(
        restrict(
            select(Site.name, ProductModel.family, func.count())
            .select_from(Unit)
            .join(Site)
            .join(ProductModel)
            .where(in_region)
            .group_by(Site.name, ProductModel.family)
            .order_by(Site.name, ProductModel.family),
            Unit,
            scope,
        )
    ).all()
    by_status = session.execute(
        restrict(
            select(Unit.status, func.count())
            .join(Site)
            .where(in_region)
            .group_by(Unit.status)
            .order_by(Unit.status),
            Unit,
            scope,
        )
    ).all()
    customers = (
        session.scalar(
            restrict(
                select(func.count()).select_from(Customer).where(Customer.region_id == region_id),
                Customer,
                scope,
            )
        )
        or 0
    )
    return RegionSummary(
        region,
        [(family, count) for family, count in by_family],
        [(site, family, count) for site, family, count in by_site],
        [(status, count) for status, count in by_status],
        customers,
    )


def filter_options(session: Session, scope: Scope = EVERYTHING) -> dict[str, list[str]]:
    """Choices for the units filters: region names, model codes, customer codes."""
    return {
        "regions": list(
            session.scalars(restrict(select(Region.name).order_by(Region.name), Region, scope))
        ),
        "models": list(session.scalars(select(ProductModel.code).order_by(ProductModel.code))),
        "customers": list(
            session.scalars(
                restrict(select(Customer.code).order_by(Customer.code), Customer, scope)
            )
        ),
    }


def units_per_region(session: Session, scope: Scope = EVERYTHING) -> dict[int, int]:
    """Number of units at each region's sites, by region id."""
    statement = (
        select(Site.region_id, func.count(Unit.id))
        .join(Unit, Unit.site_id == Site.id)
        .group_by(Site.region_id)
    )
    return {
        region_id: count for region_id, count in session.execute(restrict(statement, Unit, scope))
    }


def totals(session: Session, scope: Scope = EVERYTHING) -> dict[str, int]:
    """How many units (in service, down), customers and deliveries the caller may see."""
    by_status = dict(
        session.execute(
            restrict(select(Unit.status, func.count()).group_by(Unit.status), Unit, scope)
        ).all()
    )
    return {
        "units": sum(by_status.values()),
        "in_service": by_status.get(UnitStatus.in_service, 0),
        "down": by_status.get(UnitStatus.down, 0),
        "customers": session.scalar(
            restrict(select(func.count()).select_from(Customer), Customer, scope)
        )
        or 0,
        "deliveries": session.scalar(
            restrict(select(func.count()).select_from(Delivery), Delivery, scope)
        )
        or 0,
    }
