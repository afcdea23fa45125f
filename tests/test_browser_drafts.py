"""The "Draft from text" panel in a real headless Chromium (air-gapped), on the real boundaries: the founding
article pasted and dated, its drafts reviewed with their evidence highlighted, one left out, the rest committed
through the normal import path."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser_support import offline_page, open_map, settled

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.shared]


@pytest.fixture(scope="module")
def drafts_app(shared_geodata, tmp_path_factory):
    """An app of its own (its store receives the drafts: the session's sample app must stay empty)."""
    from tests.browser_support import need_browser, streamlit_server

    need_browser()
    tmp = tmp_path_factory.mktemp("drafts-app")
    env = {"GEO_BOUNDARIES_SOURCE": str(shared_geodata / "gbOpen"), "GEO_CACHE_DIR": str(tmp / "cache"),
           "GEO_STORE": str(tmp / "drafts.gpkg"), "GEO_COUNTRIES": "BLR,UKR,RUS"}
    with streamlit_server(env) as url:
        yield url, tmp / "drafts.gpkg"


def test_an_article_is_drafted_reviewed_and_committed(drafts_app, shared_geodata):
    from geo.store import EventStore

    url, store_path = drafts_app
    article = (shared_geodata.parent / "seed" / "article-fr.txt").read_text(encoding="utf-8")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with offline_page(viewport=(1500, 2400)) as (page, _blocked):
        open_map(page, url, events=1)
        page.get_by_role("tab", name="Import").click()
        box = page.get_by_label("Report text")
        box.wait_for(timeout=60_000)
        box.fill(article)
        for part, value in (("year", "2024"), ("month", "08"), ("day", "12")):  # the date field's segments
            page.get_by_role("spinbutton", name=f"{part}, Published").focus()  # (a click opens the calendar)
            page.keyboard.type(value)
        page.get_by_label("Report text").focus()
        page.wait_for_function("() => [...document.querySelectorAll('[role=spinbutton]')].filter("
                               "s => (s.getAttribute('aria-label') || '').endsWith('Published'))"
                               ".map(s => s.getAttribute('aria-valuenow')).join('-') === '2024-8-12'")
        settled(page)
        page.get_by_role("button", name="Draft events").click()
        mark = page.locator(".geo-draft-evidence mark", has_text="région de Kostjukowitschy")
        mark.wait_for(timeout=120_000)
        settled(page)
        commit = page.get_by_role("button", name="Commit 5 draft(s) to the store")
        commit.wait_for(timeout=60_000)
        page.locator("h3", has_text="Draft events from a report").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "drafts-review.png"), full_page=True)
        evidence = page.locator(".geo-draft-evidence").all_inner_texts()
        # each draft's evidence: every sentence it was drafted from ("... Iskander ... dans la région" added)
        assert any(e.startswith("Deployment: Belarus border with Ukraine") and "Iskander" in e for e in evidence)
        assert any("Kursk region" in e and "depuis cinq jours" in e for e in evidence)
        commit.click()
        page.get_by_text("Stored 5 new events from the report").wait_for(timeout=120_000)
    stored = EventStore(store_path).read()
    assert len(stored) == 5
    kost = stored.loc[stored["location_name"].astype(str).str.startswith("Kostyukovichi")].iloc[0]
    assert (str(kost["date_start"].date()), kost["geo_precision"], kost["adm0_iso"]) == ("2024-08-11", "admin2", "BLR")
    assert set(stored["import_file"].astype(str)) == {"drafts from text"}
