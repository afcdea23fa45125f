"""VIINA event CSV (synthetic rows)."""

from __future__ import annotations

import pandas as pd
import pytest
from io_factories import VIINA_COLUMNS, viina_row

from geo.io import read_events


def test_viina_row_mapping(write_csv) -> None:
    result = read_events(write_csv("viina.csv", VIINA_COLUMNS, [viina_row(text="x " * 100)]))
    assert result.format == "viina"
    event = result.frame.iloc[0]
    assert event["id"] == "viina:ev_0001"
    assert event["date_start"] == pd.Timestamp("2024-08-16")
    assert event["geo_precision"] == "near"
    assert event["source_url"] == "https://example.org/a" and event["source_name"] == "synthetic_news"
    assert event["description"] == ("x " * 100).strip()
    assert len(event["title"]) <= 120 and event["title"].endswith("…")
    assert event["category"] == "strike" and event["subcategory"] == "mil; artillery"
    assert event["actors"] == "Russia"
    assert event["location_name"] == "Kyiv"
    assert event["verification"] == "reported"
    assert (event["lon"], event["lat"]) == (30.52, 50.45)


@pytest.mark.parametrize(
    ("flags", "category"),
    [
        ({"t_airstrike_b": 1}, "strike"),
        ({"t_artillery_b": 1}, "strike"),
        ({"t_armor_b": 1}, "ground_combat"),
        ({"t_firefight_b": 1}, "ground_combat"),
        ({"t_control_b": 1, "t_artillery_b": 1}, "territorial_change"),
        ({"t_artillery_b": 1, "t_firefight_b": 1}, "strike"),
        ({}, "other"),
    ],
)
def test_viina_flags_to_category(write_csv, flags: dict[str, int], category: str) -> None:
    off = {c: 0 for c in VIINA_COLUMNS if c.startswith("t_") and c.endswith("_b")}
    row = viina_row(**{**off, **flags})
    assert read_events(write_csv("v.csv", VIINA_COLUMNS, [row])).frame.loc[0, "category"] == category


@pytest.mark.parametrize(
    ("rus", "ukr", "actors"), [(1, 1, "Russia; Ukraine"), (0, 1, "Ukraine"), (0, 0, None)]
)
def test_viina_actor_flags(write_csv, rus: int, ukr: int, actors: str | None) -> None:
    value = read_events(write_csv("v.csv", VIINA_COLUMNS, [viina_row(a_rus=rus, a_ukr=ukr)])).frame.loc[
        0, "actors"
    ]
    assert (None if pd.isna(value) else value) == actors


@pytest.mark.parametrize(
    ("precision", "geo"), [("STREET", "exact"), ("ADM2", "admin2"), ("ADM1", "admin1"), ("city", "near")]
)
def test_viina_geo_precision(write_csv, precision: str, geo: str) -> None:
    path = write_csv("v.csv", VIINA_COLUMNS, [viina_row(GEO_PRECISION=precision)])
    assert read_events(path).frame.loc[0, "geo_precision"] == geo


def test_viina_recut_with_admin_names(write_csv) -> None:
    columns = [*VIINA_COLUMNS, "ADM1_NAME", "ADM2_NAME"]
    row = viina_row(ADM1_NAME="Kyiv City", ADM2_NAME="Kyiv")
    event = read_events(write_csv("v.csv", columns, [row])).frame.iloc[0]
    assert (event["src_adm1"], event["src_adm2"]) == ("Kyiv City", "Kyiv")
