"""Exchange rates from the database, as the pure ``money.RateTable`` that converts amounts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.cooperation import schemas
from fleetcare.cooperation.models import ExchangeRate
from fleetcare.cooperation.money import PIVOT, RateTable
from fleetcare.cooperation.tables import EXCHANGE_RATES
from fleetcare.core.errors import FieldError, InvalidQuery
from fleetcare.core.i18n import _
from fleetcare.core.query import entity_page
from fleetcare.core.schemas import Page


def rate_table(session: Session) -> RateTable:
    """Every stored rate (a few hundred rows: months × currencies)."""
    rows = session.execute(select(ExchangeRate.currency, ExchangeRate.day, ExchangeRate.per_usd))
    return RateTable.of((c, d, r) for c, d, r in rows)


def currencies(session: Session) -> list[str]:
    """The currencies a report may be drawn in: USD and every currency with a rate."""
    stored = session.scalars(select(ExchangeRate.currency).distinct()).all()
    return sorted({PIVOT, *stored})


def check_currency(session: Session, currency: str) -> str:
    """``currency`` if amounts can be converted into it, else ``InvalidQuery`` naming it (a
    report's currency is a query parameter)."""
    if currency not in currencies(session):
        message = _("no exchange rates for {currency}; choose one of {known}").format(
            currency=currency, known=", ".join(currencies(session))
        )
        raise InvalidQuery([FieldError("currency", message)])
    return currency


def list_rates(
    session: Session,
    *,
    currency: str | None = None,
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
) -> Page[schemas.RateRecord]:
    """A page of rates by currency and day, newest first."""
    statement = select(ExchangeRate)
    if currency:
        statement = statement.where(ExchangeRate.currency == currency)
    window = entity_page(
        session,
        statement,
        name="rates",
        order=(ExchangeRate.currency, ExchangeRate.day.desc()),
        limit=limit,
        offset=offset,
        cursor=cursor,
    )
    items = [EXCHANGE_RATES.to_record(r) for r in window.rows]
    return Page[schemas.RateRecord](items=items, **window.meta())
