"""Identify on the map: every event at a clicked spot in one popup, nested units resolved to the finest,
the selection highlighted and kept in step with the tables.

Python side: what the runtime reports back (``ui.mapview.identified`` / ``clicked_rows``), the marks in the
events table (``ui.tables``), the selection group handed to the runtime. Browser side: a real ``streamlit
run`` over a store built by the real ``python -m geo import`` from a small invented event file (a
co-located pair in Sumy oblast, events known only to Sumy oblast, to Sudzhanskii raion and to Kursk oblast), real
boundaries, every non-local request blocked.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import folium
import numpy as np
import pandas as pd
import pytest

from geo.render import _events, selection_group
from tests.browser_support import MAP_FRAME, need_browser, offline_page, open_map, settled, streamlit_server
from tests.test_app import app_env  # noqa: F401  (the fixture, used by name)
from ui import mapview, tables

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"


def _report(what: object) -> dict[str, object]:
    """A streamlit-folium return value carrying the runtime's identify report ``what``."""
    return {"last_object_clicked": {"lat": 50.9, "lng": 34.8},
            "last_object_clicked_tooltip": mapview.IDENTIFY_PREFIX + json.dumps(what)}


def _events_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "id": ["a", "b", "c", "d", "e"],
        "title": ["one", "two", "three", "four", "five"],
        "lat": [50.9, 50.9, 51.19, 51.68, 50.0],
        "lon": [34.8, 34.8, 35.27, 36.1, 30.0],
        "geo_precision": ["exact", "exact", "admin2", "admin1", "exact"],
        "adm2_id": ["R1", "R1", "R2", "R3", "R9"],
        "adm1_id": ["O1", "O1", "O2", "O2", "O9"],
    })


# --- what the runtime reports -------------------------------------------------------------------------


@pytest.mark.parametrize("tooltip", [
    None, "", "a raion's own tooltip", mapview.IDENTIFY_PREFIX + "{not json", mapview.IDENTIFY_PREFIX + "[1, 2]",
])
def test_a_click_the_runtime_did_not_identify_reports_nothing(tooltip) -> None:
    assert mapview.identified({"last_object_clicked_tooltip": tooltip}) is None


def test_the_clicked_events_come_in_the_popups_order_with_the_one_shown() -> None:
    frame = _events_frame()
    rows, current = mapview.clicked_rows(frame, _report({"ids": ["b", "a"], "current": "b"}))
    assert list(rows["id"]) == ["b", "a"] and current == "b"


def test_ids_no_longer_in_the_window_are_left_out() -> None:
    rows, _ = mapview.clicked_rows(_events_frame(), _report({"ids": ["zz", "c"], "current": "zz"}))
    assert list(rows["id"]) == ["c"]


def test_a_unit_card_without_ids_lists_the_events_known_only_to_that_unit() -> None:
    # large windows carry no ids: the runtime names the unit (level and boundary id) instead
    rows, current = mapview.clicked_rows(_events_frame(), _report({"ids": [], "current": None,
                                                                  "unit": {"level": 2, "id": "R2", "name": "x"}}))
    assert list(rows["id"]) == ["c"] and current is None
    rows, _ = mapview.clicked_rows(_events_frame(), _report({"ids": [], "unit": {"level": 1, "id": "O2"}}))
    assert list(rows["id"]) == ["d"]  # "c" lies in O2 too but is known to its raion


@pytest.mark.parametrize(("iso", "want"), [("BLR", ["f"]), ("RUS", []), ("XXX", [])])
def test_a_country_box_card_without_ids_lists_the_events_known_only_to_that_country(iso, want) -> None:
    # the runtime names a country's box by its ISO code at level 0; points and units in it are not listed
    frame = pd.concat([_events_frame().assign(adm0_iso=["RUS", "RUS", "RUS", "RUS", "UKR"]),
                       pd.DataFrame({"id": ["f"], "title": ["six"], "lat": [53.7], "lon": [27.9],
                                     "geo_precision": ["country"], "adm0_iso": ["BLR"]})], ignore_index=True)
    rows, _ = mapview.clicked_rows(frame, _report({"ids": [], "unit": {"level": 0, "id": iso}}))
    assert list(rows["id"]) == want


def test_without_a_report_the_events_at_the_clicked_coordinates_are_listed() -> None:
    rows, current = mapview.clicked_rows(_events_frame(), {"last_object_clicked": {"lat": 50.9, "lng": 34.8}})
    assert sorted(rows["id"]) == ["a", "b"] and current is None
    rows, _ = mapview.clicked_rows(_events_frame(), None)
    assert rows.empty


# --- the events table's marks --------------------------------------------------------------------------


@pytest.mark.parametrize(("marked", "expected"), [
    ({"current": "b", "ids": ["a", "b"]}, ["\u2022", "\u25c9", "", "", ""]),
    ({"current": None, "ids": ["c", "d"]}, ["", "", "\u2022", "\u2022", ""]),
    ({"current": "e", "ids": []}, ["", "", "", "", "\u25c9"]),
    (None, ["", "", "", "", ""]),
])
def test_the_map_column_marks_the_highlighted_event_and_the_others_listed_with_it(marked, expected) -> None:
    assert list(tables.marks(_events_frame()["id"], marked)) == expected


def test_flags_are_named_as_the_popup_names_them() -> None:
    flags = pd.Series(["geocoded;possible_duplicate", None, "latlon_swapped", "something_new"], dtype="string")
    assert list(tables.flag_names(flags)) == [
        "geocoded from the place name; possible duplicate", "",
        "latitude/longitude swapped in the source (corrected)", "something new"]


# --- the table's choice handed to the runtime --------------------------------------------------------


def _spec(group) -> dict[str, object]:
    (element,) = group._children.values()
    return json.loads(element.spec_js)


@pytest.mark.parametrize(("event", "expected"), [
    ({"id": "csv:1", "lat": np.float64(50.5), "lon": 30.25}, {"id": "csv:1", "lat": 50.5, "lon": 30.25}),
    ({"id": "x", "lat": np.nan, "lon": None}, {"id": "x", "lat": None, "lon": None}),
    (None, {"id": None, "lat": None, "lon": None}),
])
def test_the_selection_group_names_the_chosen_event(event, expected) -> None:
    group = selection_group(pd.Series(event) if event else None, "7")
    assert _spec(group) == {"token": "7", **expected}
    assert not group.control  # not an overlay the analyst can tick


def test_the_selection_script_calls_the_runtime_with_an_escaped_literal() -> None:
    group = selection_group({"id": "</script><script>alert(1)</script>", "lat": 1.0, "lon": 2.0}, "1")
    m = folium.Map()
    group.add_to(m)
    page = m.get_root().render()
    assert "GeoRender.selection(" in page and page.count("</script>") == page.count("<script")


@pytest.mark.shared
def test_admin_units_carry_their_boundary_id(real_boundaries) -> None:
    frame = pd.DataFrame({"id": ["u"], "lat": [51.19], "lon": [35.27], "geo_precision": ["admin2"],
                          "category": ["strike"], "date_start": pd.to_datetime(["2024-08-10"])})
    prep = _events.prepare_events(frame, real_boundaries)
    (unit,) = prep.units
    assert unit["lvl"] == "raion" and unit["id"].startswith("RUS-ADM2-") and "Sudzh" in unit["name"]


# --- the table's choice in the app --------------------------------------------------------------------


def _selection_script() -> None:
    import json

    import streamlit as st

    from tests.factories import make_events
    from ui import mapview

    shown = make_events(3, id=["a", "b", "c"], lon=[30.0, 31.0, 32.0], lat=[50.0, 51.0, 52.0],
                        geo_precision="exact")
    st.session_state["table-ids"] = ["a", "b", "c"]
    (element,) = mapview._selection(shown)._children.values()
    st.session_state["spec"] = json.loads(element.spec_js)


def test_the_map_hears_of_a_table_choice_once_and_a_map_click_keeps_its_marks():
    from streamlit.testing.v1 import AppTest

    from tests.test_app import _run

    at = _run(AppTest.from_function(_selection_script, default_timeout=60))
    first = at.session_state["spec"]
    assert first["id"] is None and first["lat"] is None
    _run(at)
    assert at.session_state["spec"] == first  # a rerun hands the map the same group: nothing swapped
    at.session_state["table"] = {"selection": {"rows": [1]}}
    _run(at)
    chosen = at.session_state["spec"]
    assert (chosen["id"], chosen["lat"], chosen["lon"]) == ("b", 51.0, 31.0) and chosen["token"] != first["token"]
    assert at.session_state[tables.MARKED_KEY] == {"current": "b", "ids": ["b"], "source": "table"}
    # a click on the map marks its events (ui.mapview._details); reruns with the same table row keep them
    clicked = {"current": "c", "ids": ["c"], "source": "map"}
    at.session_state[tables.MARKED_KEY] = clicked
    _run(at)
    assert at.session_state["spec"] == chosen and at.session_state[tables.MARKED_KEY] == clicked
    at.session_state["table"] = {"selection": {"rows": []}}  # cleared: the map and the marks let go
    _run(at)
    cleared = at.session_state["spec"]
    assert cleared["id"] is None and cleared["token"] not in (first["token"], chosen["token"])
    assert at.session_state[tables.MARKED_KEY]["ids"] == []


@pytest.mark.usefixtures("app_env")
def test_a_table_choice_leaves_the_event_groups_as_they_were():
    from streamlit.testing.v1 import AppTest

    from tests.test_app import _map_args, _run

    at = _run(AppTest.from_file(str(ROOT / "app.py"), default_timeout=120))
    before = _map_args(at)["feature_group"]
    at.session_state["table"] = {"selection": {"rows": [0]}}
    _run(at)
    after = _map_args(at)["feature_group"]
    cut = before.index("GeoRender.selection(")
    assert after[:cut] == before[:cut]  # the payload and every layer unchanged (cached, sent as they were)
    assert after[cut:] != before[cut:] and after.index("GeoRender.selection(") == cut


# --- in the browser ------------------------------------------------------------------------------------

PAIR = (50.9077, 34.7981)  # Sumy, inside Sumy oblast (which has an event known only to it)
RAION_EVENT = (51.19, 35.27)  # inside Sudzhanskii raion, inside Kursk oblast
EVENTS_CSV = """id,title,description,category,subcategory,actors,date_start,date_end,time_precision,lat,lon,geo_precision,location_name,country_iso,verification,equipment,unit,source_name,source_url,source_date,fatalities
idt-001,Artillery strike on the Sumy bridge,Strike on the road bridge.,strike,shelling,Armed Forces of Russia,2024-08-10,,day,50.9077,34.7981,exact,Sumy,UKR,reported,,,Example Source A,https://example.org/a,2024-08-11,2
idt-002,Drone attack on the Sumy bridge,The same bridge the same day.,strike,drone strike,Armed Forces of Russia,2024-08-10,,day,50.9077,34.7981,exact,Sumy,UKR,claimed,,,Example Source B,https://example.org/b,2024-08-12,
idt-003,Fighting somewhere in Sudzhansky district,Located only to the raion.,ground_combat,armed clash,Armed Forces of Ukraine,2024-08-10,,week,51.19,35.27,admin2,Sudzhansky district,RUS,reported,,,Example Source C,https://example.org/c,2024-08-10,
idt-004,Evacuation ordered across Kursk oblast,Located only to the oblast.,statement,official statement,Kursk oblast administration,2024-08-11,,day,51.68,36.10,admin1,Kursk oblast,RUS,confirmed,,,Example Source D,https://example.org/d,2024-08-11,
idt-005,Air raid alert across Sumy oblast,Located only to the oblast.,statement,official statement,Sumy oblast administration,2024-08-11,,day,50.91,34.80,admin1,Sumy oblast,UKR,confirmed,,,Example Source E,https://example.org/e,2024-08-11,
"""

POPUP = "() => { const p = document.querySelector('.leaflet-popup-content'); return p ? p.innerText : ''; }"
CARD_TITLE = "() => { const h = document.querySelector('.geo-id-body h4'); return h ? h.innerText : ''; }"
HALO = "() => { const h = document.querySelector('.geo-halo'); if (!h) return null; const r = h.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }"


@pytest.fixture(scope="module")
def identify_url(shared_geodata, tmp_path_factory):
    need_browser()
    tmp = tmp_path_factory.mktemp("identify")
    source = tmp / "events.csv"
    source.write_text(EVENTS_CSV, encoding="utf-8")
    env = {"GEO_BOUNDARIES_SOURCE": str(shared_geodata / "gbOpen"), "GEO_CACHE_DIR": str(tmp / "cache"),
           "GEO_STORE": str(tmp / "store.gpkg"), "GEO_COUNTRIES": "BLR,UKR,RUS"}
    done = subprocess.run([sys.executable, "-m", "geo", "import", str(source), "--store", env["GEO_STORE"],
                           "--source", env["GEO_BOUNDARIES_SOURCE"], "--cache-dir", env["GEO_CACHE_DIR"],
                           "--countries", "BLR", "UKR", "RUS"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and "stored: 5 new" in done.stdout, done.stdout + done.stderr
    with streamlit_server(env) as url:
        yield url


def _frame(page):
    return page.locator(MAP_FRAME).element_handle().content_frame()


def _click_at(page, frame, latlng, zoom) -> None:
    """Centre the map on ``latlng`` at ``zoom`` and click there with the mouse, as the analyst would."""
    frame.evaluate("([ll, z]) => void window.map.setView(ll, z, {animate: false})", [list(latlng), zoom])
    frame.wait_for_function("([ll, z]) => window.map.getZoom() === z", arg=[list(latlng), zoom])
    box = page.locator(MAP_FRAME).bounding_box()
    x, y = frame.evaluate("""(ll) => { const p = window.map.latLngToContainerPoint(ll);
        const r = window.map.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; }""", list(latlng))
    page.mouse.click(box["x"] + x, box["y"] + y)
    frame.wait_for_function(POPUP)


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.shared
def test_a_co_located_pair_is_listed_in_one_popup_and_marked_in_the_tables(identify_url):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with offline_page() as (page, blocked):
        open_map(page, identify_url, events=2)
        frame = _frame(page)
        _click_at(page, frame, PAIR, 13)
        text = frame.evaluate(POPUP)
        first = frame.evaluate(CARD_TITLE)
        halo_first = frame.evaluate(HALO)
        page.locator(MAP_FRAME).screenshot(path=str(ARTIFACTS / "identify-pair.png"))
        frame.locator(".geo-id-nav button").nth(1).click()  # ›
        frame.wait_for_function("() => document.querySelector('.geo-id-count').innerText === '2 of 2'")
        second = frame.evaluate(CARD_TITLE)
        halo_second = frame.evaluate(HALO)
        card = frame.evaluate("() => document.querySelector('.geo-id-body').innerText")
        # the page reruns once: the clicked events below the map, the shown one marked in the events table
        page.get_by_text("Clicked on the map · 2 event(s) at the clicked spot").wait_for(timeout=60_000)
        page.get_by_text(f"\u25c9 {second} (10 Aug 2024): highlighted on the map, clicked on the map").wait_for(timeout=60_000)
        frame.locator(".geo-id-list li").first.click()  # the list opens each event too
        back = frame.evaluate(CARD_TITLE)
        selected = frame.evaluate("() => GeoRender.selected(window.map)")
        also = frame.evaluate("() => document.querySelector('.geo-id-also').innerText")
        frame.locator(".geo-id-also .geo-id-link").first.click()  # the oblast around the pair, one click away
        frame.wait_for_function("() => document.querySelector('.geo-id-body h4').innerText.startsWith('Sumy')")
        oblast_card = frame.evaluate("() => document.querySelector('.geo-id-body').innerText")
    assert "2 events at this spot" in text and "1 of 2" in text, text
    titles = {"Artillery strike on the Sumy bridge", "Drone attack on the Sumy bridge"}
    assert {first, second} == titles and back == first, (first, second, back)
    assert all(t in text for t in titles), text  # both in the list as well
    # the halo marks the event shown: it moves to the other symbol of the fanned-out pair
    assert halo_first and halo_second and halo_first != halo_second, (halo_first, halo_second)
    assert selected == {"events": 1, "units": 0, "callout": 0}, selected
    # points win over the unit around them: the unit is a line below the events, opening it
    assert "areas" not in text and "Also here, known only to an area: Sumy" in also, (text, also)
    assert "Air raid alert across Sumy oblast" in oblast_card, oblast_card
    # the popup's fields: time precision, admin units, source's day, flags (the second one repeats the first)
    for field in ("(to the day)", "Admin", "Sumy", "Ukraine", "Published", "2024-08-1", "Flags",
                  "possible duplicate of csv:idt-001"):
        assert field in card, (field, card)
    assert not [u for u in blocked if u.endswith((".js", ".css"))], blocked


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.shared
def test_a_click_in_a_raion_inside_an_oblast_level_unit_opens_the_raion(identify_url):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with offline_page() as (page, _blocked):
        open_map(page, identify_url, events=2)
        frame = _frame(page)
        units = frame.evaluate("""() => window.map.__geoPoints.flatMap(l => l._d.units)
            .map(u => [u.lvl, u.name])""")
        raion = next(name for lvl, name in units if lvl == "raion")
        oblast = next(name for lvl, name in units if lvl == "oblast" and "Kursk" in name)
        _click_at(page, frame, RAION_EVENT, 9)
        text = frame.evaluate(POPUP)
        card = frame.evaluate(CARD_TITLE)
        selected = frame.evaluate("() => GeoRender.selected(window.map)")
        page.locator(MAP_FRAME).screenshot(path=str(ARTIFACTS / "identify-nested.png"))
        frame.locator(".geo-id-nav button").nth(1).click()
        frame.wait_for_function("() => document.querySelector('.geo-id-count').innerText === '2 of 2'")
        outer = frame.evaluate(CARD_TITLE)
        page.get_by_text(f"Clicked on the map · {oblast}: 1 event(s) known only to it").wait_for(timeout=60_000)
        # a unit's event opens its own card from the unit's list
        frame.locator(".geo-id-units li").first.click()
        event_card = frame.evaluate("() => document.querySelector('.geo-id-body').innerText")
    assert "Sudzh" in raion, units
    assert card.startswith(raion), (card, text)
    assert "2 areas contain this point" in text and "1 of 2" in text, text
    assert outer.startswith(oblast), outer
    assert selected == {"events": 0, "units": 1, "callout": 0}, selected
    assert "Evacuation ordered across Kursk oblast" in event_card and "back to" in event_card, event_card


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.shared
def test_a_row_chosen_in_the_events_table_is_highlighted_on_the_map(identify_url):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with offline_page() as (page, _blocked):
        open_map(page, identify_url, events=2)
        frame = _frame(page)
        assert frame.evaluate("() => GeoRender.selected(window.map)") is None
        table = page.locator('[data-testid="stDataFrame"]').last  # the events table, the last one on the page
        table.scroll_into_view_if_needed()
        box = table.bounding_box()
        # the row marker of the second row (header and rows are 35 px): the drone attack, the pair's second
        page.mouse.click(box["x"] + 15, box["y"] + 35 + 35 + 17)
        page.get_by_text("\u25c9 Drone attack on the Sumy bridge (10 Aug 2024): highlighted on the map, chosen here"
                         ).wait_for(timeout=60_000)
        # the map centred on the event and still (a pan still animating moves the halo between two readings)
        frame.wait_for_function("() => GeoRender.selected(window.map) && window.map.getZoom() === 9 && "
                                "!window.map._animatingZoom && !(window.map._panAnim && window.map._panAnim._inProgress)",
                                timeout=60_000)
        halo, point = frame.evaluate(f"""(ll) => {{ const p = window.map.latLngToContainerPoint(ll);
            const r = window.map.getContainer().getBoundingClientRect();
            return [({HALO})(), [p.x + r.left, p.y + r.top]]; }}""", list(PAIR))  # one reading of both
        page.locator(MAP_FRAME).scroll_into_view_if_needed()
        page.locator(MAP_FRAME).screenshot(path=str(ARTIFACTS / "identify-table.png"))
    # the halo rings the pair's second symbol, fanned out from the stated point by about one symbol width
    assert halo is not None and 3 < ((halo[0] - point[0]) ** 2 + (halo[1] - point[1]) ** 2) ** 0.5 < 40, (halo, point)


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.shared
def test_on_a_day_of_playback_a_click_finds_only_the_units_of_that_day(identify_url):
    with offline_page() as (page, _blocked):
        open_map(page, identify_url, events=2)
        frame = _frame(page)
        frame.get_by_role("button", name="Last day").click()  # 11 Aug: the raion's event (10 Aug) is not shown
        frame.wait_for_function("() => document.querySelector('.geo-play-day').innerText.includes('11 Aug')")
        _click_at(page, frame, RAION_EVENT, 9)
        text = frame.evaluate(POPUP)
        frame.get_by_role("button", name="First day").click()  # 10 Aug: the raion's day; the oblast's is the 11th
        frame.wait_for_function("() => document.querySelector('.geo-play-day').innerText.includes('10 Aug')")
        settled(page)  # the first click's report has rerun the page: nothing is left to redraw the map
        frame.evaluate("() => window.map.closePopup()")
        _click_at(page, frame, RAION_EVENT, 9)
        first_day = frame.evaluate(POPUP)
    assert text.startswith("Kursk") and "Evacuation ordered across Kursk oblast" in text and "of 2" not in text, text
    assert first_day.startswith("Sudzhanskii") and "Fighting somewhere in Sudzhansky district" in first_day, first_day
