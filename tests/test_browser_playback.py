"""Server-side playback in a real headless Chromium: every day of the window is shown, one after the other."""

from __future__ import annotations

import re
import time

import pytest

from tests.browser_support import offline_page
from tests.test_browser import app_url  # noqa: F401  (the module's streamlit server on the sample data)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOWING = re.compile(r"Showing (\w{3} \d\d \w{3} \d{4}) · day (\d+) of (\d+)")


def test_playback_visits_every_day_of_a_seven_day_window(app_url):  # noqa: F811
    with offline_page() as (page, _blocked):
        page.goto(app_url, wait_until="domcontentloaded")
        sidebar = page.locator('[data-testid="stSidebar"]')
        page.get_by_role("button", name="Last 7 days").wait_for(timeout=120_000)
        page.get_by_role("button", name="Last 7 days").click(force=True)
        page.wait_for_function("() => document.querySelector('[data-testid=stDateInput] input[type=date]')?"
                               ".value === '2024-08-10'", timeout=60_000)  # the sample's latest start is 16 Aug
        speed = page.get_by_role("slider").nth(2)  # the window slider has two thumbs; then the speed
        speed.focus()
        page.keyboard.press("ArrowLeft")  # 1.5 s -> 1 s per day
        page.wait_for_timeout(2000)
        page.get_by_role("button", name="▶", exact=True).click(force=True)
        seen: list[str] = []
        deadline = time.time() + 60
        while time.time() < deadline:
            found = SHOWING.search(sidebar.inner_text())
            if found and (not seen or seen[-1] != found.group(1)):
                seen.append(found.group(1))
            if found and found.group(2) == found.group(3):
                break
            page.wait_for_timeout(100)
        assert "1 s" in sidebar.inner_text()
    assert seen == [f"{d} {n:02d} Aug 2024" for d, n in zip(
        ("Sat", "Sun", "Mon", "Tue", "Wed", "Thu", "Fri"), range(10, 17), strict=True)], seen
