"""The demo's parts on work orders, written through the service and parts facades as it happened
(each call under ``clock.frozen`` at the time of its event).

About 60 % of the repairs need a part of the defect's group from the unit family's catalogue,
asked for at the depot serving the unit when the work starts. Before ``STOCKED_ON``
(1 September 2024) the Far North depots (Murmansk, Mirny for Yakutia) held nothing a repair
needed: every line there was short, and the technicians bought the piece on the grey market
(a non-genuine part: that group's later defects on the unit go to review) or took it
from another machine of the same model, customer and region (cannibalisation: the donor is
down until its own repair, about a week later). From that day the depots are stocked, and a
line is short now and then — 30 % of the time in the Far North, 10 % elsewhere — and then
either waits for a backorder (about three days, more in the Far North) or comes by air along
the emergency lane from the Dzerzhinsk hub.

The ledger ends where the stock count of the scenario's date put it, as the issue history does:
every piece issued to a work order arrives first (a replenishment receipt at the depot, a
receipt at the hub before an emergency transfer, a grey purchase or a cannibalisation), and a
work order that does not reach ``done`` before the scenario's date only reserves what the depot
holds, or waits. So a second build's count finds every balance as it was.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.clock import frozen
from fleetcare.core.permissions import Principal
from fleetcare.demo.parts import FAMILY_PREFIX
from fleetcare.fleet.models import ProductModel, Region, Site, Unit, UnitStatus
from fleetcare.parts import schemas as parts_schemas
from fleetcare.parts import service as parts
from fleetcare.parts.models import (
    BomLine,
    ComponentGroup,
    Lane,
    Location,
    MoveKind,
    Part,
    StockLevel,
)
from fleetcare.service import schemas, service
from fleetcare.service.models import LineOption
from fleetcare.service.states import WorkOrderStatus

FAR_NORTH = frozenset({"Murmansk Oblast", "Sakha (Yakutia)"})
STOCKED_ON = datetime(2024, 9, 1)  # the Far North depots are stocked from this day
HUB = "HUB-DZR"
PARTS_SHARE = 0.6  # of repairs that need a part (when the family's catalogue has the group)
SHORT = {True: 0.3, False: 0.1}  # chance a stocked depot lacks the part: Far North, elsewhere
MAX_GREY_PRICE = Decimal("1000000")


@dataclass(frozen=True)
class UnitFacts:
    """What the story needs of a unit."""

    serial: str
    model: str
    family: str
    region: str
    customer: int  # id: a donor is one of the customer's own machines


@dataclass
class Need:
    """A part line planned for a work order: what, and when it is reserved (``ready``)."""

    part: Part
    quantity: int
    depot: str
    asked: datetime  # the work starts and the part is asked for
    option: LineOption | None = None  # what was done when the depot lacked it (None: it had it)
    ready: datetime = field(default=datetime.min)  # when the pieces are reserved
    line: int = 0  # the line's id, once asked for


@dataclass
class Tally:
    """What the parts story wrote, for the demo's counts."""

    lines: int = 0
    options: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class PartsStory:
    """Plans and writes the part lines of the demo's work orders."""

    def __init__(self, session: Session, rng: np.random.Generator, by: Principal) -> None:
        self.session, self.rng, self.by = session, rng, by
        family_of = {prefix: family for family, prefix in FAMILY_PREFIX.items()}
        self.catalogue: dict[tuple[str, ComponentGroup], list[Part]] = defaultdict(list)
        for part in session.scalars(select(Part).order_by(Part.number)):
            family = family_of.get(part.number.split("-")[0])
            if family is not None:
                self.catalogue[(family, part.group)].append(part)
        code_of = {id_: code for id_, code in session.execute(select(Location.id, Location.code))}
        depot_of_site = parts.serving_depots(session)
        self.depots: dict[str, str] = {  # serial → the depot serving its site, as work orders draw
            serial: code_of[depot_of_site[site_id]]
            for serial, site_id in session.execute(select(Unit.serial, Unit.site_id))
            if site_id in depot_of_site
        }
        self.fitted: dict[tuple[str, int], int] = {  # (model code, part id) → pieces
            (code, part_id): quantity
            for code, part_id, quantity in session.execute(
                select(ProductModel.code, BomLine.part_id, BomLine.quantity).join(
                    ProductModel, ProductModel.id == BomLine.model_id
                )
            )
        }
        self.air_days = dict(
            session.execute(
                select(Location.code, Lane.lead_time_days)
                .join(Lane, Lane.to_id == Location.id)
                .where(Lane.emergency.is_(True))
                .order_by(Lane.lead_time_days.desc())
            ).all()
        )
        self.donors: dict[tuple[str, str, int], list[tuple[str, datetime]]] = defaultdict(list)
        for serial, model, region, customer, start in session.execute(
            select(
                Unit.serial, ProductModel.code, Region.name, Unit.customer_id, Unit.warranty_start
            )
            .join(ProductModel, Unit.model_id == ProductModel.id)
            .join(Site, Unit.site_id == Site.id)
            .join(Region, Site.region_id == Region.id)
            .where(Unit.status != UnitStatus.retired)
            .order_by(Unit.serial)
        ):
            self.donors[(model, region, customer)].append(
                (serial, datetime(start.year, start.month, start.day))
            )
        self.tally = Tally()

    # --- the plan (draws only; nothing written) ------------------------------------------
    def plan(self, unit: UnitFacts, group: ComponentGroup, asked: datetime) -> Need | None:
        """The part line a repair started at ``asked`` needs, if any, and how it is covered."""
        choices = self.catalogue.get((unit.family, group))
        depot = self.depots.get(unit.serial)
        if not choices or depot is None or self.rng.random() >= PARTS_SHARE:
            return None
        part = choices[int(self.rng.integers(len(choices)))]
        pieces = min(1 if self.rng.random() < 0.7 else 2, self._carried(unit, part))
        need = Need(part, pieces, depot, asked, ready=asked)
        far = unit.region in FAR_NORTH
        if far and asked < STOCKED_ON:
            cannibalise = self.rng.random() < 0.4 and self._donor(unit, asked) is not None
            need.option = LineOption.cannibalise if cannibalise else LineOption.grey
            wait = self.rng.exponential(8.0) if cannibalise else self.rng.exponential(36.0) + 4
        elif self.rng.random() < SHORT[far]:
            air = self.air_days.get(depot)
            if air is not None and self.rng.random() < 0.5:
                need.option = LineOption.emergency
                wait = 24.0 * air + 2
            else:
                need.option = LineOption.wait
                wait = self.rng.exponential(72.0 * (2.0 if far else 1.0)) + 24
        else:
            return need
        need.ready = asked + timedelta(hours=1 + float(wait))
        return need

    def _carried(self, unit: UnitFacts, part: Part) -> int:
        """How many pieces of ``part`` a machine of ``unit``'s model holds (its bill of
        materials; 0 when it carries none): the most a donor of that model can give."""
        return self.fitted.get((unit.model, part.id), 0)

    def _donor(self, unit: UnitFacts, at: datetime) -> str | None:
        """Another machine of the model, the region and the customer, in service by ``at``
        (the first such)."""
        return next(
            (
                serial
                for serial, start in self.donors[(unit.model, unit.region, unit.customer)]
                if serial != unit.serial and start < at
            ),
            None,
        )

    # --- writing -------------------------------------------------------------------------
    def _receipt(
        self,
        part: Part,
        location: str,
        pieces: int,
        at: datetime,
        note: str,
        work_order: int | None = None,
    ) -> None:
        with frozen(at):
            parts.record_move(
                self.session,
                parts_schemas.MoveCreate(
                    kind=MoveKind.receipt,
                    part=part.number,
                    location=location,
                    quantity=pieces,
                    note=note,
                    work_order=None if work_order is None else str(work_order),
                ),
                by=self.by,
            )

    def _available(self, part: Part, location: str) -> int:
        row = self.session.execute(
            select(StockLevel.on_hand - StockLevel.reserved)
            .join(Location, Location.id == StockLevel.location_id)
            .where(StockLevel.part_id == part.id, Location.code == location)
        ).first()
        return 0 if row is None else int(row[0])

    def add(self, order_id: int, need: Need, *, finishing: bool) -> bool:
        """Ask for the line at ``need.asked``; True when it is reserved there and then.

        A finishing order's line was in the depot (a replenishment receipt brings it) or is
        made short (more pieces than the depot holds); any other order reserves what the depot
        holds, and a line it cannot have waits for a backorder."""
        pieces = need.quantity
        if finishing and need.option is None:
            self._receipt(need.part, need.depot, pieces, need.asked, "replenishment")
        elif finishing:
            pieces = max(pieces, self._available(need.part, need.depot) + 1)
            need.quantity = pieces
        with frozen(need.asked):
            added = service.add_part(
                self.session,
                order_id,
                schemas.PartLineCreate(part=need.part.number, quantity=pieces),
                by=self.by,
            )
        self.tally.lines += 1
        need.line = added.line.id
        if added.shortage is None:
            return True
        if not finishing:
            self._resolve(order_id, need, LineOption.wait, need.asked)
        return False

    def _resolve(
        self, order_id: int, need: Need, option: LineOption, at: datetime, **extra: object
    ) -> schemas.PartLineRead:
        with frozen(at):
            read = service.resolve(
                self.session,
                order_id,
                need.line,
                schemas.LineResolution(option=option, **extra),
                by=self.by,
            )
        self.tally.options[option.value] += 1
        return read

    def cover(self, order_id: int, unit: UnitFacts, need: Need, end: datetime) -> None:
        """Record what was done about a short line of a finishing order, up to ``need.ready``
        (before ``end``: the plan only finishes orders done before it)."""
        at = need.asked + timedelta(minutes=30)
        option = need.option
        assert option is not None
        if option is LineOption.grey:
            price = min(need.part.grey_price or need.part.unit_cost * 5, MAX_GREY_PRICE)
            self._resolve(
                order_id,
                need,
                option,
                at,
                price=price.quantize(Decimal("0.01")),
                currency=need.part.currency,
            )
        elif option is LineOption.cannibalise and need.quantity > self._carried(unit, need.part):
            # made short with more pieces than a machine of the model holds (the depot had
            # some): no donor can give them all, so they were bought grey
            need.option = LineOption.grey
            self.cover(order_id, unit, need, end)
        elif option is LineOption.cannibalise:
            donor = self._donor(unit, need.asked)
            read = self._resolve(order_id, need, option, at, donor=donor)
            assert read.donor_defect is not None
            self._repair_donor(read.donor_defect, donor, need, at, end)
        elif option is LineOption.emergency:
            self._receipt(need.part, HUB, need.quantity, at, "replenishment from the plant")
            read = self._resolve(order_id, need, option, at)
            assert read.transfer is not None
            with frozen(need.ready):
                parts.receive(self.session, read.transfer, by=self.by)
        else:
            self._resolve(order_id, need, option, at)
            self._receipt(
                need.part,
                need.depot,
                need.quantity,
                need.ready,
                "backorder received",
                order_id,
            )
        if option in (LineOption.emergency, LineOption.wait):
            with frozen(need.ready):
                service.reserve_again(self.session, order_id, need.line, by=self.by)

    def _repair_donor(
        self, defect_id: int, donor: str | None, need: Need, taken: datetime, end: datetime
    ) -> None:
        """The donor's own repair: the part comes about a week later to the depot serving the
        donor's site, and it is back in service (unless that falls after the scenario's date:
        then it is still down)."""
        opened = taken + timedelta(hours=2)
        started = taken + timedelta(hours=float(self.rng.exponential(96.0)) + 72)
        done = started + timedelta(hours=float(self.rng.exponential(4.0)) + 2)
        if done >= end:
            return
        with frozen(opened):
            order_id = service.open_work_order(
                self.session, schemas.WorkOrderCreate(defect=defect_id, at=opened), by=self.by
            )
        for to, at in (
            (WorkOrderStatus.scheduled, opened),
            (WorkOrderStatus.in_progress, started),
        ):
            with frozen(at):
                service.transition(
                    self.session, order_id, schemas.TransitionCreate(to=to, at=at), by=self.by
                )
        depot = self.depots.get(donor or "", need.depot)
        self._receipt(need.part, depot, need.quantity, started, "replenishment")
        with frozen(started):
            service.add_part(
                self.session,
                order_id,
                schemas.PartLineCreate(part=need.part.number, quantity=need.quantity),
                by=self.by,
            )
        with frozen(done):
            service.transition(
                self.session,
                order_id,
                schemas.TransitionCreate(to=WorkOrderStatus.done, at=done),
                by=self.by,
            )
        self.tally.lines += 1
