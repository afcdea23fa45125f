"""Objects derived from boundaries (the admin index) kept on disk: read back by a new process, rebuilt when
the boundaries, the code or the file change, never read half-written."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import shapely

from geo import join, names, schema
from geo.boundaries import DERIVED_FOLDER, derived_cached, fingerprint
from tests.factories import grid_boundaries, make_events

ROOT = Path(__file__).resolve().parents[1]
CODE = (join, names, schema)


class Counting:
    """``join.prepare`` that counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, boundaries):
        self.calls += 1
        return join.prepare(boundaries)


def _files(cache: Path) -> list[Path]:
    return sorted((cache / DERIVED_FOLDER).iterdir())


def _joined(index) -> pd.DataFrame:
    events = make_events(40, seed=5, lon=[30.05 + 0.05 * (i % 40) for i in range(40)])
    return join.enrich(events, index)[["adm0_iso", "adm1_id", "adm2_id", "border_district", "border_distance_km"]]


def test_the_index_is_read_back_and_joins_as_a_fresh_one(tmp_path: Path) -> None:
    b, build = grid_boundaries(), Counting()
    first = derived_cached(b, "admin-index", build, code=CODE, cache_dir=tmp_path)
    again = derived_cached(grid_boundaries(), "admin-index", build, code=CODE, cache_dir=tmp_path)
    assert build.calls == 1 and again is not first
    (path,) = _files(tmp_path)
    assert path.name.startswith("admin-index-") and path.suffix == ".pickle"
    assert all(shapely.is_prepared(level.geoms).all() for level in again.levels.values() if len(level.geoms))
    pd.testing.assert_frame_equal(_joined(again), _joined(join.prepare(b)))


def test_a_new_process_reads_the_file_without_preparing(tmp_path: Path) -> None:
    derived_cached(grid_boundaries(), "admin-index", join.prepare, code=CODE, cache_dir=tmp_path)
    script = (
        "import sys; from geo import join, names, schema; from geo.boundaries import derived_cached; "
        "from tests.factories import grid_boundaries\n"
        "def refuse(b): raise SystemExit('prepared again')\n"
        f"index = derived_cached(grid_boundaries(), 'admin-index', refuse, code=(join, names, schema), cache_dir={str(tmp_path)!r})\n"
        "print(len(index.levels[2].geoms))"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "8"


def test_other_boundaries_build_anew_and_replace_the_file(tmp_path: Path) -> None:
    build = Counting()
    derived_cached(grid_boundaries(), "admin-index", build, code=CODE, cache_dir=tmp_path)
    (before,) = _files(tmp_path)
    other = grid_boundaries(disputed=True)
    assert fingerprint(other) != fingerprint(grid_boundaries())
    index = derived_cached(other, "admin-index", build, code=CODE, cache_dir=tmp_path)
    (after,) = _files(tmp_path)
    assert build.calls == 2 and after != before and len(index.disputed) == 1


def test_changed_code_builds_anew(tmp_path: Path) -> None:
    build = Counting()
    derived_cached(grid_boundaries(), "admin-index", build, code=CODE, cache_dir=tmp_path)
    derived_cached(grid_boundaries(), "admin-index", build, code=(join,), cache_dir=tmp_path)
    assert build.calls == 2


@pytest.mark.parametrize("damage", ["truncated", "empty", "garbage", "another_key"])
def test_an_unreadable_file_is_rebuilt_not_trusted(tmp_path: Path, damage: str) -> None:
    build = Counting()
    derived_cached(grid_boundaries(), "admin-index", build, code=CODE, cache_dir=tmp_path)
    (path,) = _files(tmp_path)
    data = path.read_bytes()
    path.write_bytes({"truncated": data[: len(data) // 2], "empty": b"", "garbage": b"\x00not a pickle" * 10,
                      "another_key": pickle.dumps(("0" * 32, "not an index"))}[damage])
    index = derived_cached(grid_boundaries(), "admin-index", build, code=CODE, cache_dir=tmp_path)
    assert build.calls == 2 and isinstance(index, join.AdminIndex)
    assert path.read_bytes() != b"" and _files(tmp_path) == [path]
    assert derived_cached(grid_boundaries(), "admin-index", build, code=CODE, cache_dir=tmp_path) is not None
    assert build.calls == 2  # the rewritten file is read


def test_a_half_written_temporary_file_is_never_read(tmp_path: Path) -> None:
    build = Counting()
    folder = tmp_path / DERIVED_FOLDER
    folder.mkdir()
    (folder / ".admin-index-0123.99.abcd.tmp").write_bytes(b"\x80\x05half")
    derived_cached(grid_boundaries(), "admin-index", build, code=CODE, cache_dir=tmp_path)
    assert build.calls == 1
    assert [p.suffix for p in _files(tmp_path)] == [".tmp", ".pickle"]


def test_display_layers_read_back_equal_those_simplified_in_memory(tmp_path: Path, monkeypatch) -> None:
    from geo.render import _geometry, keep_display_layers
    from geo.render._geometry import prepared_layer

    keep_display_layers(grid_boundaries(), cache_dir=tmp_path)
    assert [p.name.split("-")[:2] for p in _files(tmp_path)] == [["display", "layers"]]
    fresh = grid_boundaries()  # same content, another object: nothing prepared in memory yet

    def refuse(*args, **kwargs):
        raise AssertionError("simplified again instead of read from disk")

    monkeypatch.setattr(_geometry.shapely, "simplify", refuse)
    keep_display_layers(fresh, cache_dir=tmp_path)
    monkeypatch.undo()
    for level in (0, 1, 2):
        kept, built = prepared_layer(fresh, level), _geometry._prepare(fresh.layer(level), level, _geometry.DISPLAY_TOLERANCE[level])
        assert kept.encoded == built.encoded and kept.vertices == built.vertices > 0
        assert kept.position == built.position and list(kept.names) == list(built.names)
        assert (kept.radius_m == built.radius_m).all() and shapely.equals(kept.geoms, built.geoms).all()


def test_label_table_read_back_without_the_place_index(tmp_path: Path, monkeypatch) -> None:
    from geo.render import keep_label_table, labels

    built = labels.label_table(grid_boundaries())
    assert len(built) > 0
    keep_label_table(grid_boundaries(), cache_dir=tmp_path)
    assert [p.name.split("-")[0] for p in _files(tmp_path)] == ["labels"]
    fresh = grid_boundaries()

    def refuse(*args, **kwargs):
        raise AssertionError("the place index was loaded instead of the kept label table")

    monkeypatch.setattr(labels, "default_index", refuse)
    keep_label_table(fresh, cache_dir=tmp_path)
    kept = labels.label_table(fresh)
    pd.testing.assert_frame_equal(kept, built)
    kept.loc[0, "text"] = "changed by a caller"  # a copy: the kept table is not changed through it
    assert labels.label_table(fresh).loc[0, "text"] == built.loc[0, "text"]
    with pytest.raises(AssertionError, match="place index was loaded"):
        labels.label_table(grid_boundaries())  # another object: nothing kept for it
