"""MGRS grid references: the Python twin of ``mgrs()`` in runtime.js (same formulas, same rounding).

lat/lon (WGS84) → UTM by the Krüger series to n⁴ (sub-millimetre inside a zone), with the Norway and
Svalbard zone exceptions → MGRS: zone, latitude band, 100 km square letters (AA scheme, the one used with
WGS84), then easting and northing truncated (not rounded) to the requested precision.
"""

from __future__ import annotations

import math
from typing import Final

BANDS: Final = "CDEFGHJKLMNPQRSTUVWX"
#: 100 km column letters by zone % 3 (sets 3/6, 1/4, 2/5).
COLUMN_SETS: Final = ("STUVWXYZ", "ABCDEFGH", "JKLMNPQR")
ROW_LETTERS: Final = "ABCDEFGHJKLMNPQRSTUV"

_A: Final = 6378137.0
_F: Final = 1 / 298.257223563
_K0: Final = 0.9996


def utm_zone(lat: float, lon: float) -> int:
    """UTM zone number of a point, with the Norway (32V) and Svalbard (31X-37X) exceptions."""
    zone = min(int(math.floor((lon + 180) / 6)) + 1, 60)
    if 56 <= lat < 64 and 3 <= lon < 12:
        zone = 32
    if 72 <= lat < 84:
        for lo, hi, z in ((0, 9, 31), (9, 21, 33), (21, 33, 35), (33, 42, 37)):
            if lo <= lon < hi:
                zone = z
    return zone


def utm(lat: float, lon: float, zone: int) -> tuple[float, float]:
    """Easting and northing (m) of a point in UTM ``zone`` (false northing 10,000 km south)."""
    n = _F / (2 - _F)
    n2, n3, n4 = n * n, n**3, n**4
    big_a = _A / (1 + n) * (1 + n2 / 4 + n4 / 64)
    alpha = (
        n / 2 - 2 * n2 / 3 + 5 * n3 / 16 + 41 * n4 / 180,
        13 * n2 / 48 - 3 * n3 / 5 + 557 * n4 / 1440,
        61 * n3 / 240 - 103 * n4 / 140,
        49561 * n4 / 161280,
    )
    phi = math.radians(lat)
    dl = math.radians(lon - (zone * 6 - 183))
    c = 2 * math.sqrt(n) / (1 + n)
    s = math.sin(phi)
    t = math.sinh(math.atanh(s) - c * math.atanh(c * s))
    xi = math.atan2(t, math.cos(dl))
    eta = math.atanh(math.sin(dl) / math.sqrt(1 + t * t))
    x, e = xi, eta
    for j, a in enumerate(alpha, start=1):
        x += a * math.sin(2 * j * xi) * math.cosh(2 * j * eta)
        e += a * math.cos(2 * j * xi) * math.sinh(2 * j * eta)
    easting = 500000 + _K0 * big_a * e
    northing = _K0 * big_a * x + (10000000 if lat < 0 else 0)
    return easting, northing


def to_mgrs(lat: float, lon: float, digits: int = 5) -> str:
    """``"36U UA 24312 91233"`` for ``digits=5`` (1 m); ``""`` outside -80..84 (polar: UPS, not handled)."""
    if not (-80 <= lat <= 84) or not math.isfinite(lon):
        return ""
    if not 0 <= digits <= 5:
        raise ValueError(f"expected 0-5 digits per axis, got {digits}")
    lon = ((lon + 180) % 360 + 360) % 360 - 180
    zone = utm_zone(lat, lon)
    easting, northing = utm(lat, lon, zone)
    band = BANDS[min(int(math.floor((lat + 80) / 8)), 19)]
    e100, n100 = int(math.floor(easting / 100000)), int(math.floor(northing / 100000))
    column = COLUMN_SETS[zone % 3][e100 - 1]
    row = ROW_LETTERS[(n100 + (5 if zone % 2 == 0 else 0)) % 20]
    div = 10 ** (5 - digits)
    e = int(math.floor((easting - e100 * 100000) / div))
    n = int(math.floor((northing - n100 * 100000) / div))
    grid = f" {e:0{digits}d} {n:0{digits}d}" if digits else ""
    return f"{zone}{band} {column}{row}{grid}"
