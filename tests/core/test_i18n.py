"""Money and numbers in the reader's language: every digit of an amount kept, its currency
always written."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from fleetcare.core.i18n import format_money, format_number, set_locale


@given(st.decimals(min_value=0, max_value=10**20, places=2, allow_nan=False))
def test_an_amount_as_text_keeps_every_digit(amount: Decimal) -> None:
    """An amount as JSON carries it (text) is written digit for digit, with its currency; as a
    float it would lose the cents past 15 significant digits."""
    set_locale("en")
    written = format_money(str(amount), "USD")
    assert written.startswith("$")
    assert Decimal(written[1:].replace(",", "")) == amount


def test_the_readers_separators() -> None:
    set_locale("ru")
    try:
        assert format_money("1234.5", "RUB").replace("\xa0", " ").startswith("1 234,50")
        assert format_number("0.9") == "0,9"
    finally:
        set_locale("en")
