"""A real PostGIS server for the tests (scripts/postgis.sh; ``GEO_TEST_POSTGIS`` names its URL, set by
scripts/test.sh): each test works in a schema of its own, dropped afterwards."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import pytest

POSTGIS_URL = os.environ.get("GEO_TEST_POSTGIS", "")
NO_POSTGIS = ("no PostGIS server: set GEO_TEST_POSTGIS to a postgresql:// URL (scripts/test.sh starts one with "
              "scripts/postgis.sh)")


def schema_url(url: str, schema: str) -> str:
    """``url`` with its search path set to ``schema`` (then public, where PostGIS lives)."""
    options = quote(f"-csearch_path={schema},public")
    return f"{url}{'&' if '?' in url else '?'}options={options}"


@contextmanager
def fresh_schema() -> Iterator[str]:
    """The URL of a new empty schema on the test server (skips without one), dropped afterwards."""
    if not POSTGIS_URL:
        pytest.skip(NO_POSTGIS)
    import psycopg

    schema = f"t_{secrets.token_hex(6)}"
    with psycopg.connect(POSTGIS_URL, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")
    try:
        yield schema_url(POSTGIS_URL, schema)
    finally:
        with psycopg.connect(POSTGIS_URL, autocommit=True) as con:
            con.execute(f"DROP SCHEMA {schema} CASCADE")
