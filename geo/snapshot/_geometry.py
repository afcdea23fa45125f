"""Geometry for the static map: clip, simplify and project shapely geometries; rings and paths for
matplotlib collections."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from matplotlib.path import Path as MPath
from pyproj import Transformer


def project(geoms: np.ndarray, tf: Transformer) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: np.column_stack(tf.transform(xy[:, 0], xy[:, 1])))


def rings(geoms: np.ndarray, outside: Any = None, border: Any = None, reach: float = 0.0) -> list[np.ndarray]:
    """Outline vertex arrays of (multi)polygons, for a LineCollection; with ``outside`` (a polygon), only the
    parts of the outlines outside it, their cut ends extended to ``border`` (a line) when within ``reach``."""
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    if not len(geoms):
        return []
    lines = shapely.get_parts(shapely.boundary(shapely.get_parts(geoms)))
    if outside is not None:
        shapely.prepare(outside)
        near = shapely.intersects(lines, outside)  # only those lines are cut: the rest stay as they are
        cut = shapely.get_parts(shapely.line_merge(shapely.difference(lines[near], outside)))
        lines = np.concatenate([lines[~near], cut])
        if border is not None and len(lines):  # lines cut at the zone reach the line it surrounds
            lines = join_ends(lines, border, reach)
    coords, idx = shapely.get_coordinates(lines, return_index=True)
    if not len(coords):
        return []
    cuts = np.flatnonzero(np.diff(idx)) + 1
    return [c for c in np.split(coords, cuts) if len(c) > 1]


def shared_borders(geoms: np.ndarray, tolerance: float) -> list[np.ndarray]:
    """Outline vertex arrays of projected country polygons where a border two countries share is drawn once:
    each country's outline leaves out what lies within ``tolerance`` (map units) of a country drawn before it,
    whose line stands for both. Two sources that trace one border up to a couple of kilometres apart would
    otherwise print as two parallel lines with slivers between."""
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    out: list[np.ndarray] = []
    before = None
    for g in geoms:
        outline = shapely.boundary(g)
        if before is None:
            lines = shapely.get_parts(outline)
        else:
            drawn = shapely.multilinestrings([shapely.linestrings(c) for c in out]) if out else None
            outline = shapely.difference(outline, before)
            lines = shapely.get_parts(shapely.line_merge(outline) if not shapely.is_empty(outline) else outline)
            if drawn is not None:  # the cut ends meet the line drawn before: no gap at a tripoint
                lines = join_ends(lines, drawn, 2 * tolerance)
        for line in lines:
            coords = shapely.get_coordinates(line)
            if len(coords) > 1:
                out.append(coords)
        zone = shapely.buffer(shapely.make_valid(g), tolerance)  # clipped, simplified outlines can be invalid
        before = zone if before is None else shapely.union(before, zone)
    return out


def join_ends(lines: np.ndarray, target: Any, reach: float) -> np.ndarray:
    """``lines`` with each end nearer than ``reach`` to ``target`` extended to its nearest point there."""
    out = []
    for line in lines:
        coords = shapely.get_coordinates(line)
        if len(coords) < 2:
            continue
        for at, end in ((0, coords[0]), (-1, coords[-1])):
            point = shapely.points(end)
            if shapely.distance(point, target) < reach:
                nearest = shapely.get_coordinates(shapely.shortest_line(point, target))[1]
                coords = np.vstack([nearest, coords]) if at == 0 else np.vstack([coords, nearest])
        out.append(shapely.linestrings(coords))
    return np.array(out, dtype=object)


def exteriors(geoms: np.ndarray) -> list[np.ndarray]:
    parts = shapely.get_parts(geoms[~shapely.is_missing(geoms)])
    parts = parts[shapely.get_type_id(parts) == 3]
    return [shapely.get_coordinates(shapely.get_exterior_ring(p)) for p in parts]


def polygon_paths(geom: Any) -> list[MPath]:
    """One matplotlib Path per polygon part, holes included (as further closed sub-paths)."""
    if geom is None or shapely.is_empty(geom):
        return []
    parts = shapely.get_parts(np.array([geom], dtype=object))
    out = []
    for part in parts[shapely.get_type_id(parts) == 3]:
        loops = [shapely.get_coordinates(part.exterior)]
        loops += [shapely.get_coordinates(r) for r in part.interiors]
        loops = [c for c in loops if len(c) >= 4]
        if loops:
            out.append(MPath.make_compound_path(*(MPath(c, closed=True) for c in loops)))
    return out


def clip(frame: Any, clip_box: shapely.Geometry, tf: Transformer, tol: float = 0.0) -> np.ndarray:
    """The geometries of ``frame`` meeting ``clip_box``, clipped, simplified by ``tol`` degrees, projected."""
    if frame is None or not len(frame):
        return np.empty(0, dtype=object)
    return clip_geoms(np.asarray(frame.geometry.to_numpy(), dtype=object), clip_box, tf, tol)[1]


def clip_geoms(
    geoms: np.ndarray, clip_box: shapely.Geometry, tf: Transformer, tol: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """(which of ``geoms`` meet ``clip_box``, those clipped, simplified by ``tol`` degrees and projected)."""
    geoms = np.asarray(geoms, dtype=object)
    hit = ~shapely.is_missing(geoms)
    hit[hit] = shapely.intersects(geoms[hit], clip_box)
    clipped = shapely.clip_by_rect(geoms[hit], *clip_box.bounds)
    if tol > 0:
        clipped = shapely.simplify(clipped, tol)
    return hit, project(clipped, tf)
