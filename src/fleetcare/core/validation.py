"""A refused field's message in the reader's language.

Pydantic words its refusals in English ("Input should be greater than 0"). An English reader
gets them as they are; any other reader gets fleetcare's words for the kinds of refusal people
meet on forms and in the API (``type`` and ``loc`` stay as pydantic gives them, for programs).
A refusal of fleetcare's own validators (``value_error``) is already in the reader's words.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from fleetcare.core.i18n import N_, format_number, get_locale, gettext
from fleetcare.core.schemas import (
    CURRENCY_PATTERN,
    MONTH_PATTERN,
    PARAGRAPHS_PATTERN,
    TEXT_PATTERN,
)

WORDS_BY_TYPE = {
    "missing": N_("required"),
    "string_too_long": N_("at most {max_length} characters"),
    "int_parsing": N_("a whole number is expected"),
    "int_type": N_("a whole number is expected"),
    "int_from_float": N_("a whole number is expected"),
    "float_parsing": N_("a number is expected"),
    "float_type": N_("a number is expected"),
    "decimal_parsing": N_("a number is expected"),
    "decimal_type": N_("a number is expected"),
    "finite_number": N_("a finite number is expected"),
    "greater_than": N_("must be greater than {gt}"),
    "greater_than_equal": N_("must be at least {ge}"),
    "less_than": N_("must be less than {lt}"),
    "less_than_equal": N_("must be at most {le}"),
    "decimal_max_places": N_("at most {decimal_places} decimal places"),
    "decimal_max_digits": N_("at most {max_digits} digits"),
    "enum": N_("must be one of: {expected}"),
    "literal_error": N_("must be one of: {expected}"),
    "date_parsing": N_("a date (YYYY-MM-DD) is expected"),
    "date_from_datetime_parsing": N_("a date (YYYY-MM-DD) is expected"),
    "date_type": N_("a date (YYYY-MM-DD) is expected"),
    "datetime_parsing": N_("a date and time (YYYY-MM-DDTHH:MM) is expected"),
    "datetime_from_date_parsing": N_("a date and time (YYYY-MM-DDTHH:MM) is expected"),
    "datetime_type": N_("a date and time (YYYY-MM-DDTHH:MM) is expected"),
    "bool_parsing": N_("yes or no is expected"),
    "bool_type": N_("yes or no is expected"),
    "string_type": N_("text is expected"),
    "list_type": N_("a list is expected"),
    "dict_type": N_("an object is expected"),
    "model_type": N_("an object is expected"),
    "model_attributes_type": N_("an object is expected"),
    "too_long": N_("at most {max_length} items"),
    "too_short": N_("at least {min_length} items"),
    "extra_forbidden": N_("not a field of this record"),
    "json_invalid": N_("not valid JSON"),
    "url_parsing": N_("not a valid address"),
}


# The fields of fleetcare's forms as a problem names them to a reader of another language than
# English (an English reader reads the field's code, as the API and files name it).
FIELD_WORDS = {
    "amount": N_("Amount"),
    "budget": N_("Budget"),
    "component_group": N_("Group"),
    "currency": N_("Currency"),
    "customer": N_("Customer"),
    "date": N_("Date"),
    "decision": N_("Decision"),
    "donor": N_("Donor"),
    "expected_delivery": N_("Expected delivery"),
    "expected_signing": N_("Expected signing"),
    "expires_on": N_("Expires on"),
    "family": N_("Family"),
    "faulty_serial": N_("Faulty part's serial"),
    "granted_on": N_("Granted on"),
    "labour_hours": N_("Labour hours"),
    "level": N_("Level"),
    "location": N_("Location"),
    "model": N_("Model"),
    "on": N_("Date"),
    "option": N_("Option"),
    "part": N_("Part"),
    "photos": N_("Photos"),
    "price": N_("Price"),
    "quantity": N_("Quantity"),
    "reason": N_("Reason"),
    "reference": N_("Reference"),
    "region": N_("Region"),
    "replacement_serial": N_("Replacement's serial"),
    "site": N_("Site"),
    "stage": N_("Stage"),
    "symptom": N_("Symptom"),
    "to": N_("Status"),
    "trainer": N_("Trainer"),
    "travel_km": N_("Travel km"),
    "unit": N_("Unit"),
    "value": N_("Value"),
    "year": N_("Year"),
}


def field_words(field: str) -> str:
    """A refused field as a problem on a page names it: its code for an English reader, its
    words for others (``quantity`` → «Количество»); a field without words as its code."""
    words = FIELD_WORDS.get(field.rsplit(".", 1)[-1])
    return field if get_locale() == "en" or words is None else gettext(words)


# A pattern a field refuses, said as what the field takes: in every language, English too
# (pydantic's "String should match pattern '^[^\x00-\x1f\x7f]*$'" reads to nobody).
WORDS_BY_PATTERN = {
    TEXT_PATTERN: N_("control characters and line breaks are not taken here"),
    PARAGRAPHS_PATTERN: N_("control characters are not taken here"),
    CURRENCY_PATTERN: N_("a currency code of three capital letters is expected (RUB, EUR)"),
    MONTH_PATTERN: N_("a month (YYYY-MM) is expected"),
}


def refusal_words(error: Mapping[str, Any]) -> str:
    """The message of one pydantic error (``exc.errors()``) for the current reader."""
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    kind = str(error.get("type", ""))
    if kind == "string_pattern_mismatch":
        pattern = str((error.get("ctx") or {}).get("pattern", ""))
        return gettext(WORDS_BY_PATTERN.get(pattern, N_("not in the form this field takes")))
    if get_locale() == "en" or kind == "value_error":
        return message
    context = error.get("ctx") or {}
    if kind == "string_too_short":
        words = (
            N_("may not be empty")
            if context.get("min_length") == 1
            else N_("at least {min_length} characters")
        )
    else:
        words = WORDS_BY_TYPE.get(kind, "")
    if not words:
        return message
    values = {str(name): _readable(value) for name, value in dict(context).items()}
    try:
        return gettext(words).format(**values)
    except (KeyError, IndexError, ValueError):
        return message


def _readable(value: Any) -> Any:
    """A bound as the reader writes numbers (``0,5``); pydantic's list of choices with a
    comma for its English "or"."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return format_number(value)
    if isinstance(value, str):
        return value.replace("' or '", "', '")
    return value
