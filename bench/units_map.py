"""The live map's units layer with 2,000 units (one command: ``python bench/units_map.py``).

A tracker table of 2,000 units (seeded, over Belarus, Ukraine and western Russia) is drawn by the units layer
(milsymbol symbols, :mod:`geo.render` ``units``) in an offline standalone page in headless Chromium, at a zoom
where every unit shows; the pan/zoom frame time is the median of ``requestAnimationFrame`` deltas during
scripted pans and zooms (as ``bench/browser.py`` measures the event map). Beside it, the same page with one
folium ``Marker`` per unit (Leaflet's default icon, no symbol) as the naive way. Target: median <= 33 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

import folium  # noqa: E402
from browser import FRAMES, _steps  # noqa: E402
from unit_factories import tracker_table  # noqa: E402

from geo.assets import standalone_html  # noqa: E402
from geo.io.units import read_positions  # noqa: E402
from geo.render import build_map  # noqa: E402

DAY = dt.date(2024, 9, 30)
CHROMIUM = "/usr/bin/chromium"


def _measure(html: str, wait: str, zoom: int, centre: tuple[float, float]) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        path = Path(tmp) / "map.html"
        path.write_text(html, encoding="utf-8")
        browser = p.chromium.launch(executable_path=CHROMIUM)
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:", "blob:"))
                      else r.abort())
        page = context.new_page()
        t = time.perf_counter()
        page.goto(path.as_uri())
        page.evaluate("() => { window.map = Object.values(window).find(v => v instanceof L.Map); }")
        page.evaluate(f"() => window.map.setView([{centre[0]}, {centre[1]}], {zoom}, {{animate: false}})")
        page.wait_for_function(wait, timeout=120000)
        drawn = time.perf_counter() - t
        page.evaluate(FRAMES, [_steps(zoom)])  # warm up
        out = {k: round(v, 1) for k, v in page.evaluate(FRAMES, [_steps(zoom)]).items()}
        out["redraw_ms"] = round(float(page.evaluate("() => window.GeoUnits ? GeoUnits.stats(window.map).drawMs : 0")), 1)
        browser.close()
    return {"first_draw_s": round(drawn, 2), **out}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--units", type=int, default=2000)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "units.csv"
        tracker_table(args.units, 3, seed=0, start="2024-09-20").to_csv(path, index=False)
        positions = read_positions(path).frame
    centre, zoom = (52.0, 33.0), 8  # every echelon shows from zoom 8 (geo.units.UNIT_LOD)
    ours = build_map(None, None, basemap="none", fit=False, units=positions, window=(DAY - dt.timedelta(30), DAY))
    ours_stats = _measure(standalone_html(ours), f"() => GeoUnits.stats(window.map).units === {args.units} && "
                          "GeoUnits.stats(window.map).complete", zoom,
                          centre)
    naive = folium.Map(location=centre, zoom_start=zoom, tiles=None)
    latest = positions.sort_values("date").drop_duplicates("unit_key", keep="last")
    for row in latest.itertuples():
        folium.Marker([row.lat, row.lon], tooltip=str(row.unit)).add_to(naive)
    naive_stats = _measure(standalone_html(naive), "() => document.querySelectorAll('.leaflet-marker-icon').length > 0",
                           zoom, centre)
    print(f"{args.units:,} units, zoom {zoom}: units layer frames median {ours_stats['median']} ms, p95 "
          f"{ours_stats['p95']} ms, first draw {ours_stats['first_draw_s']} s, one redraw (after a move) "
          f"{ours_stats['redraw_ms']} ms; naive folium Markers median "
          f"{naive_stats['median']} ms, p95 {naive_stats['p95']} ms "
          f"[target median <= 33 ms: {'met' if ours_stats['median'] <= 33 else 'MISSED'}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
