"""geo.symbols: milsymbol's own drawing (the vendored file in an embedded V8) replayed in matplotlib.

The Python SVG is milsymbol's and the live map's: the same as ``GeoUnits.icon`` (geo/render/units.js run in
the same engine) and as milsymbol under node; frames carry milsymbol's affiliation colours and shapes,
echelons sit above the frame, invalid codes draw the wrapper's unknown symbol, one icon is made per code;
``draw_symbols`` puts each unit at its data point, one collection per code, faded per unit; a golden PNG
(``python scripts/make_symbols_golden.py``) and, in an offline Chromium, the browser's rasterised symbol
against matplotlib's.
"""

from __future__ import annotations

import base64
import io
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.path import Path as MPath
from PIL import Image

from geo import symbols as sy
from geo.symbols import UNKNOWN, SymbolSvg, draw_symbols, symbol_artists, symbol_svg

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
UNITS_JS = ROOT / "geo" / "render" / "units.js"
GOLDEN = ROOT / "tests" / "golden" / "symbols.png"
ARTIFACTS = ROOT / "tests" / "artifacts"
GOLDEN_MAX_MEAN_DIFF = 2.0

#: milsymbol's frame fills (its default "Light" colour mode) per affiliation.
FILLS = {
    "friend": (128, 224, 255),
    "hostile": (255, 128, 128),
    "neutral": (170, 255, 170),
    "unknown": (255, 255, 128),
}
#: The golden image: both code generations, the four affiliations, manoeuvre, fires and air defence
#: units with echelons; then an invalid code (drawn unknown), a letter icon, a designation and a faded unit.
GOLDEN_UNITS: list[tuple[str, str, dict[str, str], float]] = [
    ("SFGPUCI----H---", "friend infantry bde (C)", {}, 1.0),
    ("SHGPUCA----F---", "hostile armour bn (C)", {}, 1.0),
    ("SNGPUCF----E---", "neutral artillery coy (C)", {}, 1.0),
    ("SUGPUCD--------", "unknown air defence (C)", {}, 1.0),
    ("10031000161303004100", "friend rocket arty bn (D)", {}, 1.0),
    ("10061000001307000000", "hostile missile (D)", {}, 1.0),
    ("10041000221301000000", "neutral air defence corps (D)", {}, 1.0),
    ("10011000211211000000", "unknown infantry div (D)", {}, 1.0),
    ("NOT-A-SIDC", "invalid: unknown", {}, 1.0),
    ("SFGPUUMSE------", "friend EW (C)", {}, 1.0),
    ("10061000181205000000", "hostile armour bde 1/25", {"uniqueDesignation": "1/25"}, 1.0),
    ("10061000181205000000", "the same, alpha 0.4", {}, 0.4),
]


def _frame(code: str, size: float = 30.0, **options: str) -> MPath:
    """The frame: milsymbol draws it first (without an outline)."""
    return symbol_artists(code, size, **options).paths[0].path


def _rgb(rgba: tuple[float, float, float, float] | None) -> tuple[int, int, int]:
    assert rgba is not None
    return tuple(round(v * 255) for v in rgba[:3])  # type: ignore[return-value]


# --- milsymbol's SVG -------------------------------------------------------------------------------------


def test_symbol_svg_is_milsymbols_drawing_with_its_anchor_and_size() -> None:
    icon = symbol_svg("SFGPUCI----H---")
    assert isinstance(icon, SymbolSvg) and icon.valid and icon.sidc == "SFGPUCI----H---"
    assert icon.svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and icon.svg.endswith("</svg>")
    assert 'fill="rgb(128,224,255)"' in icon.svg  # the friend frame
    # size 30: the land frame is 30 px high and 45 wide (+ stroke), the brigade's X above it
    assert (icon.width, icon.height) == pytest.approx((47.4, 44.4))
    assert (icon.anchor_x, icon.anchor_y) == pytest.approx((23.7, 28.2))  # the frame's centre
    bigger = symbol_svg("SFGPUCI----H---", 60)
    assert (bigger.width, bigger.anchor_y) == pytest.approx((2 * icon.width, 2 * icon.anchor_y))


def test_the_unknown_code_is_the_wrappers_and_python_draws_what_geounits_icon_draws() -> None:
    """geo/render/units.js run in the same engine: its UNKNOWN, SIZE and icons are ours."""
    from py_mini_racer import MiniRacer

    cases = [("SFGPUCI----H---", {}), ("10061000181205000000", {"uniqueDesignation": "1/25"}),
             ("NOT-A-SIDC", {}), ("10061000181299990000", {}), ("", {}), (UNKNOWN, {"size": 18})]
    with MiniRacer() as ctx:
        ctx.eval(sy.MILSYMBOL_JS.read_text(encoding="utf-8"))
        ctx.eval(UNITS_JS.read_text(encoding="utf-8"))
        const = json.loads(str(ctx.eval("JSON.stringify([GeoUnits.UNKNOWN, GeoUnits.SIZE, GeoUnits.CACHE_MAX])")))
        icons = [json.loads(str(ctx.eval(f"JSON.stringify(GeoUnits.icon({json.dumps(c)}, {json.dumps(o)}))")))
                 for c, o in cases]
    assert const == [UNKNOWN, sy.DEFAULT_SIZE, sy.CACHE_MAX]
    for (code, options), js in zip(cases, icons):
        size = float(options.get("size", sy.DEFAULT_SIZE))
        py = symbol_svg(code, size, **{k: v for k, v in options.items() if k != "size"})
        assert (py.svg, py.sidc, py.valid) == (js["svg"], js["sidc"], js["valid"]), code
        assert (py.width, py.height, py.anchor_x, py.anchor_y) == (
            js["width"], js["height"], js["anchor"]["x"], js["anchor"]["y"])


@pytest.mark.skipif(shutil.which("node") is None, reason="node not installed: milsymbol under node not compared")
def test_the_svg_is_what_milsymbol_draws_under_node() -> None:
    cases = [("SFGPUCI----H---", {"size": 30}), ("SHGPUCA----F---", {"size": 18}),
             ("10041000221301000000", {"size": 30}), ("SFGAUCI----H---", {"size": 30}),
             ("10061000181205000000", {"size": 40, "uniqueDesignation": "1/25", "additionalInformation": "T-72"}),
             ("SFGPUCI----H---", {"size": 30, "outlineWidth": 3, "outlineColor": "white"})]
    script = f"""
      const ms = require({json.dumps(str(sy.MILSYMBOL_JS))});
      const out = {json.dumps(cases)}.map(([code, opts]) => {{
        const s = new ms.Symbol(code, opts);
        return {{svg: s.asSVG(), anchor: s.getAnchor(), size: s.getSize(), valid: s.isValid()}};
      }});
      process.stdout.write(JSON.stringify(out));
    """
    run = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60, check=True)
    for (code, options), js in zip(cases, json.loads(run.stdout)):
        opts = dict(options)
        py = symbol_svg(code, float(opts.pop("size")), **opts)
        assert py.svg == js["svg"], code
        assert (py.anchor_x, py.anchor_y, py.width, py.height, py.valid) == (
            js["anchor"]["x"], js["anchor"]["y"], js["size"]["width"], js["size"]["height"], js["valid"])


def test_an_invalid_code_draws_the_unknown_symbol() -> None:
    for code in ("NOT-A-SIDC", "", "   ", "10061000181299990000", "SZGPUCI--------"):
        icon = symbol_svg(code)
        assert not icon.valid and icon.sidc == UNKNOWN, code
        assert icon.svg == symbol_svg(UNKNOWN).svg
        art = symbol_artists(code)
        assert not art.valid and _rgb(art.paths[0].facecolor) == FILLS["unknown"]
    assert symbol_svg(UNKNOWN).valid


def test_one_icon_per_code_size_and_options() -> None:
    a = symbol_svg("SFGPUCI----H---", 30, uniqueDesignation="1/25", additionalInformation="x")
    assert symbol_svg(" SFGPUCI----H--- ", 30.0, additionalInformation="x", uniqueDesignation="1/25") is a
    assert symbol_svg("SFGPUCI----H---", 30, uniqueDesignation="1/25", additionalInformation="x",
                      type=None) is a  # None is no option, as undefined in units.js
    assert symbol_svg("SFGPUCI----H---", 30, uniqueDesignation="1/26", additionalInformation="x") is not a
    assert symbol_svg("SFGPUCI----H---") is symbol_svg("SFGPUCI----H---", size=30)
    assert symbol_artists("SHGPUCA----F---", 18) is symbol_artists("SHGPUCA----F---", 18.0)
    with pytest.raises(ValueError, match="positive"):
        symbol_svg("SFGPUCI----H---", 0)
    with pytest.raises(TypeError, match="string, number or boolean"):
        symbol_svg("SFGPUCI----H---", 30, uniqueDesignation=["a"])  # type: ignore[arg-type]


def test_the_engine_answers_from_many_threads() -> None:
    codes = [f"1003100018{e}0000000" for e in ("121100", "120500", "130300", "130100", "130700")]
    codes += ["SFGPUCI----H---", "SHGPUCA----F---", "SNGPUCF----E---"]
    expected = {code: symbol_svg(code, 23.0).svg for code in codes}
    sy._symbol_svg.cache_clear()
    got: dict[tuple[int, str], str] = {}
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for code in codes[k % 3:] + codes[: k % 3]:
                got[(k, code)] = symbol_svg(code, 23.0).svg
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == [] and len(got) == 8 * len(codes)
    assert all(svg == expected[code] for (_k, code), svg in got.items())


def test_a_process_that_drew_symbols_exits_and_a_forked_child_says_what_it_cannot_do() -> None:
    """A V8 context left to the interpreter's teardown can hang the exit; a forked child has no V8 threads."""
    script = """
import os, sys
from geo.symbols import symbol_svg
first = symbol_svg("SFGPUCI----H---")
if hasattr(os, "fork"):
    pid = os.fork()
    if pid == 0:
        ok = symbol_svg("SFGPUCI----H---") is first  # made before the fork: still there
        try:
            symbol_svg("SHGPUCA----F---")
            ok = False
        except RuntimeError as e:
            ok = ok and "forked child" in str(e)
        sys.exit(0 if ok else 3)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0, "the child"
print(symbol_svg("SHGPUCA----F---").valid)
"""
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert (run.returncode, run.stdout.strip()) == (0, "True"), run.stderr


# --- milsymbol's drawing, read back ----------------------------------------------------------------------


@pytest.mark.parametrize(("code", "affiliation"), [
    ("SFGPUCI----H---", "friend"), ("SHGPUCA----F---", "hostile"), ("SNGPUCF----E---", "neutral"),
    ("SUGPUCD--------", "unknown"), ("10031000181211000000", "friend"), ("10061000161205000000", "hostile"),
    ("10041000151303000000", "neutral"), ("10011000001301000000", "unknown"),
])
def test_frames_carry_milsymbols_affiliation_colour(code: str, affiliation: str) -> None:
    art = symbol_artists(code)
    assert art.valid
    frame = art.paths[0]
    assert _rgb(frame.facecolor) == FILLS[affiliation]
    assert _rgb(frame.edgecolor) == (0, 0, 0) and frame.linewidth == pytest.approx(4 * 18 / 100)
    assert "fill=\"rgb({},{},{})\"".format(*FILLS[affiliation]) in symbol_svg(code, 18).svg


def test_frame_shapes_and_the_anchor_at_the_frames_centre() -> None:
    size = 20.0
    friend = _frame("SFGPUCI--------", size).get_extents()
    assert (friend.width, friend.height) == pytest.approx((1.5 * size, size))  # a land unit: 3:2 rectangle
    assert (friend.x0 + friend.x1, friend.y0 + friend.y1) == pytest.approx((0, 0))  # anchored at its centre
    hostile = _frame("SHGPUCA--------", size)
    box = hostile.get_extents()
    assert box.width == pytest.approx(box.height) and box.height > size  # a diamond, taller than the square
    assert hostile.contains_point((0, 0)) and not hostile.contains_point((0.4 * box.width, 0.4 * box.height))
    assert hostile.contains_point((0.45 * box.width, 0)) and hostile.contains_point((0, 0.45 * box.height))
    neutral = _frame("SNGPUCF--------", size).get_extents()
    assert neutral.width == pytest.approx(neutral.height) == pytest.approx(1.1 * size)  # a square
    unknown = _frame("SUGPUCD--------", size)
    ubox = unknown.get_extents()
    assert ubox.width == pytest.approx(ubox.height)  # the quatrefoil: its corners are outside it
    assert unknown.contains_point((0, 0)) and not unknown.contains_point((0.45 * ubox.width, 0.45 * ubox.height))
    icon = symbol_svg("SFGPUCI--------", size)
    assert (icon.anchor_x, icon.anchor_y) == pytest.approx((icon.width / 2, icon.height / 2))


@pytest.mark.parametrize("code", ["SFGPUCI----H---", "10031000181211000000", "SHGPUCA----H---"])
def test_a_brigade_has_its_x_above_the_frame(code: str) -> None:
    art = symbol_artists(code, 30)
    top = art.paths[0].path.get_extents().y1
    above = [p for p in art.paths[1:] if p.path.vertices[:, 1].min() > top]
    assert len(above) == 1, "expected the echelon mark, one path above the frame"
    mark = above[0].path
    assert list(mark.codes).count(MPath.MOVETO) == 2  # two strokes crossing: X
    (x0, y0), (x1, y1) = mark.vertices[0], mark.vertices[1]
    assert abs(x1 - x0) == pytest.approx(abs(y1 - y0))  # diagonals
    bare = symbol_artists(code[:11] + "-" + code[12:] if len(code) == 15 else code[:8] + "00" + code[10:])
    assert not [p for p in bare.paths[1:] if p.path.vertices[:, 1].min() > bare.paths[0].path.get_extents().y1]


def test_echelon_marks_count_up() -> None:
    """Company one bar, battalion two, division two X, corps three X: strokes above the frame."""
    def strokes(code: str) -> int:
        art = symbol_artists(code, 30)
        top = art.paths[0].path.get_extents().y1
        return sum(list(p.path.codes).count(MPath.MOVETO) for p in art.paths[1:] if p.path.vertices[:, 1].min() > top)

    assert [strokes(f"SFGPUCI----{e}---") for e in "EFHIJ"] == [1, 2, 2, 4, 6]


def test_planned_units_are_dashed_and_texts_are_placed_as_milsymbol_places_them() -> None:
    frame, dashes = symbol_artists("SFGAUCI----H---", 30).paths[:2]  # milsymbol dashes the frame over it
    assert frame.linestyle == "solid" and np.array_equal(dashes.path.vertices, frame.path.vertices)
    assert dashes.linestyle == (0.0, pytest.approx((8 * 0.3, 12 * 0.3)))  # stroke-dasharray 8,12, scaled
    assert _rgb(dashes.edgecolor) == (239, 239, 239) and dashes.facecolor is None
    assert symbol_artists("SFGPUCI----H---", 30).paths[1].linestyle == "solid"  # present: no dashes
    art = symbol_artists("10061000181205000000", 30, uniqueDesignation="1/25")
    [label] = art.texts
    frame = art.paths[0].path.get_extents()
    assert label.text == "1/25" and label.ha == "right" and label.x < frame.x0  # left of the frame
    assert label.fontsize == pytest.approx(40 * 0.3) and _rgb(label.color) == (0, 0, 0)
    [ew] = symbol_artists("SFGPUUMSE------", 30).texts
    assert (ew.text, ew.ha, ew.baseline, ew.fontweight) == ("EW", "center", "middle", "bold")
    assert ew.x == pytest.approx(0) and abs(ew.y) < 1.0


# --- drawing on matplotlib axes --------------------------------------------------------------------------


def _axes() -> tuple[Figure, object]:
    fig = Figure(figsize=(4, 3), dpi=100)
    ax = fig.add_axes([0, 0, 1, 1])
    return fig, ax


def test_draw_symbols_makes_one_collection_per_code_at_the_data_points() -> None:
    fig, ax = _axes()
    codes = ["SFGPUCI----H---", "SHGPUCA----F---", "SFGPUCI----H---", "bad", "SHGPUCA----F---", "SFGPUCI----H---"]
    x = [0.0, 1.0, 2.0, 3.0, np.nan, 5.0]
    y = [10.0, 11.0, 12.0, 13.0, 14.0, 15.0]
    alpha = [1.0, 0.5, 0.25, 1.0, 1.0, 0.0]
    artists = draw_symbols(ax, x, y, codes, size_pt=18, zorder=9, alpha=alpha)
    assert len(artists) == 3 and all(isinstance(a, PathCollection) for a in artists)
    assert all(a.zorder == 9 and a in ax.collections for a in artists)
    friend, hostile, unknown = artists
    k = len(symbol_artists("SFGPUCI----H---", 18).paths)
    # units 0 and 2 (unit 5 is fully transparent, unit 4 has no x): each its k elements, at its data point
    assert len(friend.get_paths()) == 2 * k
    assert np.array_equal(friend.get_offsets(), np.repeat([[0.0, 10.0], [2.0, 12.0]], k, axis=0))
    assert friend.get_offset_transform() is ax.transData
    assert friend.get_facecolors()[0] == pytest.approx([128 / 255, 224 / 255, 1.0, 1.0])
    assert friend.get_facecolors()[k][3] == pytest.approx(0.25)  # unit 2 faded
    assert np.array_equal(hostile.get_offsets()[0], [1.0, 11.0]) and hostile.get_facecolors()[0][3] == pytest.approx(0.5)
    assert _rgb(tuple(unknown.get_facecolors()[0])) == FILLS["unknown"]  # "bad" drawn unknown
    fig.canvas.draw()
    assert ax.get_xlim()[0] <= 0 and ax.get_xlim()[1] >= 3 and ax.get_ylim()[1] >= 13  # autoscaled to the points


def test_draw_symbols_paths_are_in_points_and_follow_the_dpi() -> None:
    fig, ax = _axes()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    [coll] = draw_symbols(ax, [5.0], [5.0], "SFGPUCI--------", size_pt=36)
    for dpi in (72, 144):
        fig.set_dpi(dpi)
        fig.canvas.draw()
        frame = coll.get_paths()[0].transformed(coll.get_transform()).get_extents()
        assert (frame.width, frame.height) == pytest.approx((54 * dpi / 72, 36 * dpi / 72))  # 1.5 × 36 pt


def test_draw_symbols_options_and_outline_runs() -> None:
    fig, ax = _axes()
    assert draw_symbols(ax, [], [], []) == []
    artists = draw_symbols(ax, [0, 1], [0, 1], "SFGPUCI----H---", options={"outlineWidth": 3, "outlineColor": "white"})
    assert len(artists) == 2  # the white halo (round joins) under the symbol (milsymbol's mitres)
    assert artists[0].get_joinstyle() == "round" and artists[1].get_joinstyle() == "miter"
    labelled = draw_symbols(ax, [0, 1], [0, 1], "SFGPUCI----H---",
                            options=[{"uniqueDesignation": "A"}, {"uniqueDesignation": "B"}])
    assert len(labelled) == 2  # two designations, two icons
    with pytest.raises(ValueError, match="one per unit"):
        draw_symbols(ax, [0, 1], [0, 1], ["SFGPUCI----H---"])
    with pytest.raises(ValueError, match="as many y as x"):
        draw_symbols(ax, [0, 1], [0], "SFGPUCI----H---")


# --- the golden image ------------------------------------------------------------------------------------


def golden_figure() -> Figure:
    """The golden image's figure (``scripts/make_symbols_golden.py`` writes it): each unit of
    :data:`GOLDEN_UNITS` at 20 pt with its caption, a red cross on each unit's data point."""
    fig = Figure(figsize=(7.0, 3.9), dpi=150, facecolor="white")
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-0.6, 3.6)
    ax.set_ylim(-0.7, 2.5)
    ax.set_axis_off()
    for i, (code, caption, options, alpha) in enumerate(GOLDEN_UNITS):
        x, y = i % 4, 2 - i // 4
        draw_symbols(ax, [x], [y], [code], size_pt=20, alpha=alpha, options=options)
        ax.plot([x], [y], marker="+", color="red", markersize=4, markeredgewidth=0.6, zorder=8)
        ax.text(x, y - 0.38, f"{caption}\n{code}", ha="center", va="top", fontsize=5, family="DejaVu Sans")
    return fig


def render_golden() -> bytes:
    buf = io.BytesIO()
    golden_figure().savefig(buf, format="png", dpi=150, metadata={"Software": None})
    return buf.getvalue()


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)


def test_the_golden_image() -> None:
    assert GOLDEN.exists(), "tests/golden/symbols.png missing: python scripts/make_symbols_golden.py"
    got = render_golden()
    actual, golden = _pixels(got), _pixels(GOLDEN.read_bytes())
    if actual.shape != golden.shape or np.abs(actual - golden).mean() >= GOLDEN_MAX_MEAN_DIFF:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "symbols.png").write_bytes(got)
    assert actual.shape == golden.shape
    diff = np.abs(actual - golden).mean()
    assert diff < GOLDEN_MAX_MEAN_DIFF, f"mean pixel difference {diff:.2f}: see tests/artifacts/symbols.png"
    # the picture is not blank: every frame colour is there
    flat = golden.reshape(-1, 3)
    for rgb in FILLS.values():
        assert (np.abs(flat - rgb).max(axis=1) < 4).sum() > 200


# --- the browser's drawing and ours ----------------------------------------------------------------------

_RASTERISE = """async ([code, size]) => {
  const s = new ms.Symbol(code, {size});
  const img = new Image();
  img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(s.asSVG());
  await img.decode();
  const c = document.createElement("canvas");
  c.width = Math.ceil(s.getSize().width); c.height = Math.ceil(s.getSize().height);
  const ctx = c.getContext("2d");
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, c.width, c.height); ctx.drawImage(img, 0, 0);
  return c.toDataURL("image/png");
}"""


def _matplotlib_raster(code: str, size: float, shift: float = 0.0) -> np.ndarray:
    """``code`` drawn by draw_symbols on a canvas of milsymbol's size, 1 pt = 1 px, its anchor where the
    browser's image has it."""
    icon = symbol_svg(code, size)
    w, h = int(np.ceil(icon.width)), int(np.ceil(icon.height))
    fig = Figure(figsize=(w / 72, h / 72), dpi=72, facecolor="white")
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, w)
    ax.set_ylim(h, 0)
    ax.set_axis_off()
    draw_symbols(ax, [icon.anchor_x + shift], [icon.anchor_y], [code], size_pt=size)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=72)
    return _pixels(buf.getvalue())


@pytest.mark.browser
def test_the_browser_and_matplotlib_draw_the_same_symbol() -> None:
    """milsymbol in an offline Chromium, rasterised, against draw_symbols: a tolerant pixel metric that a
    different code or a 2 px shift fails."""
    from tests.browser_support import need_browser, offline_page

    need_browser()
    codes = ["SFGPUCI----H---", "10061000181205000000", "SFGPUUMSE------"]
    size = 40.0
    with offline_page(viewport=(400, 300)) as (page, blocked):
        page.set_content(f"<html><body><script>{sy.MILSYMBOL_JS.read_text(encoding='utf-8')}</script></body></html>")  # type: ignore[attr-defined]
        urls = [page.evaluate(_RASTERISE, [code, size]) for code in codes]  # type: ignore[attr-defined]
    assert blocked == []
    rasters = {code: _pixels(base64.b64decode(url.split(",", 1)[1])) for code, url in zip(codes, urls)}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for code, browser in rasters.items():
        ours = _matplotlib_raster(code, size)
        Image.fromarray(np.hstack([browser, ours]).astype(np.uint8)).save(ARTIFACTS / f"symbol-{code}.png")
        assert ours.shape == browser.shape
        diff = np.abs(ours - browser).mean()
        assert diff < 6.0, f"{code}: mean pixel difference {diff:.2f} from the browser's"
        ink_b, ink_o = browser.max(axis=2) < 100, ours.max(axis=2) < 100  # the black lines
        assert (ink_b & ink_o).sum() / (ink_b | ink_o).sum() > 0.6
    # the metric tells drawings apart: another code, or the same one 2 px off
    friend = rasters["SFGPUCI----H---"]
    shifted = np.abs(_matplotlib_raster("SFGPUCI----H---", size, shift=2.0) - friend).mean()
    armour = np.abs(_matplotlib_raster("SFGPUCA----H---", size) - friend).mean()
    assert shifted > 6.0 and armour > 6.0, (shifted, armour)
