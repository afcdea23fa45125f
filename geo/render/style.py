"""Colours, symbols and line styles shared by the canvas (JS), the legend (JS) and :func:`legend_html`."""

from __future__ import annotations

import math
from typing import Any, Final

import numpy as np

from geo.schema import CATEGORIES, GEO_PRECISION, VERIFICATION

#: One colour per category (Okabe-Ito, distinguishable with the common colour-vision deficiencies).
CATEGORY_COLOURS: Final[dict[str, str]] = {
    "deployment": "#0072B2",
    "airspace_incident": "#56B4E9",
    "strike": "#D55E00",
    "ground_combat": "#E69F00",
    "territorial_change": "#009E73",
    "statement": "#CC79A7",
    "other": "#7F7F7F",
}
CATEGORY_LABELS: Final[dict[str, str]] = {
    "deployment": "Deployment",
    "airspace_incident": "Airspace incident",
    "strike": "Strike",
    "ground_combat": "Ground combat",
    "territorial_change": "Territorial change",
    "statement": "Statement",
    "other": "Other",
}

#: Verification at a glance, as ISW separates assessed from claimed: fill opacity (0 = hollow),
#: stroke width, dash pattern (px), stroke colour override, and a cross for disputed.
VERIFICATION_STYLES: Final[dict[str, dict[str, Any]]] = {
    "confirmed": {"fill": 0.9, "w": 1.2, "d": None, "sc": "#1a1a1a", "label": "Confirmed (solid)"},
    "reported": {"fill": 0.4, "w": 1.6, "d": None, "sc": None, "label": "Reported (light fill)"},
    "claimed": {"fill": 0.0, "w": 2.0, "d": [3, 2], "sc": None, "label": "Claimed (hollow, dashed)"},
    "disputed": {"fill": 0.0, "w": 1.6, "d": [1, 2], "sc": None, "cross": True, "label": "Disputed (hollow, cross)"},
}
VERIFICATION_LABELS: Final = {"confirmed": "Confirmed", "reported": "Reported", "claimed": "Claimed", "disputed": "Disputed"}

PRECISION_LABELS: Final[dict[str, str]] = {
    "exact": "exact point",
    "near": "near (within a few km)",
    "admin2": "raion / district only",
    "admin1": "oblast / region only",
    "country": "country only",
    "none": "no location",
}

#: Deployment kinds (the weapon-range rings' classes; a deployment's symbol is its APP-6 code, geo.sidc).
SYMBOLS: Final[dict[str, dict[str, str]]] = {
    "troops": {"label": "Troops / ground units"},
    "ballistic_missile": {"label": "Ballistic missiles (Iskander, Tochka)"},
    "rocket_artillery": {"label": "Rocket artillery (Polonez, MLRS)"},
    "air_defence": {"label": "Air defence (S-300/S-400, Tor, Buk)"},
    "aviation": {"label": "Aviation"},
    "other": {"label": "Other deployment"},
}
SYMBOL_KINDS: Final = tuple(SYMBOLS)

# One colour family per layer, none shared (a map briefed in colour and printed in grey must not make a
# choropleth class look like a ballistic-missile ring): weapon-range rings red, orange and blue by kind
# (geo.render._layers.RING_COLOURS); events per raion purples; the heatmap yellow-green-blue; dated areas
# greens, magenta, teal and olive; border districts ochre. Both ramps fall in luminance, so they read in grey.
#: Events per raion (ColorBrewer Purples 5).
COUNT_RAMP: Final = ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f")
#: Event density, light to dark (ColorBrewer YlGnBu 6): the live map's gradient and the snapshot's ramp.
HEAT_RAMP: Final = ("#ffffd9", "#c7e9b4", "#7fcdbb", "#41b6c4", "#225ea8", "#081d58")
HEAT_GRADIENT: Final = {0.2: HEAT_RAMP[1], 0.45: HEAT_RAMP[2], 0.65: HEAT_RAMP[3], 0.85: HEAT_RAMP[4], 1.0: HEAT_RAMP[5]}

#: Area kinds get a colour in order of appearance; "claimed" kinds are drawn dashed with a lighter fill.
AREA_COLOURS: Final = ("#1b7837", "#c51b7d", "#01665e", "#808000", "#4d4d4d", "#5aae61")

BOUNDARY_STYLES: Final[dict[str, dict[str, Any]]] = {
    "countries": {"color": "#1a1a1a", "weight": 2.2, "opacity": 0.9, "fill": False},
    "oblasts": {"color": "#555555", "weight": 1.2, "opacity": 0.8, "fill": False},
    "raions": {"color": "#8a8a8a", "weight": 0.6, "opacity": 0.8, "fillOpacity": 0.0, "fillColor": "#000000"},
    "border_districts": {"color": "#a6761d", "weight": 1.2, "opacity": 0.9, "dashArray": "4 3",
                         "fillColor": "#e6c98f", "fillOpacity": 0.16},
}
RAION_HOVER: Final = {"color": "#333333", "weight": 1.6, "fillOpacity": 0.08}


#: How drawn shapes look (a colour no layer uses: the analyst's own outline).
DRAW_STYLE: Final = {"color": "#d4145a", "weight": 2.5, "opacity": 0.9, "fillOpacity": 0.06, "dashArray": "6 4"}


def class_breaks(values: np.ndarray, k: int = 5) -> list[int]:
    """Upper bounds (inclusive) of up to ``k`` classes of positive counts: rounded quantiles, last = max."""
    v = np.asarray(values, dtype=float)
    v = v[v > 0]
    if len(v) == 0:
        return []
    qs = np.quantile(v, np.linspace(0, 1, k + 1)[1:-1])
    bounds = sorted({int(math.ceil(q)) for q in qs} | {int(v.max())})
    return [b for i, b in enumerate(bounds) if i == 0 or b > bounds[i - 1]]


def category_table() -> list[dict[str, str]]:
    """Categories in code order (the JS decodes category codes into this table)."""
    return [{"name": c, "label": CATEGORY_LABELS[c], "colour": CATEGORY_COLOURS[c]} for c in CATEGORIES]


def verification_table() -> list[dict[str, str]]:
    return [{"name": v, "label": VERIFICATION_LABELS[v]} for v in VERIFICATION]


def precision_table() -> list[dict[str, str]]:
    return [{"name": p, "label": PRECISION_LABELS[p]} for p in GEO_PRECISION]


def styles() -> dict[str, Any]:
    """The style tables the JS needs for points and point swatches."""
    return {"ver": {k: {kk: vv for kk, vv in v.items() if kk != "label"} for k, v in VERIFICATION_STYLES.items()}}
