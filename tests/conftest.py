"""Shared pytest fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from geo.boundaries import Boundaries

# --- real boundary mirror (../shared/geodata, or $GEO_SHARED_DIR) -------------------------------------

SHARED_GEODATA_SKIP = "../shared/geodata boundary mirror not present"


def _shared_geodata_dir() -> Path:
    env = os.environ.get("GEO_SHARED_DIR", "").strip()
    return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "geodata"


@pytest.fixture(scope="session")
def shared_geodata() -> Path:
    """The real boundary mirror folder (with ``gbOpen/`` and ``raw/``); skips when it is absent."""
    path = _shared_geodata_dir()
    if not (path / "gbOpen").is_dir():
        pytest.skip(f"{SHARED_GEODATA_SKIP} (looked in {path}; set GEO_SHARED_DIR)")
    return path


@pytest.fixture(scope="session")
def real_boundaries(shared_geodata: Path, tmp_path_factory: pytest.TempPathFactory) -> Boundaries:
    """BLR, UKR, RUS at ADM0-2 loaded from the real mirror through a session-scoped temporary cache."""
    from geo.boundaries import load_boundaries

    return load_boundaries(
        countries=("BLR", "UKR", "RUS"),
        levels=(0, 1, 2),
        source=shared_geodata / "gbOpen",
        cache_dir=tmp_path_factory.mktemp("boundary-cache"),
    )


@pytest.fixture(scope="session")
def sample_app_url(shared_geodata: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real ``streamlit run app.py`` for the browser tests on the sample data (an empty store) over the
    real mirror, started once per session: each module of browser tests opens its own pages (sessions)."""
    from tests.browser_support import need_browser, streamlit_server

    need_browser()
    tmp = tmp_path_factory.mktemp("sample-app")
    env = {
        "GEO_BOUNDARIES_SOURCE": str(shared_geodata / "gbOpen"),
        "GEO_CACHE_DIR": str(tmp / "cache"),
        "GEO_STORE": str(tmp / "empty.gpkg"),  # empty store: the app shows the sample data
        "GEO_COUNTRIES": "BLR,UKR,RUS",
    }
    with streamlit_server(env) as url:
        yield url
