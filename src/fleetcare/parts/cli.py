"""``fleetcare stock ...``: the ledger from the server's shell."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, TypeVar

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from fleetcare.core.cli import command_session, err, operator
from fleetcare.core.i18n import _, ngettext
from fleetcare.core.labels import named
from fleetcare.core.permissions import system
from fleetcare.parts import schemas, service
from fleetcare.parts.models import MoveKind

app = typer.Typer(
    no_args_is_help=True, help=_("Stock: receipts, moves, transfers, checks, proposals.")
)
T = TypeVar("T")


def _run(work: Callable[[Session], T], *, write: bool) -> T:
    """Run ``work`` in one transaction; bad input exits 2, too little stock exits 1."""
    try:
        with command_session(write=write) as session:
            return work(session)
    except service.NotEnoughStock as exc:
        err.print(str(exc), style="red")
        raise typer.Exit(1) from None


def _print(value: BaseModel | list[BaseModel], as_json: bool) -> None:
    if as_json:
        data = (
            [v.model_dump(mode="json") for v in value]
            if isinstance(value, list)
            else value.model_dump(mode="json")
        )
        print(json.dumps(data))


@app.command()
def receive(
    part: Annotated[str, typer.Argument(help=_("part number"))],
    location: Annotated[str, typer.Argument(help=_("location code"))],
    quantity: Annotated[int, typer.Argument(help=_("pieces received"))],
    as_json: Annotated[bool, typer.Option("--json", help=_("print the balance as JSON"))] = False,
) -> None:
    """Record a receipt: QTY pieces of PART arrive at LOCATION."""
    by = system(operator())

    def work(session: Session) -> schemas.StockRead:
        service.record_move(
            session,
            schemas.MoveCreate(
                kind=MoveKind.receipt, part=part, location=location, quantity=quantity
            ),
            by=by,
        )
        return service.stock(session, part=part, location=location).items[0]

    balance = _run(work, write=True)
    _print(balance, as_json)
    err.print(
        _("{part} at {location}: {on_hand} on hand, {available} available.").format(
            part=part, location=location, on_hand=balance.on_hand, available=balance.available
        )
    )


@app.command("move", context_settings={"ignore_unknown_options": True})  # QTY may be -2
def move_command(
    kind: Annotated[
        MoveKind,
        typer.Argument(
            help=_("receipt, adjustment, issue, return, scrap, cannibalisation or grey_purchase")
        ),
    ],
    part: Annotated[str, typer.Argument(help=_("part number"))],
    location: Annotated[str, typer.Argument(help=_("location code"))],
    quantity: Annotated[int, typer.Argument(help=_("pieces (signed for an adjustment)"))],
    price: Annotated[
        Decimal | None, typer.Option(help=_("price paid per piece (grey purchases)"))
    ] = None,
    currency: Annotated[
        str | None, typer.Option(help=_("the price's currency (default: the part's)"))
    ] = None,
    work_order: Annotated[str | None, typer.Option(help=_("work order reference"))] = None,
    unit: Annotated[
        str | None, typer.Option(help=_("serial of the unit a part was taken from"))
    ] = None,
    note: Annotated[str | None, typer.Option(help=_("a note for the ledger"))] = None,
) -> None:
    """Record any other move by hand (an adjustment's QTY is signed: ``… HUB -2``)."""
    by = system(operator())
    _run(
        lambda session: service.record_move(
            session,
            schemas.MoveCreate(
                kind=kind,
                part=part,
                location=location,
                quantity=quantity,
                price=price,
                currency=currency,
                work_order=work_order,
                unit=unit,
                note=note,
            ),
            by=by,
        ),
        write=True,
    )
    err.print(_("{kind} recorded.").format(kind=named(kind)))


@app.command()
def transfer(
    part: Annotated[str, typer.Argument(help=_("part number"))],
    origin: Annotated[str, typer.Argument(help=_("location code it leaves"))],
    destination: Annotated[str, typer.Argument(help=_("location code it goes to"))],
    quantity: Annotated[int, typer.Argument(help=_("pieces"))],
    emergency: Annotated[bool, typer.Option(help=_("use the emergency lane"))] = False,
    as_json: Annotated[bool, typer.Option("--json", help=_("print the transfer as JSON"))] = False,
) -> None:
    """Ship pieces from one location to another along their lane."""
    by = system(operator())
    shipped = _run(
        lambda session: service.ship(
            session,
            schemas.TransferCreate(
                part=part,
                origin=origin,
                destination=destination,
                quantity=quantity,
                emergency=emergency,
            ),
            by=by,
        ),
        write=True,
    )
    _print(shipped, as_json)
    err.print(_("Transfer {id} in transit ({mode}).").format(id=shipped.id, mode=shipped.mode))


@app.command()
def arrive(
    transfer_id: Annotated[
        int, typer.Argument(min=1, max=2**63 - 1, help=_("the transfer's number"))
    ],
) -> None:
    """Book a transfer in at its destination."""
    by = system(operator())
    _run(lambda session: service.receive(session, transfer_id, by=by), write=True)
    err.print(_("Transfer {id} received.").format(id=transfer_id))


@app.command("verify")
def verify_command(
    as_json: Annotated[bool, typer.Option("--json", help=_("print the report as JSON"))] = False,
) -> None:
    """Prove that every balance is the sum of its moves (exit 1 when one is not)."""
    checked, mismatches = _run(service.verify, write=False)
    if as_json:
        print(json.dumps({"checked": checked, "mismatches": mismatches}))
    if mismatches:
        err.print(
            ngettext(
                "{count} of {checked} balances differs from its moves.",
                "{count} of {checked} balances differ from their moves.",
                len(mismatches),
            ).format(count=len(mismatches), checked=checked),
            style="red",
        )
        raise typer.Exit(1)
    err.print(_("All {checked} balances equal the sum of their moves.").format(checked=checked))


@app.command()
def show(
    part: Annotated[str | None, typer.Option(help=_("part number"))] = None,
    location: Annotated[str | None, typer.Option(help=_("location code"))] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help=_("print JSON"))] = False,
) -> None:
    """Balances by part and location."""
    page = _run(
        lambda session: service.stock(session, part=part, location=location, limit=limit),
        write=False,
    )
    if as_json:
        print(page.model_dump_json())
        return
    table = Table(
        _("part"),
        _("location"),
        _("on hand"),
        _("reserved"),
        _("available"),
        _("in transit"),
        _("target"),
    )
    for row in page.items:
        table.add_row(
            row.part,
            row.location,
            str(row.on_hand),
            str(row.reserved),
            str(row.available),
            str(row.in_transit),
            "" if row.target is None else str(row.target),
        )
    Console().print(table)


@app.command()
def proposals(
    accept: Annotated[
        bool, typer.Option("--accept", help=_("create the transfers and purchases"))
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help=_("print JSON"))] = False,
    location: Annotated[
        str | None,
        typer.Option(help=_("only the lines to this location or serving it")),
    ] = None,
) -> None:
    """Replenishment proposals toward the target stock; ``--accept`` ships them all (or, with
    ``--location``, those to it or serving it)."""
    by = system(operator())
    if accept:
        done = _run(
            lambda session: service.accept_proposals(session, [], by=by, serving=location),
            write=True,
        )
        _print(list(done.created), as_json)
        err.print(done.created_text)
        for line in done.skipped:
            err.print(
                _("skipped {part} {origin} → {destination}: no lane to ship on").format(
                    part=line.part, origin=line.origin, destination=line.destination
                ),
                style="yellow",
            )
        return
    lines = [
        line
        for line in _run(service.proposals, write=False)
        if location is None or service.serves(line, location)
    ]
    _print(list(lines), as_json)
    if not as_json:
        table = Table(
            _("part"),
            _("from"),
            _("to"),
            _("quantity"),
            _("mode"),
            _("days"),
            _("freight"),
            _("for"),
        )
        for line in lines:
            table.add_row(
                line.part,
                line.origin or _("supplier"),
                line.destination,
                str(line.quantity),
                line.mode or "",
                "" if line.lead_time_days is None else f"{line.lead_time_days:g}",
                "" if line.freight_cost is None else f"{line.freight_cost} {line.currency}",
                ", ".join(line.serves),
            )
        Console().print(table)
