"""The app's overlay layers drawn on the static map: choropleth, areas, heatmap, weapon-range rings and
the drawn filter's outline.

Each ``draw_*`` function draws on the map axes (projected coordinates) and returns its legend section,
``(heading, handles)``, or None when the window has nothing for it, so the legend lists only what is shown.
The rules follow the interactive layers (``geo.render``): the same counts and class breaks, the same area
selection (as of the end of the window), the same rings.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib.collections import LineCollection, PatchCollection, PolyCollection
from matplotlib.legend_handler import HandlerBase
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch, Rectangle
from pyproj import Transformer

from geo.render.ranges import geodesic_ring
from geo.render.rings import KIND_LABELS, MAX_RINGS, RING_COLOURS, ring_origins
from geo.render.style import AREA_COLOURS, COUNT_RAMP, HEAT_RAMP, class_breaks
from geo.snapshot._geometry import clip_geoms, exteriors, polygon_paths

Section = tuple[str, list[Any]]

#: Heat density ramp for paper: light to dark (luminance falls monotonically, so it reads in greyscale;
#: the app's blue-to-red screen gradient does not).
HEAT_CELLS: Final = 320  # grid columns across the map
HEAT_SIGMA: Final = 0.018  # kernel standard deviation, as a fraction of the map's width
#: A dash per weapon kind, so the rings tell their kinds apart in greyscale too (colour alone does not).
KIND_DASH: Final = {"ballistic_missile": (0, ()), "rocket_artillery": (0, (7, 3)), "air_defence": (0, (7, 2.5, 1.5, 2.5))}
OTHER_DASH: Final = (0, (2, 2))


# --- choropleth ---------------------------------------------------------------------------------------


def raion_counts(events: pd.DataFrame) -> pd.Series:
    """Events per raion (``adm2_id`` → count) as the app's choropleth counts them: events with a point or
    located to the raion (not those known only to an oblast or country)."""
    if "adm2_id" not in events.columns or not len(events):
        return pd.Series(dtype="int64")
    prec = events.get("geo_precision", pd.Series("", index=events.index)).astype("string").str.lower()
    fine = prec.isin(["exact", "near", "admin2"]).to_numpy(dtype=bool, na_value=False)
    return events["adm2_id"].iloc[np.flatnonzero(fine)].astype("string").dropna().value_counts()


def draw_choropleth(ax: Any, events: pd.DataFrame, boundaries: Any, clip_box: Any, tf: Transformer,
                    tol: float) -> Section | None:
    adm2 = getattr(boundaries, "adm2", None)
    counts = raion_counts(events)
    if adm2 is None or not len(adm2) or not len(counts):
        return None
    bounds = class_breaks(counts.to_numpy())
    if not bounds:
        return None
    ramp = COUNT_RAMP if len(bounds) >= len(COUNT_RAMP) else COUNT_RAMP[len(COUNT_RAMP) - len(bounds):]
    rows = adm2.loc[adm2["unit_id"].astype(str).isin(set(counts.index.astype(str)))]
    hit, geoms = clip_geoms(rows.geometry.to_numpy(), clip_box, tf, tol)
    ids = rows["unit_id"].astype(str).to_numpy()[hit]
    polys, colours = [], []
    for uid, geom in zip(ids, geoms):
        colour = ramp[int(np.searchsorted(bounds, counts[uid]))]
        for ring in exteriors(np.array([geom], dtype=object)):
            polys.append(ring)
            colours.append(matplotlib.colors.to_rgba(colour, 0.8))
    if not polys:
        return None
    ax.add_collection(PolyCollection(polys, facecolors=colours, edgecolors="#555555", linewidths=0.3, zorder=0.8))
    handles = []
    for i, (colour, upper) in enumerate(zip(ramp, bounds)):
        lower = bounds[i - 1] + 1 if i else 1
        label = f"{lower}–{upper}" if upper > lower else f"{upper}"
        handles.append(Patch(facecolor=matplotlib.colors.to_rgba(colour, 0.8), edgecolor="#555555", linewidth=0.3,
                             label=label))
    return "Events per raion", handles


# --- areas --------------------------------------------------------------------------------------------


def draw_areas(ax: Any, areas: Any, day: dt.date | None, clip_box: Any, tf: Transformer, tol: float) -> Section | None:
    """Areas already selected for ``day`` (:func:`geo.areas.for_window`): a colour per kind in order of
    appearance (as in the app); claimed kinds lighter and dashed."""
    if areas is None or not len(areas):
        return None
    if getattr(areas, "crs", None) is not None and areas.crs.to_epsg() != 4326:
        areas = areas.to_crs(4326)
    kinds = (areas["kind"].astype("string").fillna("area") if "kind" in areas.columns
             else pd.Series("area", index=areas.index, dtype="string")).to_numpy()
    hit, geoms = clip_geoms(areas.geometry.to_numpy(), clip_box, tf, tol)
    order: dict[str, int] = {}
    for kind in kinds:  # colours follow the full table (as in the app), even for kinds outside the extent
        order.setdefault(str(kind), len(order))
    patches, shown_kinds = [], []
    for kind, geom in zip(kinds[hit], geoms):
        style = _area_style(str(kind), order[str(kind)])
        for path in polygon_paths(geom):
            patches.append(PathPatch(path, **style))
        if patches and str(kind) not in shown_kinds:
            shown_kinds.append(str(kind))
    if not patches:
        return None
    ax.add_collection(PatchCollection(patches, match_original=True, zorder=1.5))
    handles = [Patch(label=kind, **_area_style(kind, order[kind])) for kind in shown_kinds]
    return (f"Areas as of {day.isoformat()}" if day else "Areas"), handles


def _area_style(kind: str, position: int) -> dict[str, Any]:
    colour = AREA_COLOURS[position % len(AREA_COLOURS)]
    claimed = "claim" in kind.lower()
    return {"facecolor": matplotlib.colors.to_rgba(colour, 0.12 if claimed else 0.28), "edgecolor": colour,
            "linewidth": 1.3, "linestyle": (0, (5, 3)) if claimed else "solid"}


# --- heatmap ------------------------------------------------------------------------------------------


class _Gradient:
    """A legend handle drawn as a colour ramp."""

    def __init__(self, colours: tuple[str, ...], label: str) -> None:
        self.colours, self._label = colours, label

    def get_label(self) -> str:
        return self._label


class _GradientHandler(HandlerBase):
    def create_artists(self, legend: Any, orig_handle: Any, xdescent: float, ydescent: float, width: float,
                       height: float, fontsize: float, trans: Any) -> list[Any]:
        n = len(orig_handle.colours)
        step = width / n
        return [Rectangle((-xdescent + i * step, -ydescent), step, height, facecolor=c, edgecolor="none",
                          transform=trans) for i, c in enumerate(orig_handle.colours)]


class UnitSymbol:
    """A legend handle drawn as a unit's APP-6 symbol (milsymbol's drawing, :func:`geo.symbols.symbol_patches`):
    the legend lists each symbol a map shows."""

    def __init__(self, sidc: str, label: str) -> None:
        self.sidc, self._label = sidc, label

    def get_label(self) -> str:
        return self._label


class _UnitSymbolHandler(HandlerBase):
    def create_artists(self, legend: Any, orig_handle: Any, xdescent: float, ydescent: float, width: float,
                       height: float, fontsize: float, trans: Any) -> list[Any]:
        from geo.symbols import symbol_patches

        # milsymbol's size is a land unit's frame height: about the text's height, within the handle's width
        size = min(fontsize * 1.05, width / 1.6)
        return symbol_patches(orig_handle.sidc, size, (-xdescent + width / 2, -ydescent + height / 2), trans)


HANDLER_MAP: Final = {_Gradient: _GradientHandler(), UnitSymbol: _UnitSymbolHandler()}


def density(px: np.ndarray, py: np.ndarray, box: tuple[float, float, float, float],
            cells: int = HEAT_CELLS, sigma: float = HEAT_SIGMA) -> np.ndarray:
    """Kernel density of the points on a grid over ``box`` (rows = y upwards), scaled to max 1: a 2-D
    histogram smoothed by a separable Gaussian kernel (two small matrix products)."""
    x0, y0, x1, y1 = box
    nx = cells
    ny = max(int(round(cells * (y1 - y0) / (x1 - x0))), 2)
    grid, _, _ = np.histogram2d(py, px, bins=[ny, nx], range=[[y0, y1], [x0, x1]])
    s = max(sigma * nx, 1.0)

    def kernel(n: int) -> np.ndarray:
        idx = np.arange(n)
        return np.exp(-0.5 * ((idx[:, None] - idx[None, :]) / s) ** 2)

    smooth = kernel(ny) @ grid @ kernel(nx).T
    top = smooth.max()
    return smooth / top if top > 0 else smooth


def draw_heatmap(ax: Any, px: np.ndarray, py: np.ndarray, box: tuple[float, float, float, float]) -> Section | None:
    """Density of the exact and near points (as the app's heatmap), under the event symbols."""
    inside = (px >= box[0]) & (px <= box[2]) & (py >= box[1]) & (py <= box[3])
    if not inside.any():
        return None
    grid = density(px[inside], py[inside], box)
    stops = np.linspace(0, 1, len(HEAT_RAMP))
    rgba = [matplotlib.colors.to_rgba(c, 0.0 if i == 0 else min(0.35 + 0.12 * i, 0.85))
            for i, c in enumerate(HEAT_RAMP)]
    cmap = matplotlib.colors.LinearSegmentedColormap.from_list("heat", list(zip(stops, rgba)))
    shown = np.ma.masked_less(grid, 0.03)
    ax.imshow(shown, extent=(box[0], box[2], box[1], box[3]), origin="lower", cmap=cmap, vmin=0, vmax=1,
              interpolation="bilinear", zorder=4, aspect="auto")
    return "Heatmap", [_Gradient(HEAT_RAMP[1:], "Density of exact/near events (low → high)")]


# --- range rings --------------------------------------------------------------------------------------


def draw_ranges(ax: Any, events: pd.DataFrame, ranges: pd.DataFrame, boundaries: Any, tf: Transformer,
                box: tuple[float, float, float, float], *, fontsize: float = 7.0) -> Section | None:
    """Geodesic rings at the maximum range of the systems named in the deployments (the app's rings), those
    crossing ``box`` (the part of the map in view), each labelled inside it at ``fontsize``."""
    rings = ring_origins(events, ranges, boundaries)
    if not len(rings):
        return None
    dropped = max(len(rings) - MAX_RINGS, 0)
    frame = shapely.box(*box)
    kinds: dict[str, str] = {}
    approx_any = False
    for ring in rings.head(MAX_RINGS).itertuples(index=False):
        row = ranges.iloc[ring.range_row]
        colour = RING_COLOURS.get(row["kind"], "#0072B2")
        lat, lon = geodesic_ring(ring.lat, ring.lon, float(row["range_km"]), 192)
        x, y = tf.transform(np.asarray(lon), np.asarray(lat))
        if not frame.intersects(shapely.LineString(np.column_stack([x, y]))):
            continue  # the ring passes outside the map (or encloses it): neither drawn nor listed
        kinds.setdefault(str(row["kind"]), colour)
        approx = bool(ring.approx)
        approx_any |= approx
        dash = KIND_DASH.get(str(row["kind"]), OTHER_DASH)
        ax.add_collection(LineCollection([np.column_stack([x, y])], colors=colour, linewidths=0.9 if approx else 1.4,
                                         linestyles=[dash], alpha=0.9, zorder=4.5))
        mx, my = (box[2] - box[0]) * 0.04, (box[3] - box[1]) * 0.04  # keep labels off the frame's edge
        on_map = np.flatnonzero((x >= box[0] + mx) & (x <= box[2] - mx) & (y >= box[1] + my) & (y <= box[3] - my))
        if len(on_map):  # label at the northmost point of the ring that is on the map
            top = on_map[int(np.argmax(y[on_map]))]
            notional = " (notional: origin approximate)" if approx else ""
            ax.text(x[top], y[top], f"{row['system']} {float(row['range_km']):g} km{notional}", fontsize=fontsize, color=colour,
                    ha="center", va="bottom", zorder=9, clip_on=True,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 0.4})
    handles: list[Any] = [Line2D([], [], color=c, linewidth=1.4, linestyle=KIND_DASH.get(k, OTHER_DASH),
                                 label=f"{KIND_LABELS.get(k, k)}: maximum range") for k, c in kinds.items()]
    if approx_any:
        handles.append(Line2D([], [], color="#555555", linewidth=0.9, linestyle=OTHER_DASH,
                              label="Thin ring: notional, from an approximate origin (so labelled)"))
    if not kinds:
        return None
    if dropped:
        handles.append(Patch(facecolor="none", edgecolor="none", label=f"{dropped} more ring(s) not drawn"))
    return "Weapon ranges (public sources)", handles


# --- the drawn filter ---------------------------------------------------------------------------------


def draw_shapes(ax: Any, shapes: Any, tf: Transformer, box: tuple[float, float, float, float],
                colour: str) -> Section | None:
    """The outline of the drawn filter (``EventFilter.shapes``) in the app's drawing colour: polygons with
    their edges followed in lon/lat as the filter reads them, circles as geodesic rings of their radius."""
    lines: list[np.ndarray] = []
    for shape in shapes:
        if shape.kind == "circle":
            (lon, lat), = shape.points
            lats, lons = geodesic_ring(lat, lon, shape.radius_m / 1000.0, 192)
            ring = np.column_stack([lons, lats])
        else:
            ring = shapely.get_coordinates(shapely.segmentize(shapely.Polygon(shape.points).exterior, 0.05))
        x, y = tf.transform(ring[:, 0], ring[:, 1])
        lines.append(np.column_stack([np.append(x, x[0]), np.append(y, y[0])]))
    frame = shapely.box(*box)
    if not any(frame.intersects(shapely.LineString(line)) or frame.within(shapely.Polygon(line)) for line in lines):
        return None
    ax.add_collection(LineCollection(lines, colors=colour, linewidths=1.6, linestyles=[(0, (6, 4))], zorder=8.5))
    return "Drawn filter", [Line2D([], [], color=colour, linewidth=1.6, linestyle=(0, (6, 4)),
                                   label="Only the events inside the drawn shape(s)")]
