"""Place names on the static map: the ``labels`` layer of the live map, drawn with matplotlib.

Which places are named is :mod:`geo.render.labels`' rule (:func:`~geo.render.labels.label_table`, in
priority order, filtered by :func:`~geo.render.labels.labels_at` at the web-map zoom that shows the map's
scale, :func:`~geo.render.labels.zoom_for_scale`); the look is the runtime's classes, at 0.75 pt per CSS
pixel (never under :data:`MIN_POINTS`). Placement follows the runtime's ``Labels`` layer: greedy in
priority order, in display coordinates measured with the renderer; a town's dot, then its name right of
it, else left, above, below or at a diagonal; an area's name centred on its point, else just above or below; a label is
dropped when its box meets one placed before it (or anything in ``avoid``: scale bar, north arrow, event
labels...) or leaves the map's frame.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.font_manager import FontProperties
from matplotlib.patheffects import withStroke
from matplotlib.text import Text
from matplotlib.transforms import Bbox, IdentityTransform
from pyproj import Transformer

from geo.render.labels import LABEL_CLASSES, label_table, labels_at, zoom_for_scale

#: points per CSS pixel of the runtime's classes
PT_PER_PX: Final = 0.75
#: no place name is printed smaller than this (points)
MIN_POINTS: Final = 7.0
#: the runtime's padding round a label, gap beside a dot, margin inside the frame and halo, in CSS pixels
_PAD_PX, _GAP_PX, _MARGIN_PX, _HALO_PX = 2.0, 3.0, 3.0, 3.2
#: the runtime's letter spacing (CSS px) shown as thin spaces between the letters from this spacing on
_SPACED_FROM_PX: Final = 2
_THIN_SPACE: Final = "\u2009"
#: stacked between the boundaries/rings (up to 4.5) and the event symbols (5 and above), like the runtime
_DOT_Z, _TEXT_Z = 4.6, 4.65


@dataclasses.dataclass(frozen=True)
class PlacedLabel:
    """A place name drawn: its text as printed, its class, where (the label's box in display pixels)."""

    text: str
    cls: str
    box: Bbox


def map_zoom(ax: Axes, box: tuple[float, float, float, float], lat: float) -> float:
    """The web-map zoom showing the scale of ``ax`` (projected metres ``box`` across its printed width)."""
    ax.apply_aspect()
    width_m = ax.get_position().width * ax.figure.get_figwidth() * 0.0254
    return zoom_for_scale((box[2] - box[0]) / width_m, lat)


def symbol_boxes(ax: Axes, min_zorder: float = 5.0) -> np.ndarray:
    """Display boxes (x0, y0, x1, y1 rows) of the point symbols on ``ax`` (scatter collections from
    ``min_zorder`` up: the events and deployments), for :func:`draw_places`' ``prefer_clear``."""
    out: list[np.ndarray] = []
    px_per_pt = ax.figure.dpi / 72.0
    for coll in ax.collections:
        if not isinstance(coll, PathCollection) or coll.get_zorder() < min_zorder:
            continue
        offsets = np.asarray(coll.get_offsets(), dtype=float).reshape(-1, 2)
        if not len(offsets):
            continue
        xy = ax.transData.transform(offsets)
        half = np.resize(np.sqrt(np.asarray(coll.get_sizes(), dtype=float)) / 2 * px_per_pt, len(xy))
        out.append(np.column_stack([xy[:, 0] - half, xy[:, 1] - half, xy[:, 0] + half, xy[:, 1] + half]))
    return np.concatenate(out) if out else np.zeros((0, 4))


#: Towns this near an event drawn at a point are named first, down to this many zooms beyond the map's.
EVENT_TOWN_KM: Final = 6.0
EVENT_TOWN_ZOOMS: Final = 3
#: A raion or oblast outlined for an event is named first when its name's point is this near its label point.
EVENT_UNIT_KM: Final = 3.0
#: ... or the town of the unit's name (its seat) within this distance of it.
EVENT_SEAT_KM: Final = 25.0


def _event_places(table: pd.DataFrame, rows: pd.DataFrame, zoom: float, events: tuple[np.ndarray, np.ndarray],
                  classes: tuple[str, ...], km: float) -> pd.DataFrame:
    """``rows`` with the places of ``classes`` nearest to the ``events`` (lon, lat) first: the nearest to each,
    within ``km``, if the map's zoom is at most :data:`EVENT_TOWN_ZOOMS` short of the place's own."""
    from scipy.spatial import cKDTree

    towns = table.loc[table["cls"].isin(classes) & (table["min_zoom"] <= zoom + EVENT_TOWN_ZOOMS)]
    lon, lat = (np.asarray(v, dtype=float) for v in events)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not len(towns) or not ok.any():
        return rows
    scale = np.cos(np.radians(np.nanmean(lat[ok])))  # degrees of longitude to degrees of latitude, roughly
    tree = cKDTree(np.column_stack([towns["lon"].to_numpy(dtype=float) * scale, towns["lat"].to_numpy(dtype=float)]))
    dist, nearest = tree.query(np.column_stack([lon[ok] * scale, lat[ok]]), distance_upper_bound=km / 111.2)
    hit = np.unique(nearest[np.isfinite(dist)])
    if not len(hit):
        return rows
    first = towns.iloc[np.sort(hit)]
    rest = rows.loc[~rows["text"].isin(set(first["text"])) | ~rows["cls"].isin(classes)]
    return pd.concat([first, rest], ignore_index=True)


_TOWN_CLASSES: Final = tuple(c["name"] for c in LABEL_CLASSES if c.get("dot"))


def _style(cls: dict[str, Any], floor: float) -> FontProperties:
    """matplotlib font properties of a runtime class's CSS font ("700 17px system-ui,sans-serif")."""
    font = str(cls["font"])
    px = re.search(r"(\d+(?:\.\d+)?)px", font)
    weight = re.match(r"(?:italic\s+)?(\d{3})\s", font)
    return FontProperties(
        family=["sans-serif"],
        style="italic" if "italic" in font else "normal",
        weight="bold" if weight and int(weight.group(1)) >= 600 else "normal",  # DejaVu: regular and bold only
        size=max(float(px.group(1)) * PT_PER_PX if px else 9.0, floor),
    )


def _printed(text: str, cls: dict[str, Any]) -> str:
    shown = text.upper() if cls.get("upper") else text
    if cls.get("spacing", 0) >= _SPACED_FROM_PX:
        shown = _THIN_SPACE.join(shown)
    return shown


def draw_places(
    ax: Axes,
    boundaries: Any,
    tf: Transformer,
    box: tuple[float, float, float, float],
    lat: float,
    *,
    avoid: Sequence[Bbox] = (),
    prefer_clear: Sequence[Bbox] | np.ndarray = (),
    frame: Bbox | None = None,
    floor: float = MIN_POINTS,
    events: tuple[np.ndarray, np.ndarray] | None = None,
    units: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> list[PlacedLabel]:
    """Name the places of ``boundaries`` on ``ax`` (projected with ``tf``, showing ``box``) at the map's
    scale, in priority order without overlaps; returns the labels drawn.

    ``avoid``: boxes (display pixels) no label may meet; ``prefer_clear``: boxes a name keeps clear of
    where one of its spots allows (the event symbols), else it takes the first spot free of ``avoid``;
    ``frame``: the part of the map labels stay inside (display pixels; default the whole axes); ``floor``: the
    smallest type (points); ``events``: the lon/lat of the events drawn at a point: the towns within
    :data:`EVENT_TOWN_KM` of one are named first, down to :data:`EVENT_TOWN_ZOOMS` zooms beyond the map's (an
    ISW map names the village where the fighting is, whatever its size); ``units``: the label points (lon,
    lat) and names of the raions and oblasts outlined for events known only to them: those units are named
    first too, by their own label or, where the table has none (a raion named after its seat), by the town of
    their name within :data:`EVENT_SEAT_KM`."""
    table = label_table(boundaries)
    if not len(table):
        return []
    ax.place_zoom = zoom = map_zoom(ax, box, lat)  # for tests
    rows = labels_at(table, zoom)
    if events is not None and len(events[0]):
        rows = _event_places(table, rows, zoom, events, _TOWN_CLASSES, EVENT_TOWN_KM)
    if units is not None and len(units[0]):
        rows = _event_places(table, rows, zoom, units[:2], ("raion", "oblast"), EVENT_UNIT_KM)
        seats = table.loc[table["text"].isin(set(str(v) for v in units[2] if v))]
        rows = _event_places(seats, rows, zoom, units[:2], _TOWN_CLASSES, EVENT_SEAT_KM)
    if not len(rows):
        return []
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    px_per_pt = fig.dpi / 72.0
    unit = PT_PER_PX * px_per_pt  # display pixels per CSS pixel
    frame = frame if frame is not None else ax.get_window_extent(renderer)
    margin = _MARGIN_PX * unit
    inner = (frame.x0 + margin, frame.y0 + margin, frame.x1 - margin, frame.y1 - margin)

    mx, my = tf.transform(rows["lon"].to_numpy(dtype=float), rows["lat"].to_numpy(dtype=float))
    xy = ax.transData.transform(np.column_stack([mx, my]))
    inside = np.flatnonzero((xy[:, 0] >= inner[0]) & (xy[:, 0] <= inner[2]) & (xy[:, 1] >= inner[1])
                            & (xy[:, 1] <= inner[3]))
    if not len(inside):
        return []

    classes = {c["name"]: c for c in LABEL_CLASSES}
    fonts = {name: _style(c, floor) for name, c in classes.items()}
    placed = np.array([[b.x0, b.y0, b.x1, b.y1] for b in avoid], dtype=float).reshape(-1, 4)
    taken = [placed] if len(placed) else []
    soft = (np.asarray(prefer_clear, dtype=float).reshape(-1, 4) if isinstance(prefer_clear, np.ndarray)
            else np.array([[b.x0, b.y0, b.x1, b.y1] for b in prefer_clear], dtype=float).reshape(-1, 4))
    boxes: list[np.ndarray] = []

    def meets(b: np.ndarray, arr: np.ndarray) -> bool:
        return bool(np.any((b[0] < arr[:, 2]) & (b[2] > arr[:, 0]) & (b[1] < arr[:, 3]) & (b[3] > arr[:, 1])))

    def free(b: np.ndarray) -> bool:
        if b[0] < inner[0] or b[1] < inner[1] or b[2] > inner[2] or b[3] > inner[3]:
            return False
        if not taken:
            return True
        arr = taken[0] if len(taken) == 1 else np.vstack(taken)
        taken[:] = [arr]
        return not meets(b, arr)

    scratch = Text(0.0, 0.0, "", ha="left", va="bottom", transform=IdentityTransform())
    scratch.set_figure(fig)
    pad = _PAD_PX * unit
    drawn: list[tuple[int, str, str, float, float]] = []  # row, text, class, offset of the text's corner
    dots: dict[str, list[int]] = {}
    for i in inside:
        name = str(rows["cls"].iat[i])
        cls = classes[name]
        x, y = float(xy[i, 0]), float(xy[i, 1])
        text = _printed(str(rows["text"].iat[i]), cls)
        r = float(cls.get("dot", 0)) * unit
        dot = None
        if r:
            dot = np.array([x - r - unit, y - r - unit, x + r + unit, y + r + unit])
            if not free(dot):
                continue
        scratch.set_text(text)
        scratch.set_fontproperties(fonts[name])
        ext = scratch.get_window_extent(renderer)
        w, h = ext.width, ext.height
        if r:
            gap = r + _GAP_PX * unit
            d = gap * 0.7  # then the diagonals, where a print has the room a screen redraw does not need
            spots = [(x + gap, y - h / 2), (x - gap - w, y - h / 2), (x - w / 2, y + gap), (x - w / 2, y - gap - h),
                     (x + d, y - d - h), (x + d, y + d), (x - d - w, y + d), (x - d - w, y - d - h)]
        else:
            step = h + 4 * unit
            spots = [(x - w / 2, y - h / 2), (x - w / 2, y - h / 2 + step), (x - w / 2, y - h / 2 - step)]
        candidates = [np.array([sx - pad, sy - pad, sx + w + pad, sy + h + pad]) for sx, sy in spots]
        fits = [b for b in candidates if free(b)]
        clear = [b for b in fits if not meets(b, soft)] if len(soft) else fits
        for b in clear[:1] or fits[:1]:
            sx, sy = b[0] + pad, b[1] + pad
            taken.append(b[None, :])
            if dot is not None:
                taken.append(dot[None, :])
                dots.setdefault(name, []).append(len(drawn))
            boxes.append(b)
            drawn.append((int(i), text, name, (sx - ext.x0 - x) / px_per_pt, (sy - ext.y0 - y) / px_per_pt))

    halo = [withStroke(linewidth=_HALO_PX * PT_PER_PX, foreground=(1.0, 1.0, 1.0, 0.92))]
    for name, members in dots.items():
        cls = classes[name]
        at = np.array([drawn[k][0] for k in members])
        size = (2 * float(cls["dot"]) * PT_PER_PX) ** 2
        ax.scatter(mx[at], my[at], s=size, marker="o", facecolors=cls["colour"], edgecolors="white",
                   linewidths=0.9, zorder=_DOT_Z)
    out: list[PlacedLabel] = []
    for (i, text, name, dx, dy), b in zip(drawn, boxes, strict=True):
        ax.annotate(text, (mx[i], my[i]), xytext=(dx, dy), textcoords="offset points", ha="left", va="bottom",
                    fontproperties=fonts[name], color=classes[name]["colour"], zorder=_TEXT_Z,
                    path_effects=halo, gid=f"place-{name}")
        out.append(PlacedLabel(str(rows["text"].iat[i]), name, Bbox.from_extents(*(b + [pad, pad, -pad, -pad]))))
    return out
