"""Briefing snapshots (geo/snapshot.py): View JSON, the static figure, every export format, the CLI."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from snapshot_factories import GENERATED, GOLDEN, snapshot_inputs

from geo.errors import GeoError
from geo.filter import EventFilter
from geo.snapshot import View, export, render_figure, select, view_path, write

ROOT = Path(__file__).resolve().parents[1]
KML_NS = {"k": "http://www.opengis.net/kml/2.2"}


@pytest.fixture(scope="module")
def inputs():
    return snapshot_inputs()


def _ids(frame: pd.DataFrame) -> list[str]:
    return sorted(frame["id"].astype(str))


def _kml_ids(data: bytes) -> list[str]:
    root = ET.fromstring(data)
    return sorted(d.find("k:value", KML_NS).text for d in root.iterfind(".//k:Data[@name='id']", KML_NS))


# --- View ---------------------------------------------------------------------------------------------


def test_view_json_round_trips_and_regenerates_the_same_csv(inputs, tmp_path):
    events, boundaries, index, _ = inputs
    view = View(title="Ü title", bbox=(30.2, 50.1, 31.8, 50.9), filter=EventFilter(start="2024-08-07", end="2024-08-12",
                categories=["strike", "ground_combat"]), layers=("countries", "events"), opsec_decimals=2,
                paper="Letter", orientation="portrait", dpi=300, labels=True)
    text = view.to_json()
    assert json.loads(text)["filter"]["start"] == "2024-08-07"
    again = View.from_json(text)
    assert again == view and again.to_json() == text
    first = write(tmp_path / "a.csv", events, boundaries, view, index=index)
    second_view = View.from_json(view_path(first).read_text(encoding="utf-8"))
    second = write(tmp_path / "b.csv", events, boundaries, second_view, index=index)
    assert first.read_bytes() == second.read_bytes()


def _python(code: str) -> None:
    """Run ``code`` in a new interpreter (the tests' factories importable); fail with its stderr."""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}"})
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_app_modules_start_without_matplotlib_which_the_first_drawn_export_loads():
    code = (
        "import sys\n"
        "import geo.snapshot, ui.exporter, ui.mapview, ui.data, ui.tables\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported at start'\n"
        "from snapshot_factories import snapshot_inputs\n"
        "events, boundaries, index, view = snapshot_inputs()\n"
        "png = geo.snapshot.export('png', events, boundaries, view, index=index)\n"
        "assert png[:8] == b'\\x89PNG\\r\\n\\x1a\\n' and 'matplotlib' in sys.modules\n"
    )
    _python(code)


def test_a_drawn_export_does_not_import_folium_which_only_the_live_map_and_html_need():
    code = (
        "import sys\n"
        "import geo.snapshot\n"
        "from snapshot_factories import snapshot_inputs\n"
        "events, boundaries, index, view = snapshot_inputs()\n"
        "for fmt in ('png', 'pdf', 'pptx'):\n"
        "    assert geo.snapshot.export(fmt, events, boundaries, view, index=index)\n"
        "assert 'folium' not in sys.modules, 'folium imported by a drawn export'\n"
        "assert geo.snapshot.export('html', events, boundaries, view, index=index) and 'folium' in sys.modules\n"
    )
    _python(code)


@pytest.mark.parametrize(
    "changes",
    [{"bbox": (31, 50, 30, 51)}, {"layers": ("tiles",)}, {"paper": "A3"}, {"orientation": "up"}, {"opsec_decimals": 9}],
)
def test_view_rejects_bad_values(changes):
    with pytest.raises(GeoError):
        View(**changes)


def test_view_json_rejects_unknown_keys():
    with pytest.raises(GeoError, match="unknown"):
        View.from_json('{"title": "x", "zoom": 5}')


def test_subtitle_defaults_to_the_window():
    assert View(filter=EventFilter(start="2024-08-06", end="2024-08-09")).shown_subtitle == "Window: 2024-08-06 to 2024-08-09"
    assert View(subtitle="Kursk").shown_subtitle == "Kursk"


# --- the figure ---------------------------------------------------------------------------------------


def _legend_labels(fig) -> list[str]:
    labels = []
    for ax in fig.axes:
        if (legend := ax.get_legend()) is not None:
            labels += [t.get_text() for t in legend.get_texts()]
    return labels


def test_legend_lists_only_what_is_shown(inputs):
    events, boundaries, index, view = inputs
    fig = render_figure(events, boundaries, view.replace(filter=EventFilter(categories=["strike"])), index=index,
                        generated=GENERATED)
    labels = _legend_labels(fig)
    assert "Strike" in labels
    assert "Ground combat" not in labels and "Statement" not in labels
    assert not any("Ballistic missile unit (Iskander" in label for label in labels)
    fig = render_figure(events, boundaries, view, index=index, generated=GENERATED)
    labels = _legend_labels(fig)
    assert {"Ground combat", "Strike", "Statement", "Border district (outlined)", "Country (ADM0)"} <= set(labels)
    assert any("Ballistic missile unit (Iskander" in label for label in labels)


@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
def test_map_takes_three_quarters_of_the_page_and_panels_cover_no_event(inputs, orientation):
    from matplotlib.collections import PathCollection

    events, boundaries, index, view = inputs
    fig = render_figure(events, boundaries, view.replace(orientation=orientation), index=index, generated=GENERATED)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    mx = next(ax for ax in fig.axes if hasattr(ax, "scale_km"))
    frame = mx.get_position()
    assert frame.width * frame.height >= 0.75, (orientation, frame)
    panels = [ax for ax in fig.axes if ax is not mx and frame.overlaps(ax.get_position())]
    assert len(panels) == 2  # the legend and the inset, framed inside the map
    outside = [ax for ax in fig.axes if ax is not mx and ax not in panels]
    boxes = [ax.get_position() for ax in (mx, *outside)]
    for i, a in enumerate(boxes):  # title, footer and markings overlap nothing
        for b in boxes[i + 1:]:
            overlap_w = min(a.x1, b.x1) - max(a.x0, b.x0)
            overlap_h = min(a.y1, b.y1) - max(a.y0, b.y0)
            assert overlap_w <= 1e-6 or overlap_h <= 1e-6, (orientation, a, b)
    covers = [p.get_window_extent(renderer) for p in panels]
    symbols = np.concatenate([mx.transData.transform(np.asarray(c.get_offsets(), dtype=float).reshape(-1, 2))
                              for c in mx.collections if isinstance(c, PathCollection) and c.get_zorder() >= 5])
    assert len(symbols) >= 5
    for x, y in symbols:  # no event symbol hides under a panel
        assert not any(b.contains(x, y) for b in covers), (orientation, x, y)
    texts = [t for t in mx.texts if t.get_text().strip() and t.get_visible()]
    for t in texts:  # nor any text of the map: scale bar, north arrow, labels, projection note
        ext = t.get_window_extent(renderer)
        assert not any(ext.overlaps(b) for b in covers), (orientation, t.get_text())


def test_scale_bar_is_a_round_number_of_km(inputs):
    events, boundaries, index, view = inputs
    fig = render_figure(events, boundaries, view, index=index, generated=GENERATED)
    km = next(ax.scale_km for ax in fig.axes if hasattr(ax, "scale_km"))
    mantissa = km / 10 ** np.floor(np.log10(km))
    assert mantissa in (1, 2, 5)
    assert 5 <= km <= 50  # the map spans about 120 km


def test_scale_bars_in_km_and_miles_are_round_and_to_scale(inputs):
    from matplotlib.patches import Rectangle

    events, boundaries, index, view = inputs
    fig = render_figure(events, boundaries, view, index=index, generated=GENERATED)
    mx = next(ax for ax in fig.axes if hasattr(ax, "scale_km"))
    km, mi = mx.scale_km, mx.scale_mi
    for value in (km, mi):
        assert value / 10 ** np.floor(np.log10(value)) in (1, 2, 5)
    texts = {t.get_text() for t in mx.texts}
    assert f"{km:g} km" in texts and f"{mi:g} mi" in texts
    bars: dict[float, float] = {}
    for r in mx.patches:
        if isinstance(r, Rectangle) and r.get_zorder() == 21:
            bars[round(r.get_y(), 3)] = bars.get(round(r.get_y(), 3), 0.0) + r.get_width()
    top, bottom = (bars[y] for y in sorted(bars, reverse=True))
    assert top / bottom == pytest.approx(km * 1000 / (mi * 1609.344), rel=1e-6)


def test_the_north_arrow_points_to_true_north_where_it_stands(inputs):
    from pyproj import Transformer

    from geo.snapshot._draw import _laea

    events, boundaries, index, view = inputs
    bbox = (20.0, 44.0, 50.0, 60.0)  # wide: at the map's upper right, north leans towards the centre
    fig = render_figure(events, boundaries, view.replace(bbox=bbox), index=index, generated=GENERATED)
    mx = fig.axes[3]
    arrow = next(a for a in mx.texts if getattr(a, "arrow_patch", None) is not None)
    (hx, hy), (tx, ty) = arrow.xy, arrow.xyann
    tf = Transformer.from_crs("EPSG:4326", _laea(35.0, 52.0), always_xy=True)
    (head_lon, tail_lon), _ = tf.transform([hx, tx], [hy, ty], direction="INVERSE")
    assert head_lon == pytest.approx(tail_lon, abs=0.01)  # the arrow runs along the meridian
    assert abs(np.degrees(np.arctan2(hx - tx, hy - ty))) > 2  # which is not straight up there


@pytest.mark.slow
def test_png_matches_the_golden_image(inputs):
    from PIL import Image

    if not GOLDEN.exists():
        pytest.skip("no golden image: run python scripts/make_golden.py")
    events, boundaries, index, view = inputs
    data = export("png", events, boundaries, view, index=index, generated=GENERATED)
    got = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=float)
    want = np.asarray(Image.open(GOLDEN).convert("RGB"), dtype=float)
    assert got.shape == want.shape
    diff = np.abs(got - want).mean()
    assert diff < 2.0, f"mean pixel difference {diff:.2f} (regenerate with scripts/make_golden.py if intended)"


def test_png_dpi_sets_the_pixel_size(inputs):
    from PIL import Image

    events, boundaries, index, view = inputs
    small = Image.open(io.BytesIO(export("png", events, boundaries, view.replace(dpi=50), index=index)))
    assert abs(small.size[0] - 11.69 * 50) <= 1 and abs(small.size[1] - 8.27 * 50) <= 1


# --- static exports -----------------------------------------------------------------------------------


def _pdftotext(data: bytes, tmp_path: Path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext not installed (apt-get install poppler-utils; scripts/test.sh installs it)")
    path = tmp_path / "s.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_pdf_text_holds_title_window_marking_and_opsec_note(inputs, tmp_path):
    events, boundaries, index, view = inputs
    data = export("pdf", events, boundaries, view.replace(opsec_decimals=2, paper="Letter", orientation="portrait"),
                  index=index, generated=GENERATED)
    assert data.startswith(b"%PDF")
    text = _pdftotext(data, tmp_path)
    assert "Grid snapshot" in text
    assert "2024-08-06 to 2024-08-15" in text
    assert text.count("UNCLASSIFIED // FOR TRAINING") == 2
    assert "rounded to 2 decimal places" in text
    assert "Generated 2024-08-16 12:00 UTC" in text


@pytest.mark.parametrize(("paper", "orientation"), [("A4", "landscape"), ("Letter", "portrait")])
def test_no_printed_text_is_under_7_points(inputs, tmp_path, paper, orientation):
    """Every word of the page (legend with every overlay, footer, inset, scale bar, place names, event
    labels, the country callout) is at least 7 pt: pdftotext's word boxes are 1.165 x the font size."""
    import re

    from geo.snapshot import ALL_LAYERS

    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext not installed (apt-get install poppler-utils; scripts/test.sh installs it)")
    events, boundaries, index, view = inputs
    events = events.copy()
    events.loc[events.index[:3], "geo_precision"] = "country"  # a callout too
    data = export("pdf", events, boundaries, view.replace(layers=ALL_LAYERS, labels=True, paper=paper,
                                                          orientation=orientation), index=index, generated=GENERATED)
    path = tmp_path / "s.pdf"
    path.write_bytes(data)
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    words = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<', html)
    assert len(words) > 100
    small = sorted({(round((float(y1) - float(y0)) / 1.165, 1), w) for y0, y1, w in words if float(y1) - float(y0) < 7 * 1.16})
    assert not small, small[:10]


def test_pdf_page_size_follows_paper_and_orientation(inputs):
    events, boundaries, index, view = inputs
    for paper, orientation, (w, h) in (("A4", "landscape", (841.7, 595.4)), ("Letter", "portrait", (612, 792))):
        data = export("pdf", events, boundaries, view.replace(paper=paper, orientation=orientation), index=index)
        box = data.split(b"/MediaBox")[1].split(b"]")[0].strip(b" [").split()
        assert abs(float(box[2]) - w) < 1.5 and abs(float(box[3]) - h) < 1.5


def test_svg_keeps_text_as_text(inputs):
    events, boundaries, index, view = inputs
    data = export("svg", events, boundaries, view, index=index, generated=GENERATED).decode("utf-8")
    assert "<svg" in data and "Grid snapshot" in data and "UNCLASSIFIED // FOR TRAINING" in data


def test_pptx_has_picture_title_bullets_and_notes(inputs):
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    events, boundaries, index, view = inputs
    data = export("pptx", events, boundaries, view, index=index, generated=GENERATED)
    prs = Presentation(io.BytesIO(data))
    assert len(prs.slides) in (1, 2)  # the key events on a second slide when the legend leaves no room
    slide = prs.slides[0]
    assert slide.shapes.title.text == "Grid snapshot"
    assert any(s.shape_type == MSO_SHAPE_TYPE.PICTURE for s in slide.shapes)
    texts = "\n".join(s.text_frame.text for page in prs.slides for s in page.shapes if s.has_text_frame)
    assert "Key events" in texts and "2024-08-15 ·" in texts or "2024-08-14 ·" in texts
    assert texts.count("• ") == 6
    assert "UNCLASSIFIED // FOR TRAINING" in texts
    notes = slide.notes_slide.notes_text_frame.text
    assert "Sources (by date):" in notes and "- 2024-08-06 ISW" in notes and "Kyiv Independent" in notes
    assert "Generated 2024-08-16 12:00 UTC" in texts and "Sources: in the speaker notes" in texts


def test_pptx_map_stands_at_native_size_and_no_slide_text_is_under_12_pt(inputs):
    import re
    import zipfile

    from PIL import Image
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE
    from pptx.util import Inches

    from geo.snapshot import SLIDE_PICTURE

    events, boundaries, index, view = inputs
    data = export("pptx", events, boundaries, view, index=index, generated=GENERATED)
    slide = Presentation(io.BytesIO(data)).slides[0]
    pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    picture = max(pictures, key=lambda s: s.width)  # the map (the others are the legend's symbols)
    image = Image.open(io.BytesIO(picture.image.blob))
    assert image.size[0] / image.size[1] == pytest.approx(SLIDE_PICTURE[0] / SLIDE_PICTURE[1], rel=0.01)
    assert picture.width == pytest.approx(Inches(SLIDE_PICTURE[0]), rel=0.01)  # 1:1, so its type is its size
    assert picture.height == pytest.approx(Inches(SLIDE_PICTURE[1]), rel=0.01)
    fig = render_figure(events, boundaries, view, index=index, generated=GENERATED, layout="slide")
    fig.canvas.draw()
    texts = [t for ax in fig.axes for t in ax.texts if t.get_text().strip()]
    assert view.marking not in {t.get_text() for t in texts} and view.title not in {t.get_text() for t in texts}
    assert texts and min(t.get_fontsize() for t in texts) >= 12, sorted((t.get_fontsize(), t.get_text()) for t in texts)[:3]
    assert all(ax.get_legend() is None for ax in fig.axes)  # the legend is slide text
    shown = "\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)
    for head, labels in fig.snapshot_legend.items():
        assert head.split()[0] in shown
        for label in labels:
            assert label.split(":")[0].split()[0] in shown, label
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sizes = [int(v) for name in z.namelist() if re.fullmatch(r"ppt/slides/slide\d+\.xml", name)
                 for v in re.findall(r'\bsz="(\d+)"', z.read(name).decode())]
    assert sizes and min(sizes) >= 1200, sorted(sizes)[:5]


def test_pptx_names_its_own_title_author_and_time_and_regenerates_byte_identically(inputs, monkeypatch):
    from pptx import Presentation

    events, boundaries, index, view = inputs
    monkeypatch.setenv("GEO_AUTHOR", "Watch floor 2")
    first = export("pptx", events, boundaries, view, index=index, generated=GENERATED)
    again = export("pptx", events, boundaries, view, index=index, generated=GENERATED)
    assert first == again
    props = Presentation(io.BytesIO(first)).core_properties
    assert (props.title, props.author, props.last_modified_by) == ("Grid snapshot", "Watch floor 2", "Watch floor 2")
    assert props.created == props.modified == GENERATED.replace(tzinfo=None) and props.revision == 1
    named = export("pptx", events, boundaries, view.replace(author="J. Analyst"), index=index, generated=GENERATED)
    assert Presentation(io.BytesIO(named)).core_properties.author == "J. Analyst"


@pytest.mark.parametrize("fmt", ["html", "gpkg", "pptx", "csv", "geojson", "kml"])
def test_files_regenerate_byte_identically_with_a_generation_time(inputs, fmt):
    events, boundaries, index, view = inputs
    first = export(fmt, events, boundaries, view, index=index, generated=GENERATED)
    assert export(fmt, events, boundaries, view, index=index, generated=GENERATED) == first
    later = GENERATED + dt.timedelta(days=1)
    if fmt in ("html", "gpkg", "pptx"):  # they carry the time
        assert export(fmt, events, boundaries, view, index=index, generated=later) != first


def test_key_events_are_chosen_by_weight_not_date_alone():
    from geo import io as geoio
    from geo.snapshot._draw import key_events

    sample = geoio.read_events(ROOT / "data" / "sample_events.csv").frame
    lines = key_events(sample, 6)
    assert len(lines) == 6
    assert any("Iskander" in line for line in lines) and any("Polonez" in line for line in lines)
    assert [line[:10] for line in lines] == sorted((line[:10] for line in lines), reverse=True)  # latest first
    pair = sample.head(2).assign(date_start=pd.Timestamp("2024-08-10"), category="strike", equipment="",
                                 verification=["claimed", "confirmed"], title=["Claimed one", "Confirmed one"])
    assert key_events(pair, 1) == ["2024-08-10 · Confirmed one (confirmed)"]


def test_pdf_lists_every_source_dated_with_links_on_a_sources_page(inputs, tmp_path):
    events, boundaries, index, view = inputs
    many = events.copy()
    many["source_name"] = [f"Assessment number {i:02d} of a long-named institute, August 2024" for i in range(len(many))]
    many["source_url"] = [f"https://example.org/report/{i}" for i in range(len(many))]
    data = export("pdf", many, boundaries, view, index=index, generated=GENERATED)
    text = _pdftotext(data, tmp_path)
    shown = select(many, view)
    assert text.count("\f") >= 2  # the map page, then the sources
    for name, url in zip(shown["source_name"], shown["source_url"]):
        assert name in text and url in text
    assert f"more of {len(shown)} sources (all on the PDF's sources page" in text
    few = export("pdf", events, boundaries, view, index=index, generated=GENERATED)
    assert _pdftotext(few, tmp_path).count("\f") == 1  # four sources fit the footer: one page


def test_text_from_data_is_drawn_as_written_never_as_mathtext(inputs, tmp_path):
    events, boundaries, index, view = inputs
    odd = events.copy()
    odd["source_name"] = "Cost $5 and $\\frac{"  # an unmatched mathtext command would raise if parsed
    data = export("pdf", odd, boundaries, view.replace(title="Price $x$ rise", labels=True), index=index,
                  generated=GENERATED)
    text = _pdftotext(data, tmp_path)
    assert "Price $x$ rise" in text and "Cost $5 and $\\frac{" in text


def test_html_lists_its_sources_keeps_the_attribution_clear_and_in_opsec_mode_has_no_tile_layer(inputs):
    from geo.render import BASEMAPS

    events, boundaries, index, view = inputs
    page = export("html", events, boundaries, view, index=index, generated=GENERATED).decode("utf-8")
    assert "Sources (4) · generated 2024-08-16 12:00 UTC" in page and "<li>2024-08-06 ISW" in page
    assert ".leaflet-bottom{bottom:18px}" in page  # controls and attribution above the bottom marking
    tiles = [spec["tiles"] for spec in BASEMAPS.values() if spec.get("tiles")]
    assert all(t in page for t in tiles)
    rounded = export("html", events, boundaries, view.replace(opsec_decimals=1), index=index, generated=GENERATED)
    assert not any(t in rounded.decode("utf-8") for t in tiles)


def test_html_is_one_file_without_remote_assets(inputs):
    events, boundaries, index, view = inputs
    page = export("html", events, boundaries, view, index=index).decode("utf-8")
    assert "<script src=\"http" not in page and "<link href=\"http" not in page
    assert "UNCLASSIFIED // FOR TRAINING" in page and "Grid snapshot" in page


@pytest.mark.browser
@pytest.mark.slow
def test_html_opens_offline_in_chromium(inputs, tmp_path):
    from tests.browser_support import need_browser, offline_page

    need_browser()
    events, boundaries, index, view = inputs
    page_html = export("html", events, boundaries, view, index=index).decode("utf-8")
    with offline_page() as (page, blocked):
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.set_content(page_html, wait_until="load")
        page.wait_for_selector(".leaflet-container", timeout=20_000)
        page.wait_for_function("() => document.querySelector('canvas.geo-points') !== null", timeout=20_000)
        assert page.evaluate("typeof L !== 'undefined'")
        assert page.locator(".leaflet-pane path, .leaflet-pane canvas").count() > 1  # boundaries and events
        drawn = page.evaluate("""() => { const c = document.querySelector('canvas.geo-points');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }""")
        assert drawn > 50  # the events
        assert not errors, errors
        assert not blocked, blocked  # nothing asked for the network


# --- data exports -------------------------------------------------------------------------------------


def test_every_data_format_holds_exactly_the_shown_events(inputs, tmp_path):
    import geopandas as gpd

    events, boundaries, index, view = inputs
    view = view.replace(filter=EventFilter(start="2024-08-08", end="2024-08-12"), bbox=(30.0, 50.0, 31.5, 51.0))
    shown = select(events, view)
    assert 0 < len(shown) < len(events)
    want = _ids(shown)
    csv = pd.read_csv(io.BytesIO(export("csv", events, boundaries, view)), encoding="utf-8-sig")
    assert _ids(csv) == want
    for fmt in ("geojson", "gpkg"):
        path = tmp_path / f"e.{fmt}"
        path.write_bytes(export(fmt, events, boundaries, view))
        assert _ids(gpd.read_file(path)) == want
    assert _kml_ids(export("kml", events, boundaries, view)) == want


def test_kml_escapes_text_and_has_timespans(inputs):
    events, boundaries, index, view = inputs
    data = export("kml", events, boundaries, view)
    root = ET.fromstring(data)  # parses: <, & and quotes in titles were escaped
    names = [n.text for n in root.iterfind(".//k:Placemark/k:name", KML_NS)]
    assert 'Event \u20390\u203a & "quoted"' in names  # angle brackets as ‹ ›: a name is never markup (test_export)
    spans = root.findall(".//k:Placemark/k:TimeSpan", KML_NS)
    assert len(spans) == len(names)
    assert spans[0].find("k:begin", KML_NS).text.startswith("2024-08-")


def test_opsec_rounds_coordinates_in_every_data_file(inputs, tmp_path):
    import geopandas as gpd

    events, boundaries, index, view = inputs
    view = view.replace(opsec_decimals=1)
    csv = pd.read_csv(io.BytesIO(export("csv", events, boundaries, view)), encoding="utf-8-sig")
    assert np.allclose(csv["lon"], csv["lon"].round(1)) and np.allclose(csv["lat"], csv["lat"].round(1))
    assert set(csv["coord_precision"]) == {"Coordinates rounded to 1 decimal places (opsec)"}
    path = tmp_path / "e.geojson"
    path.write_bytes(export("geojson", events, boundaries, view))
    gj = gpd.read_file(path)
    assert np.allclose(gj.geometry.x, gj.geometry.x.round(1))
    assert (gj["coord_precision"] == view.opsec_note).all()
    kml = ET.fromstring(export("kml", events, boundaries, view))
    for coords in kml.iterfind(".//k:coordinates", KML_NS):
        lon, lat = (float(v) for v in coords.text.split(","))
        assert lon == round(lon, 1) and lat == round(lat, 1)
    assert "rounded to 1 decimal" in kml.find("k:Document/k:description", KML_NS).text
    raw = pd.read_csv(io.BytesIO(export("csv", events, boundaries, view.replace(opsec_decimals=None))), encoding="utf-8-sig")
    assert "coord_precision" not in raw.columns
    assert not np.allclose(raw["lon"], raw["lon"].round(1))


def test_write_puts_the_view_json_beside_the_export(inputs, tmp_path):
    events, boundaries, index, view = inputs
    out = write(tmp_path / "e.kml", events, boundaries, view, generated=GENERATED)
    saved = View.from_json(view_path(out).read_text(encoding="utf-8"))
    assert saved.replace(store=None, event_ids=(), generated=None) == view  # the view, and its record:
    assert saved.generated == GENERATED.isoformat() and saved.event_ids == tuple(sorted(select(events, view)["id"]))
    assert saved.store == f"sha256:{saved.store[7:23]} ({len(events)} events)"


def test_unknown_format_is_a_clear_error(inputs):
    events, boundaries, index, view = inputs
    with pytest.raises(GeoError, match="format"):
        export("docx", events, boundaries, view)


# --- CLI ----------------------------------------------------------------------------------------------


def test_cli_snapshot_from_the_sample_without_boundaries(tmp_path, monkeypatch, capsys):
    from geo.cli import main

    monkeypatch.setenv("GEO_STORE", str(tmp_path / "empty.gpkg"))
    empty = tmp_path / "gbOpen"
    empty.mkdir()
    args = ["snapshot", "--start", "2024-08-06", "--end", "2024-08-12", "--categories", "ground_combat", "strike",
            "--source", str(empty), "--cache-dir", str(tmp_path / "cache"), "--opsec-decimals", "2",
            "--save-view", str(tmp_path / "v.json")]
    assert main([*args, "--format", "csv", "--out", str(tmp_path / "s.csv")]) == 0
    csv = pd.read_csv(tmp_path / "s.csv", encoding="utf-8-sig")
    assert len(csv) and set(csv["category"]) <= {"ground_combat", "strike"}
    assert np.allclose(csv["lat"], csv["lat"].round(2))
    view = View.from_json((tmp_path / "v.json").read_text(encoding="utf-8"))
    assert view.filter.categories == ("ground_combat", "strike") and view.opsec_decimals == 2
    # the saved view regenerates the same file
    assert main(["snapshot", "--view", str(tmp_path / "v.json"), "--source", str(empty), "--cache-dir",
                 str(tmp_path / "cache"), "--out", str(tmp_path / "again.csv")]) == 0
    assert (tmp_path / "again.csv").read_bytes() == (tmp_path / "s.csv").read_bytes()
    for name in ("s.png", "t.png"):  # a fixed generation time reproduces the file byte for byte
        assert main([*args, "--out", str(tmp_path / name), "--dpi", "40", "--generated", "2024-08-16T12:00"]) == 0
    assert (tmp_path / "s.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "s.png").read_bytes() == (tmp_path / "t.png").read_bytes()
    assert main([*args, "--out", str(tmp_path / "s.docx")]) == 1
    assert "expected --format" in capsys.readouterr().err


def test_a_saved_view_records_its_inputs_and_regenerates_the_same_file_with_its_areas(tmp_path, monkeypatch, capsys):
    import json

    from geo.cli import main

    monkeypatch.setenv("GEO_STORE", str(tmp_path / "empty.gpkg"))
    empty = tmp_path / "gbOpen"
    empty.mkdir()
    area = tmp_path / "2024-08-12.geojson"  # an area around the sample's Sudzha events
    area.write_text(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {
        "name": "Assessed advance"}, "geometry": {"type": "Polygon", "coordinates": [
            [[35.0, 51.0], [35.6, 51.0], [35.6, 51.4], [35.0, 51.4], [35.0, 51.0]]]}}]}), encoding="utf-8")
    common = ["--source", str(empty), "--cache-dir", str(tmp_path / "cache")]
    assert main(["snapshot", "--start", "2024-08-06", "--end", "2024-08-20", "--layers", "events", "areas",
                 "--areas", str(area), "--generated", "2024-08-20T18:00Z", "--save-view", str(tmp_path / "v.json"),
                 "--out", str(tmp_path / "a.html"), *common]) == 0
    saved = json.loads((tmp_path / "v.json").read_text(encoding="utf-8"))
    assert saved["areas"] == [str(area)] and len(saved["area_sha256"][0]) == 64
    assert saved["generated"] == "2024-08-20T18:00:00+00:00" and saved["store"].startswith("sha256:")
    assert len(saved["event_ids"]) > 3 and "Assessed advance" in (tmp_path / "a.html").read_text(encoding="utf-8")
    # the view alone (no --areas, no --generated) gives the same file, areas included
    again = ["snapshot", "--view", str(tmp_path / "v.json"), "--out", str(tmp_path / "b.html"), *common]
    assert main(again) == 0
    assert (tmp_path / "b.html").read_bytes() == (tmp_path / "a.html").read_bytes()
    assert "since the view was saved" not in capsys.readouterr().err  # nothing changed
    area.write_text(area.read_text(encoding="utf-8").replace("Assessed advance", "Revised"), encoding="utf-8")
    assert main(again) == 0
    assert f"area file {area} changed since the view was saved" in capsys.readouterr().err
    assert main([*again[:-2], "--categories", "strike", *common]) == 0  # fewer events than recorded
    assert "the events shown changed since the view was saved" in capsys.readouterr().err


def test_the_same_view_json_regenerates_identical_static_exports(inputs):
    events, boundaries, index, view = inputs
    again = View.from_json(view.to_json())
    for fmt in ("png", "pdf", "svg"):
        first = export(fmt, events, boundaries, view, index=index, generated=GENERATED)
        assert export(fmt, events, boundaries, again, index=index, generated=GENERATED) == first, fmt


def test_pptx_shapes_do_not_overlap(inputs):
    from pptx import Presentation

    events, boundaries, index, view = inputs
    slide = Presentation(io.BytesIO(export("pptx", events, boundaries, view, index=index))).slides[0]
    boxes = [(s.name, s.left, s.top, s.left + s.width, s.top + s.height) for s in slide.shapes]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            overlap = min(a[3], b[3]) - max(a[1], b[1]) > 0 and min(a[4], b[4]) - max(a[2], b[2]) > 0
            assert not overlap, (a, b)


@pytest.mark.parametrize(("orientation", "words"), [("landscape", 12), ("landscape", 60), ("portrait", 30)])
def test_a_long_title_wraps_inside_the_page_and_the_window_is_still_stated(inputs, orientation, words):
    events, boundaries, index, view = inputs
    title = " ".join(["Reported Belarusian deployments near the border"] * words)[: words * 8]
    fig = render_figure(events, boundaries, view.replace(title=title, orientation=orientation), index=index,
                        generated=GENERATED)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    tax = fig.axes[2]  # marking, marking, then the title
    drawn = next(t for t in tax.texts if t.get_fontweight() == "bold")
    box, window = drawn.get_window_extent(renderer), next(t for t in tax.texts if t.get_text().startswith("Window"))
    assert box.x0 >= page.x0 and box.x1 <= page.x1 and drawn.get_text().count("\n") <= 1
    assert not box.overlaps(window.get_window_extent(renderer))
    assert drawn.get_fontsize() >= 12


def test_a_numbered_key_too_long_for_the_page_is_listed_whole_in_the_pdf(inputs, tmp_path):
    events, boundaries, index, view = inputs
    data = export("pdf", events, boundaries, view.replace(numbered=True), index=index, generated=GENERATED)
    text = _pdftotext(data, tmp_path)
    page_one, rest = text.split("\f", 1)
    assert "more (all on the PDF's key page)" in page_one and "Numbered events" in rest
    shown = select(events, view).sort_values(["date_start", "id"])
    for k, title in enumerate(shown["title"], start=1):
        assert f"{k}. " in rest and title.split(" ")[0] in rest
    last = len(shown)
    assert f"{last}. {shown['date_start'].iloc[-1]:%d %b}" in " ".join(rest.split())
