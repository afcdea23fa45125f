"""Offline assets: materialize, localize (no CDN left), standalone HTML (everything inlined)."""

from __future__ import annotations

import mimetypes
import re
import subprocess
import sys
import time
from pathlib import Path

import folium
import folium.plugins
import pytest
from branca.colormap import LinearColormap
from folium.elements import JSCSSMixin

from geo import join
from geo.assets import RUNTIME_URL, VENDOR_BASE_URL, asset_urls, localize, materialize, standalone_html
from geo.errors import GeoError
from geo.render import build_map
from tests.factories import grid_boundaries
from tests.render_factories import mixed_events, render, script_sources, stylesheet_links

ROOT = Path(__file__).resolve().parents[1]
LEAFLET_JS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
LEAFLET_CSS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"


@pytest.fixture(scope="module")
def vendor(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, dict[str, str]]:
    static = tmp_path_factory.mktemp("static")
    return static, materialize(static)


@pytest.fixture(scope="module")
def full_map() -> folium.Map:
    b = grid_boundaries()
    return build_map(b, mixed_events(300, seed=3), index=join.prepare(b))


def test_materialize_writes_real_leaflet_and_its_images(vendor) -> None:
    static, mapping = vendor
    local = mapping[LEAFLET_JS]
    assert local.startswith(VENDOR_BASE_URL) and local.endswith(".js")
    js = (static / "vendor" / local.rsplit("/", 1)[1]).read_text(encoding="utf-8")
    assert "Leaflet 1.9.3" in js and len(js) > 100_000  # the real library, not a stub
    css_name = mapping[LEAFLET_CSS].rsplit("/", 1)[1]
    css = (static / "vendor" / css_name).read_text(encoding="utf-8")
    for ref in re.findall(r"url\((images/[^)]+)\)", css):  # leaflet.css's relative images resolve
        assert (static / "vendor" / ref).is_file(), ref
    assert (static / "vendor" / "images" / "layers.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (static / "vendor" / "images" / "marker-icon.png").is_file()


def test_materialize_names_files_for_their_content_type(vendor) -> None:
    static, mapping = vendor
    for url, local in mapping.items():
        name = local.rsplit("/", 1)[1]
        assert re.fullmatch(r"[A-Za-z0-9_.-]+\.(js|css)", name), name
        kind, _ = mimetypes.guess_type(name)
        assert kind in ("text/javascript", "application/javascript", "text/css"), (url, kind)
        assert (static / "vendor" / name).is_file()
    assert RUNTIME_URL in mapping and "geo-render" in mapping[RUNTIME_URL]
    for needed in (folium.Map.default_js + folium.Map.default_css + folium.plugins.Fullscreen.default_js
                   + folium.plugins.MeasureControl.default_js + folium.plugins.HeatMap.default_js
                   + folium.plugins.MousePosition.default_js + folium.plugins.MarkerCluster.default_js):
        assert needed[1] in mapping, needed


def test_materialize_is_idempotent_and_takes_a_base_url(vendor, tmp_path) -> None:
    static, mapping = vendor
    files = sorted((static / "vendor").rglob("*"))
    stamps = {p: p.stat().st_mtime_ns for p in files if p.is_file()}
    assert materialize(static) == mapping
    assert {p: p.stat().st_mtime_ns for p in files if p.is_file()} == stamps
    other = materialize(tmp_path, base_url="/assets")
    assert all(v.startswith("/assets/") for v in other.values())


def test_localize_leaves_no_cdn_url_and_does_not_mutate(vendor, full_map) -> None:
    _static, mapping = vendor
    before = render(full_map)
    local = localize(full_map, mapping)
    html = render(local)
    links = script_sources(html) + stylesheet_links(html)
    assert links and all(u.startswith(VENDOR_BASE_URL) for u in links), [u for u in links if not u.startswith(VENDOR_BASE_URL)]
    assert any("leaflet_heat" in u for u in links)  # the heat plugin (its layer is in the map) is local too
    assert not re.search(r'(src|href)="(https?:)?//', html)
    # the input map and the classes are untouched
    assert script_sources(render(full_map)) == script_sources(before)
    assert folium.Map.default_js[0][1] == LEAFLET_JS
    assert any(u.startswith("https://") for u in script_sources(before))


def test_localize_refuses_an_asset_without_a_local_copy(vendor) -> None:
    _static, mapping = vendor

    class NewPlugin(JSCSSMixin):
        default_js = [("new_plugin", "https://cdn.example.org/new-plugin.min.js")]

    m = folium.Map(tiles=None)
    NewPlugin().add_to(m)
    with pytest.raises(GeoError, match=r"https://cdn\.example\.org/new-plugin\.min\.js"):
        localize(m, mapping)


def test_localize_refuses_a_colormap(vendor) -> None:
    _static, mapping = vendor
    m = folium.Map(tiles=None)
    LinearColormap(["red", "blue"]).add_to(m)
    with pytest.raises(GeoError, match="d3"):
        localize(m, mapping)


def test_asset_urls_lists_what_the_map_needs(full_map) -> None:
    urls = dict((u, k) for k, u in asset_urls(full_map))
    assert urls[LEAFLET_JS] == "js" and urls[LEAFLET_CSS] == "css"
    assert RUNTIME_URL in urls


def test_the_map_loads_leaflet_without_folium_jquery_bootstrap_or_font_awesome(full_map) -> None:
    urls = [u for _k, u in asset_urls(full_map)]
    assert not [u for u in urls if re.search(r"jquery|bootstrap|awesome|fontawesome", u)], urls
    html = render(full_map)
    # nothing on the page uses them: jQuery calls, Bootstrap or Font Awesome classes
    assert not re.search(r"\$\(|jQuery|class=\\?[\"'][^\"']*\b(fa|glyphicon|btn|awesome-marker)[- ]", html)


def test_standalone_html_inlines_everything(full_map) -> None:
    html = standalone_html(full_map)
    assert "<script src=" not in html
    assert '<link rel="stylesheet"' not in html
    assert "Leaflet 1.9.3" in html and "GeoRender" in html
    assert "url(data:image/png;base64," in html  # leaflet.css images inlined
    assert not re.search(r"url\((['\"]?)(https?:)?//", html)


def test_standalone_html_from_a_localized_map(vendor, full_map) -> None:
    _static, mapping = vendor
    html = standalone_html(localize(full_map, mapping))
    assert "<script src=" not in html and "Leaflet 1.9.3" in html


def test_standalone_html_names_a_missing_asset() -> None:
    class Unknown(JSCSSMixin):
        default_js = [("x", "https://cdn.example.org/unknown.js")]

    m = folium.Map(tiles=None)
    Unknown().add_to(m)
    with pytest.raises(GeoError, match="unknown.js"):
        standalone_html(m)


def test_the_app_map_loads_one_script_bundle_and_one_style_sheet_bundle(tmp_path) -> None:
    from geo import render as georender

    mapping = materialize(tmp_path, bundle=georender.MAP_BUNDLE)
    vendor = tmp_path / "vendor"
    plain = materialize(tmp_path / "plain")
    js = (vendor / mapping[LEAFLET_JS].rsplit("/", 1)[1]).read_bytes()
    css = (vendor / mapping[LEAFLET_CSS].rsplit("/", 1)[1]).read_bytes()
    # every file of the bundle, whole and in the given order: Leaflet before the runtime before the plugins
    parts = [(tmp_path / "plain" / "vendor" / plain[u].rsplit("/", 1)[1]).read_bytes().rstrip()
             for u in georender.MAP_BUNDLE if plain[u].endswith(".js")]
    assert js == b"\n;\n".join(parts) + b"\n" and js.index(b"Leaflet 1.9.3") < js.index(b"GeoRender")
    assert b".leaflet-container" in css and b"leaflet-draw" in css and b"fullscreen" in css.lower()
    for ref in set(re.findall(rb"url\(['\"]?(images/[^)'\"]+)", css)):  # relative images still resolve
        assert (vendor / ref.decode()).is_file(), ref
    b = grid_boundaries()
    m = georender.base_map(b, layer_control=False, keep_view=True, draw=True, assets=mapping)
    for group in georender.event_layers(mixed_events(50, seed=4), b, assets=mapping):
        group.add_to(m)
    assert [kind for kind, _url in asset_urls(m)] == ["js", "css"]


def test_a_bundle_refuses_an_asset_without_a_local_copy(tmp_path) -> None:
    with pytest.raises(GeoError, match="expected assets with a local copy in the bundle, got https://example.org/x.js"):
        materialize(tmp_path, bundle=(LEAFLET_JS, "https://example.org/x.js"))


def _files_under(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_materialize_removes_the_files_of_earlier_versions_and_nothing_else(tmp_path) -> None:
    from geo import render as georender

    vendor = tmp_path / "vendor"
    mapping = materialize(tmp_path, bundle=georender.MAP_BUNDLE)
    written = _files_under(vendor)
    assert any(n.startswith("bundle.") for n in written) and any(n.startswith("images/") for n in written)
    # every file under another content hash (an earlier package or runtime), and an image Leaflet dropped
    stale = {re.sub(r"\.[0-9a-f]{10}\.(js|css)$", r".0123456789.\1", n) for n in written
             if not n.startswith("images/")} | {"images/old-marker.png"}
    assert len(stale) == len(written) - sum(n.startswith("images/") for n in written) + 1
    foreign = {  # not named as materialize names its files: never removed
        "notes.txt", "custom.js", "geo-render.12345.js", "geo-render.0123456789.mjs", "geo-render.ABCDEF0123.js",
        ".geo-render.0123456789.js.4242.tmp",  # another process's file being written
        "images/readme.txt", "images/.layers.png.4242.tmp", "other/leaflet.0123456789.js",
    }
    for name in stale | foreign:
        (vendor / name).parent.mkdir(parents=True, exist_ok=True)
        (vendor / name).write_bytes(b"old")
    (vendor / "folder.0123456789.js").mkdir()  # a folder with an asset's name
    (tmp_path / "app.0123456789.js").write_bytes(b"beside vendor/")
    assert materialize(tmp_path, bundle=georender.MAP_BUNDLE) == mapping
    assert _files_under(vendor) == written | foreign
    assert (vendor / "folder.0123456789.js").is_dir() and (tmp_path / "app.0123456789.js").is_file()


def test_two_processes_materializing_at_once_both_succeed_and_leave_the_current_files(tmp_path) -> None:
    vendor = tmp_path / "vendor"
    materialize(tmp_path)
    written = _files_under(vendor)
    for i in range(4000):  # many stale files: both processes remove them at the same time
        (vendor / f"geo-render.{i:010x}.js").write_bytes(b"old")
    # each process loads its assets, says it is ready, then waits for the signal to materialize
    code = ("import sys, time; from pathlib import Path; from geo import assets\n"
            "static, me = Path(sys.argv[1]), sys.argv[2]\n"
            "assets._files(), assets._images()\n"
            "(static / f'ready-{me}').touch()\n"
            "while not (static / 'go').exists(): time.sleep(0.001)\n"
            "print('\\n'.join(sorted(set(assets.materialize(static).values()))))\n")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path), str(n)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for n in range(2)]
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"ready-{n}").exists() for n in range(2)):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        time.sleep(0.01)
    (tmp_path / "go").touch()
    served = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
        served.append({url.rsplit("/", 1)[1] for url in out.decode().split()})
    # what the processes serve (read from their own installation), Leaflet's images, and nothing stale
    assert served[0] == served[1] and _files_under(vendor) == served[0] | {n for n in written if "/" in n}
