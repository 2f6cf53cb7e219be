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
from fleetcare.analytics.weibull import WeibullError, fit
from fleetcare.core.cli import bad_input
from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.i18n import _

app = typer.Typer(no_args_is_help=True, help=_("Reliability analytics: Weibull fits of life data."))


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
    table = Table(_("quantity"), _("estimate"), _("95 % bounds"), title=str(file))
    table.add_row(_("shape β"), f"{result.shape:.4g}", "{:.4g} – {:.4g}".format(*result.shape_ci))
    table.add_row(_("scale η"), f"{result.scale:.6g}", "{:.6g} – {:.6g}".format(*result.scale_ci))
    table.add_row(_("B10 life"), f"{result.b10:.6g}", "")
    table.add_row(_("failed / still running"), f"{result.n_failed} / {result.n_censored}", "")
    Console().print(table)
