"""Small boundary fixtures built in code, and a real HTTP server on 127.0.0.1 to serve them.

``write_gbopen_mirror`` writes a tiny mirror in the gbOpen layout (``{ISO3}/ADM{n}/index.json`` naming
relative GeoJSON files) for two fake countries: AAA (ODbL, OpenStreetMap) and BBB (CC BY-SA). It has a
name with a trailing TAB and a self-intersecting "bowtie" polygon, as real data does.
"""

from __future__ import annotations

import functools
import json
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import mapping

from geo.boundaries import Boundaries

#: Features per fake layer: (shapeName, shapeName_local, shapeISO, shapeID, geometry)
Feature = tuple[str, str, str, str, shapely.Geometry]


def shared_geodata_dir() -> Path:
    """The real boundary mirror: ``$GEO_SHARED_DIR`` or ``../shared/geodata`` next to the repository."""
    env = os.environ.get("GEO_SHARED_DIR", "").strip()
    return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "geodata"


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(x0, y0, x1, y1)


#: A bowtie: the ring crosses itself at (1.5, 0.5); make_valid turns it into two triangles.
BOWTIE = shapely.Polygon([(1, 0), (2, 1), (2, 0), (1, 1), (1, 0)])

FAKE_LAYERS: dict[str, dict[int, list[Feature]]] = {
    "AAA": {
        0: [("Aland", "Аланд", "AAA", "AAA-ADM0-1", box(0, 0, 2, 2))],
        1: [
            ("North Oblast", "Северная область", "AA-N", "AAA-ADM1-1", box(0, 1, 2, 2)),
            ("South Oblast", "Южная область", "AA-S", "AAA-ADM1-2", box(0, 0, 2, 1)),
        ],
        2: [
            ("Alpha\t", "Альфа", "", "AAA-ADM2-1", box(0, 1, 1, 2)),  # trailing TAB, as in UKR ADM2
            ("Beta", "Бета", "", "AAA-ADM2-2", box(1, 1, 2, 2)),
            ("Gamma", "Гамма", "", "AAA-ADM2-3", box(0, 0, 1, 1)),
            ("Delta", "", "", "AAA-ADM2-4", BOWTIE),  # invalid: self-intersecting ring
        ],
    },
    "BBB": {
        0: [("Bland", "", "BBB", "BBB-ADM0-1", box(2, 0, 4, 2))],
        1: [("Only Region", "", "BB-O", "BBB-ADM1-1", box(2, 0, 4, 2))],
        2: [
            ("East", "", "", "BBB-ADM2-1", box(3, 0, 4, 2)),
            ("West", "", "", "BBB-ADM2-2", box(2, 0, 3, 2)),
        ],
    },
}

FAKE_META: dict[str, dict[str, str]] = {
    "AAA": {"boundaryLicense": "ODbL 1.0", "boundarySource": "geoBoundaries (OpenStreetMap)"},
    "BBB": {"boundaryLicense": "CC BY-SA 4.0", "boundarySource": "geoBoundaries (Ministry of Tests of BBB)"},
}


def geojson_text(features: list[Feature], iso3: str, level: int) -> str:
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "shapeName": name,
                    "shapeName_local": local,
                    "shapeISO": iso,
                    "shapeID": sid,
                    "shapeGroup": iso3,
                    "shapeType": f"ADM{level}",
                },
                "geometry": mapping(geom),
            }
            for name, local, iso, sid, geom in features
        ],
    }
    return json.dumps(collection, ensure_ascii=False)


def index_record(iso3: str, level: int, count: int, file_name: str) -> dict[str, Any]:
    """An index.json shaped like the geoBoundaries API answer (file names relative to the index)."""
    return {
        "boundaryISO": iso3,
        "boundaryType": f"ADM{level}",
        "boundaryYearRepresented": "2020",
        "featureCount": count,
        **FAKE_META[iso3],
        "simplifiedGeometryGeoJSON": file_name,
        "gjDownloadURL": f"geoBoundaries-{iso3}-ADM{level}.geojson",  # not written: the simplified one wins
        "tjDownloadURL": f"geoBoundaries-{iso3}-ADM{level}.topojson",
    }


def write_gbopen_mirror(root: Path) -> Path:
    """Write the fake countries into ``root`` in the gbOpen layout; return ``root``."""
    for iso3, levels in FAKE_LAYERS.items():
        for level, features in levels.items():
            folder = root / iso3 / f"ADM{level}"
            folder.mkdir(parents=True, exist_ok=True)
            name = f"geoBoundaries-{iso3}-ADM{level}_simplified.geojson"
            (folder / name).write_text(geojson_text(features, iso3, level), encoding="utf-8")
            write_index(folder, index_record(iso3, level, len(features), name))
    return root


def write_index(folder: Path, record: dict[str, Any]) -> None:
    (folder / "index.json").write_text(json.dumps(record, indent=1), encoding="utf-8")


def layer_file(root: Path, iso3: str, level: int) -> Path:
    return root / iso3 / f"ADM{level}" / f"geoBoundaries-{iso3}-ADM{level}_simplified.geojson"


# --- a real HTTP server -------------------------------------------------------------------------------


@dataclass
class Server:
    url: str  # base URL ending with "/"
    requests: list[str]  # paths asked for, in order


class _Handler(SimpleHTTPRequestHandler):
    truncate: frozenset[str] = frozenset()
    requests: list[str]

    def do_GET(self) -> None:
        self.requests.append(self.path)
        if self.path in self.truncate:  # announce the full length, send half, hang up
            body = Path(self.translate_path(self.path)).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:  # silence the request log
        return


@contextmanager
def serve_directory(root: Path, truncate: tuple[str, ...] = ()) -> Iterator[Server]:
    """Serve ``root`` on 127.0.0.1 (a free port) from a background thread until the block ends.

    Paths in ``truncate`` (e.g. "/AAA/ADM0/x.geojson") get a response cut in half.
    """
    requests: list[str] = []
    handler = type("Handler", (_Handler,), {"truncate": frozenset(truncate), "requests": requests})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{server.server_address[1]}/", requests)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _units(rows: list[tuple[str, str, str, shapely.Geometry]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "iso3": [r[0] for r in rows],
            "unit_id": [r[1] for r in rows],
            "name": [r[2] for r in rows],
            "name_local": [""] * len(rows),
            "iso_code": [""] * len(rows),
        },
        geometry=[r[3] for r in rows],
        crs="EPSG:4326",
    )


def small_ukraine(vintages: bool = True) -> Boundaries:
    """UKR (36-40 E, 47-49 N): Donetsk Oblast west of 38 E, Luhansk Oblast east of it. Pre-2020 raions
    (Perevalsk, in Luhansk Oblast, reaches 0.1 deg into Donetsk Oblast, as real layers from different sources
    do); raions of the 2020 reform and hromadas. RUS claims the south-east corner (a Crimea) and has a
    district named like a Ukrainian town."""
    box = shapely.box
    adm0 = [("UKR", "U", "Ukraine", box(36, 47, 40, 49)), ("RUS", "R", "Russia", box(39, 46, 42, 48))]
    adm1 = [
        ("UKR", "U-DON", "Donetsk Oblast", box(36, 47, 38, 49)),
        ("UKR", "U-LUH", "Luhansk Oblast", box(38, 47, 40, 49)),
        ("RUS", "R-ROS", "Rostov Oblast", box(40, 46, 42, 48)),
    ]
    adm2 = [
        ("UKR", "U-SLO", "Sloviansk", box(36, 48, 37, 49)),
        ("UKR", "U-BAK", "Bakhmut", box(37, 48, 37.9, 49)),
        ("UKR", "U-VOL", "Volnovakha", box(36, 47, 38, 48)),
        ("UKR", "U-PER", "Perevalsk", box(37.9, 48, 40, 49)),
        ("UKR", "U-ANT", "Antratsyt", box(38, 47, 40, 48)),
        ("RUS", "R-BAK", "Bakhmut", box(40, 46, 42, 48)),
    ]
    extra = {}
    if vintages:
        extra["adm2_2020"] = _units([
            ("UKR", "U20-KRA", "Kramatorskyi raion", box(36, 48, 37.5, 49)),
            ("UKR", "U20-BAK", "Bakhmutskyi raion", box(37.5, 48, 38, 49)),
            ("UKR", "U20-VOL", "Volnovaskyi raion", box(36, 47, 38, 48)),
            ("UKR", "U20-ALC", "Alchevskyi raion", box(38, 47, 40, 49)),
        ])  # fmt: skip
        extra["adm3"] = _units([
            ("UKR", "U3-LYM", "Lymanska miska hromada", box(36, 48.5, 36.5, 49)),
            ("UKR", "U3-SLO", "Slovianska miska hromada", box(36.5, 48.5, 37, 49)),
            ("UKR", "U3-KRA", "Kramatorska miska hromada", box(36, 48, 37.5, 48.5)),
            ("UKR", "U3-BAK", "Bakhmutska miska hromada", box(37.5, 48, 38, 49)),
        ])  # fmt: skip
    return Boundaries(
        _units(adm0), _units(adm1), _units(adm2), countries=("UKR", "RUS"), vintages=extra
    )
