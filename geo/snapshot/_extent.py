"""Named extents for snapshots ("presets"), derived from the loaded boundaries: the whole theatre, each
international border between loaded countries, the border districts, and every oblast / voblast."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from geo.errors import GeoError

Box = tuple[float, float, float, float]

#: Margin around a preset's shapes, in degrees (so that the events on its edge are not on the frame).
PAD = 0.25


def _padded(bounds: Any, pad: float = PAD) -> Box:
    w, s, e, n = (float(v) for v in bounds)
    return (round(max(w - pad, -180.0), 3), round(max(s - pad, -85.0), 3),
            round(min(e + pad, 180.0), 3), round(min(n + pad, 85.0), 3))


def extent_presets(boundaries: Any, index: Any = None) -> dict[str, Box]:
    """Preset name → (minlon, minlat, maxlon, maxlat), in a stable order: all loaded raions (or oblasts),
    each border line (e.g. "BLR–UKR border"), "Border districts", then each ADM1 unit ("Kursk region (RUS)")."""
    out: dict[str, Box] = {}
    for level, label in ((2, "All loaded raions / districts"), (1, "All loaded oblasts / regions")):
        layer = getattr(boundaries, f"adm{level}", None)
        if layer is not None and len(layer):  # not ADM0: Russia's outline spans the antimeridian
            out[label] = _padded(layer.total_bounds, 0.1)
            break
    if index is not None:
        inverse = index.to_proj
        for pair, line in sorted(index.border_lines.items()):
            xy = shapely.get_coordinates(line)
            if not len(xy):
                continue
            lon, lat = inverse.transform(xy[:, 0], xy[:, 1], direction="INVERSE")
            label = "–".join(str(pair).replace("-", " ").split())
            out[f"{label} border"] = _padded((np.min(lon), np.min(lat), np.max(lon), np.max(lat)))
        districts = index.border_districts
        adm2 = getattr(boundaries, "adm2", None)
        if len(districts) and adm2 is not None and len(adm2):
            rows = adm2.loc[adm2["unit_id"].astype(str).isin(set(districts["adm2_id"].astype(str)))]
            if len(rows):
                out["Border districts"] = _padded(rows.total_bounds)
    adm1 = getattr(boundaries, "adm1", None)
    if adm1 is not None and len(adm1):
        names = adm1["name"].astype(str) + " (" + adm1["iso3"].astype(str) + ")"
        for name, geom in sorted(zip(names, adm1.geometry.to_numpy()), key=lambda t: t[0].casefold()):
            if geom is not None and not geom.is_empty:
                out.setdefault(name, _padded(geom.bounds, 0.1))
    return out


def preset_extent(name: str, boundaries: Any, index: Any = None) -> Box:
    """The preset called ``name``: case-insensitive, and any unique part of a name works ("kursk")."""
    presets = extent_presets(boundaries, index)
    wanted = name.strip().casefold()
    exact = [k for k in presets if k.casefold() == wanted]
    if exact:
        return presets[exact[0]]
    for found in ([k for k in presets if k.casefold().split(" (")[0] == wanted],
                  [k for k in presets if wanted in k.casefold()]):
        if len(found) == 1:
            return presets[found[0]]
    close = [k for k in presets if wanted in k.casefold()][:8]
    hint = f"; did you mean {', '.join(close)}?" if close else f"; {len(presets)} presets, e.g. {', '.join(list(presets)[:4])}"
    raise GeoError(f"expected an extent preset name, got {name!r}{hint}")
