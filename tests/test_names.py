"""Name normalisation: transliteration, phonetic keys, admin words, adjectival unit names."""

from __future__ import annotations

import pytest

from geo.names import (
    RENAMES_FILE,
    admin_level,
    district_stem,
    keys_of_normalised,
    municipal_name,
    name_key,
    name_keys,
    normalise_name,
    normalise_names,
    renamed,
    same_admin_name,
    strip_admin_terms,
)

# --- normalise_name -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Костюковичи", "kostyukovichi"),
        ("Касцюковічы", "kastsyukovichy"),  # Belarusian: і and ы
        ("Харків", "kharkiv"),  # Ukrainian: г/х, і
        ("Київ", "kyyiv"),  # Ukrainian и is y, ї is yi
        ("Магілёў", "mahilyow"),  # Belarusian г is h, ў is w
        ("Гомель", "gomel"),  # no Ukrainian or Belarusian letter: Russian romanisation
        ("Sudža", "sudzha"),  # č, š, ž keep their h
        ("Łódź", "lodz"),
        ("  Khar'kov  -- city ", "kharkov city"),
        ("Ryl’sk", "rylsk"),  # apostrophes join, never split
        ("KURSK", "kursk"),
        ("a\nb", "a b"),
        ("", ""),
        (None, ""),
        (42, ""),
    ],
)
def test_normalise_name(text: object, expected: str) -> None:
    assert normalise_name(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Kursk Oblast", "kursk"), ("Курская область", "kurskaya"), ("Kostyukovichi district", "kostyukovichi")],
)
def test_normalise_name_strips_admin_words_on_request(text: str, expected: str) -> None:
    assert normalise_name(text, strip_admin=True) == expected
    assert normalise_name(text) != expected


def test_normalise_names_is_normalise_name_of_each() -> None:
    texts = ["Костюковичи", None, "Sudža", "Kursk Oblast", "Ҳакодате", ""]
    assert normalise_names(texts) == [normalise_name(t) for t in texts]
    assert normalise_names(texts, strip_admin=True) == [normalise_name(t, strip_admin=True) for t in texts]


# --- name_key -----------------------------------------------------------------------------------------

SAME_PLACE = {
    "Kostyukovichi": [
        "Kostyukovichi", "Kastsyukovichy", "Kostjukowitschy", "Kostiukovychi", "Костюковичи", "Касцюковічы",
        "Kascjukovičy", "Kostjukovichi",
    ],
    "Sudzha": ["Sudzha", "Sudscha", "Sudža", "Суджа", "Sudsha", "Soudja"],
    "Gomel": ["Gomel", "Homel", "Homiel", "Гомель", "Homiel'"],
    "Kharkiv": ["Kharkiv", "Kharkov", "Charkiw", "Харків", "Харьков", "Charków", "Khar'kov"],
    "Kursk": ["Kursk", "Koursk", "Курск", "KURSK"],
    "Mogilev": ["Mogilev", "Mahilyow", "Магілёў", "Могилёв", "Mogilyov", "Mahiloŭ"],
    "Kyiv": ["Kyiv", "Kiev", "Київ", "Киев", "Kijiw"],
    "Vinnytsia": ["Vinnytsia", "Vinnitsa", "Вінниця", "Винница"],
    "Chernihiv": ["Chernihiv", "Chernigov", "Tschernihiw", "Чернігів"],
    "Zhytomyr": ["Zhytomyr", "Schytomyr", "Житомир"],
}  # fmt: skip


@pytest.mark.parametrize("place", sorted(SAME_PLACE))
def test_transliterations_of_one_name_share_a_key(place: str) -> None:
    keys = {variant: name_key(variant) for variant in SAME_PLACE[place]}
    assert len(set(keys.values())) == 1, keys


@pytest.mark.parametrize(
    ("text", "key"),
    [("Kostjukowitschy", "kastukavihi"), ("Sudscha", "sudxa"), ("Homel", "hamil"), ("Charkiw", "harkv")],
)
def test_name_key_values(text: str, key: str) -> None:
    assert name_key(text) == key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Kursk", "Belgorod"),
        ("Kursk", "Kharkiv"),
        ("Sumy", "Sudzha"),
        ("Gomel", "Mogilev"),
        ("Bryansk", "Brest"),
    ],
)
def test_different_places_have_different_keys(a: str, b: str) -> None:
    assert name_key(a) != name_key(b)


def test_name_keys_batch_equals_one_by_one() -> None:
    texts = [v for variants in SAME_PLACE.values() for v in variants] + [None, "", "x\ny", "Ҳакодате", "ÀÉ"]
    assert name_keys(texts) == [name_key(t) for t in texts]
    assert keys_of_normalised(normalise_names(texts)) == name_keys(texts)
    assert name_key(None) == name_key("") == ""


@pytest.mark.parametrize("batch", [[], [""], ["", ""]])
def test_a_batch_has_one_key_per_text_even_when_empty(batch) -> None:
    assert name_keys(batch) == [""] * len(batch)
    assert keys_of_normalised(normalise_names(batch)) == [""] * len(batch)
    assert normalise_names(batch) == [""] * len(batch)


# --- admin words --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kursk Oblast", "Kursk"),
        ("Kursk oblast'", "Kursk"),
        ("Kursk oblast’", "Kursk"),
        ("Kursk obl.", "Kursk"),
        ("obl. Kursk", "Kursk"),
        ("Mogilev voblast", "Mogilev"),
        ("Mahilyow Voblasts", "Mahilyow"),
        ("Voblasc Homel", "Homel"),
        ("Курская область", "Курская"),
        ("Гомельская вобласць", "Гомельская"),
        ("Kostyukovichi raion", "Kostyukovichi"),
        ("Kostyukovichi rayon", "Kostyukovichi"),
        ("Kostyukovichi rajon", "Kostyukovichi"),
        ("Kostyukovichi district", "Kostyukovichi"),
        ("Суджанский район", "Суджанский"),
        ("Суджанский р-н", "Суджанский"),
        ("Касцюковіцкі раён", "Касцюковіцкі"),
        ("Sudzha municipal district", "Sudzha"),
        ("Kursk urban okrug", "Kursk"),
        ("Городской округ Курск", "Курск"),
        ("Муниципальный округ Суджа", "Суджа"),
        ("Kursk Region", "Kursk"),
        ("Krasnodar Krai", "Krasnodar"),
        ("Respublika Krym", "Krym"),
        ("Republic of Crimea", "Crimea"),
        ("Autonomous Republic of Crimea", "Crimea"),
        ("Kiev Special Republican city", "Kiev"),
        ("Sevastopol City State Administration", "Sevastopol"),
        ("Mariupol City municipality", "Mariupol"),
        ("Lymanska miska hromada", "Lymanska"),
        ("Bakhmut city of oblast significance", "Bakhmut"),
        ("Gomel Oblast (BY)", "Gomel (BY)"),
        ("Oblastnaya", "Oblastnaya"),  # whole words only
        ("Rayonnyy", "Rayonnyy"),
        ("Oblast", "Oblast"),  # nothing but admin words: unchanged
        ("Region", "Region"),
        (None, ""),
    ],
)
def test_strip_admin_terms(text: object, expected: str) -> None:
    assert strip_admin_terms(text) == expected


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("Kursk Oblast", 1),
        ("Гомельская вобласць", 1),
        ("Krasnodar Krai", 1),
        ("Sudzhanskiy rayon", 2),
        ("Kursk urban okrug", 2),
        ("Kursk Oblast, Sudzhanskiy rayon", 2),
        ("Sudzha", None),
        ("Kursk city", None),
        (None, None),
    ],
)
def test_admin_level(text: object, level: int | None) -> None:
    assert admin_level(text) == level


# --- adjectival unit names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "stems"),
    [
        ("Sudzhanskiy rayon", ("sudzhansk", "sudzhan", "sudzhans", "sudzh")),
        ("Sudzhansky", ("sudzhansk", "sudzhan", "sudzhans", "sudzh")),
        ("Суджанский район", ("sudzhansk", "sudzhan", "sudzhans", "sudzh")),
        ("Kurskaya oblast'", ("kursk", "kur", "kurs")),
        ("Kharkivska oblast", ("kharkivsk", "kharkiv", "kharkivs")),
        ("Brestskaya voblasts", ("brestsk", "bres", "brest", "bresch", "brests")),
        ("Zaporizka oblast", ("zaporizk", "zapori", "zaporizh", "zaporis")),
        ("Sudzha", ()),
        ("Kursk Oblast", ()),
        ("", ()),
        (None, ()),
    ],
)
def test_district_stem(text: object, stems: tuple[str, ...]) -> None:
    assert district_stem(text) == stems


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Kursk oblast", "Kursk Oblast"),
        ("Kursk Oblast", "Курская область"),
        ("Kursk Oblast", "Kurskaya oblast'"),
        ("Курская область", "Kurskaya oblast’"),
        ("Mogilev voblast", "Mahilyow Voblasts"),
        ("Mogilev voblast", "Mogilev Oblast"),
        ("Mahilyow Voblasts", "Магілёўская вобласць"),
        ("Homel", "Gomel Oblast"),
        ("Gomel Oblast", "Гомельская вобласць"),
        ("Sudzhanskiy rayon", "Sudzhansky"),
        ("Sudzhanskiy rayon", "Суджанский район"),
        ("Sudzhanskiy rayon", "Sudzha"),
        ("Sudzhansky District", "Sudzha municipal district"),
        ("Kostyukovichi district", "Касцюковіцкі раён"),
        ("Kharkivska oblast", "Kharkiv Oblast"),
        ("Сумська область", "Sumy Oblast"),
        ("Zaporizka oblast", "Zaporizhzhia Oblast"),
        ("Vitsyebskaya voblasts", "Vitebsk Oblast"),
        ("Kyiv Oblast", "Kiev Oblast"),
        ("Luhansk Oblast", "Luganskaya oblast"),
    ],
)
def test_same_admin_name(a: str, b: str) -> None:
    assert same_admin_name(a, b)
    assert same_admin_name(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Kursk", "Belgorod"),
        ("Kursk Oblast", "Belgorod Oblast"),
        ("Kurskaya oblast", "Belgorodskaya oblast"),
        ("Kursk Oblast", "Bryansk Oblast"),
        ("Gomel Oblast", "Mogilev Oblast"),
        ("Sudzhanskiy rayon", "Korenevskiy rayon"),
        ("Sumy Oblast", "Sudzha"),
        ("Donetsk Oblast", "Luhansk Oblast"),
        ("Kharkiv", "Kherson"),
        ("Oblast", "Region"),
        ("Kursk", ""),
        ("Kursk", None),
        (None, None),
    ],
)
def test_different_admin_names(a: object, b: object) -> None:
    assert not same_admin_name(a, b)
    assert not same_admin_name(b, a)


# --- Ukrainian units across transliterations, vintages and official renames -----------------------------

UKRAINE_SAME = [
    # transliterations
    ("Kiev", "Kyiv"),
    ("Zaporizhzhya oblast", "Zaporizhzhia Oblast"),
    ("Zaporozhye", "Zaporizhzhia"),
    ("Dnepropetrovsk Oblast", "Dnipropetrovsk Oblast"),
    ("Lugansk", "Luhansk"),
    ("Kharkov", "Kharkiv"),
    ("Nikolaev oblast", "Mykolaiv Oblast"),
    ("Mykolayiv raion", "Mykolaivskyi raion"),
    ("Chernigov", "Chernihiv"),
    ("Odessa raion", "Odeskyi raion"),
    ("Gorlovka", "Horlivka"),
    ("Izyum raion", "Iziumskyi raion"),
    ("Shaktarsk raion", "Shakhtarsk"),  # GED's spelling
    ("Artemovsk", "Artemivsk"),
    # admin words and city units
    ("Kiev Special Republican city", "Kyiv"),
    ("Autonomous Republic of Crimea", "Crimea"),
    ("Sevastopol City State Administration", "Sevastopol"),
    ("Mariupol City municipality", "Mariupolska miska hromada"),
    ("Horlivka City municipality", "Horlivska miska hromada"),  # -ka drops before -ska
    ("Avdiivka city municipality", "Avdiivska miska hromada"),
    ("Sloviansk city", "Slovianska miska hromada"),
    ("Sloviansk city of oblast significance", "Sloviansk"),
    # the names of the 2020 raions
    ("Kramatorsk raion", "Kramatorskyi raion"),
    ("Volnovakha Raion", "Volnovaskyi raion"),  # kh drops before -sk
    ("Polohy raion", "Polohivskyi raion"),  # -iv- added
    ("Rovenky raion", "Rovenkivskyi raion"),
    ("Kryvyi Rih raion", "Kryvorizkyi raion"),  # irregular adjective
    ("Bila Tserkva Raion", "Bilotserkivskyi raion"),
    ("Stanychno-Luhansk raion", "Stanytsia-Luhanska"),
    ("Zaporizhzhia raion", "Zaporizkyi raion"),
    # official renames (data/ukraine_renames.csv)
    ("Artemivsk raion", "Bakhmut"),
    ("Artemivskyi raion", "Bakhmutskyi raion"),
    ("Krasnoarmiisk", "Pokrovsk"),
    ("Krasnoarmiiskyi raion", "Pokrovskyi raion"),
    ("Dzerzhynsk", "Toretsk"),
    ("Krasnodon raion", "Sorokyne"),
    ("Telmanove raion", "Boikivske"),
    ("Sverdlovsk City municipality", "Dovzhanska miska hromada"),
    ("Stakhaniv City municipality", "Kadiivska miska hromada"),
    ("Krasnyi Lyman City municipality", "Lymanska miska hromada"),
    ("Dnipropetrovsk", "Dnipro"),
    ("Kirovohrad", "Kropyvnytskyi"),
    ("Illichivsk", "Chornomorsk"),
    ("Komsomolsk", "Horishni Plavni"),
    ("Krasnyi Luch", "Khrustalnyi"),
    ("Volodarskyi raion", "Nikolske"),
    ("Shchorskyi raion", "Snovsk"),
    ("Kotovskyi raion", "Podilskyi raion"),
    ("Novohrad-Volynskyi", "Zviahel"),
    ("Novomoskovsk raion", "Samarivskyi raion"),
    ("Severodonetsk raion", "Siverskodonetskyi raion"),
    ("Артемівськ", "Bakhmut"),
]


@pytest.mark.parametrize(("a", "b"), UKRAINE_SAME)
def test_ukrainian_units_match_across_spellings_vintages_and_renames(a: str, b: str) -> None:
    assert same_admin_name(a, b)
    assert same_admin_name(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Kursk", "Belgorod"),
        ("Bakhmut", "Pokrovsk"),
        ("Bakhmutskyi raion", "Pokrovskyi raion"),
        ("Artemivsk", "Pokrovsk"),  # a renamed place is its new name, not any renamed place's
        ("Krasnodon", "Dovzhansk"),
        ("Telmanove raion", "Volnovakha"),
        ("Kramatorskyi raion", "Slovianskyi raion"),
        ("Sloviansk raion", "Kramatorsk"),
        ("Horlivka City municipality", "Yenakiievska miska hromada"),
        ("Mariupol City municipality", "Manhush"),
        ("Donetsk City municipality", "Starobesheve"),
        ("Luhansk City municipality", "Stanytsia-Luhanska"),
        ("Yasynuvata raion", "Pokrovsk"),
        ("Amvrosiivka raion", "Shakhtarsk"),
        ("Petrivka", "Pavlivka"),
        ("Donetsk Oblast", "Luhansk Oblast"),
    ],
)
def test_different_ukrainian_units_do_not_match(a: str, b: str) -> None:
    assert not same_admin_name(a, b)
    assert not same_admin_name(b, a)


def test_renames_can_be_switched_off() -> None:
    assert same_admin_name("Artemivsk raion", "Bakhmutskyi raion")
    assert not same_admin_name("Artemivsk raion", "Bakhmutskyi raion", renames=False)


@pytest.mark.parametrize(
    ("name", "oblast", "expected"),
    [
        ("Artemivsk", None, ("Bakhmut", "Bakhmutskyi raion")),  # the city and the raion named after it
        ("Artemivsk raion", None, ("Bakhmut", "Bakhmutskyi raion")),
        ("Krasnyi Lyman", None, ("Lyman",)),
        ("Artemovsk", None, ("Bakhmut", "Bakhmutskyi raion")),
        ("Krasnodon City municipality", "Luhansk Oblast", ("Sorokyne",)),
        ("Pervomaisk", "Luhansk Oblast", ("Sokolohirsk",)),
        ("Pervomaisk", "Mykolaiv Oblast", ()),  # the Pervomaisk of Mykolaiv oblast kept its name
        ("Artemivsk", "Luhansk Oblast", ()),
        ("Bakhmut", None, ()),
        ("Kramatorsk raion", None, ()),
        ("", None, ()),
    ],
)
def test_renamed(name: str, oblast: str | None, expected: tuple[str, ...]) -> None:
    assert renamed(name, oblast) == expected


def test_rename_table_is_data_with_a_source_for_every_row() -> None:
    import csv

    with open(RENAMES_FILE, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= 40
    assert all(r["old_name"] and r["new_name"] and r["oblast"] and r["date"] for r in rows)
    assert all("Verkhovna Rada resolution" in r["source"] for r in rows)
    assert {r["level"] for r in rows} <= {"city", "settlement", "raion", "raion-2020"}
    bakhmut = next(r for r in rows if r["old_name"] == "Artemivsk")
    assert bakhmut["new_name"] == "Bakhmut" and "984-VIII" in bakhmut["source"]
    # every old name reaches its new one through renamed()
    assert all(r["new_name"] in renamed(r["old_name"], r["oblast"]) for r in rows)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mariupol City municipality", True),
        ("Avdiivka city municipality", True),
        ("Lymanska miska hromada", True),
        ("Kiev Special Republican city", True),
        ("Sloviansk raion", False),
        ("Kramatorskyi raion", False),
        ("Sloviansk", False),
        (None, False),
    ],
)
def test_municipal_name(text: object, expected: bool) -> None:
    assert municipal_name(text) is expected
