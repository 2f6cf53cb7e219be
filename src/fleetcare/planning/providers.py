"""Where the plan's fitted replacement rates come from: a provider the composition roots
register (``web/app.py``'s ``create_app``, the ``fleetcare`` command's ``plan`` and
``simulate``). Planning sits below analytics and imports none; without a provider a plan takes
the engineering rates. A module of its own, without the database or the service's imports,
so that registering costs a command nothing it does not use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fleetcare.planning.rates import FittedRates

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

RateProvider = Callable[["Session"], FittedRates]
_providers: list[RateProvider] = []  # at most one: the composition root's


def use_rates(provider: RateProvider | None) -> None:
    """Register where the plan's fitted replacement rates come from (the reliability fits).
    None: engineering rates only."""
    _providers[:] = [] if provider is None else [provider]


def fitted_rates(session: Session) -> FittedRates | None:
    """The registered provider's rates, or None when none is registered."""
    return _providers[0](session) if _providers else None
