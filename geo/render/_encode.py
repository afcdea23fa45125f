"""Compact, script-safe encodings: JSON literals for <script>, packed base64 columns, polyline rings."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from typing import Any, Final

import numpy as np
import shapely

#: Column type codes understood by the JS runtime, and their numpy dtypes (little-endian).
DTYPES: Final = {"i4": "<i4", "u4": "<u4", "u2": "<u2", "u1": "u1"}
_ALIGN: Final = {"i4": 4, "u4": 4, "u2": 2, "u1": 1}

_JS_ESCAPES: Final = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "'": "\\u0027",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JS_TABLE: Final = str.maketrans(_JS_ESCAPES)
_JINJA_OPEN: Final = re.compile(r"\{(?=[{%#])")


def js_literal(obj: Any) -> str:
    """``obj`` as a JSON literal safe inside an HTML <script>, a Jinja template and streamlit-folium.

    ``<``, ``>``, ``&``, ``'`` and U+2028/2029 can only occur inside JSON strings, so they are escaped
    everywhere: no ``</script>``, ``<!--``, markup or ``{{'name'}}`` pattern survives in the page. branca
    parses every rendered script again as a Jinja template, so a ``{`` opening ``{{``, ``{%`` or ``{#``
    (only possible inside strings: JSON objects open with ``{"`` or ``{}``) is escaped too: data can
    never become template code.
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _JINJA_OPEN.sub(r"\\u007b", text.translate(_JS_TABLE))


def pack_columns(columns: Mapping[str, tuple[np.ndarray, str]]) -> tuple[str, dict[str, list[Any]], int]:
    """Pack equally long arrays into one base64 string; returns (b64, {name: [offset, type]}, bytes).

    Columns are laid out widest type first so that every typed-array view in JS is aligned.
    """
    order = sorted(columns, key=lambda name: -_ALIGN[columns[name][1]])
    parts: list[bytes] = []
    layout: dict[str, list[Any]] = {}
    offset = 0
    for name in order:
        values, kind = columns[name]
        pad = -offset % _ALIGN[kind]
        if pad:
            parts.append(b"\0" * pad)
            offset += pad
        raw = np.ascontiguousarray(values, dtype=DTYPES[kind]).tobytes()
        layout[name] = [offset, kind]
        parts.append(raw)
        offset += len(raw)
    blob = b"".join(parts)
    return base64.b64encode(blob).decode("ascii"), layout, len(blob)


def _polyline_chars(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Polyline-encode signed ints: the characters (uint8) and how many each value took."""
    v = values.astype(np.int64)
    z = np.where(v < 0, ~(v << 1), v << 1)
    nchunks = np.ones(len(z), dtype=np.int64)
    for k in range(1, 7):
        nchunks += z >= (1 << (5 * k))
    shifts = 5 * np.arange(7, dtype=np.int64)
    chunks = (z[:, None] >> shifts[None, :]) & 31
    cont = np.arange(7)[None, :] < (nchunks[:, None] - 1)
    chars = chunks + 63 + 32 * cont
    used = np.arange(7)[None, :] < nchunks[:, None]
    return chars[used].astype(np.uint8), nchunks


def encode_lines(lat: np.ndarray, lon: np.ndarray, starts: np.ndarray, scale: float) -> list[str]:
    """Polyline strings (lat, lon pairs) for consecutive runs of points beginning at ``starts``."""
    n = len(lat)
    if n == 0:
        return []
    q = np.column_stack([np.round(lat * scale), np.round(lon * scale)]).astype(np.int64)
    d = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    d[starts] = q[starts]
    chars, counts = _polyline_chars(d.ravel())
    per_point = counts.reshape(-1, 2).sum(axis=1)
    ends = np.cumsum(per_point)
    begin = np.concatenate([[0], ends[:-1]])
    text = chars.tobytes().decode("ascii")
    stops = np.append(starts[1:], n)
    return [text[begin[s] : ends[e - 1]] for s, e in zip(starts, stops)]


def encode_geometries(geoms: np.ndarray, scale: float = 1e4) -> list[list[list[str]]]:
    """Encode (Multi)Polygons / (Multi)LineStrings: per geometry, its parts, each a list of rings.

    Closing vertices are dropped (Leaflet closes polygons itself); empty geometries give ``[]``.
    """
    out: list[list[list[str]]] = [[] for _ in range(len(geoms))]
    if len(geoms) == 0:
        return out
    parts, part_owner = shapely.get_parts(geoms, return_index=True)
    if len(parts) == 0:
        return out
    polygonal = shapely.get_type_id(parts) == 3
    rings = np.empty(0, dtype=object)
    ring_part = np.empty(0, dtype=np.int64)
    if polygonal.any():
        pi = np.flatnonzero(polygonal)
        r, rp = shapely.get_rings(parts[pi], return_index=True)
        rings, ring_part = np.concatenate([rings, r]), np.concatenate([ring_part, pi[rp]])
    if (~polygonal).any():
        li = np.flatnonzero(~polygonal)
        rings, ring_part = np.concatenate([rings, parts[li]]), np.concatenate([ring_part, li])
    order = np.argsort(ring_part, kind="stable")
    rings, ring_part = rings[order], ring_part[order]
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    closed = shapely.get_type_id(rings) == 2  # LinearRing
    last = np.r_[ring_of[1:] != ring_of[:-1], True]
    keep = ~(last & closed[ring_of])
    coords, ring_of = coords[keep], ring_of[keep]
    present = np.unique(ring_of)
    starts = np.searchsorted(ring_of, present)
    strings = encode_lines(coords[:, 1], coords[:, 0], starts, scale)
    part_rings: dict[int, list[str]] = {}
    for ring_idx, s in zip(present, strings):
        part_rings.setdefault(int(ring_part[ring_idx]), []).append(s)
    for p in sorted(part_rings):
        out[int(part_owner[p])].append(part_rings[p])
    return out
