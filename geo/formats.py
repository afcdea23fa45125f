"""Export formats, each described once: its name, file extensions, MIME type, what it holds and its writer.

The CLI (``python -m geo snapshot --format``, ``python -m geo export``), the app's Export tab and
:func:`geo.snapshot.export` all read :data:`FORMATS`; a format registered here (:func:`register`) is offered by
each of them. Writers import what they need when first called (matplotlib for the drawn formats,
GDAL for GeoPackage), so reading the registry costs nothing at start-up.

A writer takes one :class:`Job`: the events already chosen for the view and rounded for opsec
(:func:`geo.snapshot.select`, :func:`geo.snapshot.opsec`), the boundaries, the view and the optional
inputs of the drawn formats.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from geo.errors import GeoError

if TYPE_CHECKING:
    import pandas as pd

    from geo.snapshot import View

__all__ = ["FORMATS", "ExportFormat", "Job", "by_extension", "data_formats", "get", "register"]

Kind = Literal["map", "data"]


@dataclass(frozen=True)
class Job:
    """What one export writes: ``events`` already selected for ``view`` and rounded (opsec)."""

    events: pd.DataFrame
    boundaries: Any
    view: View
    index: Any = None
    generated: dt.datetime | None = None
    areas: Any = None
    ranges: pd.DataFrame | None = None
    units: pd.DataFrame | None = None  # unit positions (geo.units), drawn as of the window's end
    #: data formats carry the view's title, window, marking and rounding (False: the events alone, as ``join``)
    heading: bool = True


@dataclass(frozen=True)
class ExportFormat:
    """One export format: ``extensions`` (the first is the one written), ``mime``, ``label`` (what a file of
    it holds, as the app and the CLI's help say it), ``kind`` (``map``: a drawn or interactive map;
    ``data``: the events as a table or features) and ``writer``."""

    name: str
    extensions: tuple[str, ...]
    mime: str
    label: str
    kind: Kind
    writer: Callable[[Job], bytes]

    @property
    def extension(self) -> str:
        return self.extensions[0]


#: name → format, in the order the app and the CLI list them.
FORMATS: dict[str, ExportFormat] = {}


def register(fmt: ExportFormat) -> ExportFormat:
    """Add ``fmt`` (a name or extension already taken raises :class:`GeoError`) and return it."""
    taken = {ext for f in FORMATS.values() for ext in f.extensions}
    clash = [ext for ext in fmt.extensions if ext in taken]
    if fmt.name in FORMATS or clash or not fmt.extensions:
        raise GeoError(f"expected a new export format name and extensions, got {fmt.name!r} {list(fmt.extensions)}")
    if any(not ext.startswith(".") or ext != ext.lower() for ext in fmt.extensions):
        raise GeoError(f"expected lower-case extensions starting with '.', got {list(fmt.extensions)}")
    FORMATS[fmt.name] = fmt
    return fmt


def get(name: str) -> ExportFormat:
    """The format named ``name`` (any case, a leading dot allowed)."""
    key = name.lower().lstrip(".")
    if key not in FORMATS:
        raise GeoError(f"expected a format among {', '.join(FORMATS)}, got {name!r}")
    return FORMATS[key]


def by_extension(extension: str, *, kinds: Iterable[Kind] = ("map", "data")) -> ExportFormat | None:
    """The format of ``kinds`` written with ``extension`` (``.geojson``, ``.JSON``...); None for none."""
    ext = extension.lower()
    allowed = set(kinds)
    return next((f for f in FORMATS.values() if f.kind in allowed and ext in f.extensions), None)


def data_formats() -> list[ExportFormat]:
    """The formats that hold the events themselves (a table or features), not a map."""
    return [f for f in FORMATS.values() if f.kind == "data"]


# --- the writers --------------------------------------------------------------------------------------


def _figure_writer(name: str) -> Callable[[Job], bytes]:
    def write(job: Job) -> bytes:
        from geo.snapshot import _draw  # matplotlib: loaded with the first drawn export

        return _draw.write_drawn(name, job)

    return write


def _html(job: Job) -> bytes:
    from geo.snapshot import _draw

    return _draw.to_html(job.events, job.boundaries, job.view, index=job.index, areas=job.areas, ranges=job.ranges,
                         generated=job.generated, units=job.units)


def _heading(job: Job) -> Any:
    from geo.export import Heading

    view = job.view
    return Heading(view.title, view.window, view.marking, view.opsec_note) if job.heading else None


def _csv(job: Job) -> bytes:
    from geo.export import to_csv_bytes

    return to_csv_bytes(job.events, provenance=job.view.provenance, heading=_heading(job))


def _geojson(job: Job) -> bytes:
    from geo.export import to_geojson_bytes

    return to_geojson_bytes(job.events, provenance=job.view.provenance, heading=_heading(job))


def _gpkg(job: Job) -> bytes:
    from geo.export import to_gpkg_bytes

    return to_gpkg_bytes(job.events, provenance=job.view.provenance, generated=job.generated, heading=_heading(job))


def _kml(job: Job) -> bytes:
    from geo.snapshot._kml import to_kml

    return to_kml(job.events, job.view if job.heading else None, provenance=job.view.provenance)


for _fmt in (
    ExportFormat("png", (".png",), "image/png", "Briefing page as an image", "map", _figure_writer("png")),
    ExportFormat("svg", (".svg",), "image/svg+xml", "Briefing page as vector graphics", "map",
                 _figure_writer("svg")),
    ExportFormat("pdf", (".pdf",), "application/pdf", "Briefing page, with a sources page when needed", "map", _figure_writer("pdf")),
    ExportFormat("pptx", (".pptx",), "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                 "Slide with the map, key events and sources in the notes", "map", _figure_writer("pptx")),
    ExportFormat("html", (".html", ".htm"), "text/html", "Interactive map in one file that works offline",
                 "map", _html),
    ExportFormat("csv", (".csv",), "text/csv", "Events as a table, safe to open in a spreadsheet", "data",
                 _csv),
    ExportFormat("geojson", (".geojson", ".json"), "application/geo+json", "Events as GeoJSON features", "data",
                 _geojson),
    ExportFormat("gpkg", (".gpkg",), "application/geopackage+sqlite3", "Events as a GeoPackage layer (QGIS)",
                 "data", _gpkg),
    ExportFormat("kml", (".kml",), "application/vnd.google-earth.kml+xml", "Events as KML placemarks (Google Earth)",
                 "data", _kml),
):
    register(_fmt)
