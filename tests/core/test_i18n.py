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
    assert format_money("1234.5", "RUB").replace("\xa0", " ").startswith("1 234,50")
    assert format_number("0.9") == "0,9"


def test_measured_numbers_in_the_readers_marks() -> None:
    """A Russian reader takes 15,100 for fifteen point one: numbers on pages are grouped and
    pointed as the reader's language does."""
    from fleetcare.core.i18n import format_fixed, format_significant, number_separators

    assert (format_fixed(15100.4), format_fixed(98.66, 1), format_fixed(3, 2)) == (
        "15,100",
        "98.7",
        "3.00",
    )
    assert (format_significant(2.3456), number_separators()) == ("2.35", ".,")
    set_locale("ru")
    written = (format_fixed(15100.4), format_fixed(98.66, 1), format_significant(2.3456))
    assert [w.replace("\xa0", " ") for w in written] == ["15 100", "98,7", "2,35"]
    assert number_separators() == ",\xa0"


def test_a_number_as_the_reader_types_it() -> None:
    from fleetcare.core.i18n import typed_number

    assert [typed_number(t) for t in ("1,000.50", " 12.5 ", "1,00", "abc", "")] == [
        "1000.50",
        "12.5",
        "1,00",  # not an English number: left for the form's check to refuse
        "abc",
        "",
    ]
    set_locale("ru")
    assert [typed_number(t) for t in ("1 000,50", "1\xa0000,5", "12,5", "12.5")] == [
        "1000.50",
        "1000.5",
        "12.5",
        "12.5",
    ]


def test_numbers_round_as_people_round_and_say_what_is_not_finite() -> None:
    """Half up, as "%.1f" did for these (27 minutes is 0.5 h, not 0.4); an unbounded
    estimate is ∞ and a number that is none is —, never an error or "NaN"."""
    from fleetcare.core.i18n import format_fixed, format_significant

    assert (format_fixed(0.45, 1), format_fixed(98.65, 1), format_significant(2.345)) == (
        "0.5",
        "98.7",
        "2.35",
    )
    assert format_fixed(float("nan"), 1) == "—" and format_fixed(float("-inf")) == "−∞"
    assert format_significant(float("inf")) == "∞"


def test_days_languages_and_months_in_the_readers_words() -> None:
    from datetime import date

    from fleetcare.core.i18n import language_names, month_name, weekday_name

    written = (weekday_name("mon"), language_names("ru en"), month_name(date(2026, 12, 7)))
    assert written == ("Mon", "Russian, English", "December 2026")
    assert (weekday_name("someday"), language_names("zz-unknown")) == ("someday", "zz-unknown")
    set_locale("ru")
    written = (weekday_name("mon"), language_names("ru en"), month_name(date(2026, 12, 7)))
    assert written == ("пн", "русский, английский", "декабрь 2026")
