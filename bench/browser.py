"""Browser benchmarks of the live map (one command: ``python bench/browser.py``), figures printed and written
to ``bench/out/browser.json``.

A real ``streamlit run app.py`` per store, headless Chromium through Playwright, every non-local request
blocked (as air-gapped). Stores of synthetic events (``bench/map.py``'s generator, placed inside the three
countries as ``bench/run.py`` does and joined to the real boundaries) in a temporary ``GEO_STORE``; the
real boundary mirror (``../shared/geodata/gbOpen`` or ``$GEO_BOUNDARIES_SOURCE``) is required.

With 100k events in the store:

* first map, cold: a new server process (boundary and index caches on disk, as after a restart), from
  opening the page to the runtime having drawn the events; also the very first start with empty caches;
* first map, warm: a new browser tab on the running server;
* filter change to settled map: a preset clicked ("Last 7 days" / "All") until the runtime has registered
  the new payload and drawn its events (``GeoRender.stats()``), then one frame;
* pan/zoom frame time: ``requestAnimationFrame`` deltas during scripted ``map.panBy``/``setZoom``, on the
  "No tiles" base map (tiles cannot load here; the map offers "No tiles" when they fail), and for
  comparison on the default base map with its tile requests failing;
* JS heap (``HeapProfiler.collectGarbage`` then ``Performance.getMetrics``) and DOM nodes after 20
  filter cycles against after the first.

With 1M events: what the page transfers (HTTP response bodies plus Streamlit's websocket frames) and the
frame time at zooms 4, 6 and 9. The naive way (one folium ``CircleMarker`` with a popup per event) is
measured next to the runtime at 10k events in the same browser (a static page each).
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.map import naive_map, synthetic_events  # noqa: E402
from bench.run import synthetic_points  # noqa: E402
from tests.browser_support import MAP_FRAME, offline_page, streamlit_server  # noqa: E402

OUT = ROOT / "bench" / "out"
#: Frame times come in steps of the display's 16.7 ms: 33 ms is 30 frames per second, two steps.
TARGETS = {"first_map_warm_s": 3.0, "first_map_cold_s": 6.0, "filter_settled_s": 0.5, "frame_ms": round(1000 / 30, 1),
           "heap_growth": 0.10, "page_mb_1m": 10.0}
COUNTRIES = ("BLR", "UKR", "RUS")
#: The link parameter choosing "No tiles" (``ui.urlstate``): frame times are measured on it, as tiles cannot
#: load here and every pan would add failing tile requests (measured too, as ``frame_ms_failing_tiles``).
NO_TILES = "base=none"

#: The map frame's window (``w``) and runtime (``R``), for expressions evaluated from the page.
FRAME = f"document.querySelector('{MAP_FRAME}')"
DRAWN = f"""() => {{ const f = {FRAME}, w = f && f.contentWindow, R = w && w.GeoRender;
    const s = R && R.stats(), idle = document.querySelector('[data-test-script-state]');
    return !!(s && s.registered > 0 && s.layers > 0 && w.document.querySelector('.geo-legend')
              && idle && idle.getAttribute('data-test-script-state') === 'notRunning'); }}"""

#: Click a sidebar preset and wait (in the page, frame by frame) until the map has registered a new payload
#: and drawn it, then one more frame: milliseconds from the click.
SETTLE = f"""async (name) => {{
    const R = () => {FRAME}.contentWindow.GeoRender, before = R().stats().registered;
    const button = [...document.querySelectorAll('button')].find(b => b.innerText.trim() === name);
    if (!button) throw new Error('no button ' + name);
    const t0 = performance.now();
    button.click();
    const frame = () => new Promise(r => requestAnimationFrame(r));
    for (;;) {{
        await frame();
        const s = R() && R().stats();
        if (s && s.registered > before && s.events > 0) break;
        if (performance.now() - t0 > 120000) throw new Error('map did not settle');
    }}
    await frame();
    return performance.now() - t0;
}}"""

#: In the map frame: rAF deltas during a scripted sequence of pans and zooms ({median, p95, frames}).
FRAMES = """async ([steps]) => {
    const map = window.map, deltas = [];
    let last = null, running = true;
    const tick = (t) => { if (last !== null) deltas.push(t - last); last = t; if (running) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
    const moved = () => new Promise(r => { const t = setTimeout(r, 3000); map.once('moveend', () => { clearTimeout(t); r(); }); });
    for (const [kind, a, b] of steps) {
        const done = moved();
        if (kind === 'pan') map.panBy([a, b], {animate: true, duration: 0.3}); else map.setZoom(a);
        await done;
        await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    }
    running = false;
    deltas.sort((x, y) => x - y);
    const q = (p) => deltas[Math.min(deltas.length - 1, Math.floor(deltas.length * p))];
    return {median: q(0.5), p95: q(0.95), max: deltas[deltas.length - 1], frames: deltas.length};
}"""


def _steps(zoom: int) -> list[list[Any]]:
    pans = [["pan", 240, 0], ["pan", 0, 180], ["pan", -240, 0], ["pan", 0, -180]] * 2
    return pans + [["zoom", zoom + 1, 0], ["pan", 200, 120], ["zoom", zoom, 0], ["pan", -200, -120]]


def _source() -> str:
    source = os.environ.get("GEO_BOUNDARIES_SOURCE") or str(ROOT.parent / "shared" / "geodata" / "gbOpen")
    if not source.startswith("http") and not Path(source).is_dir():
        sys.exit("no boundaries: set GEO_BOUNDARIES_SOURCE or put the mirror at ../shared/geodata/gbOpen")
    return source


def make_store(path: Path, n: int, boundaries: Any, index: Any, seed: int) -> float:
    """A store of ``n`` synthetic events inside the countries, joined like an import; seconds taken."""
    from geo import join
    from geo.store import EventStore

    t = time.perf_counter()
    events = synthetic_events(n, seed=seed)
    events["description"] = "A short description."
    events["lon"], events["lat"] = synthetic_points(boundaries, n, seed=seed)
    events = events.drop(columns=[c for c in events.columns if c.startswith("adm")])
    events = join.enrich(events, index)
    EventStore(path).add(events, source=f"bench {n} events")
    return time.perf_counter() - t


def _env(store: Path, cache: Path, source: str) -> dict[str, str]:
    """The server's environment. Bytecode is written as Python writes it by default (a deployed app's
    ``__pycache__``): this machine's environment sets ``PYTHONDONTWRITEBYTECODE``, with which every restart
    would compile the app's modules again (about 0.3 s of a cold start) where a user's server would not."""
    return {"GEO_STORE": str(store), "GEO_CACHE_DIR": str(cache), "GEO_BOUNDARIES_SOURCE": source,
            "GEO_COUNTRIES": ",".join(COUNTRIES), "PYTHONDONTWRITEBYTECODE": ""}


def first_map(page: Any, url: str) -> float:
    """Seconds from opening the app until the runtime has drawn the events and Streamlit is idle."""
    t = time.perf_counter()
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function(DRAWN, timeout=600_000, polling=50)
    return time.perf_counter() - t


def frame_times(page: Any, zoom: int, centre: tuple[float, float] = (50.5, 32.0)) -> dict[str, float]:
    frame = page.locator(MAP_FRAME).element_handle().content_frame()
    frame.evaluate(f"() => new Promise(r => {{ window.map.once('moveend', r); window.map.setView([{centre[0]}, {centre[1]}], {zoom}, {{animate: false}}); setTimeout(r, 3000); }})")
    frame.evaluate(FRAMES, [_steps(zoom)])  # once to warm up
    return {k: round(v, 1) for k, v in frame.evaluate(FRAMES, [_steps(zoom)]).items()}


def memory(cdp: Any) -> dict[str, float]:
    cdp.send("HeapProfiler.collectGarbage")
    cdp.send("HeapProfiler.collectGarbage")
    m = {x["name"]: x["value"] for x in cdp.send("Performance.getMetrics")["metrics"]}
    return {"heap_mb": round(m["JSHeapUsedSize"] / 1e6, 1), "nodes": int(m["Nodes"])}


@contextmanager
def transfer_meter(page: Any):
    """Bytes the page receives, filled live: HTTP response bodies (``http``), Streamlit's websocket frames
    (``ws``), and of those the frames that carry the map component (``ws_map``: base map and layers)."""
    seen = {"http": 0, "ws": 0, "ws_map": 0}

    def on_response(response: Any) -> None:
        try:
            seen["http"] += response.request.sizes()["responseBodySize"]
        except Exception:  # noqa: BLE001 - a response gone before its sizes are read (navigation)
            pass

    def on_frame(payload: bytes | str) -> None:
        data = payload if isinstance(payload, bytes) else payload.encode()
        seen["ws"] += len(data)
        if b"streamlit_folium" in data:
            seen["ws_map"] += len(data)

    def on_ws(ws: Any) -> None:
        ws.on("framereceived", on_frame)

    page.on("response", on_response)
    page.on("websocket", on_ws)
    yield seen


def case_100k(store: Path, cache: Path, source: str, cycles: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    # the very first start: empty boundary cache (filled from the local mirror) and no index on disk
    with streamlit_server(_env(store, cache, source), timeout=600) as url, offline_page() as (page, _b):
        out["first_map_first_start_s"] = round(first_map(page, url), 2)
    t = time.perf_counter()
    with streamlit_server(_env(store, cache, source), timeout=600) as url:
        out["server_start_s"] = round(time.perf_counter() - t, 2)
        with offline_page() as (page, _b):
            with transfer_meter(page) as seen:
                out["first_map_cold_s"] = round(first_map(page, url), 2)
            out["first_load_mb"] = {k: round(v / 1e6, 2) for k, v in seen.items()}
            out["payload_registrations_on_load"] = page.evaluate(f"() => {FRAME}.contentWindow.GeoRender.stats().registered")
            out["events_drawn"] = page.evaluate(f"() => {FRAME}.contentWindow.GeoRender.stats().events")
        with offline_page() as (page, _b):  # the default base map, whose tiles cannot load here
            out["first_map_warm_s"] = round(first_map(page, url), 2)
            out["frame_ms_failing_tiles"] = frame_times(page, 6)
        with offline_page() as (page, _b):
            # "No tiles", as the map's notice offers when tiles fail: the base map of an air-gapped analyst
            first_map(page, f"{url}/?{NO_TILES}")
            out["frame_ms"] = frame_times(page, 6)
            settle = [page.evaluate(SETTLE, name) / 1000 for name in ("Last 7 days", "All") * 3]
            out["filter_settled_s"] = {"median": round(statistics.median(settle), 3), "all": [round(s, 3) for s in settle]}
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            page.evaluate(SETTLE, "Last 7 days")
            page.evaluate(SETTLE, "All")
            first = memory(cdp)
            for _ in range(cycles - 1):
                page.evaluate(SETTLE, "Last 7 days")
                page.evaluate(SETTLE, "All")
            last = memory(cdp)
            out["memory"] = {"after_1": first, f"after_{cycles}": last,
                             "heap_growth": round(last["heap_mb"] / first["heap_mb"] - 1, 3),
                             "nodes_growth": round(last["nodes"] / first["nodes"] - 1, 3)}
    return out


@contextmanager
def wire_meter(url: str):
    """A TCP relay in front of the server at ``url``: yields (the relay's URL, a dict whose ``bytes`` counts what
    the server sends through it). Bytes on the wire: HTTP bodies and headers, and websocket frames as sent
    (compressed when the server compresses them), which the browser's own counters report decompressed."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", int(parts.port or 80)
    seen = {"bytes": 0}
    lock = threading.Lock()
    listener = socket.create_server(("127.0.0.1", 0))

    def pump(src: socket.socket, dst: socket.socket, count: bool) -> None:
        try:
            while chunk := src.recv(1 << 16):
                if count:
                    with lock:
                        seen["bytes"] += len(chunk)
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def accept() -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection((host, port))
            threading.Thread(target=pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=pump, args=(server, client, True), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", seen
    finally:
        listener.close()


def case_1m(store: Path, cache: Path, source: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with (streamlit_server(_env(store, cache, source), timeout=600) as direct, wire_meter(direct) as (url, wire),
          offline_page() as (page, _b)):
        with transfer_meter(page) as seen:
            try:
                out["first_map_cold_s"] = round(first_map(page, url), 2)
            except Exception:
                OUT.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(OUT / "browser-1m-failed.png"))
                raise
            out["page_transfer_mb"] = {k: round(v / 1e6, 2) for k, v in seen.items()}
            out["page_transfer_mb"]["total"] = round((seen["http"] + seen["ws"]) / 1e6, 2)
            out["page_transfer_mb"]["wire"] = round(wire["bytes"] / 1e6, 2)
        out["frame_ms_failing_tiles"] = {f"zoom_{z}": frame_times(page, z) for z in (4, 6, 9)}
        first_map(page, f"{url}/?{NO_TILES}")
        out["frame_ms"] = {f"zoom_{z}": frame_times(page, z) for z in (4, 6, 9)}
        out["events_drawn"] = page.evaluate(f"() => {FRAME}.contentWindow.GeoRender.stats().events")
    return out


@contextmanager
def _serve(folder: Path):
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *a, **k: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def case_naive(n: int, boundaries: Any) -> dict[str, Any]:
    """10k events as a static page: the runtime's map against one folium CircleMarker + popup per event."""
    from geo.assets import standalone_html
    from geo.render import build_map

    events = synthetic_events(n, seed=11)
    events["lon"], events["lat"] = synthetic_points(boundaries, n, seed=11)
    pages = {"runtime": standalone_html(build_map(None, events, basemap="none", fit=False)),
             "naive": standalone_html(naive_map(events))}
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp, _serve(Path(tmp)) as base:
        for name, text in pages.items():
            (Path(tmp) / f"{name}.html").write_text(text, encoding="utf-8")
        for name in pages:
            with offline_page() as (page, _b):
                t = time.perf_counter()
                page.goto(f"{base}/{name}.html", wait_until="load")
                map_var = page.evaluate("() => Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))")
                page.evaluate(f"() => {{ window.map = window['{map_var}']; window.map.setView([50.5, 32.0], 6, {{animate: false}}); }}")
                page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
                load = time.perf_counter() - t
                frames = page.evaluate(FRAMES, [_steps(6)])
                out[name] = {"page_mb": round(len(pages[name].encode()) / 1e6, 2), "load_s": round(load, 2),
                             "frame_ms": {k: round(v, 1) for k, v in frames.items()}}
    return out


def _check(label: str, value: float, target: float, unit: str) -> bool:
    good = value <= target
    print(f"{'PASS' if good else 'FAIL'}  {label}: {value:g} {unit} (target <= {target:g} {unit})")
    return good


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--big", type=int, default=1_000_000, help="events of the large store (0: skip)")
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--naive-n", type=int, default=10_000, help="0: skip the naive comparison")
    parser.add_argument("--out", type=Path, default=OUT / "browser.json")
    parser.add_argument("--skip-small", action="store_true", help="only the large store (and the naive page)")
    args = parser.parse_args()

    from geo import join
    from geo.boundaries import load_boundaries

    source = _source()
    results: dict[str, Any] = {"targets": TARGETS, "load_average": os.getloadavg()[0]}

    def run(name: str, case: Any, *case_args: Any) -> None:
        """One case; its figures (or the error that stopped it) go into the JSON at once."""
        try:
            results[name] = case(*case_args)
        except Exception as exc:  # noqa: BLE001 - a case that fails is reported, the others still run
            results[name] = {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0]}"}
        print(name, json.dumps(results[name], indent=1), flush=True)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")

    with tempfile.TemporaryDirectory(prefix="geo-bench-") as tmp_name:
        tmp = Path(tmp_name)
        boundaries = load_boundaries(countries=COUNTRIES, source=source, cache_dir=tmp / "prep-cache")
        index = join.prepare(boundaries)
        results["store_s"] = {}
        if not args.skip_small:
            store = tmp / f"events-{args.events}.gpkg"
            results["store_s"][str(args.events)] = round(make_store(store, args.events, boundaries, index, 1), 1)
            run(str(args.events), case_100k, store, tmp / "cache", source, args.cycles)
            store.unlink()
        if args.naive_n:
            run(f"naive_{args.naive_n}", case_naive, args.naive_n, boundaries)
        if args.big:
            big = tmp / f"events-{args.big}.gpkg"
            results["store_s"][str(args.big)] = round(make_store(big, args.big, boundaries, index, 2), 1)
            run(str(args.big), case_1m, big, tmp / "cache", source)

    print(f"\nwritten to {args.out}")
    ok = True
    r = results.get(str(args.events), {})
    if "first_map_warm_s" in r:
        ok &= _check(f"{args.events:,}: first map, warm server", r["first_map_warm_s"], TARGETS["first_map_warm_s"], "s")
        ok &= _check(f"{args.events:,}: first map, cold (new server process)", r["first_map_cold_s"], TARGETS["first_map_cold_s"], "s")
        ok &= _check(f"{args.events:,}: filter change to settled map (median)", r["filter_settled_s"]["median"], TARGETS["filter_settled_s"], "s")
        ok &= _check(f"{args.events:,}: pan/zoom frame time (median)", r["frame_ms"]["median"], TARGETS["frame_ms"], "ms")
        print(f"      (with the default base map's tiles failing offline: {r['frame_ms_failing_tiles']['median']:g} ms)")
        ok &= _check(f"{args.events:,}: JS heap growth over {args.cycles} filter cycles", r["memory"]["heap_growth"], TARGETS["heap_growth"], "")
    elif not args.skip_small:
        ok = False
    b = results.get(str(args.big), {})
    if "page_transfer_mb" in b:
        ok &= _check(f"{args.big:,}: page transfer (on the wire)", b["page_transfer_mb"]["wire"], TARGETS["page_mb_1m"], "MB")
        print(f"      (browser counters: HTTP bodies as received plus websocket frames decompressed: {b['page_transfer_mb']['total']:g} MB)")
        for z, f in b["frame_ms"].items():
            ok &= _check(f"{args.big:,}: frame time at {z.replace('_', ' ')} (median)", f["median"], TARGETS["frame_ms"], "ms")
    elif args.big:
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
