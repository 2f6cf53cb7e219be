"""``fleetcare cooperation ...``: deals, their stage moves, the dashboard and its tables from
the server's shell (acting as the operator, audited). Importing deals, trade, targets and
rates is ``fleetcare import deals|trade|trade-targets|exchange-rates FILE``."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from fleetcare.cooperation import schemas, service
from fleetcare.cooperation.stages import Stage
from fleetcare.core.cli import command_session, err, operator, option_day, writable
from fleetcare.core.i18n import _, ngettext
from fleetcare.core.permissions import EVERYTHING, system
from fleetcare.fleet import service as fleet_service

app = typer.Typer(
    no_args_is_help=True,
    help=_("Regional cooperation: deals, trade against target, the dashboard and its report."),
)
AsJson = Annotated[bool, typer.Option("--json", help=_("print JSON"))]
Region = Annotated[str | None, typer.Option(help=_("one region (default: all)"))]
Currency = Annotated[str, typer.Option(help=_("the reporting currency"))]
First = Annotated[
    datetime | None,
    typer.Option(
        "--from",
        formats=["%Y-%m-%d"],
        help=_("first day of the period (default: 364 days before --to)"),
    ),
]
Last = Annotated[
    datetime | None,
    typer.Option("--to", formats=["%Y-%m-%d"], help=_("last day of the period (default: today)")),
]


def _refused(exc: Exception) -> typer.Exit:
    err.print(str(exc), style="red")
    return typer.Exit(1)


@app.command("deals")
def deals(
    region: Region = None,
    stage: Annotated[Stage | None, typer.Option(help=_("only deals at this stage"))] = None,
    as_json: AsJson = False,
) -> None:
    """List the deals."""
    with command_session() as session:
        fleet_service.known_region(session, region)
        page = service.list_deals(session, scope=EVERYTHING, region=region, stage=stage, limit=500)
    if as_json:
        print(json.dumps({**page.model_dump(mode="json")}))
        return
    table = Table(
        _("reference"),
        _("region"),
        _("customer"),
        _("model"),
        _("quantity"),
        _("value"),
        _("stage"),
    )
    for d in page.items:
        table.add_row(
            d.reference,
            d.region,
            d.customer,
            d.model,
            str(d.quantity),
            f"{d.value} {d.currency}",
            d.stage.value,
        )
    err.print(table)
    err.print(_("{n} deal(s)").format(n=page.total))


@app.command("move")
def move(
    reference: Annotated[str, typer.Argument(help=_("the deal's reference"))],
    to: Annotated[Stage, typer.Option(help=_("the stage to move to"))],
    reason: Annotated[str | None, typer.Option(help=_("why the deal was lost"))] = None,
    on: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help=_("the shipment's or delivery's day")),
    ] = None,
) -> None:
    """Move a deal to another stage; shipping a signed deal creates its delivery and units."""
    with command_session(write=True) as session:
        found = [
            d
            for d in service.list_deals(session, q=reference, limit=500).items
            if d.reference == reference
        ]
        if not found:
            err.print(_("deal '{ref}' not found").format(ref=reference), style="red")
            raise typer.Exit(2)
        body = schemas.DealMove(to=to, reason=reason, on=on.date() if on else None)
        try:
            deal = service.move_deal(session, found[0].id, body, by=system(operator()))
        except service.Conflict as exc:
            raise _refused(exc) from None
    err.print(_("{ref} is now {stage}").format(ref=deal.reference, stage=deal.stage.value))


@app.command("dashboard")
def dashboard(
    region: Region = None,
    currency: Currency = "USD",
    first: First = None,
    last: Last = None,
    as_json: AsJson = False,
) -> None:
    """The dashboard's figures over the period (``--json``: the same keys as
    ``GET /api/dashboard``); a period running backwards is bad input (exit 2)."""
    with command_session() as session:
        board = service.dashboard(
            session,
            scope=EVERYTHING,
            region=region,
            currency=currency,
            first=option_day(first, "--from"),
            last=option_day(last, "--to"),
        )
    if as_json:
        print(json.dumps(board.model_dump(mode="json")))
        return
    table = Table(_("figure"), _("value"))
    for section in ("units", "availability", "service", "technicians", "depot_fill_rate"):
        for key, value in getattr(board, section).items():
            table.add_row(f"{section}.{key}", str(value))
    for section in ("warranty_cost", "grey_purchases", "cannibalisations"):
        figure = getattr(board, section)
        table.add_row(section, f"{figure['count']} · {figure['amount']} {figure['currency']}")
    for stage, v in board.deals.items():
        table.add_row(
            f"deals.{stage}", f"{v['count']} · {v['quantity']} · {v['value']} {v['currency']}"
        )
    for row in board.trade:
        table.add_row(
            f"trade.{row['year']}", f"{row['volume'] or '—'} / {row['target'] or '—'} {currency}"
        )
    err.print(table)
    say_unconverted(board.unconverted)


def say_unconverted(unconverted: list[dict[str, Any]]) -> None:
    """On stderr, as the pages' notice says it: the amounts left out of the figures for want
    of an exchange rate, by currency (nothing when none was)."""
    if not unconverted:
        return
    err.print(_("Left out of these figures for want of an exchange rate:"), style="yellow")
    for entry in unconverted:
        err.print(
            "- "
            + ngettext(
                "%(num)s amount in %(currency)s, the first dated %(day)s",
                "%(num)s amounts in %(currency)s, the first dated %(day)s",
                int(entry["amounts"]),
            )
            % {"num": entry["amounts"], "currency": entry["currency"], "day": entry["first_day"]},
            style="yellow",
        )
    err.print(_("Import a rate of each on or before that day to count them."), style="yellow")


@app.command("export")
def export(
    name: Annotated[
        str,
        typer.Argument(
            help=_(
                "summary, trade-series, deal-stages, sites, deals, trade, trade-targets, "
                "trade-converted, targets-vs-actual or exchange-rates"
            )
        ),
    ],
    out: Annotated[Path, typer.Option(help=_("the file to write; .csv or .xlsx"))],
    region: Region = None,
    currency: Currency = "USD",
    first: First = None,
    last: Last = None,
) -> None:
    """Write one of the dashboard's tables (over the period) or a cooperation list as CSV or
    XLSX."""
    fmt = out.suffix.lower().lstrip(".")
    if name not in service.EXPORTS or fmt not in ("csv", "xlsx"):
        print(f"{out}: -: " + _("unknown table or format (.csv or .xlsx)"), file=sys.stderr)
        raise typer.Exit(2)
    writable(out)
    period = (option_day(first, "--from"), option_day(last, "--to"))
    with command_session() as session:
        exported = service.export_table(session, name, fmt, EVERYTHING, region, currency, period)
    out.write_bytes(exported.body)
    err.print(_("wrote {path}").format(path=out))
    say_unconverted(exported.unconverted)
