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
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from openpyxl import Workbook
from sqlalchemy.orm import Session

from fleetcare.cooperation import schemas
from fleetcare.cooperation.dashboard import dashboard
from fleetcare.cooperation.deals import list_deals
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
Rows = tuple[list[str], list[list[Any]]]
Period = tuple[date | None, date | None]
NO_PERIOD: Period = (None, None)
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
    return ["figure", "value", "currency"], rows


def _trade_series(board: schemas.Dashboard) -> Rows:
    rows = [
        [
            t["year"],
            None if t["volume"] is None else Decimal(t["volume"]),
            None if t["target"] is None else Decimal(t["target"]),
        ]
        for t in board.trade
    ]
    return ["year", f"volume_{board.currency}", f"target_{board.currency}"], rows


def _deal_stages(board: schemas.Dashboard) -> Rows:
    rows = [
        [stage, v["count"], v["quantity"], Decimal(v["value"]), v["currency"]]
        for stage, v in board.deals.items()
    ]
    return ["stage", "deals", "machines", "value", "currency"], rows


def _sites(board: schemas.Dashboard) -> Rows:
    columns = ["name", "latitude", "longitude", "units", "down", "open_work_orders"]
    return columns, [[s[c] for c in columns] for s in board.sites]


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
    return list(columns), rows


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
        offset += PAGE
        if offset >= page.total:
            break
    return columns, rows


def _targets_vs_actual(
    session: Session, scope: Scope, region: str | None, currency: str, _period: Period
) -> Rows:
    rows, _used, _left_out = targets_vs_actual(
        session, scope=scope, region=region, currency=currency
    )
    columns = ["region", "year", f"actual_{currency}", f"target_{currency}", "actual_share"]
    return columns, [[r["region"], r["year"], r["actual"], r["target"], r["share"]] for r in rows]


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


def to_xlsx(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """One worksheet ``title``: the header, then the rows (a write-only, streamed workbook)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(list(columns))
    for row in rows:
        sheet.append([_plain(v) for v in row])
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
) -> tuple[bytes, str]:
    """Table ``name`` as ``fmt`` (csv|xlsx): the bytes and their media type."""
    build, _permission = EXPORTS[name]
    columns, rows = build(session, scope, region, currency, period)
    if fmt == "xlsx":
        return to_xlsx(name, columns, rows), XLSX_TYPE
    return to_csv(columns, rows), "text/csv; charset=utf-8"
