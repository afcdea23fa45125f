"""Offline geocoding: GeoNames gazetteer lookups, the no-guessing rules, and geocode_events."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.errors import GeocodeError
from geo.geocode import (
    DOMINANT_MIN_POPULATION,
    DOMINANT_RATIO,
    Gazetteer,
    GeocodeResult,
    country_iso2,
    country_iso3,
    default_gazetteer,
    geocode_events,
)
from tests.factories import make_events

KOSTYUKOVICHI = (626808, 53.35488, 32.05128)
SUDZHA = (486816, 51.191, 35.271)
KORENEVO = (544906, 51.41065, 34.90008)
GOMEL = (627907, 52.4345, 30.9754)
KURSK = (538560, 51.72689, 36.18457)
KYIV = (703448, 50.45466, 30.5238)


@pytest.fixture(scope="session")
def gazetteer(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Gazetteer:
    """The whole GeoNames gazetteer, built once (kept in pytest's cache folder between runs)."""
    cache = getattr(request.config, "cache", None)
    where = cache.mkdir("geo-gazetteer") if cache is not None else tmp_path_factory.mktemp("gazetteer")
    return Gazetteer.from_geonames(cache_dir=where)


@pytest.fixture(scope="session")
def regional() -> Gazetteer:
    """Belarus, Russia and Ukraine only, through the fast per-country path, built without a cache."""
    return Gazetteer.from_geonames(["BLR", "RU", "UA"])


def place(
    gid: int, name: str, lat: float, lon: float, pop: int, cc: str = "RU", alt: tuple[str, ...] = ()
) -> Mapping[str, object]:
    return {
        "geonameid": gid,
        "name": name,
        "latitude": lat,
        "longitude": lon,
        "countrycode": cc,
        "population": pop,
        "admin1code": "01",
        "alternatenames": list(alt),
    }


def assert_place(result: GeocodeResult, expected: tuple[int, float, float], iso3: str) -> None:
    gid, lat, lon = expected
    assert result.status == "ok", result
    assert result.geonameid == gid
    assert result.country_iso3 == iso3
    assert result.lat == pytest.approx(lat, abs=0.02)
    assert result.lon == pytest.approx(lon, abs=0.02)
    assert result.candidates[0].lat == result.lat


# --- the examples -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["Kostyukovichi", "Kostjukowitschy", "Kastsyukovichy", "Костюковичи", "Касцюковічы", "KOSTYUKOVICHI"],
)
def test_transliterations_find_kostyukovichi(gazetteer: Gazetteer, name: str) -> None:
    result = gazetteer.lookup(name)
    assert_place(result, KOSTYUKOVICHI, "BLR")
    assert result.name == "Kostyukovichi"
    assert result.score == 100.0
    assert result.precision == "near"


@pytest.mark.parametrize(
    ("name", "country"), [("Sudscha", None), ("Sudzha", "RUS"), ("Суджа", "RU"), ("Sudža", None)]
)
def test_sudzha(gazetteer: Gazetteer, name: str, country: str | None) -> None:
    result = gazetteer.lookup(name, country)
    assert_place(result, SUDZHA, "RUS")
    assert result.name == "Sudzha"


@pytest.mark.parametrize("name", ["Gomel", "Homel", "Гомель", "Homiel"])
def test_gomel(gazetteer: Gazetteer, name: str) -> None:
    assert_place(gazetteer.lookup(name), GOMEL, "BLR")


@pytest.mark.parametrize("name", ["Kostyukovici", "Kostyukovchi", "Kostykovichi"])
def test_misspelling_still_resolves(gazetteer: Gazetteer, name: str) -> None:
    result = gazetteer.lookup(name)
    assert_place(result, KOSTYUKOVICHI, "BLR")
    assert result.method == "fuzzy"
    assert 85.0 <= result.score < 100.0


@pytest.mark.parametrize("name", ["Kursk", "Курск", "Koursk"])
def test_kursk_is_the_city(gazetteer: Gazetteer, name: str) -> None:
    result = gazetteer.lookup(name)
    assert_place(result, KURSK, "RUS")
    assert result.population > 400_000


@pytest.mark.parametrize("country", ["BLR", "BY", "by", " blr "])
def test_country_hint_restricts(gazetteer: Gazetteer, country: str) -> None:
    assert gazetteer.lookup("Kursk", country).status == "not_found"
    assert_place(gazetteer.lookup("Kostyukovichi", country), KOSTYUKOVICHI, "BLR")


@pytest.mark.parametrize("name", ["Xqzvtlpwk", "Blorptown", "Qqqqqq Zzzzz", "", "   "])
def test_nonsense_is_not_found(gazetteer: Gazetteer, name: str) -> None:
    result = gazetteer.lookup(name)
    assert result.status == "not_found"
    assert math.isnan(result.lat) and math.isnan(result.lon)
    assert result.candidates == ()


def test_non_text_is_not_found(gazetteer: Gazetteer) -> None:
    assert gazetteer.lookup(None).status == "not_found"
    assert gazetteer.lookup(float("nan")).status == "not_found"


# --- never guessing -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Kyiv", "Kiev", "Київ", "Kijów"])
def test_kyiv_resolves_to_the_capital(gazetteer: Gazetteer, name: str) -> None:
    result = gazetteer.lookup(name)
    assert_place(result, KYIV, "UKR")
    assert result.population > 2_000_000


@pytest.mark.parametrize(
    ("name", "country", "min_candidates", "countries"),
    [
        ("Ivanovka", None, 10, None),
        ("Ivanovka", "RUS", 2, {"RUS"}),
        ("Novoselki", None, 2, None),
        ("Gorodishche", "BLR", 3, {"BLR"}),
        ("Avdiivka", "UKR", 2, {"UKR"}),
    ],
)
def test_ambiguous_names_list_all_candidates(
    gazetteer: Gazetteer, name: str, country: str | None, min_candidates: int, countries: set[str] | None
) -> None:
    result = gazetteer.lookup(name, country)
    assert result.status == "ambiguous"
    assert math.isnan(result.lat) and result.geonameid is None
    assert len(result.candidates) >= min_candidates
    if countries is not None:
        assert {c.country_iso3 for c in result.candidates} == countries
    pops = [c.population for c in result.candidates]
    assert pops == sorted(pops, reverse=True)
    assert len({(c.lat, c.lon) for c in result.candidates}) == len(result.candidates)


def test_korenevo_is_two_places_in_russia(gazetteer: Gazetteer) -> None:
    # Korenevo (Kursk oblast, 6236 people) and Korenyovo (Moscow oblast, 5555): no honest single answer
    result = gazetteer.lookup("Korenevo", "RUS")
    assert result.status == "ambiguous"
    assert [(c.name, c.country_iso3) for c in result.candidates] == [("Korenevo", "RUS"), ("Korenëvo", "RUS")]
    assert result.candidates[0].lat == pytest.approx(KORENEVO[1], abs=0.02)


@pytest.mark.parametrize("admin1", ["Kursk", "Kursk Oblast", "Курская область", "Kurskaya oblast'"])
def test_admin1_hint_picks_korenevo_in_kursk_oblast(gazetteer: Gazetteer, admin1: str) -> None:
    result = gazetteer.lookup("Korenevo", "RU", admin1)
    assert_place(result, KORENEVO, "RUS")
    assert result.method == "name+admin1"


def test_admin1_hint_that_fits_no_candidate_is_ignored(gazetteer: Gazetteer) -> None:
    assert gazetteer.lookup("Korenevo", "RU", "Moscow Oblast").status == "ambiguous"
    assert gazetteer.lookup("Korenevo", "RU", "Nowhere At All").status == "ambiguous"


def synthetic(*records: Mapping[str, object]) -> Gazetteer:
    return Gazetteer(records)


def test_dominant_city_wins_only_by_a_wide_margin() -> None:
    big = place(1, "Kiev", 50.45, 30.52, 2_900_000, "UA")
    hamlet = place(2, "Kiev", 55.0, 40.0, 600)
    result = synthetic(big, hamlet).lookup("Kiev")
    assert result.status == "ok" and result.geonameid == 1
    assert result.method == "name+dominant"

    rival = place(3, "Kiev", 45.0, 20.0, big["population"] // DOMINANT_RATIO + 1, "RS")  # type: ignore[operator]
    assert synthetic(big, hamlet, rival).lookup("Kiev").status == "ambiguous"

    small = place(1, "Kiev", 50.45, 30.52, DOMINANT_MIN_POPULATION - 1, "UA")
    tiny = place(2, "Kiev", 55.0, 40.0, 10)
    assert synthetic(small, tiny).lookup("Kiev").status == "ambiguous"


def test_nearby_duplicates_are_one_place() -> None:
    # GeoNames lists some towns twice (a town and its seat); within SAME_PLACE_KM they are one place
    a = place(1, "Novoselki", 53.80, 30.37, 800, "BY")
    b = place(2, "Novosëlki", 53.81, 30.38, 500, "BY")
    far = place(3, "Novoselki", 52.0, 25.0, 700, "BY")
    assert synthetic(a, b).lookup("Novoselki").geonameid == 1
    result = synthetic(a, b, far).lookup("Novoselki")
    assert result.status == "ambiguous"
    assert [c.population for c in result.candidates] == [800, 700]


def test_equal_keys_but_different_spelling_is_no_tie() -> None:
    # "Hamel" has Gomel's key, but a place spelt "Gomel" matches "Gomel" better
    gomel = place(1, "Homyel'", 52.43, 30.98, 500_000, "BY", ("Gomel", "Homel"))
    hamel = place(2, "Hamel", 38.9, -89.8, 800, "US")
    assert synthetic(gomel, hamel).lookup("Gomel").geonameid == 1
    assert synthetic(gomel, hamel).lookup("Hamel").geonameid == 2


# --- admin names in place names -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected", "iso3", "precision"),
    [
        ("Kostyukovichi district", KOSTYUKOVICHI, "BLR", "admin2"),
        ("Kastsyukovichy raion", KOSTYUKOVICHI, "BLR", "admin2"),
        ("Костюковичский район", KOSTYUKOVICHI, "BLR", "admin2"),
        ("Sudzhanskiy rayon", SUDZHA, "RUS", "admin2"),
        ("Sudzhansky", SUDZHA, "RUS", "admin2"),
        ("Суджанский район", SUDZHA, "RUS", "admin2"),
        ("Sudzha municipal district", SUDZHA, "RUS", "admin2"),
        ("Kursk Oblast", KURSK, "RUS", "admin1"),
        ("Kurskaya oblast'", KURSK, "RUS", "admin1"),
        ("Курская область", KURSK, "RUS", "admin1"),
        ("Homelskaya voblasts", GOMEL, "BLR", "admin1"),
        ("Kursk city", KURSK, "RUS", "near"),
    ],
)
def test_unit_names_find_their_centre(
    gazetteer: Gazetteer, name: str, expected: tuple[int, float, float], iso3: str, precision: str
) -> None:
    result = gazetteer.lookup(name)
    assert_place(result, expected, iso3)
    assert result.precision == precision


@pytest.mark.parametrize(
    ("name", "city"),
    [
        ("Kharkivska oblast", "Kharkiv"),
        ("Zaporizka oblast", "Zaporizhzhya"),
        ("Odeska oblast", "Odesa"),
        ("Sumskaya oblast", "Sumy"),
        ("Brestskaya voblasts", "Brest"),  # not Brescia: the adjective rules are East Slavic
        ("Minskaya voblasts", "Minsk"),
    ],
)
def test_adjectival_oblast_names(gazetteer: Gazetteer, name: str, city: str) -> None:
    result = gazetteer.lookup(name)
    assert (result.status, result.name, result.precision) == ("ok", city, "admin1")
    assert result.country_iso3 in {"BLR", "RUS", "UKR"}


def test_adjectival_district_of_an_ambiguous_place(gazetteer: Gazetteer) -> None:
    # "Korenevskiy" is Korenevo's (twice in Russia) -- or Korenovsk's: ambiguous unless admin1 says
    assert gazetteer.lookup("Korenevskiy district").status == "ambiguous"
    assert_place(gazetteer.lookup("Korenevskiy district", "RU", "Kursk"), KORENEVO, "RUS")


@pytest.mark.parametrize(
    ("name", "admin1", "centre", "rival"),
    [
        ("Borisovskii raion", "Belgorod", "Borisovka", "Borisovo"),  # Borisov-ka or Borisov-o
        ("Klimovskii raion", "Bryansk Oblast", "Klimovo", "Klimovsk"),  # Klimov-o or Klimovsk
    ],
)
def test_admin1_hint_settles_adjectival_districts(
    gazetteer: Gazetteer, name: str, admin1: str, centre: str, rival: str
) -> None:
    unsure = gazetteer.lookup(name, "RU")
    assert unsure.status == "ambiguous"
    assert {centre, rival} <= {c.name for c in unsure.candidates}
    result = gazetteer.lookup(name, "RU", admin1)
    assert (result.status, result.name, result.method, result.precision) == (
        "ok",
        centre,
        "district+admin1",
        "admin2",
    )


def test_admin1_elsewhere_rules_out_a_district_match(gazetteer: Gazetteer) -> None:
    result = gazetteer.lookup("Sudzhanskiy rayon", "RU", "Belgorod")
    assert (result.status, result.method) == ("not_found", "district+admin1")


@pytest.mark.parametrize("name", ["Hrodzyenskaya voblasts", "Volyn Oblast", "Vitebsk raion of Nowhere"])
def test_unit_names_are_never_fuzzy_matched(gazetteer: Gazetteer, name: str) -> None:
    # Hrodna's Belarusian adjective is beyond the stem rules, and no place is called Volyn: a fuzzy match
    # would be a village named after the unit, somewhere else
    assert gazetteer.lookup(name).status == "not_found"


# --- countries, errors, resolve -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "iso2", "iso3"),
    [
        ("BLR", "BY", "BLR"),
        ("by", "BY", "BLR"),
        ("UKR", "UA", "UKR"),
        ("ua", "UA", "UKR"),
        ("RUS", "RU", "RUS"),
    ],
)
def test_country_codes(code: str, iso2: str, iso3: str) -> None:
    assert country_iso2(code) == iso2
    assert country_iso3(code) == iso3


@pytest.mark.parametrize("code", ["XYZ", "Belarus", "B", 112, None])
def test_bad_country_codes_raise(code: object) -> None:
    with pytest.raises(GeocodeError, match="expected an ISO2 or ISO3 country code"):
        country_iso2(code)


def test_lookup_with_a_bad_country_hint_raises(gazetteer: Gazetteer) -> None:
    with pytest.raises(GeocodeError, match="expected an ISO2 or ISO3 country code, got 'XYZ'"):
        gazetteer.lookup("Kursk", "XYZ")


def test_resolve(gazetteer: Gazetteer) -> None:
    assert_place(gazetteer.resolve("Sudscha"), SUDZHA, "RUS")
    with pytest.raises(
        GeocodeError, match=r"expected one place named 'Gorodishche', got 3 candidates: Gorodishche"
    ):
        gazetteer.resolve("Gorodishche", "BLR")
    with pytest.raises(GeocodeError, match=r"expected a place named 'Kursk' in BLR, got none"):
        gazetteer.resolve("Kursk", "BLR")


def test_bad_min_population_raises() -> None:
    with pytest.raises(GeocodeError, match=r"expected min_population in \(500, 1000, 5000, 15000\), got 750"):
        Gazetteer.from_geonames(["BY"], min_population=750)


# --- building, the country fast path and the cache ----------------------------------------------------


def test_whole_gazetteer(gazetteer: Gazetteer) -> None:
    assert len(gazetteer) > 230_000
    assert gazetteer.countries is None
    assert "all countries" in repr(gazetteer)


@pytest.mark.parametrize(
    ("name", "country"),
    [
        ("Kostjukowitschy", "BLR"),
        ("Sudscha", "RUS"),
        ("Homel", "BY"),
        ("Ivanovka", "RUS"),
        ("Kharkivska oblast", None),
    ],
)
def test_country_fast_path_matches_the_whole_gazetteer(
    gazetteer: Gazetteer, regional: Gazetteer, name: str, country: str | None
) -> None:
    a, b = gazetteer.lookup(name, country or "UA"), regional.lookup(name, country or "UA")
    assert (a.status, a.geonameid, a.candidates) == (b.status, b.geonameid, b.candidates)


def test_regional_gazetteer_has_every_place_of_its_countries(
    gazetteer: Gazetteer, regional: Gazetteer
) -> None:
    assert regional.countries == frozenset({"BY", "RU", "UA"})
    whole = sum(int((gazetteer._cc == gazetteer._cc_values.index(c)).sum()) for c in ("BY", "RU", "UA"))
    assert len(regional) == whole
    assert regional.lookup("Kursk", "PL").status == "not_found"  # a country without places here
    assert regional.lookup("Minsk").geonameid == 625144  # no Mińsk Mazowiecki to compete with


def test_cache_round_trip(tmp_path: Path) -> None:
    built = Gazetteer.from_geonames(["BY"], cache_dir=tmp_path)
    files = list(tmp_path.glob("gazetteer-500-BY-*.npz"))
    assert len(files) == 1
    read = Gazetteer.from_geonames(["BY"], cache_dir=tmp_path)
    assert len(read) == len(built) and read.countries == frozenset({"BY"})
    for name in ("Kastsyukovichy", "Gorodishche", "Homelskaya voblasts", "Kostyukovici"):
        assert read.lookup(name) == built.lookup(name)


def test_unreadable_cache_is_rebuilt(tmp_path: Path) -> None:
    Gazetteer.from_geonames(["BY"], cache_dir=tmp_path)
    (cached,) = tmp_path.glob("*.npz")
    cached.write_bytes(b"not a zip file")
    assert_place(Gazetteer.from_geonames(["BY"], cache_dir=tmp_path).lookup("Homel"), GOMEL, "BLR")


def test_default_gazetteer_is_built_once(tmp_path: Path) -> None:
    first = default_gazetteer("BY", cache_dir=tmp_path)
    assert default_gazetteer(["BLR"], cache_dir=tmp_path) is first
    assert default_gazetteer("BY", cache_dir=False) is not first


# --- geocode_events -----------------------------------------------------------------------------------


def events(names: list[str | None], countries: list[str | None], **columns: object) -> pd.DataFrame:
    n = len(names)
    frame = make_events(n, location_name=names, country_iso=countries, **columns)  # type: ignore[arg-type]
    frame["lon"] = np.nan
    frame["lat"] = np.nan
    return frame


def test_geocode_events_fills_points_flags_and_issues(gazetteer: Gazetteer) -> None:
    frame = events(
        ["Kostjukowitschy", "Sudscha", "Gorodishche", "Blorptown", None],
        ["BLR", "RUS", "BLR", "RUS", "RUS"],
        flags=["latlon_swapped", None, None, None, None],
    )
    before = frame.copy()
    out, issues = geocode_events(frame, gazetteer)

    pd.testing.assert_frame_equal(frame, before)  # the input is never touched
    assert list(out.columns) == list(frame.columns)
    assert out.dtypes.equals(frame.dtypes)
    assert out.loc[0, "lat"] == pytest.approx(53.35488) and out.loc[0, "lon"] == pytest.approx(32.05128)
    assert out.loc[1, "lat"] == pytest.approx(51.191) and out.loc[1, "lon"] == pytest.approx(35.271)
    assert out[["lon", "lat"]].iloc[2:].isna().all().all()
    assert list(out["flags"].fillna("")) == ["latlon_swapped;geocoded", "geocoded", "", "", ""]
    assert list(out["geo_precision"]) == ["near", "near", "exact", "exact", "exact"]

    assert [(i.row, i.kind, i.field, i.value, i.file) for i in issues] == [
        (1, "geocoded", "location_name", "Kostjukowitschy", "events.csv"),
        (2, "geocoded", "location_name", "Sudscha", "events.csv"),
        (3, "flag", "location_name", "Gorodishche", "events.csv"),
        (4, "flag", "location_name", "Blorptown", "events.csv"),
    ]
    assert issues[0].reason == "geocoded to Kostyukovichi, BLR (53.3549, 32.0513) from GeoNames"
    assert issues[2].reason.startswith(
        "ambiguous place name: 3 candidates: Gorodishche (BLR, 53.3246, 26.0079); "
    )
    assert issues[3].reason == "place name not found in the offline gazetteer"


@pytest.mark.parametrize(
    ("stated", "name", "expected"),
    [
        (None, "Sudzha", "near"),
        ("none", "Sudzha", "near"),
        ("exact", "Sudzha", "near"),  # a town point is no exact point
        ("near", "Sudzha", "near"),
        ("admin2", "Sudzha", "admin2"),  # the source knew it less precisely: keep that
        ("admin1", "Sudzha", "admin1"),
        (None, "Sudzhanskiy rayon", "admin2"),
        ("exact", "Kursk Oblast", "admin1"),
        ("admin2", "Kursk Oblast", "admin1"),
    ],
)
def test_geocode_events_precision(gazetteer: Gazetteer, stated: str | None, name: str, expected: str) -> None:
    out, _ = geocode_events(events([name], ["RUS"], geo_precision=[stated]), gazetteer)
    assert out.loc[0, "geo_precision"] == expected


def test_geocode_events_leaves_located_rows_alone(gazetteer: Gazetteer) -> None:
    frame = make_events(3, location_name=["Sudzha", "Sudzha", "Sudzha"], country_iso="RUS")
    frame.loc[1, "lat"] = np.nan  # half a point is no point: both are looked up
    out, issues = geocode_events(frame, gazetteer)
    pd.testing.assert_frame_equal(out.drop(index=1), frame.drop(index=1))
    assert (out.loc[1, "lat"], out.loc[1, "lon"]) == pytest.approx((51.191, 35.271))
    assert [i.row for i in issues] == [2]


def test_geocode_events_uses_src_adm1(gazetteer: Gazetteer) -> None:
    frame = events(["Korenevo", "Korenevo"], ["RUS", "RUS"], src_adm1=["Kursk", None])
    out, issues = geocode_events(frame, gazetteer)
    assert out.loc[0, "lat"] == pytest.approx(KORENEVO[1])
    assert math.isnan(out.loc[1, "lat"])
    assert issues[1].reason.startswith("ambiguous place name: 2 candidates: Korenevo (RUS, 51.4106, 34.9001)")


def test_geocode_events_looks_each_distinct_name_up_once(gazetteer: Gazetteer) -> None:
    calls: list[tuple[object, ...]] = []

    class Counting(Gazetteer):
        def lookup(self, name: object, country: object = None, admin1: object = None) -> GeocodeResult:
            calls.append((name, country, admin1))
            return gazetteer.lookup(name, country, admin1)

    counting = Counting.__new__(Counting)
    frame = events(["Sudzha", "Sudzha", " Sudzha ", "Sudzha", "Kursk"], ["RUS", "RUS", "RUS", "BLR", "RUS"])
    out, issues = geocode_events(frame, counting)
    assert sorted(calls, key=str) == [
        ("Kursk", "RUS", None),
        ("Sudzha", "BLR", None),
        ("Sudzha", "RUS", None),
    ]
    assert out["lat"].notna().tolist() == [True, True, True, False, True]
    assert len(issues) == 5


def test_geocode_events_reports_a_bad_country_hint(gazetteer: Gazetteer) -> None:
    out, issues = geocode_events(events(["Sudzha"], ["XYZ"]), gazetteer)
    assert math.isnan(out.loc[0, "lat"])
    assert (issues[0].kind, issues[0].reason) == (
        "flag",
        "country_iso 'XYZ' is not an ISO2/ISO3 country code; not geocoded",
    )


def test_geocode_events_keeps_any_index(gazetteer: Gazetteer) -> None:
    frame = events(["Sudscha", "Blorptown", "Homel"], ["RUS", None, None]).set_axis([7, 7, 3])
    out, issues = geocode_events(frame, gazetteer)
    assert list(out.index) == [7, 7, 3]
    assert out["lat"].notna().tolist() == [True, False, True]
    assert [i.kind for i in issues] == ["geocoded", "flag", "geocoded"]


def test_geocode_events_with_nothing_to_do(gazetteer: Gazetteer) -> None:
    frame = make_events(2)
    out, issues = geocode_events(frame, gazetteer)
    assert issues == [] and out is not frame
    pd.testing.assert_frame_equal(out, frame)


def test_geocode_events_needs_the_event_columns(gazetteer: Gazetteer) -> None:
    with pytest.raises(
        GeocodeError, match=r"expected an events frame with columns .*, got no \['location_name'\]"
    ):
        geocode_events(make_events(1).drop(columns="location_name"), gazetteer)
