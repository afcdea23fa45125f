"""A real ``streamlit run`` server and a headless Chromium that may only talk to this machine."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("GEO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def need_browser() -> None:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Chromium not installed (apt-get install chromium); scripts/test.sh installs it")
    pytest.importorskip("playwright.sync_api")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def streamlit_server(env: dict[str, str], timeout: float = 90.0, pids: list[int] | None = None) -> Iterator[str]:
    """``streamlit run app.py`` on a free loopback port; yields its URL; stops it afterwards. Its process id is
    appended to ``pids`` when given (a benchmark reads its memory)."""
    port = free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    if pids is not None:
        pids.append(proc.pid)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited: {proc.stdout.read() if proc.stdout else ''}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError("streamlit did not answer in time")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def offline_page(viewport: tuple[int, int] = (1500, 1100)) -> Iterator[tuple[object, list[str]]]:
    """A Chromium page whose every non-local request is aborted; yields (page, blocked URLs)."""
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []

    def route(r: object) -> None:
        host = urlparse(r.request.url).hostname or ""  # type: ignore[attr-defined]
        if r.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:  # type: ignore[attr-defined]
            r.continue_()  # type: ignore[attr-defined]
        else:
            blocked.append(r.request.url)  # type: ignore[attr-defined]
            r.abort()  # type: ignore[attr-defined]

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
            context.route("**/*", route)
            yield context.new_page(), blocked
        finally:
            browser.close()


MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


def open_map(page: object, url: str, *, events: int = 1, timeout: float = 90_000) -> object:
    """Go to the app and wait until its map runtime has drawn at least ``events`` events (a condition, not a
    sleep); returns the map's frame locator."""
    page.goto(url, wait_until="domcontentloaded")  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        """([sel, n]) => { const f = document.querySelector(sel);
             const r = f && f.contentWindow && f.contentWindow.GeoRender;
             return !!(r && r.stats() && r.stats().events >= n
                       && f.contentDocument.querySelector('.geo-legend')); }""",
        arg=[MAP_FRAME, events], timeout=timeout,
    )
    # the map sends its view once it has been still for a moment, and the app then writes it into the URL:
    # wait for that rerun, so that a test's first action does not race with it
    page.wait_for_function("() => new URLSearchParams(location.search).has('view')", timeout=timeout)  # type: ignore[attr-defined]
    settled(page)
    return page.frame_locator(MAP_FRAME)  # type: ignore[attr-defined]


def settled(page: object) -> None:
    """Wait until Streamlit is not running the script (the app root says so in ``data-test-script-state``)."""
    page.wait_for_function("() => { const e = document.querySelector('[data-test-script-state]');"
                           " return e && e.getAttribute('data-test-script-state') === 'notRunning'; }", timeout=120_000)
