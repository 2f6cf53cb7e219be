"""The ladder's pure rules: validity and expiry, the highest valid level, what falls due,
eligibility for certified, and the supervision rule."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from fleetcare.workforce.ladder import (
    RANK,
    GrantFact,
    Level,
    Missing,
    Progress,
    crew_covers,
    eligible,
    falling_due,
    level_on,
    levels_on,
    missing_for_certified,
    valid,
)

D = date(2026, 12, 7)


def test_a_grant_counts_from_its_day_until_the_day_before_expiry() -> None:
    """granted_on ≤ D < expires_on: valid on the grant day and the day before expiry, not on
    the expiry day itself (exclusive) nor the day before the grant."""
    g = GrantFact("city_bus", Level.certified, D, D + timedelta(days=30))
    assert valid(g, D) and valid(g, D + timedelta(days=29))
    assert not valid(g, D + timedelta(days=30))
    assert not valid(g, D - timedelta(days=1))


def test_an_expired_grant_counts_as_none() -> None:
    """An expired certified grant leaves the lower valid trainee grant, or nothing."""
    grants = [
        GrantFact("city_bus", Level.certified, D - timedelta(days=400), D),
        GrantFact("city_bus", Level.trainee, D - timedelta(days=800), D + timedelta(days=1)),
    ]
    assert level_on(grants, "city_bus", D - timedelta(days=1)) is Level.certified
    assert level_on(grants, "city_bus", D) is Level.trainee
    assert level_on(grants, "city_bus", D + timedelta(days=1)) is None
    assert levels_on(grants, D + timedelta(days=1)) == {}


def test_the_highest_valid_level_per_family() -> None:
    """Trainer beats certified beats trainee; families do not mix."""
    grants = [
        GrantFact("city_bus", Level.trainee, D, D + timedelta(days=9)),
        GrantFact("city_bus", Level.trainer, D, D + timedelta(days=9)),
        GrantFact("passenger_lift", Level.trainee, D, D + timedelta(days=9)),
    ]
    assert levels_on(grants, D) == {"city_bus": Level.trainer, "passenger_lift": Level.trainee}


levels = st.sampled_from(list(Level))
offsets = st.integers(min_value=-50, max_value=50)


@given(st.lists(st.tuples(levels, offsets, st.integers(min_value=1, max_value=60)), max_size=8))
def test_level_on_is_the_highest_valid_grant(rows: list[tuple[Level, int, int]]) -> None:
    """Property: level_on equals the maximum rank among grants valid that day (None if none)."""
    grants = [
        GrantFact("city_bus", lv, D + timedelta(days=o), D + timedelta(days=o + n))
        for lv, o, n in rows
    ]
    expected = [g.level for g in grants if g.granted_on <= D < g.expires_on]
    found = level_on(grants, "city_bus", D)
    if not expected:
        assert found is None
    else:
        assert found is not None and RANK[found] == max(RANK[lv] for lv in expected)


def test_falling_due_within_sixty_days() -> None:
    """A valid grant expiring in 60 days is due; in 61 days it is not; an expired one is not."""
    grants = [
        GrantFact("city_bus", Level.certified, D - timedelta(days=300), D + timedelta(days=60)),
        GrantFact("road_machine", Level.certified, D - timedelta(days=300), D + timedelta(days=61)),
        GrantFact("farm_machine", Level.certified, D - timedelta(days=300), D),
    ]
    assert [g.family for g in falling_due(grants, D)] == ["city_bus"]


def test_eligibility_golden_cases() -> None:
    """N−1 supervised jobs: not eligible; N without the practical: not; N with it: eligible;
    a certified technician is not promoted again."""
    n = 10
    assert missing_for_certified(Progress(Level.trainee, n - 1, n, True)) == [
        Missing.supervised_jobs
    ]
    assert missing_for_certified(Progress(Level.trainee, n, n, False)) == [Missing.practical]
    assert eligible(Progress(Level.trainee, n, n, True))
    assert missing_for_certified(Progress(Level.certified, n, n, True)) == [Missing.not_trainee]
    assert missing_for_certified(Progress(None, 0, n, False)) == [
        Missing.not_trainee,
        Missing.supervised_jobs,
        Missing.practical,
    ]


def test_the_supervision_rule() -> None:
    """A crew serves a family only with someone certified or trainer for it: never trainees
    alone, never nobody."""
    assert crew_covers([Level.trainee, Level.certified])
    assert crew_covers([Level.trainer])
    assert not crew_covers([Level.trainee])
    assert not crew_covers([Level.trainee, None])
    assert not crew_covers([])
