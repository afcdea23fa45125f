"""geo.boundaries: fetching (local folder, real HTTP server), caching, provenance, normalisation, user files.

Everything is real: fixtures are written to disk, HTTP goes through a real server on 127.0.0.1.
Tests against the real mirror (../shared/geodata) skip when it is absent.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from geo.boundaries import (
    BOUNDARY_COLUMNS,
    Boundaries,
    Progress,
    Provenance,
    fetch_boundaries,
    load_boundaries,
    load_user_boundaries,
)
from geo.errors import BoundaryError

try:
    from boundary_factories import (
        FAKE_LAYERS,
        box,
        closed_port,
        geojson_text,
        index_record,
        layer_file,
        serve_directory,
        shared_geodata_dir,
        write_gbopen_mirror,
        write_index,
    )
except ImportError:  # tests/ imported as a package
    from tests.boundary_factories import (
        FAKE_LAYERS,
        box,
        closed_port,
        geojson_text,
        index_record,
        layer_file,
        serve_directory,
        shared_geodata_dir,
        write_gbopen_mirror,
        write_index,
    )

FAKE = ("AAA", "BBB")
SHARED = shared_geodata_dir()
needs_mirror = pytest.mark.skipif(
    not (SHARED / "gbOpen").is_dir(), reason="../shared/geodata boundary mirror not present"
)


@pytest.fixture(autouse=True)
def _no_geo_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own configuration must not leak into the tests."""
    for name in ("GEO_BOUNDARIES_SOURCE", "GEO_CACHE_DIR", "GEO_COUNTRIES", "GEO_BOUNDARIES_VINTAGE_SOURCE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    return write_gbopen_mirror(tmp_path / "mirror")


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def cache_files(cache: Path) -> list[str]:
    """Every file under the cache, hidden temporary files included."""
    return sorted(str(p.relative_to(cache)) for p in cache.rglob("*") if p.is_file())


def dead_url() -> str:
    return f"http://127.0.0.1:{closed_port()}/"


# --- normalisation ------------------------------------------------------------------------------------


def test_load_from_local_folder_normalises_layers(mirror: Path, cache: Path) -> None:
    b = load_boundaries(FAKE, source=mirror, cache_dir=cache)

    assert isinstance(b, Boundaries)
    assert b.countries == FAKE
    assert [len(b.adm0), len(b.adm1), len(b.adm2)] == [2, 3, 6]
    for layer in (b.adm0, b.adm1, b.adm2):
        assert tuple(layer.columns) == BOUNDARY_COLUMNS
        assert layer.crs.to_epsg() == 4326
        assert list(layer.index) == list(range(len(layer)))
        assert all(pd.api.types.is_string_dtype(layer[c]) for c in BOUNDARY_COLUMNS[:-1])
        assert not layer[list(BOUNDARY_COLUMNS[:-1])].isna().any().any()
        assert layer.is_valid.all()
        assert set(layer.geom_type) <= {"Polygon", "MultiPolygon"}
    adm2 = b.adm2.set_index("unit_id")
    assert adm2.loc["AAA-ADM2-1", "name"] == "Alpha"  # trailing TAB stripped
    assert adm2.loc["AAA-ADM2-1", "name_local"] == "Альфа"
    assert adm2.loc["BBB-ADM2-1", "name_local"] == ""
    bowtie = adm2.loc["AAA-ADM2-4", "geometry"]
    assert bowtie.geom_type == "MultiPolygon" and len(bowtie.geoms) == 2
    assert bowtie.area == pytest.approx(0.5)
    assert list(b.adm1["iso_code"]) == ["AA-N", "AA-S", "BB-O"]
    assert list(b.adm2["iso3"]) == ["AAA"] * 4 + ["BBB"] * 2


def test_source_forms_file_url_and_mirror_parent(mirror: Path, tmp_path: Path) -> None:
    by_uri = load_boundaries(["aaa"], levels=[2], source=mirror.as_uri(), cache_dir=tmp_path / "c1")
    parent = tmp_path / "shared"
    write_gbopen_mirror(parent / "gbOpen")  # a folder holding gbOpen/ is accepted as well
    by_parent = load_boundaries("AAA", levels=["ADM2"], source=parent, cache_dir=tmp_path / "c2")

    assert by_uri.countries == ("AAA",) and len(by_uri.adm2) == 4
    assert by_uri.adm0.empty and tuple(by_uri.adm0.columns) == BOUNDARY_COLUMNS
    assert by_uri.adm0.crs.to_epsg() == 4326
    assert_geodataframe_equal(by_uri.adm2, by_parent.adm2)


def test_simplified_file_is_preferred(mirror: Path, cache: Path) -> None:
    (prov,) = fetch_boundaries(["AAA"], levels=[0], source=mirror, cache_dir=cache)
    assert prov.file_url.endswith("/AAA/ADM0/geoBoundaries-AAA-ADM0_simplified.geojson")
    assert prov.source_url == (mirror / "AAA" / "ADM0" / "index.json").as_uri()


# --- HTTP and the cache -------------------------------------------------------------------------------


def test_http_mirror_then_cache_without_network(mirror: Path, cache: Path) -> None:
    with serve_directory(mirror) as server:
        first = load_boundaries(FAKE, source=server.url, cache_dir=cache)
    assert "/AAA/ADM2/index.json" in server.requests
    assert first.provenance[0].source_url == f"{server.url}AAA/ADM0/index.json"
    assert first.provenance[0].file_url == f"{server.url}AAA/ADM0/geoBoundaries-AAA-ADM0_simplified.geojson"

    # the server is gone: cached layers are used without touching the network
    again = load_boundaries(FAKE, source=server.url, cache_dir=cache)
    for level in (0, 1, 2):
        assert_geodataframe_equal(first.layer(level), again.layer(level))
    assert again.provenance == first.provenance

    with pytest.raises(
        BoundaryError, match=r"cannot fetch geoBoundaries AAA ADM0 from http://127\.0\.0\.1:\d+/"
    ):
        load_boundaries(FAKE, source=server.url, cache_dir=cache, refresh=True)
    # a failed refresh leaves the cache as it was
    assert_geodataframe_equal(first.adm2, load_boundaries(FAKE, source=dead_url(), cache_dir=cache).adm2)


def test_failed_refresh_with_skip_keeps_the_cached_copy(mirror: Path, cache: Path) -> None:
    first = load_boundaries(FAKE, levels=[0], source=mirror, cache_dir=cache)
    b = load_boundaries(FAKE, levels=[0], source=dead_url(), cache_dir=cache, refresh=True, missing="skip")

    assert len(b.errors) == 2 and all("connection refused" in str(e) for e in b.errors)
    assert_geodataframe_equal(first.adm0, b.adm0)
    assert b.provenance == first.provenance


def test_refresh_fetches_again(mirror: Path, cache: Path) -> None:
    load_boundaries(["BBB"], levels=[1], source=mirror, cache_dir=cache)
    record = index_record("BBB", 1, 1, "renamed.geojson") | {"boundaryLicense": "CC BY 4.0"}
    folder = mirror / "BBB" / "ADM1"
    (folder / "renamed.geojson").write_bytes(layer_file(mirror, "BBB", 1).read_bytes())
    write_index(folder, record)

    cached = load_boundaries(["BBB"], levels=[1], source=mirror, cache_dir=cache)
    fresh = load_boundaries(["BBB"], levels=[1], source=mirror, cache_dir=cache, refresh=True)

    assert cached.provenance[0].licence == "CC BY-SA 4.0"
    assert fresh.provenance[0].licence == "CC BY 4.0"
    assert fresh.provenance[0].file_url.endswith("/renamed.geojson")


def test_directory_url_answering_json_and_absolute_file_url(mirror: Path, cache: Path) -> None:
    folder = mirror / "AAA" / "ADM1"
    with serve_directory(mirror) as server:
        # like the real API: the directory URL itself answers JSON, naming the file by an absolute URL
        absolute = f"{server.url}AAA/ADM1/geoBoundaries-AAA-ADM1_simplified.geojson"
        api = index_record("AAA", 1, 2, absolute)
        (folder / "index.html").write_text(json.dumps(api), encoding="utf-8")
        (folder / "index.json").unlink()
        (prov,) = fetch_boundaries(["AAA"], levels=[1], source=server.url.rstrip("/"), cache_dir=cache)

    assert prov.source_url == f"{server.url}AAA/ADM1/"
    assert prov.file_url == absolute
    assert "/AAA/ADM1/index.json" not in server.requests


def test_provenance_records_what_was_stored(mirror: Path, cache: Path) -> None:
    before = datetime.now().astimezone()
    provs = fetch_boundaries(FAKE, source=mirror, cache_dir=cache)

    assert [(p.iso3, p.level) for p in provs] == [(c, lv) for c in FAKE for lv in (0, 1, 2)]
    for prov in provs:
        source_bytes = layer_file(mirror, prov.iso3, prov.level).read_bytes()
        cached = cache / prov.iso3 / f"ADM{prov.level}"
        assert prov.sha256 == hashlib.sha256(source_bytes).hexdigest()
        assert (cached / "boundary.geojson").read_bytes() == source_bytes
        assert prov.bytes == len(source_bytes)
        assert prov.feature_count == len(FAKE_LAYERS[prov.iso3][prov.level])
        assert prov.year == "2020"
        assert datetime.fromisoformat(prov.fetched_at) >= before.replace(microsecond=0)
        on_disk = json.loads((cached / "provenance.json").read_text(encoding="utf-8"))
        assert Provenance.from_dict(on_disk) == prov
        assert on_disk["expected_feature_count"] == prov.feature_count
    licences = {p.iso3: (p.licence, p.boundary_source) for p in provs}
    assert licences == {
        "AAA": ("ODbL 1.0", "geoBoundaries (OpenStreetMap)"),
        "BBB": ("CC BY-SA 4.0", "geoBoundaries (Ministry of Tests of BBB)"),
    }


def test_cache_files_and_damaged_normalised_copy(mirror: Path, cache: Path) -> None:
    first = load_boundaries(["AAA"], levels=[2], source=mirror, cache_dir=cache)
    assert cache_files(cache) == [
        "AAA/ADM2/boundary.geojson",
        "AAA/ADM2/normalised-v1.parquet",
        "AAA/ADM2/provenance.json",
    ]
    parquet = cache / "AAA" / "ADM2" / "normalised-v1.parquet"
    parquet.write_bytes(b"not parquet")

    again = load_boundaries(["AAA"], levels=[2], source=dead_url(), cache_dir=cache)

    assert_geodataframe_equal(first.adm2, again.adm2)
    assert parquet.read_bytes()[:4] == b"PAR1"  # rebuilt from the GeoJSON


def test_missing_file_over_http_leaves_nothing_in_cache(mirror: Path, cache: Path) -> None:
    write_index(mirror / "AAA" / "ADM0", index_record("AAA", 0, 1, "gone.geojson"))
    with serve_directory(mirror) as server, pytest.raises(BoundaryError) as err:
        load_boundaries(["AAA"], levels=[0], source=server.url, cache_dir=cache)

    assert re.search(r"from http://127\.0\.0\.1:\d+/AAA/ADM0/gone\.geojson: HTTP 404", str(err.value))
    assert cache_files(cache) == []


def test_interrupted_download_leaves_no_partial_file(mirror: Path, cache: Path) -> None:
    path = "/AAA/ADM2/geoBoundaries-AAA-ADM2_simplified.geojson"
    total = layer_file(mirror, "AAA", 2).stat().st_size
    with serve_directory(mirror, truncate=(path,)) as server:
        with pytest.raises(BoundaryError, match=rf"download interrupted after {total // 2} of {total} bytes"):
            load_boundaries(["AAA"], levels=[2], source=server.url, cache_dir=cache)
        assert cache_files(cache) == []
        # an earlier good copy survives a failed refresh untouched
        good = load_boundaries(["AAA"], levels=[1], source=server.url, cache_dir=cache)
        write_index(mirror / "AAA" / "ADM1", index_record("AAA", 1, 2, "../ADM2/" + Path(path).name))
        with pytest.raises(BoundaryError, match="download interrupted"):
            load_boundaries(["AAA"], levels=[1], source=server.url, cache_dir=cache, refresh=True)
    assert cache_files(cache) == [
        "AAA/ADM1/boundary.geojson",
        "AAA/ADM1/normalised-v1.parquet",
        "AAA/ADM1/provenance.json",
    ]
    kept = load_boundaries(["AAA"], levels=[1], source=dead_url(), cache_dir=cache)
    assert_geodataframe_equal(good.adm1, kept.adm1)


def test_unreadable_file_is_rejected(mirror: Path, cache: Path) -> None:
    layer_file(mirror, "BBB", 0).write_text("<html>not geojson</html>", encoding="utf-8")
    with pytest.raises(
        BoundaryError, match="cannot fetch geoBoundaries BBB ADM0 from .*not readable GeoJSON"
    ):
        load_boundaries(["BBB"], levels=[0], source=mirror, cache_dir=cache)
    assert cache_files(cache) == []


def test_unreachable_source_gives_clear_error(cache: Path) -> None:
    url = dead_url()
    expected = (
        f"cannot fetch geoBoundaries AAA ADM2 from {url}AAA/ADM2/: connection refused (is the server running?). "
        "Set GEO_BOUNDARIES_SOURCE to a mirror URL or a local folder laid out like gbOpen/{ISO3}/ADM{n}/index.json"
    )
    with pytest.raises(BoundaryError, match=re.escape(expected)):
        load_boundaries(["AAA"], levels=[2], source=url, cache_dir=cache)
    assert cache_files(cache) == []


def test_missing_local_folder(tmp_path: Path, cache: Path) -> None:
    with pytest.raises(
        BoundaryError, match=r"cannot fetch geoBoundaries AAA ADM0 from file://.*: no such file"
    ):
        load_boundaries(["AAA"], source=tmp_path / "nowhere", cache_dir=cache)


def test_missing_skip_returns_what_loaded(mirror: Path, cache: Path) -> None:
    b = load_boundaries(["AAA", "CCC", "BBB"], source=mirror, cache_dir=cache, missing="skip")

    assert b.countries == ("AAA", "CCC", "BBB")
    assert [len(b.adm0), len(b.adm1), len(b.adm2)] == [2, 3, 6]
    assert sorted(set(b.adm2["iso3"])) == ["AAA", "BBB"]
    assert len(b.errors) == 3
    assert all(isinstance(e, BoundaryError) for e in b.errors)
    assert [re.search(r"CCC ADM\d", str(e)).group() for e in b.errors] == ["CCC ADM0", "CCC ADM1", "CCC ADM2"]
    assert {(p.iso3, p.level) for p in b.provenance} == {(c, lv) for c in FAKE for lv in (0, 1, 2)}

    with pytest.raises(BoundaryError, match="CCC ADM0"):
        load_boundaries(["AAA", "CCC"], source=mirror, cache_dir=cache)
    assert len(fetch_boundaries(["CCC", "BBB"], source=mirror, cache_dir=cache, missing="skip")) == 3


def test_nothing_available_with_skip_gives_empty_layers(cache: Path) -> None:
    b = load_boundaries(["AAA"], source=dead_url(), cache_dir=cache, missing="skip")
    assert len(b.errors) == 3 and b.provenance == ()
    assert all(b.layer(lv).empty and tuple(b.layer(lv).columns) == BOUNDARY_COLUMNS for lv in (0, 1, 2))
    assert b.attribution() == ""


def test_progress_reports_steps_and_increasing_bytes(mirror: Path, cache: Path) -> None:
    events: list[Progress] = []
    with serve_directory(mirror) as server:
        load_boundaries(FAKE, source=server.url, cache_dir=cache, progress=events.append)

    labels = [f"{c} ADM{lv}" for c in FAKE for lv in (0, 1, 2)]
    assert [e.label for e in events if e.stage == "done"] == labels
    assert {e.steps for e in events} == {6}
    assert [e.step for e in events] == sorted(e.step for e in events)
    fractions = [e.fraction for e in events]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    for step, label in enumerate(labels, start=1):
        downloads = [e for e in events if e.step == step and e.stage == "download"]
        assert all(e.label == label for e in downloads)
        done = [e.bytes_done for e in downloads]
        assert done == sorted(done) and done[0] == 0
        iso3, level = label.split(" ADM")
        assert done[-1] == downloads[-1].bytes_total == layer_file(mirror, iso3, int(level)).stat().st_size

    cached: list[Progress] = []
    load_boundaries(FAKE, source=server.url, cache_dir=cache, progress=cached.append)
    assert [e.stage for e in cached if e.stage != "start"] == ["cached", "done"] * 6


def test_environment_configures_source_cache_and_countries(
    mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEO_BOUNDARIES_SOURCE", str(mirror))
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "env-cache"))
    monkeypatch.setenv("GEO_COUNTRIES", "bbb, AAA")

    b = load_boundaries(levels=(0,))

    assert b.countries == ("BBB", "AAA")
    assert list(b.adm0["iso3"]) == ["BBB", "AAA"]
    assert (tmp_path / "env-cache" / "BBB" / "ADM0" / "provenance.json").is_file()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"countries": ["AAAA"]}, "expected an ISO3 country code like BLR, got 'AAAA'"),
        ({"countries": []}, "expected at least one ISO3 country code"),
        ({"levels": [3]}, "expected an ADM level among 0, 1, 2, got 3"),
    ],
)
def test_arguments_are_checked(kwargs: dict[str, object], message: str, cache: Path) -> None:
    with pytest.raises(BoundaryError, match=re.escape(message)):
        load_boundaries(**{"countries": ["AAA"], "source": dead_url(), "cache_dir": cache, **kwargs})


# --- second vintage -----------------------------------------------------------------------------------

#: AAA after a reform: two raions and four hromadas (BBB has no second vintage)
VINTAGE_LAYERS = {
    2: [
        ("Westskyi raion", "Західний район", "", "AAA-ADM2-2020-W", box(0, 0, 1, 2)),
        ("Eastskyi raion", "Східний район", "", "AAA-ADM2-2020-E", box(1, 0, 2, 2)),
    ],
    3: [
        (f"{name}ska miska hromada", "", "", f"AAA-ADM3-{i}", geom)
        for i, (name, geom) in enumerate(
            [("Alph", box(0, 1, 1, 2)), ("Gamm", box(0, 0, 1, 1)), ("Bet", box(1, 1, 2, 2)), ("Delt", box(1, 0, 2, 1))]
        )
    ],
}


def write_vintage(root: Path, layers: dict[int, list] = VINTAGE_LAYERS) -> Path:
    """The second vintage of AAA in the gbOpen layout under ``root`` (ODbL, like AAA's main layers)."""
    for level, features in layers.items():
        folder = root / "AAA" / f"ADM{level}"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"geoBoundaries-AAA-ADM{level}_simplified.geojson"
        (folder / name).write_text(geojson_text(features, "AAA", level), encoding="utf-8")
        write_index(folder, index_record("AAA", level, len(features), name))
    return root


@pytest.fixture
def mirror_with_vintage(tmp_path: Path) -> Path:
    """``{tmp}/gbOpen`` (AAA, BBB) with ``{tmp}/gbOpen-2020`` (AAA only) beside it, as ../shared/geodata."""
    write_vintage(tmp_path / "gbOpen-2020")
    return write_gbopen_mirror(tmp_path / "gbOpen")


def test_second_vintage_beside_a_local_mirror_is_loaded(mirror_with_vintage: Path, cache: Path) -> None:
    events: list[Progress] = []
    b = load_boundaries(FAKE, source=mirror_with_vintage, cache_dir=cache, progress=events.append)

    assert set(b.vintages) == {"adm2_2020", "adm3"} and b.errors == ()
    raions, hromadas = b.vintages["adm2_2020"], b.vintages["adm3"]
    assert list(raions["name"]) == ["Westskyi raion", "Eastskyi raion"] and set(raions["iso3"]) == {"AAA"}
    assert list(raions["name_local"]) == ["Західний район", "Східний район"]
    assert len(hromadas) == 4 and tuple(hromadas.columns) == BOUNDARY_COLUMNS and hromadas.crs.to_epsg() == 4326
    assert [len(b.adm0), len(b.adm1), len(b.adm2)] == [2, 3, 6]  # the main layers as before
    vintage = [(p.iso3, p.level) for p in b.provenance if p.vintage == "2020"]
    assert vintage == [("AAA", 2), ("AAA", 3)]  # BBB has none: skipped, no error
    assert [e.label for e in events if e.stage == "done"][-2:] == ["AAA ADM2 (2020)", "AAA ADM3 (2020)"]
    assert {e.steps for e in events} == {8}
    assert (cache / "gbOpen-2020" / "AAA" / "ADM3" / "provenance.json").is_file()
    assert "AAA 2020 ADM2-3" in b.attribution()
    assert "adm2_2020=2, adm3=4" in repr(b)

    again: list[Progress] = []
    load_boundaries(FAKE, source=mirror_with_vintage, cache_dir=cache, progress=again.append)
    assert [e.stage for e in again if "(2020)" in e.label and e.stage != "start"] == ["cached", "done"] * 2


@pytest.mark.parametrize(
    ("vintage_source", "env", "expected"),
    [
        (None, None, {"adm2_2020", "adm3"}),
        ("none", None, set()),  # switched off
        (None, "off", set()),
        ("elsewhere", None, {"adm2_2020", "adm3"}),  # named: any folder in the layout
        (None, "elsewhere", {"adm2_2020", "adm3"}),
    ],
)
def test_second_vintage_source_can_be_named_or_switched_off(
    mirror_with_vintage: Path,
    cache: Path,
    monkeypatch: pytest.MonkeyPatch,
    vintage_source: str | None,
    env: str | None,
    expected: set[str],
) -> None:
    elsewhere = write_vintage(mirror_with_vintage.parent / "other" / "reform")
    lookup = {"elsewhere": str(elsewhere)}
    if env is not None:
        monkeypatch.setenv("GEO_BOUNDARIES_VINTAGE_SOURCE", lookup.get(env, env))
    given = lookup.get(vintage_source, vintage_source) if vintage_source else None
    b = load_boundaries(FAKE, source=mirror_with_vintage, cache_dir=cache, vintage_source=given)
    assert set(b.vintages) == expected
    if expected and (vintage_source or env) == "elsewhere":
        assert all(str(elsewhere) in p.source_url for p in b.provenance if p.vintage)


def test_no_second_vintage_is_one_vintage_without_error(mirror_with_vintage: Path, tmp_path: Path, cache: Path) -> None:
    alone = write_gbopen_mirror(tmp_path / "alone" / "gbOpen")  # no gbOpen-2020 beside it
    plain = load_boundaries(FAKE, source=alone, cache_dir=tmp_path / "cache-alone")
    assert plain.vintages == {} and plain.errors == ()
    without_adm2 = load_boundaries(FAKE, levels=(0, 1), source=mirror_with_vintage, cache_dir=cache)
    assert without_adm2.vintages == {}


def test_unreadable_second_vintage_is_reported_never_raised(mirror_with_vintage: Path, cache: Path) -> None:
    layer = mirror_with_vintage.parent / "gbOpen-2020" / "AAA" / "ADM3" / "geoBoundaries-AAA-ADM3_simplified.geojson"
    layer.write_text("{not json", encoding="utf-8")
    b = load_boundaries(FAKE, source=mirror_with_vintage, cache_dir=cache)  # missing="raise" is for main layers
    assert set(b.vintages) == {"adm2_2020"}
    assert len(b.errors) == 1
    assert re.search(r"cannot fetch geoBoundaries AAA ADM3 \(2020\) from .*not readable GeoJSON", str(b.errors[0]))


def test_second_vintage_over_http_skips_countries_it_lacks(mirror_with_vintage: Path, cache: Path) -> None:
    with serve_directory(mirror_with_vintage.parent) as server:
        b = load_boundaries(
            FAKE, source=f"{server.url}gbOpen/", cache_dir=cache, vintage_source=f"{server.url}gbOpen-2020/"
        )
    assert set(b.vintages) == {"adm2_2020", "adm3"} and b.errors == ()
    assert any(r.startswith("/gbOpen-2020/BBB/ADM2/") for r in server.requests)  # asked, answered 404, skipped


# --- attribution --------------------------------------------------------------------------------------


def test_attribution_deduplicates_licences_and_sources(mirror: Path, cache: Path) -> None:
    b = load_boundaries(FAKE, source=mirror, cache_dir=cache)
    assert b.attribution() == (
        "Boundaries: geoBoundaries (Runfola et al. 2020, www.geoboundaries.org); "
        "ODbL 1.0 (OpenStreetMap): AAA ADM0-2; CC BY-SA 4.0 (Ministry of Tests of BBB): BBB ADM0-2. "
        "© OpenStreetMap contributors"
    )
    only_bbb = load_boundaries(["BBB"], levels=[0, 2], source=mirror, cache_dir=cache)
    assert only_bbb.attribution() == (
        "Boundaries: geoBoundaries (Runfola et al. 2020, www.geoboundaries.org); "
        "CC BY-SA 4.0 (Ministry of Tests of BBB): BBB ADM0+2"
    )


# --- user boundary files ------------------------------------------------------------------------------


@pytest.fixture
def user_gpkg(tmp_path: Path) -> Path:
    """Two districts in Web Mercator, with a Cyrillic name field and a numeric code."""
    frame = gpd.GeoDataFrame(
        {"district": ["Суджанский район", " Глушковский район\t"], "code": [101, 102]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        crs="EPSG:4326",
    ).to_crs("EPSG:3857")
    path = tmp_path / "districts.gpkg"
    frame.to_file(path, driver="GPKG", engine="pyogrio")
    return path


def test_load_user_boundaries_with_chosen_field(user_gpkg: Path) -> None:
    gdf = load_user_boundaries(user_gpkg, name_field="district", iso3="rus")

    assert tuple(gdf.columns) == BOUNDARY_COLUMNS
    assert gdf.crs.to_epsg() == 4326
    assert gdf.total_bounds == pytest.approx([0, 0, 2, 1])
    assert list(gdf["name_local"]) == ["Суджанский район", "Глушковский район"]
    assert list(gdf["name"]) == ["Sudzhanskii raion", "Glushkovskii raion"]
    assert list(gdf["iso3"]) == ["RUS", "RUS"]
    assert gdf["unit_id"].is_unique and gdf["unit_id"].str.startswith("user-").all()
    assert list(load_user_boundaries(user_gpkg, "district")["unit_id"]) == list(gdf["unit_id"])  # stable
    prov = gdf.attrs["provenance"]
    assert (prov.kind, prov.level, prov.feature_count) == ("user", 2, 2)
    assert prov.sha256 == hashlib.sha256(user_gpkg.read_bytes()).hexdigest()

    by_id = load_user_boundaries(user_gpkg, "district", id_field="code", transliterate=False)
    assert list(by_id["unit_id"]) == ["101", "102"]
    assert list(by_id["name"]) == ["Суджанский район", "Глушковский район"]
    assert list(by_id["name_local"]) == ["", ""]


def test_load_user_boundaries_missing_field(user_gpkg: Path) -> None:
    expected = f"expected a name field 'xyz' in {user_gpkg}, got columns: district, code"
    with pytest.raises(BoundaryError, match=re.escape(expected)):
        load_user_boundaries(user_gpkg, name_field="xyz")
    with pytest.raises(BoundaryError, match=re.escape("expected a id field 'nope'")):
        load_user_boundaries(user_gpkg, name_field="district", id_field="nope")
    with pytest.raises(BoundaryError, match="expected a boundary file at"):
        load_user_boundaries(user_gpkg.with_name("absent.gpkg"), name_field="district")


def test_with_layer_replaces_or_appends_without_mutating(mirror: Path, cache: Path, user_gpkg: Path) -> None:
    b = load_boundaries(FAKE, source=mirror, cache_dir=cache)
    user = load_user_boundaries(user_gpkg, "district", iso3="AAA", licence="ODbL 1.0")
    user_before = user.copy()

    replaced = b.with_layer(2, user)
    appended = b.with_layer(2, user, how="append")
    per_country = b.with_layer(2, user, how="replace_countries")

    assert list(replaced.adm2["name_local"]) == list(user["name_local"])
    assert len(appended.adm2) == 6 + 2
    assert list(per_country.adm2["iso3"]) == ["BBB", "BBB", "AAA", "AAA"]
    assert len(b.adm2) == 6 and len(b.provenance) == 6  # the original is unchanged
    assert_geodataframe_equal(user, user_before)
    assert [p.kind for p in replaced.provenance if p.level == 2] == ["user"]
    assert sorted((p.iso3, p.kind) for p in per_country.provenance if p.level == 2) == [
        ("AAA", "user"),
        ("BBB", "geoboundaries"),
    ]
    assert "ODbL 1.0 (OpenStreetMap): AAA ADM0-1" in replaced.attribution()
    assert "ODbL 1.0 (user file districts.gpkg): AAA ADM2" in replaced.attribution()
    with pytest.raises(BoundaryError, match="expected the normalised columns"):
        b.with_layer(2, gpd.GeoDataFrame({"district": ["x"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4326))


# --- the real mirror (../shared/geodata) --------------------------------------------------------------

REAL_COUNTS = {"BLR": (1, 7, 118), "UKR": (1, 27, 495), "RUS": (1, 31, 229)}


def read_index(gbopen: Path, iso3: str, level: int) -> dict[str, object]:
    return json.loads((gbopen / iso3 / f"ADM{level}" / "index.json").read_text(encoding="utf-8"))


def index_counts(gbopen: Path) -> dict[str, tuple[object, ...]]:
    return {
        iso3: tuple(read_index(gbopen, iso3, lv)["featureCount"] for lv in (0, 1, 2)) for iso3 in REAL_COUNTS
    }


@needs_mirror
def test_real_mirror_feature_counts(real_boundaries: Boundaries, shared_geodata: Path) -> None:
    assert index_counts(shared_geodata / "gbOpen") == REAL_COUNTS
    for iso3, counts in REAL_COUNTS.items():
        got = tuple(int((real_boundaries.layer(lv)["iso3"] == iso3).sum()) for lv in (0, 1, 2))
        assert got == counts, iso3
    for level in (0, 1, 2):
        layer = real_boundaries.layer(level)
        assert layer.is_valid.all()
        assert set(layer.geom_type) <= {"Polygon", "MultiPolygon"}
        assert layer["unit_id"].is_unique


@needs_mirror
def test_real_mirror_names(real_boundaries: Boundaries) -> None:
    adm2 = real_boundaries.adm2
    kost = adm2[adm2["name_local"] == "Костюковичи"]
    assert list(kost["name"]) == ["Kostyukovichi"] and list(kost["iso3"]) == ["BLR"]
    for layer in (real_boundaries.adm0, real_boundaries.adm1, adm2):
        assert not layer["name"].str.contains(r"^\s|\s$").any()
    ukr = set(adm2.loc[adm2["iso3"] == "UKR", "name"])
    assert {"Lutsk", "Lyman", "Mukachevo", "Starokostiantyniv"} <= ukr  # had trailing TABs in the source
    assert "Sudzhanskii raion" in set(adm2.loc[adm2["iso3"] == "RUS", "name"])
    text = real_boundaries.attribution()
    assert "CC BY-SA 4.0" in text and "UKR ADM2" in text and text.endswith("© OpenStreetMap contributors")


@needs_mirror
def test_real_mirror_over_http_server(shared_geodata: Path, tmp_path: Path) -> None:
    gbopen = shared_geodata / "gbOpen"
    cache = tmp_path / "cache"
    with serve_directory(gbopen) as server:
        provs = fetch_boundaries(("BLR", "UKR", "RUS"), (0, 1, 2), source=server.url, cache_dir=cache)
    assert len(provs) == 9
    for prov in provs:
        index = read_index(gbopen, prov.iso3, prov.level)
        original = gbopen / prov.iso3 / f"ADM{prov.level}" / str(index["simplifiedGeometryGeoJSON"])
        assert prov.file_url == f"{server.url}{prov.iso3}/ADM{prov.level}/{original.name}"
        assert prov.sha256 == hashlib.sha256(original.read_bytes()).hexdigest()
        assert (prov.licence, prov.feature_count) == (index["boundaryLicense"], index["featureCount"])

    started = time.perf_counter()
    warm = load_boundaries(("BLR", "UKR", "RUS"), source=server.url, cache_dir=cache)  # server is down
    elapsed = time.perf_counter() - started
    assert [len(warm.adm0), len(warm.adm1), len(warm.adm2)] == [3, 65, 842]
    assert elapsed < 3.0, f"warm load of 9 layers took {elapsed:.2f} s"


@needs_mirror
def test_real_user_file_kursk(shared_geodata: Path, real_boundaries: Boundaries) -> None:
    path = shared_geodata / "raw" / "osm_russia" / "RUS_ADM2_Kursk.geojson"
    kursk = load_user_boundaries(path, name_field="district", iso3="RUS", licence="ODbL 1.0")

    assert len(kursk) == 33
    assert "Суджанский район" in set(kursk["name_local"])
    assert kursk.is_valid.all()
    # transliterated like the mirror's own RUS ADM2 names
    assert {"Sudzhanskii raion", "Glushkovskii raion", "Korenevskii raion"} <= set(kursk["name"])
    assert set(kursk["name"]) <= set(real_boundaries.adm2["name"]) | {"Kursk", "Zheleznogorsk"}

    expected = f"expected a name field 'name' in {path}, got columns: district"
    with pytest.raises(BoundaryError, match=re.escape(expected)):
        load_user_boundaries(path, name_field="name")

    swapped = real_boundaries.with_layer(2, kursk, how="replace_countries")
    assert (swapped.adm2["iso3"] == "RUS").sum() == 33
    assert (swapped.adm2["iso3"] == "UKR").sum() == 495


@needs_mirror
def test_real_mirror_second_vintage(real_boundaries: Boundaries) -> None:
    raions, hromadas = real_boundaries.vintages["adm2_2020"], real_boundaries.vintages["adm3"]
    assert (len(raions), len(hromadas)) == (137, 1467)
    assert set(raions["iso3"]) == set(hromadas["iso3"]) == {"UKR"}
    assert {"Kramatorskyi raion", "Pokrovskyi raion", "Bakhmutskyi raion"} <= set(raions["name"])
    assert {"Slovianska miska hromada", "Lymanska miska hromada"} <= set(hromadas["name"])
    assert raions["unit_id"].is_unique and hromadas["unit_id"].is_unique
    assert "UKR 2020 ADM2-3" in real_boundaries.attribution()
