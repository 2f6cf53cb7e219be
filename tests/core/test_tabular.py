"""Reading import files (every file-level problem an error naming file and row) and writing
exports (formula cells defused, text in pieces)."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from fleetcare.core.tabular import (
    CHUNK_CHARS,
    defuse,
    read_rows,
    restore,
    text_chunks,
    write_rows,
)


def test_csv_rows_are_numbered_by_physical_line(tmp_path: Path) -> None:
    """The first record is line 2; a quoted newline moves the next record's line on."""
    path = tmp_path / "x.csv"
    path.write_text('name,note\na,"two\nlines"\nb,\n', encoding="utf-8")
    rows, errors = read_rows(path)
    assert errors == []
    assert rows == [(3, {"name": "a", "note": "two\nlines"}), (4, {"name": "b"})]


def test_bom_is_accepted(tmp_path: Path) -> None:
    """A UTF-8 byte-order mark (as Excel writes) is not part of the first column's name."""
    path = tmp_path / "x.csv"
    path.write_bytes("\ufeffname\nA\n".encode())
    assert read_rows(path) == ([(2, {"name": "A"})], [])


def test_wrong_encoding_names_the_line(tmp_path: Path) -> None:
    """A cp1251 file is refused with the line of the first undecodable byte."""
    path = tmp_path / "x.csv"
    path.write_bytes(b"name\nok\n" + "Мурманск\n".encode("cp1251"))
    rows, errors = read_rows(path)
    assert rows == []
    assert [str(e) for e in errors] == [
        f"{path}:3:-: not UTF-8 text (byte 0xcc); save the file as UTF-8"
    ]


def test_empty_and_header_only_files(tmp_path: Path) -> None:
    """An empty file and a header without rows are both errors."""
    empty = tmp_path / "empty.csv"
    empty.write_text("  \n", encoding="utf-8")
    header = tmp_path / "header.csv"
    header.write_text("name,country\n", encoding="utf-8")
    assert [str(e) for e in read_rows(empty)[1]] == [f"{empty}:1:-: the file is empty"]
    assert [str(e) for e in read_rows(header)[1]] == [
        f"{header}:1:-: the file has a header but no rows"
    ]


def test_extra_cells_are_an_error(tmp_path: Path) -> None:
    """A row with more cells than the header is reported on its line."""
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n1,2,3\n", encoding="utf-8")
    rows, errors = read_rows(path)
    assert rows == [(2, {"a": "1", "b": "2"})]
    assert [(e.row, e.message) for e in errors] == [(3, "more cells than the header has columns")]


def test_json_array_or_items_object(tmp_path: Path) -> None:
    """A JSON file is an array of objects or a REST list answer; rows are 1-based positions."""
    plain = tmp_path / "a.json"
    plain.write_text('[{"name": "A", "x": null}, {"name": "B"}]', encoding="utf-8")
    wrapped = tmp_path / "b.json"
    wrapped.write_text('{"items": [{"name": "A"}], "total": 1}', encoding="utf-8")
    assert read_rows(plain) == ([(1, {"name": "A"}), (2, {"name": "B"})], [])
    assert read_rows(wrapped) == ([(1, {"name": "A"})], [])


def test_bad_json_names_the_line(tmp_path: Path) -> None:
    """Broken JSON, a non-array and a non-object element are each reported."""
    broken = tmp_path / "a.json"
    broken.write_text('[\n{"name": "A"},\n{"name": }\n]', encoding="utf-8")
    scalar = tmp_path / "b.json"
    scalar.write_text('"hello"', encoding="utf-8")
    mixed = tmp_path / "c.json"
    mixed.write_text('[{"name": "A"}, 5]', encoding="utf-8")
    assert [(e.row, e.message) for e in read_rows(broken)[1]] == [
        (3, "not valid JSON: Expecting value")
    ]
    assert [e.message for e in read_rows(scalar)[1]] == ["expected a JSON array of objects"]
    assert [(e.row, e.message) for e in read_rows(mixed)[1]] == [(2, "expected an object")]
    nested = tmp_path / "d.json"
    nested.write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
    assert [(e.row, e.message) for e in read_rows(nested)[1]] == [
        (1, "not valid JSON: nested too deeply")
    ]
    long_number = tmp_path / "e.json"
    long_number.write_text('[{"quantity": ' + "1" * 5000 + "}]", encoding="utf-8")
    [refused] = read_rows(long_number)[1]
    assert refused.message.startswith("not valid JSON: Exceeds the limit")


def test_unknown_extension(tmp_path: Path) -> None:
    """Only .csv and .json are read."""
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"PK")
    assert [e.message for e in read_rows(path)[1]] == ["expected a .csv or .json file"]


class Note(BaseModel):
    """A record of one text field and one number, as the round-trip tests write them."""

    text: str
    quantity: float | None = None


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+7 912 000", "'+7 912 000"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=x", "''=x"),  # already quoted by hand: one more, so that import gives it back
        ("-3.5", "-3.5"),  # a negative number is a number, not a formula
        ("-2", "-2"),
        ("1e-05", "1e-05"),
        ("-inf", "'-inf"),  # not a plain decimal number
        ("'plain", "'plain"),
        ("a=b", "a=b"),
    ],
)
def test_formula_cells_are_defused(value: str, written: str) -> None:
    """A cell a spreadsheet would run gets one leading quote, a number none; restore undoes it."""
    assert defuse(value) == written
    assert restore(written) == value


TEXT = st.one_of(
    st.text(min_size=1),
    st.builds(lambda c, t: c + t, st.sampled_from(list("=+-@\t\r'")), st.text()),
    st.builds(lambda t: "''" + t, st.text()),
)


@settings(max_examples=300, deadline=None)
@given(text=TEXT, quantity=st.one_of(st.none(), st.integers(-(10**6), 10**6), st.floats(-1e6, 1e6)))
def test_csv_export_reimports_exactly(text: str, quantity: float | None) -> None:
    """Any text value, and any number, written to CSV and read back is the value written."""
    out = io.StringIO()
    write_rows([Note(text=text, quantity=quantity)], ["text", "quantity"], "csv", out)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "notes.csv"
        path.write_text(out.getvalue(), encoding="utf-8", newline="")
        rows, errors = read_rows(path)
    assert errors == []
    [(_line, values)] = rows
    assert Note.model_validate(values) == Note(text=text, quantity=quantity)


def test_json_is_written_as_it_is() -> None:
    """JSON is not opened as formulas: a value starting with = is written unchanged."""
    out = io.StringIO()
    write_rows([Note(text="=1+1", quantity=-3)], ["text", "quantity"], "json", out)
    assert out.getvalue() == '[\n {"text": "=1+1", "quantity": -3.0}\n]\n'


def test_export_text_comes_in_pieces_as_records_arrive() -> None:
    """The first piece is handed on after about CHUNK_CHARS of rows, not after the last record."""
    produced = 0

    def records(n: int) -> Iterator[Note]:
        nonlocal produced
        for i in range(n):
            produced += 1
            yield Note(text=f"note {i}", quantity=i)

    for fmt in ("csv", "json"):
        produced = 0
        pieces = text_chunks(records(100_000), ["text", "quantity"], fmt)
        first = next(pieces)
        assert CHUNK_CHARS <= len(first) < CHUNK_CHARS + 100
        assert produced < 10_000  # a few thousand rows per piece, never the whole table
        rest = "".join(pieces)
        assert produced == 100_000
        whole = io.StringIO()
        write_rows(records(100_000), ["text", "quantity"], fmt, whole)
        assert first + rest == whole.getvalue()
