"""Legend sections (shared with the JS legend) and :func:`legend_html` for exports and side panels.

A section is ``{"title": str, "items": [{"sw": swatch, "label": str}], "note": str | None}``; a swatch is
``{"t": "line"|"fill"|"pt"|"grad", ...}`` (see runtime.js ``swatch``). Every layer carries
``{"order": int, "sections": [...]}``; the map legend shows the sections of the layers on the map.

The names the legend gives categories, verification and precision (:data:`VALUE_LABELS`) and the category
colours are also what charts and tables beside the map show: :func:`category_colours`, :func:`readable`.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator
from typing import Any, Final

import pandas as pd

from geo.render.style import (
    CATEGORY_LABELS,
    PRECISION_LABELS,
    VERIFICATION_LABELS,
    VERIFICATION_STYLES,
    category_table,
)

Section = dict[str, Any]


#: Readable values per event column, as the map's legend and popups name them.
VALUE_LABELS: Final[dict[str, dict[str, str]]] = {
    "category": CATEGORY_LABELS,
    "verification": VERIFICATION_LABELS,
    "geo_precision": PRECISION_LABELS,
}


def category_colours() -> dict[str, str]:
    """Readable category name → its colour on the map, in code order (a chart's colour scale)."""
    return {row["label"]: row["colour"] for row in category_table()}


def readable(column: str, values: pd.Series) -> pd.Series:
    """``values`` of ``column`` under the names of :data:`VALUE_LABELS` (other values and columns as they
    are), as strings; for display only, the data keeps its codes."""
    names = VALUE_LABELS.get(column)
    if names is None:
        return values
    text = values.astype("string")
    return text.map(names).fillna(text).astype("string")


def section(title: str, items: Iterable[tuple[dict[str, Any], str]], note: str | None = None) -> Section:
    return {"title": title, "items": [{"sw": sw, "label": label} for sw, label in items], "note": note}


def _attrs(**attrs: Any) -> str:
    return " ".join(f'{k.replace("_", "-")}="{html.escape(str(v), quote=True)}"' for k, v in attrs.items() if v is not None)


def _dash(d: list[float] | None) -> str | None:
    return " ".join(str(x) for x in d) if d else None


def swatch_svg(sw: dict[str, Any]) -> str:
    """The swatch as an inline SVG string (the same drawing as the JS legend)."""
    t = sw.get("t")
    if t == "pt":
        v = VERIFICATION_STYLES.get(sw.get("v", "confirmed"), VERIFICATION_STYLES["confirmed"])
        paint = _attrs(fill=sw["c"] if v["fill"] else "none", fill_opacity=v["fill"], stroke=v["sc"] or sw["c"],
                       stroke_width=v["w"], stroke_dasharray=_dash(v["d"]))
        body = (f'<path {_attrs(d=sw["s"], transform="scale(6)", vector_effect="non-scaling-stroke")} {paint}/>'
                if sw.get("s") else f'<circle r="5" {paint}/>')
        if v.get("cross"):
            body += f'<path d="M-3,-3L3,3M-3,3L3,-3" {_attrs(stroke=sw["c"])} stroke-width="1.5"/>'
        if sw.get("p") == "near":
            body += f'<circle r="8.5" fill="none" {_attrs(stroke=sw["c"])} stroke-width="1" stroke-opacity="0.6"/>'
        elif sw.get("p") == "unit":  # the symbol inside its unit's outline: dashed, never filled
            body += f'<rect x="-10" y="-8" width="20" height="16" fill="none" {_attrs(stroke=sw["c"])} stroke-width="1" stroke-dasharray="3 2"/>'
        return f'<svg width="22" height="18" viewBox="-11 -9 22 18">{body}</svg>'
    if t == "sidc":  # a unit symbol: milsymbol's own drawing of the code, as the live legend shows it
        from geo.symbols import symbol_svg

        return symbol_svg(str(sw["c"]), size=12).svg
    if t == "line":
        body = f'<path d="M1,7H21" fill="none" {_attrs(stroke=sw["c"], stroke_width=sw.get("w", 2), stroke_dasharray=_dash(sw.get("d")), stroke_opacity=sw.get("o"))}/>'
    elif t == "grad":
        stops = "".join(f'<stop {_attrs(offset=i / max(len(sw["cs"]) - 1, 1), stop_color=c)}/>' for i, c in enumerate(sw["cs"]))
        body = f'<defs><linearGradient id="g">{stops}</linearGradient></defs><rect x="1" y="2" width="20" height="10" fill="url(#g)"/>'
    else:
        body = f'<rect x="2" y="2" width="18" height="10" {_attrs(fill=sw.get("fc") or "none", fill_opacity=sw.get("fo"), stroke=sw.get("c") or "none", stroke_width=sw.get("w", 1), stroke_dasharray=_dash(sw.get("d")))}/>'
    return f'<svg width="22" height="14" viewBox="0 0 22 14">{body}</svg>'


def _legends(objs: Iterable[Any]) -> Iterator[dict[str, Any]]:
    for obj in objs:
        if isinstance(obj, dict) and "sections" in obj:
            yield obj
            continue
        stack = [obj]
        while stack:
            el = stack.pop()
            legend = getattr(el, "legend", None)
            if isinstance(legend, dict) and legend.get("sections"):
                yield legend
            stack.extend(reversed(list(getattr(el, "_children", {}).values())))


def legend_html(*objs: Any) -> str:
    """HTML (escaped, inline SVG swatches) of the legends of the given maps, feature groups or legends.

    Sections are ordered as on the map and a section title shown once (as the map legend does); sections whose
    titles differ only by trailing spaces (the boundary levels) follow one heading.
    """
    legends = sorted(_legends(objs), key=lambda lg: lg.get("order", 0))
    seen: set[str] = set()
    last: str | None = None
    parts = ['<div class="geo-legend-html">']
    for lg in legends:
        for sec in lg["sections"]:
            if sec["title"] in seen:
                continue
            seen.add(sec["title"])
            title = sec["title"].strip()  # consecutive sections of one heading (boundary levels) show it once
            head = "" if title == last else f'<div class="geo-lt"><b>{html.escape(title)}</b></div>'
            last = title
            parts.append(f'<div class="geo-ls">{head}')
            for item in sec.get("items", []):
                parts.append(
                    '<div class="geo-li" style="display:flex;align-items:center;gap:6px">'
                    f'{swatch_svg(item["sw"])}<span>{html.escape(item["label"])}</span></div>'
                )
            if sec.get("note"):
                parts.append(f'<div class="geo-ln" style="color:#555;font-size:90%">{html.escape(sec["note"])}</div>')
            parts.append("</div>")
    parts.append("</div>")
    return "".join(parts)
