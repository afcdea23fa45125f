"""The layer registry and its builders: small declarative specs turned into runtime elements."""

from __future__ import annotations

import base64
import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
import shapely

from geo import layers
from geo.errors import GeoError
from geo.render import style as S
from geo.render._elements import HEAT_JS_URL, GeoData, GeoLayer
from geo.render._encode import encode_geometries, encode_lines
from geo.render._events import (
    CAT,
    DRAWING,
    FULL_TEXT_MAX,
    NO_DAY,
    POINT_PRECS,
    POINTS_MAX,
    PREC,
    PreparedEvents,
    StoreGrid,
    cells_payload,
    grid_payload,
    points_payload,
    prepare_events,
)
from geo.render._geometry import GEOMETRY_SCALE, LEVEL_WORDS, locate_units, prepared_layer
from geo.render.labels import label_spec
from geo.render.legend import section
from geo.render.ranges import geodesic_ring
from geo.render.rings import (
    KIND_LABELS,
    MAX_RINGS,
    RING_COLOURS,
    ring_rows,
    ring_sources,
    unringed as unringed_count,
)
from geo.schema import CATEGORIES, GEO_PRECISION, VERIFICATION, precision_drawing

Mode = Literal["auto", "points", "cells"]
Builder = Callable[["LayerContext"], list[Any]]

#: Rings drawn at most (the deployments with the most events first); the legend says when some are left out.
RING_VERTICES: Final = 192
AREA_TOLERANCE: Final = 0.001
@dataclass(frozen=True)
class LayerSpec:
    """One layer of :data:`geo.layers.LAYERS` (its description, fields repeated for the drawers' use) with its
    Leaflet drawer, ``builder``."""

    name: str
    title: str
    show: bool
    group: Literal["base", "events"]
    order: int
    builder: Builder = field(repr=False)
    needs_data: bool = False


@dataclass
class LayerContext:
    """What builders read: boundaries, join index, events (prepared once, lazily) and overlays."""

    boundaries: Any = None
    index: Any = None
    events: pd.DataFrame | None = None
    ranges: pd.DataFrame | None = None
    areas: Any = None
    counts: pd.Series | None = None
    mode: Mode = "auto"
    data_key: str = ""
    window: tuple[dt.date, dt.date] | None = None  # the filter's first and last day (browser playback)
    units: pd.DataFrame | None = None  # unit positions (geo.io.units / geo.units.UnitStore)
    grid: StoreGrid | None = None  # a store's aggregate standing for a window too large to read (then no events)

    @cached_property
    def prepared(self) -> PreparedEvents | None:
        if self.events is None:
            return None
        return prepare_events(self.events, self.boundaries, self.ranges)

    @cached_property
    def ring_prepared(self) -> PreparedEvents | None:
        """The deployments range rings come from: the events', and the units' as of the window's end
        (:func:`geo.render.rings.ring_sources`)."""
        if self.units is None or not len(self.units):
            return self.prepared
        day = self.window[1] if self.window is not None else pd.Timestamp(self.units["date"].max()).date()
        sources = ring_sources(self.events, self.units, day)
        return prepare_events(sources, self.boundaries, self.ranges) if sources is not None else None

    @cached_property
    def payload_mode(self) -> str:
        prep = self.prepared
        if self.grid is not None:
            return "cells"
        if self.mode in ("points", "cells"):
            return self.mode
        return "cells" if prep is not None and prep.n > POINTS_MAX else "points"

    @cached_property
    def payload(self) -> tuple[dict[str, Any], int]:
        if self.grid is not None:
            day0 = str(self.window[0]) if self.window is not None else "1970-01-01"
            return grid_payload(self.grid.counts, self.grid.size, total=self.grid.total, day0=day0)
        prep = self.prepared
        assert prep is not None and self.events is not None
        if self.payload_mode == "cells":
            return cells_payload(prep)
        return points_payload(prep, self.events, texts=prep.n <= FULL_TEXT_MAX)


# --- base layers --------------------------------------------------------------------------------------


def _boundary_features(ctx: LayerContext, level: int, ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
    layer = prepared_layer(ctx.boundaries, level)
    positions = range(len(layer)) if ids is None else [layer.position[i] for i in ids if i in layer.position]
    return [{"g": layer.encoded[p]} for p in positions if layer.encoded[p]]


def _shapes(name: str, spec: dict[str, Any]) -> GeoLayer:
    return GeoLayer("shapes", {"scale": GEOMETRY_SCALE, **spec}, layer_name=name)


def _legend(order: int, *sections: dict[str, Any]) -> dict[str, Any]:
    return {"order": order, "sections": [s for s in sections if s["items"] or s.get("note")]}


def _line_swatch(style: dict[str, Any]) -> dict[str, Any]:
    return {"t": "line", "c": style["color"], "w": style["weight"],
            "d": [float(x) for x in style["dashArray"].split()] if style.get("dashArray") else None}


def build_countries(ctx: LayerContext) -> list[Any]:
    if ctx.boundaries is None or not len(prepared_layer(ctx.boundaries, 0)):
        return []
    style = S.BOUNDARY_STYLES["countries"]
    legend = _legend(LAYERS["countries"].order, section("Boundaries", [(_line_swatch(style), "Country (ADM0)")]))
    return [_shapes("countries", {"pane": "geoOutline", "interactive": False, "styles": [style],
                                  "features": _boundary_features(ctx, 0), "legend": legend})]


def build_oblasts(ctx: LayerContext) -> list[Any]:
    if ctx.boundaries is None or not len(prepared_layer(ctx.boundaries, 1)):
        return []
    style = S.BOUNDARY_STYLES["oblasts"]
    legend = _legend(LAYERS["oblasts"].order, section("Boundaries ", [(_line_swatch(style), "Oblast / voblast (ADM1)")]))
    return [_shapes("oblasts", {"pane": "geoOutline", "interactive": False, "styles": [style],
                                "features": _boundary_features(ctx, 1), "legend": legend})]


def _border_ids(ctx: LayerContext) -> set[str]:
    if ctx.index is None:
        return set()
    frame = ctx.index.border_districts
    return set(frame["adm2_id"].astype(str)) if "adm2_id" in frame.columns else set()


def build_raions(ctx: LayerContext) -> list[Any]:
    if ctx.boundaries is None or not len(layer := prepared_layer(ctx.boundaries, 2)):
        return []
    border = _border_ids(ctx)
    features = []
    for p, enc in enumerate(layer.encoded):
        if not enc:
            continue
        name, local = str(layer.names[p]), str(layer.locals[p])
        lines = [name or str(layer.ids[p])]
        if local and local != name:
            lines.append(local)
        lines.append(f"raion / district · {layer.iso3[p]}" + (" · border district" if layer.ids[p] in border else ""))
        features.append({"g": enc, "tt": lines})
    style = S.BOUNDARY_STYLES["raions"]
    legend = _legend(LAYERS["raions"].order, section("Boundaries  ", [(_line_swatch(style), "Raion / district (ADM2), name on hover")]))
    return [_shapes("raions", {"pane": "geoRaions", "interactive": True, "styles": [style], "hover": S.RAION_HOVER,
                               "features": features, "legend": legend})]


def build_border_districts(ctx: LayerContext) -> list[Any]:
    ids = _border_ids(ctx)
    if ctx.boundaries is None or not ids:
        return []
    style = S.BOUNDARY_STYLES["border_districts"]
    swatch = {"t": "fill", "c": style["color"], "fc": style["fillColor"], "fo": style["fillOpacity"], "w": 1.2, "d": [4, 3]}
    legend = _legend(LAYERS["border_districts"].order, section(
        "Border districts", [(swatch, "Raion on an international border")],
        note="Derived from the geometry: at least 1 km of the raion's outline follows a border between two loaded countries.",
    ))
    return [_shapes("border_districts", {"pane": "geoBorder", "interactive": False, "styles": [style],
                                         "features": _boundary_features(ctx, 2, sorted(ids)), "legend": legend})]


def build_labels(ctx: LayerContext) -> list[Any]:
    """Reference labels (countries, oblasts, towns by population, raions), placed by the runtime's
    ``Labels`` layer; which label shows from which zoom is :mod:`geo.render.labels`' rule."""
    if ctx.boundaries is None:
        return []
    spec = label_spec(ctx.boundaries)
    return [GeoLayer("labels", spec, layer_name="labels")] if spec["t"] else []


# --- event layers -------------------------------------------------------------------------------------


def _present(values: np.ndarray, vocab: tuple[str, ...]) -> list[str]:
    found = set(np.unique(values).tolist())
    return [v for i, v in enumerate(vocab) if i in found]


#: Title of the map's box listing the events known only to a country (the ``callout`` drawing).
CALLOUT_TITLE: Final = "Known only to the country"
#: The legend's line for each drawing of geo.schema.PRECISION_DRAWING ({word}: the unit's level).
DRAWING_LABELS: Final[dict[str, str]] = {
    "point": "Exact point",
    "near": "Near (within a few km): outer ring",
    "unit": "Known only to the {word}: symbol at its centre, the {word} outlined (dashed as its verification, no fill)",
    "callout": f"Known only to the country: listed in the box \u201c{CALLOUT_TITLE}\u201d, no point on the map",
}
_GREY: Final = "#555555"
#: The legend swatch of each drawing (see runtime.js ``swatch`` and legend.swatch_svg).
DRAWING_SWATCHES: Final[dict[str, dict[str, Any]]] = {
    "point": {"t": "pt", "c": _GREY, "v": "confirmed", "p": "point"},
    "near": {"t": "pt", "c": _GREY, "v": "confirmed", "p": "near"},
    "unit": {"t": "pt", "c": _GREY, "v": "confirmed", "p": "unit"},
    "callout": {"t": "fill", "c": "#333333", "fc": "#ffffff", "fo": 1, "w": 1},
}


def _precision_items(precisions: list[str]) -> list[tuple[dict[str, Any], str]]:
    """A legend line per precision present, as :func:`geo.schema.precision_drawing` draws it (one line per
    drawing but for units, whose line names the level)."""
    items, seen = [], set()
    for p in precisions:
        kind = precision_drawing(p)
        if kind not in DRAWING_LABELS:
            continue
        word = LEVEL_WORDS[2 if p == "admin2" else 1] if kind == "unit" else ""
        label = DRAWING_LABELS[kind].format(word=word)
        if label in seen:
            continue
        seen.add(label)
        items.append((DRAWING_SWATCHES[kind], label))
    return items


def _shared_sections(prep: PreparedEvents) -> list[dict[str, Any]]:
    """Verification and precision: identical in every event layer, so the map shows them once."""
    ver = section("Verification", [({"t": "pt", "c": _GREY, "v": v}, S.VERIFICATION_STYLES[v]["label"])
                                   for v in _present(prep.ver, VERIFICATION)])
    items = _precision_items(_present(prep.prec, GEO_PRECISION))
    note = f"{prep.unlocated} event(s) without a location are not mapped." if prep.unlocated else None
    return [ver, section("Location precision", items, note=note)]


#: Legend note of the points layers: the runtime groups crowded events into counted circles when zoomed out.
CLUSTER_NOTE: Final = ("Zoomed out, crowded events are grouped: a circle with their number, in the colour of the "
                       "most frequent category. Click it to zoom in.")


def play_window(ctx: LayerContext) -> tuple[str, str] | None:
    """The days the map's playback steps through (ISO dates): the filter's window, else the span of the
    located events' start days; None when no event has a date."""
    if ctx.window is not None:
        return ctx.window[0].isoformat(), ctx.window[1].isoformat()
    prep = ctx.prepared
    dated = prep.d0[prep.d0 != NO_DAY] if prep is not None else np.zeros(0)
    if len(dated) == 0:
        return None
    day0 = np.datetime64(prep.day0, "D")  # type: ignore[union-attr]
    return str(day0 + int(dated.min())), str(day0 + int(dated.max()))


def _points_spec(ctx: LayerContext, show_cats: list[int], legend: dict[str, Any]) -> dict[str, Any]:
    symbols = ctx.prepared.symbols if ctx.prepared is not None else ()
    return {
        "data": ctx.data_key, "cats": S.category_table(), "vers": S.verification_table(),
        "precs": S.precision_table(), "syms": [{"sidc": c, "label": lab} for c, lab in symbols],
        "show_cats": show_cats,
        "point_precs": list(POINT_PRECS), "drawing": list(DRAWING), "callout_title": CALLOUT_TITLE,
        "styles": S.styles(), "ramp": list(S.COUNT_RAMP), "legend": legend, "window": play_window(ctx),
    }


def _cells_section(ctx: LayerContext) -> dict[str, Any]:
    payload, _ = ctx.payload
    counts = (np.frombuffer(base64.b64decode(payload["b64"]), dtype="<u4", count=payload["n"],
                            offset=payload["cols"]["count"][0]) if payload["n"] else np.zeros(0))
    top = int(counts.max()) if len(counts) else 1
    k = len(S.COUNT_RAMP)
    edges = [math.exp(i / k * math.log(1 + top)) - 1 for i in range(k + 1)]
    items = []
    for i, colour in enumerate(S.COUNT_RAMP):
        lo, hi = math.ceil(edges[i]) if i else 1, math.ceil(edges[i + 1]) - 1 if i < k - 1 else top
        if hi >= lo:
            items.append(({"t": "fill", "fc": colour, "fo": 0.8, "c": colour}, f"{lo}–{hi}" if hi > lo else f"{lo}"))
    if ctx.grid is not None:  # counted by the store: no outlines of the units the imprecise events are known to
        return section(f"Events per {payload['cell']:g}° cell", items,
                       note=f"{payload['n_events']:,} events in the window, counted by the store: aggregated; narrow "
                            f"the window or the filters to {POINTS_MAX:,} events or fewer to see points. The cells "
                            f"count the events located to a point; {payload['unlocated']:,} known only to a raion, "
                            "oblast or country are not drawn in this aggregate.")
    return section(f"Events per {payload['cell']:g}° cell", items,
                   note=f"{payload['n_events']:,} events in the window: aggregated; narrow the filters to see points. "
                        "The cells count the events located to a point; those known only to a raion or oblast "
                        "are counted on its outline, those known only to a country in the box "
                        f"\u201c{CALLOUT_TITLE}\u201d.")


def _points_layer(ctx: LayerContext, name: str, cats: list[str], main: dict[str, Any] | None) -> list[Any]:
    """A canvas points layer for ``cats`` (nothing when the window has none of them)."""
    prep = ctx.prepared
    if prep is None or prep.n == 0:
        return []
    codes = [CAT[c] for c in cats]
    mine = np.isin(prep.cat, codes)
    if not mine.any():
        return []
    if main is None:
        main = section("Events", [({"t": "pt", "c": S.CATEGORY_COLOURS[c], "v": "confirmed"}, S.CATEGORY_LABELS[c])
                                  for c in _present(prep.cat[mine], CATEGORIES)])
    if name == "events" and ctx.payload_mode == "points" and not main.get("note"):
        main = {**main, "note": CLUSTER_NOTE}
    legend = _legend(LAYERS[name].order, main, *_shared_sections(prep))
    from geo.assets import MILSYMBOL_URL, UNITS_URL

    symbols = [("milsymbol", MILSYMBOL_URL), ("geo_units", UNITS_URL)] if "deployment" in cats else None
    return [GeoLayer("points", _points_spec(ctx, codes, legend), layer_name=name, extra_js=symbols)]


def _grid_layer(ctx: LayerContext) -> list[Any]:
    """The store's aggregate (no events read): one cells layer for every category."""
    legend = _legend(LAYERS["events"].order, _cells_section(ctx))
    return [GeoLayer("points", _points_spec(ctx, [CAT[c] for c in CATEGORIES], legend), layer_name="events")]


def build_events(ctx: LayerContext) -> list[Any]:
    if ctx.grid is not None:
        return _grid_layer(ctx)
    if ctx.payload_mode == "cells":  # one aggregated layer for every category
        return _points_layer(ctx, "events", list(CATEGORIES), _cells_section(ctx))
    return _points_layer(ctx, "events", [c for c in CATEGORIES if c != "deployment"], None)


#: How the deployments layer draws (its legend's note).
DEPLOYMENT_NOTE: Final = ("Each deployment is its APP-6 symbol (milsymbol): its own code, else derived from the "
                          "equipment named, the report's words or its category (data/sidc_map.csv); the small "
                          "circle at its lower right is its verification, as in the key below.")


def build_deployments(ctx: LayerContext) -> list[Any]:
    prep = ctx.prepared
    if ctx.payload_mode == "cells" or prep is None:
        return []
    used = np.unique(prep.sym[prep.cat == CAT["deployment"]])
    symbols = section("Deployments (APP-6)", [({"t": "sidc", "c": prep.symbols[k][0]}, prep.symbols[k][1])
                                              for k in used if k < len(prep.symbols)], note=DEPLOYMENT_NOTE)
    return _points_layer(ctx, "deployments", ["deployment"], symbols)


def build_ranges(ctx: LayerContext) -> list[Any]:
    rings, unringed = ring_rows(ctx.ring_prepared, ctx.ranges), unringed_count(ctx.ring_prepared, ctx.ranges)
    if not len(rings) and not unringed:
        return []
    dropped = max(len(rings) - MAX_RINGS, 0)
    rings = rings.head(MAX_RINGS)
    ranges = ctx.ranges.reset_index(drop=True)
    styles, style_index, features, kinds = [], {}, [], {}
    for ring in rings.itertuples(index=False):
        row = ranges.iloc[ring.range_row]
        colour = RING_COLOURS.get(row["kind"], S.CATEGORY_COLOURS["deployment"])
        key = (colour, bool(ring.approx))
        if key not in style_index:
            style_index[key] = len(styles)
            styles.append({"color": colour, "weight": 1.2 if ring.approx else 1.6, "opacity": 0.65 if ring.approx else 0.9,
                           "dashArray": "2 6" if ring.approx else "8 6", "fill": False})
        kinds.setdefault(row["kind"], colour)
        lat, lon = geodesic_ring(ring.lat, ring.lon, float(row["range_km"]), RING_VERTICES)
        variant = f" ({row['variant']})" if row["variant"] else ""
        low, high = row["range_low_km"], row["range_high_km"]
        others = ranges[(ranges["system"] == row["system"]) & (ranges.index != ring.range_row)]
        lines = [f"{row['system']}{variant}: {row['range_km']:g} km",
                 f"published range {low:g}–{high:g} km · confidence {row['confidence']}" if pd.notna(low) and pd.notna(high) else f"confidence {row['confidence']}",
                 *[f"also {o['variant'] or o['system']}: {o['range_km']:g} km (inside this ring)" for _i, o in others.iterrows()],
                 f"{ring.events} deployment(s) or unit(s) at this place · origin: "
                 + ("within a few km (near)" if ring.approx else "their point"),
                 f"source: {row['source']}"]
        features.append({"g": [[encode_lines(lat, lon, np.array([0]), GEOMETRY_SCALE)[0]]], "s": style_index[key], "tt": lines})
    items = [({"t": "line", "c": c, "w": 1.6, "d": [8, 6]}, f"{KIND_LABELS.get(k, k)}: maximum range") for k, c in kinds.items()]
    if rings["approx"].any():
        items.append(({"t": "line", "c": "#555555", "w": 1.2, "d": [2, 6], "o": 0.8}, "From a near point (within a few km)"))
    note = ("Geodesic rings at the maximum range from public sources (data/weapon_ranges.csv); figures are "
            "uncertain. One ring per system and place, only for deployments located to a point (units count as "
            "deployments of the equipment they report).")
    if unringed:
        note += f" {unringed} deployment(s) known only to a raion, oblast or country: no ring."
    if dropped:
        note += f" {dropped} more ring(s) not drawn."
    legend = _legend(LAYERS["ranges"].order, section("Weapon ranges", items, note=note))
    return [_shapes("ranges", {"pane": "geoRings", "interactive": True, "styles": styles, "features": features,
                               "legend": legend})]


def build_heatmap(ctx: LayerContext) -> list[Any]:
    prep = ctx.prepared
    if prep is None or prep.n == 0:
        return []
    colours = [c for _k, c in sorted(S.HEAT_GRADIENT.items())]
    legend = _legend(LAYERS["heatmap"].order, section(
        "Heatmap", [({"t": "grad", "cs": colours}, "Density of located events (low → high)")],
        note="Exact and near points only."))
    spec = {"data": ctx.data_key, "point_precs": list(POINT_PRECS), "legend": legend,
            "options": {"radius": 14, "blur": 18, "minOpacity": 0.25, "maxZoom": 10,
                        "gradient": {str(k): v for k, v in S.HEAT_GRADIENT.items()}}}
    return [GeoLayer("heat", spec, layer_name="heatmap", extra_js=[("leaflet-heat.js", HEAT_JS_URL)])]


def _counts(ctx: LayerContext) -> pd.Series | None:
    if ctx.counts is not None:
        return ctx.counts
    events, prep = ctx.events, ctx.prepared
    if events is None or prep is None:
        return None
    fine = np.isin(prep.prec, [PREC["exact"], PREC["near"], PREC["admin2"]])  # a centroid does not count
    if "adm2_id" in events.columns:
        ids = events["adm2_id"].iloc[prep.rows[fine]].astype("string").dropna()
    elif ctx.boundaries is not None:  # not joined: find the raions here
        layer = prepared_layer(ctx.boundaries, 2)
        pos = locate_units(layer, prep.lon[fine], prep.lat[fine])
        ids = pd.Series(layer.ids[pos[pos >= 0]], dtype="string")
    else:
        return None
    return ids.value_counts()


def build_choropleth(ctx: LayerContext) -> list[Any]:
    counts = _counts(ctx)
    if ctx.boundaries is None or counts is None or not len(counts):
        return []
    layer = prepared_layer(ctx.boundaries, 2)
    counts = counts[counts > 0]
    bounds = S.class_breaks(counts.to_numpy())
    if not bounds:
        return []
    ramp = S.COUNT_RAMP if len(bounds) >= len(S.COUNT_RAMP) else S.COUNT_RAMP[len(S.COUNT_RAMP) - len(bounds):]
    styles = [{"color": "#555555", "weight": 0.5, "fillColor": c, "fillOpacity": 0.75} for c in ramp]
    features, unknown = [], 0
    for uid, n in counts.items():
        p = layer.position.get(str(uid), -1)
        if p < 0 or not layer.encoded[p]:
            unknown += 1
            continue
        cls = int(np.searchsorted(bounds, n))
        name, local = str(layer.names[p]), str(layer.locals[p])
        features.append({"g": layer.encoded[p], "s": cls,
                         "tt": [name + (f" / {local}" if local and local != name else ""), f"{int(n)} event(s) in the window"]})
    items = [({"t": "fill", "fc": c, "fo": 0.75, "c": "#555555"},
              f"{(bounds[i - 1] + 1) if i else 1}–{b}" if (b > ((bounds[i - 1] + 1) if i else 1)) else f"{b}")
             for i, (c, b) in enumerate(zip(ramp, bounds))]
    note = "Events with a point or located to the raion; not those known only to an oblast or country."
    if unknown:
        note += f" {unknown} unit id(s) not in the loaded boundaries."
    legend = _legend(LAYERS["choropleth"].order, section("Events per raion", items, note=note))
    return [_shapes("choropleth", {"pane": "geoChoro", "interactive": True, "styles": styles, "features": features,
                                   "legend": legend})]


def _column(frame: Any, *names: str) -> pd.Series | None:
    return next((frame[n] for n in names if n in frame.columns), None)


def build_areas(ctx: LayerContext) -> list[Any]:
    areas = ctx.areas
    if areas is None or not len(areas):
        return []
    if getattr(areas, "crs", None) is not None and areas.crs.to_epsg() != 4326:
        areas = areas.to_crs(4326)
    geoms = shapely.simplify(areas.geometry.to_numpy(), AREA_TOLERANCE, preserve_topology=True)
    encoded = encode_geometries(geoms, GEOMETRY_SCALE)
    kinds = _column(areas, "kind")
    labels = _column(areas, "label", "name", "title")
    dates = _column(areas, "date", "date_end", "as_of")
    kind_values = kinds.astype("string").fillna("area").tolist() if kinds is not None else ["area"] * len(areas)
    styles, style_of, features = [], {}, []
    for i, enc in enumerate(encoded):
        if not enc:
            continue
        kind = kind_values[i]
        if kind not in style_of:
            colour = S.AREA_COLOURS[len(style_of) % len(S.AREA_COLOURS)]
            claimed = "claim" in kind.lower()
            style_of[kind] = len(styles)
            styles.append({"color": colour, "weight": 1.5, "opacity": 0.9, "fillColor": colour,
                           "fillOpacity": 0.12 if claimed else 0.3, "dashArray": "6 4" if claimed else None})
        lines = [str(labels.iloc[i]) if labels is not None and pd.notna(labels.iloc[i]) else kind, kind]
        if dates is not None and pd.notna(dates.iloc[i]):
            lines.append(f"as of {pd.Timestamp(dates.iloc[i]):%Y-%m-%d}")
        features.append({"g": enc, "s": style_of[kind], "tt": lines})
    items = [({"t": "fill", "c": st["color"], "fc": st["fillColor"], "fo": st["fillOpacity"],
               "d": [6, 4] if st.get("dashArray") else None}, kind) for kind, st in
             ((k, styles[v]) for k, v in style_of.items())]
    legend = _legend(LAYERS["areas"].order, section("Areas", items, note="As of the end of the window; claimed areas dashed."))
    return [_shapes("areas", {"pane": "geoAreas", "interactive": True, "styles": styles, "features": features,
                              "legend": legend})]


def build_units(ctx: LayerContext) -> list[Any]:
    """Each unit at its latest reported position on or before the window's last day (:func:`geo.units.drawn`:
    the symbol, affiliation, echelon rank and history every map draws), drawn by milsymbol in the browser."""
    from geo import sidc, units as U
    from geo.assets import MILSYMBOL_URL, UNITS_URL

    if ctx.units is None or not len(ctx.units):
        return []
    day = ctx.window[1] if ctx.window is not None else pd.Timestamp(ctx.units["date"].max()).date()
    table = U.drawn(ctx.units, day)
    if not len(table):
        return []

    def text(value: object) -> str:
        return "" if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) else str(value)

    linked = U.deployments_by_unit(ctx.events, ctx.units) if ctx.events is not None else {}
    feats = []
    for r in table.itertuples(index=False):
        count, latest = linked.get(str(r.unit_key), (0, ()))
        feats.append({
            "la": round(float(r.lat), 5), "lo": round(float(r.lon), 5), "c": str(r.symbol), "n": text(r.unit),
            "r": int(r.echelon_rank), "a": int(r.age_days), "d": pd.Timestamp(r.date).date().isoformat(),
            "s": text(r.side), "e": text(r.echelon), "p": text(r.parent), "note": text(r.symbol_note),
            "desc": sidc.parse(str(r.symbol)).describe(), "t": U.designation(text(r.unit)),
            "h": [[d, la, lo, src, ver] for d, la, lo, src, ver in r.history],
            **({"ev": [list(e) for e in latest], "nev": count} if count else {}),
        })
    symbols, more = U.symbol_key(table)
    items = [({"t": "sidc", "c": code}, label) for code, label in symbols]
    if more:
        items.append(({"t": "box"}, f"{more} more kinds of symbol (see each unit's popup)"))
    items.append(({"t": "line", "c": "#444444", "w": 1.5, "d": [4, 4]},
                  "Track: earlier reports (dots), an arrow per move"))
    note = (f"APP-6 symbols (milsymbol), each unit at its latest report on or before {day.isoformat()}; faded with "
            f"its age when older than {U.FADE_DAYS} days; zoomed out, only brigades and above.")
    legend = _legend(LAYERS["units"].order, section(f"Units as of {day.isoformat()}", items, note=note))
    spec = {"units": feats, "size": 26, "fade": U.FADE_DAYS, "lod": [list(t) for t in U.UNIT_LOD],
            "designation_zoom": U.DESIGNATION_ZOOM, "designation_size": U.DESIGNATION_SIZE,
            "day": day.isoformat(), "track": True, "legend": legend}
    return [GeoLayer("units", spec, layer_name="units",
                     extra_js=[("milsymbol", MILSYMBOL_URL), ("geo_units", UNITS_URL)])]


# --- the registry -------------------------------------------------------------------------------------

#: The Leaflet drawer of each registry layer (:data:`geo.layers.LAYERS`).
_DRAWERS: Final[dict[str, Builder]] = {
    "countries": build_countries, "oblasts": build_oblasts, "raions": build_raions,
    "border_districts": build_border_districts, "labels": build_labels, "events": build_events,
    "deployments": build_deployments, "ranges": build_ranges, "heatmap": build_heatmap,
    "choropleth": build_choropleth, "areas": build_areas, "units": build_units,
}
if set(_DRAWERS) != set(layers.LAYERS):
    raise GeoError(f"expected a Leaflet drawer for every registry layer, got {sorted(set(layers.LAYERS) ^ set(_DRAWERS))}")
LAYERS: dict[str, LayerSpec] = {
    name: LayerSpec(d.name, d.title, d.show, d.group, d.order, _DRAWERS[name], needs_data=d.needs_data)
    for name, d in layers.LAYERS.items()
}


def data_element(ctx: LayerContext) -> GeoData:
    """The events payload as one element; its key (a hash of the payload) goes into ``ctx.data_key``."""
    payload, _nbytes = ctx.payload
    element = GeoData(payload, layer_name="events")
    ctx.data_key = element.key
    return element
