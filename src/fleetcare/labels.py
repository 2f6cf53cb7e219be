"""Every domain's words for its codes, learnt at once (``core.labels``): by the web app when it
is made, and by a command when it first reads a code in words, so that a code named in any
domain's message reads in the reader's words wherever the message is raised."""

from __future__ import annotations


def use_every_label() -> None:
    """Hand every domain's ``LABELS`` to ``core.labels.use_labels`` (the roles' come with it)."""
    from fleetcare.cooperation import labels as cooperation
    from fleetcare.core.labels import use_labels
    from fleetcare.fleet import labels as fleet
    from fleetcare.parts import labels as parts
    from fleetcare.service import labels as service
    from fleetcare.workforce import labels as workforce

    use_labels(fleet.LABELS, parts.LABELS, service.LABELS, workforce.LABELS, cooperation.LABELS)
