"""The words for codes: every code of every domain's table has words, one code reads the same
everywhere, and pages show the words in the reader's language (the API keeps the codes)."""

from __future__ import annotations

import enum
import importlib
import pkgutil
from collections.abc import Mapping

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

import fleetcare
from fleetcare.core.config import Settings
from fleetcare.core.i18n import set_locale, translations
from fleetcare.core.labels import ROLES, label, use_labels
from fleetcare.service import labels as service_labels
from fleetcare.service.states import WorkOrderStatus
from fleetcare.web.app import create_app
from tests.workforce.factories import crew, work_order


def domain_tables() -> dict[str, Mapping[enum.Enum, str]]:
    """Every ``fleetcare.<domain>.labels.LABELS``, found by walking the package."""
    found: dict[str, Mapping[enum.Enum, str]] = {"core": ROLES}
    for module in pkgutil.iter_modules(fleetcare.__path__):
        name = f"fleetcare.{module.name}.labels"
        if module.ispkg and module.name != "core" and importlib.util.find_spec(name):
            found[module.name] = importlib.import_module(name).LABELS
    return found


def test_every_code_of_a_table_has_words() -> None:
    tables = domain_tables()
    assert {"core", "fleet", "parts", "service", "workforce", "cooperation"} <= set(tables)
    for domain, table in tables.items():
        for kind in {type(code) for code in table}:
            assert set(kind) <= set(table), f"{domain}: {kind.__name__} lacks words"


def test_one_code_reads_the_same_everywhere() -> None:
    words: dict[str, set[str]] = {}
    for table in domain_tables().values():
        for code, text in table.items():
            words.setdefault(str(code.value), set()).add(text)
    assert {value: texts for value, texts in words.items() if len(texts) > 1} == {}


def test_the_app_learns_every_table(settings: Settings) -> None:
    create_app(settings)
    for table in domain_tables().values():
        for code, text in table.items():
            assert label(code) == text
            assert label(str(code.value)) == text


def test_label_in_the_readers_language() -> None:
    use_labels(service_labels.LABELS)
    set_locale("ru")
    russian = label(WorkOrderStatus.waiting_parts)
    assert russian == translations("ru").gettext("Waiting for parts") != "Waiting for parts"
    assert label(None) == ""
    assert label("not_a_code_anywhere") == "not a code anywhere"


def test_pages_show_words_and_the_api_keeps_codes(
    pages: TestClient, client: TestClient, session: Session
) -> None:
    """A work order's page reads "Open" in English and its Russian words in Russian; the API
    answers the code ``open`` whatever the language."""
    crew(session)
    order = work_order(session)
    english = pages.get(f"/service/work-orders/{order}", params={"lang": "en"}).text
    russian = pages.get(f"/service/work-orders/{order}", params={"lang": "ru"}).text
    assert '<span class="status">Open</span>' in english
    words = translations("ru").gettext("Open")
    assert f'<span class="status">{words}</span>' in russian and words != "Open"
    answer = client.get(f"/api/service/work-orders/{order}", headers={"Accept-Language": "ru"})
    assert answer.json()["status"] == "open"


def test_a_code_inside_a_message(client: TestClient, session: Session) -> None:
    """An English reader reads the codes it may type back; a Russian reader reads the words."""
    crew(session)
    order = work_order(session)
    path = f"/api/service/work-orders/{order}/transitions"
    english = client.post(path, json={"to": "done"})
    russian = client.post(path, json={"to": "done"}, headers={"Accept-Language": "ru"})
    assert english.status_code == russian.status_code == 409
    assert "from open to done" in english.json()["detail"]
    words = translations("ru").gettext
    assert f"«{words('Open')}»" in russian.json()["detail"]
    assert f"«{words('Done')}»" in russian.json()["detail"]
