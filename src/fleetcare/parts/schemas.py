"""Pydantic shapes of the parts network. Records name related rows by natural key (part number,
location code, model code), as files and API bodies carry them; money carries its currency."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import (
    BaseModel,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from fleetcare.core.i18n import _
from fleetcare.core.schemas import TEXT_PATTERN, Code, CurrencyCode, LongName, Name, StrictModel
from fleetcare.parts.models import (
    ComponentGroup,
    LocationKind,
    MoveKind,
    ReservationStatus,
    TransferStatus,
    TransportMode,
)

PartNumber = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=60, pattern=TEXT_PATTERN),
]
Currency = CurrencyCode  # an ISO 4217 code
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
MAX_QUANTITY = 1_000_000  # pieces in one move, transfer or work-order line
Quantity = Annotated[int, Field(gt=0, le=MAX_QUANTITY)]
Reference = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=60, pattern=TEXT_PATTERN),
]


class PartRecord(StrictModel):
    number: PartNumber
    name: LongName
    group: ComponentGroup
    unit_cost: Money = Field(description="cost at the plant, in currency")
    currency: Currency = "RUB"
    weight_kg: float = Field(ge=0, le=100_000)
    repairable: bool = False
    grey_price: Money | None = Field(
        default=None, description="grey-market price per piece, when known"
    )
    superseded_by: PartNumber | None = None
    supplier: LongName | None = Field(
        default=None, description="who supplies the part (a warranty recovery goes to them)"
    )

    @field_validator("superseded_by")
    @classmethod
    def _not_itself(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and value == info.data.get("number"):
            raise ValueError(_("a part cannot supersede itself"))
        return value


class PartUpdate(StrictModel):
    number: PartNumber | None = None
    name: LongName | None = None
    group: ComponentGroup | None = None
    unit_cost: Money | None = None
    currency: Currency | None = None
    weight_kg: float | None = Field(default=None, ge=0, le=100_000)
    repairable: bool | None = None
    grey_price: Money | None = None
    superseded_by: PartNumber | None = None
    supplier: LongName | None = Field(
        default=None, description="who made it (warranty recovery claims); null clears it"
    )


class PartRead(PartRecord):
    id: int
    # a read reports what is stored, even a value written before today's checks
    currency: str


class BomRecord(StrictModel):
    model: Code
    part: PartNumber
    quantity: Quantity = Field(description="fitted per machine (Z)")
    critical: bool = Field(default=False, description="the machine is down without it")


class BomRead(BomRecord):
    id: int


class BomUpdate(StrictModel):
    """A bill-of-materials line's quantity and criticality (its model and part are its key)."""

    quantity: Quantity | None = Field(default=None, description="fitted per machine (Z)")
    critical: bool | None = None


class LocationRecord(StrictModel):
    code: Code
    name: LongName
    kind: LocationKind
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    parent: Code | None = Field(default=None, description="the location it is resupplied from")
    region: Name | None = Field(default=None, description="the region a depot serves")


class LocationUpdate(StrictModel):
    code: Code | None = None
    name: LongName | None = None
    kind: LocationKind | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    parent: Code | None = None
    region: Name | None = None


class LocationRead(LocationRecord):
    id: int


class LaneRecord(StrictModel):
    origin: Code = Field(description="location code")
    destination: Code = Field(description="location code")
    mode: TransportMode
    lead_time_days: float = Field(gt=0, le=1000)
    lead_time_sd_days: float = Field(default=0, ge=0, le=1000)
    cost_per_kg: Money
    currency: Currency = "RUB"
    emergency: bool = False

    @field_validator("destination")
    @classmethod
    def _not_to_itself(cls, value: str, info: ValidationInfo) -> str:
        if value == info.data.get("origin"):
            raise ValueError(_("a lane cannot lead to its own origin"))
        return value


class LaneRead(LaneRecord):
    id: int
    # a read reports what is stored, even a value written before today's checks
    currency: str


class LaneUpdate(StrictModel):
    """A lane's mode, lead time, freight cost and use (its ends are its key)."""

    mode: TransportMode | None = None
    lead_time_days: float | None = Field(default=None, gt=0, le=1000)
    lead_time_sd_days: float | None = Field(default=None, ge=0, le=1000)
    cost_per_kg: Money | None = None
    currency: Currency | None = None
    emergency: bool | None = None


class PartLocation(StrictModel):
    """A row about one part at one location."""

    part: PartNumber
    location: Code


class StockRecord(PartLocation):
    """Opening (or counted) stock: the on-hand quantity a part should have at a location."""

    on_hand: int = Field(ge=0, le=10_000_000)


class TargetRecord(PartLocation):
    """The stock a part should have at a location (from planning, or typed in)."""

    target: int = Field(ge=0, le=10_000_000)


class StockRead(BaseModel):
    """A part's balance at a location."""

    part: str
    location: str
    on_hand: int
    reserved: int
    available: int
    in_transit: int
    target: int | None


class MoveCreate(StrictModel):
    """A stock move entered by hand (transfers and reservations have their own routes)."""

    kind: MoveKind
    part: PartNumber
    location: Code
    quantity: int = Field(
        description="positive; for an adjustment, the signed change", ge=-1_000_000, le=1_000_000
    )
    price: Money | None = Field(default=None, description="per piece, for a grey-market purchase")
    currency: Currency | None = Field(
        default=None, description="of the price (default: the part's currency)"
    )
    work_order: Reference | None = None
    unit: Reference | None = Field(
        default=None, description="serial of the unit a part was taken from"
    )
    note: Annotated[str, StringConstraints(max_length=200, pattern=TEXT_PATTERN)] | None = None


class MoveRead(BaseModel):
    """One ledger entry."""

    id: int
    at: datetime
    kind: MoveKind
    part: str
    location: str
    on_hand_delta: int
    reserved_delta: int
    in_transit_delta: int
    price: Decimal | None
    currency: str | None
    work_order: str | None
    unit: str | None
    reservation: int | None
    transfer: int | None
    actor: str
    note: str | None


class ReservationCreate(StrictModel):
    """``POST /api/stock/reservations``: hold ``quantity`` of ``part`` at ``location``."""

    part: PartNumber
    location: Code = Field(description="the location's code (its id in files and plans)")
    quantity: Quantity
    work_order: Reference | None = None


class ReservationRead(BaseModel):
    """A reservation."""

    id: int
    part: str
    location: str
    quantity: int
    work_order: str | None
    status: ReservationStatus
    created_at: datetime
    created_by: str


class TransferCreate(StrictModel):
    """Ship parts along a lane; with no ``origin``, a purchase from the supplier."""

    part: PartNumber
    origin: Code | None = None
    destination: Code
    quantity: Quantity
    emergency: bool = Field(default=False, description="use the emergency lane")


class TransferRead(BaseModel):
    """A transfer."""

    id: int
    part: str
    origin: str | None
    destination: str
    quantity: int
    mode: str | None
    status: TransferStatus
    shipped_at: datetime
    expected_at: datetime | None
    received_at: datetime | None


class ProposalLine(BaseModel):
    """One proposed replenishment: a transfer from the parent, or a purchase at the root."""

    part: str
    origin: str | None
    destination: str
    quantity: int
    mode: str | None
    lead_time_days: float | None
    freight_cost: Decimal | None
    currency: str
    serves: list[str] = Field(
        default_factory=list,
        description="the locations below their targets whose shortfall the line fills (the "
        "destination, or those below it waiting for it); only those the reader sees",
    )


class ProposalChoice(BaseModel):
    """A proposal line chosen to accept, as listed: only its key and its quantity count."""

    part: PartNumber
    origin: Code | None = None
    destination: Code
    quantity: int = Field(gt=0, le=2**53, description="at most what is still proposed")
    mode: str | None = None
    lead_time_days: float | None = None
    freight_cost: Decimal | None = None
    currency: str | None = None


class ProposalAccept(StrictModel):
    """Which proposal lines to accept: ``lines``, or when it is empty all the current ones (to
    ``location`` or serving it, when given)."""

    lines: list[ProposalChoice] = Field(default_factory=list, max_length=100_000)
    location: Code | None = Field(
        default=None, description="with no lines: only the lines to it or serving it"
    )

    @model_validator(mode="after")
    def _lines_or_location(self) -> ProposalAccept:
        if self.lines and self.location is not None:
            raise ValueError(_("give the lines to accept or a location, not both"))
        return self


class VerifyReport(BaseModel):
    """``fleetcare stock verify``: balances that differ from the sum of their moves."""

    checked: int
    mismatches: list[dict[str, object]]
