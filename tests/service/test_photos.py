"""Defect photos reach the defect's folder only when the report commits: a transaction that
fails after the photos were written leaves no file behind (no orphan a later defect reusing the
id could show)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleetcare.core.errors import FieldError, InvalidInput
from fleetcare.core.permissions import Role
from fleetcare.service import photos, schemas, service
from fleetcare.service.models import Defect
from tests.service.factories import BY, service_fleet
from tests.service.test_pages import JPEG, PNG, browser_for, report

__all__ = ["browser_for"]  # the fixture, shared with the pages' tests


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def reported(session: Session) -> int:
    body = schemas.DefectCreate(unit="BUS-001", component_group="engine", symptom="x", down=False)
    return service.report_defect(session, body, by=BY).id


def test_photos_appear_on_commit_and_vanish_on_rollback(session: Session, tmp_path: Path) -> None:
    """Staged photos are invisible until the commit renames them into the folder; a rollback
    deletes them; a savepoint's end does neither."""
    service_fleet(session)
    defect = reported(session)
    names = photos.store(session, tmp_path, defect, [PNG, JPEG], ["png", "jpg"], by=BY)
    assert photos.names(tmp_path, defect) == []
    assert len(files_under(tmp_path / photos.PENDING)) == 2
    with session.begin_nested():
        pass
    assert len(files_under(tmp_path / photos.PENDING)) == 2
    session.commit()
    assert sorted(photos.names(tmp_path, defect)) == sorted(names)
    assert (tmp_path / "photos" / str(defect) / names[0]).read_bytes() in (PNG, JPEG)
    assert files_under(tmp_path / photos.PENDING) == []

    failed = reported(session)
    photos.store(session, tmp_path, failed, [PNG], ["png"], by=BY)
    session.rollback()
    assert session.get(Defect, failed) is None
    assert files_under(tmp_path / photos.PENDING) == []
    assert not (tmp_path / "photos" / str(failed)).exists()
    assert len(files_under(tmp_path)) == 2  # the committed defect's two photos only


def test_a_report_failing_after_its_photos_leaves_no_file(
    session: Session,
    browser_for: Callable[..., tuple[TestClient, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Forced: the portal report's transaction fails after the photos were written (the audit
    entry refused); the answer is 422, no defect, no file; the next report keeps its own."""
    service_fleet(session)
    nord, token = browser_for(Role.customer, "nord", customer="NORD")
    files = [("photo", ("a.png", PNG, "image/png")), ("photo", ("b.jpg", JPEG, "image/jpeg"))]
    real = photos.audit

    class Refusing:
        @staticmethod
        def record(*args: object, **kwargs: object) -> None:
            raise InvalidInput([FieldError("photos", "forced failure")])

    monkeypatch.setattr(photos, "audit", Refusing)
    assert report(nord, token, files=files).status_code == 422
    session.expire_all()
    assert session.scalars(select(Defect)).all() == []
    assert files_under(tmp_path) == []
    monkeypatch.setattr(photos, "audit", real)
    answer = report(nord, token, files=files)
    assert answer.status_code == 303
    defect = int(answer.headers["location"].rsplit("/", 1)[1])
    assert len(photos.names(tmp_path, defect)) == 2
    assert len(files_under(tmp_path)) == 2


def test_a_report_refused_after_its_row_was_written_leaves_no_defect(
    session: Session,
    browser_for: Callable[..., tuple[TestClient, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Forced: the service writes the defect, then refuses the report; the portal answers 422
    on its form and the request's transaction keeps nothing of it (the page's savepoint)."""
    service_fleet(session)
    nord, token = browser_for(Role.customer, "nord", customer="NORD")
    real = service.report_defect

    def writes_then_refuses(*args: object, **kwargs: object) -> object:
        real(*args, **kwargs)  # type: ignore[arg-type]
        raise InvalidInput([FieldError("symptom", "forced refusal after the write")])

    monkeypatch.setattr(service, "report_defect", writes_then_refuses)
    answer = report(nord, token)
    assert answer.status_code == 422 and "forced refusal" in answer.text
    session.expire_all()
    assert session.scalars(select(Defect)).all() == []
