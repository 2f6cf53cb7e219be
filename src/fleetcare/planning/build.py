"""Build a ``fleetcare-plan/1`` problem from the database (the thin layer beside the maths).

- **Locations**: the parts network's tree, limited to the depots of one region (or all) and
  the locations above them; a depot's ``units`` are the machines in service or down at the
  sites it serves (``parts.serving``: the site's own ``depot``, else its region's nearest).
  Depots that serve no machine are left out.
- **Parts**: those fitted (bill of materials) to the models of the machines planned for. A
  part is critical when a line marks it ``critical`` on a model that runs anywhere in the
  network (one rule for every region and the whole network, so that each part is planned by
  one rule everywhere). By default (``parts="critical"``) the problem holds the critical
  parts — a machine is down without them, which is what fleet availability counts — and
  names the others under ``left_out`` with the reason ``"not_critical"``;
  ``parts="not_critical"`` holds those others alone (their targets are sized to a fill rate,
  ``fill_targets``) and names the critical ones ``"critical"``; ``parts="all"`` holds every
  fitted part, as if each downed its machine. A part without a cost cannot be planned (the
  problem file needs a cost > 0): ``"no_cost"``.
- **Resupply days**: the fastest ordinary lane from the parent (its spread as
  ``resupply_sd_days``); at the root, the plant's procurement time (``PROCUREMENT_DAYS``).
- **For the simulation**: a depot's fastest emergency lane in (``emergency_days``,
  ``emergency_cost_per_kg`` when the lane's currency is the parts' one), each part's
  ``weight_kg`` and ``grey_price``.
- **Demand** per part and depot, pieces per day = Σ over models at the depot of
  machines × Z (pieces per machine) × operating hours per day × failures per operating hour.
  Hours per day come from each machine's meter (hours since its warranty start); failures per
  hour from the part's component group (``ANNUAL_REPLACEMENTS`` per piece at
  ``REFERENCE_HOURS`` a year) and the region's climate (``CLIMATE_FACTOR``).

  Where a depot has a demand history (parts issued — cannibalised and grey pieces are booked
  in and then issued, so they count once — in the last
  ``HISTORY_MONTHS`` complete months), that rate is blended with the history's
  intermittent-demand forecast (``forecast.blend``: Syntetos–Boylan classes, Croston / SBA /
  TSB, credibility weight n/(n + 12) for n months of history), and the part's ``vmr`` is the
  history's pooled variance-to-mean ratio (``forecast.dispersion``; 1 without history).

- **Fitted rates** (``fitted``, from the reliability fits the composition root registers with
  ``planning.service.use_rates``): for the machines of a product model × component group ×
  climate class with a fit, the group's failures per day are the coming year's expected
  failures from each machine's current engine hours (``rates.WeibullHazard``), and each failure
  replaces one piece of the group, taken in proportion to the pieces fitted (a part's share:
  its quantity over the group's on the model's bill of materials). Other machines keep the
  engineering rate above. Each part says which it used: ``rate_source`` ``fitted``,
  ``engineering`` or ``mixed``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.clock import utcnow
from fleetcare.core.i18n import _
from fleetcare.fleet.models import ClimateClass, ProductModel, Region, Site, Unit, UnitStatus
from fleetcare.parts.models import (
    BomLine,
    ComponentGroup,
    Lane,
    Location,
    MoveKind,
    Part,
    StockLevel,
    StockMove,
)
from fleetcare.parts.service import serving_depots
from fleetcare.planning.forecast import blend, dispersion
from fleetcare.planning.problem import DEFAULT_PARTS, PartScope, ProblemError
from fleetcare.planning.rates import FittedRates

HISTORY_MONTHS = 24
# A cannibalised or grey piece is booked in (+ on hand) and then leaves by an issue, so the
# issues alone are the demand.
DEMAND_MOVES = (MoveKind.issue,)

PROCUREMENT_DAYS = 90.0
REFERENCE_HOURS = 3000.0  # operating hours a year the annual rates below refer to
DEFAULT_HOURS_PER_DAY = 8.0  # for a machine without meter readings
ANNUAL_REPLACEMENTS: dict[ComponentGroup, float] = {  # per installed piece, at REFERENCE_HOURS
    ComponentGroup.filters: 3.0,
    ComponentGroup.brakes: 0.8,
    ComponentGroup.engine: 0.12,
    ComponentGroup.transmission: 0.08,
    ComponentGroup.hydraulics: 0.25,
    ComponentGroup.electrics: 0.2,
    ComponentGroup.cooling: 0.15,
    ComponentGroup.suspension: 0.3,
    ComponentGroup.body: 0.1,
    ComponentGroup.cab: 0.05,
    ComponentGroup.lifting: 0.2,
    ComponentGroup.other: 0.1,
}
CLIMATE_FACTOR = {ClimateClass.temperate: 1.0, ClimateClass.cold: 1.15, ClimateClass.arctic: 1.35}


def _hours_per_day(unit: Unit, today: datetime) -> float:
    days = (today.date() - unit.warranty_start).days
    if unit.engine_hours is None or days <= 30:
        return DEFAULT_HOURS_PER_DAY
    return min(24.0, unit.engine_hours / days)


def _hours_now(unit: Unit, today: datetime, per_day: float) -> float:
    if unit.engine_hours is not None:
        return unit.engine_hours
    return per_day * max(0, (today.date() - unit.warranty_start).days)


def build_problem(
    session: Session,
    *,
    region: str | None = None,
    today: datetime | None = None,
    rates: FittedRates | None = None,
    parts: PartScope = DEFAULT_PARTS,
) -> dict[str, Any]:
    """The planning problem of one region's depots (or the whole network) as a JSON document,
    as of ``today`` (naive UTC; now when not given), with fitted ``rates`` where given, of the
    ``parts`` in scope (``critical``, ``not_critical`` or ``all``); the parts fitted there that
    it leaves out are listed under ``left_out`` with their reason."""
    # Every query in a fixed order: the same database gives the same document, to the last bit
    # of each summed rate, whatever order the rows happen to be stored in.
    locations = list(session.scalars(select(Location).order_by(Location.code)))
    by_id = {loc.id: loc for loc in locations}
    regions = {r.id: r for r in session.scalars(select(Region))}
    wanted = None if region is None else {r.id for r in regions.values() if r.name == region}
    if today is None:
        today = utcnow()
    if rates is not None and not rates.hazards:
        rates = None  # no fit to use: exactly the engineering rates
    # machines (and their operating hours) per depot, by model
    fleet: dict[int, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    # (engine hours now, hours per day) per depot, by model and the unit's climate
    ages: dict[int, dict[tuple[int, ClimateClass], list[tuple[float, float]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    depot_of_site = serving_depots(session, wanted)
    units = session.execute(
        select(Unit, Site.id, Site.region_id)
        .join(Site)
        .where(Unit.status != UnitStatus.retired)
        .order_by(Unit.serial)
    )
    for unit, site_id, region_id in units:
        depot = depot_of_site.get(site_id)
        if depot is not None and (wanted is None or region_id in wanted):
            per_day = _hours_per_day(unit, today)
            fleet[depot][unit.model_id].append(per_day)
            climate = regions[region_id].climate
            ages[depot][(unit.model_id, climate)].append(
                (_hours_now(unit, today, per_day), per_day)
            )
    keep: set[int] = set()
    for depot in fleet:
        node: int | None = depot
        while node is not None:
            keep.add(node)
            node = by_id[node].parent_id
    lanes: dict[tuple[int, int], Lane] = {}  # the fastest ordinary lane on each route
    emergency: dict[int, Lane] = {}  # the fastest emergency lane into each location
    for lane in session.scalars(select(Lane).order_by(Lane.id)):
        if lane.emergency:
            best = emergency.get(lane.to_id)
            if best is None or lane.lead_time_days < best.lead_time_days:
                emergency[lane.to_id] = lane
            continue
        key = (lane.from_id, lane.to_id)
        if key not in lanes or lane.lead_time_days < lanes[key].lead_time_days:
            lanes[key] = lane
    currencies = set(session.scalars(select(Part.currency).distinct()))
    location_rows = []
    for loc in sorted((by_id[i] for i in keep), key=lambda x: x.code):
        row: dict[str, Any] = {
            "id": loc.code,
            "parent": by_id[loc.parent_id].code if loc.parent_id in keep else None,
        }
        ordinary = lanes.get((loc.parent_id, loc.id)) if loc.parent_id in keep else None
        row["resupply_days"] = (
            (ordinary.lead_time_days if ordinary else 7.0)
            if loc.parent_id in keep
            else PROCUREMENT_DAYS
        )
        if ordinary is not None and ordinary.lead_time_sd_days > 0:
            row["resupply_sd_days"] = ordinary.lead_time_sd_days
        if loc.id in fleet:
            row["units"] = sum(len(hours) for hours in fleet[loc.id].values())
            fast = emergency.get(loc.id)
            if fast is not None:
                row["emergency_days"] = fast.lead_time_days
                if currencies == {fast.currency}:
                    row["emergency_cost_per_kg"] = float(fast.cost_per_kg)
        location_rows.append(row)
    models = {m.id: m for m in session.scalars(select(ProductModel))}
    demand: dict[int, dict[str, float]] = defaultdict(dict)
    planned_models = {model_id for by_model in fleet.values() for model_id in by_model}
    running = set(
        session.scalars(select(Unit.model_id).where(Unit.status != UnitStatus.retired).distinct())
    )
    bom = session.execute(
        select(BomLine.part_id, BomLine.model_id, BomLine.quantity, BomLine.critical)
    )
    fitted: dict[int, list[tuple[int, int]]] = defaultdict(list)
    critical: set[int] = set()  # parts some machine of the network cannot run without
    for part_id, model_id, quantity, is_critical in bom:
        if model_id in models:
            fitted[part_id].append((model_id, quantity))
            if is_critical and model_id in running:
                critical.add(part_id)
    # pieces of each component group fitted on each model (a failure replaces one of them)
    pieces: dict[tuple[int, ComponentGroup], int] = defaultdict(int)
    if rates is not None:
        lines = session.execute(
            select(BomLine.model_id, Part.group, BomLine.quantity).join(
                Part, Part.id == BomLine.part_id
            )
        )
        for model_id, group, quantity in lines:
            pieces[(model_id, group)] += quantity
    known = {p.id: p for p in session.scalars(select(Part).where(Part.id.in_(fitted)))}

    def excluded(part_id: int) -> str | None:
        """Why the scope leaves the part out (None: it is planned)."""
        if parts == "critical" and part_id not in critical:
            return "not_critical"
        if parts == "not_critical" and part_id in critical:
            return "critical"
        return "no_cost" if known[part_id].unit_cost <= 0 else None

    left_out: dict[int, str] = {}  # a part fitted to planned machines → why it is not planned
    for part_id, uses in fitted.items():
        reason = excluded(part_id)
        if reason is not None and any(model_id in planned_models for model_id, _q in uses):
            left_out[part_id] = reason
    parts_by_id = {part_id: part for part_id, part in known.items() if excluded(part_id) is None}
    for part_id in list(fitted):
        if part_id not in parts_by_id:
            del fitted[part_id]
    sources: dict[int, set[str]] = defaultdict(set)
    for part_id, uses in fitted.items():
        per_hour = ANNUAL_REPLACEMENTS[parts_by_id[part_id].group] / REFERENCE_HOURS
        for depot, by_model in fleet.items():
            served = regions.get(by_id[depot].region_id or -1)
            factor = CLIMATE_FACTOR[served.climate] if served else 1.0
            if rates is None:
                rate = (
                    sum(quantity * sum(by_model.get(model_id, [])) for model_id, quantity in uses)
                    * per_hour
                    * factor
                )
                sources[part_id].add("engineering")
            else:
                part = parts_by_id[part_id]
                rate, used = _fitted_rate(
                    rates, part, uses, ages[depot], models, pieces, per_hour * factor
                )
                sources[part_id] |= used
            if rate > 0:
                demand[part_id][by_id[depot].code] = rate
    history, months_of = demand_history(session, set(fleet), today)
    by_part: dict[int, list[NDArray[np.float64]]] = defaultdict(list)
    for (part_id, _code), series in history.items():
        by_part[part_id].append(series)
    vmr = {part_id: dispersion(by_part[part_id]) for part_id in demand}
    if history:
        installed = {
            (part_id, code): rate
            for part_id, rates in demand.items()
            for code, rate in rates.items()
        }
        for pair in installed:  # no demand in a depot's history is evidence too
            if pair[1] in months_of and pair not in history:
                history[pair] = np.zeros(months_of[pair[1]])
        for (part_id, code), rate in blend(installed, history).items():
            if part_id in parts_by_id and rate > 0:
                demand[part_id][code] = rate
    part_rows = [
        {
            "id": parts_by_id[pid].number,
            "unit_cost": float(parts_by_id[pid].unit_cost),
            "qty_per_unit": max(q for _m, q in fitted[pid]),
            "vmr": round(vmr.get(pid, 1.0), 4),
            "rate_source": _source(sources[pid]),
            "demand_per_day": dict(sorted(rates.items())),
            **_simulation_fields(parts_by_id[pid]),
        }
        for pid, rates in sorted(demand.items(), key=lambda item: parts_by_id[item[0]].number)
    ]
    return {
        "format": "fleetcare-plan/1",
        "locations": location_rows,
        "parts": part_rows,
        "left_out": {
            known[pid].number: reason
            for pid, reason in sorted(left_out.items(), key=lambda item: known[item[0]].number)
        },
    }


def _fitted_rate(
    rates: FittedRates,
    part: Part,
    uses: list[tuple[int, int]],
    ages: dict[tuple[int, ClimateClass], list[tuple[float, float]]],
    models: dict[int, ProductModel],
    pieces: dict[tuple[int, ComponentGroup], int],
    engineering_per_hour: float,
) -> tuple[float, set[str]]:
    """Pieces a day of ``part`` at one depot, and the sources used: per model and climate,
    the fitted group failures a day × the part's share of the group's pieces, or the
    engineering rate where the cohort has no fit."""
    rate, used = 0.0, set()
    for model_id, quantity in uses:
        for (unit_model, climate), machines in sorted(ages.items()):
            if unit_model != model_id:
                continue
            hazard = rates.get(models[model_id].code, part.group.value, climate.value)
            if hazard is None:
                rate += quantity * sum(d for _t, d in machines) * engineering_per_hour
                used.add("engineering")
                continue
            share = quantity / max(pieces[(model_id, part.group)], quantity)
            now = [t for t, _d in machines]
            rate += share * hazard.failures_per_day(now, [d for _t, d in machines])
            used.add("fitted")
    return rate, used


def _source(used: set[str]) -> str:
    """``fitted``, ``engineering``, or ``mixed`` when the part's depots and models used both."""
    return used.pop() if len(used) == 1 else ("mixed" if used else "engineering")


def _simulation_fields(part: Part) -> dict[str, float]:
    """The part's ``weight_kg`` and ``grey_price``, where the database knows them (a weight
    of 0 is taken as unknown: it would make emergency freight free)."""
    fields = {"weight_kg": float(part.weight_kg)} if part.weight_kg else {}
    if part.grey_price is not None:
        fields["grey_price"] = float(part.grey_price)
    return fields


def current_stock(session: Session, document: dict[str, Any]) -> dict[str, dict[str, int]]:
    """The stock position (on hand + in transit to it) of the problem's part-locations now,
    as a stock document ``{part: {location: pieces}}`` — the plan the network holds today."""
    parts = {part["id"] for part in document["parts"]}
    return held_stock(session, parts, {location["id"] for location in document["locations"]})


def _levels(
    session: Session,
    value: Any,
    parts: Collection[str],
    codes: Collection[str],
    *,
    zeros: bool = False,
) -> dict[str, dict[str, int]]:
    """``value`` (an expression over ``StockLevel``) of the part numbers ``parts`` at the
    locations ``codes`` as a stock document; part-locations where it is NULL absent, and
    where it is 0 unless ``zeros``."""
    rows = session.execute(
        select(Part.number, Location.code, value)
        .join(Part, Part.id == StockLevel.part_id)
        .join(Location, Location.id == StockLevel.location_id)
        .where(Part.number.in_(parts), Location.code.in_(codes))
    )
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for number, code, pieces in rows:
        if pieces or (zeros and pieces is not None):
            found[number][code] = int(pieces)
    return dict(found)


def held_stock(
    session: Session, parts: Collection[str], codes: Collection[str]
) -> dict[str, dict[str, int]]:
    """``current_stock`` of the part numbers ``parts`` at the locations ``codes``."""
    return _levels(session, StockLevel.on_hand + StockLevel.in_transit, parts, codes)


def parts_currency(session: Session, parts: Collection[str]) -> str:
    """The one currency the part numbers ``parts`` are priced in ("" for none); raises
    ``ProblemError`` when they are priced in more than one (a plan adds their costs as they
    are)."""
    currencies = sorted(set(session.scalars(select(Part.currency).where(Part.number.in_(parts)))))
    if len(currencies) > 1:
        raise ProblemError(
            [
                _(
                    "its parts are priced in {currencies}: a plan adds their costs, so price "
                    "them in one currency"
                ).format(currencies=", ".join(currencies))
            ]
        )
    return currencies[0] if currencies else ""


def held_targets(
    session: Session, parts: Collection[str], codes: Collection[str]
) -> dict[str, dict[str, int]]:
    """The target stock set for the part numbers ``parts`` at the locations ``codes``, as a
    stock document (part-locations without a target absent; a target of 0 kept)."""
    return _levels(session, StockLevel.target, parts, codes, zeros=True)


def _month(moment: datetime) -> int:
    return moment.year * 12 + moment.month - 1


def demand_history(
    session: Session, depots: set[int], today: datetime
) -> tuple[dict[tuple[int, str], NDArray[np.float64]], dict[str, int]]:
    """Monthly demand per (part id, depot code) over the complete months since each depot's
    first demand move (at most ``HISTORY_MONTHS``), oldest month first; and the months of
    history of each depot that has one."""
    last = _month(today) - 1  # the last complete month
    first = last - HISTORY_MONTHS + 1
    since = datetime(first // 12, first % 12 + 1, 1)
    rows = session.execute(
        select(
            StockMove.part_id, StockMove.location_id, StockMove.at, StockMove.on_hand_delta
        ).where(
            StockMove.kind.in_(DEMAND_MOVES),
            StockMove.location_id.in_(depots),
            StockMove.at >= since,
        )
    )
    counts: dict[int, dict[int, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    start: dict[int, int] = {}
    for part_id, location_id, at, delta in rows:
        month = _month(at)
        if month > last:
            continue
        start[location_id] = min(start.get(location_id, month), month)
        by_month = counts[location_id][part_id]
        by_month[month] = by_month.get(month, 0.0) + abs(delta)
    codes = dict(
        session.execute(select(Location.id, Location.code).where(Location.id.in_(start))).all()
    )
    history: dict[tuple[int, str], NDArray[np.float64]] = {}
    for location_id, parts in counts.items():
        months = last - start[location_id] + 1
        for part_id, by_month in parts.items():
            series = np.zeros(months)
            for month, quantity in by_month.items():
                series[month - start[location_id]] = quantity
            history[(part_id, codes[location_id])] = series
    months_of = {
        codes[location_id]: last - first_month + 1 for location_id, first_month in start.items()
    }
    return history, months_of
