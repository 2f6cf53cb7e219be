"""Notes kept in records: stored as message and fields, written in the reader's language."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fleetcare.core.i18n import N_, N_n, set_locale, translations
from fleetcare.core.notes import Note, written

HOURS = Note(N_("{hours} h"), {"hours": 10000})
POLICY = Note(
    N_("policy for {what}: {months} months{hours}"),
    {
        "what": Note(N_("the whole machine")),
        "months": 24,
        "hours": Note(N_(" or {limit}"), {"limit": HOURS}),
    },
)


def test_a_note_reads_in_the_current_language(russian: None) -> None:
    catalogue = translations("ru")
    expected = catalogue.gettext("policy for {what}: {months} months{hours}").format(
        what=catalogue.gettext("the whole machine"),
        months=24,
        hours=catalogue.gettext(" or {limit}").format(
            limit=catalogue.gettext("{hours} h").format(hours="10\xa0000")
        ),
    )
    assert str(POLICY) == expected
    set_locale("en")
    assert str(POLICY) == "policy for the whole machine: 24 months or 10,000 h"


def test_kept_as_json_and_read_back() -> None:
    kept = json.loads(json.dumps(POLICY.dump()))
    assert kept["message"] == "policy for {what}: {months} months{hours}"
    assert kept["fields"]["hours"]["fields"]["limit"] == {
        "message": "{hours} h",
        "fields": {"hours": 10000},
    }
    assert Note.load(kept) == POLICY
    assert written(kept) == str(POLICY)


def test_a_record_kept_as_text_reads_as_that_text() -> None:
    assert written("no service contract covers it") == "no service contract covers it"


def test_plural_by_n(russian: None) -> None:
    every = N_n("every {n} month", "every {n} months")
    forms = [str(Note.counted(every, n)) for n in (1, 2, 5, 21)]
    assert forms[0] != forms[1] != forms[2] and forms[3].replace("21", "1") == forms[0]
    set_locale("en")
    assert [str(Note.counted(every, n)) for n in (1, 6)] == ["every 1 month", "every 6 months"]
    assert Note.load(json.loads(json.dumps(Note.counted(every, 6).dump()))) == Note.counted(
        every, 6
    )


def test_a_message_the_catalogue_lacks_reads_in_english(russian: None) -> None:
    assert str(Note("not in the catalogue {x}", {"x": 1.5})) == "not in the catalogue 1,5"


values = st.recursive(
    st.one_of(st.text(max_size=20), st.integers(-(10**9), 10**9)),
    lambda inner: st.builds(
        Note,
        st.just("{a}{b}"),
        st.fixed_dictionaries({"a": inner, "b": inner}),
    ),
    max_leaves=8,
)


@given(values)
def test_any_note_round_trips_through_json(value: str | int | Note) -> None:
    note = Note("{a}{b}", {"a": value, "b": 0})
    assert Note.load(json.loads(json.dumps(note.dump()))) == note


def test_a_label_inside_a_sentence_reads_in_lower_case(russian: None) -> None:
    group = Note(N_("Engine"), lower=True)
    assert str(group) == translations("ru").gettext("Engine").lower()
    assert Note.load(json.loads(json.dumps(group.dump()))) == group
    set_locale("en")
    assert str(Note(N_("warranty until {day}"), {"day": group})) == "warranty until engine"


@pytest.mark.parametrize(
    "kept",
    [
        {"message": "warranty until {day}"},  # a field the record lacks
        {"message": "warranty until {day}", "fields": {"day": {"no": "message"}}},
        {"message": "warranty until {day}", "fields": ["not", "a", "mapping"]},
        {"message": "every {n} month", "plural": "every {n} months", "fields": {"n": "x"}},
        {"message": "{0} {day.attr} {day[1]}", "fields": {"day": 3}},
        {"message": None, "fields": {"day": None}},
    ],
)
def test_a_record_kept_askew_still_reads(kept: dict[str, object]) -> None:
    """A row written by hand or by an older version never stops a page: it reads as the
    message with what it holds."""
    assert isinstance(written(kept), str)
