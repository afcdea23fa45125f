"""The shareable view's link: state ↔ query parameters ↔ session state, without a Streamlit server."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from geo.errors import GeoError
from geo.filter import Shape
from ui import share, urlstate as us
from ui.urlstate import LinkState

D = date
RECT = Shape("polygon", ((34.3, 50.9), (36.4, 50.9), (36.4, 51.9), (34.3, 51.9)))
RING = Shape("circle", ((36.19252, 51.73016),), 25_000)
OPTIONS = {
    "categories": ["strike", "ground_combat", "deployment"],
    "verification": ["confirmed", "reported"],
    "precision": ["exact", "near"],
    "actors": ["Armed Forces of Ukraine", "Вооружённые силы России", "Unit ~7 (100%)"],
    "countries": [("RUS", "Russia"), ("UKR", "Ukraine")],
    "adm1": [("RUS-ADM1-1", "Kursk", "RUS")],
    "adm2": [("RUS-ADM2-9", "Sudzhansky", "RUS-ADM1-1")],
}
SPAN = (D(2024, 8, 1), D(2024, 8, 31))


class Params(dict):
    """A stand-in for ``st.query_params`` that counts the messages it would send to the browser."""

    writes = 0

    def from_dict(self, values: dict[str, str]) -> None:
        self.writes += 1
        self.clear()
        self.update(values)


@pytest.mark.parametrize(
    "state",
    [
        LinkState(),
        LinkState(start=D(2024, 8, 10), end=D(2024, 8, 16)),
        LinkState(start=D(2024, 8, 10), end=D(2024, 8, 16), facets=(("cat", ("ground_combat", "strike")),),
                  border_only=True, search="Sudzha bridge", mode="points"),
        LinkState(facets=(("act", ("Unit ~7 (100%)", "Вооружённые силы России")), ("adm2", ("RUS-ADM2-9",)))),
        LinkState(view=(51.73, 36.19, 9.0), overlays=("countries", "events", "heatmap"), basemap="satellite"),
        LinkState(view=(-33.5, -70.25, 4.5), overlays=()),  # southern and western, no overlay shown at all
        LinkState(shapes=(RECT,)),
        LinkState(shapes=(RECT, RING, Shape("polygon", ((-0.5, -0.25), (0.5, -0.25), (0.0, 0.75))))),
    ],
    ids=["empty", "window", "facets", "escaped-lists", "map", "negative-and-no-layers", "rectangle", "shapes"],
)
def test_state_survives_the_query_string(state):
    params = us.encode(state)
    # through a real URL, as the browser holds it (Python's urlencode is what Streamlit writes with)
    query = {k: v[-1] for k, v in parse_qs(urlencode(params), keep_blank_values=True).items()}
    back, warnings = us.decode(query)
    assert warnings == []
    assert back == state


def test_shapes_are_short_in_the_link():
    text = us.encode_shapes((RECT, RING))
    assert text == "p34.3_50.9_36.4_50.9_36.4_51.9_34.3_51.9c36.19252_51.73016_25000"
    assert urlencode({"draw": text}) == f"draw={text}"  # nothing to escape


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("p1_2_3_4_5", r"in pairs"),
        ("c36_51", r"expected a circle as c<lon>_<lat>_<radius m>"),
        ("c36_51_0", r"radius between 1 m and 5,000 km"),
        ("p36_51_36_51_36_51", r"at least 3 distinct points"),
        ("p200_51_36_52_37_51", r"lon -180\.\.180"),
        ("q1_2", r"expected shapes like"),
        ("p1_2_3_4_5_6x", r"got 'x'"),
        ("", r"expected shapes like"),
    ],
)
def test_bad_shapes_are_refused_saying_why(text, message):
    with pytest.raises(GeoError, match=message):
        us.decode_shapes(text)


@pytest.mark.parametrize(
    ("param", "value", "message"),
    [
        ("from", "2024-13-01", r"'from'.*expected a date like 2024-08-06, got '2024-13-01'"),
        ("to", "yesterday", r"'to'.*expected a date"),
        ("view", "51.7_36.2", r"'view'.*expected <lat>_<lon>_<zoom>"),
        ("view", "95_36_9", r"'view'.*expected lat -85\.\.85"),
        ("mode", "blobs", r"'mode'.*expected one of auto, points, cells, got 'blobs'"),
        ("base", "google", r"'base'.*expected one of light"),
        ("layers", "countries~rivers", r"'layers'.*expected layer names among .*got 'rivers'"),
        ("border", "perhaps", r"'border'.*expected 1 or 0"),
        ("draw", "p1_2", r"'draw'.*at least 3 distinct points"),
        ("zoomz", "9", r"'zoomz'.*expected one of from, to"),
    ],
)
def test_a_bad_parameter_is_left_out_with_a_warning_naming_it(param, value, message):
    good = {"from": "2024-08-10", "to": "2024-08-16", "q": "Sudzha"}
    state, warnings = us.decode({**good, param: value})
    assert len(warnings) == 1 and re.search(message, warnings[0]), warnings
    assert warnings[0].endswith("ignored.")
    assert state.search == "Sudzha"  # the rest of the link applies
    if param not in ("from", "to"):
        assert (state.start, state.end) == (D(2024, 8, 10), D(2024, 8, 16))


def test_a_reversed_window_is_refused():
    state, warnings = us.decode({"from": "2024-08-16", "to": "2024-08-10"})
    assert (state.start, state.end) == (None, None)
    assert re.search(r"'from'.*2024-08-16 is after to 2024-08-10", warnings[0])


def test_the_link_sets_the_sidebar_and_map_keys():
    state, _ = us.decode({"from": "2024-08-10", "to": "2024-08-16", "cat": "strike", "adm0": "UKR~RUS",
                          "act": us.encode(LinkState(facets=(("act", ("Unit ~7 (100%)",)),)))["act"],
                          "border": "1", "q": "bridge", "mode": "cells", "base": "none", "view": "51.45_35.3_9",
                          "layers": "countries~events", "draw": us.encode_shapes((RECT,))})
    values, warnings = us.to_session(state, OPTIONS, SPAN)
    assert warnings == []
    window = (D(2024, 8, 10), D(2024, 8, 16))
    assert (values["w-from"], values["w-to"], values["w-slider"], values["w-window"]) == (*window, window, window)
    assert values["f-cat"] == ["strike"]
    assert values["f-adm0"] == [("RUS", "Russia"), ("UKR", "Ukraine")]  # the widget's own options
    assert values["f-act"] == ["Unit ~7 (100%)"]
    assert (values["f-border"], values["f-search"], values["f-mode"], values["basemap"]) == (True, "bridge", "cells", "none")
    assert values[us.LINK_VIEW] == values[us.MAP_VIEW] == (51.45, 35.3, 9.0)
    assert values[us.LINK_OVERLAYS] == ("countries", "events")
    assert values[us.DRAWN] == (RECT,)


@pytest.mark.parametrize(
    ("params", "message", "kept"),
    [
        ({"cat": "strike~airstrike"}, r"'cat'.*'airstrike' not among the loaded events' categories", {"f-cat": ["strike"]}),
        ({"adm2": "XXX-1"}, r"'adm2'.*'XXX-1' not among", {"f-adm2": []}),
        ({"from": "2024-07-01", "to": "2024-08-05"}, r"'from'.*2024-07-01 lies outside the events' span", {}),
        ({"to": "2024-09-30"}, r"'to'.*2024-09-30 lies outside", {}),
        ({"from": "2024-08-20", "to": "2024-08-20", "cat": "deployment"}, None, {"w-from": D(2024, 8, 20)}),
    ],
)
def test_values_the_events_do_not_offer_are_named(params, message, kept):
    state, _ = us.decode(params)
    values, warnings = us.to_session(state, OPTIONS, SPAN)
    if message is None:
        assert warnings == []
    else:
        assert len(warnings) == 1 and re.search(message, warnings[0]), warnings
    for key, value in kept.items():
        assert values[key] == value
    if "from" in params and message:
        assert "w-from" not in values  # a window out of the span is not applied at all


def test_only_one_end_of_the_window_takes_the_other_from_the_span():
    values, warnings = us.to_session(us.decode({"from": "2024-08-20"})[0], OPTIONS, SPAN)
    assert warnings == [] and values["w-window"] == (D(2024, 8, 20), D(2024, 8, 31))


def test_restore_once_per_session_then_the_analyst_rules():
    session: dict = {}
    params = {"from": "2024-08-10", "to": "2024-08-16", "cat": "nope"}
    warnings = us.restore(session, params, OPTIONS, SPAN)
    assert len(warnings) == 1 and "'cat'" in warnings[0]
    assert session["w-window"] == (D(2024, 8, 10), D(2024, 8, 16)) and session[us.SEED]
    seed = session[us.SEED]
    session["w-window"] = session["w-from"], session["w-to"] = D(2024, 8, 1), D(2024, 8, 31)  # a preset click
    us.restore(session, params, OPTIONS, SPAN)  # every rerun of the session
    assert session["w-window"] == (D(2024, 8, 1), D(2024, 8, 31)) and session[us.SEED] == seed


def test_a_link_with_shapes_has_the_map_redraw_them():
    session: dict = {}
    us.restore(session, {"draw": us.encode_shapes((RING,))}, OPTIONS, SPAN)
    assert session[us.DRAWN] == (RING,) and session[us.DRAWN_GEN] == 1


def _session_from(params: dict[str, str]) -> dict:
    session: dict = {}
    us.restore(session, params, OPTIONS, SPAN)
    return session


def test_publish_writes_the_session_back_and_only_when_it_changed():
    link = {"from": "2024-08-10", "to": "2024-08-16", "cat": "strike", "adm0": "RUS~UKR", "q": "bridge",
            "view": "51.45_35.3_9", "layers": "countries~events", "base": "satellite", "draw": us.encode_shapes((RECT,))}
    session = _session_from(link)
    params = Params(link)
    assert us.publish(session, params) == link and params.writes == 0  # the same link: nothing sent
    session[us.MAP_VIEW] = (50.0, 30.5, 7.0)  # the analyst pans
    us.publish(session, params)
    assert params.writes == 1 and params["view"] == "50_30.5_7"
    us.publish(session, params)
    assert params.writes == 1


def test_overlays_follow_the_maps_report_and_defaults_leave_the_link():
    session = _session_from({"layers": "countries~events"})
    assert us.encode(us.from_session(session))["layers"] == "countries~events"  # until the map reports
    shown = [n for n, s in share.render.LAYERS.items() if s.show]
    report = {"selected_layers": [{"name": n, "url": "shown" if n in shown else "hidden"} for n in share.render.LAYERS]}
    share.take_report(session, report)
    assert "layers" not in us.encode(us.from_session(session))  # the registry's defaults: nothing to say
    report["selected_layers"][0]["url"] = "hidden" if shown[0] == report["selected_layers"][0]["name"] else "shown"
    share.take_report(session, report)
    assert us.encode(us.from_session(session))["layers"].split("~") != shown


def test_the_maps_report_keeps_view_and_drawn_shapes():
    session: dict = {}
    features = [{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [
        [[34.3, 50.9], [34.3, 51.9], [36.4, 51.9], [36.4, 50.9], [34.3, 50.9]]]}},
        {"type": "Feature", "properties": {"radius": 25000.4}, "geometry": {"type": "Point", "coordinates": [36.19252, 51.73016]}}]
    view = {"name": share.VIEW_ENTRY, "url": "view", "center": {"lat": 51.4500001, "lng": 35.3}, "zoom": 9,
            "bounds": {"_southWest": {"lat": 50.9, "lng": 34.3}, "_northEast": {"lat": 52.0, "lng": 36.3}}}
    out = {"selected_layers": [view], "all_drawings": features}
    assert share.take_report(session, out) is True  # new shapes: the app must filter again
    assert session[us.MAP_VIEW] == (51.45, 35.3, 9.0)
    assert len(session[us.DRAWN]) == 2 and session[us.DRAWN][1] == RING
    assert share.take_report(session, out) is False  # the same report again (a pan) is not a new drawing
    assert share.reported_view(out) is view and share.reported_view({"selected_layers": [{"name": "countries"}]}) == {}
    session[us.DRAWN] = ()  # "Clear drawn filter"
    assert share.take_report(session, out) is False  # the map's stale report does not bring them back
    session[us.DRAWN_GEN] = 1  # the clear bumps the generation the map must apply
    moved = [{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [
        [[30.0, 50.0], [30.0, 51.0], [31.0, 51.0], [31.0, 50.0], [30.0, 50.0]]]}}]
    stale = {"selected_layers": [view, {"name": share.DRAW_ENTRY, "url": "draw", "gen": 0}], "all_drawings": moved}
    assert share.take_report(session, stale) is False and session[us.DRAWN] == ()  # sent before the clear reached it
    fresh = {"selected_layers": [view, {"name": share.DRAW_ENTRY, "url": "draw", "gen": 1}], "all_drawings": moved}
    assert share.take_report(session, fresh) is True and len(session[us.DRAWN]) == 1  # drawn after it
    bad = {"all_drawings": [{"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": []}}]}
    assert share.take_report(session, bad) is False
    assert re.search(r"drawn feature 1 to be a polygon or a circle, got LineString", session[share.DRAW_ERROR])


@pytest.mark.parametrize(
    ("base", "expected"),
    [("http://10.0.0.5:8501/", "http://10.0.0.5:8501/?from=2024-08-10&view=51.45_35.3_9"),
     ("http://10.0.0.5:8501/?old=1", "http://10.0.0.5:8501/?from=2024-08-10&view=51.45_35.3_9"),
     ("http://10.0.0.5:8501", "http://10.0.0.5:8501/?from=2024-08-10&view=51.45_35.3_9"),
     ("https://geo.example.org/events#map", "https://geo.example.org/events?from=2024-08-10&view=51.45_35.3_9"),
     (None, "?from=2024-08-10&view=51.45_35.3_9")],
)
def test_the_copied_link(base, expected):
    link = us.link(base, {"from": "2024-08-10", "view": "51.45_35.3_9"})
    assert link == expected
    assert parse_qs(urlparse(link).query) == {"from": ["2024-08-10"], "view": ["51.45_35.3_9"]}


def test_describe_the_drawn_filter():
    assert share.describe((RECT,)) == "1 polygon"
    assert share.describe((RECT, RECT, RING)) == "2 polygons and 1 circle (25 km)"
