"""The cooperation charts: the deal stages read in the reader's words."""

from __future__ import annotations

from fleetcare.cooperation import labels as cooperation_labels
from fleetcare.cooperation.figures import deals_figure
from fleetcare.core.i18n import set_locale, translations
from fleetcare.core.labels import use_labels


def test_the_stages_chart_names_stages_in_words() -> None:
    use_labels(cooperation_labels.LABELS)
    stages = {"negotiation": {"quantity": 12}, "signed": {"quantity": 3}}
    assert deals_figure(stages)["data"][0]["x"] == ["Negotiation", "Signed"]
    set_locale("ru")
    russian = deals_figure(stages)["data"][0]["x"]
    assert russian == [translations("ru").gettext(w) for w in ("Negotiation", "Signed")]
    assert deals_figure(stages)["data"][0]["y"] == [12.0, 3.0]
