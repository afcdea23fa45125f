"""Seeded events and helpers for the map tests: rendering, reading payloads back, an offline browser."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from geo.schema import CATEGORIES, VERIFICATION
from tests.factories import make_events

CHROMIUM = os.environ.get("GEO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
HOSTILE = "<img src=x onerror=alert(1)>"


def mixed_events(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` events over the grid boundaries (30-32 E, 50-51 N): every category, status and precision."""
    rng = np.random.default_rng(seed)
    precisions = rng.choice(["exact", "near", "admin2", "admin1", "country"], n, p=[0.7, 0.15, 0.08, 0.04, 0.03])
    equipment = rng.choice(["Iskander-M", "Polonez", "S-400", "Tor-M2", "", "Su-34 fighter jets"], n)
    return make_events(
        n,
        seed=seed,
        category=rng.choice(CATEGORIES, n),
        verification=rng.choice(VERIFICATION, n),
        geo_precision=precisions,
        equipment=equipment,
        source_url=["https://example.org/a"] * n,
    )


def render(obj: Any) -> str:
    """The full HTML of a map (or of the map a feature group belongs to)."""
    return obj.get_root().render()


def script_sources(html: str) -> list[str]:
    return re.findall(r'<script src="([^"]*)"', html)


def stylesheet_links(html: str) -> list[str]:
    return re.findall(r'<link rel="stylesheet" href="([^"]*)"', html)


def elements(obj: Any, cls_name: str) -> list[Any]:
    """Every element of class ``cls_name`` under ``obj`` (an element or a list of them)."""
    out, stack = [], list(obj) if isinstance(obj, list | tuple) else [obj]
    while stack:
        el = stack.pop()
        if type(el).__name__ == cls_name:
            out.append(el)
        stack.extend(getattr(el, "_children", {}).values())
    return out


def layer_specs(obj: Any, kind: str | None = None) -> list[dict[str, Any]]:
    """The JSON specs of the runtime layers under ``obj`` (optionally of one kind)."""
    return [json.loads(el.spec_js) for el in elements(obj, "GeoLayer") if kind is None or el.kind == kind]


def data_payload(obj: Any) -> dict[str, Any]:
    (data,) = elements(obj, "GeoData")
    return json.loads(data.payload_js)


def columns(payload: dict[str, Any]) -> dict[str, np.ndarray]:
    """The packed columns of a payload as numpy arrays."""
    blob = base64.b64decode(payload["b64"])
    types = {"i4": "<i4", "u4": "<u4", "u2": "<u2", "u1": "u1"}
    return {name: np.frombuffer(blob, dtype=types[t], count=payload["n"], offset=off)
            for name, (off, t) in payload["cols"].items()}


def decode_line(text: str, scale: float) -> np.ndarray:
    """Decode one polyline string (lat, lon pairs) into an (N, 2) array."""
    values, shift, result = [], 0, 0
    for ch in text:
        b = ord(ch) - 63
        result |= (b & 0x1F) << shift
        shift += 5
        if b < 0x20:
            values.append(~(result >> 1) if result & 1 else result >> 1)
            shift, result = 0, 0
    return np.cumsum(np.array(values, dtype=np.int64).reshape(-1, 2), axis=0) / scale


def need_browser() -> None:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Chromium not installed (apt-get install chromium); scripts/test.sh installs it")
    pytest.importorskip("playwright.sync_api")


@contextmanager
def offline_page(viewport: tuple[int, int] = (1200, 800)) -> Iterator[tuple[Any, list[str], list[str]]]:
    """A headless Chromium page that may fetch nothing but file:/data: URLs: (page, blocked, errors)."""
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []
    errors: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith(("data:", "file:", "blob:", "about:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
            context.route("**/*", route)
            page = context.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            yield page, blocked, errors
        finally:
            browser.close()
