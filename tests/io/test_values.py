"""Vectorised helpers agree with their per-value definitions in geo.schema."""

from __future__ import annotations

import pandas as pd
import pytest

from geo import schema
from geo.io._values import country_iso3, join_text, parse_numbers, source_ids, truncate


@pytest.mark.parametrize("value", ["A1", " spaced id ", "ÜNICODE/é", "a:b.c-d_e", "1.0", "#$%"])
def test_source_ids_match_schema_source_id(value: str) -> None:
    assert source_ids("csv", pd.Series([value], dtype="str")).tolist() == [schema.source_id("csv", value)]


def test_source_ids_keep_missing() -> None:
    assert source_ids("x", pd.Series(["a", None], dtype="str")).isna().tolist() == [False, True]


def test_join_text_with_all_missing_rows_in_the_middle() -> None:
    a = pd.Series(["a", None, None, "", "a"], dtype="str")
    b = pd.Series([None, None, "b", None, "b"], dtype="str")
    c = pd.Series([None, None, None, None, "c"], dtype="str")
    out = join_text([a, b, c])
    assert [None if pd.isna(v) else v for v in out] == ["a", None, "b", None, "a; b; c"]


@pytest.mark.parametrize(
    ("values", "decimal_comma", "numbers", "bad"),
    [
        (["1.5", "-2", None], False, [1.5, -2.0, None], [False, False, False]),
        (["1,5", " 3 ", "x"], True, [1.5, 3.0, None], [False, False, True]),
        (["1,5"], False, [None], [True]),
        (["nan", "1e3"], False, [None, 1000.0], [False, False]),
    ],
)
def test_parse_numbers(values, decimal_comma, numbers, bad) -> None:
    got, got_bad = parse_numbers(pd.Series(values, dtype="str"), decimal_comma=decimal_comma)
    assert [None if v != v else v for v in got.tolist()] == numbers
    assert got_bad.tolist() == bad


@pytest.mark.parametrize(
    ("value", "iso3"),
    [
        ("Russia (Soviet Union)", "RUS"),
        ("112", "BLR"),
        ("112.0", "BLR"),
        ("  ukraine ", "UKR"),
        ("Wakanda", None),
        ("", None),
    ],
)
def test_country_iso3(value: str, iso3: str | None) -> None:
    assert country_iso3(value) == iso3


def test_truncate_cuts_on_words() -> None:
    out = truncate(pd.Series(["short", "one two three four five six"], dtype="str"), limit=12)
    assert out.tolist() == ["short", "one two…"]
