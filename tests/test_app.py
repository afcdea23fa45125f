"""The app driven through streamlit.testing: widgets change what the map, chart and table contain."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from geo.areas import AreaStore
from geo.store import EventStore
from tests.boundary_factories import write_gbopen_mirror
from tests.factories import make_events
from tests.store_factories import BROKEN, broken_params

ROOT = Path(__file__).resolve().parents[1]


def _events() -> pd.DataFrame:
    return make_events(
        4,
        id=["early-strike", "late-combat", "long-deployment", "hostile"],
        title=["Early strike", "Late combat", "Iskander brigade deployed", "<img src=x onerror=alert(1)>"],
        category=["strike", "ground_combat", "deployment", "statement"],
        date_start=[pd.Timestamp("2024-08-01"), pd.Timestamp("2024-08-20"), pd.Timestamp("2024-07-25"),
                    pd.Timestamp("2024-08-12")],
        date_end=[pd.NaT, pd.NaT, pd.Timestamp("2024-08-15"), pd.NaT],
        lon=[0.5, 1.5, 0.7, 3.5],
        lat=[0.5, 1.5, 0.4, 1.5],
        equipment=["", "", "Iskander-M", ""],
        country_iso=["AAA", "AAA", "AAA", "BBB"],
    )


@pytest.fixture
def app_env(tmp_path, monkeypatch):
    mirror = write_gbopen_mirror(tmp_path / "mirror")
    monkeypatch.setenv("GEO_BOUNDARIES_SOURCE", str(mirror))
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GEO_COUNTRIES", "AAA,BBB")
    monkeypatch.setenv("GEO_STORE", str(tmp_path / "events.gpkg"))
    from geo.boundaries import load_boundaries
    from geo.join import enrich, prepare

    index = prepare(load_boundaries(countries=("AAA", "BBB")))
    EventStore().add(enrich(_events(), index), source="fixture")
    return tmp_path


def _loaded_boundaries(_at: AppTest) -> tuple[object, object]:
    """The boundaries and index the app loaded (same mirror and countries, read again here)."""
    from geo.boundaries import load_boundaries
    from geo.join import prepare

    boundaries = load_boundaries(countries=("AAA", "BBB"))
    return boundaries, prepare(boundaries)


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.fixture
def app(app_env) -> AppTest:
    return _run(AppTest.from_file(str(ROOT / "app.py"), default_timeout=120))


def _table(at: AppTest) -> pd.DataFrame:
    for df in at.dataframe:
        value = df.value
        if "title" in value.columns and "category" in value.columns:
            return value
    raise AssertionError("events table not found")


def _chart_rows(at: AppTest) -> pd.DataFrame:
    charts = at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart")
    assert charts, "timeline chart not found"
    proto = charts[0].proto
    frames = [pa.ipc.open_stream(d.data.data).read_pandas() for d in proto.datasets]
    if proto.HasField("data") and proto.data.data:
        frames.append(pa.ipc.open_stream(proto.data.data).read_pandas())
    return pd.concat(frames, ignore_index=True)


def _map_args(at: AppTest) -> dict:
    comps = [el for el in at.main.children.values() if getattr(el, "type", "") == "component_instance"]
    comps += at.get("component_instance")
    for c in comps:
        args = json.loads(c.proto.json_args)
        if "script" in args:
            return args
    raise AssertionError("map component not found")


def _set_window(at: AppTest, start: date, end: date) -> AppTest:
    at.date_input(key="w-from").set_value(start)
    at.date_input(key="w-to").set_value(end)
    return _run(at)


def test_app_starts_on_the_store(app):
    titles = set(_table(app)["title"])
    assert titles == {"Early strike", "Late combat", "Iskander brigade deployed", "<img src=x onerror=alert(1)>"}
    assert "store" in " ".join(c.value for c in app.caption)


def test_window_changes_table_chart_and_map(app):
    before_map = json.dumps(_map_args(app))
    _set_window(app, date(2024, 8, 10), date(2024, 8, 20))
    titles = set(_table(app)["title"])
    assert "Early strike" not in titles
    assert {"Late combat", "Iskander brigade deployed"} <= titles  # the deployment spans the window's start
    chart = _chart_rows(app)
    days = pd.to_datetime(chart["day"])
    assert days.min() >= pd.Timestamp("2024-08-10") and days.max() <= pd.Timestamp("2024-08-20")
    assert "Strike" not in set(chart.loc[chart["events"] > 0, "category"])
    after_map = json.dumps(_map_args(app))
    assert after_map != before_map
    assert "Early strike" not in after_map and "Late combat" in after_map


def test_chart_and_table_name_categories_as_the_legend_and_colour_them_as_the_map(app):
    from geo.render.style import CATEGORY_COLOURS, CATEGORY_LABELS

    charts = app.get("vega_lite_chart") + app.get("arrow_vega_lite_chart")
    scale = json.loads(charts[0].proto.spec)["encoding"]["color"]["scale"]
    shown = set(_chart_rows(app)["category"])
    assert shown == {"Strike", "Ground combat", "Deployment", "Statement"}  # readable, not snake_case
    by_label = {CATEGORY_LABELS[c]: colour for c, colour in CATEGORY_COLOURS.items()}
    assert dict(zip(scale["domain"], scale["range"], strict=True)) == {label: by_label[label] for label in shown}
    table = _table(app)
    assert set(table["category"]) == shown and "Ground combat" in set(table["category"])
    assert set(table["verification"]) <= {"Confirmed", "Reported", "Claimed", "Disputed"}
    stored = EventStore().read()
    assert set(stored["category"].astype(str)) == {"strike", "ground_combat", "deployment", "statement"}  # data kept


def test_deployment_spanning_the_window_end_stays_visible(app):
    _set_window(app, date(2024, 7, 20), date(2024, 7, 30))
    assert set(_table(app)["title"]) == {"Iskander brigade deployed"}
    assert "Iskander brigade deployed" in json.dumps(_map_args(app))


def test_category_filter(app):
    app.multiselect(key="f-cat").set_value(["strike"])
    _run(app)
    assert set(_table(app)["title"]) == {"Early strike"}


def test_hostile_text_is_escaped_in_the_map(app):
    args = _map_args(app)
    code = args["script"] + (args.get("feature_group") or "")
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in code  # the text travels as an escaped JSON literal
    assert "<img src=x" not in code  # the raw tag never reaches the map's script


def _upload(at: AppTest, name: str, content: bytes) -> AppTest:
    _open_tab(at, "Import")
    uploader = at.file_uploader(key="imp-file")
    uploader.set_value((name, content, "text/csv"))
    return _run(at)


def test_bad_upload_shows_a_clear_error_and_changes_nothing(app):
    before = EventStore().read().sort_values("id").reset_index(drop=True)
    _upload(app, "broken.csv", b"this,is,not\nan,event,file\n")
    errors = " ".join(e.value for e in app.error)
    assert "Cannot import broken.csv" in errors and "expected" in errors and "Nothing was stored" in errors
    assert not [b for b in app.button if b.key == "imp-commit"]
    after = EventStore().read().sort_values("id").reset_index(drop=True)
    pd.testing.assert_frame_equal(before, after)


def test_upload_shows_report_then_commits(app):
    csv = (
        b"id,date,latitude,longitude,category,title,verification\n"
        b"n1,2024-08-21,0.5,1.5,strike,New strike,reported\n"
        b"n2,2024-08-21,95,1.5,strike,Bad latitude,reported\n"
    )
    _upload(app, "new.csv", csv)
    metrics = {m.label: m.value for m in app.metric}
    assert (metrics["accepted"], metrics["rejected"]) == ("1", "1")
    assert EventStore().count() == 4  # nothing stored before commit
    app.button(key="imp-commit").click()
    _run(app)
    assert "Stored 1 new events" in " ".join(s.value for s in app.success)
    assert EventStore().count() == 5


@pytest.fixture
def upload_tmp(tmp_path, monkeypatch) -> Path:
    """Where the importer's private upload directories go (this test's own temp root)."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(root))
    return root


@pytest.mark.parametrize(
    ("name", "content", "lines", "label"),
    [
        ("mixed.csv",
         b"id,date,latitude,longitude,category,title\n"
         b"m1,2024-08-21,0.5,1.5,strike,Good\n"
         b"m2,2024-08-21,95,1.5,strike,Bad latitude\n"
         b"m3,not a date,0.5,1.5,strike,Bad date\n",
         [3, 4], "line (as in a spreadsheet)"),
        ("mixed.geojson",
         json.dumps({"type": "FeatureCollection", "features": [
             {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1.5, 0.5]},
              "properties": {"id": "g1", "date": "2024-08-21", "category": "strike", "title": "Good"}},
             {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1.5, 0.5]},
              "properties": {"id": "g2", "date": "never", "category": "strike", "title": "Bad date"}},
         ]}).encode(),
         [2], "feature"),
    ],
)
def test_import_issues_name_the_upload_and_its_lines_and_leave_no_file(app, upload_tmp, name, content, lines, label):
    _upload(app, name, content)
    issues = next(d for d in app.dataframe if "reason" in d.value.columns)
    table = issues.value
    assert list(table.columns[:3]) == ["reason", "file", "line"]  # what went wrong first, then where
    assert set(table["file"]) == {name}
    assert table.loc[table["kind"] == "reject", "line"].tolist() == lines
    shown = issues.proto.column_order
    assert "row" not in shown and shown[0] == "reason"
    assert label in issues.proto.columns  # the column config names what the number counts
    assert "/tmp" not in table.to_csv() and str(upload_tmp) not in table.to_csv()
    assert list(upload_tmp.iterdir()) == []  # the private copy is gone once the report is built
    app.button(key="imp-commit").click()
    _run(app)
    assert "Stored 1 new events" in " ".join(s.value for s in app.success)
    assert list(upload_tmp.iterdir()) == []
    assert name in set(EventStore().read()["import_file"].astype(str))


def test_import_report_lets_the_analyst_leave_out_possible_duplicates(app):
    csv = (
        b"id,date,latitude,longitude,category,title,verification\n"
        b"u1,2024-08-21,0.5,1.5,strike,Strike one,reported\n"
        b"u2,2024-08-21,0.5,1.5,strike,Strike two,reported\n"
        b"u3,2024-08-21,0.5,1.5,strike,Strike three,reported\n"
        b"u2,2024-08-21,0.5,1.5,strike,Strike two,reported\n"  # the same row again: a true duplicate
    )
    _upload(app, "same-place.csv", csv)

    def counts() -> tuple[str, ...]:
        metrics = {m.label: m.value for m in app.metric}
        return tuple(metrics[k] for k in ("rows read", "accepted", "rejected", "duplicates", "possible duplicates"))

    assert counts() == ("4", "3", "0", "1", "2")  # distinct ids on one day and place: all kept, two flagged
    pairs = next(d.value for d in app.dataframe if "earlier id" in d.value.columns)
    assert pairs[["id", "earlier id"]].values.tolist() == [["csv:u2", "csv:u1"], ["csv:u3", "csv:u1"]]
    assert pairs[["title", "earlier title"]].values.tolist()[1] == ["Strike three", "Strike one"]
    choice = app.multiselect(key="imp-leave-out")
    # spreadsheet lines, as in the issues table (line 1 is the header)
    assert choice.value == [] and choice.options == ["line 3: Strike two (like line 2)",
                                                     "line 4: Strike three (like line 2)"]
    assert pairs[["line", "earlier line"]].values.tolist() == [[3, 2], [4, 2]]
    choice.set_value(["csv:u3"])
    _run(app)
    assert counts() == ("4", "2", "0", "2", "1")  # left out: counted as a duplicate, the sum still holds
    assert "4 rows read = 2 accepted + 0 rejected + 2 duplicates" in " ".join(c.value for c in app.caption)
    app.button(key="imp-commit").click()
    _run(app)
    assert "Stored 2 new events" in " ".join(s.value for s in app.success)
    stored = set(EventStore().read()["id"])
    assert {"csv:u1", "csv:u2"} <= stored and "csv:u3" not in stored and len(stored) == 6


def test_the_map_gets_the_window_to_play_and_the_sidebar_no_server_playback(app):
    """Playback runs in the browser: the points layers carry the filter's window (the days the map's control
    steps through) and every event of it; no widget reruns the app per day."""
    _set_window(app, date(2024, 8, 1), date(2024, 8, 20))
    script = _map_args(app)["feature_group"]
    assert script.count('"window":["2024-08-01","2024-08-20"]') == 2  # events and deployments
    assert len(_table(app)) == 4  # the whole window stays on the server side
    assert not [k for k in app.session_state if str(k).startswith(("play", "tick"))]
    assert "▶ control at the bottom left of the map" in " ".join(c.value for c in app.sidebar.caption)
    _set_window(app, date(2024, 8, 3), date(2024, 8, 3))
    assert '"window":["2024-08-03","2024-08-03"]' in _map_args(app)["feature_group"]


def test_stored_units_show_on_the_map_as_of_the_windows_end(app_env):
    from geo import units
    from geo.io.units import read_positions

    rows = pd.DataFrame({"unit": ["1st Brigade", "1st Brigade", "2nd Battalion"],
                         "date": ["2024-08-02", "2024-08-18", "2024-08-15"], "lat": [0.5, 0.6, 1.2],
                         "lon": [0.5, 0.7, 1.4], "echelon": ["brigade", "brigade", "battalion"],
                         "side": ["AAA", "AAA", "BBB"]})
    rows.to_csv(app_env / "units.csv", index=False)
    units.UnitStore().add(read_positions(app_env / "units.csv").frame)
    at = _run(AppTest.from_file(str(ROOT / "app.py"), default_timeout=120))
    _set_window(at, date(2024, 8, 1), date(2024, 8, 10))
    script = _map_args(at)["feature_group"]
    assert 'GeoRender.layer("units"' in script and '"day":"2024-08-10"' in script
    assert '"n":"1st Brigade"' in script and '"d":"2024-08-02"' in script  # its latest report by the 10th
    assert "2nd Battalion" not in script  # first reported after the window's end
    _set_window(at, date(2024, 8, 1), date(2024, 8, 20))
    script = _map_args(at)["feature_group"]
    assert '"n":"2nd Battalion"' in script and '"day":"2024-08-20"' in script and '"d":"2024-08-18"' in script
    # the unit list under the map: as of the window's end, latest report first; a chosen row centres the map
    listed = next(df.value for df in at.dataframe if "Unit" in df.value.columns)
    assert list(listed["Unit"]) == ["1st Brigade", "2nd Battalion"] and list(listed["Age (days)"]) == [2, 5]
    at.session_state["units-table"] = {"selection": {"rows": [1], "columns": []}}
    _run(at)
    args = _map_args(at)
    assert args["center"] is not None and abs(args["center"][0] - 1.2) < 1e-3
    assert abs(args["center"][1] - 1.4) < 1e-3 and round(args["zoom"]) == 10


def test_area_layer_upload_shows_on_the_map_as_of_window_end(app):
    square = {"type": "Polygon", "coordinates": [[[0.1, 0.1], [0.9, 0.1], [0.9, 0.9], [0.1, 0.9], [0.1, 0.1]]]}
    fc = {"type": "FeatureCollection",
          "features": [{"type": "Feature", "properties": {"name": "Assessed pocket"}, "geometry": square}]}
    _open_tab(app, "Import")
    app.file_uploader(key="area-files").set_value([("2024-08-12.geojson", json.dumps(fc).encode(), "application/json")])
    _run(app)
    app.button(key="area-commit").click()
    _run(app)
    assert "Added 1 area polygons" in " ".join(s.value for s in app.success)
    assert set(AreaStore().read()["import_file"].astype(str)) == {"2024-08-12.geojson"}  # not the temp copy
    _set_window(app, date(2024, 8, 1), date(2024, 8, 20))
    assert "Assessed pocket" in json.dumps(_map_args(app))
    _set_window(app, date(2024, 8, 1), date(2024, 8, 10))  # before the snapshot: not shown
    assert "Assessed pocket" not in json.dumps(_map_args(app))


def test_unit_positions_upload_is_stored_once_reported_and_shown_on_the_map(app):
    from geo.units import UnitStore

    rows = ("unit,date,lat,lon,echelon,side\r\n"
            "1st Brigade,2024-08-02,0.5,0.5,brigade,AAA\r\n"
            "1st Brigade,2024-08-18,0.6,0.7,brigade,AAA\r\n"
            "<img src=x onerror=alert(1)>,2024-08-15,1.2,1.4,battalion,BBB\r\n"
            "Lost Company,2024-08-16,95,1.4,company,BBB\r\n")
    _open_tab(app, "Import")
    app.file_uploader(key="unit-files").set_value([("tracker.csv", rows.encode(), "text/csv")])
    _run(app)
    app.button(key="unit-commit").click()
    _run(app)
    said = " ".join(s.value for s in app.success)
    assert "tracker.csv: 4 rows read = 3 stored + 1 rejected + 0 duplicates" in said
    assert any("row 4, field 'lat'" in w.value and "tracker.csv" in w.value for w in app.warning)
    stored = UnitStore().read()
    assert len(stored) == 3 and set(stored["import_file"].astype(str)) == {"tracker.csv"}  # not the temp copy
    app.button(key="unit-commit").click()  # the same file again: nothing stored twice
    _run(app)
    assert "= 0 stored + 1 rejected + 3 duplicates (0 in the file, 3 already stored)" in " ".join(
        s.value for s in app.success)
    _set_window(app, date(2024, 8, 1), date(2024, 8, 20))
    script = _map_args(app)["feature_group"]
    assert '"n":"1st Brigade"' in script and "<img" not in script


def test_every_event_rendering_mode_draws_the_map(app):
    drawn = {}
    for mode in ("cells", "points", "auto"):  # "cells" is shown as "aggregate"
        app.radio(key="f-mode").set_value(mode)
        _run(app)
        drawn[mode] = _map_args(app)["feature_group"]
    assert drawn["cells"] != drawn["points"] == drawn["auto"]


def _open_tab(at: AppTest, label: str) -> AppTest:
    at.session_state["tab"] = label  # what clicking the tab does (the tabs rerun the app)
    return _run(at)


def test_import_panels_are_drawn_while_their_tab_is_open_or_an_upload_waits(app):
    assert not [w for w in app.get("file_uploader")], "uploaders drawn in the closed Import tab"
    _open_tab(app, "Import")
    app.selectbox(key="imp-format").set_value("csv")
    app.text_input(key="area-kind").set_value("claimed advance")
    _run(app)
    _open_tab(app, "Map")  # nothing uploaded: the panels go, the choices stay
    assert not app.get("file_uploader")
    _open_tab(app, "Import")
    assert app.selectbox(key="imp-format").value == "csv"
    assert app.text_input(key="area-kind").value == "claimed advance"
    app.file_uploader(key="imp-file").set_value(
        ("wait.csv", b"id,date,latitude,longitude,category,title\nw1,2024-08-21,0.5,1.5,strike,Waiting\n", "text/csv"))
    _run(app)
    assert [b for b in app.button if b.key == "imp-commit"]
    _open_tab(app, "Map")  # an upload waits: the panel stays drawn, so Streamlit keeps the file
    assert app.file_uploader(key="imp-file").value.name == "wait.csv"
    _open_tab(app, "Import")
    assert [b for b in app.button if b.key == "imp-commit"], "the waiting upload was lost"


def test_export_panel_previews_and_prepares_a_pdf(app):
    _open_tab(app, "Export")
    app.toggle(key="x-preview").set_value(True)
    _run(app)
    assert app.get("imgs") or app.get("image"), "snapshot preview not shown"
    app.selectbox(key="x-format").set_value("pdf")
    _run(app)
    app.button(key="x-prepare").click()
    _run(app)
    labels = [b.proto.label for b in app.get("download_button")]
    assert any(label.endswith(".pdf") for label in labels), labels
    app.text_input(key="x-title").set_value("Another title")  # another view: the prepared file is stale
    _run(app)
    labels = [b.proto.label for b in app.get("download_button")]
    assert not any(label.endswith(".pdf") for label in labels), labels


def test_export_formats_are_the_registry_with_their_labels_and_extensions(app, monkeypatch):
    from geo import formats

    monkeypatch.setattr(formats, "FORMATS", dict(formats.FORMATS))
    formats.register(formats.ExportFormat("ids", (".ids",), "text/plain", "Event ids, one a line", "data",
                                          lambda job: "\n".join(job.events["id"].astype(str)).encode()))
    _open_tab(app, "Export")
    box = app.selectbox(key="x-format")
    assert box.options == [f"{f.upper()}: {formats.FORMATS[f].label}" for f in formats.FORMATS]
    box.set_value("ids")
    _run(app)
    app.button(key="x-prepare").click()
    _run(app)
    fmt, _view, data, _generated, _warnings = app.session_state["x-file"]
    assert fmt == "ids"
    assert sorted(data.decode().split("\n")) == sorted(str(i) for i in _table(app)["id"])  # the events shown
    labels = [b.proto.label for b in app.get("download_button")]
    assert any(label.endswith(".ids") for label in labels), labels


def _prepared(at: AppTest) -> tuple[dict, list[str]]:
    """The view and the CSV header of the file the Export tab prepared (what its download button holds)."""
    at.button(key="x-prepare").click()
    _run(at)
    fmt, view_json, data, _generated, _warnings = at.session_state["x-file"]
    assert fmt == "csv"
    return json.loads(view_json), next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_export_provenance_checkbox_puts_the_import_columns_in_data_files(app):
    provenance = {"import_file", "import_sha256", "import_time", "import_row"}
    _open_tab(app, "Export")
    app.selectbox(key="x-format").set_value("csv")
    _run(app)
    assert not app.checkbox(key="x-provenance").value  # left out unless asked
    view, header = _prepared(app)
    assert view["provenance"] is False and "title" in header and not provenance & set(header)
    app.checkbox(key="x-provenance").check()
    _run(app)
    assert not any(b.proto.label.endswith(".csv") for b in app.get("download_button"))  # another view: stale
    view, header = _prepared(app)
    assert view["provenance"] is True and provenance <= set(header)


def test_the_view_json_is_the_record_of_the_export_and_regenerates_it(app, app_env, monkeypatch, capsys):
    """The view the Export tab offers is what the CLI's --save-view writes: the events shown, the store's
    fingerprint and the prepared file's generation time, so that ``geo snapshot --view`` of it gives the
    same file and warns once the events shown change."""
    import streamlit as st

    from geo.cli import main
    from geo.snapshot import View, events_fingerprint

    downloads: dict[str, bytes] = {}
    real = st.download_button

    def download_button(label, data, *args, **kwargs):  # the real button, its data kept to read back
        downloads[kwargs["key"]] = data
        return real(label, data, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", download_button)
    _set_window(app, date(2024, 8, 10), date(2024, 8, 20))
    _open_tab(app, "Export")
    shown = sorted(_table(app)["id"])
    assert shown == ["hostile", "late-combat", "long-deployment"]  # fewer than the store holds
    stored = EventStore().read()
    view = View.from_json(downloads["x-view"].decode("utf-8"))
    assert view.event_ids == tuple(shown)
    assert view.store == events_fingerprint(stored) and view.generated is None  # nothing prepared yet
    assert View.from_json(view.to_json()) == view

    app.selectbox(key="x-format").set_value("html")
    _run(app)
    app.button(key="x-prepare").click()
    _run(app)
    fmt, _view_json, prepared, generated, _warnings = app.session_state["x-file"]
    assert fmt == "html" and downloads["x-download"] == prepared
    view = View.from_json(downloads["x-view"].decode("utf-8"))
    assert view.generated == generated and view.event_ids == tuple(shown)
    saved = app_env / "briefing.view.json"
    saved.write_bytes(downloads["x-view"])
    again = ["snapshot", "--view", str(saved), "--out", str(app_env / "again.html")]
    capsys.readouterr()
    assert main(again) == 0
    assert (app_env / "again.html").read_bytes() == prepared  # the same time, events and layers: the same file
    assert "since the view was saved" not in capsys.readouterr().err
    EventStore().add(make_events(1, id=["new-strike"], date_start=[pd.Timestamp("2024-08-15")], lon=[0.6],
                                 lat=[0.6]), source="later")
    assert main(again) == 0
    assert "the events shown changed since the view was saved: 0 no longer shown, 1 new (e.g. new-strike)" in (
        capsys.readouterr().err)


def test_export_preview_is_drawn_only_while_its_tab_is_open(app):
    app.toggle(key="x-preview").set_value(True)
    _run(app)
    assert not (app.get("imgs") or app.get("image")), "preview drawn in a hidden tab"
    _open_tab(app, "Export")
    assert app.get("imgs") or app.get("image"), "snapshot preview not shown"


def test_export_extent_follows_the_map_until_chosen(app, monkeypatch):
    from geo import snapshot

    calls: list[tuple[snapshot.View, dict]] = []
    real = snapshot.export

    def export(fmt, events, boundaries, view, **kwargs):
        calls.append((view, kwargs))
        return real(fmt, events, boundaries, view, **kwargs)

    monkeypatch.setattr(snapshot, "export", export)
    assert app.radio(key="x-extent").value == "fit"  # no browser here: the map has not reported an extent
    app.session_state["map-extent"] = (30.125, 50.1, 36.5, 52.9)  # what ui.mapview keeps from st_folium
    _open_tab(app, "Export")
    assert app.radio(key="x-extent").value == "map"
    assert "30.12°E–36.50°E, 50.10°N–52.90°N" in " ".join(c.value for c in app.caption)
    app.multiselect(key="x-layers").set_value(["countries", "events", "heatmap"])
    app.toggle(key="x-preview").set_value(True)
    _run(app)
    view, kwargs = calls[-1]
    assert view.bbox == (30.125, 50.1, 36.5, 52.9)
    assert view.layers == ("countries", "events", "heatmap")
    assert "areas" in kwargs  # the dated area table (None here: the store has none)
    app.radio(key="x-extent").set_value("fit")
    _run(app)
    assert calls[-1][0].bbox is None
    app.session_state["map-extent"] = (31.0, 51.0, 32.0, 52.0)
    _run(app)
    assert app.radio(key="x-extent").value == "fit"  # chosen by the user: the map no longer overrides it
    app.radio(key="x-extent").set_value("preset")
    _run(app)
    names = app.selectbox(key="x-preset").options
    assert "Border districts" in names
    app.selectbox(key="x-preset").set_value("Border districts")
    _run(app)
    from geo.snapshot import extent_presets

    assert calls[-1][0].bbox == extent_presets(*_loaded_boundaries(app))["Border districts"]
    app.radio(key="x-extent").set_value("box")
    _run(app)
    app.text_input(key="x-bbox").set_value("1,2,3")
    _run(app)
    assert any("Extent" in e.value for e in app.error)
    app.text_input(key="x-bbox").set_value("0,0,2,2")
    _run(app)
    assert app.toggle(key="x-preview").value, "a typo in the box turned the preview off"
    assert calls[-1][0].bbox == (0.0, 0.0, 2.0, 2.0)


@pytest.mark.parametrize("name", broken_params(("random bytes", "zero-length file", "SQLite without events")))
def test_app_stops_on_a_store_it_cannot_read(app_env, monkeypatch, name):
    broken = app_env / "broken.gpkg"
    make, reason = BROKEN[name]
    make(broken)
    monkeypatch.setenv("GEO_STORE", str(broken))
    at = _run(AppTest.from_file(str(ROOT / "app.py"), default_timeout=120))
    errors = " ".join(e.value for e in at.error)
    assert re.search(rf"{re.escape(str(broken))}: expected a GeoPackage with an events table, got {reason}", errors)
    assert not at.dataframe and not at.tabs  # stopped: neither the sample events nor anything else shown
    assert "sample data" not in " ".join(c.value for c in at.caption)


# --- the window: presets and From/To ------------------------------------------------------------------


def _errors(at: AppTest) -> str:
    return " ".join(e.value for e in at.error)


def test_from_after_to_is_an_error_and_keeps_the_window(app):
    _set_window(app, date(2024, 8, 1), date(2024, 8, 12))
    before = set(_table(app)["title"])
    assert before == {"Early strike", "Iskander brigade deployed", "<img src=x onerror=alert(1)>"}
    assert not app.error
    app.date_input(key="w-from").set_value(date(2024, 8, 15))  # after To (12 Aug)
    _run(app)
    assert "From 15 Aug 2024 is after To 12 Aug 2024" in _errors(app)
    assert "The window stays 01 Aug 2024 – 12 Aug 2024" in _errors(app)
    assert (app.date_input(key="w-from").value, app.date_input(key="w-to").value) == (date(2024, 8, 1), date(2024, 8, 12))
    assert set(_table(app)["title"]) == before  # not swapped to 12–15 Aug (which would drop "Early strike")
    app.date_input(key="w-to").set_value(date(2024, 7, 28))  # To before From: the same refusal
    _run(app)
    assert "From 01 Aug 2024 is after To 28 Jul 2024" in _errors(app)
    assert app.date_input(key="w-to").value == date(2024, 8, 12) and set(_table(app)["title"]) == before
    app.radio(key="f-mode").set_value("points")  # any other rerun: the message was said once
    _run(app)
    assert not app.error


@pytest.fixture
def sample_app(app_env, monkeypatch) -> AppTest:
    """The app on the sample data (the store file does not exist)."""
    monkeypatch.setenv("GEO_STORE", str(app_env / "none.gpkg"))
    at = _run(AppTest.from_file(str(ROOT / "app.py"), default_timeout=120))
    assert "sample data" in " ".join(c.value for c in at.caption)
    return at


def test_presets_count_back_from_the_samples_latest_start(sample_app):
    sample = pd.read_csv(ROOT / "data" / "sample_events.csv", parse_dates=["date_start", "date_end"])
    latest = sample["date_start"].max().date()
    assert latest < sample["date_end"].max().date()  # the sample's deployments last beyond its latest start
    sample_app.button(key="preset-Last day").click()
    _run(sample_app)
    assert (sample_app.date_input(key="w-from").value, sample_app.date_input(key="w-to").value) == (latest, latest)
    day = sample["date_start"].dt.date.le(latest) & sample["date_end"].fillna(sample["date_start"]).dt.date.ge(latest)
    assert set(_table(sample_app)["title"]) == set(sample.loc[day, "title"])
    assert set(sample.loc[day, "category"]) > {"deployment"}  # not only the long deployments
    sample_app.button(key="preset-Last 7 days").click()
    _run(sample_app)
    assert sample_app.date_input(key="w-from").value == latest - pd.Timedelta(days=6).to_pytimedelta()
    sample_app.button(key="preset-All").click()
    _run(sample_app)
    assert sample_app.date_input(key="w-to").value == sample["date_end"].max().date()
    assert len(_table(sample_app)) == len(sample)


