"""Reference labels (geo.render.labels): which places are named at which zoom, in which order, and the
spec the map runtime draws them from."""

from __future__ import annotations

import math

import pytest
import shapely

from geo.errors import GeoError
from geo.places import PlaceIndex
from geo.render import LAYERS, base_map, payload_sizes
from geo.render._encode import js_literal
from geo.render.labels import (
    LABEL_CLASSES,
    MIN_POPULATION,
    label_spec,
    label_table,
    labels_at,
    town_min_zoom,
    zoom_for_scale,
)
from tests.factories import town_record
from tests.test_places import BORDER, RECORDS

#: towns for labels: BORDER's, a city of a million inside Kursk region, a village too small to label and a
#: town outside every loaded oblast, and a town of 50,000
LABEL_RECORDS = [
    *RECORDS,
    town_record(910001, "Bigcity", 51.0, 37.5, "RU", 1_200_000, "Бигсити"),
    town_record(910002, "Hamlet", 51.5, 37.0, "RU", MIN_POPULATION - 1),
    town_record(910003, "Faraway", 55.75, 37.6, "RU", 150_000),
    town_record(910004, "Midtown", 52.0, 30.0, "BY", 50_000),
]


@pytest.fixture(scope="module")
def table():
    return label_table(BORDER, PlaceIndex.build(BORDER, records=LABEL_RECORDS))


@pytest.mark.parametrize(
    ("population", "zoom"),
    [(12_000_000, 5), (500_000, 5), (499_999, 7), (100_000, 7), (99_999, 8), (20_000, 8), (19_999, 9),
     (1_000, 9), (0, 9)],
)
def test_town_min_zoom(population, zoom):
    assert town_min_zoom(population).item() == zoom
    assert town_min_zoom([population])[0] == zoom


def test_label_table_orders_by_priority_and_zooms_by_rule(table):
    order = list(table["cls"].drop_duplicates())
    assert order == ["city", "country", "oblast", "large town", "raion", "town", "small town"]
    row = table.set_index("text")
    assert row.loc["Bigcity", ["cls", "min_zoom"]].tolist() == ["city", 5]
    # the raions Gomel, Kursk and Kostyukovichi are their towns' territory: the town's label names them
    assert row.loc[["Gomel", "Kursk", "Kostyukovichi"], "cls"].tolist() == ["large town", "large town", "small town"]
    assert row.loc[["Gomel", "Kursk", "Kostyukovichi"], "min_zoom"].tolist() == [7, 7, 9]
    assert row.loc["Midtown", ["cls", "min_zoom"]].tolist() == ["town", 8]
    assert row.loc["Sudzha", "min_zoom"] == 9
    assert set(row.loc["Sudzhanskii raion", ["cls", "min_zoom"]]) == {"raion", 8}
    assert set(table.loc[table["cls"] == "country", "max_zoom"]) == {7}
    assert "Hamlet" not in row.index  # below MIN_POPULATION
    assert "Faraway" not in row.index  # outside the loaded oblasts
    assert "Kirovsk" in row.index and (row.index == "Kirovsk").sum() == 2  # both GeoNames entries: runtime collides them


def test_labels_at_each_zoom(table):
    at5 = set(labels_at(table, 5)["cls"])
    at9 = labels_at(table, 9)
    assert at5 == {"country", "oblast", "city"}
    assert {"raion", "small town", "town", "oblast"} <= set(at9["cls"]) and "country" not in set(at9["cls"])
    assert list(labels_at(table, 8.7)["text"]) == list(labels_at(table, 8)["text"])  # a fractional zoom floors
    assert labels_at(table, 2).empty


def test_label_points_lie_in_their_units(table):
    row = table.set_index("text")
    kursk = shapely.box(34.0, 50.8, 38.5, 52.4)
    assert kursk.contains(shapely.Point(row.loc["Kursk region", "lon"], row.loc["Kursk region", "lat"]))
    # Russia is named over the loaded oblasts (Kursk region), not at the middle of the whole country's box
    russia = shapely.Point(row.loc["Russia", "lon"], row.loc["Russia", "lat"])
    assert shapely.box(34.0, 50.8, 38.5, 52.4).contains(russia)


@pytest.mark.parametrize(("scale", "zoom"), [(559_082_264.03, 0.0), (545_978.77, 10.0), (1_091_957.5, 9.0)])
def test_zoom_for_scale_at_the_equator(scale, zoom):
    assert zoom_for_scale(scale) == pytest.approx(zoom, abs=1e-3)


def test_zoom_for_scale_grows_towards_the_poles():
    # one map pixel covers cos(lat) as many metres at lat: the same scale is one zoom deeper at 60 degrees
    assert zoom_for_scale(500_000, 60.0) == pytest.approx(zoom_for_scale(500_000) - 1, abs=1e-9)
    assert zoom_for_scale(250_000, 51.0) == pytest.approx(zoom_for_scale(500_000, 51.0) + 1)


@pytest.mark.parametrize("scale", [0, -5, math.nan, math.inf, "500000", None])
def test_zoom_for_scale_refuses_nonsense(scale):
    with pytest.raises(GeoError, match="expected a positive scale denominator, got"):
        zoom_for_scale(scale)


def test_label_spec_columns(table):
    spec = label_spec(BORDER, PlaceIndex.build(BORDER, records=LABEL_RECORDS))
    n = len(table)
    assert len(spec["t"]) == len(spec["x"]) == len(spec["y"]) == len(spec["c"]) == len(spec["z"]) == n
    assert spec["t"] == table["text"].tolist()
    assert spec["y"][0] == round(table["lat"].iloc[0] * 1000) and spec["x"][0] == round(table["lon"].iloc[0] * 1000)
    assert [spec["classes"][c]["name"] for c in spec["c"]] == table["cls"].tolist()
    assert spec["z"] == table["min_zoom"].tolist() and spec["classes"] == [dict(c) for c in LABEL_CLASSES]


def test_labels_are_a_base_layer_shown_by_default():
    spec = LAYERS["labels"]
    assert (spec.group, spec.show, spec.title) == ("base", True, "Place names")


def test_no_boundaries_no_labels():
    assert label_table(None).empty
    assert "labels" not in payload_sizes(base_map(None))


@pytest.mark.shared
@pytest.mark.slow
def test_real_labels(real_boundaries):
    table = label_table(real_boundaries)
    at7 = labels_at(table, 7)
    cities = set(at7.loc[at7["cls"].isin(["city", "large town"]), "text"])
    assert {"Kursk", "Bryansk", "Gomel", "Chernihiv", "Kharkiv", "Kyiv", "Minsk"} <= cities, sorted(cities)
    assert {"Russia", "Ukraine", "Belarus"} == set(table.loc[table["cls"] == "country", "text"])
    # every oblast label lies inside its oblast
    adm1 = real_boundaries.adm1
    oblasts = table.loc[table["cls"] == "oblast"]
    inside = [adm1.loc[adm1["name"] == name].intersects(shapely.Point(x, y)).any() for name, x, y in
              oblasts[["text", "lon", "lat"]].itertuples(index=False)]  # Sevastopol twice: RUS and UKR
    assert all(inside), oblasts.loc[[not i for i in inside], "text"].tolist()
    size = len(js_literal(label_spec(real_boundaries)))
    assert size < 250_000, size  # the labels travel once, with the cached base map
    assert payload_sizes(base_map(real_boundaries))["labels"] == size
