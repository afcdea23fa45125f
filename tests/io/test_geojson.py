"""GeoJSON: points (2-D and 3-D), properties like CSV columns, non-point geometries, legacy crs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from geo.errors import InputFormatError
from geo.io import read_events


def feature(geometry: dict | None, **props: object) -> dict:
    base: dict[str, object] = {"date": "2024-08-06", "title": "Synthetic", "verification": "reported"}
    base.update(props)
    return {"type": "Feature", "geometry": geometry, "properties": base}


def point(*coords: float) -> dict:
    return {"type": "Point", "coordinates": list(coords)}


def write(tmp_path: Path, features: list[dict], name: str = "e.geojson", **extra: object) -> Path:
    path = tmp_path / name
    path.write_text(
        json.dumps({"type": "FeatureCollection", **extra, "features": features}), encoding="utf-8"
    )
    return path


def test_points_2d_and_3d_with_properties(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            feature(point(32.05, 53.35), id="k1", category="strike", location="Kostyukovichi"),
            feature(
                point(30.99, 52.43, 0), id="g1", date="16 May 2025", Fatalities=3, verification="Alleged"
            ),
        ],
    )
    result = read_events(path)
    assert result.format == "geojson" and result.encoding == "utf-8" and result.delimiter is None
    frame = result.frame
    assert frame[["lon", "lat"]].to_numpy().tolist() == [[32.05, 53.35], [30.99, 52.43]]
    assert frame["id"].tolist() == ["geojson:k1", "geojson:g1"]
    assert frame["date_start"].tolist() == [pd.Timestamp("2024-08-06"), pd.Timestamp("2025-05-16")]
    assert frame["category"].tolist() == ["strike", "other"]
    assert frame["location_name"].tolist()[0] == "Kostyukovichi"
    assert frame["fatalities"].tolist()[1] == 3
    assert frame["verification"].tolist() == ["reported", "claimed"]
    assert frame["import_row"].tolist() == [1, 2]
    assert result.issues == []


def test_feature_level_id_is_used(tmp_path: Path) -> None:
    f = feature(point(30.52, 50.45))
    f["id"] = 42
    assert read_events(write(tmp_path, [f])).frame.loc[0, "id"] == "geojson:42"


def test_null_geometry_with_place_is_kept(tmp_path: Path) -> None:
    result = read_events(write(tmp_path, [feature(None, place="Sudzha")]))
    row = result.frame.iloc[0]
    assert np.isnan(row["lon"]) and row["location_name"] == "Sudzha" and row["geo_precision"] == "none"


def test_polygon_rejected_unless_precision_given(tmp_path: Path) -> None:
    square = {"type": "Polygon", "coordinates": [[[30, 50], [31, 50], [31, 51], [30, 51], [30, 50]]]}
    result = read_events(write(tmp_path, [feature(square), feature(square, geo_precision="admin2")]))
    assert result.frame["import_row"].tolist() == [2]
    row = result.frame.iloc[0]
    assert 30 < row["lon"] < 31 and 50 < row["lat"] < 51
    assert row["geo_precision"] == "admin2" and row["flags"] == "representative_point"
    reject, note = result.issues
    assert (reject.row, reject.kind, reject.field, reject.reason) == (
        1,
        "reject",
        "geometry",
        "expected Point geometry, got Polygon",
    )
    assert (note.row, note.kind) == (2, "flag")


def test_single_point_multipoint_is_a_point(tmp_path: Path) -> None:
    geom = {"type": "MultiPoint", "coordinates": [[35.27, 51.19]]}
    frame = read_events(write(tmp_path, [feature(geom)])).frame
    assert (frame.loc[0, "lon"], frame.loc[0, "lat"]) == (35.27, 51.19)


def test_broken_geometry_rejects_that_feature_only(tmp_path: Path) -> None:
    bad = feature({"type": "Point", "coordinates": ["a", "b"]})
    result = read_events(write(tmp_path, [bad, feature(point(30.52, 50.45))]))
    assert result.frame["import_row"].tolist() == [2]
    assert result.issues[0].row == 1 and result.issues[0].reason.startswith("expected a GeoJSON geometry")


def test_legacy_crs_is_reprojected(tmp_path: Path) -> None:
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}
    x, y = Transformer.from_crs(4326, 3857, always_xy=True).transform(30.52, 50.45)  # Kyiv in metres
    assert x > 3e6 and y > 6e6
    frame = read_events(write(tmp_path, [feature(point(x, y))], crs=crs)).frame
    assert frame.loc[0, "lon"] == pytest.approx(30.52, abs=1e-7)
    assert frame.loc[0, "lat"] == pytest.approx(50.45, abs=1e-7)


def test_single_feature_document(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps(feature(point(30.52, 50.45))), encoding="utf-8")
    assert len(read_events(path).frame) == 1


def test_empty_collection_gives_empty_frame(tmp_path: Path) -> None:
    result = read_events(write(tmp_path, []))
    assert result.frame.empty and result.issues == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", r"expected GeoJSON \(a FeatureCollection\), got invalid JSON"),
        ('{"type": "Topology"}', r"expected a GeoJSON FeatureCollection or Feature, got 'Topology'"),
        ("[1, 2]", r"expected a GeoJSON FeatureCollection or Feature, got an array"),
    ],
)
def test_not_geojson_raises(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "x.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputFormatError, match=message):
        read_events(path)
