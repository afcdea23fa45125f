"""Briefing snapshots: the current view (extent, layers, filters, window) as static and data exports.

* :class:`View` is a small frozen value, saved as JSON (:meth:`View.to_json`) beside every export, so the
  same JSON regenerates the same export.
* :func:`render_figure` draws the view with matplotlib (:mod:`geo.snapshot._draw`: vector layers only,
  never tiles, in a Lambert azimuthal equal-area projection centred on the extent, every element of the
  page in its own region).
* :func:`export` returns bytes for ``png svg pdf pptx html csv geojson gpkg kml``; :func:`write` writes
  them and the view's JSON.

matplotlib is imported with the first drawn export, not with this package: the app imports it at start
and should not wait for a plotting library it needs only when the analyst exports.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pandas as pd

from geo import formats
from geo.formats import FORMATS
from geo.snapshot._extent import extent_presets, preset_extent
from geo.snapshot._kml import KML_BALLOON, kml_label, kml_text, to_kml
from geo.snapshot._view import (
    ALL_LAYERS,
    BASE_LAYERS,
    DEFAULT_LAYERS,
    DEFAULT_MARKING,
    DERIVED_KM,
    EVENT_LAYERS,
    PAPER_INCHES,
    SLIDE_PICTURE,
    View,
    changes_since,
    events_fingerprint,
    opsec,
    opsec_warnings,
    recorded,
    select,
    view_path,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "ALL_LAYERS", "BASE_LAYERS", "DEFAULT_LAYERS", "DEFAULT_MARKING", "DERIVED_KM", "EVENT_LAYERS", "FORMATS",
    "KML_BALLOON", "PAPER_INCHES", "SLIDE_PICTURE", "View", "changes_since", "events_fingerprint", "export",
    "extent_presets", "kml_label", "kml_text", "opsec", "opsec_warnings", "preset_extent", "recorded", "render_figure",
    "select", "to_kml", "view_path", "write",
]


def _drawing() -> ModuleType:
    from geo.snapshot import _draw

    return _draw


def render_figure(
    events: pd.DataFrame,
    boundaries: Any,
    view: View,
    *,
    index: Any = None,
    generated: dt.datetime | None = None,
    ranges: pd.DataFrame | None = None,
    max_labels: int = 40,
    selected: bool = False,
    areas: Any = None,
    layout: str = "page",
    units: pd.DataFrame | None = None,
) -> Figure:
    """The snapshot as a matplotlib Figure (page size from ``view.paper``/``orientation``).

    ``events``: canonical (ideally joined) events, filtered here by ``view``; ``index``: the
    :class:`geo.join.AdminIndex` (border districts); ``generated``: the time printed in the footer (UTC
    now by default; tests pass a fixed one); ``selected``: ``events`` are already :func:`select`-ed;
    ``ranges``: the weapon ranges table (default ``data/weapon_ranges.csv``); ``areas``: the dated area
    table (``geo.areas``), drawn as of the end of the window; ``layout``: ``page`` (the whole briefing page)
    or ``slide`` (map, inset and legend only, at :data:`SLIDE_PICTURE`, for a slide that has the rest);
    ``units``: unit positions (:mod:`geo.units`), drawn as of the end of the window (layer ``units``).
    """
    figure: Figure = _drawing().render_figure(
        events, boundaries, view, index=index, generated=generated, ranges=ranges, max_labels=max_labels,
        selected=selected, areas=areas, layout=layout, units=units)
    return figure


def export(
    fmt: str,
    events: pd.DataFrame,
    boundaries: Any,
    view: View,
    *,
    index: Any = None,
    generated: dt.datetime | None = None,
    areas: Any = None,
    ranges: pd.DataFrame | None = None,
    units: pd.DataFrame | None = None,
) -> bytes:
    """The snapshot of ``view`` in format ``fmt`` (a name of :data:`geo.formats.FORMATS`) as bytes.

    ``areas``: the dated area table (:class:`geo.areas.AreaStore`), shown as of the end of the window
    when ``view.layers`` has ``areas``; ``ranges``: the weapon ranges table (default the shipped one).

    ``units``: unit positions (:mod:`geo.units`), drawn as of the end of the window (layer ``units``; rounded
    like the events under opsec).

    Data formats hold exactly the events shown (:func:`select`), with lon/lat and the distances derived
    from them rounded when ``view.opsec_decimals`` is set (:func:`opsec`; a ``coord_precision``
    column/property says so), and the import provenance only when ``view.provenance``.
    """
    writer = formats.get(fmt).writer
    shown = opsec(select(events, view), view, index)
    if units is not None and view.opsec_decimals is not None:  # unit positions are rounded as the events are
        step = view.opsec_decimals
        units = units.assign(lat=units["lat"].round(step), lon=units["lon"].round(step))
    return writer(formats.Job(shown, boundaries, view, index=index, generated=generated, areas=areas, ranges=ranges,
                              units=units))


def write(
    path: str | Path,
    events: pd.DataFrame,
    boundaries: Any,
    view: View,
    *,
    fmt: str | None = None,
    index: Any = None,
    generated: dt.datetime | None = None,
    save_view: str | Path | bool | None = True,
    areas: Any = None,
    ranges: pd.DataFrame | None = None,
    units: pd.DataFrame | None = None,
) -> Path:
    """Write the export (format from ``fmt`` or the extension) and, unless ``save_view`` is falsy, its View
    JSON (to ``save_view`` or ``FILE.view.json``) with the export's record (:func:`recorded`: generation time,
    the events' fingerprint and ids, the area files' sha256), from which the same file regenerates."""
    out = Path(path)
    if fmt is None:
        by_name = formats.by_extension(out.suffix)
        fmt = by_name.name if by_name is not None else out.suffix
    data = export(fmt, events, boundaries, view, index=index, generated=generated, areas=areas, ranges=ranges,
                  units=units)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    if save_view:
        target = view_path(out) if save_view is True else Path(save_view)
        target.write_text(recorded(view, events, generated=generated).to_json(), encoding="utf-8")
    return out
