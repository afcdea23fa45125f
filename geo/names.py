"""Place and admin-unit names: transliteration, admin-term stripping and a phonetic matching key.

Three levels, from gentle to aggressive:

* :func:`normalise_name` -- readable lowercase ASCII ("Костюковичи" -> "kostyukovichi").
* :func:`name_key` -- a phonetic-ish key that collapses the usual Russian, Ukrainian, Belarusian, German,
  Polish, French and Czech transliterations of one Slavic name ("Kostjukowitschy", "Kastsyukovichy",
  "Касцюковічы" -> "kastukavihi"). Keys are for matching only, never for display.
* :func:`same_admin_name` -- do two admin names denote the same unit ("Курская область" vs "Kursk Oblast")?

:func:`district_stem` is separate on purpose: it maps adjectival district and oblast names
("Sudzhanskiy rayon", "Kharkivska oblast") to the stems of the place they are named after.
:func:`renamed` gives the current official names of a renamed Ukrainian place or raion ("Artemivsk" ->
"Bakhmut"), from the table ``data/ukraine_renames.csv`` (sources in ``data/SOURCES.md``).
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from rapidfuzz import fuzz
from unidecode import unidecode

__all__ = [
    "admin_level",
    "district_stem",
    "keys_of_normalised",
    "municipal_name",
    "name_key",
    "name_keys",
    "normalise_name",
    "normalise_names",
    "renamed",
    "same_admin_name",
    "strip_admin_terms",
]

#: fuzz.ratio on keys at or above which two admin names are taken as the same unit
ADMIN_FUZZY_THRESHOLD: Final = 90.0

# --- transliteration --------------------------------------------------------------------------------------

_RUSSIAN: Final = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya",
    # Ukrainian, Belarusian and South Slavic letters, so that any Cyrillic text gets a Latin form
    "і": "i", "ї": "yi", "є": "ye", "ґ": "g", "ў": "w", "ђ": "dj", "ј": "j", "љ": "lj", "њ": "nj",
    "ћ": "c", "џ": "dzh", "ѓ": "gj", "ќ": "kj", "ѕ": "dz", "ә": "a", "ө": "o", "ү": "u", "ң": "n",
    "ғ": "g", "қ": "k", "һ": "h",
}  # fmt: skip
_UKRAINIAN: Final = _RUSSIAN | {"г": "h", "и": "y"}
_BELARUSIAN: Final = _RUSSIAN | {"г": "h"}
_RU_TABLE: Final = str.maketrans(_RUSSIAN)
_UK_TABLE: Final = str.maketrans(_UKRAINIAN)
_BE_TABLE: Final = str.maketrans(_BELARUSIAN)
_UK_ONLY: Final = frozenset("іїєґ")
_BE_ONLY: Final = frozenset("ўыэёъ")

#: Latin letters whose decomposition would lose a distinction the key needs (č is ch, not c)
_LATIN: Final = str.maketrans({
    "č": "ch", "š": "sh", "ž": "zh", "ż": "zh", "ŭ": "w", "ł": "l", "đ": "dj", "ø": "o", "æ": "ae",
    "œ": "oe", "ß": "ss", "ı": "i", "ħ": "h", "þ": "th", "ð": "d", "ŀ": "l",
    # apostrophes and soft/hard-sign marks vanish: "Khar'kov", "oblast’", "Mahilyoŭ"
    "'": "", "’": "", "‘": "", "ʼ": "", "ʹ": "", "ʺ": "", "`": "", "´": "", "\u02bb": "",
})  # fmt: skip
_COMBINING: Final = re.compile(r"[\u0300-\u036f]+")
_CYRILLIC: Final = re.compile(r"[\u0400-\u052f]")
_UK_BE_LINE: Final = re.compile(r"[^\n]*[іїєґў][^\n]*")
_NON_ASCII: Final = re.compile(r"[^\x00-\x7f]")
_SEP: Final = "\n"
# bytes-level pass over ASCII: lower-case, every other non-alphanumeric byte a space, apostrophes deleted
_BYTES: Final = bytes(
    c + 32 if 65 <= c <= 90 else c if 48 <= c <= 57 or 97 <= c <= 122 or c == 10 else 32 for c in range(256)
)
_BYTES_DELETE: Final = b"'`"
_SPACE_RUN: Final = re.compile(rb" {2,}")


def _cyrillic_table(text: str) -> dict[int, str]:
    """Pick Ukrainian, Belarusian or Russian romanisation from the letters the text uses."""
    letters = set(text)
    if letters & _UK_ONLY and not letters & _BE_ONLY:
        return _UK_TABLE
    if "ў" in letters or ("і" in letters and letters & _BE_ONLY):
        return _BE_TABLE
    return _RU_TABLE


@functools.lru_cache(maxsize=4096)
def _ascii_char(char: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", unidecode(char).lower())


def _fold(text: str) -> str:
    """ASCII form of non-ASCII text (lines of it): Cyrillic romanised, diacritics dropped, č spelt ch."""
    text = unicodedata.normalize("NFC", text).casefold()
    if _CYRILLIC.search(text):
        # Ukrainian and Belarusian lines first (г is h, и is y), one by one; then all the rest as Russian
        text = _UK_BE_LINE.sub(lambda m: m.group().translate(_cyrillic_table(m.group())), text)
        text = text.translate(_RU_TABLE)
    text = text.translate(_LATIN)
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    if not text.isascii():
        text = _NON_ASCII.sub(lambda m: _ascii_char(m.group()), text)
    return text


def _readables(texts: Iterable[object]) -> list[str]:
    """Readable ASCII of many texts, batched: a few C-speed passes over the texts joined in one string."""
    lines = [t.replace(_SEP, " ") if isinstance(t, str) else "" for t in texts]
    if not lines:  # joined, no text and one empty text would read alike
        return []
    foreign = [i for i, line in enumerate(lines) if not line.isascii()]
    if foreign:
        folded = _fold(_SEP.join(lines[i] for i in foreign)).split(_SEP)
        for i, line in zip(foreign, folded, strict=True):
            lines[i] = line
    blob = _SEP.join(lines).encode("ascii").translate(_BYTES, _BYTES_DELETE)
    blob = _SPACE_RUN.sub(b" ", blob)
    return [line.strip(" ") for line in blob.decode("ascii").split(_SEP)]


def normalise_names(texts: Iterable[object], *, strip_admin: bool = False) -> list[str]:
    """:func:`normalise_name` of many texts."""
    if strip_admin:
        texts = [strip_admin_terms(t) for t in texts]
    return _readables(texts)


def normalise_name(text: object, *, strip_admin: bool = False) -> str:
    """Readable lowercase ASCII: "Костюковичи" -> "kostyukovichi", "Sudža" -> "sudzha".

    With ``strip_admin``, admin-type words go first ("Kursk Oblast" -> "kursk").
    """
    if text is None or not isinstance(text, str):
        return ""
    if strip_admin:
        text = strip_admin_terms(text)
    return _readables([text])[0]


# --- the phonetic key -------------------------------------------------------------------------------------

# Steps apply in order to readable text (letters, digits, single spaces, one record a line). Upper-case
# letters are placeholders: C = ч (ch, tsch, cz, tch), S = ш/ж (sh, zh, sch, sz), H = х (kh).
_Step = tuple[re.Pattern[str], str] | bytes


def _sub(pattern: str, repl: str) -> tuple[re.Pattern[str], str]:
    return re.compile(pattern), repl


def _tr(source: str, target: str) -> bytes:
    return bytes.maketrans(source.encode(), target.encode())


_KEY_STEPS: Final[tuple[_Step, ...]] = (
    _sub(r"tsch", "C"),  # German ч: Kostjukowitschy
    _sub(r"dsch", "dS"),  # German дж: Sudscha
    _sub(r"s(?:zcz|hch)", "SC"),  # Polish, English щ
    _sub(r"sch", "S"),  # German ш/ж: Schytomyr
    _sub(r"tch", "C"),  # French/English ч: Tchernigov
    _sub(r"sz", "S"),  # Polish ш
    _sub(r"[cz]z|ch", "C"),  # Polish ч; English ч and German/Polish/Czech х (both end in the h class)
    _sub(r"[zs]h", "S"),  # ж and ш are one class, since German writes both "sch"
    _sub(r"kh", "H"),
    _sub(r"k(?=t)", "H"),  # a dropped h: Shaktarsk, Shakhtarsk
    _sub(r"dj", "dS"),  # French дж: Soudja
    _sub(r"ph", "f"),
    _sub(r"th", "t"),
    _sub(r"ck", "k"),
    _sub(r"x", "ks"),
    _sub(r"tz", "ts"),
    _tr("wjq", "vyk"),  # w is v; German, Polish, Czech j is a glide
    _sub(r"ou", "u"),  # French: Koursk
    _sub(r"c(?=[eiy])", "ts"),  # Polish and Lacinka ц: Kascjukovichy
    _tr("c", "k"),
    _sub(r"([td])[sz](?=[iy][eu])", r"\1"),  # Belarusian ць/дзь for Russian ть/дь: Kastsyukovichy
    _sub(r"[iy]+(?=[aeou])", ""),  # glides: ya/ia/ja -> a, ye/ie -> e, yu/iu -> u, yo -> o
    _tr("CHgSoey", "hhhxaii"),  # ч, х, г/h one class (Kharkiv, Charkiw; Gomel, Homel); o/a; e/i/y
    _sub(r"([a-z])(?=\1)", ""),  # double letters
    # Ukrainian -iv- for Russian -ov-/-ev- at the end and before -sk, -k: Kharkiv, Kharkov; Kyiv, Kiev;
    # Artemivsk, Artemovsk; Horlivka, Gorlovka
    _sub(r"\B[ai](?=v(?:sk|k|\b))", ""),
    _sub(r" ", ""),
)


def _apply(step: _Step, blob: str) -> str:
    if isinstance(step, bytes):
        return blob.encode("ascii").translate(step).decode("ascii")
    pattern, repl = step
    return pattern.sub(repl, blob)


def name_keys(texts: Iterable[object]) -> list[str]:
    """:func:`name_key` of many texts, in one pass of each rule over the whole batch (fast)."""
    return keys_of_normalised(_readables(texts))


def keys_of_normalised(normalised: Iterable[str]) -> list[str]:
    """:func:`name_keys` of texts already through :func:`normalise_name` (skips that step)."""
    normalised = list(normalised)
    if not normalised:
        return []
    blob = _SEP.join(normalised)
    for step in _KEY_STEPS:
        blob = _apply(step, blob)
    return blob.split(_SEP)


def name_key(text: object) -> str:
    """Aggressive phonetic key: "Kostjukowitschy", "Kastsyukovichy", "Костюковичи" -> "kastukavihi"."""
    return name_keys([text])[0]


# --- admin terms ------------------------------------------------------------------------------------------

_ADMIN1_TERMS: Final = (
    "autonomous republic of", "autonomous republic", "avtonomna respublika", "автономная республика",
    "автономна республіка",
    "oblasts", "oblasti", "oblast", "obl", "voblasts", "voblastsi", "voblasc", "voblasć", "voblast", "oblys",
    "область", "обл", "вобласць", "вобл", "region", "regions", "krai", "kray", "край",
    "respublika", "republic of", "republic", "республика", "республіка", "рэспубліка",
)  # fmt: skip
_ADMIN2_TERMS: Final = (
    "municipal district", "municipal okrug", "municipal formation", "urban okrug", "urban district",
    "city district", "rural district", "administrative district", "territorial community", "urban hromada",
    "rural hromada", "settlement hromada", "городской округ", "муниципальный округ", "муниципальный район",
    "городское поселение", "сельское поселение", "территориальная громада", "територіальна громада",
    "міська громада", "сільська громада", "селищна громада", "gorodskoy okrug", "gorodskoi okrug",
    "munitsipalnyy okrug", "munitsipalnyi okrug", "munitsipal'nyy okrug", "munitsipalny okrug",
    "municipalny okrug", "raiony", "raionu", "raion", "rayonu", "rayony", "rayon", "rajonu", "rajon", "raen",
    "rayen", "district", "districts", "район", "раён", "р-н", "округ", "okrug", "okruha", "hromada",
    "громада", "municipality", "municipal", "miska hromada", "silska hromada", "selyshchna hromada",
    "miska rada", "city council", "міська рада",
)  # fmt: skip
_SETTLEMENT_TERMS: Final = (
    "special republican city", "city state administration", "state administration",
    "city of oblast significance", "city of regional significance", "city of", "city", "misto", "місто",
    "город", "горад", "gorod", "horad",
)  # fmt: skip


def _terms_re(terms: Iterable[str]) -> re.Pattern[str]:
    """Whole-word, case-insensitive alternation, longest first, eating a trailing apostrophe or dot."""
    alternatives = sorted({re.escape(t).replace(r"\ ", r"\s+") for t in terms}, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?:['’ʼ.]+|(?![\w-]))", re.IGNORECASE)


_ADMIN_RE: Final = _terms_re(_ADMIN1_TERMS + _ADMIN2_TERMS + _SETTLEMENT_TERMS)
_ADMIN1_RE: Final = _terms_re(_ADMIN1_TERMS)
_ADMIN2_RE: Final = _terms_re(_ADMIN2_TERMS)
_EMPTY_BRACKETS: Final = re.compile(r"\(\s*\)|\[\s*\]")
_SPACES: Final = re.compile(r"\s+")


def strip_admin_terms(text: object) -> str:
    """Drop admin-type words ("Oblast", "voblasts'", "район", "urban okrug", ...) and tidy the rest.

    "Kursk Oblast" -> "Kursk", "Суджанский район" -> "Суджанский". If nothing but admin words is left,
    the text comes back unchanged (trimmed), so "Region" never compares equal to "Oblast".
    """
    if text is None or not isinstance(text, str):
        return ""
    original = _SPACES.sub(" ", text).strip()
    stripped = _SPACES.sub(" ", _ADMIN_RE.sub(" ", original)).strip()
    stripped = _SPACES.sub(" ", _EMPTY_BRACKETS.sub(" ", stripped)).strip(" ,;:-/")
    return stripped if _readables([stripped])[0] else original


_MUNICIPAL_RE: Final = _terms_re(
    _SETTLEMENT_TERMS + ("municipality", "municipal", "hromada", "громада", "miska rada", "city council")
)
_RAION_RE: Final = _terms_re(("raion", "rayon", "rajon", "raen", "district", "район", "раён", "р-н"))


def municipal_name(text: object) -> bool:
    """True when the text names a city, its municipality or a hromada and no raion ("Mariupol City
    municipality", "Lymanska miska hromada", "Kharkiv city"; not "Sloviansk raion", not "Sloviansk")."""
    return isinstance(text, str) and bool(_MUNICIPAL_RE.search(text)) and not _RAION_RE.search(text)


def admin_level(text: object) -> int | None:
    """The admin level an admin word in the text names: 2 for raion/district/okrug, 1 for oblast/region."""
    if not isinstance(text, str):
        return None
    if _ADMIN2_RE.search(text):
        return 2
    if _ADMIN1_RE.search(text):
        return 1
    return None


# --- adjectival district and oblast names -----------------------------------------------------------------

# Readable ASCII endings of adjectives made from place names: Russian -skiy/-skaya/-skoye, Ukrainian
# -skyi/-ska, Belarusian -ski/-skaya, with an optional linking -an-/-en- ("Sudzh-an-skiy") before the -sk-.
_ADJ_ENDING: Final = re.compile(
    r"(?P<link>[aeiy]?n)?(?P<sk>zhsk|tsk|sk|zk|ck)"
    r"(?P<infl>aya|aia|oye|oie|oe|iyi|iy|yy|yi|ii|y|i|a|e|oy|oi|ogo|oho)$"
)
# consonants the adjective changes before -sk-: Zaporizhzhia -> Zaporizka, Kastsyukovichy -> Kastsyukovitski,
# Kaluga -> Kaluzhskaya
_ALTERNATIONS: Final = {"zk": "zh", "tsk": "ch", "ck": "ch", "zhsk": "g"}
_MIN_STEM: Final = 3
_MIN_FUZZY: Final = 5


def district_stem(text: object) -> tuple[str, ...]:
    """Candidate stems (readable ASCII) of an adjectival unit name, likeliest first; () if not adjectival.

    "Sudzhanskiy rayon" / "Sudzhansky" / "Суджанский район" -> ("sudzhansk", "sudzhan", "sudzhans", "sudzh");
    "Kurskaya oblast'" -> ("kursk", "kur", "kurs"). A stem ending in -sk is a place name as it stands
    (Kursk); the others may lack the place name's final vowel (Sudzh-a, Korenev-o, Sum-y, Odes-a).
    """
    words = normalise_name(text, strip_admin=True).split()
    match = _ADJ_ENDING.search(words[-1]) if words else None
    if match is None:
        return ()
    head, last = words[:-1], words[-1]
    sk, cut = match.group("sk"), match.start("sk")
    bases = [last[:cut]]
    if len(sk) > 2:  # the consonant may be the name's own: Brest-skaya, not Bres-tskaya
        bases.append(last[: cut + len(sk) - 2])
    stems = [last[: match.start("infl")], *bases]
    if sk in _ALTERNATIONS:
        stems.append(last[:cut] + _ALTERNATIONS[sk])
    stems += [b + "s" for b in bases if not b.endswith("s")]  # the s of the name merges: Odes(a) -> Odeska
    if match.group("link"):
        stems.append(last[: match.start("link")])
    return tuple(dict.fromkeys(" ".join([*head, s]) for s in stems if len(s) >= _MIN_STEM))


def _base_keys(readable: str) -> set[str]:
    """Keys of a place name and of the name without its final vowel (Sudzha -> sudzh, Sumy -> sum) or,
    for names in -ka, without the -ka the adjective drops (Horlivka -> horliv: Horlivska)."""
    forms = [readable]
    if len(readable) > _MIN_STEM and readable[-1] in "aeiouy":
        forms.append(readable[:-1])
    if len(readable) > _MIN_STEM + 2 and readable.endswith("ka"):
        forms.append(readable[:-2])
    if readable.endswith("vl"):  # Yaroslavl -> Yaroslavskaya
        forms.append(readable[:-1])
    keys = set(name_keys(forms))
    keys |= {k.rstrip("aiu") for k in keys}  # "zaporizhzhia" -> "zaparixa" -> "zaparix"
    return {k for k in keys if len(k) >= _MIN_STEM}


_PARENTHESES: Final = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
#: names no transliteration rule relates (readable ASCII, without admin words), and irregular adjectives
#: (Kryvyi Rih -> Kryvorizkyi: the stem the adjective takes)
_EXONYMS: Final = {
    "crimea": "krym", "krim": "krym", "moscow": "moskva", "nikolaev": "mykolaiv", "nikolayev": "mykolaiv",
    "zaporozhye": "zaporizhzhia", "zaporozhe": "zaporizhzhia", "kryvyi rih": "kryvorizh",
    "krivoy rog": "kryvorizh", "kryvyy rih": "kryvorizh", "bila tserkva": "bilotserkva",
    "stanytsia luhanska": "stanychno luhansk",
}  # fmt: skip


@dataclass(frozen=True)
class _AdminName:
    key: str  # the key of the name without admin words
    core: str  # what fuzzy matching compares: the key without an adjectival ending ("kurskaya" -> "kursk")
    bases: frozenset[str]  # keys of the name as a place name: with and without its final vowel
    stems: frozenset[str]  # keys of the stems of an adjectival name


def _with_irregular_stems(stems: tuple[str, ...]) -> tuple[str, ...]:
    """``stems`` plus those of Ukrainian adjectives that add -iv- (Polohy, Samar, Rovenky -> Polohivskyi,
    Samarivskyi, Rovenkivskyi) or drop a kh before -sk- (Volnovakha -> Volnovaskyi)."""
    more = [s[:-2] for s in stems if s.endswith("iv") and len(s) > _MIN_FUZZY]
    more += [s + "kh" for s in stems if s[-1:] in "aeiouy" and len(s) >= _MIN_FUZZY]
    return tuple(dict.fromkeys(stems + tuple(more)))


@functools.lru_cache(maxsize=8192)
def _admin_names(text: str, oblast: str | None = "", renames: bool = True) -> tuple[_AdminName, ...]:
    """The forms of an admin name to compare: as written, without a bracketed part ("Adygeya (X)"), and
    (with ``renames``) its current names if it was renamed (:func:`renamed`, in ``oblast`` if given)."""
    variants = dict.fromkeys([text, _PARENTHESES.sub(" ", text)])
    if renames:
        variants.update(dict.fromkeys(renamed(text, oblast or None)))
    out = []
    for variant in variants:
        readable = normalise_name(variant, strip_admin=True)
        readable = _EXONYMS.get(readable, readable)
        stems = _with_irregular_stems(tuple(_EXONYMS.get(stem, stem) for stem in district_stem(variant)))
        key = name_key(readable)
        if not key:
            continue
        core = name_key(stems[0]) if stems else key
        stem_keys = frozenset(k for k in name_keys(stems) if len(k) >= _MIN_STEM)
        out.append(_AdminName(key, core, frozenset(_base_keys(readable)), stem_keys))
    return tuple(out)


def _same(a: _AdminName, b: _AdminName, threshold: float) -> bool:
    if a.key == b.key:
        return True
    if min(len(a.core), len(b.core)) >= _MIN_FUZZY and fuzz.ratio(a.core, b.core) >= threshold:
        return True
    return bool(a.stems & (b.bases | b.stems) or b.stems & a.bases)


def same_admin_name(
    a: object,
    b: object,
    *,
    threshold: float = ADMIN_FUZZY_THRESHOLD,
    oblast: str | None = None,
    renames: bool = True,
) -> bool:
    """True when two admin names denote the same unit, whatever the language, admin word or official name.

    "Kursk oblast" = "Курская область" = "Kurskaya oblast'"; "Mogilev voblast" = "Mahilyow Voblasts";
    "Homel" = "Gomel Oblast"; "Sudzhanskiy rayon" = "Sudzha"; "Mariupol City municipality" = "Mariupolska
    miska hromada"; with ``renames``, a renamed unit and its new name ("Artemivsk raion" = "Bakhmutskyi
    raion", :func:`renamed`; only the renames of ``oblast`` when it is given). Missing or empty names are
    never the same. Built to avoid false mismatches, so near-homonyms (fuzz.ratio of keys >= ``threshold``,
    e.g. "Dubrovskii" and "Dubovskii") count as the same; "Kursk" and "Belgorod" never do.
    """
    if not isinstance(a, str) or not isinstance(b, str):
        return False
    names_a, names_b = _admin_names(a, oblast or "", renames), _admin_names(b, oblast or "", renames)
    return any(_same(x, y, threshold) for x in names_a for y in names_b)


# --- official renames -------------------------------------------------------------------------------------

#: Renamed Ukrainian places and raions: old_name, new_name, level, oblast, date, source (see data/SOURCES.md)
RENAMES_FILE: Final = Path(__file__).resolve().parents[1] / "data" / "ukraine_renames.csv"
_RENAME_COLUMNS: Final = ("old_name", "new_name", "level", "oblast", "date", "source")


@dataclass(frozen=True)
class _Rename:
    old: str
    new: str
    oblast: str


def _lookup_keys(text: str) -> set[str]:
    """Keys a name is looked up by in the rename table: its own, and its stem's when it is adjectival
    ("Artemivskyi raion", "Artemivsk raion" and "Artemivsk" all reach "Artemivsk")."""
    readable = normalise_name(text, strip_admin=True)
    stems = district_stem(text)
    return {k for k in name_keys([readable, *stems[:1]]) if len(k) >= _MIN_STEM}


@functools.cache
def _rename_index() -> dict[str, tuple[_Rename, ...]]:
    from geo.errors import GeoError

    try:
        with open(RENAMES_FILE, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise GeoError(f"expected the rename table at {RENAMES_FILE}, got {exc.strerror or exc}") from exc
    index: dict[str, list[_Rename]] = {}
    for line, row in enumerate(rows, start=2):
        if set(_RENAME_COLUMNS) - row.keys() or not (row["old_name"] or "").strip():
            raise GeoError(
                f"{RENAMES_FILE.name}, line {line}: expected columns {', '.join(_RENAME_COLUMNS)} with an "
                f"old_name, got {row!r}"
            )
        entry = _Rename(row["old_name"].strip(), row["new_name"].strip(), row["oblast"].strip())
        for key in _lookup_keys(entry.old):
            index.setdefault(key, []).append(entry)
    return {key: tuple(entries) for key, entries in index.items()}


@functools.lru_cache(maxsize=8192)
def renamed(name: str, oblast: str | None = None) -> tuple[str, ...]:
    """The current official names of ``name`` if it is a Ukrainian place or raion renamed since 2016
    (decommunisation, the 2022-2024 renamings), else ().

    "Krasnyi Lyman" -> ("Lyman",); "Artemivsk" or "Artemivsk raion" -> ("Bakhmut", "Bakhmutskyi raion") (the
    city and the raion named after it); "Krasnodon City municipality" -> ("Sorokyne",). With ``oblast``, only
    renames in that oblast count (two Pervomaisks).
    Spelling and transliteration do not matter ("Artemovsk", "Артемівськ").
    """
    if not isinstance(name, str):
        return ()
    index = _rename_index()
    found: dict[str, None] = {}
    for key in _lookup_keys(name):
        for entry in index.get(key, ()):
            if oblast is None or same_admin_name(entry.oblast, oblast, renames=False):
                found[entry.new] = None
    return tuple(found)
