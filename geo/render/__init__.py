"""Maps: folium layers from declarative specs, drawn by a small JS runtime from compact payloads.

The Streamlit app calls :func:`base_map` once (boundaries, tiles, controls: cache it) and
:func:`event_layers` whenever the filters change (``st_folium(feature_group_to_add=...)``), so the base
map is never rebuilt. :func:`build_map` puts both together (exports, benchmarks, tests).

Registry names (:data:`LAYERS`): base ``countries``, ``oblasts``, ``raions``, ``border_districts``,
``labels`` (place names: :mod:`geo.render.labels`); dynamic ``events``, ``deployments``, ``ranges``, ``heatmap``, ``choropleth``, ``areas``. Base tiles
(:data:`BASEMAPS`): ``light``, ``standard``, ``satellite``, ``none``. Each registry layer is one group
(:class:`~geo.render._elements.GeoGroup`) that starts shown or hidden as :attr:`LayerSpec.show` says, unless
the analyst ticked it otherwise in the browser tab: the runtime keeps those ticks across the groups
streamlit-folium swaps in on every rerun.

Payload: events are encoded once (16 bytes per event before base64, texts only for small windows) and
drawn on canvas in the browser; above :data:`POINTS_MAX` events the map shows grid cells instead.
Every text from data reaches the page as an escaped JSON literal and is shown with ``textContent``.

folium is imported with the first name of this package that needs it (:func:`build_map`, :func:`base_map`...,
from :mod:`geo.render._map`): the rules both renderers share (:mod:`~geo.render.style`, :mod:`~geo.render.rings`,
:mod:`~geo.render.ranges`, :mod:`~geo.render.labels`) import without it, so a drawn export or a CLI command
does not pay for folium.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from geo.render._map import (
        BASEMAPS,
        DRAW_STYLE,
        FULL_TEXT_MAX,
        KIND_LABELS,
        LAYERS,
        MAP_BUNDLE,
        MAX_RINGS,
        POINTS_MAX,
        RING_COLOURS,
        LayerSpec,
        base_map,
        build_map,
        class_breaks,
        clicked_events,
        event_layers,
        fit_bounds,
        geodesic_ring,
        keep_display_layers,
        keep_label_table,
        legend_html,
        load_ranges,
        payload_sizes,
        restore_group,
        ring_origins,
        selection_group,
        stable_names,
        to_mgrs,
    )

__all__ = [
    "BASEMAPS",
    "FULL_TEXT_MAX",
    "KIND_LABELS",
    "LAYERS",
    "MAX_RINGS",
    "POINTS_MAX",
    "RING_COLOURS",
    "LayerSpec",
    "MAP_BUNDLE",
    "DRAW_STYLE",
    "base_map",
    "build_map",
    "class_breaks",
    "clicked_events",
    "event_layers",
    "fit_bounds",
    "geodesic_ring",
    "keep_display_layers",
    "keep_label_table",
    "legend_html",
    "load_ranges",
    "payload_sizes",
    "selection_group",
    "restore_group",
    "stable_names",
    "ring_origins",
    "to_mgrs",
]


#: Where each exported name lives: only the modules under ``_map``, ``_layers``, ``_drawing`` import folium.
_HOME: Final[dict[str, str]] = {
    "BASEMAPS": "_map",
    "FULL_TEXT_MAX": "_events",
    "KIND_LABELS": "rings",
    "LAYERS": "_layers",
    "MAX_RINGS": "rings",
    "POINTS_MAX": "_events",
    "RING_COLOURS": "rings",
    "LayerSpec": "_layers",
    "MAP_BUNDLE": "_map",
    "DRAW_STYLE": "style",
    "base_map": "_map",
    "build_map": "_map",
    "class_breaks": "style",
    "clicked_events": "_map",
    "event_layers": "_map",
    "fit_bounds": "_map",
    "geodesic_ring": "ranges",
    "keep_display_layers": "_geometry",
    "keep_label_table": "labels",
    "legend_html": "legend",
    "load_ranges": "ranges",
    "payload_sizes": "_map",
    "selection_group": "_map",
    "restore_group": "_drawing",
    "stable_names": "_map",
    "ring_origins": "rings",
    "to_mgrs": "mgrs",
}


def __getattr__(name: str) -> Any:
    """An exported name, its module imported on first use."""
    if name in _HOME:
        value = getattr(importlib.import_module(f"geo.render.{_HOME[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'geo.render' has no attribute {name!r}")
