"""The warranty decision: a pure function of plain facts, no database and no web.

``decide`` answers, for one unit, component group, date and engine-hour count, whether a
defect is covered by the maker's warranty, must be reviewed by a person, falls under a
service contract, or is not covered — and says why, in notes each reader reads in their own
language (``core.notes``). ``service.coverage`` gathers
the facts from the database; tests and other callers build them by hand.

The rules (docs/service.md, "The warranty decision"):

1. The policy is the one for (model, group), else the model's whole-machine policy; none →
   ``not_covered``.
2. ``warranty_until`` = warranty start + ``months`` calendar months (a day the month lacks
   becomes its last day). In warranty ⇔ D < warranty_until and (no hour limit, or H ≤ limit).
3. In warranty the decision is ``covered`` unless an exclusion holds, then ``review``: the
   hours are unknown and the policy has an hour limit; a non-genuine part of the group was
   fitted before D; scheduled maintenance was overdue beyond its tolerance at D; D lies before
   the warranty start.
4. Out of warranty: ``contract`` when a contract of the customer covers the model and group on
   D, else ``not_covered``.
"""

from __future__ import annotations

import calendar
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from fleetcare.core.i18n import N_
from fleetcare.core.notes import Note

STALE_READING_DAYS = 90  # a reading older than this (before D) leaves the hours unknown


class Decision(enum.StrEnum):
    """What the maker owes for a defect."""

    covered = "covered"  # under warranty
    review = "review"  # under warranty unless a person decides otherwise (an exclusion holds)
    contract = "contract"  # out of warranty, under a service contract
    not_covered = "not_covered"  # paid repair


@dataclass(frozen=True)
class Policy:
    """A warranty policy of the unit's model; ``component_group`` None is the whole machine."""

    component_group: str | None
    months: int
    hours_limit: float | None = None


@dataclass(frozen=True)
class Contract:
    """A service contract of the unit's customer; None model or group covers all of them."""

    reference: str
    starts_on: date
    ends_on: date
    model: str | None = None
    component_group: str | None = None


@dataclass(frozen=True)
class Reading:
    """An engine-hour reading: the day it was taken and the hours."""

    taken_on: date
    engine_hours: float


@dataclass(frozen=True)
class GreyFitting:
    """A non-genuine (grey-market) part of ``component_group`` fitted to the unit on a day."""

    component_group: str
    fitted_on: date


@dataclass(frozen=True)
class MissedMaintenance:
    """A scheduled maintenance task due on ``due_on``, done on ``done_on`` (None: not yet)."""

    task: str | Note  # "500 h service", or a note ("every 6 months")
    due_on: date
    tolerance_days: int
    done_on: date | None = None

    def overdue_at(self, on: date) -> bool:
        """True when, on ``on``, the task was late by more than its tolerance."""
        done_by_then = self.done_on is not None and self.done_on <= on
        return not done_by_then and (on - self.due_on).days > self.tolerance_days


@dataclass(frozen=True)
class Question:
    """Everything the decision needs about one defect (``hours``: given with the report)."""

    model: str
    component_group: str
    on: date
    warranty_start: date
    policies: Sequence[Policy] = ()
    contracts: Sequence[Contract] = ()
    hours: float | None = None
    reading: Reading | None = None  # the latest at or before ``on``, used when no hours given
    grey_fittings: Sequence[GreyFitting] = ()
    maintenance: Sequence[MissedMaintenance] = ()
    group_words: Mapping[str, str] = field(default_factory=dict)  # code → words (``N_``)


@dataclass(frozen=True)
class Answer:
    """The decision, its reasons, and the figures it was made on."""

    decision: Decision
    reasons: list[Note] = field(default_factory=list)
    warranty_until: date | None = None
    hours_limit: float | None = None
    hours: float | None = None  # None: unknown


def add_months(start: date, months: int) -> date:
    """``start`` plus calendar months; a day the month lacks becomes its last day
    (31 January + 1 month → 28 or 29 February)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


WHOLE_MACHINE = ""  # the group of a question about the machine as a whole: no group's own rules


def policy_for(policies: Sequence[Policy], component_group: str) -> Policy | None:
    """The group's own policy, else the whole-machine one, else None (rule 1)."""
    own = next((p for p in policies if p.component_group == component_group), None)
    return own or next((p for p in policies if p.component_group is None), None)


def known_hours(question: Question) -> float | None:
    """The hours given, else the reading's when it is at most 90 days older than D, else None."""
    if question.hours is not None:
        return question.hours
    reading = question.reading
    if reading is None or reading.taken_on > question.on:
        return None
    if (question.on - reading.taken_on).days > STALE_READING_DAYS:
        return None
    return reading.engine_hours


def _group(question: Question, code: str) -> str | Note:
    """A component group's words inside a sentence ("engine"); a code without words as it is."""
    words = question.group_words.get(code)
    return code if words is None else Note(words, lower=True)


def _hours_note(hours: float) -> Note:
    """Engine hours to a tenth of an hour: "10,000 h", "11,076.8 h"."""
    rounded = float(hours) if float(hours).is_integer() else round(float(hours), 1)
    return Note(N_("{hours} h"), {"hours": int(rounded) if rounded.is_integer() else rounded})


def exclusions(question: Question, policy: Policy, hours: float | None) -> list[Note]:
    """The exclusions that send an in-warranty defect to a person's review (rule 3)."""
    found = []
    if hours is None and policy.hours_limit is not None:
        found.append(Note(N_("the engine hours are unknown and the policy has an hour limit")))
    for fitting in question.grey_fittings:
        if fitting.component_group == question.component_group and fitting.fitted_on < question.on:
            found.append(
                Note(
                    N_("a non-genuine {group} part was fitted on {day}"),
                    {
                        "group": _group(question, fitting.component_group),
                        "day": fitting.fitted_on.isoformat(),
                    },
                )
            )
    for task in question.maintenance:
        if task.overdue_at(question.on):
            found.append(
                Note(
                    N_("maintenance '{task}' due on {due} was overdue beyond {days} days"),
                    {
                        "task": task.task,
                        "due": task.due_on.isoformat(),
                        "days": task.tolerance_days,
                    },
                )
            )
    if question.on < question.warranty_start:
        found.append(
            Note(
                N_("the defect was found on {day}, before the machine entered service on {start}"),
                {"day": question.on.isoformat(), "start": question.warranty_start.isoformat()},
            )
        )
    return found


def covering_contract(question: Question) -> Contract | None:
    """A contract covering the model and group on D (rule 4), the earliest-ending first."""
    matching = [
        c
        for c in question.contracts
        if c.model in (None, question.model)
        and c.component_group in (None, question.component_group)
        and c.starts_on <= question.on <= c.ends_on
    ]
    return min(matching, key=lambda c: (c.ends_on, c.reference), default=None)


def decide(question: Question) -> Answer:
    """The warranty decision for one defect, with its reasons (see the module's rules)."""
    hours = known_hours(question)
    policy = policy_for(question.policies, question.component_group)
    if policy is None:
        reason = Note(N_("no warranty policy for model {model}"), {"model": question.model})
        return Answer(Decision.not_covered, [reason], hours=hours)
    until = add_months(question.warranty_start, policy.months)
    limit = policy.hours_limit
    what = (
        _group(question, policy.component_group)
        if policy.component_group
        else Note(N_("the whole machine"))
    )
    or_hours: str | Note = (
        "" if limit is None else Note(N_(" or {limit}"), {"limit": _hours_note(limit)})
    )
    reasons = [
        Note(
            N_("policy for {what}: {months} months{hours}"),
            {"what": what, "months": policy.months, "hours": or_hours},
        ),
        Note(N_("warranty until {day}"), {"day": until.isoformat()}),
    ]

    def answer(decision: Decision) -> Answer:
        return Answer(decision, reasons, warranty_until=until, hours_limit=limit, hours=hours)

    within_time = question.on < until
    within_hours = limit is None or hours is None or hours <= limit
    if within_time and within_hours:
        excluded = exclusions(question, policy, hours)
        if excluded:
            reasons.extend(excluded)
            return answer(Decision.review)
        reasons.append(Note(N_("in warranty on {day}"), {"day": question.on.isoformat()}))
        return answer(Decision.covered)
    if not within_time:
        reasons.append(
            Note(
                N_("out of warranty: {day} is not before {until}"),
                {"day": question.on.isoformat(), "until": until.isoformat()},
            )
        )
    else:
        reasons.append(
            Note(
                N_("out of warranty: {hours} is over the {limit} limit"),
                {"hours": _hours_note(hours or 0.0), "limit": _hours_note(limit or 0.0)},
            )
        )
    contract = covering_contract(question)
    if contract is not None:
        reasons.append(
            Note(
                N_("service contract {reference} covers it until {day}"),
                {"reference": contract.reference, "day": contract.ends_on.isoformat()},
            )
        )
        return answer(Decision.contract)
    reasons.append(Note(N_("no service contract covers it")))
    return answer(Decision.not_covered)
