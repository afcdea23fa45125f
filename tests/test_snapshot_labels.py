"""Place names on the static snapshot (geo/snapshot/_labels.py): the live map's ``labels`` layer, chosen by
geo.render.labels' rule at the map's scale and placed without overlaps inside the frame."""

from __future__ import annotations

import itertools
import time

import pytest
from matplotlib.text import Annotation
from snapshot_factories import GENERATED, snapshot_inputs

from geo.cli import main
from geo.render import LAYERS
from geo.render.labels import LABEL_CLASSES, label_table, labels_at
from geo.snapshot import ALL_LAYERS, BASE_LAYERS, DEFAULT_LAYERS, View, render_figure
from geo.snapshot._labels import MIN_POINTS, _style, map_zoom
from tests.boundary_factories import write_gbopen_mirror


@pytest.fixture(scope="module")
def inputs():
    return snapshot_inputs()


def _figure(inputs, **changes):
    events, boundaries, index, view = inputs
    return render_figure(events, boundaries, view.replace(**changes), index=index, generated=GENERATED)


def _map_axes(fig):
    return fig.axes[3]  # marking, marking, title, then the map


def _place_texts(fig) -> list[Annotation]:
    return [t for t in _map_axes(fig).texts if str(t.get_gid() or "").startswith("place-")]


def _drawn_boxes(fig, artists):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return [a.get_window_extent(renderer) for a in artists]


def _meet(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def _assert_clear(fig):
    """No two drawn place names meet, each lies inside the map's frame, none meets an event label or the
    scale bar / north arrow / projection note."""
    ax = _map_axes(fig)
    places = _place_texts(fig)
    others = [t for t in ax.texts if t not in places and t.get_text()]
    boxes = _drawn_boxes(fig, places)
    other_boxes = _drawn_boxes(fig, others)
    frame = ax.get_window_extent(fig.canvas.get_renderer())
    for box in boxes:
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
    for (i, a), (j, b) in itertools.combinations(enumerate(boxes), 2):
        assert not _meet(a, b), (places[i].get_text(), places[j].get_text())
    for p, box in zip(places, boxes, strict=True):
        hits = [o.get_text() for o, ob in zip(others, other_boxes, strict=True) if _meet(box, ob)]
        assert not hits, (p.get_text(), hits)


# --- the layer ----------------------------------------------------------------------------------------


def test_place_names_are_a_base_layer_shown_by_default_like_the_app_map():
    assert "labels" in BASE_LAYERS and "labels" in ALL_LAYERS
    assert ("labels" in DEFAULT_LAYERS) is LAYERS["labels"].show is True
    assert "labels" in View().layers


def test_the_view_json_keeps_the_layer_apart_from_event_labels():
    view = View(layers=("countries", "labels"), labels=False)
    again = View.from_json(view.to_json())
    assert again.layers == ("countries", "labels") and again.labels is False
    assert View.from_json(View(layers=("countries",), labels=True).to_json()).layers == ("countries",)


@pytest.mark.parametrize("layers", [(*BASE_LAYERS, "events"), ("countries", "oblasts", "events")])
def test_place_names_are_drawn_only_when_the_layer_is_on(inputs, layers):
    fig = _figure(inputs, layers=layers, labels=False)
    on = "labels" in layers
    assert bool(fig.snapshot_places) is on
    assert bool(_place_texts(fig)) is on
    if on:  # the grid's oblasts are named (its raions where there is room)
        assert {"AAA N Oblast", "BBB S Oblast"} <= {p.text for p in fig.snapshot_places}
        assert [t.get_text() for t in _place_texts(fig)] == [p.text.upper() if p.cls == "oblast" else p.text
                                                             for p in fig.snapshot_places]


def test_the_labels_chosen_are_the_rules_at_the_maps_zoom(inputs):
    events, boundaries, index, view = inputs
    # without events (the towns and districts of events are named first: test below, on the real places)
    fig = render_figure(events.iloc[0:0], boundaries, view.replace(labels=False), index=index, generated=GENERATED,
                        selected=True)
    ax = _map_axes(fig)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert ax.place_zoom == pytest.approx(map_zoom(ax, (x0, y0, x1, y1), 50.5), abs=0.01)
    allowed = set(labels_at(label_table(boundaries), ax.place_zoom)["text"])
    drawn = [p.text for p in fig.snapshot_places]
    assert drawn and set(drawn) <= allowed
    order = list(label_table(boundaries)["text"])
    assert drawn == sorted(drawn, key=order.index)  # placed in the rule's priority order


@pytest.mark.parametrize(
    ("changes"),
    [
        {},
        {"bbox": (29.9, 49.9, 32.1, 51.1)},
        {"bbox": (30.6, 50.4, 31.4, 50.9), "orientation": "portrait"},
        {"bbox": (29.0, 49.5, 33.0, 51.5), "paper": "Letter", "dpi": 100},
        {"labels": True},  # event labels drawn first: place names yield
    ],
)
def test_no_two_place_names_meet_and_none_leaves_the_map(inputs, changes):
    fig = _figure(inputs, **{"labels": False, **changes})
    assert fig.snapshot_places
    _assert_clear(fig)


def test_place_names_are_readable_at_page_size(inputs):
    fig = _figure(inputs, labels=False)
    sizes = {t.get_gid(): t.get_fontsize() for t in _place_texts(fig)}
    assert sizes and min(sizes.values()) >= MIN_POINTS
    assert sizes["place-oblast"] > 8
    assert all(t.get_path_effects() for t in _place_texts(fig))  # every name has its halo
    points = {c["name"]: _style(c, MIN_POINTS).get_size() for c in LABEL_CLASSES}
    assert min(points.values()) >= MIN_POINTS
    assert points["country"] > points["oblast"] and points["city"] > points["small town"]


def test_cli_layers_take_place_names(tmp_path, monkeypatch):
    mirror = write_gbopen_mirror(tmp_path / "mirror")
    monkeypatch.setenv("GEO_BOUNDARIES_SOURCE", str(mirror))
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GEO_COUNTRIES", "AAA,BBB")
    monkeypatch.setenv("GEO_STORE", str(tmp_path / "store.gpkg"))
    common = ["snapshot", "--bbox=-0.5,-0.5,4.5,2.5", "--generated", "2024-08-16T12:00Z", "--format", "svg"]
    assert main([*common, "--layers", "countries", "labels", "--out", str(tmp_path / "on.svg"),
                 "--save-view", str(tmp_path / "on.json")]) == 0
    assert main([*common, "--layers", "countries", "--out", str(tmp_path / "off.svg")]) == 0
    assert 'id="place-' in (tmp_path / "on.svg").read_text(encoding="utf-8")
    assert 'id="place-' not in (tmp_path / "off.svg").read_text(encoding="utf-8")
    assert View.from_json((tmp_path / "on.json").read_text(encoding="utf-8")).layers == ("countries", "labels")


# --- the real mirror ----------------------------------------------------------------------------------

KURSK_GOMEL = (30.0, 50.2, 37.5, 53.6)
SUDZHA = (34.6, 50.85, 36.0, 51.55)


@pytest.fixture(scope="module")
def real_view():
    return View(title="Place names", labels=False, dpi=100)


def _real_figure(real_boundaries, view, bbox, **changes):
    events = snapshot_inputs()[0].iloc[0:0]  # no events: the map of places alone
    return render_figure(events, real_boundaries, view.replace(bbox=bbox, **changes), generated=GENERATED,
                         selected=True)


@pytest.mark.shared
@pytest.mark.slow
def test_the_kursk_gomel_map_names_its_cities(real_boundaries, real_view):
    _real_figure(real_boundaries, real_view, KURSK_GOMEL)  # warm: the place index is built once per boundaries
    start = time.perf_counter()
    fig = _real_figure(real_boundaries, real_view, KURSK_GOMEL)
    took = time.perf_counter() - start
    names = {p.text for p in fig.snapshot_places}
    assert {"Kursk", "Bryansk", "Gomel", "Chernihiv"} <= names, names
    _assert_clear(fig)
    assert took < 5.0, f"snapshot with place names took {took:.2f} s"


@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.parametrize("changes", [{}, {"orientation": "portrait"}])
def test_a_map_zoomed_on_sudzha_names_sudzha(real_boundaries, real_view, changes):
    fig = _real_figure(real_boundaries, real_view, SUDZHA, **changes)
    names = {p.text for p in fig.snapshot_places}
    assert "Sudzha" in names, names
    assert {p.cls for p in fig.snapshot_places} >= {"raion", "small town"}
    _assert_clear(fig)


@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.parametrize("bbox", [(22.0, 44.0, 42.0, 57.0), (27.0, 50.0, 33.0, 54.0), (35.0, 51.0, 36.5, 52.0)])
def test_real_place_names_never_meet(real_boundaries, real_view, bbox):
    fig = _real_figure(real_boundaries, real_view, bbox)
    assert len(fig.snapshot_places) >= 5
    _assert_clear(fig)


@pytest.fixture(scope="module")
def real_sample(real_boundaries):
    """The shipped sample events, joined to the real boundaries as the app and the CLI join them."""
    from pathlib import Path

    from geo import join
    from geo.io import read_events

    sample = read_events(Path(__file__).resolve().parents[1] / "data" / "sample_events.csv").frame
    return join.enrich(sample, join.prepare(real_boundaries))


@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.parametrize(("bbox", "named"), [
    ((33.5, 50.6, 38.4, 52.5), {"Sudzha", "Korenevo"}),  # Kursk oblast: the small towns where the fighting is
    ((27.0, 50.5, 37.0, 54.5), {"Kostyukovichi", "Sudzha"}),  # the whole case: the district's seat, the town
])
def test_the_towns_where_events_are_and_the_seats_of_outlined_districts_are_named(
        real_boundaries, real_sample, real_view, bbox, named):
    fig = render_figure(real_sample, real_boundaries, real_view.replace(bbox=bbox), generated=GENERATED)
    names = {p.text for p in fig.snapshot_places}
    assert named <= names, names
    _assert_clear(fig)
    bare = _real_figure(real_boundaries, real_view, bbox)  # without the events, the map's own scale decides
    assert not named <= {p.text for p in bare.snapshot_places}
