"""The API documentation page loads everything it needs from fleetcare itself."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_swagger_ui_needs_no_internet(anonymous: TestClient) -> None:
    """/docs names no other host, and every script, style and icon it names is served here."""
    page = anonymous.get("/docs")
    assert page.status_code == 200
    assert not re.search(r"(?:src|href)=['\"](?:https?:)?//", page.text)
    assets = re.findall(r"(?:src|href)=['\"]([^'\"]+)['\"]", page.text)
    assert len(assets) >= 3
    for asset in assets:
        answer = anonymous.get(asset)
        assert answer.status_code == 200 and len(answer.content) > 500, asset
    assert anonymous.get("/openapi.json").json()["info"]["title"] == "fleetcare"
    assert anonymous.get("/redoc").status_code == 404
