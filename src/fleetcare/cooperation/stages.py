"""A deal's stages and the moves between them: pure rules, no database.

``lead → negotiation → signed → shipped → delivered``; any stage before ``shipped`` may end
``lost`` (with a reason). A lost deal may be reopened as a ``lead``. Shipping and delivering
happen only from the stage before; nothing leaves ``delivered``.
"""

from __future__ import annotations

import enum

from fleetcare.core.i18n import _
from fleetcare.core.labels import named


class Stage(enum.StrEnum):
    """Where a deal stands."""

    lead = "lead"
    negotiation = "negotiation"
    signed = "signed"
    shipped = "shipped"
    delivered = "delivered"
    lost = "lost"


MOVES: dict[Stage, frozenset[Stage]] = {
    Stage.lead: frozenset({Stage.negotiation, Stage.lost}),
    Stage.negotiation: frozenset({Stage.lead, Stage.signed, Stage.lost}),
    Stage.signed: frozenset({Stage.negotiation, Stage.shipped, Stage.lost}),
    Stage.shipped: frozenset({Stage.delivered}),
    Stage.delivered: frozenset(),
    Stage.lost: frozenset({Stage.lead}),
}
PIPELINE = (Stage.lead, Stage.negotiation, Stage.signed, Stage.shipped, Stage.delivered)


class IllegalMove(ValueError):
    """A move the stage machine does not allow; the message names it."""

    def __init__(self, current: Stage, wanted: Stage) -> None:
        allowed = ", ".join(named(m) for m in sorted(MOVES[current])) or "-"
        super().__init__(
            _("a deal cannot move from {current} to {wanted} (allowed: {allowed})").format(
                current=named(current), wanted=named(wanted), allowed=allowed
            )
        )
        self.current = current
        self.wanted = wanted


def check_move(current: Stage, wanted: Stage) -> None:
    """Raise ``IllegalMove`` unless ``current → wanted`` is a move of the machine."""
    if wanted not in MOVES[current]:
        raise IllegalMove(current, wanted)
