"""The sidebar filter, the timeline and the per-unit counts, on seeded frames built in code."""

from __future__ import annotations

import datetime as dt
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from geo import filter as flt, join
from geo.errors import GeoError
from geo.filter import EventFilter
from geo.store import EventStore
from tests.factories import grid_boundaries, make_events
from tests.filter_factories import big_enriched, make_enriched

D = dt.date
WINDOW = EventFilter(start=D(2024, 8, 10), end=D(2024, 8, 14))


def _ids(frame: pd.DataFrame) -> list[str]:
    return sorted(frame["id"].astype(str))


def _one(start: str, end: str | None, **cols: object) -> pd.DataFrame:
    return make_enriched(1, date_start=[pd.Timestamp(start)], date_end=[pd.Timestamp(end) if end else pd.NaT], **cols)


# --- time window --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "shown"),
    [
        ("2024-08-05", "2024-08-12", True),  # deployment starting before the window, ending inside
        ("2024-08-11", None, True),  # one day inside
        ("2024-08-12", "2024-08-30", True),  # starting inside, ending after
        ("2024-08-01", "2024-08-31", True),  # spanning the whole window
        ("2024-08-09", "2024-08-10", True),  # ending on the first day
        ("2024-08-14", None, True),  # on the last day
        ("2024-08-14", "2024-08-20", True),  # starting on the last day
        ("2024-08-01", "2024-08-09", False),  # ending the day before the start
        ("2024-08-09", None, False),  # one day, the day before
        ("2024-08-15", None, False),  # the day after
        ("2024-08-15", "2024-08-20", False),  # starting the day after
    ],
)
def test_interval_meets_window(start, end, shown):
    assert len(flt.apply(_one(start, end), WINDOW)) == int(shown)


@pytest.mark.parametrize(
    ("f", "shown"),
    [
        (EventFilter(start=D(2024, 8, 12)), ["early-long", "late"]),
        (EventFilter(end=D(2024, 8, 8)), ["early-long", "early-short"]),
        (EventFilter(), ["early-long", "early-short", "late", "undated"]),
    ],
)
def test_open_ended_windows_and_undated_events(f, shown):
    events = make_enriched(
        4,
        id=["early-long", "early-short", "late", "undated"],
        date_start=pd.to_datetime(["2024-08-01", "2024-08-01", "2024-08-13", None]),
        date_end=pd.to_datetime(["2024-08-20", None, None, None]),
    )
    assert _ids(flt.apply(events, f)) == shown


def test_times_of_day_and_other_units_count_as_their_day():
    events = make_enriched(1, date_start=[pd.Timestamp("2024-08-14 18:30")], date_end=[pd.NaT])
    events["date_start"] = events["date_start"].astype("datetime64[s]")
    assert len(flt.apply(events, WINDOW)) == 1
    assert len(flt.apply(events, EventFilter(start=D(2024, 8, 15)))) == 0


def test_active_on_follows_the_interval():
    events = make_enriched(
        3, date_start=pd.to_datetime(["2024-08-05", "2024-08-10", "2024-08-12"]),
        date_end=pd.to_datetime(["2024-08-10", None, "2024-08-11"]),  # last: end before start -> one day
    )
    events.index = [10, 20, 30]
    mask = flt.active_on(events, D(2024, 8, 10))
    assert mask.dtype == bool and list(mask.index) == [10, 20, 30]
    assert list(mask) == [True, True, False]
    assert list(flt.active_on(events, "2024-08-12")) == [False, False, True]
    assert list(events.loc[flt.active_on(events, D(2024, 8, 6)), "id"]) == ["t-0-0"]


# --- facets -------------------------------------------------------------------------------------------


@pytest.fixture
def faceted() -> pd.DataFrame:
    return make_enriched(
        6,
        adm2=["AAA-NW", "AAA-NE", "BBB-SW", "BBB-SE", None, "BBB-SW"],
        id=["e0", "e1", "e2", "e3", "e4", "e5"],
        category=["deployment", "strike", "strike", "statement", "statement", "airspace_incident"],
        verification=["confirmed", "reported", "claimed", "disputed", "reported", "claimed"],
        geo_precision=["exact", "near", "admin2", "admin1", "none", "country"],
    )


@pytest.mark.parametrize(
    ("f", "shown"),
    [
        (EventFilter(categories=("strike",)), ["e1", "e2"]),
        (EventFilter(categories=("strike", "deployment")), ["e0", "e1", "e2"]),
        (EventFilter(verification=("claimed",)), ["e2", "e5"]),
        (EventFilter(precision=("admin1", "country")), ["e3", "e5"]),
        (EventFilter(countries=("BBB",)), ["e2", "e3", "e5"]),  # country: every located event
        (EventFilter(countries=("AAA", "BBB")), ["e0", "e1", "e2", "e3", "e5"]),  # e4 has no location
        (EventFilter(adm1=("BBB-S",)), ["e2", "e3"]),  # e5 is country-level: not credited to the oblast
        (EventFilter(adm2=("BBB-SW",)), ["e2"]),  # e5 sits in BBB-SW but only as a country-level point
        (EventFilter(adm2=("AAA-NW", "AAA-NE")), ["e0", "e1"]),
        (EventFilter(border_only=True), ["e1", "e2"]),  # border raions AAA-NE, BBB-SW; e5 too coarse
        (EventFilter(categories=("strike",), countries=("BBB",)), ["e2"]),  # facets combine with AND
        (EventFilter(countries=("AAA",), adm2=("BBB-SW",)), []),
        (EventFilter(), ["e0", "e1", "e2", "e3", "e4", "e5"]),  # no place facet: unlocated e4 kept
    ],
)
def test_each_facet(faceted, f, shown):
    assert _ids(flt.apply(faceted, f)) == shown


def test_facets_work_on_plain_string_join_columns(faceted):
    plain = faceted.astype({c: "string" for c in ("adm0_iso", "adm1_id", "adm2_id")})
    for f in (EventFilter(countries=("BBB",)), EventFilter(adm2=("BBB-SW",)), EventFilter(adm1=("BBB-S",))):
        assert _ids(flt.apply(plain, f)) == _ids(flt.apply(faceted, f))


def test_place_facet_without_join_columns_matches_nothing():
    events = make_events(3)  # never joined
    assert len(flt.apply(events, EventFilter(countries=("AAA",)))) == 0
    assert len(flt.apply(events, EventFilter(border_only=True))) == 0
    assert len(flt.apply(events, EventFilter(categories=("ground_combat",)))) == 3


@pytest.mark.parametrize(
    ("actors", "shown"),
    [
        (("Armed Forces of Russia",), ["a0", "a1"]),
        (("  armed forces of RUSSIA ",), ["a0", "a1"]),  # case-insensitive, trimmed
        (("Russia",), []),  # whole actor names, not substrings
        (("Wagner Group", "Armed Forces of Belarus"), ["a1", "a2"]),  # any of them
        (("armed forces of ukraine",), ["a0"]),
    ],
)
def test_actors_split_on_semicolons(actors, shown):
    events = make_enriched(
        4,
        id=["a0", "a1", "a2", "a3"],
        actors=[
            "Armed Forces of Ukraine; Armed Forces of Russia",
            "Wagner Group;armed forces of russia ",
            "Armed Forces of Belarus",
            None,
        ],
    )
    assert _ids(flt.apply(events, EventFilter(actors=actors))) == shown
    cat = events.astype({"actors": "category"})
    assert _ids(flt.apply(cat, EventFilter(actors=actors))) == shown


@pytest.mark.parametrize(
    ("needle", "shown"),
    [
        ("sudzha", ["s0"]),  # title, case-insensitive
        ("КОСТЮКОВИЧ", ["s1"]),  # Cyrillic in the description, case-insensitive
        ("korenevo", ["s2"]),  # location_name
        ("wagner", ["s3"]),  # actors
        ("isw", ["s0", "s4"]),  # source_name
        ("[", ["s4"]),  # literal text, not a regular expression
        ("nowhere", []),
        ("  ", ["s0", "s1", "s2", "s3", "s4"]),  # blank: no search
    ],
)
def test_search_spans_the_text_columns(needle, shown):
    events = make_enriched(
        5,
        id=["s0", "s1", "s2", "s3", "s4"],
        title=["Fighting near Sudzha", "Drones", "Shelling", "Claim", "Note [draft]"],
        description=[None, "Над Костюковичами", None, None, None],
        location_name=[None, None, "Korenevo", None, None],
        actors=[None, None, None, "Wagner Group", None],
        source_name=["ISW", None, "TASS", None, "isw blog"],
    )
    assert _ids(flt.apply(events, EventFilter(search=needle))) == shown


def test_search_only_among_rows_other_facets_keep():
    events = make_enriched(3, title=["drone", "drone", "tank"], category=["strike", "statement", "strike"])
    assert list(flt.apply(events, EventFilter(search="DRONE", categories=("strike",))).title) == ["drone"]


# --- the filter value ---------------------------------------------------------------------------------


def test_filter_is_hashable_and_canonical():
    a = EventFilter(categories=["strike", "deployment", "strike"], start="2024-08-10", end=pd.Timestamp("2024-08-14"))
    b = EventFilter(categories=("deployment", "strike"), start=D(2024, 8, 10), end=dt.datetime(2024, 8, 14, 12))
    assert a == b and hash(a) == hash(b)
    assert a.categories == ("deployment", "strike") and a.start == D(2024, 8, 10) and a.end == D(2024, 8, 14)
    assert {a: 1}[b] == 1
    assert EventFilter().is_empty and not a.is_empty
    assert EventFilter(adm2=["X"]).has_place and not a.has_place


def test_filter_round_trips_through_json():
    f = EventFilter(
        start=D(2024, 8, 10), end=D(2024, 8, 14), categories=("strike",), actors=("Wagner Group",),
        verification=("claimed",), precision=("exact",), countries=("RUS",), adm1=("R-1",), adm2=("R-2",),
        border_only=True, search="Sudzha",
    )
    data = json.loads(json.dumps(f.to_dict()))
    assert data["start"] == "2024-08-10" and data["categories"] == ["strike"]
    assert EventFilter.from_dict(data) == f
    assert EventFilter.from_dict({}) == EventFilter()
    assert EventFilter.from_dict(EventFilter().to_dict()) == EventFilter()
    assert EventFilter.from_dict({"border_only": "false"}).border_only is False


def test_filter_rejects_unknown_keys_and_reversed_windows():
    with pytest.raises(GeoError, match="unknown \\['category'\\]"):
        EventFilter.from_dict({"category": ["strike"]})
    with pytest.raises(GeoError, match="expected start on or before end"):
        EventFilter(start=D(2024, 8, 14), end=D(2024, 8, 10))
    with pytest.raises(GeoError, match="expected start as a date"):
        EventFilter(start="yesterday")


def test_apply_never_mutates_and_keeps_order_index_and_type(faceted):
    before = faceted.copy(deep=True)
    faceted.index = faceted.index * 10
    before.index = faceted.index
    for f in (EventFilter(), EventFilter(categories=("strike",)), EventFilter(search="event", border_only=True)):
        out = flt.apply(faceted, f)
        if len(out):
            out.loc[out.index[0], "title"] = "changed"
            out["extra"] = 1
        pd.testing.assert_frame_equal(faceted, before)
    out = flt.apply(faceted, EventFilter(categories=("strike", "statement")))
    assert list(out.index) == [10, 20, 30, 40]
    gdf = gpd.GeoDataFrame(faceted, geometry=gpd.points_from_xy(faceted.lon, faceted.lat), crs="EPSG:4326")
    assert isinstance(flt.apply(gdf, EventFilter(countries=("BBB",))), gpd.GeoDataFrame)


def test_filter_mask_matches_apply(faceted):
    f = EventFilter(categories=("strike", "statement"))
    mask = flt.filter_mask(faceted, f)
    assert mask.dtype == bool and mask.shape == (len(faceted),)
    assert _ids(faceted[mask]) == _ids(flt.apply(faceted, f))


def test_real_join_output_and_store_round_trip(tmp_path):
    events = make_events(
        4, lon=[30.25, 30.75, 31.25, 31.75], lat=[50.25, 50.75, 50.25, 50.75],
        geo_precision=["exact", "near", "country", "admin2"],
    )
    enriched = join.enrich(events, join.prepare(grid_boundaries()))
    store = EventStore(tmp_path / "events.gpkg")
    store.add(enriched)
    for frame in (enriched, store.read()):
        assert _ids(flt.apply(frame, EventFilter(adm2=("AAA-SW", "BBB-SW")))) == [events.id[0]]  # 2: country
        assert _ids(flt.apply(frame, EventFilter(countries=("BBB",)))) == sorted(events.id[2:])
        assert flt.counts_by_adm2(frame).to_dict() == {"AAA-SW": 1, "AAA-NE": 1, "BBB-NE": 1}


# --- dates, presets, timeline -------------------------------------------------------------------------


def _dated(starts: list[str], ends: list[str | None]) -> pd.DataFrame:
    return make_enriched(len(starts), date_start=pd.to_datetime(starts), date_end=pd.to_datetime(ends))


def test_presets_count_back_from_the_latest_start():
    events = _dated(["2024-07-01", "2024-08-06", "2024-08-10"], [None, "2024-08-31", None])  # a long deployment
    p = flt.presets(events)
    assert list(p) == ["Last day", "Last 7 days", "Last 30 days", "All"]
    assert p["Last day"] == (D(2024, 8, 10), D(2024, 8, 10))  # the latest start, not the deployment's end
    assert p["Last 7 days"] == (D(2024, 8, 4), D(2024, 8, 10))
    assert p["Last 30 days"] == (D(2024, 7, 12), D(2024, 8, 10))
    assert p["All"] == (D(2024, 7, 1), D(2024, 8, 31)) == flt.data_range(events)  # "All" still holds every day
    assert flt.presets(events.iloc[0:0]) == {} and flt.data_range(events.iloc[0:0]) is None
    short = flt.presets(events.iloc[1:3])  # starts 2024-08-06 and 2024-08-10: clipped to the first event
    assert short["Last 7 days"] == short["Last 30 days"] == (D(2024, 8, 6), D(2024, 8, 10))
    last_day = flt.apply(events, EventFilter(start=p["Last day"][0], end=p["Last day"][1]))
    assert _ids(last_day) == sorted(events.id[1:])  # the day's event and the deployment still running
    for start, end in p.values():
        assert p["All"][0] <= start <= end <= p["All"][1]


@pytest.mark.parametrize("deployment_end", [None, "2024-08-12", "2024-12-31", "2030-01-01"])
def test_a_long_deployment_does_not_move_last_day(deployment_end):
    events = _dated(["2024-08-01", "2024-08-12"], ["2024-08-03", None])
    with_deployment = pd.concat([events, _dated(["2024-08-05"], [deployment_end])], ignore_index=True)
    assert flt.presets(with_deployment)["Last day"] == flt.presets(events)["Last day"] == (D(2024, 8, 12),) * 2
    assert flt.presets(with_deployment, today=D(2026, 11, 29))["Last day"] == (D(2024, 8, 12),) * 2


@pytest.mark.parametrize(
    ("today", "anchor"),
    [
        (None, D(2024, 8, 12)),  # no today: the latest start
        (D(2024, 8, 12), D(2024, 8, 12)),  # fed today
        (D(2024, 8, 14), D(2024, 8, 14)),  # live: the latest start two days ago, presets end today
        (D(2024, 8, 15), D(2024, 8, 15)),  # LIVE_LAG_DAYS after the latest start: still live
        (D(2024, 8, 16), D(2024, 8, 12)),  # one day more: an archive, presets end on its latest start
        (D(2025, 3, 1), D(2024, 8, 12)),
        (D(2024, 8, 10), D(2024, 8, 12)),  # an event dated after today: the presets still reach it
    ],
)
def test_live_store_presets_end_today(today, anchor):
    assert flt.LIVE_LAG_DAYS == 3
    events = _dated(["2024-07-20", "2024-08-12"], [None, None])
    assert flt.preset_anchor(events, today) == anchor
    p = flt.presets(events, today=today)
    assert p["Last day"] == (anchor, anchor)
    assert p["Last 7 days"] == (anchor - dt.timedelta(days=6), anchor)
    assert p["All"] == (D(2024, 7, 20), anchor)  # the span reaches today, so the date widgets accept it
    assert flt.preset_anchor(events.iloc[0:0], today) is None and flt.presets(events.iloc[0:0], today) == {}


def test_timeline_counts_a_deployment_on_each_of_its_days():
    events = make_enriched(
        3,
        category=["deployment", "strike", "strike"],
        date_start=pd.to_datetime(["2024-08-01", "2024-08-11", "2024-08-11"]),
        date_end=pd.to_datetime(["2024-08-20", None, "2024-08-12"]),
    )
    t = flt.timeline(events, D(2024, 8, 10), D(2024, 8, 14))
    assert list(t.columns) == ["day", "category", "events"]
    assert len(t) == 5 * 2  # every day for every category, zeros included
    wide = t.pivot(index="day", columns="category", values="events")
    assert list(wide["deployment"]) == [1, 1, 1, 1, 1]  # capped to the window
    assert list(wide["strike"]) == [0, 2, 1, 0, 0]
    assert t["day"].dtype == "datetime64[ns]" and t["events"].dtype == "int64"
    assert list(t.category[:2]) == ["deployment", "strike"]  # vocabulary order within a day


def test_timeline_defaults_and_empty_cases():
    events = make_enriched(2, date_start=pd.to_datetime(["2024-08-01", "2024-08-03"]), date_end=[pd.NaT, pd.NaT])
    t = flt.timeline(events)
    assert list(t.day.dt.day) == [1, 2, 3] and list(t.events) == [1, 0, 1]
    assert flt.timeline(events, D(2024, 8, 5), D(2024, 8, 1)).empty
    assert flt.timeline(events.iloc[0:0]).empty
    window = flt.timeline(events, D(2024, 9, 1), D(2024, 9, 2))  # nothing active: zeros
    assert list(window.events) == [0, 0]


def test_timeline_matches_a_day_by_day_count():
    events = big_enriched(500, seed=3)
    start, end = D(2024, 3, 1), D(2024, 4, 15)
    t = flt.timeline(events, start, end).set_index(["day", "category"])["events"]
    for day in pd.date_range(start, end, freq="7D"):
        active = events.loc[flt.active_on(events, day)]
        expected = active["category"].value_counts()
        for category, n in expected.items():
            assert t[(day, category)] == n
        assert t.xs(day, level="day").sum() == len(active)


# --- counts and options -------------------------------------------------------------------------------


def test_counts_by_adm2_credits_only_fine_precision(faceted):
    # e2 (admin2) and e5 (country-level, at a point inside BBB-SW) share a raion
    by_adm2 = flt.counts_by_adm2(faceted)
    assert by_adm2.to_dict() == {"AAA-NE": 1, "AAA-NW": 1, "BBB-SW": 1}  # e3 admin1, e5 country: not
    assert by_adm2.name == "events" and by_adm2.index.name == "adm2_id"
    c = flt.counts(faceted)
    assert c["country"].to_dict("records") == [
        {"adm0_iso": "BBB", "adm0_name": "Bland", "events": 3},  # every located event counts per country
        {"adm0_iso": "AAA", "adm0_name": "Aland", "events": 2},
    ]
    assert list(c["raion"].columns) == ["adm0_iso", "adm1_name", "adm2_id", "adm2_name", "events"]
    assert list(c["raion"].adm2_id) == ["AAA-NE", "AAA-NW", "BBB-SW"]  # ties by name
    assert c["oblast"].set_index("adm1_id").events.to_dict() == {"AAA-N": 2, "BBB-S": 2}  # e5 not


def test_counts_sorted_descending_and_empty():
    events = make_enriched(5, adm2=["BBB-SE", "AAA-NW", "BBB-SE", "BBB-SE", "AAA-NW"])
    assert list(flt.counts_by_adm2(events)) == [3, 2]
    assert list(flt.counts(events)["raion"].events) == [3, 2]
    empty = flt.counts(events.iloc[0:0])
    assert all(frame.empty for frame in empty.values())
    assert list(empty["raion"].columns) == ["adm0_iso", "adm1_name", "adm2_id", "adm2_name", "events"]
    assert flt.counts_by_adm2(make_events(2)).empty  # never joined


def test_options_for_the_widgets(faceted):
    faceted["actors"] = pd.array(
        ["Wagner Group; Armed Forces of Russia", "armed forces of russia", None, "Armed Forces of Belarus",
         " Wagner Group ", "Armed Forces of Russia"],
        dtype="string",
    )
    o = flt.options(faceted)
    assert o["categories"] == ["deployment", "airspace_incident", "strike", "statement"]  # schema order
    assert o["verification"] == ["confirmed", "reported", "claimed", "disputed"]
    assert o["precision"] == ["exact", "near", "admin2", "admin1", "country", "none"]
    assert [a.casefold() for a in o["actors"]] == [
        "armed forces of belarus", "armed forces of russia", "wagner group",
    ]
    assert o["countries"] == [("AAA", "Aland"), ("BBB", "Bland")]
    assert o["adm1"] == [("AAA-N", "AAA N Oblast", "AAA"), ("BBB-S", "BBB S Oblast", "BBB")]
    assert o["adm2"][0] == ("AAA-NE", "AAA NE raion", "AAA-N") and len(o["adm2"]) == 4
    assert flt.options(make_events(0))["countries"] == []


def test_large_frame_filters_consistently():
    events = big_enriched(20_000, seed=1)
    f = EventFilter(start=D(2024, 6, 1), end=D(2024, 6, 30), categories=("deployment",), actors=("unit 5",),
                    search="place 1")
    out = flt.apply(events, f)
    first = events["date_start"].dt.normalize()
    last = events["date_end"].fillna(events["date_start"]).dt.normalize()
    expected = (
        (first <= "2024-06-30") & (last >= "2024-06-01") & (events.category == "deployment")
        & events.actors.str.lower().str.split(";").apply(lambda parts: "unit 5" in [p.strip() for p in parts])
        & pd.concat([events[c].str.lower().str.contains("place 1", regex=False) for c in flt.SEARCH_COLUMNS],
                    axis=1).fillna(False).any(axis=1)
    )
    assert len(out) > 0 and np.array_equal(flt.filter_mask(events, f), expected.to_numpy(dtype=bool))


# --- drawn shapes -------------------------------------------------------------------------------------

_GEOD = Geod(ellps="WGS84")
SQUARE = flt.Shape("polygon", ((30.0, 50.0), (31.0, 50.0), (31.0, 51.0), (30.0, 51.0)))


def _at(lon: list[float | None], lat: list[float | None], **cols: object) -> pd.DataFrame:
    n = len(lon)
    return make_enriched(n, lon=[np.nan if v is None else v for v in lon],
                         lat=[np.nan if v is None else v for v in lat], id=[f"e{i}" for i in range(n)], **cols)


@pytest.mark.parametrize(
    ("lon", "lat", "inside"),
    [
        (30.5, 50.5, True),  # the middle
        (30.0, 50.5, True),  # on the edge
        (31.0, 51.0, True),  # on a corner
        (31.00002, 50.5, False),  # just east
        (30.5, 49.99998, False),  # just south
        (None, None, False),  # not located
        (30.5, None, False),
    ],
)
def test_a_polygon_keeps_the_events_inside_it(lon, lat, inside):
    events = _at([lon], [lat])
    assert flt.filter_mask(events, EventFilter(shapes=(SQUARE,))).tolist() == [inside]


def test_a_triangle_is_not_its_bounding_box():
    triangle = flt.Shape("polygon", ((30.0, 50.0), (31.0, 50.0), (30.0, 51.0)))
    events = _at([30.2, 30.8, 30.6], [50.2, 50.8, 50.3])
    assert flt.filter_mask(events, EventFilter(shapes=(triangle,))).tolist() == [True, False, True]


@pytest.mark.parametrize("lat", [0.0, 51.7, 69.0])  # a degree of longitude shrinks with latitude; metres do not
@pytest.mark.parametrize("radius", [800.0, 25_000.0, 300_000.0])
def test_a_circle_is_a_geodesic_buffer_of_its_radius(lat, radius):
    azimuths = np.arange(0, 360, 30.0)
    n = len(azimuths)
    lons, lats, _ = _GEOD.fwd(np.full(2 * n, 36.0), np.full(2 * n, lat), np.concatenate([azimuths, azimuths]),
                              np.concatenate([np.full(n, radius * 0.995), np.full(n, radius * 1.005)]))
    events = _at(list(lons), list(lats))
    circle = flt.Shape("circle", ((36.0, lat),), radius)
    mask = flt.filter_mask(events, EventFilter(shapes=(circle,)))
    assert mask.tolist() == [True] * n + [False] * n


def test_shapes_combine_as_a_union_and_with_the_other_facets():
    far = flt.Shape("circle", ((36.19, 51.73),), 10_000)
    events = _at([30.5, 36.2, 33.0, 30.6], [50.5, 51.7, 50.0, 50.6],
                 category=["strike", "strike", "strike", "deployment"])
    assert _ids(flt.apply(events, EventFilter(shapes=(SQUARE, far)))) == ["e0", "e1", "e3"]
    assert _ids(flt.apply(events, EventFilter(shapes=(SQUARE, far), categories=("strike",)))) == ["e0", "e1"]
    assert EventFilter(shapes=(SQUARE,)).has_place and not EventFilter(shapes=(SQUARE,)).is_empty


def test_shapes_are_canonical_hashable_and_round_trip_through_json():
    drawn = [{"kind": "polygon", "points": [[30.0000001, 50], [31, 50], [31, 51], [30, 51], [30, 50]]},
             {"kind": "circle", "points": [[36.19, 51.73]], "radius_m": 24999.6}]
    f = EventFilter(shapes=drawn)
    assert f.shapes == (SQUARE, flt.Shape("circle", ((36.19, 51.73),), 25_000))  # rounded, ring not closed
    assert hash(f) == hash(EventFilter(shapes=f.shapes))
    data = json.loads(json.dumps(f.to_dict()))
    assert data["shapes"][1] == {"kind": "circle", "points": [[36.19, 51.73]], "radius_m": 25000.0}
    assert EventFilter.from_dict(data) == f


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"kind": "line", "points": [[0, 0], [1, 1]]}, r"expected a shape kind among polygon, circle, got 'line'"),
        ({"kind": "polygon", "points": [[0, 0], [1, 1], [0, 0]]}, r"at least 3 distinct points, got 2"),
        ({"kind": "polygon", "points": [[0, 0], [1, 91], [2, 0]]}, r"polygon point 2 within lon -180\.\.180 and lat -90\.\.90"),
        ({"kind": "polygon", "points": [[0, 0], ["a", 1], [2, 0]]}, r"expected polygon point 2 as \[lon, lat\]"),
        ({"kind": "circle", "points": [[0, 0], [1, 1]]}, r"one centre point, got 2"),
        ({"kind": "circle", "points": [[0, 0]], "radius_m": -5}, r"radius between 1 m and 5,000 km, got -5"),
        ({"kind": "circle", "points": [[0, 0]], "radius_m": "far"}, r"radius in metres, got 'far'"),
        ({"kind": "circle", "points": [[0, 0]], "radius": 5}, r"unknown \['radius'\]"),
        ("p1_2_3", r"expected a shape as \{kind, points, radius_m\}"),
    ],
)
def test_bad_shapes_are_refused_saying_what_is_wrong(value, message):
    with pytest.raises(GeoError, match=message):
        EventFilter(shapes=[value])


def test_drawn_geojson_features_become_shapes():
    features = [  # what Leaflet.draw hands streamlit-folium's all_drawings: a closed ring, a circle's centre
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [
            [[30, 50], [30, 51], [31, 51], [31, 50], [30, 50]]]}},
        {"type": "Feature", "properties": {"radius": 1500.2}, "geometry": {"type": "Point", "coordinates": [36.1, 51.7]}},
    ]
    shapes = flt.shapes_from_geojson(features)
    assert [s.kind for s in shapes] == ["polygon", "circle"] and shapes[1].radius_m == 1500.0
    assert len(shapes[0].points) == 4
    assert flt.shapes_from_geojson(None) == () and flt.shapes_from_geojson([]) == ()
    with pytest.raises(GeoError, match=r"drawn feature 2 to be a polygon or a circle, got Point without a radius"):
        flt.shapes_from_geojson([features[0], {"geometry": {"type": "Point", "coordinates": [1, 2]}, "properties": {}}])


def test_the_snapshot_exports_only_the_events_inside_the_drawn_shapes():
    from geo.snapshot import View, select

    events = _at([30.5, 36.2, 33.0], [50.5, 51.7, 50.0])
    view = View.from_dict(json.loads(json.dumps(View(filter=EventFilter(shapes=(SQUARE,))).to_dict())))
    assert view.filter.shapes == (SQUARE,)
    assert list(select(events, view)["id"]) == ["e0"]


def test_shapes_on_a_large_frame_match_a_point_by_point_check():
    events = big_enriched(200_000, seed=3)
    circle = flt.Shape("circle", ((32.0, 49.0),), 150_000)
    quad = flt.Shape("polygon", ((24.0, 46.0), (30.0, 45.5), (31.0, 50.0), (25.0, 52.0)))
    mask = flt.filter_mask(events, EventFilter(shapes=(circle, quad)))
    rng = np.random.default_rng(0)
    rows = rng.choice(len(events), 2_000, replace=False)
    poly = shapely.Polygon(quad.points)
    for r in rows:
        lon, lat = float(events["lon"].iat[r]), float(events["lat"].iat[r])
        if not (np.isfinite(lon) and np.isfinite(lat)):
            assert not mask[r]
            continue
        dist = _GEOD.inv(32.0, 49.0, lon, lat)[2]
        assert mask[r] == (dist <= 150_000 or poly.intersects(shapely.Point(lon, lat))), (r, lon, lat)
    assert 0 < mask.sum() < len(events)


def test_a_shape_of_a_reimported_module_is_still_a_shape(monkeypatch):
    """Streamlit re-imports a changed module while the session state keeps the shapes drawn before."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("filter_again", flt.__file__)
    again = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "filter_again", again)
    spec.loader.exec_module(again)
    old = again.Shape("circle", ((36.19, 51.73),), 25_000)
    assert not isinstance(old, flt.Shape)
    assert EventFilter(shapes=(old,)).shapes == (flt.Shape("circle", ((36.19, 51.73),), 25_000),)
