"""Benchmark: import 100,000 usage readings with full validation (goal < 10 s).

Builds the demo's master data (2,000 units) without readings, writes a CSV of 50 monthly
readings per unit, and times ``fleetcare import usage`` (every row checked, then one
transaction), the same file again (a no-op upsert), and a baseline measured in the same run:
the same rows parsed with ``csv`` and inserted with one Core ``executemany``, unchecked.

    .venv/bin/python benchmarks/import_usage.py [--database-url URL] [--readings-per-unit 50]
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import delete, insert, select, update

from fleetcare.core.bulk import import_file
from fleetcare.core.db import transaction
from fleetcare.core.migrate import upgrade
from fleetcare.demo import build_demo
from fleetcare.exchange.registry import TABLES
from fleetcare.fleet.models import Unit, UsageReading

GOAL_SECONDS = 10.0


def reset(url: str) -> None:
    """No readings, no cached meters."""
    with transaction(url, write=True) as session:
        session.execute(delete(UsageReading))
        session.execute(update(Unit).values(engine_hours=None, km=None, last_reading_at=None))


def write_csv(url: str, path: Path, per_unit: int) -> int:
    """``per_unit`` monthly readings of every unit, increasing; returns the row count."""
    with transaction(url) as session:
        serials = list(session.scalars(select(Unit.serial).order_by(Unit.serial)))
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["serial", "taken_at", "engine_hours", "km"])
        for n, serial in enumerate(serials):
            for month in range(per_unit):
                taken = date(2020 + month // 12, month % 12 + 1, 1 + n % 28)
                out.writerow([serial, taken.isoformat(), 300 * (month + 1), 5000 * (month + 1)])
                rows += 1
    return rows


def baseline(url: str, path: Path) -> float:
    """Seconds to parse the file and insert it unchecked with one Core executemany."""
    reset(url)
    start = time.perf_counter()
    with transaction(url, write=True) as session:
        ids = dict(session.execute(select(Unit.serial, Unit.id)).all())
        with path.open(encoding="utf-8") as handle:
            rows = [
                {
                    "unit_id": ids[r["serial"]],
                    "taken_at": date.fromisoformat(r["taken_at"]),
                    "engine_hours": float(r["engine_hours"]),
                    "km": float(r["km"]),
                }
                for r in csv.DictReader(handle)
            ]
        session.execute(insert(UsageReading), rows)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary folder")
    parser.add_argument("--readings-per-unit", type=int, default=50)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="fleetcare-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    with transaction(url, write=True) as session:
        build_demo(session, units=2000, seed=7, parts_per_family=9)
    reset(url)
    path = folder / "usage.csv"
    rows = write_csv(url, path, args.readings_per_unit)

    start = time.perf_counter()
    with transaction(url, write=True) as session:
        result = import_file(session, TABLES["usage"], path, actor="benchmark")
    checked = time.perf_counter() - start
    assert result.created == rows, result
    start = time.perf_counter()
    with transaction(url, write=True) as session:
        again = import_file(session, TABLES["usage"], path, actor="benchmark")
    no_op = time.perf_counter() - start
    assert again.unchanged == rows, again
    raw = baseline(url, path)

    print(f"command: {' '.join(sys.argv)}")
    print(f"database: {url.split('://')[0]}")
    print(
        f"import {rows:,} readings, every row checked: {checked:.2f} s "
        f"({rows / checked:,.0f} rows/s); "
        f"goal < {GOAL_SECONDS:.0f} s: {'met' if checked < GOAL_SECONDS else 'MISSED'}"
    )
    print(f"same file again (no-op upsert): {no_op:.2f} s")
    print(
        f"baseline, unchecked csv + executemany: {raw:.2f} s; "
        f"checked import / baseline = {checked / raw:.1f}x"
    )


if __name__ == "__main__":
    main()
