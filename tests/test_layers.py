"""The layer registry: described once (geo.layers), drawn by the live map and the snapshot alike."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from geo import layers
from geo.render import LAYERS as LEAFLET
from geo.snapshot import ALL_LAYERS, BASE_LAYERS, DEFAULT_LAYERS, EVENT_LAYERS

ROOT = Path(__file__).resolve().parents[1]


def test_the_live_map_draws_every_registry_layer_as_described():
    assert list(LEAFLET) == list(layers.LAYERS)
    for name, layer in layers.LAYERS.items():
        spec = LEAFLET[name]
        assert (spec.title, spec.show, spec.group, spec.order, spec.needs_data) == (
            layer.title, layer.show, layer.group, layer.order, layer.needs_data)
        assert callable(spec.builder)


def test_the_snapshot_offers_the_registry_with_its_defaults():
    assert (*layers.BASE, *layers.EVENT) == ALL_LAYERS and set(ALL_LAYERS) == set(layers.LAYERS)
    assert tuple(n for n, d in layers.LAYERS.items() if d.group == "base") == BASE_LAYERS
    assert tuple(n for n, d in layers.LAYERS.items() if d.group == "events") == EVENT_LAYERS
    assert tuple(n for n, d in layers.LAYERS.items() if d.show) == DEFAULT_LAYERS
    assert "heatmap" not in DEFAULT_LAYERS and "labels" in DEFAULT_LAYERS


def test_reading_the_registry_and_the_view_costs_no_renderer():
    code = ("import sys, geo.layers, geo.snapshot, geo.formats\n"
            "assert not {'folium', 'matplotlib'} & set(sys.modules), sorted({'folium', 'matplotlib'} & set(sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-1500:]
