"""Assignments over REST: no double booking, shifts and days off, the supervision rule, and
countersigning a trainee's supervised job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fleetcare.cli import app
from fleetcare.core.audit import AuditEntry
from fleetcare.core.bulk import Item
from fleetcare.workforce.models import Assignment, DayOff, Technician
from fleetcare.workforce.schemas import DayOffRecord
from fleetcare.workforce.shifts import weekday_field
from fleetcare.workforce.tables import DAYS_OFF
from tests.workforce.factories import crew, day_ahead, finish, work_order


def at(hour: int, minute: int = 0) -> str:
    """A time of the test day."""
    return f"{day_ahead().isoformat()}T{hour:02d}:{minute:02d}:00"


def assign(client: TestClient, code: str, order: int, start: str, end: str) -> Any:
    return client.post(
        "/api/workforce/assignments",
        json={"technician": code, "work_order": order, "start": start, "end": end},
    )


def field_of(answer: Any) -> str:
    return str(answer.json()["detail"][0]["loc"][-1])


def test_overlap_is_409_and_touching_is_fine(client: TestClient, session: Session) -> None:
    """A second assignment overlapping the first by a minute is 409; one starting at its end is
    201 (intervals are [start, end))."""
    crew(session)
    first, second = work_order(session), work_order(session, "BUS-002")
    assert assign(client, "CERT-1", first, at(9), at(11)).status_code == 201
    clash = assign(client, "CERT-1", second, at(10, 59), at(12))
    assert clash.status_code == 409 and "CERT-1 already holds" in clash.json()["detail"]
    assert assign(client, "CERT-1", second, at(11), at(12)).status_code == 201


def test_shift_day_off_and_grant_are_checked(client: TestClient, session: Session) -> None:
    """Outside the shift, on a day off, ending before starting, or without a valid grant for the
    family: 422 naming the field; nothing written."""
    crew(session)
    order = work_order(session)
    lift = work_order(session, "LIFT-001")
    assert field_of(assign(client, "CERT-1", order, at(7), at(9))) == "start"
    assert field_of(assign(client, "CERT-1", order, at(17), at(19))) == "start"
    assert field_of(assign(client, "CERT-1", order, at(11), at(10))) == "end"
    refused = assign(client, "BAL-1", order, at(9), at(10))
    assert refused.status_code == 422 and field_of(refused) == "technician"
    assert "no valid grant for city_bus" in refused.json()["detail"][0]["msg"]
    assert assign(client, "CERT-1", lift, at(9), at(10)).status_code == 422
    DAYS_OFF.apply(session, [Item(DayOffRecord(technician="CERT-1", day=day_ahead()))])
    session.commit()
    off = assign(client, "CERT-1", order, at(9), at(10))
    assert off.status_code == 422 and "does not work" in off.json()["detail"][0]["msg"]
    assert session.scalars(select(Assignment)).all() == []


def test_refusals_name_codes_in_the_readers_words(client: TestClient, session: Session) -> None:
    """In Russian a refusal names the family and the work order's state in words (in English,
    the codes a reader may type back)."""
    crew(session)
    order = work_order(session)
    client.headers["Accept-Language"] = "ru"
    no_grant = assign(client, "BAL-1", order, at(9), at(10)).json()["detail"][0]["msg"]
    assert "«Городской автобус»" in no_grant and "city_bus" not in no_grant
    del client.headers["Accept-Language"]
    english = assign(client, "BAL-1", order, at(9), at(10)).json()["detail"][0]["msg"]
    assert "no valid grant for city_bus" in english


def test_working_time_keeps_the_bookings(client: TestClient, session: Session) -> None:
    """Booked 9–11 that day: a day off then, or a shift that no longer holds 9–11, is 409
    naming the assignment, nothing written; a shift that still holds it is 200; once the
    assignment is cancelled the day off is 201."""
    crew(session)
    order = work_order(session)
    booked = assign(client, "CERT-1", order, at(9), at(11)).json()
    url = "/api/workforce/technicians/CERT-1"
    day = day_ahead().isoformat()
    off = client.post(f"{url}/days-off", json={"day": day})
    assert off.status_code == 409 and f"assignment {booked['id']}" in off.json()["detail"]
    weekday = weekday_field(day_ahead())
    for shift in (None, "10:00-18:00"):
        moved = client.patch(url, json={weekday: shift})
        assert moved.status_code == 409 and f"assignment {booked['id']}" in moved.text, shift
    assert client.get(url).json()[weekday] == "08:00-18:00"  # as it was
    assert client.patch(url, json={weekday: "07:00-12:00"}).status_code == 200
    assert client.delete(f"/api/workforce/assignments/{booked['id']}").status_code in (200, 204)
    assert client.post(f"{url}/days-off", json={"day": day}).status_code == 201


def test_imports_keep_the_bookings(
    client: TestClient,
    session: Session,
    runner: CliRunner,
    cli_env: dict[str, str],
    data_dir: Path,
) -> None:
    """Booked 9–11 that day: an imported day off then, or an imported shift that no longer
    holds 9–11, is refused on the file's row and field naming the assignment, nothing
    written; the technicians' own export re-imports unchanged; a shift that still holds the
    booking imports."""
    crew(session)
    booked = assign(client, "CERT-1", work_order(session), at(9), at(11)).json()
    day, weekday = day_ahead().isoformat(), weekday_field(day_ahead())

    def load(kind: str, text: str) -> tuple[int, str]:
        path = data_dir / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        result = runner.invoke(app, ["import", kind, str(path), "--json"], env=cli_env)
        return result.exit_code, result.stdout if result.exit_code == 0 else result.stderr

    empty = load("days-off", "technician,day\n")
    assert empty[0] == 2 and "header but no rows" in empty[1]  # said, not a crash
    code, said = load("days-off", "technician,day\nCERT-1,not-a-day\n")
    assert code == 2 and "days-off.csv:2:day:" in said  # the row's own error, not a crash
    days_off = f"technician,day\nTRN-1,{day}\nCERT-1,{day}\n"
    code, said = load("days-off", days_off)
    assert code == 2 and f"days-off.csv:3:day: CERT-1 holds assignment {booked['id']}" in said
    session.rollback()
    assert session.scalars(select(DayOff)).all() == []

    exported = client.get("/api/export/technicians", params={"format": "csv"}).text
    assert load("technicians", exported) == (0, '{"created": 0, "updated": 0, "unchanged": 4}\n')
    header, *rows = exported.splitlines()
    column = header.split(",").index(weekday)
    for shift, written in (("", False), ("10:00-18:00", False), ("07:00-12:00", True)):
        changed = [header]
        for row in rows:
            cells = row.split(",")
            if cells[0] == "CERT-1":
                cells[column] = shift
            changed.append(",".join(cells))
        code, said = load("technicians", "\n".join(changed) + "\n")
        row = 1 + next(n for n, r in enumerate(changed) if r.startswith("CERT-1,"))
        if written:
            assert code == 0, said
        else:
            assert code == 2, said
            assert (
                f"technicians.csv:{row}:{weekday}: CERT-1 holds assignment {booked['id']}" in said
            )
        session.rollback()
        stored = session.scalars(select(Technician).where(Technician.code == "CERT-1")).one()
        assert getattr(stored, weekday) == (shift if written else "08:00-18:00")


def test_a_trainee_never_works_alone(client: TestClient, session: Session) -> None:
    """A trainee alone is 409; with a certified colleague's assignment covering its interval it
    is 201; beyond that cover it is 409 again."""
    crew(session)
    order = work_order(session)
    alone = assign(client, "TRN-1", order, at(9), at(11))
    assert alone.status_code == 409 and "never works alone" in alone.json()["detail"]
    assert assign(client, "CERT-1", order, at(9), at(12)).status_code == 201
    assert assign(client, "TRN-1", order, at(9), at(11)).status_code == 201
    beyond = assign(client, "TRN-1", order, at(12), at(13))
    assert beyond.status_code == 409


def test_countersign_counts_a_supervised_job(client: TestClient, session: Session) -> None:
    """Before the job is done: 409. By a non-crew or non-certified technician: 422 naming
    ``by``. By the certified crew member once done: one supervised job; twice: 409; audited."""
    crew(session)
    order = work_order(session)
    assert assign(client, "CERT-1", order, at(9), at(12)).status_code == 201
    trainee = assign(client, "TRN-1", order, at(9), at(11)).json()
    sign = f"/api/workforce/assignments/{trainee['id']}/countersign"
    early = client.post(sign, json={"by": "CERT-1"})
    assert early.status_code == 409 and "only a completed job" in early.json()["detail"]
    finish(session, order)
    stranger = client.post(sign, json={"by": "ENG-1"})
    assert stranger.status_code == 422 and field_of(stranger) == "by"
    assert "not in the crew" in stranger.json()["detail"][0]["msg"]
    assert client.post(sign, json={"by": "TRN-1"}).status_code == 422
    signed = client.post(sign, json={"by": "CERT-1"})
    assert signed.status_code == 200 and signed.json()["countersigned_by"] == "CERT-1"
    assert client.post(sign, json={"by": "CERT-1"}).status_code == 409
    ladder = client.get("/api/workforce/technicians/TRN-1/ladder").json()
    bus = next(f for f in ladder["families"] if f["family"] == "city_bus")
    assert bus["supervised_jobs"] == 1 and not bus["eligible"]
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.entity == "assignments")
    ).all()
    assert sorted(actions) == ["assign", "assign", "countersign"]


def test_a_certified_assignment_cannot_be_countersigned(
    client: TestClient, session: Session
) -> None:
    """Countersigning is for a trainee's assignment only (409)."""
    crew(session)
    order = work_order(session)
    mine = assign(client, "CERT-1", order, at(9), at(12)).json()
    finish(session, order)
    answer = client.post(
        f"/api/workforce/assignments/{mine['id']}/countersign", json={"by": "ENG-1"}
    )
    assert answer.status_code == 409


def test_done_work_order_takes_no_assignment(client: TestClient, session: Session) -> None:
    """An assignment on a done work order is 409; on an unknown one 422 naming work_order."""
    crew(session)
    order = work_order(session)
    finish(session, order)
    assert assign(client, "CERT-1", order, at(9), at(10)).status_code == 409
    unknown = assign(client, "CERT-1", 999_999, at(9), at(10))
    assert unknown.status_code == 422 and field_of(unknown) == "work_order"


def test_cancel_keeps_the_supervision_rule(client: TestClient, session: Session) -> None:
    """The certified cover of a trainee cannot go first (409); the trainee's, then the cover's
    can (204, audited); a countersigned one is kept (409); a foreign id is 404."""
    crew(session)
    order = work_order(session)
    cover = assign(client, "CERT-1", order, at(9), at(12)).json()["id"]
    trainee = assign(client, "TRN-1", order, at(9), at(11)).json()["id"]
    refused = client.delete(f"/api/workforce/assignments/{cover}")
    assert refused.status_code == 409 and "never works alone" in refused.json()["detail"]
    assert client.delete(f"/api/workforce/assignments/{trainee}").status_code == 204
    assert client.delete(f"/api/workforce/assignments/{cover}").status_code == 204
    assert session.scalars(select(Assignment)).all() == []
    cancelled = session.scalars(
        select(AuditEntry.action).where(AuditEntry.action == "cancel")
    ).all()
    assert len(cancelled) == 2
    session.commit()  # end the test's read before writing again
    cover = assign(client, "CERT-1", order, at(9), at(12)).json()["id"]
    trainee = assign(client, "TRN-1", order, at(9), at(11)).json()["id"]
    finish(session, order)
    sign = client.post(f"/api/workforce/assignments/{trainee}/countersign", json={"by": "CERT-1"})
    assert sign.status_code == 200
    assert client.delete(f"/api/workforce/assignments/{trainee}").status_code == 409
    assert client.delete("/api/workforce/assignments/999999").status_code == 404
