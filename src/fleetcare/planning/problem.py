"""The ``fleetcare-plan/1`` problem and stock files, checked and frozen into arrays.

Problem file (JSON)::

    {"format": "fleetcare-plan/1",
     "locations": [{"id": "PLANT", "parent": null, "resupply_days": 120},
                   {"id": "HUB", "parent": "PLANT", "resupply_days": 14},
                   {"id": "DEPOT-A", "parent": "HUB", "resupply_days": 3, "units": 150}],
     "parts": [{"id": "P-100", "unit_cost": 850.0, "qty_per_unit": 2, "vmr": 1.0,
                "demand_per_day": {"DEPOT-A": 0.004}, "resupply_days": {"PLANT": 200}}]}

Locations form one tree; ``units`` (machines served) only and always on leaves; demand only at
leaves, in pieces per day; a part's ``resupply_days`` overrides the location's for that part.
Stock file: ``{"P-100": {"DEPOT-A": 2, "HUB": 1}}`` (absent = 0).

Optional fields only the simulation reads (the planner's model ignores them):
``resupply_sd_days`` on a location (the spread of its resupply time, days, default 0);
``emergency_days`` and ``emergency_cost_per_kg`` on a leaf (its emergency lane); ``weight_kg``
and ``grey_price`` (money a piece) on a part.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import orjson
from numpy.typing import NDArray

from fleetcare.planning.entries import FLOATS, INTEGERS, all_entries, flat_entries, within

FORMAT = "fleetcare-plan/1"
# which parts a problem built from the database holds: those some machine is down without
# (critical on its bill of materials), the others, which it runs without, or every fitted part
PartScope = Literal["critical", "not_critical", "all"]
PART_SCOPES: tuple[PartScope, ...] = get_args(PartScope)
DEFAULT_PARTS: PartScope = "critical"
MAX_PIECES = 1_000_000  # stock per part-location a stock file may hold
MAX_PIPELINE = 1_000_000  # pieces in resupply (demand × days) at any location
MAX_UNITS = 1_000_000  # machines a leaf may serve
MAX_QTY_PER_UNIT = 10_000  # pieces of one part fitted per machine (Z)
MAX_DAYS = 36_500.0  # resupply days, their spread, an emergency lane's days (a century)
MAX_MONEY = 1e12  # a piece's unit_cost or grey_price, a lane's money per kg
MAX_WEIGHT_KG = 1e6  # a piece's weight
MAX_VMR = 1_000.0  # demand's variance-to-mean ratio (the database's build caps it at 10)


class ProblemError(Exception):
    """A problem or stock file that breaks the contract; carries every message found."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class PlanningProblem:
    """A checked problem as arrays: locations in tree order (root first), parts by row."""

    location_ids: tuple[str, ...]
    parent: NDArray[np.int64]  # index of the parent location, −1 for the root
    units: NDArray[np.float64]  # machines served at each leaf, 0 elsewhere
    part_ids: tuple[str, ...]
    unit_cost: NDArray[np.float64]  # per piece
    qty_per_unit: NDArray[np.int64]  # Z: pieces fitted per machine
    vmr: NDArray[np.float64]  # variance-to-mean ratio of demand, ≥ 1
    demand: NDArray[np.float64] = field(
        repr=False
    )  # pieces per day, parts × locations (leaves only)
    resupply_days: NDArray[np.float64] = field(repr=False)  # parts × locations
    # read by the simulation only; NaN where the file does not say
    resupply_sd_days: NDArray[np.float64] = field(repr=False)  # per location, 0 = deterministic
    emergency_days: NDArray[np.float64] = field(repr=False)  # per location (leaves)
    emergency_cost_per_kg: NDArray[np.float64] = field(repr=False)  # per location (leaves)
    weight_kg: NDArray[np.float64] = field(repr=False)  # per part
    grey_price: NDArray[np.float64] = field(repr=False)  # per part, money a piece

    @property
    def is_leaf(self) -> NDArray[np.bool_]:
        """True for locations that resupply no other."""
        leaf = np.ones(len(self.location_ids), dtype=bool)
        leaf[self.parent[self.parent >= 0]] = False
        return leaf

    @property
    def throughput(self) -> NDArray[np.float64]:
        """λ: demand per day flowing through each location (its own plus its descendants')."""
        flow = self.demand.copy()
        for j in range(len(self.location_ids) - 1, 0, -1):  # children come after their parents
            flow[:, self.parent[j]] += flow[:, j]
        return flow

    def location_index(self) -> dict[str, int]:
        """Column of each location id."""
        return {loc: j for j, loc in enumerate(self.location_ids)}

    def part_index(self) -> dict[str, int]:
        """Row of each part id."""
        return {part: i for i, part in enumerate(self.part_ids)}


def _number(value: Any) -> bool:
    """A finite JSON number; an integer too large for a float is not one (no OverflowError)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond ~1.8e308
        return False


def _load(path: Path) -> Any:
    """The JSON document in ``path`` (UTF-8), parsed by orjson."""
    try:
        return orjson.loads(path.read_bytes())
    except OSError as exc:
        raise ProblemError([f"cannot read the file: {exc}"]) from None
    except orjson.JSONDecodeError as exc:
        raise ProblemError([f"not JSON: line {exc.lineno}: {exc.msg}"]) from None


def _tree_order(parents: dict[str, str | None], errors: list[str]) -> list[str]:
    roots = [loc for loc, parent in parents.items() if parent is None]
    if len(roots) != 1:
        errors.append(
            f"locations: parent: exactly one root (no parent) is needed, found {len(roots)}"
        )
        return []
    children: dict[str, list[str]] = {}
    for loc, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(loc)
    order = [roots[0]]
    for loc in order:
        order += children.get(loc, [])
    for loc in parents:
        if loc not in order:
            errors.append(f"location {loc}: parent: makes a cycle")
    return order


def parse_problem(data: Any) -> PlanningProblem:
    """Check a problem document and freeze it; ``ProblemError`` lists every problem found."""
    errors: list[str] = []
    if not isinstance(data, dict):
        raise ProblemError(["the file must hold a JSON object"])
    if data.get("format") != FORMAT:
        errors.append(f'format: must be "{FORMAT}"')
    locations = data.get("locations")
    parts = data.get("parts")
    if not isinstance(locations, list) or not locations:
        errors.append("locations: a non-empty list is needed")
        locations = []
    if not isinstance(parts, list) or not parts:
        errors.append("parts: a non-empty list is needed")
        parts = []
    parents: dict[str, str | None] = {}
    days: dict[str, float] = {}
    units: dict[str, float] = {}
    optional: dict[str, dict[str, float]] = {name: {} for name in _LOCATION_OPTIONS}
    for n, loc in enumerate(locations):
        where = (
            f"location {loc.get('id', f'#{n + 1}')}"
            if isinstance(loc, dict)
            else f"location #{n + 1}"
        )
        if not isinstance(loc, dict) or not isinstance(loc.get("id"), str) or not loc["id"]:
            errors.append(f"{where}: id: a text id is needed")
            continue
        if loc["id"] in parents:
            errors.append(f"{where}: id: duplicate")
        parent = loc.get("parent")
        if parent is not None and not isinstance(parent, str):
            errors.append(f"{where}: parent: must be a location id or null")
            parent = None
        parents[loc["id"]] = parent
        if not _number(loc.get("resupply_days")) or not 0 < loc["resupply_days"] <= MAX_DAYS:
            errors.append(
                f"{where}: resupply_days: a number of days > 0 and ≤ {MAX_DAYS:,.0f} is needed"
            )
        else:
            days[loc["id"]] = float(loc["resupply_days"])
        if "units" in loc:
            if not _number(loc["units"]) or not 1 <= loc["units"] <= MAX_UNITS:
                errors.append(
                    f"{where}: units: a number of machines from 1 to {MAX_UNITS:,} is needed"
                )
            else:
                units[loc["id"]] = float(loc["units"])
        for name, (lowest, above, highest) in _LOCATION_OPTIONS.items():
            if name in loc:
                value = loc[name]
                if (
                    not _number(value)
                    or value < lowest
                    or (not above and value == lowest)
                    or value > highest
                ):
                    bound = "≥" if above else ">"
                    errors.append(
                        f"{where}: {name}: a number {bound} {lowest:g} and ≤ {highest:,.0f} "
                        "is needed"
                    )
                else:
                    optional[name][loc["id"]] = float(value)
    for loc, parent in parents.items():
        if parent is not None and parent not in parents:
            errors.append(f"location {loc}: parent: unknown location {parent}")
    order = _tree_order(parents, errors) if not errors else []
    leaves = {loc for loc in parents if loc not in {p for p in parents.values() if p}}
    for loc in parents:
        if loc in units and loc not in leaves:
            errors.append(
                f"location {loc}: units: only leaves (depots serving machines) have units"
            )
        if loc in leaves and loc not in units:
            errors.append(f"location {loc}: units: a leaf needs the number of machines it serves")
        for name in ("emergency_days", "emergency_cost_per_kg"):
            if loc in optional[name] and loc not in leaves:
                errors.append(f"location {loc}: {name}: only leaves have an emergency lane")
    part_maps = [part if isinstance(part, dict) else {} for part in parts]
    rates = flat_entries(
        [part.get("demand_per_day", {}) for part in part_maps], leaves, FLOATS, np.float64
    )
    overrides = flat_entries(
        [part.get("resupply_days", {}) for part in part_maps], parents.keys(), FLOATS, np.float64
    )
    entries_fine = within(rates, 0.0, math.inf) and within(overrides, 0.0, MAX_DAYS, open_low=True)
    part_rows = _parse_parts(parts, set(parents), leaves, errors, entries_checked=entries_fine)
    if errors:
        raise ProblemError(errors)
    if not entries_fine:  # good, though not in bulk (numbers of a subclass, e.g. NumPy's)
        rates = all_entries([part["demand_per_day"] for part in part_rows], np.float64)
        overrides = all_entries([part["resupply_days"] for part in part_rows], np.float64)
    assert rates is not None and overrides is not None
    column = {loc: j for j, loc in enumerate(order)}
    demand = np.zeros((len(part_rows), len(order)))
    demand[rates.rows, rates.columns(column)] = rates.values
    resupply = np.tile(np.array([days[loc] for loc in order]), (len(part_rows), 1))
    resupply[overrides.rows, overrides.columns(column)] = overrides.values
    problem = PlanningProblem(
        location_ids=tuple(order),
        parent=np.array(
            [column[p] if (p := parents[loc]) is not None else -1 for loc in order], dtype=np.int64
        ),
        units=np.array([units.get(loc, 0.0) for loc in order]),
        part_ids=tuple(p["id"] for p in part_rows),
        unit_cost=np.array([p["unit_cost"] for p in part_rows], dtype=np.float64),
        qty_per_unit=np.array([p["qty_per_unit"] for p in part_rows], dtype=np.int64),
        vmr=np.array([p["vmr"] for p in part_rows], dtype=np.float64),
        demand=demand,
        resupply_days=resupply,
        resupply_sd_days=np.array([optional["resupply_sd_days"].get(loc, 0.0) for loc in order]),
        emergency_days=np.array([optional["emergency_days"].get(loc, np.nan) for loc in order]),
        emergency_cost_per_kg=np.array(
            [optional["emergency_cost_per_kg"].get(loc, np.nan) for loc in order]
        ),
        weight_kg=np.array([p["weight_kg"] for p in part_rows], dtype=np.float64),
        grey_price=np.array([p["grey_price"] for p in part_rows], dtype=np.float64),
    )
    pipeline = problem.throughput * problem.resupply_days  # pieces in resupply, nothing stocked
    for i, j in zip(*np.nonzero(pipeline > MAX_PIPELINE), strict=True):
        errors.append(
            f"part {problem.part_ids[i]}: demand_per_day: {pipeline[i, j]:,.0f} pieces in "
            f"resupply at {order[j]}, beyond the {MAX_PIPELINE:,} the planner handles"
        )
    if errors:
        raise ProblemError(errors[:50])
    return problem


# optional location fields: (lowest value, whether the lowest itself is allowed, highest)
_LOCATION_OPTIONS = {
    "resupply_sd_days": (0.0, True, MAX_DAYS),
    "emergency_days": (0.0, False, MAX_DAYS),
    "emergency_cost_per_kg": (0.0, True, MAX_MONEY),
}


def _parse_parts(
    parts: list[Any],
    locations: set[str],
    leaves: set[str],
    errors: list[str],
    *,
    entries_checked: bool = False,
) -> list[dict[str, Any]]:
    """Each part's fields checked; its ``demand_per_day`` and ``resupply_days`` entries one by
    one too, unless ``entries_checked`` (all found good in bulk, ``entries.flat_entries``)."""
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, part in enumerate(parts):
        if not isinstance(part, dict) or not isinstance(part.get("id"), str) or not part["id"]:
            errors.append(f"part #{n + 1}: id: a text id is needed")
            continue
        where = f"part {part['id']}"
        if part["id"] in seen:
            errors.append(f"{where}: id: duplicate")
        seen.add(part["id"])
        cost: Any = part.get("unit_cost")
        qty: Any = part.get("qty_per_unit", 1)
        vmr: Any = part.get("vmr", 1.0)
        if not _number(cost) or not 0 < cost <= MAX_MONEY:
            errors.append(f"{where}: unit_cost: a cost > 0 and ≤ {MAX_MONEY:,.0f} is needed")
        if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= MAX_QTY_PER_UNIT:
            errors.append(
                f"{where}: qty_per_unit: a whole number from 1 to {MAX_QTY_PER_UNIT:,} is needed"
            )
        if not _number(vmr) or vmr < 1:
            errors.append(f"{where}: vmr: must be at least 1")
        elif vmr > MAX_VMR:
            errors.append(f"{where}: vmr: must be at most {MAX_VMR:g}")
        demand = part.get("demand_per_day", {})
        overrides = part.get("resupply_days", {})
        if not isinstance(demand, dict):
            errors.append(f"{where}: demand_per_day: an object of location → rate is needed")
            demand = {}
        if not isinstance(overrides, dict):
            errors.append(f"{where}: resupply_days: an object of location → days is needed")
            overrides = {}
        if not entries_checked:
            errors += _entry_errors(where, demand, overrides, locations, leaves)
        extra = {}
        for name, highest in (("weight_kg", MAX_WEIGHT_KG), ("grey_price", MAX_MONEY)):
            value = part.get(name)
            if value is not None and (not _number(value) or not 0 <= value <= highest):
                errors.append(f"{where}: {name}: a number ≥ 0 and ≤ {highest:,.0f} is needed")
                value = None
            extra[name] = np.nan if value is None else float(value)
        rows.append(
            {
                "id": part["id"],
                "unit_cost": cost,
                "qty_per_unit": qty,
                "vmr": vmr,
                "demand_per_day": demand,
                "resupply_days": overrides,
                **extra,
            }
        )
    return rows


def _entry_errors(
    where: str,
    demand: dict[str, Any],
    overrides: dict[str, Any],
    locations: set[str],
    leaves: set[str],
) -> list[str]:
    """What is wrong with each of a part's ``demand_per_day`` and ``resupply_days`` entries."""
    errors: list[str] = []
    for loc, rate in demand.items():
        if loc not in locations:
            errors.append(f"{where}: demand_per_day: unknown location {loc}")
        elif loc not in leaves:
            errors.append(
                f"{where}: demand_per_day: {loc} is not a leaf; demand arrives at leaves only"
            )
        if not _number(rate) or rate < 0:
            errors.append(f"{where}: demand_per_day: the rate at {loc} must be ≥ 0 pieces per day")
    for loc, value in overrides.items():
        if loc not in locations:
            errors.append(f"{where}: resupply_days: unknown location {loc}")
        if not _number(value) or not 0 < value <= MAX_DAYS:
            errors.append(
                f"{where}: resupply_days: the days at {loc} must be > 0 and ≤ {MAX_DAYS:,.0f}"
            )
    return errors


def read_problem(path: Path) -> PlanningProblem:
    """Read and check a problem file."""
    return parse_problem(_load(path))


def parse_stock(data: Any, problem: PlanningProblem) -> NDArray[np.int64]:
    """A stock document as a parts × locations array of pieces; every problem listed."""
    stock = np.zeros((len(problem.part_ids), len(problem.location_ids)), dtype=np.int64)
    if not isinstance(data, dict):
        raise ProblemError(["the stock file must hold an object of part → {location: pieces}"])
    rows, columns = problem.part_index(), problem.location_index()
    if rows.keys() >= data.keys():
        levels = flat_entries(list(data.values()), columns.keys(), INTEGERS, np.int64)
        if within(levels, 0, MAX_PIECES):
            assert levels is not None
            part_rows = np.fromiter(map(rows.__getitem__, data), np.int64, len(data))
            stock[part_rows[levels.rows], levels.columns(columns)] = levels.values
            return stock
    errors: list[str] = []
    for part, levels in data.items():
        if part not in rows:
            errors.append(f"part {part}: unknown part")
            continue
        if not isinstance(levels, dict):
            errors.append(f"part {part}: an object of location → pieces is needed")
            continue
        for loc, pieces in levels.items():
            if loc not in columns:
                errors.append(f"part {part}: {loc}: unknown location")
            elif (
                not isinstance(pieces, int)
                or isinstance(pieces, bool)
                or not 0 <= pieces <= MAX_PIECES
            ):
                errors.append(
                    f"part {part}: {loc}: a whole number of pieces from 0 to {MAX_PIECES:,} "
                    "is needed"
                )
            else:
                stock[rows[part], columns[loc]] = pieces
    if errors:
        raise ProblemError(errors)
    return stock


def read_stock(path: Path, problem: PlanningProblem) -> NDArray[np.int64]:
    """Read and check a stock file against ``problem``."""
    return parse_stock(_load(path), problem)


def stock_document(stock: NDArray[np.int64], problem: PlanningProblem) -> dict[str, dict[str, int]]:
    """A stock array as the stock file's JSON object (zero levels left out)."""
    rows, columns = np.nonzero(stock > 0)
    pieces = stock[rows, columns].tolist()
    bounds = np.searchsorted(rows, np.arange(stock.shape[0] + 1)).tolist()
    locations = problem.location_ids
    return {
        problem.part_ids[i]: {
            locations[j]: n
            for j, n in zip(
                columns[bounds[i] : bounds[i + 1]].tolist(),
                pieces[bounds[i] : bounds[i + 1]],
                strict=True,
            )
        }
        for i in range(stock.shape[0])
        if bounds[i] < bounds[i + 1]
    }
