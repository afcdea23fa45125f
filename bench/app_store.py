"""The app on a large store queried per view (one command: ``python bench/app_store.py --store URL``).

Runs ``streamlit run app.py`` with ``GEO_STORE=URL`` (a PostGIS store: ``python bench/postgis.py --big
10000000`` builds one of 10M events and prints its URL), opens it in headless Chromium with every non-local
request blocked, and measures:

* the first map: opening the page until the runtime has drawn the default window (a queried store opens on
  its last 30 days) and Streamlit is idle;
* "All" clicked (every event: more than a view reads, so the store's counts per cell) until drawn;
* the server's resident memory after each, and its peak (``VmHWM``): target <= 1 GB whatever the store's size.

Screenshots go to ``bench/out/app-store-*.png`` (look at them); the figures to ``bench/out/app_store.json``.
The real boundary mirror (``../shared/geodata/gbOpen`` or ``$GEO_BOUNDARIES_SOURCE``) is required.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.browser import COUNTRIES, DRAWN, FRAME, _source  # noqa: E402
from tests.browser_support import offline_page, streamlit_server  # noqa: E402

OUT = ROOT / "bench" / "out"
MEMORY_TARGET_MB = 1024
CAPTION = "[data-testid='stMain'] [data-testid='stCaptionContainer']"


def _memory_mb(pid: int) -> tuple[float, float]:
    """(resident, peak resident) of process ``pid`` and its children, in MB (Linux ``/proc``)."""
    import psutil

    proc = psutil.Process(pid)
    rss = sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])
    peak = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            peak = float(line.split()[1]) / 1024
    return rss / 2**20, peak


def _drawn(page, what: str) -> float:  # noqa: ANN001
    t = time.perf_counter()
    page.wait_for_function(DRAWN, timeout=600_000, polling=100)
    took = time.perf_counter() - t
    print(f"  {what}: {took:.1f} s", flush=True)
    return took


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--store", required=True, help="the store's URL (postgresql://...) or GeoPackage path")
    args = p.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    figures: dict[str, float] = {}
    pids: list[int] = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {"GEO_STORE": args.store, "GEO_CACHE_DIR": str(Path(tmp) / "cache"), "GEO_BOUNDARIES_SOURCE": _source(),
               "GEO_COUNTRIES": ",".join(COUNTRIES)}
        with streamlit_server(env, timeout=300, pids=pids) as url, offline_page((1500, 1200)) as (page, _blocked):
            t = time.perf_counter()
            page.goto(f"{url}/?base=none", wait_until="domcontentloaded")
            _drawn(page, "first map (last 30 days)")
            figures["first_map_s"] = round(time.perf_counter() - t, 2)
            figures["rss_30d_mb"], _ = (round(v) for v in _memory_mb(pids[0]))
            print(f"  {page.locator(CAPTION).first.inner_text()}", flush=True)
            page.screenshot(path=str(OUT / "app-store-30d.png"))
            before = page.evaluate(f"() => {FRAME}.contentWindow.GeoRender.stats().registered")
            t = time.perf_counter()
            page.get_by_role("button", name="All", exact=True).click()
            page.wait_for_function(f"(n) => {{ const f = {FRAME}, R = f && f.contentWindow && f.contentWindow.GeoRender;"
                                   " return !!(R && R.stats() && R.stats().registered > n); }", arg=before,
                                   timeout=600_000, polling=100)
            _drawn(page, "'All' (the store's aggregate)")
            figures["all_aggregate_s"] = round(time.perf_counter() - t, 2)
            rss, peak = _memory_mb(pids[0])
            figures["rss_all_mb"], figures["rss_peak_mb"] = round(rss), round(peak)
            print(f"  {page.locator(CAPTION).first.inner_text()}", flush=True)
            page.screenshot(path=str(OUT / "app-store-all.png"))
    (OUT / "app_store.json").write_text(json.dumps(figures, indent=2) + "\n")
    ok = figures["rss_peak_mb"] <= MEMORY_TARGET_MB
    print(f"app on {args.store.split('@')[-1]}: first map {figures['first_map_s']} s, 'All' {figures['all_aggregate_s']} s; "
          f"server memory {figures['rss_30d_mb']} MB then {figures['rss_all_mb']} MB, peak {figures['rss_peak_mb']} MB "
          f"[target <= {MEMORY_TARGET_MB} MB: {'met' if ok else 'MISSED'}]")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
