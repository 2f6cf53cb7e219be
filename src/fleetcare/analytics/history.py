"""The service history as arrays for the reliability maths: units, their meter readings and
their failures (the thin layer between the database and ``cohorts`` / ``monitor``).

- A **unit** carries its product model, its site's region and that region's climate class,
  and its engine hours now (its latest reading; 0 without one).
- A **failure** is a defect on a component group that was not closed as "no fault found"
  (status ``closed``); open and resolved defects count, except a cannibalisation donor's (the
  parts taken from it, ``WorkOrderPart.donor_defect``: it did not fail). Its age is the
  engine hours given with the report, else the unit's hours at the report's moment,
  interpolated linearly between its meter readings (from 0 h at its warranty start; after its
  latest reading, that reading's hours — a unit is never older at a failure than the age it is
  censored at).
- Times are days since 1970-01-01 (naive UTC), as floats.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.analytics.cohorts import FleetHistory, day_number
from fleetcare.fleet.models import ProductModel, Region, Site, Unit, UsageReading
from fleetcare.service.models import Defect, DefectStatus, WorkOrderPart


def load_history(session: Session) -> FleetHistory:
    """Every unit, reading and failure, in a fixed order (by serial, then time)."""
    units = session.execute(
        select(
            Unit.id,
            ProductModel.code,
            Region.name,
            Region.id,
            Region.climate,
            Unit.engine_hours,
            Unit.warranty_start,
        )
        .join(ProductModel, Unit.model_id == ProductModel.id)
        .join(Site, Unit.site_id == Site.id)
        .join(Region, Site.region_id == Region.id)
        .order_by(Unit.serial)
    ).all()
    index = {row[0]: i for i, row in enumerate(units)}
    readings: dict[int, list[tuple[float, float]]] = defaultdict(list)
    rows = session.execute(
        select(UsageReading.unit_id, UsageReading.taken_at, UsageReading.engine_hours)
        .where(UsageReading.engine_hours.is_not(None))
        .order_by(UsageReading.unit_id, UsageReading.taken_at)
    )
    for unit_id, taken_at, hours in rows:
        readings[unit_id].append((day_number(taken_at), float(hours or 0.0)))
    days: list[float] = []
    hours_list: list[float] = []
    indptr = [0]
    for unit_id, *_rest, start in units:
        points = readings.get(unit_id, [])
        if not points or points[0][0] > day_number(start):
            points = [(day_number(start), 0.0), *points]
        kept = points[:1]
        for day, hours in points[1:]:
            if day > kept[-1][0] and hours >= kept[-1][1]:
                kept.append((day, hours))
        points = kept
        days += [p[0] for p in points]
        hours_list += [p[1] for p in points]
        indptr.append(len(days))
    history = FleetHistory(
        models=[row[1] for row in units],
        regions=[row[2] for row in units],
        region_ids=np.array([row[3] for row in units], dtype=np.int64),
        climates=[row[4].value for row in units],
        hours_now=np.array([float(row[5] or 0.0) for row in units]),
        reading_days=np.array(days),
        reading_hours=np.array(hours_list),
        indptr=np.array(indptr, dtype=np.int64),
        failure_unit=np.zeros(0, dtype=np.int64),
        failure_group=[],
        failure_day=np.zeros(0),
        failure_hours=np.zeros(0),
    )
    return _with_failures(session, history, index)


def _with_failures(session: Session, history: FleetHistory, index: dict[int, int]) -> FleetHistory:
    # a donor's defect records the parts a cannibalisation took from it, not a failure
    donors = select(WorkOrderPart.donor_defect_id).where(WorkOrderPart.donor_defect_id.is_not(None))
    defects = session.execute(
        select(Defect.unit_id, Defect.component_group, Defect.reported_at, Defect.hours)
        .where(Defect.status != DefectStatus.closed, Defect.id.not_in(donors))
        .order_by(Defect.unit_id, Defect.reported_at, Defect.id)
    ).all()
    units = np.array([index[row[0]] for row in defects], dtype=np.int64)
    days = np.array([day_number(row[2]) for row in defects])
    hours = np.array([np.nan if row[3] is None else float(row[3]) for row in defects])
    for unit in np.unique(units):
        rows = np.flatnonzero((units == unit) & np.isnan(hours))
        if rows.size:
            hours[rows] = history.hours_at(int(unit), days[rows])
    hours = np.minimum(hours, history.hours_now[units]) if units.size else hours
    return replace(
        history,
        failure_unit=units,
        failure_group=[row[1].value for row in defects],
        failure_day=days,
        failure_hours=hours,
    )
