"""The dashboard's tables and the cooperation lists as CSV or XLSX.

Tables: ``summary`` (every single figure), ``trade-series`` (volume and target per year),
``deal-stages``, ``sites`` (the map's points) — all from the dashboard, in the reporting
currency —, the trade pages' ``trade-converted`` (each figure and its amount in the reporting
currency, with the rates' days) and ``targets-vs-actual``, and the lists ``deals``, ``trade``,
``trade-targets``, ``exchange-rates``.
XLSX cells that a spreadsheet would run as formulas are defused exactly as CSV cells are
(``core.tabular.defuse``: a leading ``'``); numbers stay numbers. The lists stop at
``MAX_ROWS`` rows. The dashboard's tables take the dashboard's period (``Period``: first and
last day, either None for the default); the lists ignore it.

An amount a table leaves out for want of an exchange rate (as the pages do) is said beside it:
``Export.unconverted`` (``{"currency", "amounts", "first_day"}`` by currency, as the
dashboard's ``unconverted``), and an XLSX file gets a second sheet, ``unconverted``, listing
them; a CSV file holds one table, so the REST answer says it in a header and the CLI on stderr.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from openpyxl import Workbook
from sqlalchemy.orm import Session

from fleetcare.cooperation import schemas
from fleetcare.cooperation.dashboard import dashboard
from fleetcare.cooperation.deals import list_deals
from fleetcare.cooperation.money import Total
from fleetcare.cooperation.rates import list_rates
from fleetcare.cooperation.trade import list_targets, list_trade
from fleetcare.cooperation.trade_report import converted_trade, targets_vs_actual
from fleetcare.core.i18n import N_
from fleetcare.core.permissions import Permission, Scope
from fleetcare.core.schemas import Page
from fleetcare.core.tabular import defuse

MAX_ROWS = 100_000
PAGE = 500
FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Unconverted = list[dict[str, Any]]  # {"currency", "amounts", "first_day"}
Period = tuple[date | None, date | None]
NO_PERIOD: Period = (None, None)
UNCONVERTED_COLUMNS = ["currency", "amounts", "first_day"]


@dataclass(frozen=True)
class Rows:
    """A table: its columns, its rows, and the amounts it left out for want of a rate."""

    columns: list[str]
    rows: list[list[Any]]
    unconverted: Unconverted = field(default_factory=list)


@dataclass(frozen=True)
class Export:
    """An exported file: its bytes, their media type, and the amounts left out of it."""

    body: bytes
    media_type: str
    unconverted: Unconverted


Builder = Callable[[Session, Scope, str | None, str, Period], Rows]


def _summary(board: schemas.Dashboard) -> Rows:
    rows: list[list[Any]] = []
    for section in ("units", "availability", "service", "technicians", "depot_fill_rate"):
        for key, value in getattr(board, section).items():
            rows.append([f"{section}.{key}", value, ""])
    for section in ("warranty_cost", "grey_purchases", "cannibalisations"):
        figure = getattr(board, section)
        rows.append([f"{section}.count", figure["count"], ""])
        rows.append([f"{section}.amount", Decimal(figure["amount"]), figure["currency"]])
    return Rows(["figure", "value", "currency"], rows, board.left_out.get("money", []))


def _trade_series(board: schemas.Dashboard) -> Rows:
    rows = [
        [
            t["year"],
            None if t["volume"] is None else Decimal(t["volume"]),
            None if t["target"] is None else Decimal(t["target"]),
        ]
        for t in board.trade
    ]
    columns = ["year", f"volume_{board.currency}", f"target_{board.currency}"]
    return Rows(columns, rows, board.left_out.get("trade", []))


def _deal_stages(board: schemas.Dashboard) -> Rows:
    rows = [
        [stage, v["count"], v["quantity"], Decimal(v["value"]), v["currency"]]
        for stage, v in board.deals.items()
    ]
    columns = ["stage", "deals", "machines", "value", "currency"]
    return Rows(columns, rows, board.left_out.get("deals", []))


def _sites(board: schemas.Dashboard) -> Rows:
    columns = ["name", "latitude", "longitude", "units", "down", "open_work_orders"]
    return Rows(columns, [[s[c] for c in columns] for s in board.sites])


def _from_board(shape: Callable[[schemas.Dashboard], Rows]) -> Builder:
    def build(
        session: Session, scope: Scope, region: str | None, currency: str, period: Period
    ) -> Rows:
        board = dashboard(
            session, scope=scope, region=region, currency=currency, first=period[0], last=period[1]
        )
        return shape(board)

    return build


def _paged(fetch: Callable[[int], Page[Any]], columns: Sequence[str]) -> Rows:
    rows: list[list[Any]] = []
    offset = 0
    while offset < MAX_ROWS:
        page = fetch(offset)
        rows += [[getattr(item, c) for c in columns] for item in page.items]
        offset += PAGE
        if offset >= page.total:
            break
    return Rows(list(columns), rows)


DEAL_COLUMNS = [
    "reference",
    "region",
    *[c for c in schemas.DealRecord.model_fields if c != "reference"],
    "units",
]


def _deals(
    session: Session, scope: Scope, region: str | None, _currency: str, _period: Period
) -> Rows:
    return _paged(
        lambda offset: list_deals(session, scope=scope, region=region, limit=PAGE, offset=offset),
        DEAL_COLUMNS,
    )


def _trade(
    session: Session, scope: Scope, region: str | None, _currency: str, _period: Period
) -> Rows:
    return _paged(
        lambda offset: list_trade(session, scope=scope, region=region, limit=PAGE, offset=offset),
        list(schemas.TradeRecord.model_fields),
    )


def _targets(
    session: Session, scope: Scope, region: str | None, _currency: str, _period: Period
) -> Rows:
    return _paged(
        lambda offset: list_targets(session, scope=scope, region=region, limit=PAGE, offset=offset),
        list(schemas.TargetRecord.model_fields),
    )


def _trade_converted(
    session: Session, scope: Scope, region: str | None, currency: str, _period: Period
) -> Rows:
    columns = ["region", "year", "group", "amount", "currency", f"amount_{currency}", "rates"]
    rows: list[list[Any]] = []
    left_out = Total(currency)  # what every page left out, counted once over the pages
    offset = 0
    while offset < MAX_ROWS:
        page = converted_trade(
            session, scope=scope, region=region, currency=currency, limit=PAGE, offset=offset
        )
        rows += [
            [
                r.region,
                r.year,
                r.group,
                r.amount,
                r.currency,
                r.converted,
                "; ".join(f"{u['currency']} {u['per_usd']}/USD {u['day']}" for u in r.rate_notes()),
            ]
            for r in page.items
        ]
        left_out.merge(page.used)
        offset += PAGE
        if offset >= page.total:
            break
    return Rows(columns, rows, left_out.unconverted())


def _targets_vs_actual(
    session: Session, scope: Scope, region: str | None, currency: str, _period: Period
) -> Rows:
    rows, _used, left_out = targets_vs_actual(
        session, scope=scope, region=region, currency=currency
    )
    columns = ["region", "year", f"actual_{currency}", f"target_{currency}", "actual_share"]
    cells = [[r["region"], r["year"], r["actual"], r["target"], r["share"]] for r in rows]
    return Rows(columns, cells, left_out)


def _rates(
    session: Session, _scope: Scope, _region: str | None, _currency: str, _period: Period
) -> Rows:
    return _paged(
        lambda offset: list_rates(session, limit=PAGE, offset=offset),
        list(schemas.RateRecord.model_fields),
    )


# name → what people read for it on the dashboard (the file keeps the name)
EXPORT_TITLES: dict[str, str] = {
    "summary": N_("Summary figures"),
    "trade-series": N_("Trade by month"),
    "deal-stages": N_("Deals by stage"),
    "sites": N_("Sites on the map"),
    "deals": N_("Deals"),
    "trade": N_("Trade figures"),
    "trade-targets": N_("Trade targets"),
    "trade-converted": N_("Trade in the reporting currency"),
    "targets-vs-actual": N_("Targets against actual"),
    "exchange-rates": N_("Exchange rates"),
}
# name → (rows, the permission that reads them)
EXPORTS: dict[str, tuple[Builder, Permission]] = {
    "summary": (_from_board(_summary), Permission.dashboard_read),
    "trade-series": (_from_board(_trade_series), Permission.dashboard_read),
    "deal-stages": (_from_board(_deal_stages), Permission.dashboard_read),
    "sites": (_from_board(_sites), Permission.dashboard_read),
    "deals": (_deals, Permission.deals_read),
    "trade": (_trade, Permission.trade_read),
    "trade-targets": (_targets, Permission.trade_read),
    "trade-converted": (_trade_converted, Permission.trade_read),
    "targets-vs-actual": (_targets_vs_actual, Permission.trade_read),
    "exchange-rates": (_rates, Permission.trade_read),
}


def _plain(value: Any) -> Any:
    """A cell for XLSX: numbers as numbers, dates as dates, text defused."""
    if value is None or isinstance(value, bool | int | float | date | datetime):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Enum):
        value = value.value
    return defuse(str(value))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    return defuse(str(value))


def to_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """UTF-8 CSV with a header, cells defused."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    writer.writerows([_text(v) for v in row] for row in rows)
    return buffer.getvalue().encode()


def to_xlsx(
    title: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    unconverted: Unconverted | None = None,
) -> bytes:
    """One worksheet ``title``: the header, then the rows (a write-only, streamed workbook);
    and a sheet ``unconverted`` listing the amounts left out, when there are any."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(list(columns))
    for row in rows:
        sheet.append([_plain(v) for v in row])
    if unconverted:
        notes = book.create_sheet("unconverted")
        notes.append(UNCONVERTED_COLUMNS)
        for entry in unconverted:
            notes.append([_plain(entry[c]) for c in UNCONVERTED_COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_table(
    session: Session,
    name: str,
    fmt: str,
    scope: Scope,
    region: str | None,
    currency: str,
    period: Period = NO_PERIOD,
) -> Export:
    """Table ``name`` as ``fmt`` (csv|xlsx), and what it left out for want of a rate."""
    build, _permission = EXPORTS[name]
    table = build(session, scope, region, currency, period)
    if fmt == "xlsx":
        body = to_xlsx(name, table.columns, table.rows, table.unconverted)
        return Export(body, XLSX_TYPE, table.unconverted)
    return Export(to_csv(table.columns, table.rows), "text/csv; charset=utf-8", table.unconverted)


def unconverted_headers(unconverted: Unconverted) -> dict[str, str]:
    """The ``Fleetcare-Unconverted`` header when amounts were left out (else none): an RFC 8941
    list, one item a currency with its ``amounts`` and ``first_day``
    (``RUB;amounts=2;first_day="2012-12-31"``)."""
    if not unconverted:
        return {}
    return {
        "Fleetcare-Unconverted": ", ".join(
            f'{entry["currency"]};amounts={entry["amounts"]};first_day="{entry["first_day"]}"'
            for entry in unconverted
        )
    }
