"""The planning page's Simulate button: every plan simulated, once per solve."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fleetcare.planning import service
from fleetcare.simulation import pages as simulation_pages
from tests.planning.factories import planned_network


def without_nonce(html: str) -> str:
    """``html`` without its per-answer script nonces."""
    return re.sub(r' nonce="[^"]*"', "", html)


@pytest.fixture(autouse=True)
def _fresh_solves() -> None:
    """Each test solves its own network: the solve cache starts empty."""
    service.cache.clear()


def test_planning_page_simulates_the_plans(
    pages: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The simulate button's fragment: every plan simulated, in a table and a chart."""
    planned_network(session)
    fragment = pages.get("/planning/simulate", params={"region": "Arctic", "target": 0.97})
    assert fragment.status_code == 200, fragment.text
    assert "simulation-chart" in fragment.text and "optimised for 97.0%" in fragment.text
    assert (
        "Model in the interval" in fragment.text and "exact (whole distributions)" in fragment.text
    )
    assert fragment.text.count("<tr>") == 1 + 1 + 1 + 4 + 3  # header, optimised, current, rules
    calls: list[object] = []
    monkeypatch.setattr(simulation_pages, "compare", lambda *a, **k: calls.append(a) or [])
    again = pages.get("/planning/simulate", params={"region": "Arctic", "target": 0.97})
    # simulated once per target and rule: the same fragment but for its script's nonce
    assert without_nonce(again.text) == without_nonce(fragment.text) and not calls
    russian = pages.get(
        "/planning/simulate", params={"region": "Arctic", "target": 0.97, "lang": "ru"}
    )
    assert "оптимизирован под 97,0%" in russian.text and not calls
    pages.cookies.delete("lang")  # back to English
    monkeypatch.undo()
    grey = pages.get(
        "/planning/simulate", params={"region": "Arctic", "target": 0.97, "policy": "grey"}
    )
    assert grey.status_code == 200 and "buy on the grey market" in grey.text
    assert "it comes after 7 days at the" in grey.text and "(else 5 times its cost)" in grey.text
    assert "The machine waits for the depot" in fragment.text
    assert grey.text != fragment.text
    bad = {"region": "Arctic", "target": 0.97, "policy": "pray"}
    assert pages.get("/planning/simulate", params=bad).status_code == 422
