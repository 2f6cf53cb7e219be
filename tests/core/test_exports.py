"""Exports (``fleetcare export``, ``GET /api/export/{kind}``): the same bytes as ever for
ordinary data, streamed, and safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from io import StringIO
from pathlib import Path
from typing import IO

from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.cli import app
from fleetcare.core.bulk import export_file, import_file
from fleetcare.core.db import transaction
from fleetcare.core.permissions import system
from fleetcare.core.tabular import CHUNK_CHARS, _cell
from fleetcare.demo import build_demo
from fleetcare.exchange.registry import TABLES
from fleetcare.fleet import schemas, service
from fleetcare.fleet.tables import CUSTOMERS, SITES
from tests.fleet.factories import small_fleet


def reference_write_rows(
    records: Iterable[BaseModel], columns: Sequence[str], fmt: str, out: IO[str]
) -> None:
    """The export as written before it was streamed (the whole text at once, no defusing)."""
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for record in records:
            writer.writerow([_cell(getattr(record, column)) for column in columns])
        return
    dumped = [
        json.dumps(r.model_dump(mode="json", include=set(columns)), ensure_ascii=False)
        for r in records
    ]
    out.write("[\n " + ",\n ".join(dumped) + "\n]\n" if dumped else "[]\n")


def test_ordinary_exports_keep_their_bytes(session: Session) -> None:
    """Every table of a small demo, as CSV and JSON, is exported byte for byte as before."""
    build_demo(session, units=60, seed=5, parts_per_family=4)
    session.commit()
    for table in TABLES.values():
        columns = list(table.record_type.model_fields)
        for fmt in ("csv", "json"):
            expected, streamed = StringIO(), StringIO()
            reference_write_rows(table.export(session), columns, fmt, expected)
            export_file(session, table, fmt, streamed)
            assert streamed.getvalue() == expected.getvalue(), (table.name, fmt)


def test_rest_export_is_streamed_in_pieces(session: Session, client: TestClient) -> None:
    """GET /api/export/usage arrives in several pieces that add up to the CLI's export."""
    build_demo(session, units=60, seed=5, parts_per_family=4)
    session.commit()
    whole = StringIO()
    export_file(session, TABLES["usage"], "csv", whole)
    assert len(whole.getvalue()) > CHUNK_CHARS
    with client.stream("GET", "/api/export/usage", params={"format": "csv"}) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "text/csv; charset=utf-8"
        pieces = list(answer.iter_raw())
    assert len(pieces) >= 2
    assert b"".join(pieces) == whole.getvalue().encode()


def test_formula_cells_are_quoted_and_reimport_unchanged(
    session: Session, db: str, data_dir: Path, runner: CliRunner, cli_env: dict[str, str]
) -> None:
    """Names a spreadsheet would run are exported behind a quote; the file re-imports unchanged,
    and a site's negative longitude stays a plain number."""
    small_fleet(session)
    by = system("test")
    service.create(
        session,
        CUSTOMERS,
        by=by,
        record=schemas.CustomerRecord(code="=HYPERLINK(1)", name="@evil", region="Arctic"),
    )
    service.create(
        session,
        SITES,
        by=by,
        record=schemas.SiteRecord(name="-West", region="Baltic", latitude=10.5, longitude=-3.5),
    )
    session.commit()
    customers = runner.invoke(app, ["export", "customers"], env=cli_env)
    sites = runner.invoke(app, ["export", "sites"], env=cli_env)
    assert "'=HYPERLINK(1),'@evil,Arctic" in customers.stdout.splitlines()
    assert "'-West,Baltic,10.5,-3.5," in sites.stdout.splitlines()  # depot empty
    as_json = runner.invoke(app, ["export", "customers", "--format", "json"], env=cli_env)
    assert {"code": "=HYPERLINK(1)", "name": "@evil", "region": "Arctic"} in json.loads(
        as_json.stdout
    )
    for name, text in (("customers", customers.stdout), ("sites", sites.stdout)):
        path = data_dir / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        with transaction(db) as writing:
            result = import_file(writing, TABLES[name], path, actor="test")
        assert (result.created, result.updated) == (0, 0), name
