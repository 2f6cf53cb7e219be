"""Importing the parts network: self-references within one file, loops refused, counts upserted."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.cli import app
from fleetcare.core.bulk import import_file
from fleetcare.core.db import transaction
from fleetcare.core.errors import InvalidInput
from fleetcare.exchange.registry import TABLES
from fleetcare.parts.models import Location, MoveKind, StockLevel, StockMove
from tests.parts.factories import depot_without_lane, receive, small_network

LOCATIONS = """code,name,kind,latitude,longitude,parent,region
DEPOT-Z,Depot Z,depot,61,30,HUB-Z,
PLANT-Z,Plant Z,plant,56,44,,
HUB-Z,Hub Z,hub,56.2,43.4,PLANT-Z,
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def load(url: str, table: str, path: Path):  # type: ignore[no-untyped-def]
    with transaction(url, write=True) as session:
        return import_file(session, TABLES[table], path, actor="test")


def test_tree_in_any_order_within_one_file(db: str, data_dir: Path) -> None:
    """A child may come before its parent in the file; a re-import changes nothing."""
    first = load(db, "locations", write(data_dir / "locations.csv", LOCATIONS))
    again = load(db, "locations", data_dir / "locations.csv")
    assert (first.created, again.unchanged) == (3, 3)


def test_loops_are_refused(session: Session, db: str, data_dir: Path) -> None:
    """A parent chain that comes back to itself, in the file or with stored rows, is an error."""
    loop = write(
        data_dir / "loop.csv",
        "code,name,kind,latitude,longitude,parent\nA,A,hub,0,0,B\nB,B,hub,0,0,A\n",
    )
    with pytest.raises(InvalidInput) as caught:
        load(db, "locations", loop)
    assert {(e.row, e.field) for e in caught.value.errors} == {(2, "parent"), (3, "parent")}
    small_network(session)
    back = write(
        data_dir / "back.csv",
        "code,name,kind,latitude,longitude,parent\nPLANT,Plant,plant,0,0,DEPOT-A\n",
    )
    with pytest.raises(InvalidInput) as caught:
        load(db, "locations", back)
    assert [str(e) for e in caught.value.errors] == [
        f"{back}:2:parent: parent 'DEPOT-A' makes a loop"
    ]


def test_parts_successors_boms_stock_targets(
    session: Session, db: str, data_dir: Path, runner: CliRunner, cli_env: dict[str, str]
) -> None:
    """Parts naming successors in the same file, BOM lines, counted stock, targets; export."""
    small_network(session)
    parts = write(
        data_dir / "parts.csv",
        "number,name,group,unit_cost,currency,weight_kg,superseded_by\n"
        "Q-1,Old pump,hydraulics,100.50,RUB,4,Q-2\n"
        "Q-2,New pump,hydraulics,120,RUB,4,\n",
    )
    assert load(db, "parts", parts).created == 2
    load(
        db,
        "models",
        write(data_dir / "models.csv", "code,family,name\nFW-14,forestry_forwarder,Forwarder\n"),
    )
    assert (
        load(
            db,
            "boms",
            write(data_dir / "boms.csv", "model,part,quantity,critical\nFW-14,Q-2,2,true\n"),
        ).created
        == 1
    )
    stock = write(data_dir / "stock.csv", "part,location,on_hand\nQ-2,HUB,7\nQ-2,DEPOT-A,2\n")
    assert load(db, "stock", stock).updated == 2
    assert load(db, "stock", stock).unchanged == 2
    assert (
        load(
            db, "targets", write(data_dir / "targets.csv", "part,location,target\nQ-2,DEPOT-A,3\n")
        ).updated
        == 1
    )
    exported = runner.invoke(app, ["export", "stock", "--format", "json"], env=cli_env)
    assert {(r["part"], r["location"], r["on_hand"]) for r in json.loads(exported.stdout)} >= {
        ("Q-2", "HUB", 7),
        ("Q-2", "DEPOT-A", 2),
    }
    exported_parts = runner.invoke(app, ["export", "parts"], env=cli_env).stdout
    assert "Q-1,Old pump,hydraulics,100.50,RUB,4,false,,Q-2" in exported_parts


def test_bad_rows_name_file_row_field(session: Session, db: str, data_dir: Path) -> None:
    """Unknown parts and locations, duplicates, negative counts: every row reported."""
    small_network(session)
    bad = write(
        data_dir / "stock.csv",
        "part,location,on_hand\nNOPE,HUB,1\nP-1,NOWHERE,1\nP-1,HUB,-4\nP-2,HUB,1\nP-2,HUB,2\n",
    )
    with pytest.raises(InvalidInput) as caught:
        load(db, "stock", bad)
    assert {(e.row, e.field) for e in caught.value.errors} == {
        (2, "part"),
        (3, "location"),
        (4, "on_hand"),
        (6, "part"),
    }
    lanes = write(
        data_dir / "lanes.csv",
        "origin,destination,mode,lead_time_days,cost_per_kg\n"
        "HUB,HUB,road,1,1\nHUB,DEPOT-A,teleport,1,1\nHUB,DEPOT-B,road,0,1\n",
    )
    with pytest.raises(InvalidInput) as caught:
        load(db, "lanes", lanes)
    assert {(e.row, e.field) for e in caught.value.errors} == {
        (2, "destination"),
        (3, "mode"),
        (4, "lead_time_days"),
    }


def test_stock_cli(session: Session, runner: CliRunner, cli_env: dict[str, str]) -> None:
    """`stock receive` books a receipt, `verify` proves the ledger; too little stock exits 1."""
    small_network(session)
    received = runner.invoke(app, ["stock", "receive", "P-1", "HUB", "4", "--json"], env=cli_env)
    assert received.exit_code == 0, received.stderr
    assert json.loads(received.stdout) == {
        "part": "P-1",
        "location": "HUB",
        "on_hand": 4,
        "reserved": 0,
        "available": 4,
        "in_transit": 0,
        "target": None,
    }
    shipped = runner.invoke(app, ["stock", "transfer", "P-1", "HUB", "DEPOT-A", "9"], env=cli_env)
    assert shipped.exit_code == 1 and "4 available" in shipped.stderr
    unknown = runner.invoke(app, ["stock", "receive", "NOPE", "HUB", "1"], env=cli_env)
    assert unknown.exit_code == 2 and "unknown part 'NOPE'" in unknown.stderr
    moved = runner.invoke(
        app, ["stock", "transfer", "P-1", "HUB", "DEPOT-A", "3", "--json"], env=cli_env
    )
    transfer_id = json.loads(moved.stdout)["id"]
    assert runner.invoke(app, ["stock", "arrive", str(transfer_id)], env=cli_env).exit_code == 0
    down = runner.invoke(app, ["stock", "move", "adjustment", "P-1", "HUB", "-1"], env=cli_env)
    assert down.exit_code == 0, down.stderr  # a signed QTY, not an option
    grey = ["stock", "move", "grey_purchase", "P-1", "HUB", "1", "--price", "30"]
    assert runner.invoke(app, [*grey, "--currency", "EUR"], env=cli_env).exit_code == 0
    left = session.scalars(select(StockLevel.on_hand).join(Location).where(Location.code == "HUB"))
    assert list(left) == [1]  # 4 − 3 shipped − 1 adjusted + 1 bought
    bought = session.scalars(select(StockMove).where(StockMove.kind == MoveKind.grey_purchase))
    assert [(m.price, m.currency) for m in bought] == [(Decimal("30.00"), "EUR")]
    checked = runner.invoke(app, ["stock", "verify", "--json"], env=cli_env)
    assert checked.exit_code == 0 and json.loads(checked.stdout)["mismatches"] == []


def test_accepting_all_from_the_shell_names_skipped_lines(
    session: Session, runner: CliRunner, cli_env: dict[str, str]
) -> None:
    """`stock proposals --accept` ships what has a lane and names the line it skipped."""
    small_network(session)
    depot_without_lane(session)
    receive(session, "P-1", "HUB", 10)
    accepted = runner.invoke(app, ["stock", "proposals", "--accept", "--json"], env=cli_env)
    assert accepted.exit_code == 0, accepted.stderr
    assert json.loads(accepted.stdout) == []  # the only line, to DEPOT-C, has no lane
    assert "skipped P-1 HUB → DEPOT-C: no lane to ship on" in accepted.stderr
