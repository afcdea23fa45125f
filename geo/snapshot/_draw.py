"""Snapshots drawn with matplotlib and written in every format (the package's :func:`geo.snapshot.export`
and :func:`geo.snapshot.render_figure` call into this module; it is imported with the first drawn export,
so that the app starts without matplotlib).

* :func:`render_figure` draws the view with matplotlib (its own Agg canvas: pyplot's backend is left
  alone; vector layers only, never tiles) in a
  Lambert azimuthal equal-area projection centred on the extent: boundaries, events (colour *and* marker
  shape per category, fill per verification, so it reads in greyscale), deployments with a symbol per
  kind, admin-precision events as their unit outline, legend (only what is shown), geodesic scale bar,
  north arrow, inset locator, footer (sources, boundary attribution, generation time, opsec note) and the
  marking at top and bottom; every element has its own fixed region of the page (no overlaps).
* :func:`export` returns bytes for ``png svg pdf pptx html csv geojson gpkg kml``.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import io
import math
import os
import textwrap
from collections.abc import Callable
from typing import Any, Final

import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.transforms import Bbox
from pyproj import Geod, Transformer

from geo.areas import for_window
from geo.errors import GeoError
from geo.formats import Job
from geo.places import label_points
from geo.render.style import DRAW_STYLE
from geo.snapshot import _overlays as _ov
from geo.snapshot._geometry import exteriors as _exteriors, project as _project
from geo.snapshot._labels import symbol_boxes
from geo.snapshot._layers import INK, Canvas, draw_last, draw_layers, prepare
from geo.snapshot._view import (
    BASE_LAYERS,
    EVENT_LAYERS,
    PAPER_INCHES,
    SLIDE_PICTURE,
    View,
    _floats,
    _located,
    _text,
    select,
)

#: Text from data (titles, sources, names) is drawn as written: never as mathtext ("$x$", or an error for "$\\frac{").
_PLAIN_TEXT: Final = {"text.parse_math": False}
#: The smallest type on a printed page (points): legend, footer, inset, notes, event labels.
MIN_PRINT_PT: Final = 7.0


def _sources(events: pd.DataFrame) -> list[str]:
    """The sources of ``events``, each once, in the order of :func:`source_list`."""
    return [name for name, _day, _urls in source_list(events)]


def source_list(events: pd.DataFrame) -> list[tuple[str, str, list[str]]]:
    """Every source of ``events``, once: (name, first day it reports in the window as YYYY-MM-DD or "",
    its URLs), sorted by that day (the source's own publication day when known, else its events' start),
    then by name."""
    if not len(events):
        return []
    names = _text(events, "source_name").str.strip()
    urls = _text(events, "source_url").str.strip()
    days = pd.to_datetime(events["source_date"], errors="coerce") if "source_date" in events.columns else None
    start = pd.to_datetime(events["date_start"], errors="coerce") if "date_start" in events.columns else None
    day = days if days is not None else start
    if days is not None and start is not None:
        day = days.fillna(start)
    frame = pd.DataFrame({"name": names.to_numpy(), "url": urls.to_numpy(),
                          "day": day.to_numpy() if day is not None else pd.NaT})
    frame = frame.loc[frame["name"] != ""]
    out = []
    for name, rows in frame.groupby("name", sort=False):
        first = rows["day"].min()
        found = [u for u in dict.fromkeys(rows["url"]) if u]
        out.append((str(name), "" if pd.isna(first) else f"{first:%Y-%m-%d}", found))
    return sorted(out, key=lambda s: (s[1] == "", s[1], s[0].casefold()))


# --- projection and extent ----------------------------------------------------------------------------


def _extent(events: pd.DataFrame, boundaries: Any, view: View) -> tuple[float, float, float, float]:
    if view.bbox is not None:
        return view.bbox
    located = _located(events)
    if located.any():
        lon, lat = _floats(events, "lon")[located], _floats(events, "lat")[located]
        w, e, s, n = lon.min(), lon.max(), lat.min(), lat.max()
        pad_x, pad_y = max((e - w) * 0.08, 0.1), max((n - s) * 0.08, 0.08)
        return (float(w - pad_x), float(s - pad_y), float(e + pad_x), float(n + pad_y))
    adm0 = getattr(boundaries, "adm0", None)
    if adm0 is not None and len(adm0):
        w, s, e, n = (float(v) for v in adm0.total_bounds)
        return (w, s, e, n)
    return (23.0, 44.0, 41.0, 57.0)


def _laea(lon0: float, lat0: float) -> str:
    return f"+proj=laea +lat_0={lat0:.4f} +lon_0={lon0:.4f} +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"


def _projected_box(extent: tuple[float, float, float, float], tf: Transformer) -> tuple[float, float, float, float]:
    w, s, e, n = extent
    xs = np.concatenate([np.linspace(w, e, 21), np.full(21, e), np.linspace(w, e, 21), np.full(21, w)])
    ys = np.concatenate([np.full(21, s), np.linspace(s, n, 21), np.full(21, n), np.linspace(s, n, 21)])
    px, py = tf.transform(xs, ys)
    return float(np.min(px)), float(np.min(py)), float(np.max(px)), float(np.max(py))


def _fit_aspect(box: tuple[float, float, float, float], aspect: float) -> tuple[float, float, float, float]:
    """``box`` grown (never shrunk) to width/height = ``aspect``."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    if w / h < aspect:
        grow = (h * aspect - w) / 2
        return x0 - grow, y0, x1 + grow, y1
    grow = (w / aspect - h) / 2
    return x0, y0 - grow, x1, y1 + grow


# --- the figure ---------------------------------------------------------------------------------------

#: Page regions in figure fractions [left, bottom, width, height]. The legend and the inset are panels
#: inside the map's frame (as on a QGIS print layout or an ISW map: the map takes three quarters of the page);
#: ``clear`` is the part of the map no panel covers, which the extent is fitted to, and where the events, the
#: furniture and every label go. Other regions never overlap.
_REGIONS: Final = {
    "landscape": {
        "marking_top": [0.0, 0.97, 1.0, 0.03],
        "title": [0.02, 0.893, 0.96, 0.074],
        "map": [0.01, 0.112, 0.98, 0.778],
        "clear": [0.01, 0.112, 0.741, 0.778],
        "inset": [0.757, 0.643, 0.228, 0.242],
        "legend": [0.757, 0.117, 0.228, 0.518],
        "footer": [0.02, 0.027, 0.96, 0.083],
        "marking_bottom": [0.0, 0.0, 1.0, 0.026],
    },
    "portrait": {
        "marking_top": [0.0, 0.978, 1.0, 0.022],
        "title": [0.03, 0.918, 0.94, 0.058],
        "map": [0.02, 0.105, 0.96, 0.81],
        "clear": [0.02, 0.322, 0.96, 0.593],
        "inset": [0.027, 0.11, 0.30, 0.205],
        "legend": [0.337, 0.11, 0.636, 0.205],
        "footer": [0.03, 0.022, 0.94, 0.081],
        "marking_bottom": [0.0, 0.0, 1.0, 0.02],
    },
    # the picture on a slide: the map alone, placed at its native size; the slide carries the rest (title,
    # marking, footer, and the legend as slide text: :func:`to_pptx`)
    "slide": {
        "map": [0.0, 0.0, 1.0, 1.0],
        "clear": [0.0, 0.0, 1.0, 1.0],
    },
}
#: The smallest type on a slide at its native size (points).
MIN_SLIDE_PT: Final = 12.0


def _page_size(view: View) -> tuple[float, float]:
    w, h = PAPER_INCHES[view.paper]
    return (w, h) if view.orientation == "landscape" else (h, w)


def _nice(value: float) -> float:
    """The largest 1/2/5 x 10^k not above ``value``."""
    if value <= 0:
        return 1.0
    exp = math.floor(math.log10(value))
    for m in (5, 2, 1):
        if m * 10**exp <= value:
            return m * 10**exp
    return 10**exp


#: Metres in a statute mile.
MILE_M: Final = 1609.344


def _scale_bar(c: Canvas, centre: tuple[float, float]) -> None:
    """Two scale bars in the lower left of the map's clear part, kilometres above and miles below, their
    lengths measured geodesically (pyproj.Geod) at the map's centre latitude."""
    ax, tf = c.ax, c.tf
    x0, y0, x1, y1 = c.clear
    lon_c, lat_c = centre
    geod = Geod(ellps="WGS84")
    cx, cy = tf.transform(lon_c, lat_c)
    probe = (x1 - x0) / 10
    lon_a, lat_a = tf.transform(cx - probe / 2, cy, direction="INVERSE")
    lon_b, lat_b = tf.transform(cx + probe / 2, cy, direction="INVERSE")
    metres = geod.inv(lon_a, lat_a, lon_b, lat_b)[2]
    per_unit = metres / probe  # ground metres per map unit at the centre
    km = _nice((x1 - x0) * per_unit / 1000 / 4.5)
    miles = _nice((x1 - x0) * per_unit / MILE_M / 4.5)
    text_h = c.pt * 1.25 * c.per_pt  # one line of the smallest type, in map units
    bx, by = x0 + (x1 - x0) * 0.03, y0 + text_h * 1.5 + (y1 - y0) * 0.015
    bh = max((y1 - y0) * 0.009, c.per_pt * 3)
    lengths = {"km": km * 1000 / per_unit, "mi": miles * MILE_M / per_unit}
    width = max(lengths.values())
    pad = (x1 - x0) * 0.01
    ax.add_patch(Rectangle((bx - pad, by - bh * 1.2 - text_h * 1.3), width + 5 * pad + c.pt * 2.5 * c.per_pt,
                           bh * 2.2 + text_h * 2.8, facecolor="white", edgecolor="none", alpha=0.8, zorder=20))
    for (unit, length), top, value in ((("km", lengths["km"]), by, km), (("mi", lengths["mi"]), by - bh * 1.2, miles)):
        for k in range(4):
            ax.add_patch(Rectangle((bx + k * length / 4, top), length / 4, bh, zorder=21, linewidth=0.6,
                                   facecolor=INK if (k % 2 == 0) == (unit == "km") else "white", edgecolor=INK))
        above = unit == "km"  # kilometres labelled above their bar, miles below theirs
        y_text, va = (top + bh * 1.6, "bottom") if above else (top - bh * 0.6, "top")
        ax.text(bx, y_text, "0", fontsize=c.pt, ha="center", va=va, zorder=22)
        ax.text(bx + length, y_text, f"{value:g} {unit}", fontsize=c.pt, ha="center", va=va, zorder=22)
    ax.scale_km, ax.scale_mi = km, miles  # for tests


def _north_arrow(c: Canvas) -> None:
    """An arrow pointing to true north where it stands (upper right of the clear part): the projection's
    meridians converge, so away from the centre north is not straight up."""
    x0, y0, x1, y1 = c.clear
    length = max((y1 - y0) * 0.09, c.pt * 3.5 * c.per_pt)
    tail = (x1 - (x1 - x0) * 0.045, y1 - length * 0.45 - (y1 - y0) * 0.02)
    tail = (tail[0], tail[1] - length * 0.6)
    lon, lat = c.tf.transform(*tail, direction="INVERSE")
    nx, ny = c.tf.transform(lon, min(lat + 0.05, 89.9))
    angle = math.atan2(nx - tail[0], ny - tail[1])  # from up, clockwise
    head = (tail[0] + length * math.sin(angle), tail[1] + length * math.cos(angle))
    c.ax.annotate("", xy=head, xytext=tail, xycoords="data",
                  arrowprops={"facecolor": INK, "edgecolor": INK, "width": 2.5, "headwidth": 9, "headlength": 9},
                  zorder=22)
    c.ax.text(tail[0] - length * 0.28 * math.sin(angle), tail[1] - length * 0.28 * math.cos(angle), "N",
              ha="center", va="top", fontsize=c.pt + 2, fontweight="bold", zorder=22,
              bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})


#: Events listed per country in a callout; the rest are counted ("+ 3 more").
CALLOUT_LINES: Final = 4


def _country_callouts(c: Canvas, rows: np.ndarray) -> None:
    """One box per country listing its events known only to the country (date, title, verification): no
    symbol, no ring, as the place is not known. The box goes at the country's label point when it covers no
    event symbol, label or other box there, else in the least crowded corner of the map's clear part, with a
    thin leader line to the country's label point (kept inside the map)."""
    ax = c.ax
    events = c.shown.iloc[rows]
    iso = _text(events, "adm0_iso").to_numpy(dtype=object)
    names = _text(events, "adm0_name").to_numpy(dtype=object)
    titles = _text(events, "title").to_numpy(dtype=object)
    vers = _text(events, "verification", "reported").to_numpy(dtype=object)
    days = pd.to_datetime(events["date_start"], errors="coerce") if "date_start" in events.columns else None
    order = np.argsort(days.to_numpy().astype("int64"), kind="stable") if days is not None else np.arange(len(events))
    w, s, e, n = c.clear
    renderer = ax.figure.canvas.get_renderer()
    furniture = [  # drawn later: the scale bars (lower left), north arrow (upper right), projection note
        (w, s, w + 0.3 * (e - w), s + 0.16 * (n - s)), (e - 0.08 * (e - w), n - 0.2 * (n - s), e, n),
        (e - 0.4 * (e - w), s, e, s + 0.04 * (n - s))]
    boxes = [*(t.get_window_extent(renderer) for t in ax.texts),
             *(Bbox(ax.transData.transform([(a, b), (cc, d)])) for a, b, cc, d in furniture)]
    symbols = symbol_boxes(ax, min_zorder=3.0)
    texts = np.array([(b.x0, b.y0, b.x1, b.y1) for b in boxes], dtype=float).reshape(-1, 4)
    obstacles = np.vstack([symbols, texts])
    weight = np.concatenate([np.full(len(symbols), 10), np.ones(len(texts), dtype=int)])  # an event above a name
    adm0 = getattr(c.boundaries, "adm0", None)
    chars = max(24, int((e - w) / c.per_pt * 0.42 / (c.pt * 0.56)))
    per_country = CALLOUT_LINES if c.pt <= MIN_PRINT_PT else CALLOUT_LINES - 2  # slide type is large
    for country in dict.fromkeys(iso[order]):
        mine = [int(i) for i in order if iso[i] == country]
        name = next((str(names[i]) for i in mine if names[i]), str(country) or "Country")
        lines = []
        for i in mine[:per_country]:
            day = f"{days.iloc[i]:%d %b}: " if days is not None and not pd.isna(days.iloc[i]) else ""
            lines.append(f"{day}{textwrap.shorten(str(titles[i]) or 'event', 60, placeholder='…')} ({vers[i]})")
        if len(mine) > per_country:
            lines.append(f"+ {len(mine) - per_country} more (listed in the data exports)")
        body = "\n".join(wrapped for line in lines for wrapped in textwrap.wrap(line, chars, subsequent_indent="   "))
        text = f"{name}: known only to the country\n{body}"
        # the country's label point (its stated points' mean when the country is not loaded)
        ax_, ay_ = float(np.nanmean(c.sx[rows[mine]])), float(np.nanmean(c.sy[rows[mine]]))
        if adm0 is not None and len(adm0) and "iso3" in adm0.columns:
            hit = adm0.loc[adm0["iso3"].astype(str) == str(country)]
            if len(hit):
                lon, lat = label_points(np.asarray(hit.geometry.to_numpy(), dtype=object)[:1])
                ax_, ay_ = (float(v[0]) for v in c.tf.transform(lon, lat))
        mid_x, mid_y = (w + e) / 2, (s + n) / 2
        candidates = [(ax_, ay_), (w, n), (w, s), (e, n), (e, s), (w, mid_y), (e, mid_y), (mid_x, n), (mid_x, s)]
        best: tuple[int, int, Any] | None = None
        for k, (cx, cy) in enumerate(candidates):
            cx = float(np.clip(cx, w + 0.02 * (e - w), e - 0.02 * (e - w)))
            cy = float(np.clip(cy, s + 0.02 * (n - s), n - 0.02 * (n - s)))
            ha = "left" if cx < mid_x - 0.1 * (e - w) else "right" if cx > mid_x + 0.1 * (e - w) else "center"
            va = "bottom" if cy < mid_y - 0.1 * (n - s) else "top" if cy > mid_y + 0.1 * (n - s) else "center"
            artist = ax.text(cx, cy, text, ha=ha, va=va, fontsize=c.pt, color=INK, zorder=21, clip_on=True,
                             linespacing=1.25, bbox={"facecolor": "white", "edgecolor": INK, "linewidth": 0.8,
                                                     "alpha": 0.92, "boxstyle": "round,pad=0.4"})
            ext = artist.get_window_extent(renderer).expanded(1.05, 1.1)
            covered = int(weight[(obstacles[:, 0] < ext.x1) & (obstacles[:, 2] > ext.x0)
                                 & (obstacles[:, 1] < ext.y1) & (obstacles[:, 3] > ext.y0)].sum())
            if best is None or covered < best[0]:
                if best is not None:
                    best[2].remove()
                best = (covered, k, artist)
            else:
                artist.remove()
            if covered == 0:
                break
        if best is None:
            continue
        ext = best[2].get_window_extent(renderer)
        obstacles = np.vstack([obstacles, [(ext.x0, ext.y0, ext.x1, ext.y1)]])
        weight = np.append(weight, 10)
        anchor = ax.transData.transform((ax_, ay_))
        inside = c.frame.contains(*anchor)
        if best[1] > 0 and inside and not ext.contains(*anchor):  # moved to a corner: a leader to the country
            near = (float(np.clip(anchor[0], ext.x0, ext.x1)), float(np.clip(anchor[1], ext.y0, ext.y1)))
            start = ax.transData.inverted().transform(near)
            ax.plot([start[0], ax_], [start[1], ay_], color=INK, linewidth=0.7, zorder=20.5, gid="callout-leader")
            ax.scatter([ax_], [ay_], s=9, c=INK, marker="o", linewidths=0, zorder=20.6)


#: Where an event's label may go, tried in turn (offset from its symbol in points, alignment).
_LABEL_SPOTS: Final = (((5, 4), "left", "bottom"), ((5, -4), "left", "top"), ((-5, 4), "right", "bottom"),
                       ((-5, -4), "right", "top"))


def _event_labels(c: Canvas, texts: np.ndarray, order: np.ndarray, max_labels: int) -> list[int]:
    """``texts[r]`` beside each symbol ``r`` of ``order`` (in that order), at the first of :data:`_LABEL_SPOTS`
    where it meets no other label and stays inside the map's clear part; a symbol with no free spot (or beyond
    ``max_labels``) gets none. Returns the rows left out."""
    ax, x, y, box, frame = c.ax, c.px, c.py, c.clear, c.frame
    renderer = ax.figure.canvas.get_renderer()
    placed: list[Any] = []
    left_out: list[int] = []
    for r in order:
        if not (box[0] <= x[r] <= box[2] and box[1] <= y[r] <= box[3]):
            continue
        if len(placed) >= max_labels:
            left_out.append(int(r))
            continue
        for offset, ha, va in _LABEL_SPOTS:
            label = ax.annotate(str(texts[r]), (x[r], y[r]), xytext=offset, textcoords="offset points", ha=ha, va=va,
                                fontsize=c.pt, zorder=9, clip_on=True,
                                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 0.6})
            ext = label.get_window_extent(renderer)
            inside = ext.x0 >= frame.x0 and ext.x1 <= frame.x1 and ext.y0 >= frame.y0 and ext.y1 <= frame.y1
            if inside and not any(ext.overlaps(other) for other in placed):
                placed.append(ext)
                break
            label.remove()
        else:
            left_out.append(int(r))
    return left_out


def _number_entries(shown: pd.DataFrame, numbered: list[int], unplaced: set[int]) -> list[str]:
    """The key of the numbered events: "N. day · title (verification)", in their numbers' order."""
    days = pd.to_datetime(shown["date_start"], errors="coerce") if "date_start" in shown.columns else None
    titles = _text(shown, "title").to_numpy(dtype=object)
    vers = _text(shown, "verification").to_numpy(dtype=object)
    entries = []
    for k, r in enumerate(numbered, start=1):
        day = f"{days.iloc[r]:%d %b}" if days is not None and not pd.isna(days.iloc[r]) else "undated"
        entries.append(f"{k}. {day} · {titles[r] or 'event'} ({vers[r] or 'reported'})" + (
            " [not numbered on the map: crowded]" if r in unplaced else ""))
    return entries


def _number_key(ax: Any, entries: list[str], pt: float) -> bool:
    """The numbered events' key in the panel ``ax``, as many entries as fit at ``pt``; True when some were left
    out (the PDF lists them all on a key page)."""
    renderer = ax.figure.canvas.get_renderer()
    region = ax.get_window_extent(renderer)
    width = max(20, int(region.width * 72 / ax.figure.dpi / (pt * 0.56)) - 2)
    capacity = max(1, int(region.height * 72 / ax.figure.dpi / (pt * 1.3)) - 2)
    ax.text(0.03, 0.97, "Numbered events", transform=ax.transAxes, ha="left", va="top", fontsize=pt,
            fontweight="bold", color=INK)
    lines = [""]
    truncated = False
    for k, entry in enumerate(entries, start=1):
        wrapped = textwrap.wrap(entry, width, subsequent_indent="    ")
        if len(lines) + len(wrapped) > capacity:
            lines.append(f"… and {len(entries) - k + 1} more (all on the PDF's key page)")
            truncated = True
            break
        lines += wrapped
    ax.text(0.03, 0.97, "\n".join(lines), transform=ax.transAxes, ha="left", va="top", fontsize=pt,
            linespacing=1.3, color=INK)
    ax.texts[-1].set_gid("number-key")
    return truncated


def _locator(ix: Any, boundaries: Any, region: list[float], page: tuple[float, float], corners: tuple[Any, Any],
             centre: tuple[float, float], box: tuple[float, float, float, float], tf: Transformer) -> None:
    """The inset locator in ``ix``: the loaded countries, named, around the map's extent (its rectangle)."""
    clon, clat = corners
    lon_c, lat_c = centre
    fig_w, fig_h = page
    ix.set_facecolor("#f4f4f0")
    adm0 = getattr(boundaries, "adm0", None)
    inset_geoms = np.asarray(adm0.geometry.to_numpy(), dtype=object) if adm0 is not None and len(adm0) else np.empty(0, object)
    # the overview: the countries around the extent (a window of at least 16 x 10 degrees, so a huge
    # country such as Russia does not shrink the extent rectangle to a dot)
    half_w = max((max(clon) - min(clon)) * 2.0, 8.0)
    half_h = max((max(clat) - min(clat)) * 2.0, 5.0)
    window = shapely.box(lon_c - half_w, max(lat_c - half_h, -85), lon_c + half_w, min(lat_c + half_h, 85))
    if len(inset_geoms):
        hit = shapely.intersects(inset_geoms, window)
        adm0 = adm0.loc[hit]
        inset_geoms = shapely.clip_by_rect(shapely.simplify(inset_geoms[hit], 0.02), *window.bounds)
    if len(inset_geoms):
        itf = Transformer.from_crs("EPSG:4326", _laea(lon_c, lat_c), always_xy=True)
        proj = _project(inset_geoms, itf)
        polys = _exteriors(proj)
        ix.add_collection(PolyCollection(polys, facecolors="#e2e2dc", edgecolors="#555555", linewidths=0.5))
        names = adm0["name"].astype("string").fillna("") if "name" in adm0.columns else adm0["iso3"].astype("string")
        for iso, name, g in zip(adm0["iso3"].astype(str), names, proj):
            if g is None or g.is_empty:
                continue
            p = shapely.point_on_surface(g)  # the country's name (its code when the layer has none)
            ix.text(p.x, p.y, str(name) or iso, fontsize=MIN_PRINT_PT, ha="center", va="center", color="#333333",
                    clip_on=True)
        ib = shapely.total_bounds(proj)
    else:
        itf = tf
        ib = np.array(box)
    # the extent rectangle, drawn in the inset's projection
    ex = _projected_box((min(clon), min(clat), max(clon), max(clat)), itf)
    ib = (min(ib[0], ex[0]), min(ib[1], ex[1]), max(ib[2], ex[2]), max(ib[3], ex[3]))
    l_, b_, w_, h_ = region
    ib = _fit_aspect(ib, (w_ * fig_w) / (h_ * fig_h))
    pad = (ib[2] - ib[0]) * 0.03
    ix.set_xlim(ib[0] - pad, ib[2] + pad)
    ix.set_ylim(ib[1] - pad, ib[3] + pad)
    ix.set_aspect("equal", adjustable="box")
    ix.add_patch(Rectangle((ex[0], ex[1]), ex[2] - ex[0], ex[3] - ex[1], fill=False, edgecolor="#c00000", linewidth=1.4))
    ix.text(0.02, 0.97, "Location", transform=ix.transAxes, fontsize=MIN_PRINT_PT, ha="left", va="top",
            fontweight="bold", bbox={"facecolor": "#f4f4f0", "edgecolor": "none", "alpha": 0.85, "pad": 0.8})


def _title_lines(title: str, width_in: float) -> tuple[str, float]:
    """``title`` wrapped to the title region's width in at most two lines, at 15 pt, else 12 pt, else shortened
    with "…" at 12 pt (the window below it is always stated)."""
    for size in (15.0, 12.0):
        chars = int(width_in * 72 / (size * 0.62))  # bold DejaVu Sans
        lines = textwrap.wrap(title, chars)
        if len(lines) <= (1 if size == 15.0 else 2):
            return "\n".join(lines), size
    return "\n".join(textwrap.wrap(title, chars, max_lines=2, placeholder=" …")), 12.0


def _graticule(c: Canvas, lonlat: tuple[float, float, float, float]) -> None:
    """Meridians and parallels every 1/2/5 x 10^k degrees (about four to eight across the map), followed in the
    projection (they curve away from the centre), each labelled where it meets the left or bottom edge of the
    map's clear part."""
    ax, tf = c.ax, c.tf
    w, s, e, n = lonlat
    step = _nice(max(e - w, n - s) / 5) or 1.0
    frame = shapely.box(*c.clear)
    lines, labels = [], []
    for lon in np.arange(math.floor(w / step) * step, e + step, step):
        lat = np.linspace(s - step, n + step, 120)
        labels.append((f"{abs(lon):g}°{'E' if lon >= 0 else 'W'}", "bottom"))
        lines.append(np.column_stack(tf.transform(np.full_like(lat, lon), lat)))
    for lat0 in np.arange(math.floor(s / step) * step, n + step, step):
        lon = np.linspace(w - step, e + step, 120)
        labels.append((f"{abs(lat0):g}°{'N' if lat0 >= 0 else 'S'}", "left"))
        lines.append(np.column_stack(tf.transform(lon, np.full_like(lon, lat0))))
    ax.add_collection(LineCollection(lines, colors="#6f8fa8", linewidths=0.5, alpha=0.8, zorder=2.5))
    x0, y0, x1, y1 = c.clear
    for line, (text, edge) in zip(lines, labels):
        cut = shapely.intersection(shapely.LineString(line), frame.exterior)
        points = shapely.get_coordinates(cut)
        if not len(points):
            continue
        if edge == "bottom":
            points = points[np.abs(points[:, 1] - y0) < (y1 - y0) * 1e-6]
            at, kw = (points[0] if len(points) else None), {"ha": "center", "va": "bottom"}
        else:
            points = points[np.abs(points[:, 0] - x0) < (x1 - x0) * 1e-6]
            at, kw = (points[0] if len(points) else None), {"ha": "left", "va": "center"}
        if at is not None:
            ax.text(at[0], at[1], text, fontsize=c.pt, color="#3d5a73", zorder=8, clip_on=True, **kw,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.75, "pad": 0.5})


#: The MGRS grid's ink: dark slate, apart from the graticule's blue-grey and every layer's colours.
MGRS_INK: Final = "#3b4a5a"


def _mgrs_grid(c: Canvas, lonlat: tuple[float, float, float, float]) -> None:
    """The MGRS 100 km grid over the map: in each UTM zone the map touches, the lines of every 100 km of
    easting and northing (followed in the map's projection: they bend and end at the zone's edge), the zone
    and latitude-band edges thicker, and each square labelled in its lower left corner ("36U UA")."""
    from geo.render.mgrs import to_mgrs

    w, s, e, n = lonlat
    lines: list[np.ndarray] = []
    edges: list[np.ndarray] = []
    labels: list[tuple[float, float, str]] = []
    hemispheres = [(max(s, 0.0), min(n, 84.0), 32600)] if n > 0 else []
    if s < 0:
        hemispheres.append((max(s, -80.0), min(n, 0.0), 32700))
    for lat0, lat1, base in hemispheres:
        if lat1 <= lat0:
            continue
        for zone in range(int(math.floor((w + 180) / 6)) + 1, int(math.floor((e + 180) / 6)) + 2):
            z0, z1 = -180.0 + 6 * (zone - 1), -180.0 + 6 * zone
            zw, ze = max(w, z0), min(e, z1)
            if ze <= zw or not 1 <= zone <= 60:
                continue
            utm = Transformer.from_crs("EPSG:4326", f"EPSG:{base + zone}", always_xy=True)
            lon_b = np.concatenate([np.linspace(zw, ze, 40), np.full(40, ze), np.linspace(zw, ze, 40), np.full(40, zw)])
            lat_b = np.concatenate([np.full(40, lat0), np.linspace(lat0, lat1, 40), np.full(40, lat1), np.linspace(lat0, lat1, 40)])
            ex, ny = utm.transform(lon_b, lat_b)
            e_lo, e_hi = math.floor(min(ex) / 1e5) * 1e5, math.ceil(max(ex) / 1e5) * 1e5
            n_lo, n_hi = math.floor(min(ny) / 1e5) * 1e5, math.ceil(max(ny) / 1e5) * 1e5
            steps = np.linspace(0.0, 1.0, 160)

            runs = [(np.full_like(steps, east), n_lo + steps * (n_hi - n_lo)) for east in np.arange(e_lo, e_hi + 1, 1e5)]
            runs += [(e_lo + steps * (e_hi - e_lo), np.full_like(steps, north)) for north in np.arange(n_lo, n_hi + 1, 1e5)]
            for east_m, north_m in runs:  # each line followed inside the zone (and hemisphere) only
                lon, lat = utm.transform(east_m, north_m, direction="INVERSE")
                inside = np.flatnonzero((lon >= z0) & (lon <= z1) & (lat >= lat0) & (lat <= lat1))
                for run in np.split(inside, np.flatnonzero(np.diff(inside) > 1) + 1):
                    if len(run) > 1:
                        lines.append(np.column_stack(c.tf.transform(lon[run], lat[run])))
            for east in np.arange(e_lo, e_hi, 1e5):  # a label in each square's lower left corner
                for north in np.arange(n_lo, n_hi, 1e5):
                    lon, lat = utm.transform(east + 4e3, north + 4e3, direction="INVERSE")
                    if z0 <= lon < z1 and lat0 <= lat < lat1:  # named as its corner reads (a band edge splits one)
                        x, y = c.tf.transform(lon, lat)
                        labels.append((float(x), float(y), to_mgrs(float(lat), float(lon), 0)))
            if w < z0 < e:  # the zone's western edge
                lat = np.linspace(lat0, lat1, 80)
                edges.append(np.column_stack(c.tf.transform(np.full_like(lat, z0), lat)))
        for band in np.arange(math.ceil(lat0 / 8) * 8, lat1, 8.0):  # latitude-band edges
            if lat0 < band < lat1:
                lon = np.linspace(w, e, 120)
                edges.append(np.column_stack(c.tf.transform(lon, np.full_like(lon, band))))
    c.ax.add_collection(LineCollection(lines, colors=MGRS_INK, linewidths=0.45, alpha=0.75, zorder=2.55,
                                       gid="mgrs-lines"))
    if edges:
        c.ax.add_collection(LineCollection(edges, colors=MGRS_INK, linewidths=1.2, alpha=0.8, zorder=2.56,
                                           gid="mgrs-zones"))
    x0, y0, x1, y1 = c.clear
    for x, y, text in labels:
        if x0 <= x <= x1 - 40 * c.per_pt and y0 <= y <= y1 - 2 * c.pt * c.per_pt and text:
            c.ax.text(x, y, text, fontsize=c.pt, color=MGRS_INK, ha="left", va="bottom", zorder=8, gid="mgrs-label",
                      clip_on=True, bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.6, "pad": 0.3})


def _panel(ax: Any, face: str = "white") -> None:
    """A framed panel over the map (legend, inset): opaque, a thin grey frame, no ticks."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor(face)
    ax.set_zorder(5)
    for spine in ax.spines.values():
        spine.set_edgecolor("#777777")
        spine.set_linewidth(0.6)


def _plain_text(draw: Callable[..., Figure]) -> Callable[..., Figure]:
    """``draw`` under :data:`_PLAIN_TEXT`: every text it creates is drawn as written."""

    @functools.wraps(draw)
    def wrapped(*args: Any, **kwargs: Any) -> Figure:
        with matplotlib.rc_context(_PLAIN_TEXT):
            return draw(*args, **kwargs)

    return wrapped


def _frame_box(extent_box: tuple[float, float, float, float], regions: dict[str, list[float]],
               page: tuple[float, float]) -> tuple[float, float, float, float]:
    """The map frame's projected box: ``extent_box`` grown to the clear part's shape, and the frame around it
    (the panels' side of the map beyond it)."""
    fig_w, fig_h = page
    ml, mb, mw, mh = regions["map"]
    cl, cb, cw, ch = regions["clear"]
    fitted = _fit_aspect(extent_box, (cw * fig_w) / (ch * fig_h))
    sx, sy = (fitted[2] - fitted[0]) / cw, (fitted[3] - fitted[1]) / ch  # map units per figure fraction
    x0, y0 = fitted[0] - (cl - ml) * sx, fitted[1] - (cb - mb) * sy
    return x0, y0, x0 + mw * sx, y0 + mh * sy


@_plain_text
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
    """The snapshot of ``view`` as a matplotlib Figure: :func:`geo.snapshot.render_figure` says what each
    argument does."""
    if layout not in ("page", "slide"):
        raise GeoError(f"expected layout 'page' or 'slide', got {layout!r}")
    shown = events.reset_index(drop=True) if selected else select(events, view)
    generated = generated or dt.datetime.now(dt.UTC)
    extent = _extent(shown, boundaries, view)
    lon_c, lat_c = (extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2
    tf = Transformer.from_crs("EPSG:4326", _laea(lon_c, lat_c), always_xy=True)

    page = layout == "page"
    fig = Figure(figsize=_page_size(view) if page else SLIDE_PICTURE, dpi=view.dpi)
    FigureCanvasAgg(fig)
    regions = _REGIONS[view.orientation if page else "slide"]
    fig_w, fig_h = fig.get_size_inches()
    pt = MIN_PRINT_PT if page else MIN_SLIDE_PT
    fig.snapshot_layout = layout

    # marking, title, subtitle
    if page:
        for key in ("marking_top", "marking_bottom"):
            ax = fig.add_axes(regions[key])
            ax.set_axis_off()
            ax.text(0.5, 0.5, view.marking, ha="center", va="center", fontsize=9, fontweight="bold", color="#8b0000")
        tax = fig.add_axes(regions["title"])
        tax.set_axis_off()
        title, size = _title_lines(view.title, regions["title"][2] * fig_w)
        tax.text(0.0, 0.98, title, ha="left", va="top", fontsize=size, fontweight="bold", linespacing=1.05)
        tax.text(0.0, 0.0, view.shown_subtitle, ha="left", va="bottom", fontsize=10, color="#333333")

    # the map: the extent fitted to the part no panel covers
    mx = fig.add_axes(regions["map"])
    box = _frame_box(_projected_box(extent, tf), regions, (fig_w, fig_h))
    mx.set_xlim(box[0], box[2])
    mx.set_ylim(box[1], box[3])
    mx.set_aspect("equal", adjustable="box")
    mx.set_xticks([])
    mx.set_yticks([])
    for spine in mx.spines.values():
        spine.set_linewidth(0.8)
    mx.set_facecolor("#fbfbf8")
    ml, mb, mw, mh = regions["map"]
    cl, cb, cw, ch = regions["clear"]
    clear = (box[0] + (cl - ml) / mw * (box[2] - box[0]), box[1] + (cb - mb) / mh * (box[3] - box[1]),
             box[0] + (cl + cw - ml) / mw * (box[2] - box[0]), box[1] + (cb + ch - mb) / mh * (box[3] - box[1]))
    # geographic clip box: the projected frame back in lon/lat, with a margin; the clear part's corners
    corners = np.array([[box[0], box[1]], [box[2], box[1]], [box[2], box[3]], [box[0], box[3]]])
    flon, flat = tf.transform(corners[:, 0], corners[:, 1], direction="INVERSE")
    clip_box = shapely.box(min(flon) - 0.5, min(flat) - 0.3, max(flon) + 0.5, max(flat) + 0.3)
    inner = np.array([[clear[0], clear[1]], [clear[2], clear[1]], [clear[2], clear[3]], [clear[0], clear[3]]])
    clon, clat = tf.transform(inner[:, 0], inner[:, 1], direction="INVERSE")
    tol = (max(flon) - min(flon)) / 5000  # well under a pixel at 300 dpi

    panels = [fig.add_axes(regions[k]) for k in ("inset", "legend") if k in regions]
    for panel in panels:
        _panel(panel)
    renderer = fig.canvas.get_renderer()
    c = prepare(mx, view, shown, boundaries=boundaries, index=index, areas=areas, ranges=ranges, tf=tf, box=box,
                clear=clear, clip_box=clip_box, tol=tol, pt=pt,
                avoid=[p.get_window_extent(renderer) for p in panels], units=units)
    sections = draw_layers(c)

    if (callouts := np.flatnonzero(c.callouts())).size:
        _country_callouts(c, callouts)
    if view.filter.shapes:  # the drawn filter's outline, in the app's drawing colour
        sec = _ov.draw_shapes(mx, view.filter.shapes, tf, clear, DRAW_STYLE["color"])
        if sec is not None:
            sections.insert(next((k for k, s_ in enumerate(sections) if s_[0] == "Boundaries"), len(sections)), sec)

    labels_left_out = 0
    numbered: list[int] = []
    unplaced: set[int] = set()
    symbol_drawn = c.symbols()
    stamps = pd.to_datetime(shown["date_start"], errors="coerce").to_numpy().astype("int64") if len(shown) else np.zeros(0)
    if view.numbered and len(shown):  # ISW style: a number at each symbol, keyed beside the map by date
        ids = _text(shown, "id").to_numpy(dtype=object)
        inside = (c.px >= clear[0]) & (c.px <= clear[2]) & (c.py >= clear[1]) & (c.py <= clear[3])
        numbered = sorted(np.flatnonzero(symbol_drawn & inside).tolist(), key=lambda r: (stamps[r], str(ids[r])))
        numbers = np.array([""] * len(shown), dtype=object)
        for k, r in enumerate(numbered, start=1):
            numbers[r] = str(k)
        unplaced = set(_event_labels(c, numbers, np.array(numbered, dtype=int), len(numbered)))
    elif view.labels and len(shown):
        titles = np.array([textwrap.shorten(str(t), 34, placeholder="…") for t in _text(shown, "title")], dtype=object)
        latest = np.argsort(-stamps, kind="stable")
        labels_left_out = len(_event_labels(c, titles, latest[symbol_drawn[latest]], max_labels))

    if view.graticule:
        _graticule(c, (min(flon), min(flat), max(flon), max(flat)))
    if view.mgrs_grid:
        _mgrs_grid(c, (min(flon), min(flat), max(flon), max(flat)))
    _scale_bar(c, (lon_c, lat_c))
    _north_arrow(c)
    mx.text(clear[2] - c.per_pt * 2, clear[1] + c.per_pt * 2,
            f"Lambert azimuthal equal-area, centre {lat_c:.2f}N {lon_c:.2f}E", ha="right", va="bottom",
            fontsize=pt, color="#555555", zorder=22,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 0.8})
    fig.snapshot_places = []  # for tests
    draw_last(c)  # place names yield to everything drawn so far

    entries = _number_entries(shown, numbered, unplaced) if view.numbered else []
    fig.snapshot_number_key = (entries, False)  # every entry, and whether the page left some out (to_pdf lists them)
    fig.snapshot_sections = sections  # the legend, for a slide's own legend (to_pptx)
    fig.snapshot_legend = {head: [(h[0] if isinstance(h, tuple) else h).get_label() for h in hs]
                           for head, hs in sections}  # for tests
    fig.snapshot_clear = clear  # for tests: the map's part no panel covers
    fig.snapshot_events = len(shown)  # for tests and the CLI
    fig.snapshot_footer = footer_lines(shown, boundaries, view, generated,
                                       ranges_drawn=any(h.startswith("Weapon ranges") for h, _ in sections))
    if not page:
        return fig

    # inset locator: the loaded countries and the map's extent (numbered events: their key takes its place)
    ix, lx = panels
    if view.numbered:
        fig.snapshot_number_key = (entries, _number_key(ix, entries, pt))
    else:
        _locator(ix, boundaries, regions["inset"], (fig_w, fig_h), (clon, clat), (lon_c, lat_c), clear, tf)

    # legend: only what is shown
    blank = Patch(facecolor="none", edgecolor="none")
    items: list[Any] = []
    labels: list[str] = []
    headings: list[int] = []
    for head, hs in sections:
        headings.append(len(items))
        items.append(blank)
        labels.append(head)
        for h in hs:
            items.append(h)
            labels.append((h[0] if isinstance(h, tuple) else h).get_label())
    if items and not _fit_legend(fig, lx, items, labels, headings):
        # a legend too long for its panel at the type floor takes the locator inset's place (the page's
        # title and window already say where the map is); never smaller type
        il, ib_, iw, ih = regions["inset"]
        ll, lb, lw, lh = regions["legend"]
        fig.delaxes(ix)
        lx.set_position([min(il, ll), min(ib_, lb), max(il + iw, ll + lw) - min(il, ll),
                         max(ib_ + ih, lb + lh) - min(ib_, lb)])
        _fit_legend(fig, lx, items, labels, headings)
    lx.text(0.03, 0.012, f"{len(shown):,} events shown" + (
        f" · {labels_left_out} labels left out where crowded" if labels_left_out else ""),
        transform=lx.transAxes, fontsize=pt, va="bottom")

    fx = fig.add_axes(regions["footer"])
    fx.set_axis_off()
    width_chars = int(regions["footer"][2] * fig_w * 72 / (MIN_PRINT_PT * 0.58))
    sources, attribution, last = fig.snapshot_footer
    src_lines = _source_lines(sources, len(_sources(shown)), width_chars)
    attr_lines = textwrap.wrap(attribution, width_chars, max_lines=2, placeholder=" …")
    fx.text(0.0, 1.0, "\n".join([*src_lines, *attr_lines, last]), ha="left", va="top", fontsize=MIN_PRINT_PT,
            color="#222222", linespacing=1.35, transform=fx.transAxes)
    return fig


#: Lines of sources the page's footer holds; longer lists end with how many more, on the sources page.
FOOTER_SOURCE_LINES: Final = 2


def _source_lines(sources: str, count: int, width: int) -> list[str]:
    """The footer's lines of ``sources`` ("Sources: a; b; ..."): whole when they fit, else the names that fit
    and how many more are listed on the PDF's sources page and in the data exports."""
    lines = textwrap.wrap(sources, width)
    if len(lines) <= FOOTER_SOURCE_LINES:
        return lines
    names = sources.removeprefix("Sources: ").split("; ")
    for keep in range(len(names) - 1, -1, -1):
        tail = (f" … and {len(names) - keep} more of {count} sources (all on the PDF's sources page, dated, "
                "with links)")
        text = "Sources: " + "; ".join(names[:keep]) + tail
        lines = textwrap.wrap(text, width)
        if len(lines) <= FOOTER_SOURCE_LINES:
            return lines
    return textwrap.wrap(f"Sources: {count} (all on the PDF's sources page, dated, with links)", width)


def footer_lines(events: pd.DataFrame, boundaries: Any, view: View, generated: dt.datetime, *,
                 ranges_drawn: bool = False) -> tuple[str, str, str]:
    """(sources of the events shown, boundary attribution, "Generated … · vector layers only …")."""
    sources = _sources(events)
    src_text = "Sources: " + ("; ".join(sources) if sources else "none")
    attribution = (boundaries.attribution() if boundaries is not None and hasattr(boundaries, "attribution") else "")
    if generated.tzinfo:
        stamp = generated.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    else:
        stamp = generated.strftime("%Y-%m-%d %H:%M")
    last = f"Generated {stamp} · vector layers only"
    if ranges_drawn:
        last += " · Ranges: published maximum ranges (data/weapon_ranges.csv), uncertain"
    if view.opsec_note:
        last += f" · {view.opsec_note}"
    return src_text, attribution or "Boundaries: none loaded", last


def _fit_legend(fig: Figure, ax: Any, items: list[Any], labels: list[str], headings: list[int]) -> bool:
    """The legend in the upper part of ``ax`` (the last line is kept for the event count): in one column, or
    two when the region is wide, at the largest font from 8 pt down to :data:`MIN_PRINT_PT` whose box fits the
    region, long entries wrapped to the column's width. False when none fits (the legend is left at the floor)."""
    renderer = fig.canvas.get_renderer()
    region = ax.get_window_extent(renderer)
    reserve = 14 * fig.dpi / 72  # the "N events shown" line
    wide = region.width / fig.dpi > 4.0
    for ncol in (1, 2) if wide else (1,):
        for font in (8.0, 7.5, MIN_PRINT_PT):
            column_pt = region.width * 72 / fig.dpi / ncol
            chars = max(16, int((column_pt - 3.2 * font) / (font * 0.56)))  # less the handle and its padding
            text = [lab if i in headings else textwrap.fill(lab, chars, subsequent_indent=" ")
                    for i, lab in enumerate(labels)]
            legend = ax.legend(items, text, loc="upper left", fontsize=font, frameon=False, borderaxespad=0.5,
                               handler_map=_ov.HANDLER_MAP,
                               handlelength=1.6, labelspacing=0.45, borderpad=0.2, ncol=ncol, columnspacing=1.2)
            texts = legend.get_texts()
            for i in headings:  # section headings in bold (plain text: no mathtext surprises with "-" or "$")
                texts[i].set_fontweight("bold")
            box = legend.get_window_extent(renderer)
            if box.height <= region.height - reserve and box.width <= region.width:
                return True
    return False


# --- exporters ----------------------------------------------------------------------------------------


def _save(fig: Figure, fmt: str, dpi: int | None = None, **kwargs: Any) -> bytes:
    buf = io.BytesIO()
    rc = {"pdf.fonttype": 42, "svg.fonttype": "none", "svg.hashsalt": "geo-snapshot"}
    with matplotlib.rc_context(rc):
        fig.savefig(buf, format=fmt, dpi=dpi or fig.dpi, **kwargs)
    return buf.getvalue()


def to_png(fig: Figure, dpi: int | None = None) -> bytes:
    """The figure as an RGB PNG at ``dpi`` (the figure's own by default). The page is opaque, so the alpha
    channel matplotlib renders is dropped (a tenth smaller and faster to encode); zlib level 3 compresses a
    300 dpi page twice as fast as the default 6, for files about 10 % larger."""
    from PIL import Image

    if dpi is not None and dpi != fig.dpi:
        return _save(fig, "png", dpi, metadata={"Software": None}, pil_kwargs={"compress_level": 3})
    with matplotlib.rc_context({"svg.hashsalt": "geo-snapshot"}):
        fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())
    image = Image.fromarray(np.ascontiguousarray(rgba[..., :3]))
    buf = io.BytesIO()
    image.save(buf, format="png", compress_level=3, dpi=(fig.dpi, fig.dpi))
    return buf.getvalue()


def to_svg(fig: Figure) -> bytes:
    return _save(fig, "svg", metadata={"Date": None})


def to_pdf(fig: Figure, title: str = "", events: pd.DataFrame | None = None, view: View | None = None) -> bytes:
    """PDF at the figure's page size (A4/Letter, landscape/portrait: set by the View); with ``events``, a
    second page lists every source of the events shown (:func:`source_list`: dated, with links) under the
    view's marking, whenever the footer could not hold them all."""
    from matplotlib.backends.backend_pdf import PdfPages

    entries = source_list(events) if events is not None else []
    sources = "Sources: " + "; ".join(name for name, _d, _u in entries)
    width = int(0.96 * fig.get_size_inches()[0] * 72 / (MIN_PRINT_PT * 0.58))
    key, key_cut = getattr(fig, "snapshot_number_key", ([], False))
    pages: list[Figure] = _list_pages("Numbered events", key, fig.get_size_inches(), view) if key_cut else []
    if entries and len(textwrap.wrap(sources, width)) > FOOTER_SOURCE_LINES:
        pages += _source_pages(entries, fig.get_size_inches(), view)
    if not pages:
        return _save(fig, "pdf", metadata={"Title": title, "CreationDate": None, "Creator": "geo-events",
                                           **({"Author": author(view)} if view is not None else {})})
    buf = io.BytesIO()
    with matplotlib.rc_context({"pdf.fonttype": 42, **_PLAIN_TEXT}), PdfPages(
            buf, metadata={"Title": title, "CreationDate": None, "Creator": "geo-events",
                           **({"Author": author(view)} if view is not None else {})}) as pdf:
        pdf.savefig(fig)
        for page in pages:
            pdf.savefig(page)
    return buf.getvalue()


def _source_pages(entries: list[tuple[str, str, list[str]]], size: Any, view: View | None) -> list[Figure]:
    """Pages listing the sources ``entries`` (name, day, URLs)."""
    width = int((float(size[0]) - 1.2) * 72 / (8 * 0.55))
    lines: list[str] = []
    for name, day, urls in entries:
        lines += textwrap.wrap(f"{day or 'undated'}  {name}", width, subsequent_indent="            ")
        lines += [f"            {u}" for u in urls]
    return _list_pages("Sources", lines, size, view, wrap=False)


def _list_pages(heading: str, lines: list[str], size: Any, view: View | None, *, wrap: bool = True) -> list[Figure]:
    """Pages listing ``lines`` (wrapped to the page unless ``wrap`` is off) at 8 pt under ``heading``, the
    marking at top and bottom."""
    w, h = float(size[0]), float(size[1])
    if wrap:
        width = int((w - 1.2) * 72 / (8 * 0.55))
        lines = [part for line in lines for part in textwrap.wrap(line, width, subsequent_indent="    ")]
    per_page = int((h - 1.6) * 72 / (8 * 1.45))
    pages = []
    for k in range(0, len(lines), per_page):
        page = Figure(figsize=(w, h))  # drawn under _PLAIN_TEXT by to_pdf
        FigureCanvasAgg(page)
        marking = view.marking if view is not None else ""
        for y, va in ((1 - 0.15 / h, "top"), (0.15 / h, "bottom")):
            page.text(0.5, y, marking, ha="center", va=va, fontsize=9, fontweight="bold", color="#8b0000")
        head = heading + (f" ({k // per_page + 1})" if len(lines) > per_page else "")
        page.text(0.6 / w, 1 - 0.55 / h, head, ha="left", va="top", fontsize=12, fontweight="bold")
        page.text(0.6 / w, 1 - 0.9 / h, "\n".join(lines[k:k + per_page]), ha="left", va="top", fontsize=8,
                  linespacing=1.45, color=INK)
        pages.append(page)
    return pages


#: How much each verification, and each category, weighs in the choice of key events (:func:`key_events`).
KEY_VERIFICATION: Final = {"confirmed": 3.0, "reported": 2.0, "claimed": 1.0, "disputed": 0.5}
KEY_CATEGORY: Final = {"deployment": 2.0, "strike": 2.0, "territorial_change": 2.0, "ground_combat": 1.5,
                       "airspace_incident": 1.5, "statement": 0.5, "other": 0.5}
#: Added for a deployment that names its equipment or unit (Iskander-M, Polonez, a brigade).
KEY_NAMED_SYSTEM: Final = 1.0


def key_events(events: pd.DataFrame, n: int = 6) -> list[str]:
    """The ``n`` weightiest events as short lines ("2024-08-09 · title (verification)"), latest first.

    Weight: the verification (:data:`KEY_VERIFICATION`) plus the category (:data:`KEY_CATEGORY`, with
    :data:`KEY_NAMED_SYSTEM` more for a deployment naming its equipment or unit) plus recency (0 for the
    window's first day to 1 for its last), so a confirmed strike outranks a claimed one and an order sending
    Iskander launchers outranks the day's statements; ties go to the later event, then the id."""
    if not len(events):
        return []
    day = pd.to_datetime(events["date_start"], errors="coerce") if "date_start" in events.columns else None
    stamp = day.to_numpy(dtype="datetime64[ns]").astype("int64").astype(float) if day is not None else np.zeros(len(events))
    known = day.notna().to_numpy() if day is not None else np.zeros(len(events), bool)
    lo, hi = (stamp[known].min(), stamp[known].max()) if known.any() else (0.0, 0.0)
    recency = np.where(known, (stamp - lo) / (hi - lo) if hi > lo else 1.0, 0.0)
    cats = _text(events, "category", "other").to_numpy(dtype=object)
    vers = _text(events, "verification", "reported").to_numpy(dtype=object)
    named = (_text(events, "equipment").str.strip() != "") | (_text(events, "unit").str.strip() != "")
    weight = (np.array([KEY_VERIFICATION.get(v, 1.0) for v in vers])
              + np.array([KEY_CATEGORY.get(c, 0.5) for c in cats])
              + KEY_NAMED_SYSTEM * ((cats == "deployment") & named.to_numpy())
              + recency)
    ids = _text(events, "id").to_numpy(dtype=object)
    chosen = sorted(range(len(events)), key=lambda i: (-weight[i], -stamp[i] if known[i] else np.inf, str(ids[i])))[:n]
    chosen.sort(key=lambda i: (-stamp[i] if known[i] else np.inf, str(ids[i])))
    titles = _text(events, "title").to_numpy(dtype=object)
    out = []
    for i in chosen:
        when = f"{day.iloc[i]:%Y-%m-%d}" if known[i] else "undated"
        title = textwrap.shorten(str(titles[i] or ids[i] or ""), 90, placeholder="…")
        out.append(f"{when} · {title}" + (f" ({vers[i]})" if vers[i] else ""))
    return out


#: The slide (16:9, inches), where its map picture stands (left, top), and the smallest type on it.
SLIDE_INCHES: Final = (13.333, 7.5)
SLIDE_MAP_AT: Final = (0.3, 1.1)
#: The legend's symbol pictures on a slide (inches).
SLIDE_ICON: Final = (0.32, 0.2)


def _icon(handle: Any) -> bytes:
    """The legend symbol of ``handle`` alone, as a small PNG for a slide's legend (drawn by the legend's own
    handlers, so it is the map's symbol)."""
    fig = Figure(figsize=SLIDE_ICON, dpi=200)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_axis_off()
    ax.legend([handle], [""], loc="center left", frameon=False, handler_map=_ov.HANDLER_MAP, handlelength=2.2,
              handletextpad=0.0, borderpad=0.0, borderaxespad=0.0, fontsize=10)
    return to_png(fig)


def _slide_lines(text: str, width_in: float, pt: float) -> list[str]:
    """``text`` wrapped as a slide's text box of ``width_in`` wraps it at ``pt`` (DejaVu/Calibri widths)."""
    return textwrap.wrap(text, max(8, int(width_in * 72 / (pt * 0.57)))) or [""]


def _slide_text(slide: Any, left: float, top: float, width: float, lines: list[str], *, pt: float = MIN_SLIDE_PT,
                bold: bool = False, colour: tuple[int, int, int] | None = None, align: int | None = None) -> float:
    """A text box of ``lines`` (one paragraph each) at ``pt``, no margins; returns its height (inches)."""
    from pptx.dml.color import RGBColor
    from pptx.util import Inches, Pt

    height = len(lines) * pt * 1.2 / 72
    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    frame = box.text_frame
    frame.word_wrap = True
    frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = 0
    for k, line in enumerate(lines):
        p = frame.paragraphs[0] if k == 0 else frame.add_paragraph()
        p.text = line
        p.font.size, p.font.bold = Pt(pt), bold
        p.line_spacing = 1.0
        if colour is not None:
            p.font.color.rgb = RGBColor(*colour)
        if align is not None:
            p.alignment = align
    return height


def _legend_rows(sections: list[tuple[str, list[Any]]], width: float,
                 max_lines: int = 0) -> list[tuple[str, Any, list[str], float]]:
    """The slide legend's rows: ("head", None, lines, height) and ("entry", handle, lines, height); with
    ``max_lines``, an entry is cut to that many lines ("…")."""
    rows: list[tuple[str, Any, list[str], float]] = []
    line = MIN_SLIDE_PT * 1.2 / 72
    for head, handles in sections:
        heads = _slide_lines(head, width, MIN_SLIDE_PT)
        rows.append(("head", None, heads, len(heads) * line + 0.05))
        for h in handles:
            label = (h[0] if isinstance(h, tuple) else h).get_label()
            lines = _slide_lines(label, width - SLIDE_ICON[0] - 0.06, MIN_SLIDE_PT)
            if max_lines and len(lines) > max_lines:
                lines = [*lines[:max_lines - 1], textwrap.shorten(" ".join(lines[max_lines - 1:]),
                                                                 len(lines[max_lines - 1]), placeholder=" …")]
            rows.append(("entry", h, lines, len(lines) * line + 0.02))
    return rows


def _slide_legend(slide: Any, sections: list[tuple[str, list[Any]]], left: float, top: float, width: float,
                  bottom: float) -> float:
    """The map's legend as slide text beside it (symbols as small pictures): in one column, else two, else two
    with each entry cut to two lines; returns where it ends (inches from the top)."""
    from pptx.util import Inches

    for ncol, max_lines in ((1, 0), (2, 0), (2, 2), (2, 1)):
        col_w = (width - 0.15 * (ncol - 1)) / ncol
        rows = _legend_rows(sections, col_w, max_lines)
        per_col = sum(r[3] for r in rows) / ncol
        columns: list[list[tuple[str, Any, list[str], float]]] = [[]]
        used = 0.0
        for row in rows:  # fill a column up to its share, never leaving a heading at a column's foot
            if ncol > 1 and len(columns) < ncol and used + row[3] > per_col + 0.15 and columns[-1]:
                if columns[-1][-1][0] == "head":
                    columns.append([columns[-1].pop()])
                    used = columns[-1][0][3]
                else:
                    columns.append([])
                    used = 0.0
            columns[-1].append(row)
            used += row[3]
        if max(sum(r[3] for r in col) for col in columns) <= bottom - top or max_lines == 1:
            break
    end = top
    for k, col in enumerate(columns):
        x, y = left + k * (col_w + 0.15), top
        for kind, handle, lines, height in col:
            if kind == "head":
                _slide_text(slide, x, y + 0.05, col_w, lines, bold=True)
            else:
                slide.shapes.add_picture(io.BytesIO(_icon(handle)), Inches(x), Inches(y + 0.01),
                                         Inches(SLIDE_ICON[0]), Inches(SLIDE_ICON[1]))
                _slide_text(slide, x + SLIDE_ICON[0] + 0.06, y, col_w - SLIDE_ICON[0] - 0.06, lines)
            y += height
        end = max(end, y)
    return end


def to_pptx(fig: Figure, events: pd.DataFrame, view: View, boundaries: Any = None, *, top: int = 6,
            generated: dt.datetime | None = None) -> bytes:
    """A 16:9 slide: marking top and bottom, title, the map picture at its native size (drawn with
    ``layout="slide"``: its legend becomes slide text beside it, with the window), the key events under the
    legend when they fit (else on a second slide), a footer (generation time, boundary attribution), sources
    in the notes. No text on it is under :data:`MIN_SLIDE_PT` at the slide's size."""
    from pptx import Presentation
    from pptx.util import Inches, Pt

    prs = Presentation()
    slide_w, slide_h = SLIDE_INCHES
    prs.slide_width, prs.slide_height = Inches(slide_w), Inches(slide_h)
    generated = generated or dt.datetime.now(dt.UTC)
    _sources_line, attribution, last = getattr(fig, "snapshot_footer", None) or footer_lines(
        events, boundaries, view, generated)
    foot = [f"{last} · Sources: in the speaker notes", *_slide_lines(attribution, slide_w - 0.6, MIN_SLIDE_PT)]
    foot_h = len(foot) * MIN_SLIDE_PT * 1.2 / 72
    mark_h = 0.26
    foot_top = slide_h - mark_h - 0.04 - foot_h

    def new_slide(title_text: str) -> Any:
        slide = prs.slides.add_slide(prs.slide_layouts[5])  # title only
        title = slide.shapes.title
        title.text = title_text
        title.left, title.top, title.width, title.height = Inches(0.4), Inches(0.3), Inches(slide_w - 0.8), Inches(0.72)
        title.text_frame.paragraphs[0].font.size = Pt(28 if len(title_text) <= 60 else 20)
        title.text_frame.paragraphs[0].font.bold = True
        title.text_frame.paragraphs[0].alignment = 1  # left
        for y in (0.02, slide_h - mark_h):
            _slide_text(slide, 0.0, y, slide_w, [view.marking], bold=True, colour=(0x8B, 0, 0), align=2)
        _slide_text(slide, 0.3, foot_top, slide_w - 0.6, foot, colour=(0x33, 0x33, 0x33))
        return slide

    slide = new_slide(view.title)
    left, top_in = SLIDE_MAP_AT
    w_in, h_in = (float(v) for v in fig.get_size_inches())
    room = foot_top - 0.08 - top_in
    scale = min(1.0, room / h_in, (slide_w * 0.66) / w_in)  # a slide-layout picture stands at its own size
    png = to_png(fig, dpi=max(fig.dpi, 150))
    slide.shapes.add_picture(io.BytesIO(png), Inches(left), Inches(top_in), Inches(w_in * scale), Inches(h_in * scale))
    pane = left + w_in * scale + 0.25
    pane_w = slide_w - 0.3 - pane
    y = top_in + _slide_text(slide, pane, top_in, pane_w, _slide_lines(view.shown_subtitle, pane_w, 14), pt=14,
                             bold=True) + 0.08
    sections = getattr(fig, "snapshot_sections", None) if getattr(fig, "snapshot_layout", "") == "slide" else None
    if sections:
        y = _slide_legend(slide, sections, pane, y, pane_w, foot_top - 0.08) + 0.1
    entries, _cut = getattr(fig, "snapshot_number_key", ([], False))
    heading = "Numbered events" if entries else "Key events (by verification, kind and recency; latest first)"
    lines = entries or key_events(events, top) or ["No events in the window"]
    bullets = [("• " if not entries else "") + line for line in lines]
    wrapped = [_slide_lines(b, pane_w, MIN_SLIDE_PT) for b in bullets]
    line_h = MIN_SLIDE_PT * 1.2 / 72
    needed = line_h * (_slide_lines(heading, pane_w, MIN_SLIDE_PT).__len__() + sum(len(w) for w in wrapped)) + 0.2
    if y + needed <= foot_top - 0.08:  # under the legend
        y += _slide_text(slide, pane, y, pane_w, _slide_lines(heading, pane_w, MIN_SLIDE_PT), bold=True) + 0.06
        _slide_text(slide, pane, y, pane_w, [part for w in wrapped for part in w])
    else:  # a slide of their own, at the same size, after the map
        more = new_slide(f"{heading.split(' (')[0]}: {view.title}")
        y2 = 1.15
        y2 += _slide_text(more, 0.4, y2, slide_w - 0.8, [view.shown_subtitle], pt=14, bold=True) + 0.12
        _slide_text(more, 0.4, y2, slide_w - 0.8, [part for b in bullets for part in _slide_lines(b, slide_w - 0.8, 14)],
                    pt=14)

    notes = ["Sources (by date):", *(f"- {day or 'undated'} {name}" + "".join(f" {u}" for u in urls)
                                     for name, day, urls in source_list(events))]
    if boundaries is not None and (attr := boundaries.attribution()):
        notes.append(attr)
    if view.opsec_note:
        notes.append(view.opsec_note)
    notes.append(f"{len(events)} events; window {view.window}; marking {view.marking}")
    for s_ in prs.slides:
        s_.notes_slide.notes_text_frame.text = "\n".join(notes)
    props = prs.core_properties  # the file's own properties, not the template's (2013, its author)
    when = generated.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0) if generated.tzinfo else generated
    props.title, props.subject = view.title, view.shown_subtitle
    props.author = props.last_modified_by = author(view)
    props.created = props.modified = props.last_printed = when
    props.revision, props.keywords, props.comments = 1, view.marking, f"{len(events)} events; {view.window}"
    props.category = props.content_status = props.identifier = props.language = props.version = ""
    buf = io.BytesIO()
    prs.save(buf)
    return _zip_at(buf.getvalue(), when)


def author(view: View) -> str:
    """The author a file names: the view's, else ``$GEO_AUTHOR``, else geo-events."""
    return view.author or os.environ.get("GEO_AUTHOR", "").strip() or "geo-events"


def _zip_at(data: bytes, when: dt.datetime) -> bytes:
    """``data`` (a zip: PPTX) with every member stamped ``when`` in a fixed order: the same view and generation
    time give the same bytes."""
    import zipfile

    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=stamp)
            member.compress_type, member.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()


def to_html(events: pd.DataFrame, boundaries: Any, view: View, *, index: Any = None, areas: Any = None,
            ranges: pd.DataFrame | None = None, generated: dt.datetime | None = None,
            units: pd.DataFrame | None = None) -> bytes:
    """One self-contained HTML file (every asset inline, no tiles): the interactive map of the view
    (``areas``: the dated area table, shown as of the end of the window), its marking top and bottom (the
    map's own controls and attribution above the bottom one), and a box listing the sources (dated, linked)
    with the generation time. With opsec rounding the file has no online tile layer at all. Elements are named in tree order, so the same view and ``generated`` give the
    same bytes."""
    import folium

    from geo.assets import standalone_html
    from geo.render import build_map, stable_names

    layers = [n for n in view.layers if n in EVENT_LAYERS]
    _day, shown_areas = for_window(areas, view.filter.end)
    m = build_map(boundaries, events, index=index, basemap="none", fit=view.bbox is None, layers=layers,
                  base_layers=[n for n in view.layers if n in BASE_LAYERS], areas=shown_areas, ranges=ranges,
                  window=(view.filter.start, view.filter.end) if view.filter.start and view.filter.end else None,
                  units=units if "units" in view.layers else None)
    if view.bbox is not None:
        w, s, e, n = view.bbox
        m.fit_bounds([[s, w], [n, e]])
    if view.opsec_decimals is not None:  # no online tile layer at all: its requests would tell a tile server where
        for key in [k for k, child in m._children.items() if isinstance(child, folium.TileLayer)]:
            del m._children[key]
    generated = generated or dt.datetime.now(dt.UTC)
    stamp = generated.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if generated.tzinfo else f"{generated:%Y-%m-%d %H:%M}"
    entries = source_list(events)
    items = "".join(
        f"<li>{html.escape(day or 'undated')} {html.escape(name)}"
        + "".join(f' <a href="{html.escape(u, quote=True)}" rel="noopener noreferrer">{html.escape(u)}</a>'
                  for u in urls if u.lower().startswith(("https://", "http://")))
        + "</li>" for name, day, urls in entries)
    bar = ("position:fixed;left:0;right:0;z-index:1000;text-align:center;font:bold 12px sans-serif;height:18px;"
           "color:#8b0000;background:rgba(255,255,255,.92)")
    head = (
        f'<style>.leaflet-bottom{{bottom:18px}} .geo-sources{{position:fixed;left:60px;top:52px;z-index:1000;'
        'max-width:420px;max-height:40vh;overflow:auto;font:12px sans-serif;background:rgba(255,255,255,.92);'
        'padding:4px 8px;border:1px solid #999}</style>'
        f'<div style="{bar};top:0">{html.escape(view.marking)}</div>'
        '<div style="position:fixed;top:22px;left:60px;z-index:1000;font:14px sans-serif;background:rgba(255,255,255,.85);'
        f'padding:2px 6px"><b>{html.escape(view.title)}</b> · {html.escape(view.shown_subtitle)}'
        + (f" · {html.escape(view.opsec_note)}" if view.opsec_note else "") + "</div>"
        f'<details class="geo-sources"><summary>Sources ({len(entries)}) · generated {html.escape(stamp)} · '
        f'{len(events):,} events</summary><ul>{items}</ul></details>'
        f'<div style="{bar};bottom:0">{html.escape(view.marking)}</div>'
    )
    m.get_root().html.add_child(folium.Element(head))
    stable_names(m.get_root(), "el")
    return standalone_html(m).encode("utf-8")


def write_drawn(name: str, job: Job) -> bytes:
    """The drawn format ``name`` (png, svg, pdf, pptx: :mod:`geo.formats` registers them) of ``job``, whose events
    are already selected and rounded: drawn with the view's extent."""
    fig = render_figure(job.events, job.boundaries, job.view, index=job.index, generated=job.generated,
                        selected=True, areas=job.areas, ranges=job.ranges, layout="slide" if name == "pptx" else "page",
                        units=job.units)
    if name == "png":
        return to_png(fig, job.view.dpi)
    if name == "svg":
        return to_svg(fig)
    if name == "pdf":
        return to_pdf(fig, job.view.title, job.events, job.view)
    if name == "pptx":
        return to_pptx(fig, job.events, job.view, job.boundaries, generated=job.generated)
    raise GeoError(f"expected a drawn format among png, svg, pdf, pptx, got {name!r}")
