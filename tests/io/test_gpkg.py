"""GeoPackage layers (written with geopandas/pyogrio in the test)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from io_factories import PLACES
from shapely.geometry import Point, Polygon

from geo.errors import InputFormatError
from geo.io import read_events


def events_layer(crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    names = list(PLACES)
    gdf = gpd.GeoDataFrame(
        {
            "event_id": [f"G{i}" for i in range(len(names))],
            "event_date": pd.to_datetime(["2024-08-06", "2024-08-07", "2024-08-08", "2024-08-09"]),
            "Name": [f"Synthetic event at {n}" for n in names],
            "type": ["strike", "deployment", "ground combat", "statement"],
            "deaths": [1, 0, 2, 0],
        },
        geometry=[Point(PLACES[n]) for n in names],
        crs="EPSG:4326",
    )
    return gdf.to_crs(crs)


def test_gpkg_in_web_mercator_is_reprojected(tmp_path: Path) -> None:
    path = tmp_path / "events.gpkg"
    layer = events_layer("EPSG:3857")
    assert layer.geometry.x.min() > 3e6  # really in metres
    layer.to_file(path, layer="events", engine="pyogrio")
    result = read_events(path)
    assert result.format == "gpkg" and result.encoding is None
    frame = result.frame
    expected = [list(PLACES[n]) for n in PLACES]
    assert frame[["lon", "lat"]].to_numpy() == pytest.approx(pd.DataFrame(expected).to_numpy(), abs=1e-9)
    assert frame["id"].tolist() == ["gpkg:G0", "gpkg:G1", "gpkg:G2", "gpkg:G3"]
    assert frame["date_start"].dt.day.tolist() == [6, 7, 8, 9]
    assert frame["category"].tolist() == ["strike", "deployment", "ground_combat", "statement"]
    assert frame["title"].tolist()[0] == "Synthetic event at Kostyukovichi"
    assert frame["fatalities"].tolist() == [1, 0, 2, 0]
    assert frame["import_row"].tolist() == [1, 2, 3, 4]


def test_point_layer_is_preferred_to_an_area_layer(tmp_path: Path) -> None:
    path = tmp_path / "two.gpkg"
    area = gpd.GeoDataFrame(
        {"name": ["box"]}, geometry=[Polygon([(30, 50), (31, 50), (31, 51)])], crs="EPSG:4326"
    )
    area.to_file(path, layer="areas", engine="pyogrio")
    events_layer().to_file(path, layer="points", engine="pyogrio")
    assert len(read_events(path).frame) == 4


def test_not_a_geopackage_raises(tmp_path: Path) -> None:
    path = tmp_path / "fake.gpkg"
    path.write_text("id,date\n1,2024-08-06\n", encoding="utf-8")
    with pytest.raises(
        InputFormatError, match=r"fake\.gpkg: expected a GeoPackage, got a file GDAL cannot open"
    ):
        read_events(path)
