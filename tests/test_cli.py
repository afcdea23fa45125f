"""The CLI end to end: real files, a real GeoPackage store, boundaries from a mirror built in code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from geo.cli import main
from geo.store import EventStore
from tests.boundary_factories import write_gbopen_mirror
from tests.factories import make_events
from tests.store_factories import BROKEN, broken_params, fingerprint

ROOT = Path(__file__).resolve().parents[1]
JOIN_COLUMNS = [
    "id", "date_start", "date_end", "lon", "lat", "geo_precision", "verification", "adm0_iso", "adm0_name",
    "adm1_id", "adm1_name", "adm2_id", "adm2_name", "join_method", "join_distance_km", "border_district",
    "border_distance_km", "border_pair", "admin_mismatch",
]

CSV = """id,date,latitude,longitude,category,title,verification,country
e1,2024-08-06,0.5,0.5,ground_combat,inside Alpha's south,reported,AAA
e2,2024-08-07,1.5,3.5,strike,in East,alleged,BBB
e3,2024-08-08,95.0,0.5,strike,bad latitude,reported,AAA
e4,06/08/2024x,0.5,0.5,strike,bad date,reported,AAA
e5,2024-08-09,0.6,0.6,airspace_incident,<img src=x onerror=alert(1)>,claimed,AAA
"""


@pytest.fixture
def env(tmp_path, monkeypatch):
    mirror = write_gbopen_mirror(tmp_path / "mirror")
    monkeypatch.setenv("GEO_BOUNDARIES_SOURCE", str(mirror))
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GEO_COUNTRIES", "AAA,BBB")
    monkeypatch.setenv("GEO_STORE", str(tmp_path / "store.gpkg"))
    src = tmp_path / "events.csv"
    src.write_text(CSV, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("args", [[], ["boundaries", "fetch"], ["import"], ["join"]])
def test_help_for_every_command(args):
    out = subprocess.run(
        [sys.executable, "-m", "geo", *args, "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "usage: python -m geo" in out.stdout


def test_boundaries_fetch_prints_provenance(env, capsys):
    assert main(["boundaries", "fetch", "--countries", "AAA", "--levels", "0", "2"]) == 0
    out = capsys.readouterr().out
    assert "AAA ADM0: 1 units, ODbL" in out and "AAA ADM2:" in out and "sha256" in out
    assert (env / "cache" / "AAA" / "ADM2" / "provenance.json").exists()


def test_import_reports_and_stores_then_adds_nothing_twice(env, capsys):
    rejects = env / "rejects.csv"
    assert main(["import", str(env / "events.csv"), "--rejects", str(rejects)]) == 0
    out = capsys.readouterr().out
    assert "3 accepted" in out and "2 rejected" in out
    assert "row 3, field 'lat'" in out and "row 4" in out
    assert "stored: 3 new" in out
    table = pd.read_csv(rejects)
    assert sorted(table["row"]) == [3, 4]
    stored = EventStore().read().set_index("id")
    assert stored.loc["csv:e2", "verification"] == "claimed"  # "alleged" is a claim
    assert stored.loc["csv:e1", "adm2_name"] == "Gamma" and stored.loc["csv:e2", "adm0_iso"] == "BBB"

    assert main(["import", str(env / "events.csv")]) == 0
    assert "stored: 0 new, 3 already" in capsys.readouterr().out
    assert EventStore().count() == 3


def test_unreadable_file_exits_nonzero_and_changes_nothing(env, capsys):
    main(["import", str(env / "events.csv")])
    bad = env / "broken.csv"
    bad.write_text("this,is,not\nan,event,file\n", encoding="utf-8")
    assert main(["import", str(bad)]) == 1
    assert "expected" in capsys.readouterr().err
    assert EventStore().count() == 3


@pytest.mark.parametrize("ext", ["csv", "geojson", "gpkg"])
def test_join_writes_by_extension_without_touching_the_store(env, capsys, ext):
    out = env / f"joined.{ext}"
    assert main(["join", str(env / "events.csv"), "--out", str(out)]) == 0
    if ext == "csv":
        frame = pd.read_csv(out)
    else:
        frame = pyogrio.read_dataframe(out)
    assert list(frame.columns[: len(JOIN_COLUMNS)]) == JOIN_COLUMNS
    assert len(frame) == 3
    assert not (env / "store.gpkg").exists()


def test_no_boundary_source_still_imports(env, monkeypatch, capsys):
    monkeypatch.setenv("GEO_BOUNDARIES_SOURCE", "http://127.0.0.1:9/")
    assert main(["import", str(env / "events.csv")]) == 0
    captured = capsys.readouterr()
    assert "GEO_BOUNDARIES_SOURCE" in captured.err and "no boundaries" in captured.err
    assert "stored: 3 new" in captured.out


@pytest.mark.shared
def test_sample_data_joins_on_the_real_boundaries(shared_geodata, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GEO_BOUNDARIES_SOURCE", str(shared_geodata / "gbOpen"))
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GEO_COUNTRIES", raising=False)
    out = tmp_path / "sample.csv"
    assert main(["join", str(ROOT / "data" / "sample_events.csv"), "--out", str(out)]) == 0
    frame = pd.read_csv(out).set_index("id")
    assert frame.loc["csv:blr-2024-001", "adm2_name"] == "Kostyukovichi"
    assert frame.loc["csv:kursk-2024-001", "adm2_name"] == "Sudzhanskii raion"
    assert frame.loc["csv:kursk-2024-001", "border_pair"] == "RUS-UKR"
    assert frame.loc["csv:eu-2024-001", "join_method"] == "none"  # a statement with no place
    assert len(frame) == 14


# --- a store that cannot be read stops every command that uses it ---------------------------------------


@pytest.mark.parametrize("command", ["snapshot", "import"])
@pytest.mark.parametrize("name", broken_params(("random bytes", "zero-length file", "SQLite without events")))
def test_broken_store_exits_nonzero_and_is_left_alone(env, command, name):
    store = env / "store.gpkg"
    make, reason = BROKEN[name]
    make(store)
    before = fingerprint(store)
    out = env / "snapshot.csv"
    args = ["snapshot", "--out", str(out)] if command == "snapshot" else ["import", str(env / "events.csv")]
    done = subprocess.run([sys.executable, "-m", "geo", *args], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(
        rf"error: cannot open the event store {re.escape(str(store))}: expected a GeoPackage with an events "
        rf"table, got {reason}", done.stderr,
    ), done.stderr
    assert "sample data" not in done.stdout and not out.exists()
    assert fingerprint(store) == before


@pytest.mark.parametrize("store_state", ["none", "empty"])
def test_snapshot_falls_back_to_the_sample_only_without_events(env, store_state, capsys):
    if store_state == "empty":
        EventStore().add(make_events(0))
    out = env / "snapshot.csv"
    assert main(["snapshot", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "of 14 events from sample data" in said
    assert ("holds no events" if store_state == "empty" else "does not exist yet") in said
    assert len(pd.read_csv(out)) > 0


def test_commands_read_the_admin_index_kept_on_disk(env, monkeypatch, capsys):
    from geo import join

    out = env / "joined.csv"
    assert main(["join", str(env / "events.csv"), "--out", str(out)]) == 0
    kept = sorted((env / "cache" / "derived").glob("admin-index-*.pickle"))
    assert len(kept) == 1
    first = out.read_bytes()

    def refuse(*args, **kwargs):
        raise AssertionError("the admin index was prepared again instead of read from disk")

    monkeypatch.setattr(join, "prepare", refuse)
    assert main(["join", str(env / "events.csv"), "--out", str(out)]) == 0  # a new command: read back
    assert out.read_bytes() == first
    assert main(["snapshot", "--format", "csv", "--out", str(env / "s.csv")]) == 0
