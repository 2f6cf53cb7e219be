"""Golden cases of the warranty decision, one or more per rule, boundaries included.

Source of every expected value: the rules in docs/service.md ("The warranty decision").
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from fleetcare.service.warranty import (
    Contract,
    Decision,
    GreyFitting,
    MissedMaintenance,
    Policy,
    Question,
    Reading,
    add_months,
    decide,
)

START = date(2024, 1, 31)
ENGINE = Policy(component_group="engine", months=24, hours_limit=5000)
MACHINE = Policy(component_group=None, months=12)
BASE = Question(
    model="CB-12",
    component_group="engine",
    on=date(2024, 6, 1),
    warranty_start=START,
    policies=(ENGINE, MACHINE),
    hours=1000,
)


@pytest.mark.parametrize(
    ("start", "months", "until"),
    [
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 3, 31), 1, date(2024, 4, 30)),
        (date(2024, 1, 15), 12, date(2025, 1, 15)),
        (date(2024, 11, 30), 3, date(2025, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
    ],
)
def test_calendar_months(start: date, months: int, until: date) -> None:
    """A day the target month lacks becomes that month's last day."""
    assert add_months(start, months) == until


def test_group_policy_first_then_whole_machine_then_none() -> None:
    """Rule 1: the group's row, else the whole-machine row, else not covered."""
    assert decide(BASE).warranty_until == date(2026, 1, 31)
    brakes = decide(replace(BASE, component_group="brakes"))
    assert (brakes.warranty_until, brakes.hours_limit) == (date(2025, 1, 31), None)
    nothing = decide(replace(BASE, policies=()))
    assert nothing.decision is Decision.not_covered
    assert (nothing.warranty_until, nothing.hours_limit, nothing.hours) == (None, None, 1000)
    assert "no warranty policy" in str(nothing.reasons[0])


def test_day_before_and_at_warranty_until() -> None:
    """Rule 2: covered the day before warranty_until, out of warranty on it."""
    policy = (Policy(component_group=None, months=1),)
    start = replace(BASE, warranty_start=date(2024, 1, 31), policies=policy)
    assert decide(replace(start, on=date(2024, 2, 28))).decision is Decision.covered
    at = decide(replace(start, on=date(2024, 2, 29)))
    assert at.decision is Decision.not_covered
    assert at.warranty_until == date(2024, 2, 29)


def test_hours_at_and_above_the_limit() -> None:
    """Rule 2: hours equal to the limit are in warranty; above it, out (whichever first)."""
    assert decide(replace(BASE, hours=5000)).decision is Decision.covered
    above = decide(replace(BASE, hours=5000.1))
    assert above.decision is Decision.not_covered
    assert any("over the" in r for r in map(str, above.reasons))


def test_reading_ninety_versus_ninety_one_days_old() -> None:
    """Without given hours the latest reading counts up to 90 days old; at 91 it is unknown."""
    on = date(2024, 6, 1)
    fresh = replace(BASE, hours=None, reading=Reading(date(2024, 3, 3), 1200))
    assert (on - fresh.reading.taken_on).days == 90  # type: ignore[union-attr]
    answer = decide(fresh)
    assert (answer.decision, answer.hours) == (Decision.covered, 1200)
    stale = replace(BASE, hours=None, reading=Reading(date(2024, 3, 2), 1200))
    answer = decide(stale)
    assert (answer.decision, answer.hours) == (Decision.review, None)
    assert any("hours are unknown" in r for r in map(str, answer.reasons))


def test_unknown_hours_without_an_hour_limit_is_covered() -> None:
    """The unknown-hours exclusion applies only when the policy has an hour limit."""
    answer = decide(replace(BASE, component_group="cab", hours=None))
    assert (answer.decision, answer.hours) == (Decision.covered, None)


def test_given_hours_win_over_the_reading() -> None:
    """Hours given with the defect are used as they are."""
    answer = decide(replace(BASE, hours=6000, reading=Reading(date(2024, 5, 30), 10)))
    assert answer.hours == 6000
    assert answer.decision is Decision.not_covered


def test_grey_part_of_the_group_before_the_day() -> None:
    """Rule 3: a non-genuine part of the group fitted before D sends it to review."""
    before = decide(replace(BASE, grey_fittings=(GreyFitting("engine", date(2024, 5, 31)),)))
    assert before.decision is Decision.review
    assert any("non-genuine" in r for r in map(str, before.reasons))
    same_day = decide(replace(BASE, grey_fittings=(GreyFitting("engine", date(2024, 6, 1)),)))
    assert same_day.decision is Decision.covered
    other = decide(replace(BASE, grey_fittings=(GreyFitting("brakes", date(2024, 1, 1)),)))
    assert other.decision is Decision.covered


def test_overdue_maintenance_beyond_its_tolerance() -> None:
    """Rule 3: maintenance late by more than its tolerance at D sends it to review."""
    due = date(2024, 5, 1)
    within = MissedMaintenance("500 h service", due_on=due, tolerance_days=31)
    assert decide(replace(BASE, maintenance=(within,))).decision is Decision.covered
    beyond = MissedMaintenance("500 h service", due_on=due, tolerance_days=30)
    answer = decide(replace(BASE, maintenance=(beyond,)))
    assert answer.decision is Decision.review
    assert any("500 h service" in r for r in map(str, answer.reasons))
    done = replace(beyond, done_on=date(2024, 5, 20))
    assert decide(replace(BASE, maintenance=(done,))).decision is Decision.covered


def test_defect_before_the_warranty_start() -> None:
    """Rule 3: a defect found before the machine entered service goes to review."""
    answer = decide(replace(BASE, on=date(2024, 1, 30)))
    assert answer.decision is Decision.review
    assert any("before the machine entered service" in r for r in map(str, answer.reasons))


def test_several_exclusions_are_all_named() -> None:
    """Every exclusion that holds is listed."""
    answer = decide(
        replace(
            BASE,
            hours=None,
            grey_fittings=(GreyFitting("engine", date(2024, 2, 1)),),
            on=date(2024, 6, 1),
        )
    )
    assert answer.decision is Decision.review
    assert sum("unknown" in r or "non-genuine" in r for r in map(str, answer.reasons)) == 2


def test_out_of_warranty_under_a_contract() -> None:
    """Rule 4: a contract of the customer covering model and group on D → contract."""
    late = replace(BASE, on=date(2026, 3, 1))
    contract = Contract("SC-1", date(2026, 1, 1), date(2026, 12, 31))
    assert decide(replace(late, contracts=(contract,))).decision is Decision.contract
    ends_that_day = replace(contract, ends_on=date(2026, 3, 1))
    assert decide(replace(late, contracts=(ends_that_day,))).decision is Decision.contract
    ended = replace(contract, ends_on=date(2026, 2, 28))
    assert decide(replace(late, contracts=(ended,))).decision is Decision.not_covered
    other_model = replace(contract, model="PL-630")
    assert decide(replace(late, contracts=(other_model,))).decision is Decision.not_covered
    other_group = replace(contract, component_group="brakes")
    assert decide(replace(late, contracts=(other_group,))).decision is Decision.not_covered
    exact = replace(contract, model="CB-12", component_group="engine")
    answer = decide(replace(late, contracts=(exact,)))
    assert answer.decision is Decision.contract
    assert any("SC-1" in r for r in map(str, answer.reasons))


def test_over_the_hour_limit_under_a_contract() -> None:
    """Rule 4 applies when the hour limit, not the date, ends the warranty."""
    contract = Contract("SC-2", date(2024, 1, 1), date(2024, 12, 31), model="CB-12")
    answer = decide(replace(BASE, hours=9000, contracts=(contract,)))
    assert answer.decision is Decision.contract


def test_in_warranty_ignores_contracts() -> None:
    """A contract does not change an in-warranty decision."""
    contract = Contract("SC-3", date(2024, 1, 1), date(2024, 12, 31))
    assert decide(replace(BASE, contracts=(contract,))).decision is Decision.covered


def test_every_decision_has_reasons() -> None:
    """Each answer explains itself in words."""
    for question in (BASE, replace(BASE, policies=()), replace(BASE, hours=None)):
        assert decide(question).reasons
