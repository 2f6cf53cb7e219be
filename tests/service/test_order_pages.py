"""The work order page's "reserve again" button: it retries a short, waiting or in-transit
line's reservation through the ledger — still short: 409 on the page with the options shown
again; stocked meanwhile: reserved and audited — with CSRF, permission and scope as every form.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fleetcare.core.audit import AuditEntry
from fleetcare.core.permissions import Role
from fleetcare.parts import schemas as parts_schemas
from fleetcare.parts import service as parts
from fleetcare.parts.models import MoveKind
from tests.service.factories import BY
from tests.service.test_claims import WO
from tests.service.test_claims import setup as claims_setup
from tests.service.test_pages import browser_for

__all__ = ["browser_for"]  # the fixture, shared with the pages' tests


def short_line(client: TestClient, serial: str = "BUS-001") -> tuple[int, int]:
    """A work order on a new defect of ``serial`` with a short line of 5 × P-2 (DEPOT-A holds 1)."""
    defect = client.post(
        "/api/service/defects",
        json={"unit": serial, "component_group": "engine", "symptom": "x", "down": False},
    ).json()["id"]
    order = client.post(WO, json={"defect": defect}).json()["id"]
    answer = client.post(f"{WO}/{order}/parts", json={"part": "P-2", "quantity": 5})
    assert answer.status_code == 409
    return order, answer.json()["line"]["id"]


def test_reserve_again_button(
    client: TestClient, session: Session, browser_for: Callable[..., tuple[TestClient, str]]
) -> None:
    """Still short: 409 with the options again; stocked: reserved (audited), then nothing left
    to reserve (409); no token 403, a customer 403 without the button, another order's line
    404, a bad line 422."""
    claims_setup(session)
    order, line = short_line(client)
    other_order, other_line = short_line(client, "BUS-002")
    url = f"/service/work-orders/{order}"
    dispatcher, token = browser_for(Role.dispatcher, "disp")
    page = dispatcher.get(url).text
    assert f'action="{url}/parts/reserve"' in page and f'name="line" value="{line}"' in page

    still = dispatcher.post(url + "/parts/reserve", data={"csrf_token": token, "line": line})
    assert still.status_code == 409
    assert "choose an option" in still.text and "(1 on hand, 0 reserved)" in still.text
    assert "(on hand" not in still.text  # the stock is said once
    assert f'action="{url}/parts/resolution"' in still.text and ">Short<" in still.text
    assert client.get(f"{WO}/{order}").json()["parts"][0]["status"] == "short"

    assert dispatcher.post(url + "/parts/reserve", data={"line": line}).status_code == 403
    foreign = dispatcher.post(
        url + "/parts/reserve", data={"csrf_token": token, "line": other_line}
    )
    assert foreign.status_code == 404
    bad = dispatcher.post(url + "/parts/reserve", data={"csrf_token": token, "line": "x"})
    assert bad.status_code == 422
    nord, ntoken = browser_for(Role.customer, "nord", customer="NORD")
    assert "/parts/reserve" not in nord.get(url).text
    refused = nord.post(url + "/parts/reserve", data={"csrf_token": ntoken, "line": line})
    assert refused.status_code == 403
    tech, _token = browser_for(Role.technician, "tech")  # may move: sees the button
    other = f"/service/work-orders/{other_order}"
    assert f'action="{other}/parts/reserve"' in tech.get(other).text

    parts.record_move(
        session,
        parts_schemas.MoveCreate(kind=MoveKind.receipt, part="P-2", location="DEPOT-A", quantity=4),
        by=BY,
    )
    session.commit()
    done = dispatcher.post(
        url + "/parts/reserve", data={"csrf_token": token, "line": line}, follow_redirects=False
    )
    assert done.status_code == 303
    reserved = client.get(f"{WO}/{order}").json()["parts"][0]
    assert reserved["status"] == "reserved" and reserved["reservation"] is not None
    audited = select(func.count()).where(
        AuditEntry.entity == "work_order_parts", AuditEntry.action == "reserve"
    )
    assert session.scalar(audited) == 1
    again = dispatcher.post(url + "/parts/reserve", data={"csrf_token": token, "line": line})
    assert again.status_code == 409 and "nothing to reserve" in again.text
    assert f'action="{url}/parts/reserve"' not in dispatcher.get(url).text


def test_an_emergency_with_nothing_upstream_answers_on_the_page(
    client: TestClient, session: Session, browser_for: Callable[..., tuple[TestClient, str]]
) -> None:
    """The emergency option when the lane's origin holds none: 409 on the page, not JSON."""
    claims_setup(session)
    order, line = short_line(client)
    dispatcher, token = browser_for(Role.dispatcher, "disp")
    url = f"/service/work-orders/{order}/parts/resolution"
    answer = dispatcher.post(url, data={"csrf_token": token, "line": line, "option": "emergency"})
    assert answer.status_code == 409
    assert answer.headers["content-type"].startswith("text/html")
    assert "not enough stock" in answer.text and ">Short<" in answer.text
