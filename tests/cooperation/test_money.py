"""Currency conversion by date: the rate on or before the amount's day, a missing rate is an
error (never 1.0), conversion through the dollar is consistent."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fleetcare.cooperation.money import MissingRate, RateTable, Total
from fleetcare.cooperation.stages import MOVES, IllegalMove, Stage, check_move

TABLE = RateTable.of(
    [
        ("RUB", date(2020, 2, 1), Decimal("64")),
        ("RUB", date(2020, 1, 1), Decimal("62")),
        ("EUR", date(2020, 1, 1), Decimal("0.8")),
    ]
)


def test_rate_on_or_before() -> None:
    """The latest rate on or before the day: 31 Jan uses 1 Jan's, 1 Feb and later use 1 Feb's."""
    assert TABLE.rate("RUB", date(2020, 1, 31)).per_usd == Decimal("62")
    assert TABLE.rate("RUB", date(2020, 2, 1)).day == date(2020, 2, 1)
    assert TABLE.rate("RUB", date(2030, 1, 1)).per_usd == Decimal("64")


def test_conversion_says_which_rates() -> None:
    """6,400 RUB on 2 Feb 2020 is 100 USD and 80 EUR, from the rates of 1 Feb and 1 Jan."""
    usd = TABLE.convert(Decimal(6400), "RUB", "USD", date(2020, 2, 2))
    assert usd.amount == Decimal("100.00")
    assert [(r.currency, r.day) for r in usd.rates] == [("RUB", date(2020, 2, 1))]
    eur = TABLE.convert(Decimal(6400), "RUB", "EUR", date(2020, 2, 2))
    assert eur.amount == Decimal("80.00")
    assert {(r.currency, r.day) for r in eur.rates} == {
        ("RUB", date(2020, 2, 1)),
        ("EUR", date(2020, 1, 1)),
    }
    same = TABLE.convert(Decimal("5.5"), "EUR", "EUR", date(1990, 1, 1))
    assert (same.amount, same.rates) == (Decimal("5.5"), ())


def test_missing_rate_is_an_error() -> None:
    """A day before the first rate, or an unknown currency: MissingRate naming both."""
    with pytest.raises(MissingRate, match=r"RUB on or before 2019-12-31"):
        TABLE.convert(Decimal(1), "RUB", "USD", date(2019, 12, 31))
    with pytest.raises(MissingRate, match="CNY"):
        TABLE.convert(Decimal(1), "USD", "CNY", date(2020, 5, 1))


def test_total_remembers_rates() -> None:
    """A total sums converted amounts and lists each rate used once."""
    total = Total("USD")
    total.add(TABLE.convert(Decimal(6200), "RUB", "USD", date(2020, 1, 5)))
    total.add(TABLE.convert(Decimal(6200), "RUB", "USD", date(2020, 1, 20)))
    assert total.amount == Decimal("200.00")
    assert total.rates_used() == [{"currency": "RUB", "day": "2020-01-01", "per_usd": "62"}]


@given(
    amount=st.decimals(min_value=0, max_value=10**9, places=2),
    offset=st.integers(min_value=0, max_value=3000),
)
def test_round_trip_through_the_dollar(amount: Decimal, offset: int) -> None:
    """RUB → EUR → RUB returns the amount within the rounding of two cents."""
    day = date(2020, 1, 1) + timedelta(days=offset)
    eur = TABLE.convert(amount, "RUB", "EUR", day)
    back = TABLE.convert(eur.amount, "EUR", "RUB", day)
    assert abs(back.amount - amount) <= Decimal("0.01") * Decimal(64 / 0.8) + Decimal("0.01")


@given(st.sampled_from(list(Stage)), st.sampled_from(list(Stage)))
def test_stage_machine(current: Stage, wanted: Stage) -> None:
    """A move is allowed exactly when it is in MOVES; nothing leaves delivered; shipped only
    from signed."""
    if wanted in MOVES[current]:
        check_move(current, wanted)
    else:
        with pytest.raises(IllegalMove, match=f"from {current.value} to {wanted.value}"):
            check_move(current, wanted)
    if wanted is Stage.shipped and current is not Stage.signed:
        assert wanted not in MOVES[current]
    assert not MOVES[Stage.delivered]
