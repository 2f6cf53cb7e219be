"""Refusals in the reader's language: pydantic's English for English readers, fleetcare's
words for the others; ``type`` and ``loc`` unchanged for programs."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field, ValidationError

from fleetcare.core.i18n import set_locale, translations
from fleetcare.core.schemas import TEXT_PATTERN
from fleetcare.core.validation import WORDS_BY_PATTERN, WORDS_BY_TYPE, refusal_words


class Form(BaseModel):
    quantity: int = Field(gt=0)
    symptom: str = Field(min_length=1, max_length=5)


def errors_of(data: dict[str, object]) -> list[dict[str, object]]:
    with pytest.raises(ValidationError) as refused:
        Form.model_validate(data)
    return list(refused.value.errors())  # type: ignore[arg-type]


def test_english_readers_get_pydantics_words() -> None:
    (error,) = errors_of({"quantity": 0, "symptom": "x"})
    assert refusal_words(error) == "Input should be greater than 0"


def test_other_readers_get_fleetcares_words(russian: None) -> None:
    words = translations("ru").gettext
    zero, empty = errors_of({"quantity": 0, "symptom": ""})
    assert refusal_words(zero) == words("must be greater than {gt}").format(gt=0)
    assert refusal_words(empty) == words("may not be empty")
    (long,) = errors_of({"quantity": "1", "symptom": "longer"})
    assert refusal_words(long) == words("at most {max_length} characters").format(max_length=5)
    (word,) = errors_of({"quantity": "many", "symptom": "x"})
    assert refusal_words(word) == words("a whole number is expected")
    (missing,) = errors_of({"symptom": "x"})
    assert refusal_words(missing) == words("required")


def test_every_kind_has_its_words_in_russian() -> None:
    catalogue = translations("ru")
    assert all(catalogue.gettext(words) != words for words in WORDS_BY_TYPE.values())


def test_the_api_answers_in_the_readers_words_and_keeps_the_codes(client: TestClient) -> None:
    body = {"unit": "NOPE", "component_group": "engine", "symptom": "", "down": "maybe"}
    english = client.post("/api/service/defects", json=body)
    russian = client.post("/api/service/defects", json=body, headers={"Accept-Language": "ru"})
    assert english.status_code == russian.status_code == 422
    codes = [(e["type"], e["loc"]) for e in english.json()["detail"]]
    assert codes == [(e["type"], e["loc"]) for e in russian.json()["detail"]]
    assert "Input should be a valid boolean" in str(english.json())
    assert translations("ru").gettext("yes or no is expected") in str(russian.json())


def test_a_bound_and_choices_in_the_readers_words(russian: None) -> None:
    """A bound in the reader's marks (0,5); pydantic's English "or" between choices goes."""
    from typing import Literal

    class Bounded(BaseModel):
        share: float = Field(ge=0.5)
        kind: Literal["x", "y"]

    with pytest.raises(ValidationError) as refused:
        Bounded.model_validate({"share": 0.1, "kind": "z"})
    share, kind = (refusal_words(error) for error in refused.value.errors())
    assert "0,5" in share and "0.5" not in share
    assert " or " not in kind and "'x', 'y'" in kind


def test_a_page_names_the_refused_field_in_the_readers_words(russian: None) -> None:
    from fleetcare.core.errors import FieldError, InvalidInput
    from fleetcare.core.templating import problems_of

    words = translations("ru").gettext
    (zero, empty) = problems_of(
        errors_of_exception({"quantity": 0, "symptom": ""})  # pydantic's refusal
    )
    assert zero.startswith(words("Quantity") + ": ") and empty.startswith(words("Symptom") + ": ")
    (own,) = problems_of(InvalidInput([FieldError("unit", "машина не найдена")]))
    assert own == words("Unit") + ": машина не найдена"
    (unknown,) = problems_of(InvalidInput([FieldError("no_such_field", "x")]))
    assert unknown == "no_such_field: x"
    set_locale("en")
    (english,) = problems_of(InvalidInput([FieldError("unit", "unknown unit")]))
    assert english == "unit: unknown unit"  # the code, as the API and files name it


def errors_of_exception(data: dict[str, object]) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        Form.model_validate(data)
    return refused.value


class Coded(BaseModel):
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    name: str = Field(pattern=TEXT_PATTERN)
    code: str = Field(default="x", pattern=r"^x$")


def test_a_pattern_is_said_as_what_the_field_takes() -> None:
    """Not "String should match pattern '^[A-Z]{3}$'" but what the field takes, for English
    readers too; in Russian in its words; a pattern without words says the form is wrong."""
    with pytest.raises(ValidationError) as refused:
        Coded.model_validate({"currency": "rub", "name": "a\nb", "code": "y"})
    currency, name, code = refused.value.errors()
    assert (
        refusal_words(currency) == "a currency code of three capital letters is expected (RUB, EUR)"
    )  # type: ignore[arg-type]
    assert refusal_words(name) == "control characters and line breaks are not taken here"  # type: ignore[arg-type]
    assert refusal_words(code) == "not in the form this field takes"  # type: ignore[arg-type]
    set_locale("ru")
    try:
        said = refusal_words(currency)  # type: ignore[arg-type]
    finally:
        set_locale("en")
    assert (
        said
        == translations("ru").gettext(WORDS_BY_PATTERN[r"^[A-Z]{3}$"])
        != WORDS_BY_PATTERN[r"^[A-Z]{3}$"]
    )
