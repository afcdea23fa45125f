"""The static map's layer drawers: one matplotlib drawer per layer of :data:`geo.layers.LAYERS`.

:func:`prepare` builds the :class:`Canvas` every drawer draws from: the events shown, projected once, each
with how the one precision rule draws it (:func:`geo.schema.precision_drawing`: a point, a point with its
outer "near" ring, a symbol at its unit's label point with the unit outlined, or a country callout), the
symbols that meet fanned out, and the international border lines every boundary layer defers to.
:data:`DRAWERS` maps each registry name to its drawer; a drawer draws on the map axes and returns its
legend sections, ``(heading, handles)``; sections sharing a heading are one section of the legend.
The verification and precision keys the symbol layers share come from :func:`shared_sections`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any, Final

import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import Bbox
from pyproj import Transformer

from geo.areas import for_window
from geo.layers import LAYERS
from geo.places import label_points
from geo.render.ranges import load_ranges
from geo.render.rings import ring_sources
from geo.render.style import (
    BOUNDARY_STYLES,
    CATEGORY_COLOURS,
    CATEGORY_LABELS,
    VERIFICATION_STYLES,
)
from geo.schema import CATEGORIES, PRECISION_DRAWING, VERIFICATION
from geo.snapshot import _overlays as _ov
from geo.snapshot._geometry import (
    clip as _clip,
    clip_geoms,
    exteriors as _exteriors,
    rings as _rings,
    shared_borders as _shared_borders,
)
from geo.snapshot._labels import draw_places, symbol_boxes
from geo.snapshot._view import View, _floats, _located, _text

Section = tuple[str, list[Any]]
Box = tuple[float, float, float, float]

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
INK: Final = "#1a1a1a"
#: Two countries' traces of one border nearer than this (metres) are printed as one line.
BORDER_RECONCILE_M: Final = 2500.0
#: Symbols nearer than this (points) are one spot and fan out; the fan's spacing between them.
FAN_NEAR_PT: Final = 7.0
FAN_STEP_PT: Final = 11.0
#: Crowds of more symbols than this do not fan out (the fan would cover the map): their stacks get a count badge.
FAN_MAX: Final = 8
#: Stacks of at least this many symbols in such a crowd get a badge, the largest of them up to the maximum.
BADGE_MIN: Final = 3
BADGE_MAX: Final = 30
#: The legend line of each way of drawing an imprecise location (the rule's kinds but ``point``).
PRECISION_KEYS: Final = {
    "near": "Near (within a few km): outer ring",
    "unit": "Known only to a raion/oblast: symbol at its centre, the unit outlined (dashed: claimed)",
    "callout": "Known only to the country: listed in a box, no point on the map",
}




def colour(category: str) -> str:
    return CATEGORY_COLOURS.get(category, CATEGORY_COLOURS["other"])


def point_style(category: str, verification: str) -> dict[str, Any]:
    """scatter() keywords of a symbol: the category's colour, filled or hollow and dashed per verification."""
    ver = VERIFICATION_STYLES.get(verification, VERIFICATION_STYLES["reported"])
    rgba = matplotlib.colors.to_rgba(colour(category), ver["fill"]) if ver["fill"] else "none"
    dash = {"claimed": (0, (3.0, 1.5)), "disputed": (0, (1.5, 1.0))}.get(verification, "solid")
    return {"facecolors": rgba, "edgecolors": ver["sc"] or colour(category), "linewidths": ver["w"] * 0.75,
            "linestyles": dash}


def legend_point(category: str, verification: str, marker: Any, label: str) -> Line2D:
    st = point_style(category, verification)
    return Line2D([], [], linestyle="none", marker=marker, markersize=7, label=label,
                  markerfacecolor=st["facecolors"], markeredgecolor=st["edgecolors"], markeredgewidth=st["linewidths"])


@dataclasses.dataclass
class Used:
    """What the symbol layers drew, for the legend's shared sections."""

    categories: list[str] = dataclasses.field(default_factory=list)
    kinds: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # deployment symbols (code, label)
    verifications: set[str] = dataclasses.field(default_factory=set)
    drawings: set[str] = dataclasses.field(default_factory=set)
    layers: int = 0  # symbol layers that drew something


@dataclasses.dataclass
class Canvas:
    """What every layer drawer draws on and from.

    ``box``: the map's frame in projected metres; ``clear``: the part of it no panel (legend, inset) covers,
    where the events, the furniture and every label go; ``frame``: ``clear`` in display pixels; ``pt``: the
    smallest type (7 pt on paper, 12 pt on a slide); ``per_pt``: map metres per point. Per event (rows of
    ``shown``): ``sx, sy`` the stated point projected, ``px, py`` where its symbol is drawn (the unit's
    label point, moved apart from the symbols it meets), ``drawing`` its kind under the precision rule."""

    ax: Axes
    view: View
    shown: pd.DataFrame
    boundaries: Any
    index: Any
    areas: Any
    ranges: pd.DataFrame | None
    tf: Transformer
    box: Box
    clear: Box
    frame: Bbox
    clip_box: Any
    tol: float
    pt: float
    per_pt: float
    sx: np.ndarray
    sy: np.ndarray
    px: np.ndarray
    py: np.ndarray
    cats: np.ndarray
    vers: np.ndarray
    drawing: np.ndarray
    is_dep: np.ndarray
    unit_rings: dict[int, list[np.ndarray]]
    unit_points: dict[int, tuple[float, float, str]]  # each unit-drawn event's unit: label point (lon, lat), name
    country_lines: list[np.ndarray]
    border_lines: Any
    border_zone: Any
    avoid: list[Bbox]
    used: Used = dataclasses.field(default_factory=Used)
    units: pd.DataFrame | None = None  # unit positions (geo.units), drawn as of the window's end

    def shows(self, layer: str) -> bool:
        return layer in self.view.layers

    def symbols(self) -> np.ndarray:
        """The events drawn as a symbol on the map (their layer shown; not a callout, not unplaced)."""
        layer_on = np.where(self.is_dep, self.shows("deployments"), self.shows("events"))
        return layer_on & np.isin(self.drawing, ("point", "near", "unit"))

    def callouts(self) -> np.ndarray:
        """The events listed in a country's callout box (their layer shown)."""
        layer_on = np.where(self.is_dep, self.shows("deployments"), self.shows("events"))
        return layer_on & (self.drawing == "callout")


def prepare(ax: Axes, view: View, shown: pd.DataFrame, *, boundaries: Any, index: Any, areas: Any,
            ranges: pd.DataFrame | None, tf: Transformer, box: Box, clear: Box, clip_box: Any, tol: float,
            pt: float, avoid: list[Bbox], units: pd.DataFrame | None = None) -> Canvas:
    """The :class:`Canvas` of ``shown`` on ``ax``: positions, the precision rule per event, unit outlines,
    fanned-out symbols and the reconciled international border lines."""
    n = len(shown)
    lon, lat = _floats(shown, "lon"), _floats(shown, "lat")
    located = _located(shown) if n else np.zeros(0, dtype=bool)
    prec = _text(shown, "geo_precision").str.lower()
    drawing = prec.map(PRECISION_DRAWING).fillna("near").to_numpy(dtype=object)
    drawing[~located] = "none"
    cats = _text(shown, "category", "other").to_numpy()
    is_dep = cats == "deployment"
    has_units = units is not None and len(units) > 0  # units are deployments of what they report, for rings
    if ranges is None and (is_dep.any() or has_units) and {"deployments", "ranges"} & set(view.layers):
        ranges = load_ranges()  # read once for the symbols and the rings
    sx, sy = tf.transform(lon, lat)
    fig = ax.figure
    corners = ax.transData.transform([(clear[0], clear[1]), (clear[2], clear[3])])
    frame = Bbox(corners)
    per_pt = (box[2] - box[0]) / (ax.get_position().width * fig.get_figwidth() * 72)

    country_lines: list[np.ndarray] = []
    border_lines = border_zone = None
    if "countries" in view.layers and boundaries is not None:
        country_lines = _shared_borders(_clip(getattr(boundaries, "adm0", None), clip_box, tf, tol),
                                        BORDER_RECONCILE_M)
        if country_lines:
            border_lines = shapely.multilinestrings([shapely.linestrings(c) for c in country_lines])
            border_zone = shapely.buffer(border_lines, BORDER_RECONCILE_M)
    c = Canvas(ax, view, shown, boundaries, index, areas, ranges, tf, box, clear, frame, clip_box, tol, pt, per_pt,
               sx, sy, np.array(sx, dtype=float), np.array(sy, dtype=float), cats,
               _text(shown, "verification", "reported").to_numpy(), drawing, is_dep, {}, {}, country_lines, border_lines,
               border_zone, avoid, units=units)
    _unit_anchors(c)
    c.px, c.py = _fan_out(ax, c.px, c.py, c.symbols(), per_pt, pt)
    return c


def _unit_anchors(c: Canvas) -> None:
    """Events drawn as ``unit``: their symbol moved to the unit's label point (where the unit has the most
    room), the unit's outline (simplified, projected) kept for their layer's drawer."""
    if c.boundaries is None:
        c.drawing[c.drawing == "unit"] = "near"  # no unit to outline: the stated point, marked approximate
        return
    prec = _text(c.shown, "geo_precision").str.lower().to_numpy()
    for level, name in ((2, "admin2"), (1, "admin1")):
        col = f"adm{level}_id"
        rows = np.flatnonzero((c.drawing == "unit") & (prec == name))
        if not len(rows):
            continue
        layer = getattr(c.boundaries, f"adm{level}", None)
        ids = (c.shown[col].iloc[rows].astype("string").fillna("").to_numpy(dtype=object)
               if col in c.shown.columns else np.full(len(rows), "", dtype=object))
        geoms: dict[str, Any] = {}
        if layer is not None and len(layer):
            hit = layer.loc[layer["unit_id"].astype(str).isin(set(ids))]
            geoms = dict(zip(hit["unit_id"].astype(str), hit.geometry.to_numpy()))
            unit_names = dict(zip(hit["unit_id"].astype(str), hit["name"].astype("string").fillna("")
                                  if "name" in hit.columns else [""] * len(hit)))
        units = list(geoms)  # clipped, simplified, projected and placed once per unit, however many events
        if units:
            shapes = np.array([geoms[u] for u in units], dtype=object)
            hit, outlines = clip_geoms(shapes, c.clip_box, c.tf, c.tol)
            clipped = dict(zip(np.asarray(units, dtype=object)[hit], outlines))
            rings = {u: _exteriors(np.array([clipped[u]], dtype=object)) if u in clipped else [] for u in units}
            lp_lon, lp_lat = label_points(shapes)
            ax_, ay_ = c.tf.transform(lp_lon, lp_lat)
            anchor = {u: (x, y) for u, x, y in zip(units, ax_, ay_)}
            lonlat = {u: (float(a), float(b), str(unit_names.get(u, ""))) for u, a, b in zip(units, lp_lon, lp_lat)}
        for r, uid in zip(rows, ids):
            if uid not in geoms:  # the unit is not among the boundaries loaded: the stated point, approximate
                c.drawing[r] = "near"
                continue
            c.px[r], c.py[r] = anchor[uid]
            c.unit_rings[int(r)] = rings[uid]
            c.unit_points[int(r)] = lonlat[uid]


def _fan_out(ax: Axes, x: np.ndarray, y: np.ndarray, mask: np.ndarray, per_pt: float,
             pt: float = 7.0) -> tuple[np.ndarray, np.ndarray]:
    """``x``, ``y`` with the symbols of ``mask`` that meet (nearer than :data:`FAN_NEAR_PT`, directly or through
    others) spread on a circle around their spot, :data:`FAN_STEP_PT` apart, when they are at most
    :data:`FAN_MAX` (each spot gets a dot and a thin line to each of its symbols). In a larger crowd, where a fan
    would cover the map, symbols stay where they are and each stack of symbols on one spot (within a point)
    carries a count badge ("×12", at ``pt``). ``per_pt``: map units per point."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    x, y = x.copy(), y.copy()
    rows = np.flatnonzero(mask & np.isfinite(x) & np.isfinite(y))
    if len(rows) < 2:
        return x, y
    pairs = cKDTree(np.column_stack([x[rows], y[rows]])).query_pairs(FAN_NEAR_PT * per_pt, output_type="ndarray")
    if not len(pairs):
        return x, y
    n = len(rows)
    graph = coo_matrix((np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _count, group = connected_components(graph, directed=False)
    sizes = np.bincount(group)
    _badge_stacks(ax, x, y, rows[sizes[group] > FAN_MAX], per_pt, pt)
    order = np.lexsort((np.arange(n), group))  # members of a group together, in row order
    k = sizes[group[order]]
    fan = (k >= 2) & (k <= FAN_MAX)
    order, k = order[fan], k[fan]
    if not len(order):
        return x, y
    g = group[order]
    starts = np.r_[0, np.flatnonzero(np.diff(g)) + 1]
    j = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))  # place within its group
    members = rows[order]
    cx = np.bincount(g, weights=x[members])[g] / k
    cy = np.bincount(g, weights=y[members])[g] / k
    step = FAN_STEP_PT * per_pt
    radius = np.where(k > 2, step / (2 * np.sin(np.pi / np.maximum(k, 2))), step / 2)
    angle = np.pi / 2 + 2 * np.pi * j / k
    x[members], y[members] = cx + radius * np.cos(angle), cy + radius * np.sin(angle)
    legs = np.stack([np.column_stack([cx, cy]), np.column_stack([x[members], y[members]])], axis=1)
    ax.add_collection(LineCollection(legs, colors=INK, linewidths=0.5, zorder=4.5))
    ax.scatter(cx[starts], cy[starts], s=6, c=INK, marker="o", linewidths=0, zorder=4.6)
    return x, y


def _badge_stacks(ax: Axes, x: np.ndarray, y: np.ndarray, rows: np.ndarray, per_pt: float, pt: float) -> None:
    """A count badge ("×N") at the upper right of the spots where :data:`BADGE_MIN` or more of ``rows`` stand
    within a point, the :data:`BADGE_MAX` largest."""
    if len(rows) < 2:
        return
    spots = np.column_stack([np.round(x[rows] / per_pt), np.round(y[rows] / per_pt)])
    _keys, first, counts = np.unique(spots, axis=0, return_index=True, return_counts=True)
    big = np.flatnonzero(counts >= BADGE_MIN)
    big = big[np.argsort(-counts[big], kind="stable")[:BADGE_MAX]]  # the largest stacks: more would be noise
    for r, count in zip(rows[first[big]], counts[big]):
        ax.annotate(f"×{count}", (x[r], y[r]), xytext=(4, 4), textcoords="offset points", fontsize=pt,
                    fontweight="bold", color=INK, zorder=9.5, gid="stack-badge",
                    bbox={"facecolor": "white", "edgecolor": INK, "linewidth": 0.5, "pad": 0.6, "alpha": 0.9})


# --- the symbol layers --------------------------------------------------------------------------------


#: The outline of a unit whose events differ: neutral ink (their symbols carry the categories).
MIXED_OUTLINE: Final = "#555555"


def _outline_units(c: Canvas, rows: np.ndarray) -> None:
    """The thin outline of each unit-drawn event's unit, once per unit and layer: in its events' category colour
    (neutral when they differ), dashed as their most certain verification (solid when any is confirmed or
    reported, dashed when claimed at best, dotted when disputed); never a fill, which would claim the unit."""
    units: dict[int, list[int]] = {}
    for r in rows:
        rings = c.unit_rings.get(int(r))
        if rings:
            units.setdefault(id(rings), []).append(int(r))
    segs, colours, styles = [], [], []
    for members in units.values():
        cats = set(c.cats[members])
        ver = next((v for v in VERIFICATION if v in set(c.vers[members])), "reported")
        tone = colour(cats.pop()) if len(cats) == 1 else MIXED_OUTLINE
        dash = point_style("other", ver)["linestyles"]
        for ring in c.unit_rings[members[0]]:
            segs.append(ring)
            colours.append(tone)
            styles.append(dash)
    if segs:
        c.ax.add_collection(LineCollection(segs, colors=colours, linewidths=1.0, linestyles=styles, zorder=3))


def _near_rings(c: Canvas, rows: np.ndarray, size: float) -> None:
    """The outer ring of events drawn as ``near`` (as the live map draws them), in the category's colour."""
    if len(rows):
        c.ax.scatter(c.px[rows], c.py[rows], s=(math.sqrt(size) + 7) ** 2, marker="o", facecolors="none", zorder=4.9,
                     edgecolors=[matplotlib.colors.to_rgba(colour(k), 0.6) for k in c.cats[rows]], linewidths=0.9)


def _note_drawings(c: Canvas, rows: np.ndarray) -> None:
    c.used.layers += 1
    c.used.drawings.update(str(d) for d in c.drawing[rows])
    c.used.verifications.update(str(v) for v in c.vers[rows])


def _note_callouts(c: Canvas, mask: np.ndarray) -> None:
    """The layer's events listed in a country callout (drawn once for both symbol layers, after them)."""
    if mask.any():
        c.used.drawings.add("callout")
        c.used.verifications.update(str(v) for v in c.vers[mask])


def _events(c: Canvas) -> list[Section]:
    """Events other than deployments: the category's marker (colour and shape), filled per verification."""
    mine = c.symbols() & ~c.is_dep
    rows = np.flatnonzero(mine)
    _note_callouts(c, c.callouts() & ~c.is_dep)
    if not len(rows):
        return []
    _outline_units(c, rows[c.drawing[rows] == "unit"])
    unknown = ~np.isin(c.cats, CATEGORIES)  # drawn as "other"
    for cat in CATEGORIES:
        for ver in VERIFICATION:
            pick = np.flatnonzero(mine & ((c.cats == cat) | (unknown & (cat == "other"))) & (c.vers == ver))
            if not len(pick):
                continue
            size = 34 if ver in ("confirmed", "reported") else 46  # hollow symbols: larger, to stay legible
            c.ax.scatter(c.px[pick], c.py[pick], s=size, marker=CATEGORY_MARKERS.get(cat, "h"), zorder=5,
                         **point_style(cat, ver))
            if ver == "disputed":
                c.ax.scatter(c.px[pick], c.py[pick], s=22, marker="x", c=colour(cat), linewidths=0.9, zorder=6)
            if cat not in c.used.categories:
                c.used.categories.append(cat)
    _near_rings(c, rows[c.drawing[rows] == "near"], 46)
    _note_drawings(c, rows)
    handles = [legend_point(k, "confirmed", CATEGORY_MARKERS.get(k, "h"), CATEGORY_LABELS.get(k, k.title()))
               for k in CATEGORIES if k in c.used.categories]
    return [("Events (shape + colour)", handles)]


def _deployments(c: Canvas) -> list[Section]:
    """Deployments: each its APP-6 symbol (:func:`geo.sidc.event_symbols`: its own code, else derived from its
    equipment, words or category), drawn by milsymbol (:func:`geo.symbols.draw_symbols`, the live map's
    drawing), its verification a small circle at the symbol's lower right (the verification key's style)."""
    from geo import sidc
    from geo.symbols import draw_symbols, symbol_artists

    mine = c.symbols() & c.is_dep
    rows = np.flatnonzero(mine)
    _note_callouts(c, c.callouts() & c.is_dep)
    if not len(rows):
        return []
    _outline_units(c, rows[c.drawing[rows] == "unit"])
    codes, labels = sidc.event_symbols(c.shown.iloc[rows])
    size = max(13.0, c.pt * 1.8)
    for artist in draw_symbols(c.ax, c.px[rows], c.py[rows], codes, size_pt=size, zorder=7):
        artist.set_gid("deployment-symbols")  # a symbol is one collection per drawing run, all at its position
    corner = {}
    for code in set(codes):  # the symbol's lower right corner, from its anchor (points, y up)
        art = symbol_artists(code, size_pt=size)
        corner[code] = (art.width - art.anchor_x - 2.0, -(art.height - art.anchor_y) + 2.0)
    dx = np.array([corner[k][0] for k in codes]) * c.per_pt
    dy = np.array([corner[k][1] for k in codes]) * c.per_pt
    for ver in VERIFICATION:
        pick = c.vers[rows] == ver
        if not pick.any():
            continue
        bx, by = c.px[rows][pick] + dx[pick], c.py[rows][pick] + dy[pick]
        c.ax.scatter(bx, by, s=26, marker="o", c="white", linewidths=0, zorder=7.05)
        c.ax.scatter(bx, by, s=26, marker="o", zorder=7.1, **point_style("deployment", ver))
        if ver == "disputed":
            c.ax.scatter(bx, by, s=12, marker="x", c=colour("deployment"), linewidths=0.8, zorder=7.15)
    for code, label in zip(codes, labels):
        if (code, label) not in c.used.kinds:
            c.used.kinds.append((code, label))
    _near_rings(c, rows[c.drawing[rows] == "near"], (size * 1.5) ** 2)
    _note_drawings(c, rows)
    handles: list[Any] = [_ov.UnitSymbol(code, label) for code, label in c.used.kinds]
    handles.append(Patch(facecolor="none", edgecolor="none",
                         label="Small circle at a symbol: its verification"))
    return [("Deployments (APP-6)", handles)]


def shared_sections(c: Canvas) -> list[Section]:
    """The keys every symbol layer shares: verification (fill and dash) and location precision."""
    out: list[Section] = []
    if c.used.verifications:
        handles: list[Any] = []
        for v in VERIFICATION:
            if v not in c.used.verifications:
                continue
            handle: Any = legend_point("other", v, "o", VERIFICATION_STYLES[v]["label"])
            if v == "disputed":  # the cross drawn over the hollow symbol, as on the map
                cross = Line2D([], [], linestyle="none", marker="x", markersize=5, markeredgecolor=colour("other"),
                               markeredgewidth=0.9)
                handle = (handle, cross)
            handles.append(handle)
        out.append(("Verification", handles))
    precision: list[Any] = []
    if "near" in c.used.drawings:
        precision.append(Line2D([], [], linestyle="none", marker="o", markersize=9, markerfacecolor="none",
                                markeredgecolor="#777777", markeredgewidth=0.9, label=PRECISION_KEYS["near"]))
    if "unit" in c.used.drawings:
        precision.append(Line2D([], [], linestyle="-", color="#555555", linewidth=1.0, marker="o", markersize=5,
                                markerfacecolor="#bbbbbb", markeredgecolor="#555555", label=PRECISION_KEYS["unit"]))
    if "callout" in c.used.drawings:
        precision.append(Patch(facecolor="white", edgecolor=INK, linewidth=0.8, label=PRECISION_KEYS["callout"]))
    if precision:
        out.append(("Location precision", precision))
    return out


# --- units --------------------------------------------------------------------------------------------

#: milsymbol's frame fill per affiliation (its default "medium" colours), for the legend's swatches.


def _track_arrows(tracks: list[np.ndarray], size: float) -> np.ndarray:
    """An arrowhead (a triangle ``size`` long, in map metres) at the middle of each leg of each track that is
    longer than three arrows, pointing to the later report: the direction of the move."""
    legs = np.vstack([np.column_stack([t[:-1], t[1:]]) for t in tracks if len(t) > 1]) if tracks else np.empty((0, 4))
    d = legs[:, 2:] - legs[:, :2]
    length = np.hypot(d[:, 0], d[:, 1])
    keep = length > 3 * size
    if not keep.any():
        return np.empty((0, 3, 2))
    u = d[keep] / length[keep, None]
    n = np.column_stack([-u[:, 1], u[:, 0]])
    mid = (legs[keep, :2] + legs[keep, 2:]) / 2
    tip = mid + u * size / 2
    base = mid - u * size / 2
    return np.stack([tip, base + n * size * 0.45, base - n * size * 0.45], axis=1)


def _units(c: Canvas) -> list[Section]:
    """Each unit at its latest report on or before the window's end (:func:`geo.units.drawn`, the rule the live
    map draws by), its milsymbol symbol drawn by :func:`geo.symbols.draw_symbols`; the zoom's level of detail
    leaves out lower echelons; a report older than :data:`geo.units.FADE_DAYS` is faded, with its age."""
    if c.units is None or not len(c.units):
        return []
    from geo import units as U
    from geo.snapshot._labels import map_zoom
    from geo.symbols import draw_symbols, symbol_artists

    day = c.view.filter.end or pd.Timestamp(c.units["date"].max()).date()
    table = U.drawn(c.units, day)
    if not len(table):
        return []
    x, y = c.tf.transform(table["lon"].to_numpy(dtype=float), table["lat"].to_numpy(dtype=float))
    lat_c = float(np.nanmean(table["lat"].to_numpy(dtype=float)))
    min_rank = U.min_rank_at(map_zoom(c.ax, c.box, lat_c))  # the level of detail, as the live map's
    ranks = table["echelon_rank"].to_numpy(dtype=np.int64)
    keep = ((ranks == 0) | (ranks >= min_rank)) & (x >= c.clear[0]) & (x <= c.clear[2]) & (y >= c.clear[1]) \
        & (y <= c.clear[3])
    if not keep.any():
        return []
    ages = table["age_days"].to_numpy(dtype=np.int64)
    old = ages > U.FADE_DAYS
    size = max(16.0, c.pt * 2.2)
    tracks = []
    if c.view.tracks:  # each unit's earlier reports, oldest to latest, dashed, a dot at each
        for hist in table["history"][keep]:
            if len(hist) > 1:
                lat = np.array([h[1] for h in hist[::-1]], dtype=float)
                lon = np.array([h[2] for h in hist[::-1]], dtype=float)
                tracks.append(np.column_stack(c.tf.transform(lon, lat)))
        if tracks:
            c.ax.add_collection(LineCollection(tracks, colors="#444444", linewidths=0.9, linestyles=[(0, (3, 2.5))],
                                               zorder=7.3, gid="unit-tracks"))
            dots = np.vstack([t[:-1] for t in tracks])
            c.ax.scatter(dots[:, 0], dots[:, 1], s=7, c="#444444", linewidths=0, zorder=7.35)
            c.ax.add_collection(PolyCollection(_track_arrows(tracks, 3.2 * c.per_pt), facecolors="#444444",
                                               edgecolors="none", zorder=7.35, gid="unit-track-arrows"))
    zoom = map_zoom(c.ax, c.box, lat_c)
    names = [{"uniqueDesignation": U.designation(str(n)), "infoSize": U.DESIGNATION_SIZE} if zoom >= U.DESIGNATION_ZOOM else {}
             for n in table["unit"].astype(str).to_numpy()[keep]]  # zoomed in: each symbol carries its name
    draw_symbols(c.ax, x[keep], y[keep], table["symbol"].astype(str).to_numpy()[keep], size_pt=size, zorder=7.5,
                 alpha=np.where(old, 0.45, 1.0)[keep], options=names)
    codes = table["symbol"].astype(str).to_numpy()[keep]
    for xi, yi, age, code, opts in zip(x[keep], y[keep], ages[keep], codes, names):
        if age <= U.FADE_DAYS:
            continue
        art = symbol_artists(code, size_pt=size, **opts)  # the age at the symbol's top right, past its name
        c.ax.annotate(f"{age} d", (xi, yi), xytext=(art.width - art.anchor_x + 1, art.anchor_y - 2),
                      textcoords="offset points", fontsize=c.pt, color=INK, zorder=9.4, gid="unit-age", va="top",
                      bbox={"facecolor": "white", "edgecolor": "#777777", "linewidth": 0.5, "pad": 0.5})
    symbols, more = U.symbol_key(table.loc[keep])
    handles: list[Any] = [_ov.UnitSymbol(code, label) for code, label in symbols]
    if more:
        handles.append(Patch(facecolor="none", edgecolor="none", label=f"{more} more kinds of symbol"))
    hidden = int((~keep).sum())
    if tracks:
        handles.append(Line2D([], [], color="#444444", linewidth=0.9, linestyle=(0, (3, 2.5)), marker="o",
                              markersize=2.5, label="Track: earlier reports (dots), an arrow per move"))
    if old[keep].any():
        handles.append(Patch(facecolor="none", edgecolor="none",
                             label=f"Faded, with its age: last reported more than {U.FADE_DAYS} days before"))
    if hidden:
        handles.append(Patch(facecolor="none", edgecolor="none",
                             label=f"{hidden} more not drawn (lower echelons at this scale, or off the map)"))
    return [(f"Units as of {pd.Timestamp(day).date().isoformat()} (APP-6)", handles)]


# --- overlays -----------------------------------------------------------------------------------------


def _ranges(c: Canvas) -> list[Section]:
    """Range rings from the point-located deployments and units (:func:`geo.render.rings.ring_sources`)."""
    has_units = c.units is not None and len(c.units) > 0
    if (not c.is_dep.any() and not has_units) or c.ranges is None:
        return []
    day = (c.view.filter.end or pd.Timestamp(c.units["date"].max()).date()) if has_units else None
    sources = ring_sources(c.shown, c.units, day)
    if sources is None or not len(sources):
        return []
    sec = _ov.draw_ranges(c.ax, sources, c.ranges, c.boundaries, c.tf, c.clear, fontsize=c.pt)
    return [sec] if sec else []


def _heatmap(c: Canvas) -> list[Section]:
    if not len(c.shown):
        return []
    fine = np.isin(c.drawing, ("point", "near"))
    sec = _ov.draw_heatmap(c.ax, c.sx[fine], c.sy[fine], c.box)
    return [sec] if sec else []


def _choropleth(c: Canvas) -> list[Section]:
    if c.boundaries is None:
        return []
    sec = _ov.draw_choropleth(c.ax, c.shown, c.boundaries, c.clip_box, c.tf, c.tol)
    return [sec] if sec else []


def _areas(c: Canvas) -> list[Section]:
    if c.areas is None or not len(c.areas):
        return []
    day, shown_areas = for_window(c.areas, c.view.filter.end)
    if day is None:
        return []
    sec = _ov.draw_areas(c.ax, shown_areas, day, c.clip_box, c.tf, c.tol)
    return [sec] if sec else []


# --- boundaries ---------------------------------------------------------------------------------------


def _countries(c: Canvas) -> list[Section]:
    """One line per international border: the sources' two traces can lie 2 km apart."""
    if not c.country_lines:
        return []
    style = BOUNDARY_STYLES["countries"]["color"]
    c.ax.add_collection(LineCollection(c.country_lines, colors=style, linewidths=1.8, zorder=2.0))
    return [("Boundaries", [Line2D([], [], color=style, linewidth=1.8, label="Country (ADM0)")])]


def _admin(level: int, layer: str, width: float, label: str) -> Callable[[Canvas], list[Section]]:
    def draw(c: Canvas) -> list[Section]:
        """The unit outlines, not along an international border, which the border line stands for."""
        if c.boundaries is None:
            return []
        rings = _rings(_clip(getattr(c.boundaries, f"adm{level}", None), c.clip_box, c.tf, c.tol),
                       outside=c.border_zone, border=c.border_lines, reach=2 * BORDER_RECONCILE_M)
        if not rings:
            return []
        style = BOUNDARY_STYLES[layer]["color"]
        c.ax.add_collection(LineCollection(rings, colors=style, linewidths=width, zorder=2 + level * 0.1))
        return [("Boundaries", [Line2D([], [], color=style, linewidth=width, label=label)])]

    return draw


def _border_districts(c: Canvas) -> list[Section]:
    """Outline only (a fill would blend with the choropleth, areas and event symbols on paper), under the
    boundary lines."""
    bd = getattr(c.index, "border_districts", None) if c.index is not None else None
    if bd is None or not len(bd) or c.boundaries is None or not len(c.boundaries.adm2):
        return []
    ids = set(bd["adm2_id"].astype(str))
    rows = c.boundaries.adm2.loc[c.boundaries.adm2["unit_id"].astype(str).isin(ids)]
    outlines = _rings(_clip(rows, c.clip_box, c.tf, c.tol), outside=c.border_zone, border=c.border_lines,
                      reach=2 * BORDER_RECONCILE_M)
    if not outlines:
        return []
    style = BOUNDARY_STYLES["border_districts"]["color"]
    c.ax.add_collection(LineCollection(outlines, colors=style, linewidths=0.8, linestyles=(0, (4, 2.5)), zorder=1.9))
    return [("Boundaries", [Patch(facecolor="none", edgecolor=style, linewidth=0.8, linestyle="--",
                                  label="Border district (outlined)")])]


def _labels(c: Canvas) -> list[Section]:
    """Place names, placed around everything drawn before them (texts, boxes, panels, symbols)."""
    if c.boundaries is None:
        return []
    renderer = c.ax.figure.canvas.get_renderer()
    avoid = [a.get_window_extent(renderer)
             for a in (*c.ax.texts, *(p for p in c.ax.patches if p.get_zorder() >= 20))] + list(c.avoid)
    lat_c = float(c.tf.transform((c.box[0] + c.box[2]) / 2, (c.box[1] + c.box[3]) / 2, direction="INVERSE")[1])
    at_point = c.symbols() & np.isin(c.drawing, ("point", "near"))
    lon, lat = _floats(c.shown, "lon")[at_point], _floats(c.shown, "lat")[at_point]
    shown_units = [p for r, p in c.unit_points.items() if c.symbols()[r]]
    units = (np.array([p[0] for p in shown_units], dtype=float), np.array([p[1] for p in shown_units], dtype=float),
             np.array([p[2] for p in shown_units], dtype=object))
    c.ax.figure.snapshot_places = draw_places(c.ax, c.boundaries, c.tf, c.box, lat_c, avoid=avoid,
                                              prefer_clear=symbol_boxes(c.ax), frame=c.frame, floor=c.pt,
                                              events=(lon, lat), units=units)
    return []


#: The matplotlib drawer of every registry layer (:data:`geo.layers.LAYERS`).
DRAWERS: Final[dict[str, Callable[[Canvas], list[Section]]]] = {
    "countries": _countries,
    "oblasts": _admin(1, "oblasts", 0.8, "Oblast / voblast (ADM1)"),
    "raions": _admin(2, "raions", 0.35, "Raion / district (ADM2)"),
    "border_districts": _border_districts,
    "labels": _labels,
    "events": _events,
    "deployments": _deployments,
    "ranges": _ranges,
    "heatmap": _heatmap,
    "choropleth": _choropleth,
    "areas": _areas,
    "units": _units,
}
if set(DRAWERS) != set(LAYERS):  # pragma: no cover - a registry layer without a drawer is a bug at import
    raise RuntimeError(f"expected a static drawer for every layer of geo.layers.LAYERS, got {sorted(DRAWERS)}")


def draw_layers(c: Canvas) -> list[Section]:
    """The view's layers in registry order but those placed last (:func:`draw_last`), and the legend's
    sections: sections of one heading merged, the shared symbol keys right after the symbol layers."""
    sections: list[Section] = []
    shared_at = 0
    for name in _shown(c, last=False):
        before = (c.used.layers, len(c.used.drawings), len(c.used.verifications))
        sections += DRAWERS[name](c)
        if (c.used.layers, len(c.used.drawings), len(c.used.verifications)) != before:
            shared_at = len(sections)
    sections[shared_at:shared_at] = shared_sections(c)
    merged: dict[str, list[Any]] = {}
    for head, handles in sections:
        merged.setdefault(head, []).extend(handles)
    return [(head, handles) for head, handles in merged.items() if handles]


def draw_last(c: Canvas) -> None:
    """The layers placed around everything else on the map (place names), once the rest is drawn."""
    for name in _shown(c, last=True):
        DRAWERS[name](c)


def _shown(c: Canvas, *, last: bool) -> list[str]:
    return [n for n, layer in sorted(LAYERS.items(), key=lambda kv: kv[1].order)
            if layer.placed_last == last and c.shows(n)]
