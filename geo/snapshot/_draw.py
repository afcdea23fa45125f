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
import re
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
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.path import Path as MPath
from matplotlib.transforms import Bbox
from pyproj import Geod, Transformer

from geo.areas import for_window
from geo.errors import GeoError
from geo.formats import Job
from geo.places import label_points
from geo.render._drawing import DRAW_STYLE
from geo.render._events import deployment_kinds
from geo.render._style import (
    BOUNDARY_STYLES,
    CATEGORY_COLOURS,
    CATEGORY_LABELS,
    SYMBOL_KINDS,
    SYMBOLS,
    VERIFICATION_STYLES,
)
from geo.render.ranges import load_ranges
from geo.schema import CATEGORIES, VERIFICATION
from geo.snapshot import _overlays as _ov
from geo.snapshot._geometry import clip as _clip
from geo.snapshot._geometry import exteriors as _exteriors
from geo.snapshot._geometry import project as _project
from geo.snapshot._geometry import rings as _rings
from geo.snapshot._geometry import shared_borders as _shared_borders
from geo.snapshot._labels import draw_places as _draw_places
from geo.snapshot._labels import symbol_boxes as _symbol_boxes
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

#: Marker shape per category (colour alone does not survive a greyscale printer).
CATEGORY_MARKERS: Final[dict[str, str]] = {
    "deployment": "o",
    "airspace_incident": "^",
    "strike": "D",
    "ground_combat": "o",
    "territorial_change": "s",
    "statement": "p",
    "other": "h",
}
_INK: Final = "#1a1a1a"
#: Text from data (titles, sources, names) is drawn as written: never as mathtext ("$x$", or an error for "$\\frac{").
_PLAIN_TEXT: Final = {"text.parse_math": False}
#: Two countries' traces of one border nearer than this (metres) are printed as one line.
BORDER_RECONCILE_M: Final = 2500.0
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


# --- geometry to matplotlib ---------------------------------------------------------------------------


def _svg_marker(path: str) -> MPath:
    """A matplotlib marker from the small SVG paths of :data:`SYMBOLS` (M L H V Z and half-circle A)."""
    tokens = re.findall(r"[MLHVZA]|-?\d*\.?\d+", path)
    verts: list[tuple[float, float]] = []
    codes: list[int] = []
    x = y = 0.0
    start = (0.0, 0.0)
    i, cmd = 0, "M"
    while i < len(tokens):
        tok = tokens[i]
        if tok.isalpha():
            cmd = tok
            i += 1
            if cmd == "Z":
                verts.append(start)
                codes.append(MPath.CLOSEPOLY)
            continue
        if cmd in ("M", "L"):
            x, y = float(tokens[i]), float(tokens[i + 1])
            i += 2
            if cmd == "M":
                start = (x, y)
            verts.append((x, y))
            codes.append(MPath.MOVETO if cmd == "M" else MPath.LINETO)
            cmd = "L" if cmd == "M" else cmd
        elif cmd in ("H", "V"):
            if cmd == "H":
                x = float(tok)
            else:
                y = float(tok)
            i += 1
            verts.append((x, y))
            codes.append(MPath.LINETO)
        elif cmd == "A":  # rx ry rot large sweep x y: drawn as the half circle between the end points
            ex, ey = float(tokens[i + 5]), float(tokens[i + 6])
            i += 7
            cx, cy, r = (x + ex) / 2, (y + ey) / 2, math.hypot(ex - x, ey - y) / 2
            a0 = math.atan2(y - cy, x - cx)
            for t in np.linspace(0, math.pi, 12)[1:]:
                verts.append((cx + r * math.cos(a0 + t), cy + r * math.sin(a0 + t)))
                codes.append(MPath.LINETO)
            x, y = ex, ey
        else:
            i += 1
    return MPath([(vx, -vy) for vx, vy in verts], codes)  # SVG y runs down


_SYMBOL_MARKERS: Final = {kind: _svg_marker(SYMBOLS[kind]["path"]) for kind in SYMBOL_KINDS}


# --- the figure ---------------------------------------------------------------------------------------

#: Page regions in figure fractions [left, bottom, width, height]: no element can overlap another.
_REGIONS: Final = {
    "landscape": {
        "marking_top": [0.0, 0.967, 1.0, 0.033],
        "title": [0.02, 0.885, 0.96, 0.08],
        "map": [0.02, 0.135, 0.70, 0.745],
        "inset": [0.745, 0.635, 0.235, 0.245],
        "legend": [0.745, 0.135, 0.235, 0.49],
        "footer": [0.02, 0.038, 0.96, 0.09],
        "marking_bottom": [0.0, 0.0, 1.0, 0.033],
    },
    "portrait": {
        "marking_top": [0.0, 0.975, 1.0, 0.025],
        "title": [0.03, 0.91, 0.94, 0.06],
        "map": [0.03, 0.40, 0.94, 0.505],
        "inset": [0.03, 0.115, 0.36, 0.27],
        "legend": [0.41, 0.115, 0.56, 0.27],
        "footer": [0.03, 0.03, 0.94, 0.08],
        "marking_bottom": [0.0, 0.0, 1.0, 0.025],
    },
    # the picture on a slide: the slide itself carries title, marking and footer
    "slide": {
        "map": [0.01, 0.01, 0.63, 0.98],
        "inset": [0.665, 0.70, 0.325, 0.29],
        "legend": [0.665, 0.01, 0.325, 0.67],
    },
}


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


def _scale_bar(ax: Any, box: tuple[float, float, float, float], tf: Transformer, centre: tuple[float, float]) -> None:
    """Two scale bars, kilometres above and miles below, their lengths measured geodesically (pyproj.Geod)
    at the map's centre latitude."""
    x0, y0, x1, y1 = box
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
    bx, by = x0 + (x1 - x0) * 0.03, y0 + (y1 - y0) * 0.055
    bh = (y1 - y0) * 0.009
    lengths = {"km": km * 1000 / per_unit, "mi": miles * MILE_M / per_unit}
    width = max(lengths.values())
    ax.add_patch(Rectangle((bx - (x1 - x0) * 0.01, by - bh * 5.8), width + (x1 - x0) * 0.05, bh * 10.4,
                           facecolor="white", edgecolor="none", alpha=0.8, zorder=20))
    for (unit, length), top, value in ((("km", lengths["km"]), by, km), (("mi", lengths["mi"]), by - bh * 1.2, miles)):
        for k in range(4):
            ax.add_patch(Rectangle((bx + k * length / 4, top), length / 4, bh, zorder=21, linewidth=0.6,
                                   facecolor=_INK if (k % 2 == 0) == (unit == "km") else "white", edgecolor=_INK))
        above = unit == "km"  # kilometres labelled above their bar, miles below theirs
        y_text, va = (top + bh * 1.6, "bottom") if above else (top - bh * 0.6, "top")
        ax.text(bx, y_text, "0", fontsize=MIN_PRINT_PT, ha="center", va=va, zorder=22)
        ax.text(bx + length, y_text, f"{value:g} {unit}", fontsize=MIN_PRINT_PT, ha="center", va=va, zorder=22)
    ax.scale_km, ax.scale_mi = km, miles  # for tests


def _north_arrow(ax: Any, tf: Transformer, box: tuple[float, float, float, float]) -> None:
    """An arrow pointing to true north where it stands (upper right): the projection's meridians converge,
    so away from the centre north is not straight up."""
    x0, y0, x1, y1 = box
    tail = (x0 + (x1 - x0) * 0.955, y0 + (y1 - y0) * 0.86)
    lon, lat = tf.transform(*tail, direction="INVERSE")
    nx, ny = tf.transform(lon, min(lat + 0.05, 89.9))
    angle = math.atan2(nx - tail[0], ny - tail[1])  # from up, clockwise
    length = (y1 - y0) * 0.09
    head = (tail[0] + length * math.sin(angle), tail[1] + length * math.cos(angle))
    ax.annotate("", xy=head, xytext=tail, xycoords="data",
                arrowprops={"facecolor": _INK, "edgecolor": _INK, "width": 2.5, "headwidth": 9, "headlength": 9},
                zorder=22)
    ax.text(tail[0] - length * 0.28 * math.sin(angle), tail[1] - length * 0.28 * math.cos(angle), "N",
            ha="center", va="top", fontsize=9, fontweight="bold", zorder=22,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})


def _colour(category: str) -> str:
    return CATEGORY_COLOURS.get(category, CATEGORY_COLOURS["other"])


def _point_style(category: str, verification: str) -> dict[str, Any]:
    colour = _colour(category)
    ver = VERIFICATION_STYLES.get(verification, VERIFICATION_STYLES["reported"])
    rgba = matplotlib.colors.to_rgba(colour, ver["fill"]) if ver["fill"] else "none"
    dash = {"claimed": (0, (3.0, 1.5)), "disputed": (0, (1.5, 1.0))}.get(verification, "solid")
    return {"facecolors": rgba, "edgecolors": ver["sc"] or colour, "linewidths": ver["w"] * 0.75,
            "linestyles": dash}


def _legend_point(category: str, verification: str, marker: Any, label: str) -> Line2D:
    st = _point_style(category, verification)
    return Line2D([], [], linestyle="none", marker=marker, markersize=7, label=label,
                  markerfacecolor=st["facecolors"], markeredgecolor=st["edgecolors"], markeredgewidth=st["linewidths"])


#: Events listed per country in a callout; the rest are counted ("+ 3 more").
CALLOUT_LINES: Final = 4


def _country_callouts(ax: Any, events: pd.DataFrame, x: np.ndarray, y: np.ndarray,
                      box: tuple[float, float, float, float]) -> None:
    """One box per country listing its events known only to the country (date, title, verification): no
    symbol, no ring, as the place is not known. The box goes at their stated point when it covers no event
    symbol, unit outline label or other box there, else in the least crowded corner of the map."""
    iso = _text(events, "adm0_iso").to_numpy(dtype=object)
    names = _text(events, "adm0_name").to_numpy(dtype=object)
    titles = _text(events, "title").to_numpy(dtype=object)
    vers = _text(events, "verification", "reported").to_numpy(dtype=object)
    days = pd.to_datetime(events["date_start"], errors="coerce") if "date_start" in events.columns else None
    order = np.argsort(days.to_numpy().astype("int64"), kind="stable") if days is not None else np.arange(len(events))
    w, s, e, n = box
    renderer = ax.figure.canvas.get_renderer()
    furniture = [  # drawn later: the scale bars (lower left), north arrow (upper right), projection note
        (w, s, w + 0.3 * (e - w), s + 0.16 * (n - s)), (e - 0.08 * (e - w), n - 0.2 * (n - s), e, n),
        (e - 0.4 * (e - w), s, e, s + 0.04 * (n - s))]
    boxes = [*(t.get_window_extent(renderer) for t in ax.texts),
             *(Bbox(ax.transData.transform([(a, b), (c, d)])) for a, b, c, d in furniture)]
    obstacles = np.vstack([_symbol_boxes(ax, min_zorder=3.0),
                           np.array([(b.x0, b.y0, b.x1, b.y1) for b in boxes], dtype=float).reshape(-1, 4)])
    for country in dict.fromkeys(iso[order]):
        mine = [int(i) for i in order if iso[i] == country]
        name = next((str(names[i]) for i in mine if names[i]), str(country) or "Country")
        lines = []
        for i in mine[:CALLOUT_LINES]:
            day = f"{days.iloc[i]:%d %b}: " if days is not None and not pd.isna(days.iloc[i]) else ""
            lines.append(f"{day}{textwrap.shorten(str(titles[i]) or 'event', 60, placeholder='…')} ({vers[i]})")
        if len(mine) > CALLOUT_LINES:
            lines.append(f"+ {len(mine) - CALLOUT_LINES} more (listed in the data exports)")
        body = "\n".join(wrapped for line in lines for wrapped in textwrap.wrap(line, 46, subsequent_indent="   "))
        text = f"{name}: known only to the country\n{body}"
        # at the events' stated point when that covers no symbol, else in the map's least crowded corner
        mx_, my_ = (float(np.nanmean(x[mine])), float(np.nanmean(y[mine])))
        candidates = [(mx_, my_), (w, n), (w, s), (e, n), (e, s)]
        best: tuple[int, int, Any] | None = None
        for k, (cx, cy) in enumerate(candidates):
            cx = float(np.clip(cx, w + 0.02 * (e - w), e - 0.02 * (e - w)))
            cy = float(np.clip(cy, s + 0.02 * (n - s), n - 0.02 * (n - s)))
            ha = "left" if cx < (w + e) / 2 else "right"
            va = "bottom" if cy < (s + n) / 2 else "top"
            artist = ax.text(cx, cy, text, ha=ha, va=va, fontsize=7, color=_INK, zorder=21, clip_on=True,
                             linespacing=1.25, bbox={"facecolor": "white", "edgecolor": _INK, "linewidth": 0.8,
                                                     "alpha": 0.92, "boxstyle": "round,pad=0.4"})
            ext = artist.get_window_extent(renderer).expanded(1.05, 1.1)
            covered = int(((obstacles[:, 0] < ext.x1) & (obstacles[:, 2] > ext.x0)
                           & (obstacles[:, 1] < ext.y1) & (obstacles[:, 3] > ext.y0)).sum())
            if best is None or covered < best[0]:
                if best is not None:
                    best[2].remove()
                best = (covered, k, artist)
            else:
                artist.remove()
            if covered == 0:
                break
        if best is not None:
            ext = best[2].get_window_extent(renderer)
            obstacles = np.vstack([obstacles, [(ext.x0, ext.y0, ext.x1, ext.y1)]])


#: Symbols nearer than this (points) are one spot and fan out; the fan's spacing between them.
FAN_NEAR_PT: Final = 7.0
FAN_STEP_PT: Final = 11.0


def _fan_out(ax: Any, x: np.ndarray, y: np.ndarray, mask: np.ndarray, per_pt: float) -> tuple[np.ndarray, np.ndarray]:
    """``x``, ``y`` with the symbols of ``mask`` that meet (nearer than :data:`FAN_NEAR_PT`) spread on a circle
    around their spot, :data:`FAN_STEP_PT` apart; each spot gets a dot and a thin line to each of its symbols.
    ``per_pt``: map units per point."""
    from scipy.spatial import cKDTree

    x, y = x.copy(), y.copy()
    rows = np.flatnonzero(mask & np.isfinite(x) & np.isfinite(y))
    if len(rows) < 2:
        return x, y
    pairs = cKDTree(np.column_stack([x[rows], y[rows]])).query_pairs(FAN_NEAR_PT * per_pt, output_type="ndarray")
    if not len(pairs):
        return x, y
    parent = np.arange(len(rows))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        ra, rb = root(int(a)), root(int(b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for i in range(len(rows)):
        groups.setdefault(root(i), []).append(int(rows[i]))
    legs, spots = [], []
    for members in groups.values():
        k = len(members)
        if k < 2:
            continue
        cx, cy = float(np.mean(x[members])), float(np.mean(y[members]))
        radius = FAN_STEP_PT * per_pt / (2 * math.sin(math.pi / k)) if k > 2 else FAN_STEP_PT * per_pt / 2
        for j, r in enumerate(members):
            angle = math.pi / 2 + 2 * math.pi * j / k
            x[r], y[r] = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
            legs.append([(cx, cy), (x[r], y[r])])
        spots.append((cx, cy))
    if legs:
        ax.add_collection(LineCollection(legs, colors=_INK, linewidths=0.5, zorder=4.5))
        sx, sy = zip(*spots)
        ax.scatter(sx, sy, s=6, c=_INK, marker="o", linewidths=0, zorder=4.6)
    return x, y


#: Where an event's label may go, tried in turn (offset from its symbol in points, alignment).
_LABEL_SPOTS: Final = (((5, 4), "left", "bottom"), ((5, -4), "left", "top"), ((-5, 4), "right", "bottom"),
                       ((-5, -4), "right", "top"))


def _event_labels(ax: Any, texts: np.ndarray, x: np.ndarray, y: np.ndarray, order: np.ndarray,
                  box: tuple[float, float, float, float], max_labels: int) -> list[int]:
    """``texts[r]`` beside each symbol ``r`` of ``order`` (in that order), at the first of :data:`_LABEL_SPOTS`
    where it meets no other label and stays inside the map; a symbol with no free spot (or beyond
    ``max_labels``) gets none. Returns the rows left out."""
    renderer = ax.figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
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
                                fontsize=MIN_PRINT_PT, zorder=9, clip_on=True,
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


def _number_key(ax: Any, shown: pd.DataFrame, numbered: list[int], unplaced: set[int]) -> tuple[list[str], bool]:
    """The key of the numbered events in ``ax`` (number, day, title, verification), as many as fit at 7 pt,
    and the count of the rest; returns every entry and whether some were left out (the PDF lists them all)."""
    ax.set_axis_off()
    days = pd.to_datetime(shown["date_start"], errors="coerce") if "date_start" in shown.columns else None
    titles = _text(shown, "title").to_numpy(dtype=object)
    vers = _text(shown, "verification").to_numpy(dtype=object)
    renderer = ax.figure.canvas.get_renderer()
    region = ax.get_window_extent(renderer)
    width = max(20, int(region.width * 72 / ax.figure.dpi / (MIN_PRINT_PT * 0.56)))
    capacity = max(1, int(region.height * 72 / ax.figure.dpi / (MIN_PRINT_PT * 1.3)) - 2)
    ax.text(0.0, 1.0, "Numbered events", transform=ax.transAxes, ha="left", va="top", fontsize=MIN_PRINT_PT,
            fontweight="bold", color=_INK)
    lines = [""]
    entries = []
    for k, r in enumerate(numbered, start=1):
        day = f"{days.iloc[r]:%d %b}" if days is not None and not pd.isna(days.iloc[r]) else "undated"
        entries.append(f"{k}. {day} · {titles[r] or 'event'} ({vers[r] or 'reported'})" + (
            " [not numbered on the map: crowded]" if r in unplaced else ""))
    truncated = False
    for k, entry in enumerate(entries, start=1):
        wrapped = textwrap.wrap(entry, width, subsequent_indent="    ")
        if len(lines) + len(wrapped) > capacity:
            lines.append(f"… and {len(entries) - k + 1} more (all on the PDF's key page)")
            truncated = True
            break
        lines += wrapped
    ax.text(0.0, 1.0, "\n".join(lines), transform=ax.transAxes, ha="left", va="top", fontsize=MIN_PRINT_PT,
            linespacing=1.3, color=_INK)
    ax.texts[-1].set_gid("number-key")
    return entries, truncated


def _locator(ix: Any, boundaries: Any, region: list[float], page: tuple[float, float], corners: tuple[Any, Any],
             centre: tuple[float, float], box: tuple[float, float, float, float], tf: Transformer) -> None:
    """The inset locator in ``ix``: the loaded countries, named, around the map's extent (its rectangle)."""
    clon, clat = corners
    lon_c, lat_c = centre
    fig_w, fig_h = page
    ix.set_xticks([])
    ix.set_yticks([])
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
    ix.text(0.02, 0.97, "Location", transform=ix.transAxes, fontsize=7, ha="left", va="top", fontweight="bold")



def _title_lines(title: str, width_in: float) -> tuple[str, float]:
    """``title`` wrapped to the title region's width in at most two lines, at 15 pt, else 12 pt, else shortened
    with "…" at 12 pt (the window below it is always stated)."""
    for size in (15.0, 12.0):
        chars = int(width_in * 72 / (size * 0.62))  # bold DejaVu Sans
        lines = textwrap.wrap(title, chars)
        if len(lines) <= (1 if size == 15.0 else 2):
            return "\n".join(lines), size
    return "\n".join(textwrap.wrap(title, chars, max_lines=2, placeholder=" …")), 12.0


def _graticule(ax: Any, tf: Transformer, box: tuple[float, float, float, float],
               lonlat: tuple[float, float, float, float]) -> None:
    """Meridians and parallels every 1/2/5 x 10^k degrees (about four to eight across the map), followed in the
    projection (they curve away from the centre), each labelled where it meets the map's left or bottom edge."""
    w, s, e, n = lonlat
    step = _nice(max(e - w, n - s) / 5) or 1.0
    frame = shapely.box(*box)
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
    x0, y0, x1, y1 = box
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
            ax.text(at[0], at[1], text, fontsize=MIN_PRINT_PT, color="#3d5a73", zorder=8, clip_on=True, **kw,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.75, "pad": 0.5})


def _unit_geoms(boundaries: Any, level: int, ids: pd.Series) -> dict[str, Any]:
    layer = getattr(boundaries, f"adm{level}", None)
    if layer is None or not len(layer):
        return {}
    wanted = set(ids.dropna().astype(str))
    rows = layer.loc[layer["unit_id"].astype(str).isin(wanted)]
    return dict(zip(rows["unit_id"].astype(str), rows.geometry.to_numpy()))


def _plain_text(draw: Callable[..., Figure]) -> Callable[..., Figure]:
    """``draw`` under :data:`_PLAIN_TEXT`: every text it creates is drawn as written."""

    @functools.wraps(draw)
    def wrapped(*args: Any, **kwargs: Any) -> Figure:
        with matplotlib.rc_context(_PLAIN_TEXT):
            return draw(*args, **kwargs)

    return wrapped


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

    fig = Figure(figsize=_page_size(view) if layout == "page" else SLIDE_PICTURE, dpi=view.dpi)
    FigureCanvasAgg(fig)
    regions = _REGIONS[view.orientation if layout == "page" else "slide"]
    fig_w, fig_h = fig.get_size_inches()

    # marking, title, subtitle
    if layout == "page":
        for key in ("marking_top", "marking_bottom"):
            ax = fig.add_axes(regions[key])
            ax.set_axis_off()
            ax.text(0.5, 0.5, view.marking, ha="center", va="center", fontsize=9, fontweight="bold", color="#8b0000")
        tax = fig.add_axes(regions["title"])
        tax.set_axis_off()
        title, size = _title_lines(view.title, regions["title"][2] * fig_w)
        tax.text(0.0, 0.98, title, ha="left", va="top", fontsize=size, fontweight="bold", linespacing=1.05)
        tax.text(0.0, 0.0, view.shown_subtitle, ha="left", va="bottom", fontsize=10, color="#333333")

    # the map
    mx = fig.add_axes(regions["map"])
    l_, b_, w_, h_ = regions["map"]
    box = _fit_aspect(_projected_box(extent, tf), (w_ * fig_w) / (h_ * fig_h))
    mx.set_xlim(box[0], box[2])
    mx.set_ylim(box[1], box[3])
    mx.set_aspect("equal", adjustable="box")
    mx.set_xticks([])
    mx.set_yticks([])
    for spine in mx.spines.values():
        spine.set_linewidth(0.8)
    mx.set_facecolor("#fbfbf8")
    # geographic clip box: the projected box back in lon/lat, with a margin
    corners = np.array([[box[0], box[1]], [box[2], box[1]], [box[2], box[3]], [box[0], box[3]]])
    clon, clat = tf.transform(corners[:, 0], corners[:, 1], direction="INVERSE")
    clip_box = shapely.box(min(clon) - 0.5, min(clat) - 0.3, max(clon) + 0.5, max(clat) + 0.3)
    tol = (max(clon) - min(clon)) / 5000  # well under a pixel at 300 dpi

    overlay_sections: list[tuple[str, list[Any]]] = []
    if "choropleth" in view.layers and boundaries is not None:
        overlay_sections.append(_ov.draw_choropleth(mx, shown, boundaries, clip_box, tf, tol))
    if "areas" in view.layers and areas is not None and len(areas):
        day, shown_areas = for_window(areas, view.filter.end)
        if day is not None:
            overlay_sections.append(_ov.draw_areas(mx, shown_areas, day, clip_box, tf, tol))

    boundary_handles: list[Any] = []
    country_lines: list[np.ndarray] = []
    border_zone = border_lines = None
    if "countries" in view.layers and boundaries is not None:
        country_lines = _shared_borders(_clip(getattr(boundaries, "adm0", None), clip_box, tf, tol), BORDER_RECONCILE_M)
        if country_lines:
            border_lines = shapely.multilinestrings([shapely.linestrings(c) for c in country_lines])
            border_zone = shapely.buffer(border_lines, BORDER_RECONCILE_M)
    if "border_districts" in view.layers and index is not None:
        bd = index.border_districts
        if len(bd) and boundaries is not None and len(boundaries.adm2):
            ids = set(bd["adm2_id"].astype(str))
            rows = boundaries.adm2.loc[boundaries.adm2["unit_id"].astype(str).isin(ids)]
            # outline only (a fill would blend with the choropleth, areas and event symbols on paper), and like
            # the unit outlines, not along an international border, which the border line stands for
            outlines = _rings(_clip(rows, clip_box, tf, tol), outside=border_zone, border=border_lines,
                              reach=2 * BORDER_RECONCILE_M)
            if outlines:
                s = BOUNDARY_STYLES["border_districts"]
                mx.add_collection(LineCollection(outlines, colors=s["color"], linewidths=0.8,
                                                 linestyles=(0, (4, 2.5)), zorder=1.9))  # under the lines
                boundary_handles.append(Patch(facecolor="none", edgecolor=s["color"], linewidth=0.8, linestyle="--",
                                              label="Border district (outlined)"))
    for layer, level, lw, colour, label in (
        ("raions", 2, 0.35, BOUNDARY_STYLES["raions"]["color"], "Raion / district (ADM2)"),
        ("oblasts", 1, 0.8, BOUNDARY_STYLES["oblasts"]["color"], "Oblast / voblast (ADM1)"),
        ("countries", 0, 1.8, BOUNDARY_STYLES["countries"]["color"], "Country (ADM0)"),
    ):
        if layer not in view.layers or boundaries is None:
            continue
        # one line per international border: the sources' two traces can lie 2 km apart, and so can the
        # oblast and raion outlines that follow it, which the border line stands for
        rings = country_lines if level == 0 else _rings(
            _clip(getattr(boundaries, f"adm{level}", None), clip_box, tf, tol), outside=border_zone,
            border=border_lines, reach=2 * BORDER_RECONCILE_M)
        if rings:
            mx.add_collection(LineCollection(rings, colors=colour, linewidths=lw, zorder=2 + level * 0.1))
            boundary_handles.append(Line2D([], [], color=colour, linewidth=lw, label=label))
    boundary_handles.reverse()  # countries first

    lon, lat = _floats(shown, "lon"), _floats(shown, "lat")
    located = _located(shown) if len(shown) else np.zeros(0, dtype=bool)
    cats = _text(shown, "category", "other").to_numpy()
    vers = _text(shown, "verification", "reported").to_numpy()
    prec = _text(shown, "geo_precision").str.lower().to_numpy()
    is_dep = cats == "deployment"
    px, py = tf.transform(lon, lat)  # projected once for every layer below
    if ranges is None and is_dep.any() and {"deployments", "ranges"} & set(view.layers):
        ranges = load_ranges()  # read once for the symbols and the rings
    cat_used: list[str] = []
    ver_used: set[str] = set()
    kinds_used: list[str] = []
    unit_drawn = near_drawn = False

    country = located & (prec == "country")  # known only to the country: a callout, no point, no ring
    if "events" in view.layers and len(shown):
        # events known only to a raion/oblast: the category's symbol at the unit's label point (where the unit
        # has the most room) and the unit's thin outline, dashed or dotted as the symbol for its verification;
        # never a fill, which would claim the whole unit
        for level, p in ((2, "admin2"), (1, "admin1")):
            col = f"adm{level}_id"
            if col not in shown.columns or boundaries is None:
                continue
            rows = np.flatnonzero((prec == p) & ~is_dep & located)
            if not len(rows):
                continue
            ids = shown[col].iloc[rows].astype("string")
            geoms = _unit_geoms(boundaries, level, ids)
            units = list(geoms)  # simplified, projected and placed once per unit, however many events
            outlines = _project(shapely.simplify(np.array([geoms[u] for u in units], dtype=object), tol), tf)
            unit_rings = {u: _exteriors(np.array([o], dtype=object)) for u, o in zip(units, outlines)}
            lp_lon, lp_lat = label_points(np.array([geoms[u] for u in units], dtype=object))
            ax_, ay_ = tf.transform(lp_lon, lp_lat)
            anchor = {u: (x, y) for u, x, y in zip(units, ax_, ay_)}
            segs, colours, styles = [], [], []
            drawn: set[tuple[str, str, str]] = set()  # each (unit, category, verification) outlined once
            for r, uid in zip(rows, ids):
                if uid is pd.NA or str(uid) not in geoms:
                    continue
                px[r], py[r] = anchor[str(uid)]
                if (str(uid), cats[r], vers[r]) in drawn:
                    continue
                drawn.add((str(uid), cats[r], vers[r]))
                for ring in unit_rings[str(uid)]:
                    segs.append(ring)
                    colours.append(_colour(cats[r]))
                    styles.append(_point_style(cats[r], vers[r])["linestyles"])
            if segs:
                mx.add_collection(LineCollection(segs, colors=colours, linewidths=1.0, linestyles=styles, zorder=3))
                unit_drawn = True
    # symbols at one spot (three deployments at a base, "reported combat" and "claimed capture" in one town)
    # fan out around it, each joined to the spot by a thin line: none hides another
    symbols = located & ~country & np.where(is_dep, "deployments" in view.layers, "events" in view.layers)
    px, py = _fan_out(mx, px, py, symbols, (box[2] - box[0]) / (w_ * fig_w * 72))
    if "events" in view.layers and len(shown):
        for cat in CATEGORIES:
            for ver in VERIFICATION:
                rows = np.flatnonzero(located & ~country & ~is_dep & (cats == cat) & (vers == ver))
                if not len(rows):
                    continue
                size = 34 if ver in ("confirmed", "reported") else 46  # hollow symbols: larger, to stay legible
                mx.scatter(px[rows], py[rows], s=size, marker=CATEGORY_MARKERS.get(cat, "h"), zorder=5,
                           **_point_style(cat, ver))
                if ver == "disputed":
                    mx.scatter(px[rows], py[rows], s=22, marker="x", c=_colour(cat), linewidths=0.9, zorder=6)
                if cat not in cat_used:
                    cat_used.append(cat)
                ver_used.add(ver)
        other = np.flatnonzero(located & ~country & ~is_dep & ~np.isin(cats, CATEGORIES))
        if len(other):
            mx.scatter(px[other], py[other], s=34, marker="h", zorder=5, **_point_style("other", "reported"))
            if "other" not in cat_used:
                cat_used.append("other")
            ver_used.add("reported")
        near = np.flatnonzero(located & ~is_dep & (prec == "near"))
        if len(near):  # as the live map draws it: an outer ring in the category's colour
            mx.scatter(px[near], py[near], s=(math.sqrt(46) + 7) ** 2, marker="o", facecolors="none", zorder=4.9,
                       edgecolors=[matplotlib.colors.to_rgba(_colour(c), 0.6) for c in cats[near]], linewidths=0.9)
            near_drawn = True
    if "deployments" in view.layers and is_dep.any():
        kinds = deployment_kinds(shown, ranges)
        for k, kind in enumerate(SYMBOL_KINDS):
            for ver in VERIFICATION:
                rows = np.flatnonzero(located & ~country & is_dep & (kinds == k) & (vers == ver))
                if not len(rows):
                    continue
                mx.scatter(px[rows], py[rows], s=95, marker=_SYMBOL_MARKERS[kind], zorder=7,
                           **_point_style("deployment", ver))
                if ver == "disputed":
                    mx.scatter(px[rows], py[rows], s=30, marker="x", c=_colour("deployment"), linewidths=0.9, zorder=8)
                ver_used.add(ver)
                if kind not in kinds_used:
                    kinds_used.append(kind)

    precision_handles: list[Any] = []
    if near_drawn:
        precision_handles.append(Line2D([], [], linestyle="none", marker="o", markersize=9, markerfacecolor="none",
                                        markeredgecolor="#777777", markeredgewidth=0.9,
                                        label="Near (within a few km): outer ring"))
    if unit_drawn:
        precision_handles.append(Line2D([], [], linestyle="-", color="#555555", linewidth=1.0, marker="o",
                                        markersize=5, markerfacecolor="#bbbbbb", markeredgecolor="#555555",
                                        label="Known only to a raion/oblast: symbol at its centre, "
                                              "the unit outlined (dashed: claimed)"))
    callout_rows = np.flatnonzero(country & ((is_dep & ("deployments" in view.layers))
                                             | (~is_dep & ("events" in view.layers))))
    if len(callout_rows):
        _country_callouts(mx, shown.iloc[callout_rows], px[callout_rows], py[callout_rows], box)
        precision_handles.append(Patch(facecolor="white", edgecolor=_INK, linewidth=0.8,
                                       label="Known only to the country: listed in a box, no point on the map"))
    if "heatmap" in view.layers and len(shown):
        fine = located & np.isin(prec, ["exact", "near"])
        overlay_sections.append(_ov.draw_heatmap(mx, px[fine], py[fine], box))
    if "ranges" in view.layers and is_dep.any():
        overlay_sections.append(_ov.draw_ranges(mx, shown, ranges, boundaries, tf, box))
    if view.filter.shapes:  # the drawn filter's outline, in the app's drawing colour
        overlay_sections.append(_ov.draw_shapes(mx, view.filter.shapes, tf, box, DRAW_STYLE["color"]))

    labels_left_out = 0
    numbered: list[int] = []
    unplaced: set[int] = set()
    symbol_drawn = located & ~country & np.where(is_dep, "deployments" in view.layers, "events" in view.layers)
    stamps = pd.to_datetime(shown["date_start"], errors="coerce").to_numpy().astype("int64") if len(shown) else np.zeros(0)
    if view.numbered and len(shown):  # ISW style: a number at each symbol, keyed beside the map by date
        ids = _text(shown, "id").to_numpy(dtype=object)
        inside = (px >= box[0]) & (px <= box[2]) & (py >= box[1]) & (py <= box[3])
        numbered = sorted(np.flatnonzero(symbol_drawn & inside).tolist(), key=lambda r: (stamps[r], str(ids[r])))
        numbers = np.array([""] * len(shown), dtype=object)
        for k, r in enumerate(numbered, start=1):
            numbers[r] = str(k)
        unplaced = set(_event_labels(mx, numbers, px, py, np.array(numbered, dtype=int), box, len(numbered)))
    elif view.labels and len(shown):
        titles = np.array([textwrap.shorten(str(t), 34, placeholder="…") for t in _text(shown, "title")], dtype=object)
        latest = np.argsort(-stamps, kind="stable")
        labels_left_out = len(_event_labels(mx, titles, px, py, latest[symbol_drawn[latest]], box, max_labels))

    if view.graticule:
        _graticule(mx, tf, box, (min(clon), min(clat), max(clon), max(clat)))
    _scale_bar(mx, box, tf, (lon_c, lat_c))
    _north_arrow(mx, tf, box)
    mx.text(0.995, 0.005, f"Lambert azimuthal equal-area, centre {lat_c:.2f}N {lon_c:.2f}E", transform=mx.transAxes,
            ha="right", va="bottom", fontsize=MIN_PRINT_PT, color="#555555", zorder=22,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 0.8})
    fig.snapshot_places = []  # for tests
    if "labels" in view.layers and boundaries is not None:  # place names yield to everything drawn so far
        renderer = fig.canvas.get_renderer()
        avoid = [a.get_window_extent(renderer) for a in (*mx.texts, *(p for p in mx.patches if p.get_zorder() >= 20))]
        fig.snapshot_places = _draw_places(mx, boundaries, tf, box, lat_c, avoid=avoid,
                                           prefer_clear=_symbol_boxes(mx))

    # inset locator: the loaded countries and the map's extent (numbered events: their key takes its place)
    ix = fig.add_axes(regions["inset"])
    fig.snapshot_number_key = ([], False)  # every entry, and whether the page left some out (to_pdf lists them)
    if view.numbered:
        fig.snapshot_number_key = _number_key(ix, shown, numbered, unplaced)
    else:
        _locator(ix, boundaries, regions["inset"], (fig_w, fig_h), (clon, clat), (lon_c, lat_c), box, tf)

    # legend: only what is shown

    lx = fig.add_axes(regions["legend"])
    lx.set_axis_off()
    blank = Patch(facecolor="none", edgecolor="none")
    sections: list[tuple[str, list[Any]]] = []
    cat_handles = [
        _legend_point(c, "confirmed", CATEGORY_MARKERS.get(c, "h"), CATEGORY_LABELS.get(c, c.title()))
        for c in CATEGORIES if c in cat_used
    ]
    if cat_handles:
        sections.append(("Events (shape + colour)", cat_handles))
    if kinds_used:
        sections.append(("Deployments", [
            _legend_point("deployment", "confirmed", _SYMBOL_MARKERS[k], SYMBOLS[k]["label"]) for k in SYMBOL_KINDS if k in kinds_used
        ]))
    if ver_used:
        ver_handles = []
        for v in VERIFICATION:
            if v not in ver_used:
                continue
            handle = _legend_point("other", v, "o", VERIFICATION_STYLES[v]["label"])
            if v == "disputed":  # the cross drawn over the hollow symbol, as on the map
                cross = Line2D([], [], linestyle="none", marker="x", markersize=5, markeredgecolor=_colour("other"),
                               markeredgewidth=0.9)
                handle = (handle, cross)
            ver_handles.append(handle)
        sections.append(("Verification", ver_handles))
    if precision_handles:
        sections.append(("Location precision", precision_handles))
    sections.extend(sec for sec in overlay_sections if sec is not None)
    if boundary_handles:
        sections.append(("Boundaries", boundary_handles))
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
    if items and not _fit_legend(fig, lx, items, labels, headings) and "inset" in regions:
        # a legend too long for its region at the type floor takes the locator inset's place (the page's
        # title and window already say where the map is); never smaller type
        il, ib_, iw, ih = regions["inset"]
        ll, lb, lw, lh = regions["legend"]
        fig.delaxes(ix)
        lx.set_position([min(il, ll), min(ib_, lb), max(il + iw, ll + lw) - min(il, ll),
                         max(ib_ + ih, lb + lh) - min(ib_, lb)])
        _fit_legend(fig, lx, items, labels, headings)
    fig.snapshot_legend = {head: [(h[0] if isinstance(h, tuple) else h).get_label() for h in hs]
                           for head, hs in sections}  # for tests
    lx.text(0.0, 0.0, f"{len(shown):,} events shown" + (
        f" · {labels_left_out} labels left out where crowded" if labels_left_out else ""),
        transform=lx.transAxes, fontsize=7, va="bottom")

    ranges_drawn = any(sec is not None and sec[0].startswith("Weapon ranges") for sec in overlay_sections)
    fig.snapshot_footer = footer_lines(shown, boundaries, view, generated, ranges_drawn=ranges_drawn)
    if "footer" in regions:
        fx = fig.add_axes(regions["footer"])
        fx.set_axis_off()
        width_chars = int(regions["footer"][2] * fig_w * 72 / (MIN_PRINT_PT * 0.58))
        sources, attribution, last = fig.snapshot_footer
        src_lines = _source_lines(sources, len(_sources(shown)), width_chars)
        attr_lines = textwrap.wrap(attribution, width_chars, max_lines=2, placeholder=" …")
        fx.text(0.0, 1.0, "\n".join([*src_lines, *attr_lines, last]), ha="left", va="top", fontsize=MIN_PRINT_PT,
                color="#222222", linespacing=1.35, transform=fx.transAxes)
    fig.snapshot_events = len(shown)  # for tests and the CLI
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
            legend = ax.legend(items, text, loc="upper left", fontsize=font, frameon=False, borderaxespad=0.0,
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
    # zlib level 3: a page at 300 dpi compresses twice as fast as at the default 6, files ~10% larger
    return _save(fig, "png", dpi, metadata={"Software": None}, pil_kwargs={"compress_level": 3})


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
                  linespacing=1.45, color=_INK)
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


def to_pptx(fig: Figure, events: pd.DataFrame, view: View, boundaries: Any = None, *, top: int = 6,
            generated: dt.datetime | None = None) -> bytes:
    """One 16:9 slide: marking top and bottom, title, the map picture (best drawn with ``layout="slide"``),
    the window and the key events beside it, a footer line (attribution, time, opsec), sources in the notes."""
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Emu, Inches, Pt

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    slide = prs.slides.add_slide(prs.slide_layouts[5])  # title only
    title = slide.shapes.title
    title.text = view.title
    title.left, title.top, title.width, title.height = Inches(0.4), Inches(0.35), Inches(12.5), Inches(0.75)
    title.text_frame.paragraphs[0].font.size = Pt(28)
    title.text_frame.paragraphs[0].font.bold = True
    title.text_frame.paragraphs[0].alignment = 1  # left
    for y in (Inches(0.02), Inches(7.5) - Inches(0.32)):
        box = slide.shapes.add_textbox(Inches(0), y, prs.slide_width, Inches(0.3))
        p = box.text_frame.paragraphs[0]
        p.text = view.marking
        p.font.size, p.font.bold = Pt(11), True
        p.font.color.rgb = RGBColor(0x8B, 0, 0)
        p.alignment = 2  # centre
    png = to_png(fig, dpi=max(fig.dpi, 150))
    w_in, h_in = fig.get_size_inches()
    height = Inches(5.5)
    width = Emu(int(height * w_in / h_in))
    if width > Inches(8.9):
        width = Inches(8.9)
        height = Emu(int(width * h_in / w_in))
    slide.shapes.add_picture(io.BytesIO(png), Inches(0.3), Inches(1.2), width=width, height=height)
    left = Inches(0.3) + width + Inches(0.25)
    body = slide.shapes.add_textbox(left, Inches(1.2), prs.slide_width - left - Inches(0.3), Inches(5.5))
    tf = body.text_frame
    tf.word_wrap = True
    tf.paragraphs[0].text = view.shown_subtitle
    tf.paragraphs[0].font.size, tf.paragraphs[0].font.bold = Pt(13), True
    head = tf.add_paragraph()
    head.text = "Key events (by verification, kind and recency; latest first)"
    head.font.size, head.font.bold = Pt(12), True
    head.space_before = Pt(8)
    lines = key_events(events, top) or ["No events in the window"]
    for line in lines:
        p = tf.add_paragraph()
        p.text = "• " + line
        p.font.size = Pt(11)
        p.space_before = Pt(4)
    generated = generated or dt.datetime.now(dt.UTC)
    _sources_line, attribution, last = getattr(fig, "snapshot_footer", None) or footer_lines(
        events, boundaries, view, generated)
    foot = slide.shapes.add_textbox(Inches(0.3), Inches(6.76), prs.slide_width - Inches(0.6), Inches(0.4))
    foot.text_frame.word_wrap = True
    p = foot.text_frame.paragraphs[0]
    p.text = f"{last} · Sources: in the speaker notes · {attribution}"
    p.font.size = Pt(7)
    p.font.color.rgb = RGBColor(0x33, 0x33, 0x33)
    notes = ["Sources (by date):", *(f"- {day or 'undated'} {name}" + "".join(f" {u}" for u in urls)
                                     for name, day, urls in source_list(events))]
    if boundaries is not None and (attr := boundaries.attribution()):
        notes.append(attr)
    if view.opsec_note:
        notes.append(view.opsec_note)
    notes.append(f"{len(events)} events; window {view.window}; marking {view.marking}")
    slide.notes_slide.notes_text_frame.text = "\n".join(notes)
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
            ranges: pd.DataFrame | None = None, generated: dt.datetime | None = None) -> bytes:
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
                  window=(view.filter.start, view.filter.end) if view.filter.start and view.filter.end else None)
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
                        selected=True, areas=job.areas, ranges=job.ranges, layout="slide" if name == "pptx" else "page")
    if name == "png":
        return to_png(fig, job.view.dpi)
    if name == "svg":
        return to_svg(fig)
    if name == "pdf":
        return to_pdf(fig, job.view.title, job.events, job.view)
    if name == "pptx":
        return to_pptx(fig, job.events, job.view, job.boundaries, generated=job.generated)
    raise GeoError(f"expected a drawn format among png, svg, pdf, pptx, got {name!r}")
