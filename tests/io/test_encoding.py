"""Encodings of messy real files: UTF-8 with/without BOM, UTF-16, cp1251 Cyrillic, cp1252 accents."""

from __future__ import annotations

import pytest

from geo.errors import InputFormatError
from geo.io import read_events
from geo.io._text import guess_single_byte

CYRILLIC = "date;lat;lon;location;title\n2024-08-06;53,35;32,05;Костюковичи;Колонна техники у Гомеля\n"
ACCENTS = (
    "date,lat,lon,location,title,verification\n2024-08-06,53.35,32.05,Kastsyukovichy,Frappe à l'est,présumé\n"
)


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1251", "cp1251"), ("utf-16", "utf-16")],
)
def test_cyrillic_file_in_several_encodings(write_text, encoding: str, expected: str) -> None:
    result = read_events(write_text("e.csv", CYRILLIC, encoding))
    assert result.encoding == expected and result.delimiter == ";"
    row = result.frame.iloc[0]
    assert row["location_name"] == "Костюковичи"
    assert row["title"] == "Колонна техники у Гомеля"
    assert (row["lon"], row["lat"]) == (32.05, 53.35)


def test_bom_does_not_leak_into_the_first_column_name(write_text) -> None:
    result = read_events(write_text("e.csv", "id,date,lat,lon\n7,2024-08-06,50.45,30.52\n", "utf-8-sig"))
    assert result.frame.loc[0, "id"] == "csv:7"


def test_cp1252_file_with_accents(write_text) -> None:
    result = read_events(write_text("e.csv", ACCENTS, "cp1252"))
    assert result.encoding == "cp1252"
    assert result.frame.loc[0, "title"] == "Frappe à l'est"
    assert result.frame.loc[0, "verification"] == "claimed"  # présumé


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Гомель", "cp1251"),
        ("Минск; Брест; Гродно", "cp1251"),
        ("Касцюковічы", "cp1251"),
        ("Зона у Кастюковичах", "cp1251"),
        ("Düsseldorf", "cp1252"),
        ("Frappe présumée à Kyïv", "cp1252"),
        ("Großhändler Müller", "cp1252"),
        ("São Tomé", "cp1252"),
    ],
)
def test_single_byte_guess_on_short_text(text: str, encoding: str) -> None:
    assert guess_single_byte(f"title\n{text}\n".encode(encoding)) == encoding


def test_binary_data_is_refused(write_text, tmp_path) -> None:
    path = tmp_path / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(InputFormatError, match=r"image\.csv: expected a text file, got binary data"):
        read_events(path)


def test_empty_file_is_refused(write_text) -> None:
    path = write_text("e.csv", "  \n")
    with pytest.raises(InputFormatError, match="expected a header row, got an empty file"):
        read_events(path)
