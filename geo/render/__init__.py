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
    from geo.render._drawing import (
        restore_group as restore_group,
    )
    from geo.render._events import (
        CELL_SIZES as CELL_SIZES,
        FULL_TEXT_MAX as FULL_TEXT_MAX,
        POINTS_MAX as POINTS_MAX,
        StoreGrid as StoreGrid,
        grid_cell as grid_cell,
    )
    from geo.render._geometry import (
        keep_display_layers as keep_display_layers,
    )
    from geo.render._layers import (
        LAYERS as LAYERS,
        LayerSpec as LayerSpec,
    )
    from geo.render._map import (
        BASEMAPS as BASEMAPS,
        MAP_BUNDLE as MAP_BUNDLE,
        base_map as base_map,
        build_map as build_map,
        clicked_events as clicked_events,
        event_layers as event_layers,
        fit_bounds as fit_bounds,
        payload_sizes as payload_sizes,
        selection_group as selection_group,
        stable_names as stable_names,
    )
    from geo.render.labels import (
        keep_label_table as keep_label_table,
    )
    from geo.render.legend import (
        legend_html as legend_html,
    )
    from geo.render.mgrs import (
        to_mgrs as to_mgrs,
    )
    from geo.render.ranges import (
        geodesic_ring as geodesic_ring,
        load_ranges as load_ranges,
    )
    from geo.render.rings import (
        KIND_LABELS as KIND_LABELS,
        MAX_RINGS as MAX_RINGS,
        RING_COLOURS as RING_COLOURS,
        ring_origins as ring_origins,
        ring_sources as ring_sources,
    )
    from geo.render.style import (
        DRAW_STYLE as DRAW_STYLE,
        class_breaks as class_breaks,
    )

#: Where each exported name lives: only the modules under ``_map``, ``_layers``, ``_drawing`` import folium.
_HOME: Final[dict[str, str]] = {
    "BASEMAPS": "_map",
    "CELL_SIZES": "_events",
    "FULL_TEXT_MAX": "_events",
    "KIND_LABELS": "rings",
    "LAYERS": "_layers",
    "MAX_RINGS": "rings",
    "POINTS_MAX": "_events",
    "StoreGrid": "_events",
    "grid_cell": "_events",
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
    "ring_sources": "rings",
    "to_mgrs": "mgrs",
}

__all__ = [*_HOME]  # the names above, each imported on first use


def __getattr__(name: str) -> Any:
    """An exported name, its module imported on first use."""
    if name in _HOME:
        value = getattr(importlib.import_module(f"geo.render.{_HOME[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'geo.render' has no attribute {name!r}")
