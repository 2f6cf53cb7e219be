"""Cooperation's importable tables: deals, trade figures, trade targets and exchange rates
(CSV/JSON through ``fleetcare import``, all or nothing).

Scope: a regional manager sees and writes the deals of its regions' customers and its regions'
trade; a customer sees its own deals only (and no trade); exchange rates are one table for
everyone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session

from fleetcare.cooperation import schemas
from fleetcare.cooperation.models import Deal, ExchangeRate, TradeFigure, TradeTarget
from fleetcare.core.bulk import Item, Table
from fleetcare.core.db import Base
from fleetcare.core.errors import FieldError
from fleetcare.core.i18n import _
from fleetcare.core.keyed import ExtraCheck, Ids, KeyedTable, Reference, chunks
from fleetcare.core.permissions import Scope
from fleetcare.fleet.models import Customer, Delivery, ProductModel, Region, Site

S = TypeVar("S", bound=Select[Any])


def visible_deals(scope: Scope) -> Select[Any]:
    """Ids of the deals ``scope`` may see: a customer its own, a regional manager its regions'
    customers'."""
    statement = select(Deal.id)
    if scope.everything:
        return statement
    if scope.customer_id is not None:
        return statement.where(Deal.customer_id == scope.customer_id)
    regions = sorted(scope.region_ids or ())
    if not regions:
        return statement.where(false())
    customers = select(Customer.id).where(Customer.region_id.in_(regions))
    return statement.where(Deal.customer_id.in_(customers))


def _deals_in_scope(statement: S, _table: type[Base], scope: Scope) -> S:
    return statement if scope.everything else statement.where(Deal.id.in_(visible_deals(scope)))


def visible_regions(scope: Scope) -> list[int] | None:
    """Ids of the regions whose trade ``scope`` may see (None: all; a customer: none)."""
    if scope.everything:
        return None
    if scope.customer_id is not None:
        return []
    return sorted(scope.region_ids or ())


def _regions_in_scope(statement: S, table: type[Base], scope: Scope) -> S:
    regions = visible_regions(scope)
    if regions is None:
        return statement
    column = table.region_id  # type: ignore[attr-defined]
    return statement.where(column.in_(regions)) if regions else statement.where(false())


Priced = type[Deal] | type[TradeFigure] | type[TradeTarget]  # the tables with a currency


def _currencies_quoted(table: Priced) -> ExtraCheck:
    """The check that an amount is in USD or a currency with an exchange rate on file, else
    every report that converts it would leave it out: refused on ``currency`` (import a rate
    first) — but an update by id that keeps its row's stored currency is not refused for it
    (a change of another field is not held to what was stored before this rule)."""

    def check(session: Session, items: Sequence[Item[Any]], _ids: Ids) -> list[FieldError]:
        quoted = set(session.scalars(select(ExchangeRate.currency).distinct())) | {"USD"}
        updated = [i.target_id for i in items if i.target_id is not None]
        stored = dict(
            session.execute(select(table.id, table.currency).where(table.id.in_(updated))).all()
        )
        errors = []
        for item in items:
            currency = item.record.currency
            kept = item.target_id is not None and stored.get(item.target_id) == currency
            if currency in quoted or kept:
                continue
            message = _("no exchange rate for {currency} on file: import one first").format(
                currency=currency
            )
            errors.append(FieldError("currency", message, item.row))
        return errors

    return check


def _deal_rules(session: Session, items: Sequence[Item[Any]], ids: Ids) -> list[FieldError]:
    """A deal's site lies in its customer's region; a named delivery carries the deal's
    customer, model and quantity and no other deal's; an imported row never changes a stored
    deal's stage (stages move by transitions)."""
    errors: list[FieldError] = []
    customer_region = dict(
        session.execute(
            select(Customer.id, Customer.region_id).where(
                Customer.id.in_(sorted(set(ids["customer"].values())))
            )
        ).all()
    )
    site_region = dict(
        session.execute(
            select(Site.id, Site.region_id).where(Site.id.in_(sorted(set(ids["site"].values()))))
        ).all()
    )
    deliveries = {
        d.id: d
        for d in session.scalars(
            select(Delivery).where(Delivery.id.in_(sorted(set(ids["delivery"].values()))))
        )
    }
    holders = {
        delivery_id: (deal_id, reference)
        for delivery_id, deal_id, reference in session.execute(
            select(Deal.delivery_id, Deal.id, Deal.reference).where(
                Deal.delivery_id.in_(sorted(deliveries))
            )
        )
    }
    references = [i.record.reference for i in items]
    stored = {
        reference: (deal_id, stage)
        for part in chunks(references)
        for deal_id, reference, stage in session.execute(
            select(Deal.id, Deal.reference, Deal.stage).where(Deal.reference.in_(part))
        )
    }
    for item in items:
        record: schemas.DealRecord = item.record
        customer_id = ids["customer"][record.customer]
        if (
            record.site is not None
            and site_region[ids["site"][record.site]] != (customer_region[customer_id])
        ):
            message = _("site '{site}' is not in the customer's region").format(site=record.site)
            errors.append(FieldError("site", message, item.row))
        if record.delivery is not None:
            batch = deliveries[ids["delivery"][record.delivery]]
            if (batch.customer_id, batch.model_id, batch.quantity) != (
                customer_id,
                ids["model"][record.model],
                record.quantity,
            ):
                message = _("delivery '{ref}' is for another customer, model or quantity").format(
                    ref=record.delivery
                )
                errors.append(FieldError("delivery", message, item.row))
            holder = holders.get(batch.id)
            own_id = item.target_id  # the deal's row by id: a renamed deal keeps its delivery
            if own_id is None and record.reference in stored:
                own_id = stored[record.reference][0]
            if holder is not None and holder[0] != own_id:
                message = _("delivery '{ref}' belongs to deal '{deal}'").format(
                    ref=record.delivery, deal=holder[1]
                )
                errors.append(FieldError("delivery", message, item.row))
        known = stored.get(record.reference)
        if known is not None and known[1] is not record.stage:
            message = _("stage moves by transitions only (stored: {stage})").format(
                stage=known[1].value
            )
            errors.append(FieldError("stage", message, item.row))
    return errors


_REGION = Reference(field="region", column="region_id", table=Region, key="name", relation="region")

DEALS = KeyedTable(
    name="deals",
    record_type=schemas.DealRecord,
    table=Deal,
    key=("reference",),
    plain=(
        "quantity",
        "value",
        "currency",
        "stage",
        "lost_reason",
        "expected_signing",
        "expected_delivery",
    ),
    references=(
        Reference(
            field="customer", column="customer_id", table=Customer, key="code", relation="customer"
        ),
        Reference(
            field="model", column="model_id", table=ProductModel, key="code", relation="model"
        ),
        Reference(field="site", column="site_id", table=Site, key="name", relation="site"),
        Reference(
            field="delivery",
            column="delivery_id",
            table=Delivery,
            key="reference",
            relation="delivery",
        ),
    ),
    extra_check=lambda session, items, ids: (
        _currencies_quoted(Deal)(session, items, ids) + _deal_rules(session, items, ids)
    ),
    restrict=_deals_in_scope,
    scope_field="customer",
)
TRADE = KeyedTable(
    name="trade",
    record_type=schemas.TradeRecord,
    table=TradeFigure,
    key=("region", "year", "group"),
    plain=("amount", "currency"),
    references=(_REGION,),
    extra_check=_currencies_quoted(TradeFigure),
    restrict=_regions_in_scope,
    scope_field="region",
)
TRADE_TARGETS = KeyedTable(
    name="trade-targets",
    record_type=schemas.TargetRecord,
    table=TradeTarget,
    key=("region", "year"),
    plain=("amount", "currency"),
    references=(_REGION,),
    extra_check=_currencies_quoted(TradeTarget),
    restrict=_regions_in_scope,
    scope_field="region",
)
EXCHANGE_RATES = KeyedTable(
    name="exchange-rates",
    record_type=schemas.RateRecord,
    table=ExchangeRate,
    key=("currency", "day"),
    plain=("per_usd",),
)
COOPERATION_TABLES: tuple[Table[Any], ...] = (DEALS, TRADE, TRADE_TARGETS, EXCHANGE_RATES)
