"""Pydantic shapes of the installed base.

A ``*Record`` is one row as files and API bodies carry it: related rows by their natural keys
(region name, customer code, model code, site name, delivery reference, unit serial), so that
``fleetcare export`` writes exactly what ``fleetcare import`` and ``POST /api/...`` read.
A ``*Update`` has the same fields, all optional (PATCH). A ``*Read`` adds the id.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import (
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from fleetcare.core.i18n import _
from fleetcare.core.schemas import (
    TEXT_PATTERN,
    Code,
    LongName,
    Name,
    PastDate,
    PastMoment,
    Serial,
    StrictModel,
    datetime_from_date,
)
from fleetcare.fleet.models import ClimateClass, ProductFamily, UnitStatus

Country = Annotated[  # the column holds 80 characters
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80, pattern=TEXT_PATTERN)
]


# --- regions -------------------------------------------------------------------------------
class RegionRecord(StrictModel):
    name: Name
    country: Country
    climate: ClimateClass


class RegionUpdate(StrictModel):
    name: Name | None = None
    country: Country | None = None
    climate: ClimateClass | None = None


class RegionRead(RegionRecord):
    id: int


# --- sites ---------------------------------------------------------------------------------
class SiteRecord(StrictModel):
    name: Name
    region: Name
    latitude: float = Field(ge=-90, le=90, description="degrees north")
    longitude: float = Field(ge=-180, le=180, description="degrees east")
    depot: Code | None = Field(
        default=None,
        description="code of the parts depot in the site's region that serves it "
        "(empty: the region's nearest depot)",
    )


class SiteUpdate(StrictModel):
    name: Name | None = None
    region: Name | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    depot: Code | None = None


class SiteRead(SiteRecord):
    id: int


# --- customers -----------------------------------------------------------------------------
class CustomerRecord(StrictModel):
    code: Code
    name: LongName
    region: Name


class CustomerUpdate(StrictModel):
    code: Code | None = None
    name: LongName | None = None
    region: Name | None = None


class CustomerRead(CustomerRecord):
    id: int


# --- product models ------------------------------------------------------------------------
class ModelRecord(StrictModel):
    code: Code
    family: ProductFamily
    name: LongName


class ModelUpdate(StrictModel):
    code: Code | None = None
    family: ProductFamily | None = None
    name: LongName | None = None


class ModelRead(ModelRecord):
    id: int


# --- deliveries ----------------------------------------------------------------------------
class DeliveryRecord(StrictModel):
    reference: Serial
    customer: Code
    model: Code
    quantity: int = Field(gt=0, le=100_000)
    shipped_on: PastDate
    delivered_on: PastDate | None = None

    @field_validator("delivered_on")
    @classmethod
    def _delivered_after_shipped(cls, value: date | None, info: ValidationInfo) -> date | None:
        shipped_on = info.data.get("shipped_on")
        if value is not None and shipped_on is not None and value < shipped_on:
            raise ValueError(_("delivered_on is before shipped_on"))
        return value


class DeliveryUpdate(StrictModel):
    reference: Serial | None = None
    customer: Code | None = None
    model: Code | None = None
    quantity: int | None = Field(default=None, gt=0, le=100_000)
    shipped_on: date | None = None
    delivered_on: date | None = None


class DeliveryRead(DeliveryRecord):
    id: int
    # a read reports what is stored, even a value written before today's checks
    shipped_on: date
    delivered_on: date | None = None


# --- units ---------------------------------------------------------------------------------
class UnitRecord(StrictModel):
    serial: Serial
    model: Code
    customer: Code
    site: Name
    delivered_on: PastDate
    warranty_start: PastDate | None = Field(
        default=None, validate_default=True, description="defaults to delivered_on; never before it"
    )
    status: UnitStatus = UnitStatus.in_service
    delivery: Serial | None = Field(default=None, description="the delivery's reference")

    @field_validator("warranty_start")
    @classmethod
    def _warranty_from_delivery(cls, value: date | None, info: ValidationInfo) -> date | None:
        delivered_on: date | None = info.data.get("delivered_on")
        if value is None:
            return delivered_on
        if delivered_on is not None and value < delivered_on:
            raise ValueError(_("warranty_start is before delivered_on"))
        return value


class UnitUpdate(StrictModel):
    serial: Serial | None = None
    model: Code | None = None
    customer: Code | None = None
    site: Name | None = None
    delivered_on: date | None = None
    warranty_start: date | None = None
    status: UnitStatus | None = None
    delivery: Serial | None = None


class UnitRead(UnitRecord):
    id: int
    # a read reports what is stored, even a value written before today's checks
    delivered_on: date
    warranty_start: date | None = None
    region: str
    family: ProductFamily
    engine_hours: float | None
    km: float | None
    last_reading_at: datetime | None


# --- usage readings ------------------------------------------------------------------------
MAX_ENGINE_HOURS = 1_000_000.0  # a meter past this is a typo or an attack (24/7 for 114 years)
MAX_KM = 100_000_000.0


class UsageRecord(StrictModel):
    serial: Serial
    taken_at: Annotated[PastMoment, Field(description="ISO date or date-time; UTC")]
    engine_hours: float | None = Field(default=None, ge=0, le=MAX_ENGINE_HOURS, description="hours")
    km: float | None = Field(
        default=None, ge=0, le=MAX_KM, validate_default=True, description="kilometres"
    )

    @model_validator(mode="before")
    @classmethod
    def _date_means_midnight(cls, data: object) -> object:
        if isinstance(data, dict) and "taken_at" in data:
            data = {**data, "taken_at": datetime_from_date(data["taken_at"])}
        return data

    @field_validator("km")
    @classmethod
    def _has_a_value(cls, value: float | None, info: ValidationInfo) -> float | None:
        if value is None and info.data.get("engine_hours") is None and "engine_hours" in info.data:
            raise ValueError(_("a reading needs engine_hours or km"))
        return value


class UsageUpdate(StrictModel):
    taken_at: datetime | None = None
    engine_hours: float | None = Field(default=None, ge=0, le=MAX_ENGINE_HOURS)
    km: float | None = Field(default=None, ge=0, le=MAX_KM)


class UsageRead(UsageRecord):
    id: int
    # a read reports what is stored, even a value written before today's checks
    taken_at: datetime
    engine_hours: float | None = None
    km: float | None = None
