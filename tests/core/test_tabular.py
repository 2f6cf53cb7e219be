"""Reading import files: every file-level problem comes back as an error naming file and row."""

from __future__ import annotations

from pathlib import Path

from fleetcare.core.tabular import read_rows


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


def test_unknown_extension(tmp_path: Path) -> None:
    """Only .csv and .json are read."""
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"PK")
    assert [e.message for e in read_rows(path)[1]] == ["expected a .csv or .json file"]
