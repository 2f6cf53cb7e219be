"""The ``fleetcare-dispatch/1`` problem document, checked and frozen.

::

    {"format": "fleetcare-dispatch/1", "date": "2026-12-07", "speed_kmh": 60, "road_factor": 1.3,
     "technicians": [{"id": "T1", "home": [68.97, 33.08], "shift": ["08:00", "18:00"],
                      "certified": ["city_bus"], "trainee": ["forestry_forwarder"]}],
     "jobs": [{"id": "WO-17", "at": [68.95, 33.10], "window": ["09:00", "12:00"],
               "minutes": 90, "family": "city_bus"}]}

``home`` and ``at`` are [latitude, longitude] in degrees. Times are "HH:MM" on ``date``
("24:00" is the day's end); a shift is when a technician leaves home and must be back, a
``window`` the interval in which the job may *start*. ``certified`` lists the families a
technician may work on alone (certified or trainer), ``trainee`` those they may only work on
beside a certified colleague. A family no one holds is allowed: its jobs are unservable.
Every time is kept in integer seconds after midnight.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.i18n import _

FORMAT = "fleetcare-dispatch/1"
MAX_JOBS = 2_000  # jobs one problem may hold
MAX_TECHNICIANS = 500  # technicians one problem may hold
MAX_ID = 100  # characters of an id or a family
MAX_FAMILIES = 100  # families one technician may list
DAY_SECONDS = 86_400
DEFAULT_SPEED_KMH = 60.0
DEFAULT_ROAD_FACTOR = 1.3
_TIME = re.compile(r"^(\d{2}):(\d{2})$")


@dataclass(frozen=True)
class Technician:
    """One technician: home (degrees), shift (seconds after midnight), families."""

    id: str
    lat: float
    lon: float
    shift: tuple[int, int]
    certified: frozenset[str]
    trainee: frozenset[str]


@dataclass(frozen=True)
class Job:
    """One job: where (degrees), the window its start must fall in (seconds), its length."""

    id: str
    lat: float
    lon: float
    window: tuple[int, int]
    seconds: int
    family: str


@dataclass(frozen=True)
class DispatchProblem:
    """A checked problem: the day, the road model, the technicians and the jobs in input order."""

    date: dt.date
    speed_kmh: float
    road_factor: float
    technicians: tuple[Technician, ...]
    jobs: tuple[Job, ...]


def _number(value: Any) -> bool:
    """A finite JSON number (not a bool)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def clock(value: Any) -> int | None:
    """Seconds after midnight of an "HH:MM" text (00:00 to 24:00), or None."""
    match = _TIME.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes):
        return None
    return hours * 3600 + minutes * 60


class _Checker:
    """Collects every problem found, each naming its field path (``jobs[3].window``)."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def fail(self, field: str, message: str) -> None:
        self.errors.append(FieldError(field, message))

    def text_id(self, value: Any, field: str) -> str | None:
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID:
            self.fail(field, _("a text of 1 to {n} characters is needed").format(n=MAX_ID))
            return None
        return value

    def point(self, value: Any, field: str) -> tuple[float, float] | None:
        if not isinstance(value, list) or len(value) != 2:
            self.fail(field, _("[latitude, longitude] in degrees is needed"))
            return None
        lat, lon = value
        if not _number(lat) or not -90 <= lat <= 90:
            self.fail(f"{field}[0]", _("a latitude from -90 to 90 degrees is needed"))
            return None
        if not _number(lon) or not -180 <= lon <= 180:
            self.fail(f"{field}[1]", _("a longitude from -180 to 180 degrees is needed"))
            return None
        return float(lat), float(lon)

    def interval(self, value: Any, field: str, *, strict: bool) -> tuple[int, int] | None:
        if not isinstance(value, list) or len(value) != 2:
            self.fail(field, _('["HH:MM", "HH:MM"] is needed'))
            return None
        start, end = clock(value[0]), clock(value[1])
        if start is None or end is None:
            self.fail(field, _('times are "HH:MM" from 00:00 to 24:00'))
            return None
        if end < start or (strict and end == start):
            self.fail(field, _("it ends before it starts"))
            return None
        return start, end

    def families(self, value: Any, field: str) -> frozenset[str]:
        if value is None:
            return frozenset()
        if not isinstance(value, list) or len(value) > MAX_FAMILIES:
            self.fail(field, _("a list of at most {n} families is needed").format(n=MAX_FAMILIES))
            return frozenset()
        names = [self.text_id(item, f"{field}[{n}]") for n, item in enumerate(value)]
        return frozenset(name for name in names if name is not None)

    def positive(self, data: dict[str, Any], key: str, default: float, high: float) -> float:
        value = data.get(key, default)
        if not _number(value) or not 0 < value <= high:
            self.fail(key, _("a number > 0 and ≤ {high:g} is needed").format(high=high))
            return default
        return float(value)


def _technician(check: _Checker, raw: Any, field: str) -> Technician | None:
    if not isinstance(raw, dict):
        check.fail(field, _("an object is needed"))
        return None
    found = (
        check.text_id(raw.get("id"), f"{field}.id"),
        check.point(raw.get("home"), f"{field}.home"),
        check.interval(raw.get("shift"), f"{field}.shift", strict=True),
    )
    certified = check.families(raw.get("certified"), f"{field}.certified")
    trainee = check.families(raw.get("trainee"), f"{field}.trainee")
    tech_id, home, shift = found
    if tech_id is None or home is None or shift is None:
        return None
    return Technician(tech_id, home[0], home[1], shift, certified, trainee - certified)


def _job(check: _Checker, raw: Any, field: str) -> Job | None:
    if not isinstance(raw, dict):
        check.fail(field, _("an object is needed"))
        return None
    job_id = check.text_id(raw.get("id"), f"{field}.id")
    at = check.point(raw.get("at"), f"{field}.at")
    window = check.interval(raw.get("window"), f"{field}.window", strict=False)
    family = check.text_id(raw.get("family"), f"{field}.family")
    raw_minutes: Any = raw.get("minutes")
    minutes: float | None = None
    if _number(raw_minutes) and 0 < raw_minutes <= DAY_SECONDS / 60:
        minutes = float(raw_minutes)
    else:
        check.fail(f"{field}.minutes", _("a number of minutes > 0 and ≤ 1440 is needed"))
    if job_id is None or at is None or window is None or family is None or minutes is None:
        return None
    return Job(job_id, at[0], at[1], window, max(1, round(minutes * 60)), family)


def _items(check: _Checker, data: dict[str, Any], key: str, limit: int) -> list[Any]:
    items = data.get(key)
    if not isinstance(items, list):
        check.fail(key, _("a list is needed"))
        return []
    if len(items) > limit:
        check.fail(
            key,
            _("at most {limit:,} are allowed in one problem, found {n:,}").format(
                limit=limit, n=len(items)
            ),
        )
        return []
    return items


def _unique(check: _Checker, ids: list[str | None], key: str) -> None:
    seen: set[str] = set()
    for n, item in enumerate(ids):
        if item is not None and item in seen:
            check.fail(f"{key}[{n}].id", _("duplicate id {id}").format(id=item))
        if item is not None:
            seen.add(item)


def parse_problem(data: Any) -> DispatchProblem:
    """Check a problem document and freeze it; ``InvalidInput`` names every bad field."""
    check = _Checker()
    if not isinstance(data, dict):
        raise InvalidInput([FieldError("-", _("a JSON object is needed"))])
    if data.get("format") != FORMAT:
        check.fail("format", _('must be "{format}"').format(format=FORMAT))
    date: dt.date | None = None
    try:
        date = dt.date.fromisoformat(data.get("date"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        check.fail("date", _("a date YYYY-MM-DD is needed"))
    speed = check.positive(data, "speed_kmh", DEFAULT_SPEED_KMH, 1_000.0)
    factor = check.positive(data, "road_factor", DEFAULT_ROAD_FACTOR, 10.0)
    if factor < 1:
        check.fail("road_factor", _("a road is never shorter than the straight line: ≥ 1"))
    raw_technicians = _items(check, data, "technicians", MAX_TECHNICIANS)
    raw_jobs = _items(check, data, "jobs", MAX_JOBS)
    technicians = [
        _technician(check, raw, f"technicians[{n}]") for n, raw in enumerate(raw_technicians)
    ]
    jobs = [_job(check, raw, f"jobs[{n}]") for n, raw in enumerate(raw_jobs)]
    _unique(check, [t.id if t else None for t in technicians], "technicians")
    _unique(check, [j.id if j else None for j in jobs], "jobs")
    if check.errors or date is None:
        raise InvalidInput(check.errors)
    return DispatchProblem(
        date,
        speed,
        factor,
        tuple(t for t in technicians if t is not None),
        tuple(j for j in jobs if j is not None),
    )
