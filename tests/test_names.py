"""Name normalisation: transliteration, phonetic keys, admin words, adjectival unit names."""

from __future__ import annotations

import pytest

from geo.names import (
    admin_level,
    district_stem,
    keys_of_normalised,
    name_key,
    name_keys,
    normalise_name,
    normalise_names,
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
