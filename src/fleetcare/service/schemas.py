"""Pydantic shapes of the service domain: the importable tables' records, request bodies and
answers. Records name related rows by natural key (model code, customer code, region name);
bodies name a unit by serial and a defect or work order by id."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from fleetcare.core.i18n import _
from fleetcare.core.schemas import (
    PARAGRAPHS_PATTERN,
    TEXT_PATTERN,
    Code,
    Name,
    PastMoment,
    Serial,
    StrictModel,
    unix_lines,
)
from fleetcare.parts.models import ComponentGroup
from fleetcare.parts.schemas import Currency, PartNumber, Quantity
from fleetcare.service.models import (
    ClaimKind,
    DefectStatus,
    LineOption,
    LineStatus,
    WorkOrderKind,
)
from fleetcare.service.states import WorkOrderStatus
from fleetcare.service.warranty import Decision

SYMPTOM_MAX = 2000
REASON_MAX = 500
Symptom = Annotated[  # what the reporter wrote, on as many lines as it took
    str,
    # LF before the length is counted: a text area counts a line break as one character
    BeforeValidator(unix_lines),
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=SYMPTOM_MAX, pattern=PARAGRAPHS_PATTERN
    ),
]
Reason = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=REASON_MAX, pattern=TEXT_PATTERN
    ),
]
Hours = Annotated[float, Field(ge=0, le=10_000_000, description="engine hours")]
LimitHours = Annotated[float, Field(gt=0, le=10_000_000)]
PromiseHours = Annotated[float, Field(gt=0, le=100_000)]
RowRef = Annotated[int, Field(ge=1, le=2_147_483_647)]  # an id (INTEGER on PostgreSQL)


# --- importable tables -----------------------------------------------------------------------
class WarrantyPolicyRecord(StrictModel):
    model: Code
    component_group: ComponentGroup | None = Field(
        default=None, description="blank: the whole machine"
    )
    months: int = Field(gt=0, le=600)
    hours: LimitHours | None = Field(default=None, description="engine-hour limit; blank: none")


class ServiceContractRecord(StrictModel):
    reference: Serial
    customer: Code
    model: Code | None = Field(default=None, description="blank: every model")
    component_group: ComponentGroup | None = Field(default=None, description="blank: every group")
    starts_on: date
    ends_on: date

    @model_validator(mode="after")
    def _ends_after_start(self) -> ServiceContractRecord:
        if self.ends_on < self.starts_on:
            raise ValueError(_("ends_on is before starts_on"))
        return self


class MaintenancePlanRecord(StrictModel):
    model: Code
    every_hours: LimitHours | None = Field(default=None, description="engine hours; blank: none")
    every_months: int | None = Field(default=None, gt=0, le=600, description="blank: none")
    tolerance_hours: float = Field(default=0, ge=0, le=100_000)
    tolerance_days: int = Field(default=0, ge=0, le=3650)

    @model_validator(mode="after")
    def _some_interval(self) -> MaintenancePlanRecord:
        if self.every_hours is None and self.every_months is None:
            raise ValueError(_("give every_hours, every_months or both"))
        return self


Rate = Annotated[Decimal, Field(ge=0, le=1_000_000, max_digits=14, decimal_places=2)]


class ServiceRateRecord(StrictModel):
    region: Name
    labour_rate: Rate = Field(description="per hour of labour, in currency")
    km_rate: Rate = Field(description="per km of travel, in currency")
    currency: Currency


class ServiceLevelRecord(StrictModel):
    region: Name
    customer: Code | None = Field(default=None, description="blank: the region's default")
    response_hours: PromiseHours
    restore_hours: PromiseHours


# --- the warranty decision -------------------------------------------------------------------
class WarrantyCheck(BaseModel):
    """The answer of ``fleetcare warranty check``."""

    serial: str
    component_group: ComponentGroup | None  # None: the machine as a whole
    on: date
    decision: Decision
    reasons: list[str]
    warranty_until: date | None
    hours_limit: float | None
    hours: float | None


class WarrantyRead(BaseModel):
    """A defect's decision: ``decision`` as it stands, ``computed`` as the rules gave it."""

    decision: Decision
    reasons: list[str]
    warranty_until: date | None
    hours_limit: float | None
    hours: float | None
    computed: Decision
    decided_by: str | None = Field(description="who confirmed or overrode it; null: as computed")
    decided_at: datetime | None
    reason: str | None


class WarrantyDecide(StrictModel):
    decision: Decision
    reason: Reason


# --- defects ---------------------------------------------------------------------------------
class DefectCreate(StrictModel):
    unit: Serial
    component_group: ComponentGroup
    symptom: Symptom
    down: bool = Field(description="the machine cannot work until it is fixed")
    reported_at: PastMoment | None = Field(default=None, description="default: now")
    hours: Hours | None = None


class DefectClose(StrictModel):
    reason: Reason
    at: PastMoment | None = Field(default=None, description="default: now")


class DefectRead(BaseModel):
    id: int
    unit: str
    region: str
    component_group: ComponentGroup
    symptom: str
    status: DefectStatus
    down: bool
    reported_at: datetime
    reported_by: str
    hours: float | None
    down_until: datetime | None
    ended_at: datetime | None
    close_reason: str | None
    warranty: WarrantyRead


# --- work orders -----------------------------------------------------------------------------
class WorkOrderCreate(StrictModel):
    defect: RowRef
    kind: WorkOrderKind = WorkOrderKind.repair
    at: PastMoment | None = Field(default=None, description="when it was opened; default: now")


class TransitionCreate(StrictModel):
    to: WorkOrderStatus
    at: PastMoment | None = Field(default=None, description="when it happened; default: now")
    reason: Reason | None = None


class WorkOrderUpdate(StrictModel):
    """What the claim needs, entered while the work order is active (absent: unchanged)."""

    faulty_serial: Serial | None = None
    replacement_serial: Serial | None = None
    labour_hours: float | None = Field(default=None, ge=0, le=10_000)
    travel_km: float | None = Field(default=None, ge=0, le=1_000_000)


class TransitionRead(BaseModel):
    from_status: WorkOrderStatus | None
    to_status: WorkOrderStatus
    at: datetime
    actor: str
    reason: str | None


# --- parts on work orders --------------------------------------------------------------------
GreyPrice = Annotated[
    Decimal, Field(gt=0, le=1_000_000, max_digits=14, decimal_places=2, description="per piece")
]


class PartLineCreate(StrictModel):
    part: PartNumber
    quantity: Quantity
    location: Code | None = Field(
        default=None, description="a location's code; default: the depot serving the unit"
    )


class LineResolution(StrictModel):
    """What was done about a part that was not available."""

    option: LineOption
    donor: Serial | None = Field(default=None, description="cannibalise: the donor unit")
    price: GreyPrice | None = Field(default=None, description="grey: the price paid per piece")
    currency: Currency | None = Field(default=None, description="grey: the price's currency")

    @model_validator(mode="after")
    def _fields_of_the_option(self) -> LineResolution:
        cannibalise = self.option is LineOption.cannibalise
        grey = self.option is LineOption.grey
        if cannibalise != (self.donor is not None):
            raise ValueError(_("donor is given with cannibalise, and only then"))
        if grey != (self.price is not None) or grey != (self.currency is not None):
            raise ValueError(_("price and currency are given with grey, and only then"))
        return self


class PartLineRead(BaseModel):
    id: int
    work_order: int
    part: str
    component_group: ComponentGroup
    location: str
    quantity: int
    status: LineStatus
    option: LineOption | None
    reservation: int | None
    transfer: int | None
    donor: str | None
    donor_defect: int | None
    price: Decimal | None
    currency: str | None
    created_at: datetime
    created_by: str
    resolved_at: datetime | None


class SlaClockRead(BaseModel):
    target_hours: float | None = Field(description="from the service-levels; null: none")
    elapsed_hours: float
    stopped_at: datetime | None = Field(description="null: still running")
    breached: bool
    at_risk: bool = Field(description="running, not breached, ≥ 80 % of the target elapsed")


class SlaRead(BaseModel):
    response: SlaClockRead  # reported → in_progress
    restore: SlaClockRead  # reported → done
    breached: bool  # either clock
    at_risk: bool  # either clock


class WorkOrderRead(BaseModel):
    id: int
    defect: int
    unit: str
    kind: WorkOrderKind
    status: WorkOrderStatus
    opened_at: datetime
    opened_by: str
    changed_at: datetime
    faulty_serial: str | None
    replacement_serial: str | None
    labour_hours: float | None
    travel_km: float | None
    history: list[TransitionRead]
    parts: list[PartLineRead]
    sla: SlaRead


# --- availability ----------------------------------------------------------------------------
class AvailabilityRead(BaseModel):
    """Machine-days in service over a period, the days lost to downtime, and their ratio."""

    model_config = ConfigDict(validate_by_name=True, serialize_by_alias=True)

    region: str | None
    from_: date = Field(alias="from")
    to: date
    machine_days: float
    down_days: float
    availability: float | None = Field(description="1 − down/machine days; null: no machine-days")


# --- scheduled maintenance -------------------------------------------------------------------
class OverdueRead(BaseModel):
    """A unit whose next maintenance is overdue (``fleetcare service overdue --json``)."""

    serial: str
    model: str
    region: str
    last_done: date | None
    due_on: date | None
    due_hours: float | None
    hours: float | None
    overdue_by_days: int | None


# --- claims ----------------------------------------------------------------------------------
class ClaimLine(BaseModel):
    part: str
    quantity: int
    unit_cost: Decimal
    cost: Decimal
    currency: str
    supplier: str | None
    grey: bool


class ClaimRead(BaseModel):
    id: int
    kind: ClaimKind
    work_order: int
    unit: str
    parent: int | None = Field(description="recovery: the warranty claim it comes from")
    supplier: str | None
    created_at: datetime
    faulty_serial: str | None
    replacement_serial: str | None
    labour_hours: float | None
    labour_rate: Decimal | None
    labour_cost: Decimal | None
    travel_km: float | None
    km_rate: Decimal | None
    travel_cost: Decimal | None
    parts_cost: Decimal
    total: Decimal
    currency: str | None
    other_currencies: dict[str, Decimal] = Field(description="part costs in other currencies")
    lines: list[ClaimLine]
