"""The event model: one record per event, as a (Geo)DataFrame with these columns.

Every reader in :mod:`geo.io` returns a frame with exactly :data:`EVENT_COLUMNS` (plus nothing else),
so validation, geocoding, the join and the store see one shape whatever the source format.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa

CRS: Final = "EPSG:4326"

CATEGORIES: Final = (
    "deployment",
    "airspace_incident",
    "strike",
    "ground_combat",
    "territorial_change",
    "statement",
    "other",
)
VERIFICATION: Final = ("confirmed", "reported", "claimed", "disputed")
GEO_PRECISION: Final = ("exact", "near", "admin2", "admin1", "country", "none")
#: How every map (live, static, slide, HTML) draws an event of each geo precision, the one rule they share:
#: ``point`` a symbol at the point; ``near`` the symbol plus an outer ring (within a few km); ``unit`` the symbol
#: at the admin unit's label point plus the unit's thin outline, dashed as the verification, never a fill;
#: ``callout`` (known only to the country) a box naming the country, no point and no ring; ``none`` not drawn.
PRECISION_DRAWING: Final[dict[str, str]] = {
    "exact": "point",
    "near": "near",
    "admin2": "unit",
    "admin1": "unit",
    "country": "callout",
    "none": "none",
}


def precision_drawing(precision: object) -> str:
    """How a map draws an event of geo ``precision`` (:data:`PRECISION_DRAWING`; an unknown value: ``near``,
    the geocoder's own default)."""
    return PRECISION_DRAWING.get(str(precision).strip().lower(), "near")
TIME_PRECISION: Final = ("day", "week", "month", "year")

#: Canonical columns and their pandas dtypes (dates are ``datetime64[ns]`` at midnight, naive = UTC day).
EVENT_DTYPES: Final[dict[str, str]] = {
    "id": "string",
    "title": "string",
    "description": "string",
    "category": "string",
    "subcategory": "string",
    "actors": "string",  # "; "-separated
    "date_start": "datetime64[ns]",
    "date_end": "datetime64[ns]",  # NaT = same day as date_start
    "time_precision": "string",
    "lon": "float64",
    "lat": "float64",
    "geo_precision": "string",
    "location_name": "string",
    "country_iso": "string",  # the country the source declares (ISO3), a hint for swaps and geocoding
    "src_adm1": "string",  # admin units named by the source itself (ACLED admin1/admin2, UCDP adm_1/adm_2)
    "src_adm2": "string",
    "verification": "string",
    "equipment": "string",
    "unit": "string",
    "source_name": "string",
    "source_url": "string",
    "source_date": "datetime64[ns]",
    "fatalities": "Int64",
    "fatalities_low": "Int64",
    "fatalities_high": "Int64",
    "flags": "string",  # ";"-separated machine flags, e.g. "latlon_swapped;geocoded;possible_duplicate"
    "possible_duplicate_of": "string",  # id of the earlier event this one may repeat (see geo.validate)
    "import_file": "string",
    "import_sha256": "string",
    "import_row": "Int64",  # 1-based data row in the source file (header not counted)
    "import_time": "datetime64[ns]",
}
EVENT_COLUMNS: Final = tuple(EVENT_DTYPES)

#: Columns the admin join adds (see :mod:`geo.join`). Names are categoricals: few distinct values, 1M rows.
JOIN_DTYPES: Final[dict[str, str]] = {
    "adm0_iso": "category",
    "adm0_name": "category",
    "adm1_id": "category",
    "adm1_name": "category",
    "adm1_local": "category",  # local-script name (Cyrillic) where the boundary layer has one
    "adm2_id": "category",
    "adm2_name": "category",
    "adm2_local": "category",
    "adm2_2020_id": "category",  # second vintage (Ukraine): the raion after the July 2020 reform
    "adm2_2020_name": "category",
    "adm3_id": "category",  # second vintage (Ukraine): the hromada
    "adm3_name": "category",
    "adm0_disputed": "category",  # e.g. "RUS UKR" when the point lies in territory both layers claim
    "join_method": "category",  # within | nearest | none
    "join_distance_km": "float64",
    "border_district": "boolean",
    "border_distance_km": "float64",
    "border_pair": "category",  # e.g. "BLR-UKR"
    "admin_mismatch": "string",  # "" or e.g. "adm1: source 'Kursk' vs joined 'Belgorod Oblast'" (adm0/adm1/adm2)
    "src_adm2_vintage": "category",  # the layer src_adm2 matched: pre-2020 | 2020 | hromada | adm2 | ""
    "admin_hierarchy": "string",  # "" or e.g. "adm2 'Shakhtarsk' lies in 'Donetsk Oblast', the point in ..."
}
JOIN_COLUMNS: Final = tuple(JOIN_DTYPES)


@dataclass(frozen=True)
class RowIssue:
    """One problem with one row: a rejection (row dropped) or a flag (row kept, marked)."""

    file: str
    row: int
    field: str
    value: str
    reason: str
    kind: str = "reject"  # reject | flag | duplicate | possible_duplicate | geocoded | swap | mismatch

    def __str__(self) -> str:
        return f"{self.file}, row {self.row}, field {self.field!r}: {self.reason} (value {self.value!r})"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _missing(n: int, dtype: str) -> object:
    """``n`` missing values of ``dtype``, built without a per-value step."""
    if dtype.startswith("datetime"):
        return np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    if dtype == "float64":
        return np.full(n, np.nan)
    if dtype == "string":
        return pd.array(pa.nulls(n, pa.large_string()), dtype="string")
    if dtype == "Int64":
        return pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))
    return pd.Series(index=pd.RangeIndex(n), dtype=dtype).array


def empty_events(n: int = 0) -> pd.DataFrame:
    """A frame of ``n`` rows with every canonical column, all missing."""
    return pd.DataFrame({col: _missing(n, dtype) for col, dtype in EVENT_DTYPES.items()}, index=pd.RangeIndex(n))


def _as_dtype(values: pd.Series, dtype: str) -> object:
    if dtype.startswith("datetime"):
        if values.dtype == dtype:
            return values.to_numpy()
        return pd.to_datetime(values, errors="coerce").astype("datetime64[ns]").to_numpy()
    if dtype == "float64":
        return pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    if dtype == "Int64":
        if values.dtype == "Int64":
            return values.array
        return pd.to_numeric(values, errors="coerce").round().astype("Int64").array
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.na_value is pd.NA:
        return values.array
    return values.astype("string").array


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a frame with exactly the canonical columns (missing ones added empty) in canonical dtypes
    (columns already in their dtype are shared, not copied: pandas copies on write)."""
    n = len(frame)
    data = {
        col: _as_dtype(frame[col], dtype) if col in frame.columns else _missing(n, dtype)
        for col, dtype in EVENT_DTYPES.items()
    }
    return pd.DataFrame(data, index=pd.RangeIndex(n))


def take_rows(frame: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    """The rows at ``positions`` (a new RangeIndex); columns missing throughout are rebuilt, not gathered,
    and Arrow-backed text is gathered by Arrow directly (several times faster than through pandas)."""
    if type(frame) is not pd.DataFrame:  # e.g. a GeoDataFrame: keep its class
        return frame.iloc[positions].reset_index(drop=True)
    n = len(positions)
    indices = pa.array(np.asarray(positions, dtype=np.int64))
    data: dict[str, object] = {}
    for col in frame.columns:
        values = frame[col]
        dtype = str(values.dtype)
        if dtype in ("string", "Int64", "float64", "datetime64[ns]") and values.count() == 0:
            data[col] = _missing(n, dtype)
        elif isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
            data[col] = pd.array(pa.array(values.array).take(indices), dtype=values.dtype)
        else:
            data[col] = values.array.take(positions)
    return pd.DataFrame(data, index=pd.RangeIndex(n))


# --- vocabularies -------------------------------------------------------------------------------------

_VERIFICATION_WORDS: Final = {
    "confirmed": "confirmed",
    "verified": "confirmed",
    "official": "confirmed",
    "reported": "reported",
    "report": "reported",
    "unverified": "reported",
    "claimed": "claimed",
    "claim": "claimed",
    "alleged": "claimed",
    "allegedly": "claimed",
    "purported": "claimed",
    "présumé": "claimed",
    "presume": "claimed",
    "prétendument": "claimed",
    "disputed": "disputed",
    "contested": "disputed",
    "denied": "disputed",
}


def normalise_verification(value: object, default: str = "reported") -> str | None:
    """Map free text ("Alleged", "verified", ...) to a verification status; None if unknown."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return default
    text = str(value).strip().lower()
    if not text:
        return default
    return _VERIFICATION_WORDS.get(text)


_CATEGORY_WORDS: Final = {
    "deployment": "deployment",
    "troop deployment": "deployment",
    "headquarters or base established": "deployment",
    "airspace_incident": "airspace_incident",
    "airspace incident": "airspace_incident",
    "airspace incursion": "airspace_incident",
    "incursion": "airspace_incident",
    "strike": "strike",
    "air/drone strike": "strike",
    "shelling/artillery/missile attack": "strike",
    "explosions/remote violence": "strike",
    "remote explosive/landmine/ied": "strike",
    "ground_combat": "ground_combat",
    "ground combat": "ground_combat",
    "battles": "ground_combat",
    "armed clash": "ground_combat",
    "territorial_change": "territorial_change",
    "territorial change": "territorial_change",
    "government regains territory": "territorial_change",
    "non-state actor overtakes territory": "territorial_change",
    "non-violent transfer of territory": "territorial_change",
    "statement": "statement",
    "strategic developments": "other",
    "other": "other",
}


def normalise_category(value: object) -> str | None:
    """Map a category or an ACLED event/sub-event type to a category; None if unknown."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "other"
    text = str(value).strip().lower()
    if not text:
        return "other"
    return _CATEGORY_WORDS.get(text)


#: ACLED geo_precision → geo precision
ACLED_GEO_PRECISION: Final = {1: "exact", 2: "near", 3: "admin1"}
#: ACLED time_precision → time precision
ACLED_TIME_PRECISION: Final = {1: "day", 2: "week", 3: "month"}
#: UCDP GED where_prec → geo precision (5: larger than ADM1, 7: water/airspace: no honest point)
UCDP_WHERE_PREC: Final = {1: "exact", 2: "near", 3: "admin2", 4: "admin1", 5: "country", 6: "country", 7: "country"}
#: UCDP GED date_prec → time precision
UCDP_DATE_PREC: Final = {1: "day", 2: "week", 3: "week", 4: "month", 5: "year"}
#: VIINA GEO_PRECISION → geo precision
VIINA_GEO_PRECISION: Final = {
    "STREET": "exact",
    "ADDRESS": "exact",
    "POINT": "exact",
    "CITY": "near",
    "LOCALITY": "near",
    "ADM3": "near",
    "ADM2": "admin2",
    "ADM1": "admin1",
    "COUNTRY": "country",
}


def stable_id(prefix: str, *parts: object) -> str:
    """A short stable id from the content that identifies an event (same input, same id)."""
    text = "\x1f".join("" if p is None or p is pd.NA else str(p) for p in parts)
    return f"{prefix}-{hashlib.sha1(text.encode('utf-8')).hexdigest()[:16]}"


_ID_SAFE = re.compile(r"[^A-Za-z0-9_.:-]+")


def source_id(prefix: str, value: object) -> str:
    """An id built from the source's own id (e.g. ACLED event_id_cnty), namespaced by format."""
    return f"{prefix}:{_ID_SAFE.sub('_', str(value).strip())}"
