"""The map keeps the analyst's view: ``ui.mapview.refit`` asks for a new one only on first load and when asked."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_app import ROOT, _map_args, _run, app_env  # noqa: F401  (app_env: the fixture, used by name)
from ui.mapview import refit

KURSK = ((51.73, 36.19), 9)


def test_first_load_fits_then_nothing_is_asked_until_a_fit_is():
    state: dict = {}
    calls: list[int] = []

    def target():
        calls.append(1)
        return KURSK

    first = refit(state, (0, None), target)
    assert first[0] is not None and abs(first[0][0] - 51.73) < 1e-6 and round(first[1]) == 9
    for _ in range(3):  # filter changes, pans: same request, nothing asked, nothing computed
        assert refit(state, (0, None), target) == (None, None)
    assert len(calls) == 1
    again = refit(state, (1, None), target)  # "Fit to events": the same place still moves the map
    assert again[0] is not None and again != first
    assert refit(state, (1, None), target) == (None, None)
    third = refit(state, (2, None), target)
    assert third != again and round(third[1]) == 9


def test_a_chosen_event_is_a_request():
    state: dict = {}
    refit(state, (0, None), lambda: KURSK)
    chosen = refit(state, (0, "ev-7"), lambda: ((50.0, 35.0), 9))
    assert chosen[0] is not None and abs(chosen[0][1] - 35.0) < 1e-9
    assert refit(state, (0, "ev-7"), lambda: KURSK) == (None, None)


def test_first_load_waits_for_something_to_fit():
    state: dict = {}
    assert refit(state, (0, None), lambda: None) == (None, None)
    assert refit(state, (0, None), lambda: KURSK)[0] is not None  # the first located events: fitted once
    assert refit(state, (0, None), lambda: KURSK) == (None, None)


@pytest.fixture
def app(app_env) -> AppTest:  # noqa: F811
    return _run(AppTest.from_file(str(ROOT / "app.py"), default_timeout=120))


def _asked(at: AppTest) -> tuple[object, object]:
    args = _map_args(at)
    return args.get("center"), args.get("zoom")


def test_presets_and_reruns_leave_the_view_to_the_analyst(app):
    center, zoom = _asked(app)
    assert center is not None and zoom is not None  # first load: fitted to the events
    before = _map_args(app)["feature_group"]
    app.button(key="preset-Last 7 days").click()
    _run(app)
    assert _map_args(app)["feature_group"] != before  # the layers follow the filter…
    assert _asked(app) == (None, None)  # …and the view stays where the analyst left it
    app.radio(key="f-mode").set_value("points")  # another rerun (day-by-day playback never reaches the server)
    _run(app)
    assert _asked(app) == (None, None)
    app.button(key="fit").click()
    _run(app)
    refitted = _asked(app)
    assert refitted[0] is not None and refitted != (center, zoom)
    _run(app)
    assert _asked(app) == (None, None)


def _view_script() -> None:
    import streamlit as st

    from tests.factories import make_events
    from ui import mapview

    shown = make_events(3, id=["a", "b", "c"], lon=[30.0, 31.0, 32.0], lat=[50.0, 51.0, 52.0],
                        geo_precision="exact")
    st.session_state["table-ids"] = st.session_state.get("ids", ["a", "b", "c"])
    st.session_state["asked"] = mapview._view(shown)


def test_a_newly_chosen_row_centres_the_map_but_the_row_kept_through_a_filter_change_does_not():
    at = AppTest.from_function(_view_script, default_timeout=60)
    _run(at)
    assert at.session_state["asked"][0] is not None  # first load: fit
    at.session_state["table"] = {"selection": {"rows": [1]}}
    _run(at)
    (lat, lon), zoom = at.session_state["asked"]
    assert abs(lat - 51.0) < 1e-5 and lon == 31.0 and round(zoom) == 9
    _run(at)
    assert at.session_state["asked"] == (None, None)
    at.session_state["ids"] = ["c", "a", "b"]  # the filters changed: row 1 now holds another event
    _run(at)
    assert at.session_state["asked"] == (None, None)
    at.session_state["table"] = {"selection": {"rows": []}}
    _run(at)
    assert at.session_state["asked"] == (None, None)  # clearing the choice is not a request either
    at.session_state["table"] = {"selection": {"rows": [1]}}
    _run(at)
    (lat, lon), _zoom = at.session_state["asked"]
    assert abs(lat - 50.0) < 1e-5 and lon == 30.0  # chosen again: centred on the event now in that row
