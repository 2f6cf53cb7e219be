"""``fleetcare analytics ...``: reliability fits of life data files.

``fleetcare analytics weibull FILE --json`` prints ``{"shape", "scale", "b10",
"shape_ci95": [lo, hi], "scale_ci95": [lo, hi], "n_failed", "n_censored"}`` (docs/analytics.md);
a bad row is reported as ``FILE:ROW:FIELD: message``, exit status 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from fleetcare.analytics.lifedata import read_life_data
from fleetcare.analytics.warning import CusumParams
from fleetcare.analytics.weibull import WeibullError, fit
from fleetcare.core.cli import bad_input, command_session, err
from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.i18n import _, ngettext, pgettext

app = typer.Typer(
    no_args_is_help=True,
    help=_("Reliability analytics: Weibull fits of life data and of the fleet, early warnings."),
)


@app.command("weibull")
def weibull_command(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help=_("a .csv (or .json) with columns age, failed"))
    ],
    as_json: Annotated[bool, typer.Option("--json", help=_("print the fit as JSON"))] = False,
) -> None:
    """Two-parameter Weibull fit by maximum likelihood, units still running right-censored:
    shape, scale, B10 life and their 95 % bounds, in the ages' time unit."""
    try:
        ages, failed = read_life_data(file)
        result = fit(ages, failed)
    except InvalidInput as exc:
        raise bad_input(exc.errors) from None
    except WeibullError as exc:
        raise bad_input([FieldError("failed", str(exc), None, str(file))]) from None
    if as_json:
        print(json.dumps(result.as_json()))
        return
    table = Table(
        pgettext("estimate", "quantity"), _("estimate"), _("95 % bounds"), title=str(file)
    )
    table.add_row(_("shape β"), f"{result.shape:.4g}", "{:.4g} – {:.4g}".format(*result.shape_ci))
    table.add_row(_("scale η"), f"{result.scale:.6g}", "{:.6g} – {:.6g}".format(*result.scale_ci))
    table.add_row(_("B10 life"), f"{result.b10:.6g}", "")
    table.add_row(_("failed / still running"), f"{result.n_failed} / {result.n_censored}", "")
    Console().print(table)


def _number(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


@app.command("fits")
def fits_command(
    as_json: Annotated[bool, typer.Option("--json", help=_("print the fits as JSON"))] = False,
) -> None:
    """Weibull fits of the service history per product model × component group × climate
    class (first failure per unit, engine hours; units still running censored)."""
    from fleetcare.analytics import service

    with command_session() as session:
        fits = service.cohort_fits(session)
    if as_json:
        print(fits.model_dump_json())
        return
    table = Table(
        _("model"),
        _("group"),
        _("climate"),
        _("failed / units"),
        _("shape β"),
        _("scale η [h]"),
        _("B10 [h]"),
        _("in the plan"),
    )
    for row in fits.cohorts:
        table.add_row(
            row.model,
            row.component_group,
            row.climate,
            f"{row.n_failed} / {row.n_units}",
            _number(row.shape, ".3g"),
            _number(row.scale, ",.0f"),
            _number(row.b10, ",.0f"),
            _("yes") if row.used_in_plan else service.fit_status_label(row.status),
        )
    Console().print(table)
    err.print(_("The plan uses a cohort's fit from {n} failures.").format(n=fits.min_plan_failures))


@app.command("warnings")
def warnings_command(
    as_json: Annotated[bool, typer.Option("--json", help=_("print the warnings as JSON"))] = False,
    months: Annotated[
        int, typer.Option(min=1, max=120, help=_("complete months to watch, the last one last"))
    ] = 36,
    region: Annotated[str | None, typer.Option(help=_("only this region's series"))] = None,
    h: Annotated[
        float,
        typer.Option(
            "--h", min=0.1, max=50, help=_("the CUSUM's decision interval, claims (default 4)")
        ),
    ] = 4.0,
) -> None:
    """Monthly claims per model × component group × region against those the fleet's
    exposure predicts, and the Poisson CUSUM; a series that signals is flagged."""
    from fleetcare.analytics import service

    with command_session() as session:  # an unknown region: exit status 2
        result = service.warnings(
            session, months=months, region=region, params=CusumParams(decision_interval=h)
        )
    if as_json:
        print(result.model_dump_json())
        return
    table = Table(
        _("model"),
        _("group"),
        _("region"),
        _("claims"),
        _("expected"),
        pgettext("warning", "reference"),
        _("first signal"),
        title=_("{first} – {last}").format(first=result.months[0], last=result.months[-1]),
    )
    for row in result.series:
        table.add_row(
            row.model,
            row.component_group,
            row.region,
            str(row.claims_total),
            f"{row.expected_total:.2f}",
            row.reference,
            row.first_alarm or "",
            style="bold red" if row.flagged else None,
        )
    Console().print(table)
    flagged = sum(row.flagged for row in result.series)
    err.print(ngettext("{n} series flagged.", "{n} series flagged.", flagged).format(n=flagged))
