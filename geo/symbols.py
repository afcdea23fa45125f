"""Military unit symbols for the static exports, drawn by milsymbol itself and replayed in matplotlib.

The live map draws unit symbols with milsymbol (``geo/render/units.js``, ``GeoUnits.icon``); the static
exports (PNG/SVG/PDF/PPTX, :mod:`geo.snapshot`) must show the same symbols, never a look-alike. So this
module runs the very same file, ``geo/render/vendor/milsymbol.js`` (milsymbol 3.0.4, MIT licence, Måns
Beckman; vendored unchanged with its licence, see ``geo/render/vendor/README.md``), in an embedded V8
(the ``mini-racer`` wheel, which carries the engine: nothing is fetched, nothing runs outside the process)
and turns its SVG into matplotlib drawing:

:func:`symbol_svg`
    ``new ms.Symbol(sidc, {size, ...}).asSVG()`` with ``getAnchor()``, ``getSize()`` and ``isValid()``, as
    a frozen :class:`SymbolSvg`. A code milsymbol finds invalid is drawn as :data:`UNKNOWN` (the
    wrapper's ``GeoUnits.UNKNOWN``: unknown affiliation, land unit, no icon), ``valid=False``. One icon per
    (code, size, options): the same call returns the same object (``functools.lru_cache``).
:func:`symbol_artists`
    The SVG parsed by ``svgelements`` (transforms, inherited styles, circles and arcs resolved into
    paths) into :class:`SymbolPath` records (a matplotlib ``Path`` in points relative to milsymbol's
    anchor, y up; face and edge RGBA; line width in points; line style, cap, join) and
    :class:`SymbolText` records (string, position, font size, alignment, colour), in milsymbol's
    drawing order.
:func:`draw_symbols`
    Draws units at data coordinates, each anchored where milsymbol anchors it (the frame's centre for a
    land unit), ``size_pt`` being milsymbol's ``size`` in points. One ``PathCollection`` per distinct
    code (offsets in data coordinates, paths in points): 2,000 units of 8 codes are about 8 draw calls.
    Each unit's elements are consecutive in its collection, so overlapping units stack whole, as in the
    browser; text (milsymbol's modifiers, and the few icons that are letters) joins the collection as
    matplotlib text outlines (``TextPath``) in the font matplotlib resolves for milsymbol's Arial.
    ``alpha`` per unit fades old reports.

The V8 context is made on first use (milsymbol loaded once per process, under a lock; calls into it are
serialised) and closed at exit: a context left to the interpreter's teardown can hang the exit. V8 does not
survive a fork: a forked child keeps the icons already made, and asking it for a new one raises a
``RuntimeError`` that says so (rather than hanging); a child forked before the first symbol starts its own.
"""

from __future__ import annotations

import atexit
import ctypes
import io
import json
import math
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.path import Path as MPath
    from py_mini_racer import MiniRacer

__all__ = [
    "DEFAULT_SIZE",
    "MILSYMBOL_JS",
    "UNKNOWN",
    "SymbolArtists",
    "SymbolPath",
    "SymbolSvg",
    "SymbolText",
    "draw_symbols",
    "symbol_artists",
    "symbol_patches",
    "symbol_svg",
]

#: The vendored milsymbol build (the UMD file that defines the global ``ms``).
MILSYMBOL_JS: Final = Path(__file__).resolve().parent / "render" / "vendor" / "milsymbol.js"
#: Drawn instead of an invalid code; the same as ``GeoUnits.UNKNOWN`` in geo/render/units.js (a test keeps
#: them equal): unknown affiliation, land unit, no icon (2525D / APP-6D number SIDC).
UNKNOWN: Final = "10011000000000000000"
#: milsymbol's ``size`` (the height of a land unit's frame, in pixels) when none is given: ``GeoUnits.SIZE``.
DEFAULT_SIZE: Final = 30.0
#: Icons kept per cache (a long session with ever new designations): ``GeoUnits.CACHE_MAX``.
CACHE_MAX: Final = 5000

RGBA = tuple[float, float, float, float]
OptionValue = str | int | float | bool
LineStyle = str | tuple[float, tuple[float, ...]]

# --- the engine ------------------------------------------------------------------------------------------

#: Installed once after milsymbol: the wrapper's rule (units.js ``GeoUnits.icon``): a code is drawn when
#: ``new ms.Symbol(code).isValid()``, else the unknown code is drawn with the same options.
_HELPER_JS: Final = """
globalThis.__geoSymbol = function (code, opts, unknown) {
  var ok = false;
  if (code) {
    try { ok = new ms.Symbol(code).isValid() === true; } catch (e) { ok = false; }
  }
  var symbol = new ms.Symbol(ok ? code : unknown, opts);
  var anchor = symbol.getAnchor(), size = symbol.getSize();
  return JSON.stringify({svg: symbol.asSVG(), width: size.width, height: size.height,
                         anchor_x: anchor.x, anchor_y: anchor.y, valid: ok, sidc: ok ? code : unknown});
};
"""

_lock = threading.Lock()
_engine: MiniRacer | None = None
_engine_pid: int | None = None
#: The process that started V8 (process-wide state a forked child inherits broken).
_v8_pid: int | None = None


def _close_engine() -> None:
    """Close the V8 context (at exit: one left to the interpreter's teardown can hang the process)."""
    global _engine, _engine_pid
    with _lock:
        engine, pid = _engine, _engine_pid
        _engine, _engine_pid = None, None
    if engine is not None and pid == os.getpid():  # a forked child does not own its parent's V8 threads
        engine.close()


def _forget_engine_in_child() -> None:
    """In a forked child: drop the parent's context without ever freeing it (freeing waits, forever, for V8
    threads the child does not have; a reference held from C keeps even the interpreter's teardown away)."""
    global _engine, _engine_pid, _lock
    if _engine is not None:
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(_engine))
    _engine, _engine_pid = None, None
    _lock = threading.Lock()  # another thread of the parent may have held it at the fork


atexit.register(_close_engine)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_engine_in_child)


def _call_milsymbol(sidc: str, options: dict[str, OptionValue]) -> dict[str, Any]:
    """Run milsymbol on one code (the engine made on first use); its answer as a dict."""
    global _engine, _engine_pid, _v8_pid
    with _lock:
        if _engine is None or _engine_pid != os.getpid():
            if _v8_pid is not None and _v8_pid != os.getpid():
                raise RuntimeError(
                    "geo.symbols: milsymbol's V8 engine started in a parent process and cannot run in a forked"
                    " child (draw the symbols before forking, or use the 'spawn' start method)")
            from py_mini_racer import MiniRacer

            engine = MiniRacer()
            engine.eval(MILSYMBOL_JS.read_text(encoding="utf-8"))
            engine.eval(_HELPER_JS)
            _engine, _engine_pid = engine, os.getpid()
            _v8_pid = _engine_pid
        engine = _engine
        call = f"__geoSymbol({json.dumps(sidc)}, {json.dumps(options)}, {json.dumps(UNKNOWN)})"
        return json.loads(str(engine.eval(call)))


# --- milsymbol's SVG -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SymbolSvg:
    """milsymbol's drawing of one code: its SVG, size and anchor in pixels (from the SVG's top left)."""

    svg: str
    width: float
    height: float
    anchor_x: float
    anchor_y: float
    valid: bool
    #: The code drawn: the input's, or :data:`UNKNOWN` when milsymbol finds the input invalid.
    sidc: str


def _options_key(size: float, options: Mapping[str, OptionValue | None]) -> tuple[tuple[str, OptionValue], ...]:
    if not (isinstance(size, int | float) and math.isfinite(size) and size > 0):
        raise ValueError(f"symbol size: expected a positive number, got {size!r}")
    items: dict[str, OptionValue] = {}
    for name, value in options.items():
        if value is None:  # as units.js: an undefined option is no option
            continue
        if not isinstance(value, str | int | float | bool):
            raise TypeError(f"milsymbol option {name!r}: expected a string, number or boolean, got {value!r}")
        items[name] = value
    items["size"] = float(size)
    return tuple(sorted(items.items()))


def symbol_svg(sidc: str, size: float = DEFAULT_SIZE, **options: OptionValue | None) -> SymbolSvg:
    """milsymbol's SVG of ``sidc`` at ``size`` with its other ``options`` (``uniqueDesignation``, ...).

    An invalid code draws :data:`UNKNOWN` (``valid=False``). The code is stripped; options that are None
    are left out. Cached: the same code, size and options give the same object.
    """
    code = str(sidc if sidc is not None else "").strip()
    return _symbol_svg(code, _options_key(size, options))


@lru_cache(maxsize=CACHE_MAX)
def _symbol_svg(sidc: str, options: tuple[tuple[str, OptionValue], ...]) -> SymbolSvg:
    out = _call_milsymbol(sidc, dict(options))
    return SymbolSvg(
        svg=str(out["svg"]),
        width=float(out["width"]),
        height=float(out["height"]),
        anchor_x=float(out["anchor_x"]),
        anchor_y=float(out["anchor_y"]),
        valid=bool(out["valid"]),
        sidc=str(out["sidc"]),
    )


# --- the SVG as matplotlib drawing -----------------------------------------------------------------------


class SymbolPath(NamedTuple):
    """One filled and/or stroked SVG element, in points relative to the symbol's anchor (y up)."""

    path: MPath
    facecolor: RGBA | None
    edgecolor: RGBA | None
    #: Line width in points (0 when there is no stroke).
    linewidth: float
    #: ``"solid"`` or a dash pattern ``(offset, (on, off, ...))`` in points.
    linestyle: LineStyle
    capstyle: Literal["butt", "round", "projecting"] = "butt"
    joinstyle: Literal["miter", "round", "bevel"] = "miter"


class SymbolText(NamedTuple):
    """One SVG text element: ``(x, y)`` is its SVG anchor point in points relative to the symbol's anchor
    (y up); ``ha`` from ``text-anchor``; ``baseline`` ``"alphabetic"`` (y is the baseline) or ``"middle"``
    (SVG ``dominant-baseline: middle``: y is half an x-height above the baseline)."""

    text: str
    x: float
    y: float
    fontsize: float
    ha: Literal["left", "center", "right"]
    baseline: Literal["alphabetic", "middle"]
    color: RGBA | None
    edgecolor: RGBA | None
    linewidth: float
    fontweight: Literal["normal", "bold"]
    fontfamily: str


@dataclass(frozen=True)
class SymbolArtists:
    """A symbol as matplotlib drawing: paths and texts in milsymbol's order, sizes in points."""

    sidc: str
    valid: bool
    width: float
    height: float
    #: The anchor, from the top left of the symbol's box (the elements are relative to it).
    anchor_x: float
    anchor_y: float
    paths: tuple[SymbolPath, ...]
    texts: tuple[SymbolText, ...]
    #: Paths and texts in drawing order: ``("path", i)`` / ``("text", i)``.
    order: tuple[tuple[Literal["path", "text"], int], ...]


_CAPS: Final = {"butt": "butt", "round": "round", "square": "projecting"}
_JOINS: Final = {"miter": "miter", "round": "round", "bevel": "bevel", "miter-clip": "miter", "arcs": "miter"}
_ANCHORS: Final = {"start": "left", "middle": "center", "end": "right"}


def _rgba(color: Any) -> RGBA | None:
    """svgelements' Color (fill/stroke with its opacity applied) as RGBA floats; None for ``none``."""
    if color is None or getattr(color, "value", None) is None:
        return None
    rgba = (color.red / 255.0, color.green / 255.0, color.blue / 255.0, color.alpha / 255.0)
    return None if rgba[3] <= 0 else rgba


def _scale(matrix: Any) -> float:
    """The uniform scale of an SVG transform (milsymbol uses translate and uniform scale only)."""
    return math.sqrt(abs(matrix.a * matrix.d - matrix.b * matrix.c))


def _dashes(value: Any, scale: float) -> LineStyle:
    if value is None or str(value).strip() in ("", "none"):
        return "solid"
    numbers = [float(v) * scale for v in str(value).replace(",", " ").split()]
    if not numbers or not any(numbers) or any(v < 0 for v in numbers):
        return "solid"
    if len(numbers) % 2:  # SVG repeats an odd list to make it even
        numbers += numbers
    return (0.0, tuple(numbers))


def _mpath(segments: Any, ax: float, ay: float) -> MPath | None:
    """svgelements path segments (pixels, y down) → a matplotlib Path relative to (ax, ay), y up."""
    import svgelements as se
    from matplotlib.path import Path as MPath

    verts: list[tuple[float, float]] = []
    codes: list[int] = []
    here: tuple[float, float] | None = None

    def point(p: Any) -> tuple[float, float]:
        return (float(p.x) - ax, ay - float(p.y))

    for seg in segments:
        if isinstance(seg, se.Move):
            here = point(seg.end)
            verts.append(here)
            codes.append(MPath.MOVETO)
            continue
        if isinstance(seg, se.Close):
            if codes and codes[-1] != MPath.CLOSEPOLY and here is not None:
                verts.append(here)
                codes.append(MPath.CLOSEPOLY)
            here = point(seg.end) if seg.end is not None else here
            continue
        start = point(seg.start)
        if here is None or codes[-1] == MPath.CLOSEPOLY or math.dist(start, here) > 1e-9:
            verts.append(start)
            codes.append(MPath.MOVETO)
        if isinstance(seg, se.Line):
            verts.append(point(seg.end))
            codes.append(MPath.LINETO)
        elif isinstance(seg, se.CubicBezier):
            verts += [point(seg.control1), point(seg.control2), point(seg.end)]
            codes += [MPath.CURVE4] * 3
        elif isinstance(seg, se.QuadraticBezier):
            verts += [point(seg.control), point(seg.end)]
            codes += [MPath.CURVE3] * 2
        elif isinstance(seg, se.Arc):
            for curve in seg.as_cubic_curves():
                verts += [point(curve.control1), point(curve.control2), point(curve.end)]
                codes += [MPath.CURVE4] * 3
        else:  # an unknown segment kind: its end as a line, never silently nothing
            verts.append(point(seg.end))
            codes.append(MPath.LINETO)
        here = verts[-1]
    if not any(c != MPath.MOVETO for c in codes):
        return None
    return MPath(np.asarray(verts, dtype=float), np.asarray(codes, dtype=np.uint8))


def _font_family(svg_family: str | None) -> str:
    """The installed family matplotlib draws for milsymbol's ``font-family`` (Arial or its look-alikes)."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    wanted = [f.strip().strip("'\"") for f in (svg_family or "").split(",") if f.strip()]
    for family in [*wanted, "Arial", "Liberation Sans", "Arimo", "Helvetica", "Nimbus Sans"]:
        if family in installed:
            return family
    return "DejaVu Sans"  # matplotlib's own font, always there


def symbol_artists(sidc: str, size_pt: float = 18.0, **options: OptionValue | None) -> SymbolArtists:
    """milsymbol's drawing of ``sidc`` at ``size_pt`` (milsymbol's ``size``, in points) as matplotlib paths
    and texts, relative to the symbol's anchor, y up. Cached per (code, size, options)."""
    code = str(sidc if sidc is not None else "").strip()
    return _symbol_artists(code, _options_key(size_pt, options))


@lru_cache(maxsize=CACHE_MAX)
def _symbol_artists(sidc: str, options: tuple[tuple[str, OptionValue], ...]) -> SymbolArtists:
    import svgelements as se

    icon = _symbol_svg(sidc, options)
    doc = se.SVG.parse(io.StringIO(icon.svg), reify=False, ppi=96.0)
    ax, ay = icon.anchor_x, icon.anchor_y
    paths: list[SymbolPath] = []
    texts: list[SymbolText] = []
    order: list[tuple[Literal["path", "text"], int]] = []
    for element in doc.elements():
        values = getattr(element, "values", {}) or {}
        if values.get("display") == "none" or values.get("visibility") == "hidden":
            continue
        if isinstance(element, se.Shape):
            scale = _scale(element.transform)
            path = _mpath(abs(se.Path(element)), ax, ay)
            face, edge = _rgba(element.fill), _rgba(element.stroke)
            width = float(element.stroke_width or 0.0) * scale if edge is not None else 0.0
            if path is None or (face is None and (edge is None or width <= 0)):
                continue
            paths.append(SymbolPath(
                path=path, facecolor=face, edgecolor=edge if width > 0 else None, linewidth=width,
                linestyle=_dashes(values.get("stroke-dasharray"), scale),
                capstyle=_CAPS.get(str(values.get("stroke-linecap", "butt")), "butt"),  # type: ignore[arg-type]
                joinstyle=_JOINS.get(str(values.get("stroke-linejoin", "miter")), "miter"),  # type: ignore[arg-type]
            ))
            order.append(("path", len(paths) - 1))
        elif isinstance(element, se.Text) and (element.text or "").strip():
            matrix = element.transform
            scale = _scale(matrix)
            x, y = matrix.point_in_matrix_space((element.x or 0.0, element.y or 0.0))
            face, edge = _rgba(element.fill), _rgba(element.stroke)
            width = float(element.stroke_width or 0.0) * scale if edge is not None else 0.0
            if face is None and (edge is None or width <= 0):
                continue
            weight = element.font_weight
            bold = (float(weight) >= 600) if isinstance(weight, int | float) else str(weight) in ("bold", "bolder")
            texts.append(SymbolText(
                text=str(element.text), x=float(x) - ax, y=ay - float(y),
                fontsize=float(element.font_size or 16.0) * scale,
                ha=_ANCHORS.get(str(element.anchor or "start"), "left"),  # type: ignore[arg-type]
                baseline="middle" if values.get("dominant-baseline") in ("middle", "central") else "alphabetic",
                color=face, edgecolor=edge if width > 0 else None, linewidth=width,
                fontweight="bold" if bold else "normal", fontfamily=_font_family(element.font_family),
            ))
            order.append(("text", len(texts) - 1))
    return SymbolArtists(
        sidc=icon.sidc, valid=icon.valid, width=icon.width, height=icon.height, anchor_x=ax, anchor_y=ay,
        paths=tuple(paths), texts=tuple(texts), order=tuple(order),
    )


@lru_cache(maxsize=CACHE_MAX)
def _text_as_path(text: SymbolText) -> SymbolPath | None:
    """A text element as matplotlib's outline of it (the glyphs matplotlib would draw), placed as SVG does."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.path import Path as MPath
    from matplotlib.textpath import TextPath, text_to_path

    prop = FontProperties(family=text.fontfamily, weight=text.fontweight, size=text.fontsize)
    glyphs = TextPath((0.0, 0.0), text.text, size=text.fontsize, prop=prop)
    if len(glyphs.vertices) == 0:
        return None
    advance, _height, _descent = text_to_path.get_text_width_height_descent(text.text, prop, ismath=False)
    dx = {"left": 0.0, "center": -advance / 2.0, "right": -advance}[text.ha]
    dy = 0.0
    if text.baseline == "middle":
        x_height, _, x_descent = text_to_path.get_text_width_height_descent("x", prop, ismath=False)
        dy = -(x_height - x_descent) / 2.0
    verts = glyphs.vertices + np.array([text.x + dx, text.y + dy])
    return SymbolPath(
        path=MPath(verts, glyphs.codes), facecolor=text.color, edgecolor=text.edgecolor,
        linewidth=text.linewidth, linestyle="solid",
        # a halo around glyphs is round (as milsymbol's outline); unstroked text joins its symbol's run
        capstyle="round" if text.edgecolor else "butt", joinstyle="round" if text.edgecolor else "miter",
    )


@lru_cache(maxsize=CACHE_MAX)
def _drawable(sidc: str, options: tuple[tuple[str, OptionValue], ...]) -> tuple[tuple[SymbolPath, ...], ...]:
    """A symbol's elements in drawing order, texts as outlines, cut into runs of one cap and join style
    (a collection has one of each): milsymbol's outline halo and the symbol proper."""
    art = _symbol_artists(sidc, options)
    items: list[SymbolPath] = []
    for kind, i in art.order:
        item = art.paths[i] if kind == "path" else _text_as_path(art.texts[i])
        if item is not None:
            items.append(item)
    runs: list[list[SymbolPath]] = []
    for item in items:
        if runs and (runs[-1][-1].capstyle, runs[-1][-1].joinstyle) == (item.capstyle, item.joinstyle):
            runs[-1].append(item)
        else:
            runs.append([item])
    return tuple(tuple(run) for run in runs)


def symbol_patches(sidc: str, size_pt: float, centre: tuple[float, float], transform: Any,
                   alpha: float = 1.0) -> list[Artist]:
    """milsymbol's drawing of ``sidc`` at ``size_pt`` as matplotlib patches whose box is centred on ``centre``
    (in the units of ``transform``, which must be points: a legend's handle box, an offset box), for a legend
    entry or any small picture of a symbol; ``alpha`` multiplies milsymbol's colours."""
    from matplotlib.patches import PathPatch
    from matplotlib.transforms import Affine2D

    code = str(sidc if sidc is not None else "").strip()
    okey = _options_key(size_pt, {})
    art = _symbol_artists(code, okey)
    # the elements are relative to the anchor (y up); the box's centre is (w/2 - ax, ay - h/2) from it
    dx = centre[0] - (art.width / 2 - art.anchor_x)
    dy = centre[1] - (art.anchor_y - art.height / 2)
    place = Affine2D().translate(dx, dy) + transform
    out: list[Artist] = []
    for run in _drawable(code, okey):
        for item in run:
            face = (*item.facecolor[:3], item.facecolor[3] * alpha) if item.facecolor else "none"
            edge = (*item.edgecolor[:3], item.edgecolor[3] * alpha) if item.edgecolor else "none"
            out.append(PathPatch(item.path, transform=place, facecolor=face, edgecolor=edge,
                                 linewidth=item.linewidth if item.edgecolor else 0.0, linestyle=item.linestyle,
                                 capstyle=item.capstyle, joinstyle=item.joinstyle, snap=False))
    return out


def _per_unit(value: Any, n: int, what: str) -> list[Any]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | np.ndarray):
        return [value] * n
    out = list(value)
    if len(out) != n:
        raise ValueError(f"draw_symbols {what}: expected one per unit ({n}), got {len(out)}")
    return out


def draw_symbols(
    ax: Axes,
    x: Sequence[float] | np.ndarray,
    y: Sequence[float] | np.ndarray,
    sidcs: str | Sequence[str],
    *,
    size_pt: float = 18.0,
    zorder: float = 7.0,
    alpha: float | Sequence[float] | np.ndarray | None = None,
    options: Mapping[str, OptionValue | None] | Sequence[Mapping[str, OptionValue | None]] | None = None,
) -> list[Artist]:
    """Draw each unit's milsymbol symbol at data coordinates ``(x[i], y[i])``, anchored as milsymbol
    anchors it, ``size_pt`` points for milsymbol's ``size`` (a land unit's frame is that high).

    ``sidcs``: one code per unit, or one for all; ``alpha``: None, one opacity, or one per unit (report
    age fading; multiplies milsymbol's own colours); ``options``: milsymbol's options for all units, or
    one mapping per unit (``uniqueDesignation``...). Units with a non-finite coordinate are skipped.
    Returns the collections added (one per distinct code and options, two when milsymbol draws an outline),
    in the order they draw.
    """
    import matplotlib as mpl
    from matplotlib.collections import PathCollection
    from matplotlib.transforms import Affine2D

    xs = np.asarray(x, dtype=float).ravel()
    ys = np.asarray(y, dtype=float).ravel()
    if xs.shape != ys.shape:
        raise ValueError(f"draw_symbols: expected as many y as x ({len(xs)}), got {len(ys)}")
    n = len(xs)
    codes = _per_unit(sidcs, n, "sidcs")
    alphas = np.ones(n) if alpha is None else np.clip(np.asarray(_per_unit(alpha, n, "alpha"), float), 0, 1)
    opts = _per_unit(dict(options) if isinstance(options, Mapping) else options or {}, n, "options")
    if any(not isinstance(o, Mapping) for o in opts):
        raise TypeError("draw_symbols options: expected a mapping, or one mapping per unit")

    groups: dict[tuple[str, tuple[tuple[str, OptionValue], ...]], list[int]] = {}
    keys: dict[int, tuple[tuple[str, OptionValue], ...]] = {}
    for i in np.flatnonzero(np.isfinite(xs) & np.isfinite(ys) & (alphas > 0)):
        okey = keys.get(id(opts[i]))
        if okey is None:
            okey = keys[id(opts[i])] = _options_key(size_pt, opts[i])
        code = str(codes[i] if codes[i] is not None else "").strip()
        groups.setdefault((code, okey), []).append(int(i))

    # paths are in points: points → inches → display pixels (follows the figure's dpi, and savefig's)
    points = Affine2D().scale(1.0 / 72.0) + ax.figure.dpi_scale_trans
    scale_dashes = bool(mpl.rcParams["lines.scale_dashes"])
    artists: list[Artist] = []
    for (code, okey), members in groups.items():
        idx = np.asarray(members)
        xy = np.column_stack([xs[idx], ys[idx]])
        fade = alphas[idx]
        for run in _drawable(code, okey):
            k = len(run)
            face = np.array([item.facecolor or (0.0, 0.0, 0.0, 0.0) for item in run], dtype=float)
            edge = np.array([item.edgecolor or (0.0, 0.0, 0.0, 0.0) for item in run], dtype=float)
            widths = np.array([item.linewidth if item.edgecolor else 0.0 for item in run], dtype=float)
            faces = np.tile(face, (len(idx), 1))
            edges = np.tile(edge, (len(idx), 1))
            faces[:, 3] *= np.repeat(fade, k)
            edges[:, 3] *= np.repeat(fade, k)
            styles: list[LineStyle] = []
            for item in run:
                style = item.linestyle
                if not isinstance(style, str) and scale_dashes and item.linewidth > 0:
                    # matplotlib scales dashes by the line width; milsymbol's are absolute
                    style = (style[0], tuple(v / item.linewidth for v in style[1]))
                styles.append(style)
            collection = PathCollection(
                [item.path for item in run] * len(idx),
                offsets=np.repeat(xy, k, axis=0),
                offset_transform=ax.transData,
                transform=points,
                facecolors=faces,
                edgecolors=edges,
                # two widths for a lone path: else matplotlib draws it as a marker, its offset rounded to
                # the pixel grid (up to half a pixel off milsymbol's placement)
                linewidths=np.tile(widths, len(idx)) if k * len(idx) > 1 else np.repeat(widths, 2),
                linestyles=styles * len(idx) if any(s != "solid" for s in styles) else "solid",
                capstyle=run[0].capstyle,
                joinstyle=run[0].joinstyle,
                zorder=zorder,
                snap=False,  # as a browser draws it: no rounding of straight frames to the pixel grid
            )
            ax.add_collection(collection, autolim=True)
            artists.append(collection)
    return artists
