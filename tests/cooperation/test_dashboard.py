"""The dashboard's figures on a small hand-made database, every one worked out by hand.

Period 2024-01-01 … 2024-01-10 (10 days), in USD. Rates (units per USD): RUB 35 from 2014 and
75 from 2020, EUR 0.9 from 2014 and 0.8 from 2020.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.cli import app
from fleetcare.cooperation import schemas
from fleetcare.cooperation.exports import EXPORTS
from fleetcare.cooperation.figures import trade_figure
from fleetcare.cooperation.models import ProductGroup
from fleetcare.cooperation.tables import TRADE, TRADE_TARGETS
from fleetcare.core.bulk import Item
from fleetcare.core.clock import today
from fleetcare.core.permissions import Role
from fleetcare.fleet.models import ProductFamily, Region, Unit, UnitStatus
from fleetcare.parts.models import ComponentGroup, Location, MoveKind, Part, StockMove
from fleetcare.service.models import (
    Claim,
    ClaimKind,
    Defect,
    DefectStatus,
    Downtime,
    LineOption,
    LineStatus,
    ServiceLevel,
    WorkOrder,
    WorkOrderPart,
    WorkOrderTransition,
)
from fleetcare.service.states import WorkOrderStatus as S
from fleetcare.service.warranty import Decision
from fleetcare.workforce.ladder import Level
from fleetcare.workforce.models import Grant, Technician, TechnicianKind
from tests.cooperation.factories import cooperation_world

PERIOD = {"from": "2024-01-01", "to": "2024-01-10"}


def at(day: int, hour: int = 0) -> datetime:
    """A moment of January 2024."""
    return datetime(2024, 1, day, hour)


def _unit(session: Session, serial: str) -> Unit:
    return session.scalars(select(Unit).where(Unit.serial == serial)).one()


def _defect(session: Session, serial: str, reported: datetime, status: DefectStatus) -> Defect:
    defect = Defect(
        unit_id=_unit(session, serial).id,
        component_group=ComponentGroup.engine,
        symptom="smoke",
        down=True,
        status=status,
        reported_at=reported,
        reported_by="test",
        computed_decision=Decision.covered,
        decision=Decision.covered,
        reasons=[],
    )
    session.add(defect)
    session.flush()
    return defect


def _order(
    session: Session, defect: Defect, status: S, moves: list[tuple[S, datetime]]
) -> WorkOrder:
    order = WorkOrder(
        defect_id=defect.id,
        status=status,
        opened_at=defect.reported_at,
        opened_by="test",
        changed_at=moves[-1][1] if moves else defect.reported_at,
    )
    session.add(order)
    session.flush()
    previous = S.open
    for to, moment in moves:
        session.add(
            WorkOrderTransition(
                work_order_id=order.id,
                from_status=previous,
                to_status=to,
                at=moment,
                recorded_at=moment,
                actor="test",
            )
        )
        previous = to
    return order


def hand_made(session: Session) -> None:
    """The rows whose figures the tests below check."""
    cooperation_world(session)
    arctic = session.scalars(select(Region).where(Region.name == "Arctic")).one()
    session.add(
        ServiceLevel(region_id=arctic.id, customer_id=None, response_hours=4, restore_hours=48)
    )
    session.add(Downtime(unit_id=_unit(session, "BUS-001").id, started_at=at(2), ended_at=at(4)))
    session.add(Downtime(unit_id=_unit(session, "LIFT-001").id, started_at=at(1), ended_at=at(6)))
    _unit(session, "BUS-003").status = UnitStatus.down
    open_defect = _defect(session, "BUS-003", at(5, 10), DefectStatus.open)
    _order(
        session, open_defect, S.in_progress, [(S.scheduled, at(5, 11)), (S.in_progress, at(5, 12))]
    )
    met = _order(
        session,
        _defect(session, "BUS-001", at(2), DefectStatus.resolved),
        S.done,
        [(S.scheduled, at(2, 1)), (S.in_progress, at(2, 2)), (S.done, at(3))],
    )
    breached = _order(
        session,
        _defect(session, "BUS-002", at(5), DefectStatus.resolved),
        S.done,
        [(S.scheduled, at(5, 0)), (S.in_progress, at(5, 1)), (S.done, at(8))],
    )

    def claim(
        order: WorkOrder,
        kind: ClaimKind,
        created: datetime,
        total: str,
        currency: str,
        others: dict[str, str],
    ) -> None:
        session.add(
            Claim(
                kind=kind,
                work_order_id=order.id,
                unit_id=_unit(session, "BUS-001").id,
                created_at=created,
                parts_cost=Decimal(total),
                total=Decimal(total),
                currency=currency,
                other_currencies=others,
                lines=[],
            )
        )

    claim(met, ClaimKind.warranty, at(3), "6200", "RUB", {"EUR": "90"})  # 82.67 + 112.50 USD
    claim(breached, ClaimKind.recovery, at(8), "1000", "USD", {})  # a recovery: not counted
    claim(breached, ClaimKind.warranty, datetime(2023, 12, 31), "500", "USD", {})  # before
    part = session.scalars(select(Part).where(Part.number == "P-1")).one()  # 850 RUB
    depot_a = session.scalars(select(Location).where(Location.code == "DEPOT-A")).one()
    depot_b = session.scalars(select(Location).where(Location.code == "DEPOT-B")).one()
    for location, status, option in (
        (depot_a, LineStatus.issued, None),  # filled
        (depot_a, LineStatus.issued, LineOption.grey),
        (depot_a, LineStatus.waiting, LineOption.wait),
        (depot_a, LineStatus.cancelled, None),  # left out
        (depot_b, LineStatus.issued, None),
    ):
        session.add(
            WorkOrderPart(
                work_order_id=met.id,
                part_id=part.id,
                location_id=location.id,
                quantity=1,
                status=status,
                option=option,
                created_at=at(2, 3),
                created_by="test",
            )
        )
    session.add(
        StockMove(
            at=at(4),
            kind=MoveKind.grey_purchase,
            part_id=part.id,
            location_id=depot_a.id,
            on_hand_delta=2,
            price=Decimal("3500"),
            currency="RUB",
            actor="test",
        )
    )  # 7000 RUB = 93.33 USD
    session.add(
        StockMove(
            at=at(6),
            kind=MoveKind.cannibalisation,
            part_id=part.id,
            location_id=depot_a.id,
            on_hand_delta=1,
            unit_serial="BUS-003",
            actor="test",
        )
    )  # 850 RUB = 11.33 USD
    session.add(
        StockMove(
            at=at(20),
            kind=MoveKind.grey_purchase,
            part_id=part.id,
            location_id=depot_a.id,
            on_hand_delta=1,
            price=Decimal("1"),
            currency="RUB",
            actor="test",
        )
    )  # after the period
    now = today()
    for code, kind, level, since, until in (
        (
            "E1",
            TechnicianKind.engineer,
            Level.certified,
            now - timedelta(days=9),
            now + timedelta(days=9),
        ),
        (
            "L1",
            TechnicianKind.local,
            Level.trainee,
            now - timedelta(days=9),
            now + timedelta(days=9),
        ),
        ("L2", TechnicianKind.local, Level.certified, now - timedelta(days=9), now),  # expired
        ("L3", TechnicianKind.local, Level.trainer, now, now + timedelta(days=1)),
    ):
        technician = Technician(
            code=code,
            name=code,
            kind=kind,
            region_id=arctic.id,
            home_latitude=68.9,
            home_longitude=33.1,
            languages="ru",
        )
        session.add(technician)
        session.flush()
        session.add(
            Grant(
                technician_id=technician.id,
                family=ProductFamily.city_bus,
                level=level,
                granted_on=since,
                expires_on=until,
                granted_by="test",
            )
        )
    session.commit()


def test_arctic_figures(client: TestClient, session: Session) -> None:
    """Every figure of Arctic, as worked out in the comments."""
    hand_made(session)
    board: dict[str, Any] = client.get(
        "/api/dashboard", params={"region": "Arctic", "currency": "USD", **PERIOD}
    ).json()
    assert board["units"] == {"delivered": 3, "in_service": 2, "down": 1, "in_transit": 0}
    # 3 buses × 10 days, BUS-001 down 2 days: 1 − 2/30
    assert board["availability"] == {
        "machine_days": 30.0,
        "down_days": 2.0,
        "availability": 0.933333,
    }
    assert board["service"] == {
        "open_defects": 1,
        "open_work_orders": 1,
        "work_orders_done": 2,
        "sla_measured": 2,
        "sla_met": 1,  # 24 h against 48 h met; 72 h breached
        "sla_compliance": 0.5,
    }
    assert board["warranty_cost"] == {"count": 1, "amount": "195.17", "currency": "USD"}
    assert board["depot_fill_rate"] == {"lines": 3, "filled": 1, "rate": 0.3333}
    assert board["grey_purchases"] == {
        "count": 1,
        "pieces": 2,
        "amount": "93.33",
        "currency": "USD",
    }
    assert board["cannibalisations"] == {
        "count": 1,
        "pieces": 1,
        "amount": "11.33",
        "currency": "USD",
    }
    assert board["technicians"] == {
        "engineers": 1,
        "engineers_certified": 1,
        "locals": 3,
        "locals_certified": 1,
    }
    assert board["deals"]["negotiation"] == {
        "count": 1,
        "quantity": 10,
        "value": "1000000.00",
        "currency": "USD",
    }
    # 7,000,000 RUB at today's rate (75 per USD)
    assert board["deals"]["signed"]["value"] == "93333.33"
    assert board["deals"]["lead"]["count"] == 0
    # 2014: 200 M USD + 3,500 M RUB / 35 = 300 M; 2016: 90 M EUR / 0.9 = 100 M against 190 M
    assert [(t["year"], t["volume"], t["target"]) for t in board["trade"]] == [
        (2014, "300000000.00", "300000000.00"),
        (2016, "100000000.00", "190000000.00"),
    ]
    assert board["trade"][0]["by_group"] == {"food": "100000000.00", "machinery": "200000000.00"}
    assert board["sites"] == [
        {
            "name": "North depot",
            "latitude": 68.9,
            "longitude": 33.1,
            "units": 3,
            "down": 1,
            "open_work_orders": 1,
        }
    ]
    assert [d["code"] for d in board["depots"]] == ["DEPOT-A"]
    assert {(r["currency"], r["day"]) for r in board["rates_used"]} == {
        ("EUR", "2014-01-01"),
        ("EUR", "2020-01-01"),
        ("RUB", "2014-01-01"),
        ("RUB", "2020-01-01"),
    }


def test_all_regions_and_eur(client: TestClient, session: Session) -> None:
    """For all regions: 4 units over 40 machine-days with 7 down; the fill rate adds DEPOT-B's
    filled line (2 of 4); in EUR the Baltic lead's 100,000 EUR stays as it is."""
    hand_made(session)
    board = client.get("/api/dashboard", params={"currency": "EUR", **PERIOD}).json()
    assert board["region"] is None
    assert board["units"]["delivered"] == 4
    assert board["availability"]["availability"] == 0.825
    assert board["depot_fill_rate"] == {"lines": 4, "filled": 2, "rate": 0.5}
    assert board["deals"]["lead"] == {
        "count": 1,
        "quantity": 5,
        "value": "100000.00",
        "currency": "EUR",
    }
    # 2016: 90 M EUR + 5 M USD × 0.9 = 94.5 M EUR
    assert board["trade"][1]["volume"] == "94500000.00"


def rub_before_its_first_rate(session: Session) -> None:
    """Arctic trade figures of 2012 and 2013 in RUB, whose first rate is of 2014."""
    records = [
        schemas.TradeRecord(
            region="Arctic", year=year, group=ProductGroup.food, amount=Decimal(1), currency="RUB"
        )
        for year in (2013, 2012)
    ]
    TRADE.apply(session, [Item(record) for record in records])
    session.commit()


def test_a_missing_rate_leaves_the_amount_out_and_says_so(
    client: TestClient, session: Session
) -> None:
    """Figures of 2012 and 2013 in RUB (first RUB rate 2014) are left out of the trade series
    and listed in ``unconverted`` with the first day that needs a rate — never taken at a
    silent 1.0 — and the other figures answer as before; an unknown reporting currency is 422
    naming it."""
    hand_made(session)
    before = client.get("/api/dashboard", params={"region": "Arctic"}).json()
    assert before["unconverted"] == []
    rub_before_its_first_rate(session)
    answer = client.get("/api/dashboard", params={"region": "Arctic"})
    assert answer.status_code == 200, answer.text
    board = answer.json()
    assert board["unconverted"] == [{"currency": "RUB", "amounts": 2, "first_day": "2012-12-31"}]
    assert not {2012, 2013} & {row["year"] for row in board["trade"]}
    assert board["trade"] == before["trade"] and board["warranty_cost"] == before["warranty_cost"]
    assert "left_out" not in board


def test_an_export_says_what_it_left_out(
    client: TestClient, session: Session, runner: CliRunner, cli_env: dict[str, str], tmp_path: Path
) -> None:
    """The exported tables that left the RUB figures out say so — the API in a header, XLSX on
    a second sheet, the CLI on stderr — and only those: the deals and the summary's money
    lost nothing, and neither did the lists."""
    hand_made(session)
    rub_before_its_first_rate(session)
    said = {
        name: client.get(f"/api/dashboard/tables/{name}", params={"region": "Arctic"}).headers.get(
            "Fleetcare-Unconverted"
        )
        for name in EXPORTS
    }
    flagged = ("trade-series", "trade-converted", "targets-vs-actual")
    assert {name for name, header in said.items() if header} == set(flagged)
    assert {said[name] for name in flagged} == {'RUB;amounts=2;first_day="2012-12-31"'}
    book = load_workbook(
        io.BytesIO(
            client.get(
                "/api/dashboard/tables/trade-series", params={"format": "xlsx", "region": "Arctic"}
            ).content
        )
    )
    assert book.sheetnames == ["trade-series", "unconverted"]
    assert list(book["unconverted"].iter_rows(values_only=True)) == [
        ("currency", "amounts", "first_day"),
        ("RUB", 2, "2012-12-31"),
    ]
    out = tmp_path / "series.csv"
    exported = runner.invoke(
        app, ["cooperation", "export", "trade-series", "--out", str(out)], env=cli_env
    )
    assert exported.exit_code == 0, exported.stderr
    assert "2 amounts in RUB, the first dated 2012-12-31" in exported.stderr
    clean = runner.invoke(
        app, ["cooperation", "export", "deal-stages", "--out", str(out)], env=cli_env
    )
    assert clean.exit_code == 0 and "exchange rate" not in clean.stderr
    board = runner.invoke(app, ["cooperation", "dashboard", "--region", "Arctic"], env=cli_env)
    assert "2 amounts in RUB, the first dated 2012-12-31" in board.stderr
    unknown = client.get("/api/dashboard", params={"currency": "CNY"})
    assert unknown.status_code == 422
    assert "CNY" in unknown.json()["detail"][0]["msg"]


def test_manager_sees_its_regions(client_for: Callable[..., TestClient], session: Session) -> None:
    """A Baltic manager's dashboard covers Baltic only (1 unit, DEPOT-B, no Arctic trade)."""
    hand_made(session)
    baltic = client_for(Role.regional_manager, "balt", regions=("Baltic",))
    board = baltic.get("/api/dashboard", params=PERIOD).json()
    assert board["units"]["delivered"] == 1
    assert [d["code"] for d in board["depots"]] == ["DEPOT-B"]
    assert [t["year"] for t in board["trade"]] == [2016]
    assert board["deals"]["negotiation"]["count"] == 0
    assert date.fromisoformat(board["as_of"]) == today()


def test_period_bounds_every_period_figure(client: TestClient, session: Session) -> None:
    """Over 1–3 January only the first repair counts (done on the 3rd, its claim, its part
    lines, BUS-001's 2 down-days of 9 machine-days); over 5–10 January the second repair, the
    cannibalisation of the 6th, and no down-days; the grey purchase at 4 January 00:00 falls in
    neither (a period ends at the end of its last day); counts of today stay the same."""
    hand_made(session)
    early = client.get(
        "/api/dashboard", params={"region": "Arctic", "from": "2024-01-01", "to": "2024-01-03"}
    ).json()
    late = client.get(
        "/api/dashboard", params={"region": "Arctic", "from": "2024-01-05", "to": "2024-01-10"}
    ).json()
    assert early["period"] == {"from": "2024-01-01", "to": "2024-01-03"}
    assert early["availability"] == {
        "machine_days": 9.0,
        "down_days": 2.0,
        "availability": 0.777778,
    }
    assert late["availability"] == {"machine_days": 18.0, "down_days": 0.0, "availability": 1.0}
    assert (early["service"]["work_orders_done"], early["service"]["sla_met"]) == (1, 1)
    assert (late["service"]["work_orders_done"], late["service"]["sla_met"]) == (1, 0)
    assert early["warranty_cost"]["amount"] == "195.17"
    assert late["warranty_cost"] == {"count": 0, "amount": "0", "currency": "USD"}
    assert early["depot_fill_rate"]["lines"] == 3 and late["depot_fill_rate"]["lines"] == 0
    assert early["grey_purchases"]["count"] == late["grey_purchases"]["count"] == 0
    assert (early["cannibalisations"]["count"], late["cannibalisations"]["count"]) == (0, 1)
    assert early["units"] == late["units"] and early["deals"] == late["deals"]
    assert early["trade"] == late["trade"]


def test_every_work_order_done_in_the_period_counts(client: TestClient, session: Session) -> None:
    """More repairs done in the period than a page holds (500), and later ones: the period's
    are all counted, the later ones not."""
    cooperation_world(session)
    for k in range(507):
        reported = at(2) + timedelta(minutes=k) if k < 502 else datetime(2024, 3, 1)
        defect = _defect(session, "BUS-001", reported, DefectStatus.closed)
        moves = [(S.in_progress, reported + timedelta(minutes=1))]
        _order(session, defect, S.done, [*moves, (S.done, reported + timedelta(hours=1))])
    session.commit()
    january = client.get("/api/dashboard", params={"from": "2024-01-01", "to": "2024-01-10"})
    assert january.json()["service"]["work_orders_done"] == 502


def test_period_must_run_forwards(
    client: TestClient,
    session: Session,
    pages: TestClient,
    runner: CliRunner,
    cli_env: dict[str, str],
) -> None:
    """``from`` after ``to`` is 422 naming ``from`` on the API, a message on the page (422), and
    exit 2 from the CLI; a day the page cannot read is named likewise."""
    hand_made(session)
    backwards = {"from": "2024-01-10", "to": "2024-01-01"}
    answer = client.get("/api/dashboard", params=backwards)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["query", "from"]
    assert "2024-01-10 is after 2024-01-01" in answer.json()["detail"][0]["msg"]
    page = pages.get("/dashboard", params=backwards)
    assert page.status_code == 422 and "2024-01-10 is after 2024-01-01" in page.text
    garbled = pages.get("/dashboard", params={"from": "10/01/2024"})
    assert garbled.status_code == 422 and "is not a day" in garbled.text
    assert pages.get("/dashboard/export/summary", params=backwards).status_code == 422
    refused = runner.invoke(
        app, ["cooperation", "dashboard", "--from", "2024-01-10", "--to", "2024-01-01"], env=cli_env
    )
    assert refused.exit_code == 2 and "is after" in refused.stderr
    for option in ("--to", "--from"):  # before the calendar: named, not a traceback
        early = runner.invoke(app, ["cooperation", "dashboard", option, "0001-01-05"], env=cli_env)
        assert early.exit_code == 2 and option in early.stderr, early.stderr
    shown = runner.invoke(
        app,
        ["cooperation", "dashboard", "--json", "--from", "2024-01-01", "--to", "2024-01-03"],
        env=cli_env,
    )
    assert shown.exit_code == 0, shown.stderr
    assert json.loads(shown.stdout)["period"] == {"from": "2024-01-01", "to": "2024-01-03"}


def test_period_reaches_the_page_and_exports(pages: TestClient, session: Session) -> None:
    """The page keeps the chosen days in its form and passes them to the report and export
    links; the summary export counts the period's claims only."""
    hand_made(session)
    board = pages.get(
        "/dashboard", params={"region": "Arctic", "from": "2024-01-05", "to": "2024-01-10"}
    )
    assert board.status_code == 200
    assert 'name="from" value="2024-01-05"' in board.text
    assert "from=2024-01-05&amp;to=2024-01-10" in board.text
    summary = pages.get(
        "/dashboard/export/summary",
        params={"region": "Arctic", "from": "2024-01-05", "to": "2024-01-10"},
    ).text
    assert "\nwarranty_cost.count,0,\n" in summary
    whole = pages.get(
        "/dashboard/export/summary",
        params={"region": "Arctic", "from": "2024-01-01", "to": "2024-01-10"},
    ).text
    assert "\nwarranty_cost.count,1,\n" in whole


def test_a_year_with_a_target_and_no_figure_has_no_volume(
    client: TestClient, session: Session
) -> None:
    """A target set for a year whose trade is not in yet is not a volume of 0 (the chart would
    plunge to the axis): the volume is null, the page shows a dash, the chart a gap."""
    hand_made(session)
    TRADE_TARGETS.apply(
        session,
        [
            Item(
                schemas.TargetRecord(
                    region="Arctic", year=2017, amount=Decimal("200000000"), currency="USD"
                )
            )
        ],
    )
    session.commit()
    board: dict[str, Any] = client.get(
        "/api/dashboard", params={"region": "Arctic", "currency": "USD", **PERIOD}
    ).json()
    assert board["trade"][-1]["year"] == 2017
    assert (board["trade"][-1]["volume"], board["trade"][-1]["target"]) == (None, "200000000.00")
    volume_line = trade_figure(board["trade"], "USD")["data"][0]
    assert volume_line["y"][-1] is None
