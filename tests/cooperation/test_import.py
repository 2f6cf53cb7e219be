"""Importing deals, trade, targets and rates: every problem as FILE:ROW:FIELD, nothing
written when there is one."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleetcare.cooperation.models import Deal, ExchangeRate, TradeFigure
from fleetcare.cooperation.tables import DEALS, EXCHANGE_RATES, TRADE
from fleetcare.core.bulk import import_file
from fleetcare.core.errors import InvalidInput
from tests.service.factories import service_network


def _errors(session: Session, table: object, path: Path) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        import_file(session, table, path, actor="test")  # type: ignore[arg-type]
    session.rollback()
    return [str(e) for e in caught.value.errors]


def test_deal_import_errors(session: Session, tmp_path: Path) -> None:
    """Unknown customer, a site of another region, a lost deal without reason, a shipped deal
    without delivery: each named by file, row and field; no deal is written."""
    service_network(session)
    path = tmp_path / "deals.csv"
    path.write_text(
        "reference,customer,model,site,quantity,value,currency,stage,lost_reason,delivery\n"
        "OK-1,NORD,CB-12,North depot,2,100,USD,lead,,\n"
        "BAD-1,NOBODY,CB-12,,2,100,USD,lead,,\n"
        "BAD-2,NORD,CB-12,West depot,2,100,USD,lead,,\n"
        "BAD-3,NORD,CB-12,,2,100,USD,lost,,\n"
        "BAD-4,NORD,CB-12,,2,100,dollars,shipped,,\n"
    )
    errors = _errors(session, DEALS, path)
    assert f"{path}:5:lost_reason: a lost deal says why" in errors
    assert any(e.startswith(f"{path}:6:currency:") for e in errors)
    assert any(e.startswith(f"{path}:6:delivery:") for e in errors)
    path.write_text(
        "reference,customer,model,site,quantity,value,currency\n"
        "OK-1,NORD,CB-12,North depot,2,100,USD\n"
        "BAD-1,NOBODY,CB-12,,2,100,USD\n"
        "BAD-2,NORD,CB-12,West depot,2,100,USD\n"
    )
    errors = _errors(session, DEALS, path)
    assert f"{path}:3:customer: unknown customer 'NOBODY'" in errors
    path.write_text(
        "reference,customer,model,site,quantity,value,currency\n"
        "OK-1,NORD,CB-12,North depot,2,100,USD\n"
        "BAD-2,NORD,CB-12,West depot,2,100,USD\n"
    )
    assert _errors(session, DEALS, path) == [
        f"{path}:3:site: site 'West depot' is not in the customer's region"
    ]
    assert session.scalar(select(func.count()).select_from(Deal)) == 0


def test_imported_shipped_deal_names_a_matching_delivery(session: Session, tmp_path: Path) -> None:
    """A delivered deal may name the delivery that carried it, if customer, model and quantity
    agree; a re-import may not change its stage."""
    service_network(session)
    path = tmp_path / "deals.json"
    path.write_text(
        '[{"reference": "H-1", "customer": "NORD", "model": "CB-12", "quantity": 2,'
        ' "value": 5, "currency": "USD", "stage": "delivered", "delivery": "D-1"}]'
    )
    assert _errors(session, DEALS, path) == [
        f"{path}:1:delivery: delivery 'D-1' is for another customer, model or quantity"
    ]
    path.write_text(path.read_text().replace('"quantity": 2', '"quantity": 3'))
    import_file(session, DEALS, path, actor="test")
    session.commit()
    path.write_text(
        path.read_text().replace('"delivered"', '"lead"').replace(', "delivery": "D-1"', "")
    )
    assert _errors(session, DEALS, path) == [
        f"{path}:1:stage: stage moves by transitions only (stored: delivered)"
    ]


def test_trade_and_rate_import_errors(session: Session, tmp_path: Path) -> None:
    """A trade row with an unknown region, a bad group and a negative amount; a USD rate and a
    zero rate: all reported, nothing written."""
    service_network(session)
    trade = tmp_path / "trade.csv"
    trade.write_text(
        "region,year,group,amount,currency\n"
        "Arctic,2014,machinery,100,USD\n"
        "Atlantis,2014,machinery,100,USD\n"
        "Arctic,2015,weapons,-5,USD\n"
    )
    errors = _errors(session, TRADE, trade)
    assert any(e.startswith(f"{trade}:4:group:") for e in errors)
    assert any(e.startswith(f"{trade}:4:amount:") for e in errors)
    rates = tmp_path / "rates.csv"
    rates.write_text(
        "currency,day,per_usd\nUSD,2020-01-01,1\nRUB,2020-01-01,0\nEUR,2020-01-01,0.9\n"
    )
    errors = _errors(session, EXCHANGE_RATES, rates)
    assert f"{rates}:2:currency: USD is 1 per USD by definition; it takes no rate" in errors
    assert any(e.startswith(f"{rates}:3:per_usd:") for e in errors)
    assert session.scalar(select(func.count()).select_from(TradeFigure)) == 0
    assert session.scalar(select(func.count()).select_from(ExchangeRate)) == 0
