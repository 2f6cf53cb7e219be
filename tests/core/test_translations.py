"""The Russian catalogue: every message the source asks for is translated, each translation
keeps what code fills in or reads (placeholders, tags, code, flags), and the app uses it."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from fleetcare.core import i18n

ROOT = Path(__file__).resolve().parents[2]
BRACE = re.compile(r"(?<!\{)\{[A-Za-z_][A-Za-z0-9_]*(?:[.\[][^{}]*)?(?::[^{}]*)?\}(?!\})")
PERCENT = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[-#0 +]*\d*(?:\.\d+)?[sdifreg%]|%%")
TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
CODE = re.compile(r"``[^`]+``|`[^`]+`")  # RST literals (docstrings) or Markdown code
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def kept_tokens(text: str) -> Counter[str]:
    """What a translation must carry unchanged: format fields, HTML tags, code, CLI flags."""
    found: Counter[str] = Counter()
    for pattern in (BRACE, PERCENT, TAG, CODE, FLAG):
        found.update(pattern.findall(text))
    return found


def source_messages() -> set[tuple[str | tuple[str, str], str | None]]:
    """Every message id the source asks for, with its context, extracted as ``make messages``
    extracts them."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {**DEFAULT_KEYWORDS, "N_": None, "N_n": (1, 2)}
    found: set[tuple[str | tuple[str, str], str | None]] = set()
    files: set[str] = set()
    for file, _line, message, _comments, context in extract_from_dir(
        str(ROOT / "src"), method_map, options_map, keywords=keywords
    ):
        files.add(file)
        found.add((message if isinstance(message, str) else (message[0], message[1]), context))
    # every template that asks for a translation is read (Babel skips folders named "_…")
    templates = ROOT / "src" / "fleetcare" / "web" / "templates"
    asking = {
        str(path.relative_to(ROOT / "src"))
        for path in templates.rglob("*.html")
        if "_(" in path.read_text() or "gettext(" in path.read_text()
    }
    assert asking - files == set()
    return found


@pytest.fixture(scope="module")
def russian() -> Catalog:
    with i18n.catalogue_path("ru").open("rb") as source:
        return read_po(source, locale="ru")


def test_every_message_of_the_source_is_translated(russian: Catalog) -> None:
    """A string added to the source without its Russian translation fails here (``make
    messages`` extracts it into the catalogue, untranslated)."""
    untranslated = []
    messages = source_messages()
    assert len(messages) > 1000
    for message_id, context in sorted(messages, key=str):
        key = message_id[0] if isinstance(message_id, tuple) else message_id
        entry = russian.get(key, context=context)
        strings = entry.string if entry is not None else ""
        forms = strings if isinstance(strings, tuple) else (strings,)
        if entry is None or entry.fuzzy or not all(forms):
            untranslated.append((context, message_id))
    assert untranslated == []


def _translated(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id and message.string]


def test_translations_keep_placeholders_tags_and_code(russian: Catalog) -> None:
    broken = []
    for message in _translated(russian):
        if message.pluralizable:
            wanted = kept_tokens(message.id[1])
            forms = message.string
            if len(forms) != 3:  # Russian: one, few, many
                broken.append((message.id, "plural forms"))
            # every form shows the number: the "one" form also serves 21, 31 …
            broken += [(message.id, form) for form in forms if kept_tokens(form) != wanted]
        elif kept_tokens(message.string) != kept_tokens(message.id):
            broken.append((message.id, message.string))
    assert broken == []


def test_plural_forms_follow_russian_grammar(russian: Catalog) -> None:
    assert russian.num_plurals == 3
    i18n.set_locale("ru")
    written = [
        i18n.ngettext(
            "{count} problem; nothing was written.", "{count} problems; nothing was written.", n
        ).format(count=n)
        for n in (1, 3, 5, 21)
    ]
    one, few, many, twenty_one = (text.split(";")[0] for text in written)
    assert len({one, few, many}) == 3
    assert twenty_one.replace("21", "1") == one


def test_the_app_speaks_the_catalogue(russian: Catalog) -> None:
    """``_()`` answers the catalogue's text in Russian, the source text in English, and the
    source text for a message the catalogue does not hold; a context picks its own."""
    expected = russian.get("Sign in").string
    i18n.set_locale("ru")
    assert i18n.gettext("Sign in") == expected != "Sign in"
    assert i18n.gettext("not a message of fleetcare") == "not a message of fleetcare"
    page_title = i18n.pgettext("page", "Sign in")
    assert page_title == russian.get("Sign in", context="page").string
    assert page_title not in (expected, "Sign in")
    i18n.set_locale("en")
    assert i18n.gettext("Sign in") == "Sign in"


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, "en"),
        ({"LANG": "ru_RU.UTF-8"}, "ru"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LC_ALL": "en_GB.UTF-8", "LANG": "ru_RU.UTF-8"}, "en"),  # LC_ALL overrides LANG
        ({"LC_MESSAGES": "ru_RU.UTF-8", "LANG": "en_US.UTF-8"}, "ru"),
        ({"LANGUAGE": "de:ru", "LANG": "en_US.UTF-8"}, "ru"),  # GNU's list, first supported
        ({"LANGUAGE": "", "LANG": "ru_RU"}, "ru"),
        ({"LANGUAGE": "ru", "LC_ALL": "C"}, "en"),  # the C locale: LANGUAGE is not read
        ({"LANGUAGE": "ru"}, "ru"),  # no locale set at all
        ({"LANGUAGE": "de", "LANG": "ru_RU.UTF-8"}, "ru"),
    ],
)
def test_the_terminals_language(environment: dict[str, str], expected: str) -> None:
    assert i18n.environment_locale(environment) == expected
