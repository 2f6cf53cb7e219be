"""The training calendar on the web: the month's sessions by region, and — for those who hold
``training.write`` — a form for a new session and, per session, one to enrol a technician or
set its result (the rules of the API apply: a trainer valid for the course's family, the
regional manager's regions only; a refusal shows on the page, nothing written).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.responses import Response

from fleetcare.core.api import DbSession, SearchText
from fleetcare.core.auth import check_csrf, require
from fleetcare.core.clock import today
from fleetcare.core.errors import FieldError, InvalidInput, InvalidQuery
from fleetcare.core.i18n import _
from fleetcare.core.permissions import Permission, Principal
from fleetcare.core.schemas import MONTH_PATTERN, outside_calendar
from fleetcare.core.templating import problems_of, render
from fleetcare.fleet import service as fleet_service
from fleetcare.workforce import schemas, service
from fleetcare.workforce.models import Result
from fleetcare.workforce.views import CodePath

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
Reader = Annotated[Principal, Depends(require(Permission.workforce_read))]
Trainer = Annotated[Principal, Depends(require(Permission.training_write))]
Month = Annotated[str | None, Query(pattern=MONTH_PATTERN)]
Text = Annotated[str, Form(max_length=200)]


def _month(text: str | None) -> date:
    """The first day of the month ``YYYY-MM`` names (default: this month); a month that is
    none (00, 13) or outside the calendar is 422 naming ``month``."""
    if text is None:
        return today().replace(day=1)
    year, month = (int(part) for part in text.split("-"))
    try:
        first = date(year, month, 1)
    except ValueError:  # month 00 or 13, year 0000
        message = _("'{text}' is not a month (YYYY-MM)").format(text=text)
        raise InvalidQuery([FieldError("month", message)]) from None
    refused = outside_calendar(first)
    if refused is not None:
        raise InvalidQuery([FieldError("month", refused)])
    return first


def _calendar(
    session: Session, principal: Principal, first: date, region: str | None
) -> dict[str, Any]:
    """The calendar of the month starting ``first`` (in ``region``, when named), with what its
    forms need."""
    sessions = service.list_sessions(
        session, scope=principal.scope, region=region, month=first, limit=500
    ).items
    by_region: dict[str, list[schemas.SessionRead]] = {}
    for item in sessions:
        by_region.setdefault(item.region, []).append(item)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    previous = first if outside_calendar(previous) else previous  # the calendar's ends
    following = first if outside_calendar(following) else following
    can_train = principal.can(Permission.training_write)
    courses = service.list_courses(session, limit=500).items if can_train else []
    return {
        "month": first,
        "previous": previous.strftime("%Y-%m"),
        "following": following.strftime("%Y-%m"),
        "by_region": dict(sorted(by_region.items())),
        "linked": service.visible_technician_codes(
            session, (item.trainer for item in sessions), principal.scope
        ),
        "regions": fleet_service.region_names(session, scope=principal.scope),
        "region": region,
        "can_train": can_train,
        "courses": courses,
        "results": [r.value for r in Result],
        "problems": [],
        "form": {},
    }


@router.get("/workforce/training")
def training_page(
    request: Request,
    session: DbSession,
    principal: Reader,
    month: Month = None,
    region: SearchText = None,
) -> Response:
    """The training calendar: the month's sessions by region and first day, with trainer and
    attendees; links to the previous and next month; the forms for ``training.write``."""
    context = _calendar(session, principal, _month(month), region)
    return render(request, "workforce/training.html", context)


def _back(month: date) -> RedirectResponse:
    return RedirectResponse(f"/workforce/training?month={month.strftime('%Y-%m')}", status_code=303)


def _refused(
    request: Request,
    session: Session,
    principal: Principal,
    day: date,
    refusal: ValidationError | InvalidInput | service.Conflict,
    form: dict[str, str],
) -> Response:
    """The calendar of ``day``'s month again with the form as typed and why it was refused
    (409 a conflict, else 422)."""
    if isinstance(refusal, service.Conflict):
        problems, status_code = [str(refusal)], 409
    else:
        problems, status_code = problems_of(refusal), 422
    context = _calendar(session, principal, day.replace(day=1), None)
    context.update(problems=problems, form=form)
    return render(request, "workforce/training.html", context, status_code=status_code)


@router.post("/workforce/training/sessions")
def new_session_page(
    request: Request,
    session: DbSession,
    principal: Trainer,
    code: Annotated[str, Form(max_length=40)],
    course: Annotated[str, Form(max_length=40)],
    region: Annotated[str, Form(max_length=120)],
    place: Text,
    trainer: Annotated[str, Form(max_length=40)],
    starts_on: Annotated[str, Form(max_length=10)],
    ends_on: Annotated[str, Form(max_length=10)],
) -> Response:
    """Add a training session (audited); back to its month, or the refusal on the page."""
    form = {
        "code": code,
        "course": course,
        "region": region,
        "place": place,
        "trainer": trainer,
        "starts_on": starts_on,
        "ends_on": ends_on,
    }
    try:
        record = schemas.SessionRecord.model_validate(form)
        with session.begin_nested():  # a refused form leaves no row behind
            service.create_session(session, record, by=principal)
    except (ValidationError, InvalidInput, service.Conflict) as exc:
        return _refused(request, session, principal, _day_or_today(starts_on), exc, form)
    return _back(record.starts_on)


@router.post("/workforce/training/sessions/{code}/attendees")
def attendee_page(
    request: Request,
    session: DbSession,
    principal: Trainer,
    code: CodePath,
    technician: Annotated[str, Form(max_length=40)],
    result: Annotated[str, Form(max_length=20)] = Result.enrolled.value,
) -> Response:
    """Enrol a technician in the session or set its result (audited); back to the session's
    month, or the refusal on the page (a session out of reach: 404)."""
    held = service.session_read(session, code, principal.scope)
    form = {"session": code, "technician": technician, "result": result}
    try:
        body = schemas.AttendeeSet.model_validate({"technician": technician, "result": result})
        with session.begin_nested():
            service.set_attendee(session, code, body, by=principal)
    except (ValidationError, InvalidInput, service.Conflict) as exc:
        return _refused(request, session, principal, held.starts_on, exc, form)
    return _back(held.starts_on)


def _day_or_today(text: str) -> date:
    """The day a form typed, for the month to show again; today when it is none."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return today()
    return today() if outside_calendar(day) else day
