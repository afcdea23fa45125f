"""Offline web assets: every JS/CSS file the maps need comes from the machine, never from a CDN.

Sources, all installed by ``pip install -r requirements.txt``:

* ``folium-offline`` (module ``offlinefolium``): ``offlinefolium.elements._res`` maps the CDN URLs that
  folium 0.20 and its plugins reference (Leaflet, jQuery, Bootstrap, awesome-markers, markercluster,
  leaflet-heat, fullscreen, leaflet-measure, MousePosition...) to the files' contents;
* ``xstatic-leaflet``: Leaflet itself with its ``images/`` (layers.png, marker-icon.png...), which
  ``leaflet.css`` references relatively, so the served ``vendor/leaflet.*.css`` finds ``vendor/images/``;
* the project's own map runtime, ``geo/render/runtime.js``.
* milsymbol (APP-6 / MIL-STD-2525 unit symbols), vendored as ``geo/render/vendor/milsymbol.js`` (its
  ``README.md`` says which version, from where and how to update it), and the project's wrapper around it,
  ``geo/render/units.js`` (``GeoUnits``): :data:`MILSYMBOL_URL`, :data:`UNITS_URL`.

Three ways to use them:

* :func:`materialize` writes them under ``static/vendor/`` (Streamlit serves ``./static/`` at
  ``/app/static/`` with ``server.enableStaticServing = true``) and returns ``{cdn_url: local_url}``;
* :func:`localize` points every element of a map at those local URLs (and refuses an element whose
  asset has no local copy, so a new plugin cannot silently fall back to a CDN);
* :func:`standalone_html` renders one HTML file with every asset inlined (no network at all).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Final, TypeVar

from geo.errors import GeoError

__all__ = [
    "MILSYMBOL_URL",
    "RUNTIME_URL",
    "UNITS_URL",
    "VENDOR_BASE_URL",
    "asset_urls",
    "localize",
    "materialize",
    "standalone_html",
]

#: Where Streamlit serves ``./static/vendor/`` when ``server.enableStaticServing`` is on.
VENDOR_BASE_URL: Final = "/app/static/vendor/"
RUNTIME_PATH: Final = Path(__file__).resolve().parent / "render" / "runtime.js"
#: The runtime as a data: URL, so that a map that was never localized still works without a server.
RUNTIME_URL: Final = "data:text/javascript;base64," + base64.b64encode(RUNTIME_PATH.read_bytes()).decode("ascii")
MILSYMBOL_PATH: Final = Path(__file__).resolve().parent / "render" / "vendor" / "milsymbol.js"
#: milsymbol (defines the global ``ms``) as a data: URL, like :data:`RUNTIME_URL`: keyed by it, materialized
#: as ``vendor/milsymbol.<hash>.js`` and inlined by :func:`standalone_html`.
MILSYMBOL_URL: Final = "data:text/javascript;base64," + base64.b64encode(MILSYMBOL_PATH.read_bytes()).decode("ascii")
UNITS_PATH: Final = Path(__file__).resolve().parent / "render" / "units.js"
#: The unit-symbol helpers (``GeoUnits.icon``, ``GeoUnits.valid``; they need :data:`MILSYMBOL_URL`) as a data: URL,
#: materialized as ``vendor/geo-units.<hash>.js``.
UNITS_URL: Final = "data:text/javascript;base64," + base64.b64encode(UNITS_PATH.read_bytes()).decode("ascii")
#: The project's own scripts besides the runtime: data: URL → (file name stem under vendor/, source file).
_PACKAGE_SCRIPTS: Final = {MILSYMBOL_URL: ("milsymbol", MILSYMBOL_PATH), UNITS_URL: ("geo-units", UNITS_PATH)}

_LEAFLET_URL = re.compile(r"/leaflet@(?P<version>[\d.]+)/dist/leaflet\.(?P<ext>js|css)$")
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_SCRIPT_TAG = re.compile(r'<script src="(?P<url>[^"]*)"></script>')
_LINK_TAG = re.compile(r'<link rel="stylesheet" href="(?P<url>[^"]*)"/>')
_CSS_URL = re.compile(r"url\(\s*(?P<q>['\"]?)(?P<url>[^'\")]+)(?P=q)\s*\)")
_MIME: Final = {"png": "image/png", "gif": "image/gif", "svg": "image/svg+xml", "jpg": "image/jpeg"}
#: The names :func:`materialize` gives its files, and the only ones it removes: in ``vendor/``
#: ``<stem>.<10 hex of the content>.<js|css>`` (:func:`_file_name`; the bundles too), in ``vendor/images/``
#: Leaflet's ``<name>.png``. Its temporary files start with a dot and match neither.
_OWN_FILE = re.compile(r"(?![.-])[A-Za-z0-9_.-]{1,60}\.[0-9a-f]{10}\.(?:js|css)")
_OWN_IMAGE = re.compile(r"(?![.-])[A-Za-z0-9_.-]+\.png")

M = TypeVar("M")


# --- the asset store ----------------------------------------------------------------------------------


@cache
def _offline_sources() -> dict[str, bytes]:
    try:
        from offlinefolium.elements import _res
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise GeoError("the offline map assets need folium-offline: pip install -r requirements.txt") from exc
    return {url: text.encode("utf-8") if isinstance(text, str) else bytes(text) for url, text in _res.items()}


@cache
def _leaflet_dir() -> tuple[str, Path]:
    try:
        import xstatic.pkg.leaflet as xleaflet
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise GeoError("the offline map assets need xstatic-leaflet: pip install -r requirements.txt") from exc
    return str(xleaflet.VERSION), Path(xleaflet.BASE_DIR)


@cache
def _sources() -> dict[str, bytes]:
    """CDN URL (or the runtime's data: URL) → file content."""
    out = dict(_offline_sources())
    version, folder = _leaflet_dir()
    for url in list(out):
        match = _LEAFLET_URL.search(url)
        if match and match["version"] == version:
            out[url] = (folder / f"leaflet.{match['ext']}").read_bytes()  # relative images/, served below
    out[RUNTIME_URL] = RUNTIME_PATH.read_bytes()
    for url, (_stem, path) in _PACKAGE_SCRIPTS.items():
        out[url] = path.read_bytes()
    return out


@cache
def _images() -> dict[str, bytes]:
    """Leaflet's images (``images/<name>`` → bytes) from xstatic-leaflet."""
    _version, folder = _leaflet_dir()
    return {f"images/{p.name}": p.read_bytes() for p in sorted((folder / "images").glob("*.png"))}


@cache
def _declared_kinds() -> dict[str, str]:
    """URL → "js"/"css" as folium's classes declare them (some URLs have no file extension)."""
    import folium
    import folium.plugins  # noqa: F401  (registers the plugin classes)
    from branca.element import Element

    kinds: dict[str, str] = {}
    stack: list[type] = [Element]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        for attr, kind in (("default_js", "js"), ("default_css", "css")):
            for item in vars(cls).get(attr, None) or []:
                kinds.setdefault(item[1], kind)
    kinds.setdefault(folium.Map.default_js[0][1], "js")
    return kinds


def _kind(url: str) -> str:
    path = url.split("?", 1)[0].lower()
    if url in _declared_kinds():
        return _declared_kinds()[url]
    if path.endswith(".css"):
        return "css"
    return "js"


def _file_name(url: str, content: bytes) -> str:
    if url in _PACKAGE_SCRIPTS:  # a data: URL: its name is not in it
        return f"{_PACKAGE_SCRIPTS[url][0]}.{hashlib.sha256(content).hexdigest()[:10]}.js"
    kind = "js" if url == RUNTIME_URL else _kind(url)
    if url == RUNTIME_URL:
        stem = "geo-render"
    else:
        stem = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        stem = re.sub(r"\.(js|css)$", "", stem, flags=re.IGNORECASE)
    stem = _SAFE.sub("-", stem).strip(".-")[:60] or "asset"
    return f"{stem}.{hashlib.sha256(content).hexdigest()[:10]}.{kind}"


@cache
def _files() -> dict[str, tuple[str, bytes]]:
    """CDN URL → (file name under vendor/, content)."""
    return {url: (_file_name(url, content), content) for url, content in _sources().items()}


@cache
def _by_file_name() -> dict[str, bytes]:
    out = {name: content for name, content in _files().values()}
    out.update(_images())
    return out


# --- materialize --------------------------------------------------------------------------------------


def materialize(
    static_dir: str | os.PathLike[str], base_url: str = VENDOR_BASE_URL, *, bundle: Sequence[str] = ()
) -> dict[str, str]:
    """Write every asset to ``static_dir/vendor/`` (unchanged files are left alone) → {cdn_url: local_url},
    then remove the files an earlier call wrote there and this one did not (:func:`_remove_stale`).

    File names keep a proper ``.js``/``.css`` extension (Streamlit serves static files with
    ``X-Content-Type-Options: nosniff`` and a type guessed from it) and carry a content hash, so a new
    package version never meets a stale browser cache. Leaflet's images go to ``vendor/images/``.

    ``bundle``: asset URLs, in the order a page must run them, served as one script and one style sheet
    (``bundle.<hash>.js`` / ``.css``, the files joined in that order; every one of those URLs maps to its
    bundle). streamlit-folium loads a map's scripts one after the other, each awaited before the next is
    requested: one request instead of six. A URL without a local copy raises :class:`GeoError`.
    """
    vendor = Path(static_dir) / "vendor"
    (vendor / "images").mkdir(parents=True, exist_ok=True)
    base = base_url if base_url.endswith("/") else base_url + "/"
    mapping: dict[str, str] = {}
    written: set[str] = set()
    for url, (name, content) in _files().items():
        _write_if_changed(vendor / name, content)
        mapping[url] = base + name
        written.add(name)
    for name, content in _images().items():
        _write_if_changed(vendor / name, content)
        written.add(name)
    for name, content, urls in _bundles(bundle):
        _write_if_changed(vendor / name, content)
        mapping.update(dict.fromkeys(urls, base + name))
        written.add(name)
    _remove_stale(vendor, written)
    return mapping


def _remove_stale(vendor: Path, keep: set[str]) -> None:
    """Remove the files of ``vendor/`` and ``vendor/images/`` named as :func:`materialize` names its own
    (:data:`_OWN_FILE`, :data:`_OWN_IMAGE`) and not in ``keep`` (names relative to ``vendor``): the hashed
    assets of earlier package versions and of earlier runtimes. Anything else there (another name, a
    sub-folder, a temporary file being written) is left alone. Two processes may do this at once: a file
    the other one removed first is skipped."""
    for folder, own in ((vendor, _OWN_FILE), (vendor / "images", _OWN_IMAGE)):
        for path in folder.iterdir():
            name = path.relative_to(vendor).as_posix()
            if name in keep or not own.fullmatch(path.name) or not path.is_file():
                continue
            try:
                path.unlink()
            except FileNotFoundError:  # removed by another process materializing at the same time
                pass


def _bundles(urls: Sequence[str]) -> list[tuple[str, bytes, list[str]]]:
    """(file name, content, the URLs joined) of the script bundle and of the style sheet bundle of ``urls``."""
    files = _files()
    missing = [u for u in urls if u not in files]
    if missing:
        raise GeoError(f"expected assets with a local copy in the bundle, got {', '.join(missing)}")
    out = []
    for kind, joint in (("js", b"\n;\n"), ("css", b"\n")):  # ";": a script that omits its last one ends there
        mine = [u for u in dict.fromkeys(urls) if files[u][0].endswith(f".{kind}")]
        if mine:
            content = joint.join(files[u][1].rstrip() for u in mine) + b"\n"
            out.append((f"bundle.{hashlib.sha256(content).hexdigest()[:10]}.{kind}", content, mine))
    return out


def _write_if_changed(path: Path, content: bytes) -> None:
    try:
        if path.stat().st_size == len(content) and path.read_bytes() == content:
            return
    except FileNotFoundError:
        pass
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)


# --- localize -----------------------------------------------------------------------------------------


def _walk(element: Any) -> Iterator[Any]:
    stack = [element]
    while stack:
        el = stack.pop()
        yield el
        stack.extend(reversed(list(getattr(el, "_children", {}).values())))


def _tree_root(m: Any) -> Any:
    root = m
    while getattr(root, "_parent", None) is not None:
        root = root._parent
    return root


def asset_urls(m: Any) -> list[tuple[str, str]]:
    """Every (kind, url) the elements under ``m``'s root need, in first-seen order."""
    seen: dict[str, str] = {}
    for el in _walk(_tree_root(m)):
        for attr, kind in (("default_js", "js"), ("default_css", "css")):
            for _name, url in getattr(el, attr, None) or []:
                seen.setdefault(url, kind)
        if type(el).__name__ in ("JavascriptLink", "CssLink") and getattr(el, "url", None):
            seen.setdefault(el.url, "js" if type(el).__name__ == "JavascriptLink" else "css")
    return [(kind, url) for url, kind in seen.items()]


def _is_local(url: str) -> bool:
    return url.startswith("data:") or not re.match(r"^([a-z][a-z0-9+.-]*:|//)", url, flags=re.IGNORECASE)


def _local_url(url: str, mapping: Mapping[str, str], owner: Any) -> str:
    if url in mapping:
        return mapping[url]
    if _is_local(url):
        return url
    raise GeoError(
        f"no local copy of {url} (needed by {type(owner).__name__}): the map would fetch it from the "
        "network; add it to geo.assets or do not use that element"
    )


def localize(m: M, mapping: Mapping[str, str], *, copy_map: bool = True) -> M:
    """A copy of ``m`` (any folium element: a Map, a FeatureGroup) whose JS/CSS come from ``mapping``.

    ``default_js``/``default_css`` are replaced per instance (classes are left alone), as are the links a
    previous render already put in the page header. Raises :class:`GeoError` naming the URL when an
    element needs an asset that has no local copy, and for a branca ``ColorMap`` (streamlit-folium loads
    d3 for it from a CDN, whatever its links say). ``copy_map=False`` rewrites ``m`` itself.
    """
    out = copy.deepcopy(m) if copy_map else m
    for el in _walk(_tree_root(out)):
        if type(el).__name__ in ("ColorMap", "LinearColormap", "StepColormap"):
            raise GeoError(
                "a branca ColorMap makes streamlit-folium load d3 from a CDN: use the geo.render legends"
            )
        for attr in ("default_js", "default_css"):
            items = getattr(el, attr, None)
            if items:
                setattr(el, attr, [(name, _local_url(url, mapping, el)) for name, url in items])
        if type(el).__name__ in ("JavascriptLink", "CssLink") and getattr(el, "url", None):
            el.url = _local_url(el.url, mapping, el)
    return out


# --- standalone HTML ----------------------------------------------------------------------------------


def _content(url: str) -> bytes | None:
    files = _files()
    if url in files:
        return files[url][1]
    if url.startswith("data:"):
        header, _, data = url.partition(",")
        return base64.b64decode(data) if header.endswith(";base64") else data.encode("utf-8")
    if _is_local(url):
        return _by_file_name().get(url.split("?", 1)[0].rsplit("/", 1)[-1])
    return None


def _data_uri(name: str, content: bytes) -> str:
    ext = name.rsplit(".", 1)[-1].lower()
    return f"data:{_MIME.get(ext, 'application/octet-stream')};base64,{base64.b64encode(content).decode('ascii')}"


def _inline_css(css: str) -> str:
    images = _images()

    def repl(match: re.Match[str]) -> str:
        ref = match["url"].strip()
        if ref.startswith("data:") or ref.startswith("#"):
            return match[0]
        if ref in images:
            return f"url({_data_uri(ref, images[ref])})"
        if re.match(r"^([a-z][a-z0-9+.-]*:|//)", ref, flags=re.IGNORECASE):
            return "url(data:,)"  # never fetch from the network
        return match[0]

    return _CSS_URL.sub(repl, css).replace("</style", "<\\/style")


def _icon_fix() -> str:
    images = _images()
    icons = {
        "iconUrl": "images/marker-icon.png",
        "iconRetinaUrl": "images/marker-icon-2x.png",
        "shadowUrl": "images/marker-shadow.png",
    }
    opts = ",".join(f'{k}:"{_data_uri(v, images[v])}"' for k, v in icons.items() if v in images)
    return f"\nif(window.L&&L.Icon&&L.Icon.Default){{L.Icon.Default.imagePath='';L.Icon.Default.mergeOptions({{{opts}}});}}"


def standalone_html(m: Any) -> str:
    """One self-contained HTML page for ``m``: every script and stylesheet inlined, nothing fetched.

    Raises :class:`GeoError` naming any asset that has no local copy. Tile layers, if the map has any
    shown, still ask for tiles (offline they fail silently and the vector layers draw alone); build the
    map with ``basemap="none"`` for a page that makes no request at all.
    """
    html = copy.deepcopy(m).get_root().render()
    missing: list[str] = []

    def script(match: re.Match[str]) -> str:
        url = match["url"]
        content = _content(url)
        if content is None:
            missing.append(url)
            return match[0]
        js = content.decode("utf-8")
        js = re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE).replace("<!--", "<\\!--")
        if b"Leaflet 1." in content[:300]:  # Leaflet itself: default marker icons as data URIs
            js += _icon_fix()
        return f"<script>{js}</script>"

    def link(match: re.Match[str]) -> str:
        content = _content(match["url"])
        if content is None:
            missing.append(match["url"])
            return match[0]
        return f"<style>{_inline_css(content.decode('utf-8'))}</style>"

    html = _SCRIPT_TAG.sub(script, html)
    html = _LINK_TAG.sub(link, html)
    if missing:
        raise GeoError(f"no local copy of {', '.join(sorted(set(missing)))}: cannot build a standalone page")
    return html
