"""The store under real crashes and real concurrency: ``python -m geo import`` killed with SIGKILL at several
points of a 200k-row import, then the next open, ``PRAGMA integrity_check``, exact counts and a new import;
two processes creating the same new store at the same moment."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest

from geo.store import EventStore
from tests.boundary_factories import write_gbopen_mirror

ROOT = Path(__file__).resolve().parents[1]
BIG = 200_000
BASE = 1_000
MORE = 500

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.name != "posix", reason="SIGKILL, and the scratch clean-up's process check, are POSIX"),
]


def _csv(path: Path, n: int, prefix: str, seed: int, description: bool) -> Path:
    """An event file in the plain CSV shape (points over the fake AAA/BBB boundaries of the mirror)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "id": [f"{prefix}-{i}" for i in range(n)],
        "date": (pd.Timestamp("2024-08-01") + pd.to_timedelta(rng.integers(0, 60, n), unit="D")).strftime("%Y-%m-%d"),
        "latitude": np.round(rng.uniform(0.05, 1.95, n), 5),
        "longitude": np.round(rng.uniform(0.05, 3.95, n), 5),
        "category": rng.choice(["strike", "ground_combat", "deployment"], n),
        "title": [f"{prefix} event {i}" for i in range(n)],
        "verification": rng.choice(["reported", "claimed"], n),
    })
    if description:  # a column the base store has never had: the import adds it (ALTER TABLE)
        # long enough that the import's pages outgrow SQLite's page cache: they spill into the store file
        # before the commit, the state a kill must not leave behind
        frame["description"] = [f"seen from the road, {i}; " + "long account of what was seen. " * 10 for i in range(n)]
    frame.to_csv(path, index=False)
    return path


class Env:
    """Files and environment shared by the cases: the event files, a base store, the uninterrupted run."""

    def __init__(self, root: Path) -> None:
        self.root = root
        mirror = write_gbopen_mirror(root / "mirror")
        self.env = os.environ | {
            "GEO_BOUNDARIES_SOURCE": str(mirror), "GEO_CACHE_DIR": str(root / "cache"), "GEO_COUNTRIES": "AAA,BBB",
        }
        self.big = _csv(root / "big.csv", BIG, "big", 1, description=True)
        self.more = _csv(root / "more.csv", MORE, "more", 3, description=False)
        self.base = root / "base" / "store.gpkg"
        self.base.parent.mkdir()
        self.run(_csv(root / "base.csv", BASE, "base", 2, description=False), self.base)
        self.before = _state(self.base)
        # the uninterrupted import, timed: how long it takes and when its transaction's journal exists
        work = self.copy_base("calibration")
        start = time.monotonic()
        proc = self.start(work)
        journal = Path(f"{work}-journal")
        seen: list[float] = []
        while proc.poll() is None:
            if journal.exists():
                seen.append(time.monotonic() - start)
            time.sleep(0.001)
        assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
        self.duration = time.monotonic() - start
        assert seen, "the import's transaction was never seen (no journal file)"
        self.journal_from, self.journal_for = seen[0], seen[-1] - seen[0]
        self.after = _state(work)
        assert self.after["count"] == BASE + BIG

    def copy_base(self, name: str) -> Path:
        (self.root / name).mkdir()
        return Path(shutil.copy2(self.base, self.root / name / "store.gpkg"))

    def start(self, store: Path, source: Path | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "geo", "import", str(source or self.big), "--store", str(store)],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )

    def run(self, source: Path, store: Path) -> None:
        proc = self.start(store, source)
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Env:
    return Env(tmp_path_factory.mktemp("crash"))


def _state(path: Path) -> dict[str, object]:
    """Everything an import changes, as the store's own open sees it (which rolls back a hot journal)."""
    count = EventStore(path).count()
    with closing(sqlite3.connect(path)) as con:
        def rows(sql: str) -> list[tuple]:
            return con.execute(sql).fetchall()

        return {
            "count": count,
            "schema": rows("SELECT type, name, sql FROM sqlite_master ORDER BY type, name"),
            "admin_units": rows("SELECT * FROM admin_units ORDER BY admin_key"),
            "import_sources": rows("SELECT import_key, import_file, import_sha256 FROM import_sources ORDER BY 1"),
            "imports": rows("SELECT file, sha256, offered, added FROM imports ORDER BY import_id"),
            "sequences": rows("SELECT name, seq FROM sqlite_sequence ORDER BY name"),
            "feature_count": rows("SELECT table_name, feature_count FROM gpkg_ogr_contents ORDER BY 1"),
            "extent": rows("SELECT table_name, min_x, min_y, max_x, max_y FROM gpkg_contents ORDER BY 1"),
            "fids": rows("SELECT min(fid), max(fid) FROM events"),
        }


def _kill_when(proc: subprocess.Popen[str], ready: Callable[[], bool], delay: float = 0.0) -> bool:
    """SIGKILL ``proc`` ``delay`` seconds after ``ready()`` first holds; False if it ended first."""
    while proc.poll() is None:
        if ready():
            time.sleep(delay)
            break
        time.sleep(0.001)
    if proc.poll() is not None:
        return False
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # 0: it ended on its own between the last poll and the kill (the kill then met a finished process)
    assert proc.returncode in (-signal.SIGKILL, 0), proc.returncode
    return proc.returncode == -signal.SIGKILL


def _scratch_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".store.gpkg."))


def _assert_whole_and_importable(env: Env, store: Path, before: dict[str, object] | None) -> str:
    """The store after a kill is exactly the state before or after the import, passes SQLite's integrity check,
    GDAL reads it, and a new import works (and removes the dead process's scratch files). Which state."""
    if before is None and not store.exists():
        outcome = "before"  # a new store that was never published: no file at all
    else:
        state = _state(store)
        assert state["count"] in {BASE + BIG, BASE if before else 0}, state["count"]
        outcome = "after" if state["count"] == BASE + BIG else "before"
        if outcome == "before":
            assert state == before  # no lookup row, column, log row or counter left behind
        else:
            assert state == env.after
        with closing(sqlite3.connect(store)) as con:
            assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert pyogrio.read_info(store, layer="events")["features"] == state["count"]
    count = EventStore(store).count()
    env.run(env.more, store)
    assert EventStore(store).count() == count + MORE
    with closing(sqlite3.connect(store)) as con:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert _scratch_files(store.parent) == []  # the killed import's scratch files were swept
    assert not Path(f"{store}-journal").exists()
    return outcome


# when to kill: what to wait for, then how long (a share of the transaction's or of the whole run's duration)
KILLS = {
    "scratch rows being written": ("scratch", 0.0),
    "transaction started": ("journal", 0.0),
    "pages spilled into the store file": ("spilled", 0.0),
    "transaction near its commit": ("journal", 0.9),
    "half into the run": ("time", 0.5),
    "at the end of the run": ("time", 0.98),
}


@pytest.mark.parametrize("case", list(KILLS))
def test_import_killed_leaves_the_store_before_or_after(env, case):
    trigger, share = KILLS[case]
    store = env.copy_base(case.replace(" ", "-"))
    journal, size = Path(f"{store}-journal"), store.stat().st_size
    ready = {
        "time": lambda: True,
        "scratch": lambda: any(n.endswith(".rows.gpkg") for n in _scratch_files(store.parent)),
        "journal": journal.exists,
        "spilled": lambda: journal.exists() and store.stat().st_size > size,
    }[trigger]
    proc = env.start(store)
    killed = _kill_when(proc, ready, share * (env.duration if trigger == "time" else env.journal_for))
    hot = journal.exists()
    outcome = _assert_whole_and_importable(env, store, env.before)
    if hot:  # killed inside the transaction: SQLite's hot journal rolled it back on the next open
        assert outcome == "before"
    if share == 0.0:  # the cases that must hit what they aim at
        assert killed and outcome == "before" and hot == (trigger != "scratch"), (killed, outcome, hot)


@pytest.mark.parametrize("when", ["transaction started", "near the end"])
def test_new_store_killed_is_absent_or_whole(env, when):
    folder = env.root / f"new-{when.replace(' ', '-')}"
    folder.mkdir()
    store = folder / "store.gpkg"
    proc = env.start(store)
    if when == "transaction started":  # the first import commits inside the new file before it gets its name
        assert _kill_when(proc, lambda: any(n.endswith(".new.gpkg-journal") for n in _scratch_files(folder)))
        assert not store.exists()
    else:
        _kill_when(proc, lambda: True, 0.98 * env.duration)
    if store.exists():  # published: then whole
        assert EventStore(store).count() == BIG
        with closing(sqlite3.connect(store)) as con:
            assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    env.run(env.more, store)
    assert EventStore(store).count() in {MORE, BIG + MORE}
    assert _scratch_files(folder) == []  # swept


_WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from tests.factories import make_events
    from geo.store import EventStore

    store, seed, n, ready, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]), Path(sys.argv[5])
    frame = make_events(n, seed=seed)
    ready.touch()
    while not go.exists():
        time.sleep(0.0005)
    result = EventStore(store).add(frame, source=f"worker {seed}")
    print(result.added)
    """
)


@pytest.mark.parametrize(("seeds", "expected"), [((1, 2), 40_000), ((1, 1), 20_000)], ids=["distinct", "same events"])
@pytest.mark.parametrize("attempt", range(3))
def test_two_imports_creating_the_store_at_once_both_succeed(tmp_path, seeds, expected, attempt):
    store = tmp_path / "store.gpkg"
    go = tmp_path / "go"
    procs = []
    for i, seed in enumerate(seeds):
        ready = tmp_path / f"ready-{i}"
        procs.append((ready, subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(store), str(seed), "20000", str(ready), str(go)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )))
    deadline = time.monotonic() + 120
    while not all(ready.exists() for ready, _ in procs):
        assert time.monotonic() < deadline and all(p.poll() is None for _, p in procs), "workers did not start"
        time.sleep(0.01)
    go.touch()  # both call EventStore.add on a store that does not exist yet, at the same moment
    added = []
    for _, proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        added.append(int(out.split()[-1]))
    assert sum(added) == expected == EventStore(store).count()
    log = EventStore(store).imports()
    assert sorted(log.added) == sorted(added) and set(log.file) == {f"worker {s}" for s in seeds}
    with closing(sqlite3.connect(store)) as con:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
