"""milsymbol (military unit symbols) served offline: the vendored file is the one its README describes,
``materialize``/``localize``/``standalone_html``/bundles carry it and ``geo/render/units.js`` like every other
asset, and in a browser that may fetch nothing ``GeoUnits.icon`` draws friendly, hostile and invalid codes."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import folium
import pytest

from geo.assets import (
    MILSYMBOL_URL,
    RUNTIME_URL,
    UNITS_URL,
    VENDOR_BASE_URL,
    asset_urls,
    localize,
    materialize,
    standalone_html,
)
from geo.render._symbols import SYMBOL_BUNDLE, SymbolAssets
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, need_browser

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "geo" / "render" / "vendor"
MILSYMBOL_JS = VENDOR / "milsymbol.js"
UNITS_JS = ROOT / "geo" / "render" / "units.js"
ARTIFACTS = ROOT / "tests" / "artifacts"
LEAFLET_JS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"

#: What geo/render/vendor/README.md records (update both together, see its "Updating").
MILSYMBOL_VERSION = "3.0.4"
MILSYMBOL_SHA256 = "16227943002e45506db5555f6015a67e42b3ed263df61653ec07b0f9c04a10c4"
MILSYMBOL_INTEGRITY = (
    "sha512-Jrs1RBCag2IzyEJwI476i2+pNHdi8WMwAp2mDD23g3TR48ERdHmdQgPXZUosRKyhPMr58/eOPyyLE53lMPPAgw=="
)

FRIEND_INFANTRY_2525C = "SFGPUCI--------"  # 15 characters: warfighting, friend, ground, present, infantry
HOSTILE_ARMOUR_BRIGADE_2525D = "10061000181205000000"  # 20 digits: hostile, land unit, brigade, armour
INVALID = "NOT-A-SIDC"
UNKNOWN_LAND_UNIT = "10011000000000000000"  # GeoUnits.UNKNOWN


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _symbol_map() -> folium.Map:
    """A bare Leaflet map (no tiles, none of folium's jQuery/Bootstrap) that loads the unit symbols."""
    m = folium.Map(location=[50.5, 31.0], zoom_start=8, tiles=None)
    m.default_js = [(n, u) for n, u in m.default_js if n == "leaflet"]
    m.default_css = [(n, u) for n, u in m.default_css if n == "leaflet_css"]
    SymbolAssets().add_to(m)
    return m


# --- the vendored file ----------------------------------------------------------------------------------


def test_the_vendored_milsymbol_is_the_one_its_readme_describes() -> None:
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    assert _sha256(MILSYMBOL_JS) == MILSYMBOL_SHA256
    row = re.search(r"^\| `milsymbol\.js` sha256 \| `([0-9a-f]{64})` \|$", readme, flags=re.MULTILINE)
    assert row and row[1] == MILSYMBOL_SHA256, "geo/render/vendor/README.md records another sha256"
    assert re.search(rf"^\| version \| {re.escape(MILSYMBOL_VERSION)} \|$", readme, flags=re.MULTILINE)
    assert f"milsymbol-{MILSYMBOL_VERSION}.tgz" in readme and MILSYMBOL_INTEGRITY in readme
    js = MILSYMBOL_JS.read_text(encoding="utf-8")
    assert f'this.version="{MILSYMBOL_VERSION}"' in js  # the build says the same version
    assert ".ms=" in js[:2000] and "module.exports" in js[:2000]  # the UMD build that defines the global ms
    # nothing that would make the browser ask for a file, or break out of an inlined <script>
    assert "sourceMappingURL" not in js and "</script" not in js.lower() and "<!--" not in js


def test_the_licence_is_milsymbols_mit_licence() -> None:
    licence = (VENDOR / "LICENSE-milsymbol").read_text(encoding="utf-8")
    assert licence.startswith("The MIT License (MIT)")
    assert "Måns Beckman" in licence and "Permission is hereby granted, free of charge" in licence
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    row = re.search(r"^\| `LICENSE-milsymbol` sha256 \| `([0-9a-f]{64})` \|$", readme, flags=re.MULTILINE)
    assert row and row[1] == _sha256(VENDOR / "LICENSE-milsymbol")


# --- served like every other asset -----------------------------------------------------------------------


def test_materialize_writes_milsymbol_and_units_js_under_their_content_hash(tmp_path) -> None:
    mapping = materialize(tmp_path)
    for url, stem, source in ((MILSYMBOL_URL, "milsymbol", MILSYMBOL_JS), (UNITS_URL, "geo-units", UNITS_JS)):
        content = source.read_bytes()
        name = f"{stem}.{hashlib.sha256(content).hexdigest()[:10]}.js"
        assert mapping[url] == VENDOR_BASE_URL + name
        assert (tmp_path / "vendor" / name).read_bytes() == content
    assert mapping[RUNTIME_URL] != mapping[MILSYMBOL_URL] != mapping[UNITS_URL]


def test_symbol_assets_load_milsymbol_before_geounits_and_localize_to_the_files(tmp_path) -> None:
    m = _symbol_map()
    urls = [u for _kind, u in asset_urls(m)]
    assert urls.index(LEAFLET_JS) < urls.index(MILSYMBOL_URL) < urls.index(UNITS_URL)
    mapping = materialize(tmp_path)
    html = localize(m, mapping).get_root().render()
    srcs = re.findall(r'<script src="([^"]*)"></script>', html)
    assert srcs == [mapping[LEAFLET_JS], mapping[MILSYMBOL_URL], mapping[UNITS_URL]]
    assert "data:text/javascript" not in html


def test_standalone_html_inlines_milsymbol_and_units_js() -> None:
    html = standalone_html(_symbol_map())
    assert "<script src=" not in html and "data:text/javascript" not in html
    milsymbol = MILSYMBOL_JS.read_text(encoding="utf-8")
    units = UNITS_JS.read_text(encoding="utf-8")
    assert f"<script>{milsymbol}</script>" in html  # the file as it is (it needs no escaping)
    assert "root.GeoUnits = U" in html and html.index(milsymbol[-200:]) < html.index("root.GeoUnits = U")
    assert units.count("</script") == 0 and len(html) > len(milsymbol) + len(units)


def test_the_symbol_scripts_can_join_a_bundle(tmp_path) -> None:
    mapping = materialize(tmp_path, bundle=(LEAFLET_JS, *SYMBOL_BUNDLE))
    bundle = {mapping[u] for u in (LEAFLET_JS, *SYMBOL_BUNDLE)}
    assert len(bundle) == 1 and re.fullmatch(r".*/bundle\.[0-9a-f]{10}\.js", bundle.pop())
    js = (tmp_path / "vendor" / mapping[MILSYMBOL_URL].rsplit("/", 1)[1]).read_bytes()
    assert js.index(b"Leaflet 1.9.3") < js.index(b'this.version="3.0.4"') < js.index(b"root.GeoUnits = U")


# --- GeoUnits under node (no browser) -------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")
def test_geounits_caches_one_icon_per_code_and_options_and_falls_back_to_unknown() -> None:
    script = f"""
      const U = require({json.dumps(str(UNITS_JS))});
      let missing = null;
      try {{ U.icon("SFGPUCI--------"); }} catch (e) {{ missing = e.message; }}
      globalThis.ms = require({json.dumps(str(MILSYMBOL_JS))});
      const a = U.icon("SFGPUCI--------", {{size: 30, uniqueDesignation: "A"}});
      const out = {{
        missing,
        same: U.icon(" SFGPUCI-------- ", {{uniqueDesignation: "A", size: 30, type: undefined}}) === a,
        other: U.icon("SFGPUCI--------", {{size: 30, uniqueDesignation: "B"}}) !== a,
        defaultSize: U.icon("SFGPUCI--------") === U.icon("SFGPUCI--------", {{size: U.SIZE}}),
        a: {{valid: a.valid, sidc: a.sidc, keys: Object.keys(a).sort(), anchor: a.anchor}},
        invalid: ["", null, "XYZ", "10061000181299990000"].map(c => [U.valid(c), U.icon(c).sidc]),
        valid: ["SHGPUCA--------", "10061000181205000000", U.UNKNOWN].map(c => U.valid(c)),
        escaped: U.icon("SFGPUCI--------", {{uniqueDesignation: "<b>&"}}).svg.includes("&lt;b&gt;&amp;"),
      }};
      process.stdout.write(JSON.stringify(out));
    """
    out = json.loads(subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout)
    assert "milsymbol" in out["missing"]  # without ms: a clear error, not every unit drawn unknown
    assert out["same"] and out["other"] and out["defaultSize"]
    assert out["a"]["valid"] and out["a"]["sidc"] == "SFGPUCI--------"
    assert out["a"]["keys"] == ["anchor", "height", "sidc", "svg", "url", "valid", "width"]
    assert out["invalid"] == [[False, UNKNOWN_LAND_UNIT]] * 4  # an unknown icon code too (hostile, 1299990)
    assert out["valid"] == [True, True, True] and out["escaped"]


# --- in a browser that may fetch nothing ----------------------------------------------------------------

_RENDER = """async ([friend, hostile, invalid]) => {
  const opts = {size: 40, uniqueDesignation: "1/2", additionalInformation: "TEST"};
  const codes = [["friend", friend], ["hostile", hostile], ["invalid", invalid]];
  const out = {};
  // the frame: milsymbol draws it first, filled with the affiliation's colour
  const frameFill = (svg) => {
    const doc = new DOMParser().parseFromString(svg, "image/svg+xml");
    const path = doc.querySelector("svg > path");
    return path ? path.getAttribute("fill") : null;
  };
  // rasterise each SVG (as a data: image, no request) and count the pixels of its frame colour
  const pixels = async (svg, rgb) => {
    const img = new Image();
    img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg);
    await img.decode();
    const c = document.createElement("canvas");
    c.width = Math.ceil(img.naturalWidth); c.height = Math.ceil(img.naturalHeight);
    const ctx = c.getContext("2d"); ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let fill = 0, drawn = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] > 200) drawn++;
      if (d[i + 3] > 200 && Math.abs(d[i] - rgb[0]) < 8 && Math.abs(d[i + 1] - rgb[1]) < 8 && Math.abs(d[i + 2] - rgb[2]) < 8) fill++;
    }
    return {fill, drawn, total: c.width * c.height};
  };
  const panel = document.createElement("div");
  panel.id = "symbols";
  panel.style.cssText = "position:absolute;z-index:1000;top:10px;left:10px;background:#fff;padding:10px;" +
                        "font:14px sans-serif;display:flex;gap:24px;border:1px solid #888";
  document.body.appendChild(panel);
  const map = window[Object.keys(window).find(k => k.startsWith("map_"))];
  let lng = 30.2;
  for (const [label, code] of codes) {
    const icon = GeoUnits.icon(code, opts);
    const fill = frameFill(icon.svg);
    const rgb = (fill.match(/\\d+/g) || []).map(Number);
    out[label] = {
      svg: icon.svg, sidc: icon.sidc, valid: icon.valid, anchor: icon.anchor, width: icon.width,
      height: icon.height, fill, rgb, raster: await pixels(icon.svg, rgb), checkValid: GeoUnits.valid(code),
      same: GeoUnits.icon(code, opts) === icon,
      sameReordered: GeoUnits.icon(code, {additionalInformation: "TEST", uniqueDesignation: "1/2", size: 40}) === icon,
      otherOptions: GeoUnits.icon(code, {size: 40}) !== icon,
      frozen: Object.isFrozen(icon),
    };
    const cell = document.createElement("figure");
    cell.style.margin = "0";
    cell.innerHTML = icon.svg;  // milsymbol's markup (it escapes the text modifiers); the label as text
    const cap = document.createElement("figcaption");
    cap.textContent = label + ": " + code + (icon.valid ? "" : " → " + icon.sidc);
    cell.appendChild(cap);
    panel.appendChild(cell);
    // on the map, anchored at its position (a red dot above it marks the position itself)
    const at = [50.3, lng]; lng += 0.8;
    L.marker(at, {icon: L.divIcon({html: icon.svg, className: "geo-unit", iconSize: [icon.width, icon.height],
                                   iconAnchor: [icon.anchor.x, icon.anchor.y]})}).addTo(map);
    L.circleMarker(at, {radius: 3, color: "red", fill: true, fillOpacity: 1, pane: "tooltipPane"}).addTo(map);
  }
  out.unknownDirect = GeoUnits.icon(GeoUnits.UNKNOWN, opts).svg === out.invalid.svg;
  out.unknownCode = GeoUnits.UNKNOWN;
  out.version = ms.version;
  out.cached = GeoUnits.cached();
  return out;
}"""


@pytest.mark.browser
def test_geounits_draws_symbols_offline_and_caches_them(tmp_path) -> None:
    need_browser()
    from playwright.sync_api import sync_playwright

    path = tmp_path / "symbols.html"
    path.write_text(standalone_html(_symbol_map()), encoding="utf-8")
    page_url = path.as_uri()
    attempted: list[str] = []  # every request but the page itself, routed or not
    errors: list[str] = []

    def route(r) -> None:
        if r.request.url == page_url:
            r.continue_()
        else:
            attempted.append(r.request.url)
            r.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 900, "height": 600})
            context.route("**/*", route)
            page = context.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("request", lambda req: None if req.url == page_url or req.url.startswith("data:")
                    else attempted.append(req.url))
            page.goto(page_url)
            page.wait_for_function("() => !!(window.L && window.ms && window.GeoUnits)")
            got = page.evaluate(_RENDER, [FRIEND_INFANTRY_2525C, HOSTILE_ARMOUR_BRIGADE_2525D, INVALID])
            page.wait_for_function("() => document.querySelectorAll('.geo-unit svg').length === 3")
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "milsymbol-offline.png"))
        finally:
            browser.close()

    assert not attempted, attempted
    assert not errors, errors
    assert got["version"] == MILSYMBOL_VERSION and got["unknownCode"] == UNKNOWN_LAND_UNIT
    friend, hostile, invalid = got["friend"], got["hostile"], got["invalid"]
    for label, icon in (("friend", friend), ("hostile", hostile), ("invalid", invalid)):
        assert icon["svg"].startswith("<svg") and "<path" in icon["svg"], label
        assert icon["width"] > 20 and icon["height"] > 20, label
        assert 0 < icon["anchor"]["x"] < icon["width"] and 0 < icon["anchor"]["y"] < icon["height"], label
        raster = icon["raster"]
        # drawn (the diamond of the hostile frame covers less of its box than the others), mostly in the frame's fill
        assert raster["drawn"] > 0.1 * raster["total"] and raster["fill"] > 0.4 * raster["drawn"], (label, raster)
        # the cache: one object per code and options, whatever the order of the options
        assert icon["same"] and icon["sameReordered"] and icon["otherOptions"] and icon["frozen"], label
        assert ">1/2</text>" in icon["svg"] and ">TEST</text>" in icon["svg"], label
    r, g, b = friend["rgb"]
    assert friend["valid"] and friend["sidc"] == FRIEND_INFANTRY_2525C and b > r + 60, friend["fill"]  # blue
    r, g, b = hostile["rgb"]
    assert hostile["valid"] and hostile["sidc"] == HOSTILE_ARMOUR_BRIGADE_2525D
    assert r > g + 60 and r > b + 60, hostile["fill"]  # red
    # the invalid code: not valid, drawn as the unknown land unit (yellow)
    r, g, b = invalid["rgb"]
    assert not invalid["valid"] and not invalid["checkValid"] and invalid["sidc"] == UNKNOWN_LAND_UNIT
    assert r > 200 and g > 200 and b < r - 60, invalid["fill"]
    assert got["unknownDirect"]
    assert friend["checkValid"] and hostile["checkValid"]
    # three codes with the test's options, and with {size: 40}, plus the unknown symbol drawn directly
    assert got["cached"] == 7
