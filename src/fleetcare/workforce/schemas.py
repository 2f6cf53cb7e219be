"""Pydantic shapes of the workforce: the importable tables' records, request bodies, answers
and the ``fleetcare-dispatch/1`` plan that publishing accepts. Records name related rows by
natural key (technician and course codes, region name, customer code)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints, ValidationInfo, field_validator

from fleetcare.accounts.schemas import Username
from fleetcare.core.i18n import _
from fleetcare.core.schemas import (
    TEXT_PATTERN,
    CalendarDay,
    Code,
    LongName,
    Name,
    PathCode,
    StrictModel,
)
from fleetcare.fleet.models import ProductFamily
from fleetcare.workforce.ladder import Level
from fleetcare.workforce.models import CourseKind, Result, TechnicianKind
from fleetcare.workforce.shifts import SHIFT_PATTERN, parse_shift

ShiftText = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=SHIFT_PATTERN, max_length=11)
]
Languages = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=100, pattern=TEXT_PATTERN)
]
RowRef = Annotated[int, Field(ge=1, le=2_147_483_647)]
_SHIFT = Field(default=None, description='"HH:MM-HH:MM"; blank: off that weekday')


def _check_shift(value: str | None) -> str | None:
    if value is not None:
        parse_shift(value)  # ValueError: the shift ends before it starts
    return value


# --- technicians -----------------------------------------------------------------------------
class TechnicianRecord(StrictModel):
    code: PathCode
    name: Name
    kind: TechnicianKind
    employer: Code | None = Field(default=None, description="a local's employer (customer code)")
    region: Name
    home_latitude: float = Field(ge=-90, le=90, description="degrees north")
    home_longitude: float = Field(ge=-180, le=180, description="degrees east")
    languages: Languages = Field(default="", description='space-separated, e.g. "ru en"')
    mon: ShiftText | None = _SHIFT
    tue: ShiftText | None = _SHIFT
    wed: ShiftText | None = _SHIFT
    thu: ShiftText | None = _SHIFT
    fri: ShiftText | None = _SHIFT
    sat: ShiftText | None = _SHIFT
    sun: ShiftText | None = _SHIFT
    account: Username | None = Field(
        default=None, description="the username it signs in with (linked by an administrator)"
    )

    _shifts = field_validator("mon", "tue", "wed", "thu", "fri", "sat", "sun")(_check_shift)

    @field_validator("employer")
    @classmethod
    def _engineers_have_no_employer(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("kind") is TechnicianKind.engineer:
            raise ValueError(_("an engineer is the maker's own: it has no employer"))
        return value


class TechnicianUpdate(StrictModel):
    name: Name | None = None
    kind: TechnicianKind | None = None
    employer: Code | None = None
    region: Name | None = None
    home_latitude: float | None = Field(default=None, ge=-90, le=90)
    home_longitude: float | None = Field(default=None, ge=-180, le=180)
    languages: Languages | None = None
    mon: ShiftText | None = None
    tue: ShiftText | None = None
    wed: ShiftText | None = None
    thu: ShiftText | None = None
    fri: ShiftText | None = None
    sat: ShiftText | None = None
    sun: ShiftText | None = None
    account: Username | None = None


class TechnicianRead(TechnicianRecord):
    id: int
    # a read reports what is stored, even a value written before today's checks
    code: str


class DayOffRecord(StrictModel):
    technician: Code
    day: date


class DayOffCreate(StrictModel):
    day: date


# --- courses and sessions --------------------------------------------------------------------
class CourseRecord(StrictModel):
    code: Code
    name: LongName
    family: ProductFamily
    kind: CourseKind


class CourseRead(CourseRecord):
    id: int


class SessionRecord(StrictModel):
    code: PathCode
    course: Code
    starts_on: date
    ends_on: date
    region: Name
    place: LongName
    trainer: Code = Field(description="holds a valid trainer grant for the course's family")

    @field_validator("ends_on")
    @classmethod
    def _ends_after_start(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("starts_on")
        if start is not None and value < start:
            raise ValueError(_("the session ends before it starts"))
        return value


class AttendanceRecord(StrictModel):
    session: Code
    technician: Code
    result: Result = Result.enrolled


class AttendeeRead(BaseModel):
    technician: str
    name: str
    result: Result


class SessionRead(SessionRecord):
    id: int
    # a read reports what is stored, even a value written before today's checks
    code: str
    family: ProductFamily
    kind: CourseKind
    course_name: str
    attendees: list[AttendeeRead]


class AttendeeSet(StrictModel):
    technician: Code
    result: Result = Result.enrolled


# --- grants ----------------------------------------------------------------------------------
class GrantRecord(StrictModel):
    """A grant as the exchange imports it: the maker's own records, not checked against the
    ladder (see docs/workforce.md)."""

    technician: Code
    family: ProductFamily
    level: Level
    granted_on: date
    expires_on: date
    granted_by: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=80, pattern=TEXT_PATTERN),
    ]

    @field_validator("expires_on")
    @classmethod
    def _expires_after_grant(cls, value: date, info: ValidationInfo) -> date:
        granted = info.data.get("granted_on")
        if granted is not None and value <= granted:
            raise ValueError(_("the grant expires before (or on the day) it is granted"))
        return value


class GrantCreate(StrictModel):
    family: ProductFamily
    level: Level
    granted_on: date | None = Field(default=None, description="default: today")
    expires_on: date
    trainer: Code | None = Field(
        default=None,
        description="the trainer granting it (a valid trainer for the family on granted_on); "
        "required for certified and trainer",
    )


class GrantRead(BaseModel):
    id: int
    family: ProductFamily
    level: Level
    granted_on: date
    expires_on: date
    granted_by: str
    valid_today: bool


class FamilyStatus(BaseModel):
    family: ProductFamily
    level: Level | None
    supervised_jobs: int
    needed_jobs: int
    practical_passed: bool
    eligible: bool
    missing: list[str]


class LadderRead(BaseModel):
    technician: str
    on: date
    may_do: dict[str, Level]
    families: list[FamilyStatus]
    falling_due: list[GrantRead]
    grants: list[GrantRead]


# --- assignments -----------------------------------------------------------------------------
class AssignmentCreate(StrictModel):
    technician: Code
    work_order: RowRef
    start: datetime
    end: datetime


class Countersign(StrictModel):
    by: Code = Field(description="the crew's certified member who countersigns")


class AssignmentRead(BaseModel):
    id: int
    technician: str
    work_order: int
    family: ProductFamily
    level: Level
    start: datetime
    end: datetime
    created_by: str
    countersigned_by: str | None
    countersigned_at: datetime | None


# --- dispatch documents ----------------------------------------------------------------------
class PlanStop(BaseModel):
    job: Annotated[str, StringConstraints(max_length=40)]
    arrive: Annotated[str, StringConstraints(max_length=5)] | None = None
    start: Annotated[str, StringConstraints(max_length=5)]
    end: Annotated[str, StringConstraints(max_length=5)]


class PlanRoute(BaseModel):
    crew: list[Annotated[str, StringConstraints(max_length=40)]] = Field(
        min_length=1, max_length=10
    )
    stops: list[PlanStop] = Field(max_length=200)
    travel_minutes: float | None = None


class PlanDocument(BaseModel):
    """The solver's output as publishing reads it (``unassigned`` is kept, not used)."""

    routes: list[PlanRoute] = Field(max_length=1000)
    unassigned: list[dict[str, Any]] = Field(default_factory=list, max_length=10_000)
    travel_minutes: float | None = None


class PublishBody(StrictModel):
    date: CalendarDay
    plan: PlanDocument


class Published(BaseModel):
    date: date
    assignments: list[AssignmentRead]
    work_orders: list[int]


# --- a technician's own work -----------------------------------------------------------------
class MyAssignment(BaseModel):
    """One of the reader's assignments, with what it is for (``unit``, ``site`` and
    ``symptom`` None when the reader may not see the unit)."""

    id: int
    work_order: int
    status: str = Field(description="the work order's status")
    unit: str | None
    site: str | None
    symptom: str | None
    family: ProductFamily
    level: Level
    start: datetime
    end: datetime
    crew: list[str] = Field(description="the others assigned to the work order that day")
    countersigned_by: str | None


class MyDay(BaseModel):
    day: date
    shift: str | None = Field(description='"HH:MM-HH:MM"; None: not working (off or no shift)')
    off: bool = Field(description="a day off")
    assignments: list[MyAssignment]


class MyWork(BaseModel):
    """The reader's technician record and its days, each with its shift and assignments."""

    technician: TechnicianRead
    days: list[MyDay]
