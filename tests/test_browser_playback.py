"""Day-by-day playback in the map itself (no server round trip per day), in a real headless Chromium against
``streamlit run`` with the network blocked: every day of a 7-day window shown in turn, keyboard steps from
the map and from the page around it, cumulative counts."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from geo import io
from geo.filter import EventFilter, active_on, apply
from tests.browser_support import MAP_FRAME, offline_page, open_map
from tests.test_browser import ARTIFACTS, ROOT, app_url  # noqa: F401  (one streamlit server for this module)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIRST, LAST = dt.date(2024, 8, 10), dt.date(2024, 8, 16)  # "Last 7 days" of the sample (latest start: 16 Aug)
DAYS = [FIRST + dt.timedelta(days=i) for i in range(7)]
LABELS = [f"{d:%a %d %b %Y} · day {i + 1} of 7" for i, d in enumerate(DAYS)]
PLAYBACK = "() => GeoRender.playback()"


def _expected() -> dict[str, tuple[int, int]]:
    """Per day of the window (ISO): the sample's events shown (every located one: a symbol at its point or
    its unit's label point, or an entry in the box of those known only to a country) active on that day, and
    those started on or before it (cumulative)."""
    events = apply(io.read_events(ROOT / "data" / "sample_events.csv").frame, EventFilter(start=FIRST, end=LAST))
    precision = events["geo_precision"].astype("string").fillna("near")
    points = events[events["lon"].notna() & events["lat"].notna() & (precision != "none")]
    start = pd.to_datetime(points["date_start"]).dt.date
    return {d.isoformat(): (int(active_on(points, d).sum()), int((start <= d).sum())) for d in DAYS}


def _week(page, url):
    """The app's map on the "Last 7 days" preset, once the map's playback holds that window: its frame."""
    open_map(page, url)
    page.get_by_role("button", name="Last 7 days").click()
    frame = page.locator(MAP_FRAME).element_handle().content_frame()
    frame.wait_for_function(f"""() => {{ const p = GeoRender.playback();
        return p && p.first === '{FIRST}' && p.last === '{LAST}' && p.day === null; }}""", timeout=90_000)
    return frame


def _day(frame) -> str | None:
    return frame.evaluate(PLAYBACK)["day"]


def test_playback_visits_every_day_of_a_seven_day_window(app_url):  # noqa: F811
    expected = _expected()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with offline_page() as (page, blocked):
        frame = _week(page, app_url)
        control = frame.locator(".geo-play")
        assert control.locator(".geo-play-day").inner_text() == "All 7 days · Sat 10 Aug – Fri 16 Aug 2024"
        control.get_by_label("Seconds per day").select_option("0.25")
        # every label the control shows, with the events drawn at that moment (recorded as it changes)
        frame.evaluate("""() => { window.__seen = []; const day = document.querySelector('.geo-play-day');
            new MutationObserver(() => { const p = GeoRender.playback();
                window.__seen.push([day.textContent, p.day, p.events]); })
              .observe(day, {childList: true, characterData: true, subtree: true}); }""")
        control.get_by_role("button", name="Play", exact=True).click()
        frame.wait_for_function("() => { const p = GeoRender.playback(); return p.day === p.last && !p.playing; }",
                                timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / "playback.png"), full_page=False)
        seen = frame.evaluate("() => window.__seen")
        control.get_by_role("button", name="Whole window").click()
        whole = frame.evaluate(PLAYBACK)
    shown = [s for i, s in enumerate(seen) if i == 0 or s[0] != seen[i - 1][0]]
    assert [s[0] for s in shown] == LABELS, seen
    assert [s[1] for s in shown] == list(expected), seen
    assert [s[2] for s in shown] == [expected[d][0] for d in expected], (seen, expected)
    assert whole["day"] is None and whole["events"] == max(c for _, c in expected.values())  # every point again
    assert not [u for u in blocked if u.endswith((".js", ".css"))], blocked


def test_keys_step_the_days_from_the_map_and_the_page_but_not_while_typing(app_url):  # noqa: F811
    with offline_page() as (page, _blocked):
        frame = _week(page, app_url)
        control = frame.locator(".geo-play")
        control.get_by_label("Seconds per day").select_option("2")
        view = frame.evaluate("() => [map.getCenter().lat, map.getCenter().lng, map.getZoom()]")
        control.locator(".geo-play-day").click()  # focus in the map's page, on nothing that takes keys itself
        page.keyboard.press("Space")
        frame.wait_for_function("() => GeoRender.playback().playing")
        page.keyboard.press("Space")
        frame.wait_for_function("() => !GeoRender.playback().playing")
        page.keyboard.press("Home")
        frame.wait_for_function(f"() => GeoRender.playback().day === '{FIRST}'")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        frame.wait_for_function(f"() => GeoRender.playback().day === '{DAYS[2]}'")
        page.keyboard.press("ArrowLeft")
        frame.wait_for_function(f"() => GeoRender.playback().day === '{DAYS[1]}'")
        assert control.locator(".geo-play-day").inner_text() == LABELS[1]
        # the arrows stepped the days; they did not pan the map
        assert frame.evaluate("() => [map.getCenter().lat, map.getCenter().lng, map.getZoom()]") == view
        # typing in the sidebar's search box: no step
        search = page.get_by_label("Search text")
        search.click()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("Space")
        assert search.input_value() == " "  # the space went to the field
        assert _day(frame) == DAYS[1].isoformat() and not frame.evaluate(PLAYBACK)["playing"]
        # the app page around the map, nothing focused: the keys reach the playback
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        page.keyboard.press("End")
        frame.wait_for_function(f"() => GeoRender.playback().day === '{LAST}'")
        page.keyboard.press("ArrowLeft")
        frame.wait_for_function(f"() => GeoRender.playback().day === '{DAYS[5]}'")


def test_cumulative_mode_counts_the_events_so_far(app_url):  # noqa: F811
    expected = _expected()
    with offline_page() as (page, _blocked):
        frame = _week(page, app_url)
        control = frame.locator(".geo-play")
        control.get_by_role("button", name="First day").click()
        control.get_by_label("Cumulative").check()
        counts = []
        for i, day in enumerate(DAYS):
            frame.wait_for_function(f"() => GeoRender.playback().day === '{day}'")
            p = frame.evaluate(PLAYBACK)
            counts.append((p["day"], p["events"], p["count"]))
            if i < len(DAYS) - 1:
                control.get_by_role("button", name="Next day").click()
        control.get_by_label("Cumulative").uncheck()
        frame.wait_for_function("() => !GeoRender.playback().cumulative")
        last_day = frame.evaluate(PLAYBACK)
    assert [c[1] for c in counts] == [expected[d][1] for d in expected], (counts, expected)
    assert all(a[1] <= b[1] for a, b in zip(counts, counts[1:]))
    assert all(c[2].endswith(" so far") for c in counts), counts
    assert last_day["day"] == LAST.isoformat() and last_day["events"] == expected[LAST.isoformat()][0]
    assert last_day["count"].endswith(" on this day")
