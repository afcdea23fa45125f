"""KML and KMZ (Google Earth, My Maps): one event per Placemark, in document order (row 1 = first).

* name -> title; description -> plain text (HTML tags stripped with the stdlib parser, entities decoded);
  address -> location_name; the Placemark's ``id`` attribute -> id when ExtendedData has none.
* ExtendedData ``Data/value`` and ``SchemaData/SimpleData`` fields are mapped like CSV columns.
* TimeStamp/when -> date_start; TimeSpan begin/end -> date_start/date_end (they win over ExtendedData).
* Point ``lon,lat[,alt]``; other geometries follow the GeoJSON rule (rejected unless a precision is given).
* KMZ: the zip's doc.kml, else its first .kml file, expanded to at most ``_limits.max_unzipped()`` bytes.
  Encoding: as declared; undeclared non-UTF-8 text is taken as cp1251 or cp1252 (guessed as for CSV).
* Bounds (``_limits``): MultiGeometry nested at most MAX_NESTING deep; at most MAX_COLUMNS distinct
  ExtendedData names.
"""

from __future__ import annotations

import codecs
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
import shapely

from geo.errors import InputFormatError
from geo.io._columns import SYNONYMS, by_normalised_name, map_generic
from geo.io._core import Builder, Context, ReadResult
from geo.io._limits import MAX_NESTING, ZIP_ERRORS, check_columns, read_member
from geo.io._text import Table, guess_single_byte
from geo.io._xml import child, local, text
from geo.schema import RowIssue

_XML_ENCODING: Final = re.compile(rb"""<\?xml[^>]*encoding=["']([A-Za-z0-9._-]+)["']""")
_GEOMETRIES: Final = ("Point", "LineString", "LinearRing", "Polygon", "MultiGeometry")
_BLOCK_TAGS: Final = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"}
#: columns made from KML's own elements: they come first so they win over ExtendedData of the same name
_STRUCTURED: Final = ("title", "description", "location_name", "date_start", "date_end")


def read_kml(path: str | Path, raw: bytes, ctx: Context) -> ReadResult:
    """Events from a KML or KMZ file."""
    raw = kml_bytes(raw, ctx.file)
    encoding, root = parse_kml(raw, ctx.file)
    records: list[dict[str, str | None]] = []
    geoms: list[object] = []
    rows: list[int] = []
    issues: list[RowIssue] = []
    names: set[str] = set()
    placemarks = [el for el in root.iter() if _local(el.tag) == "Placemark"]
    for number, placemark in enumerate(placemarks, start=1):
        try:
            geom = _geometry(placemark)
        except BadGeometry as exc:
            issues.append(RowIssue(ctx.file, number, "coordinates", exc.value[:80], exc.reason))
            continue
        record = _record(placemark)
        names.update(record)
        check_columns(len(names), ctx.file, f"distinct ExtendedData names (Placemark {number})")
        records.append(record)
        geoms.append(geom)
        rows.append(number)
    if not records:
        return Builder(ctx, np.asarray(rows, dtype="int64")).result(
            "kml", encoding=encoding, issues=tuple(issues)
        )
    frame = _fill_structured(pd.DataFrame.from_records(records))
    order = [c for c in _STRUCTURED if c in frame.columns] + [
        c for c in frame.columns if c not in _STRUCTURED
    ]
    table = Table(frame[order].astype("str"), np.asarray(rows, dtype="int64"), encoding, None, tuple(issues))
    b = map_generic(
        table,
        ctx,
        "kml",
        geometry=np.asarray(geoms, dtype=object),
        geometry_field="coordinates",
        date_expected="expected a date per Placemark (TimeStamp/when, TimeSpan/begin or a "
        "date field in ExtendedData)",
    )
    return b.result("kml", encoding=encoding, issues=table.issues)


def _fill_structured(frame: pd.DataFrame) -> pd.DataFrame:
    """Where a Placemark lacks name/description/address/time, use an ExtendedData field of that meaning."""
    names = by_normalised_name([c for c in frame.columns if c not in _STRUCTURED])
    out = frame.astype("str")  # one text dtype: filling a str column from an object one is deprecated
    for target in _STRUCTURED:
        source = next((names[n] for n in SYNONYMS[target] if n in names and n != target), None)
        if source is None:
            continue
        out[target] = out[source] if target not in out.columns else out[target].fillna(out[source])
    return out


def kml_bytes(raw: bytes, file: str) -> bytes:
    """The KML document of a KML file, or of a KMZ (zip: its doc.kml, else its first .kml), bounded."""
    if not raw.startswith(b"PK"):
        return raw
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith(".kml")]
            if not names:
                raise InputFormatError("expected a KMZ holding a .kml file, got a zip without one", file=file)
            return read_member(archive, "doc.kml" if "doc.kml" in names else names[0], file)
    except ZIP_ERRORS as exc:
        raise InputFormatError(f"expected a KMZ (zip) archive, got {type(exc).__name__}: {exc}", file=file) from exc


def parse_kml(raw: bytes, file: str) -> tuple[str, ET.Element]:
    """(encoding, root <kml> element) of a KML document; InputFormatError when it is not one."""
    match = _XML_ENCODING.search(raw[:200])
    encoding = match.group(1).decode("ascii").lower() if match else "utf-8"
    if not match and not raw.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:  # undeclared Windows code page: guess it as for CSV
            encoding = guess_single_byte(raw)
            raw = raw.decode(encoding, errors="replace").encode("utf-8")
    try:
        root = ET.fromstring(raw)
    except (ET.ParseError, ValueError, LookupError) as exc:  # also an encoding expat cannot read
        raise InputFormatError(f"expected KML (XML), got invalid XML ({exc})", file=file) from exc
    if _local(root.tag) != "kml":
        raise InputFormatError(f"expected a <kml> document, got <{_local(root.tag)}>", file=file)
    return encoding, root


_local, _child, _text = local, child, text


def _record(placemark: ET.Element) -> dict[str, str | None]:
    record: dict[str, str | None] = {}
    for el in placemark.iter():
        tag = _local(el.tag)
        if tag == "Data" and el.get("name"):
            record[el.get("name", "")] = _text(_child(el, "value"))
        elif tag == "SimpleData" and el.get("name"):
            record[el.get("name", "")] = _text(el)
    if placemark.get("id") and not any(k.strip().lower() in ("id", "event_id") for k in record):
        record["id"] = placemark.get("id")
    for key, value in (
        ("title", _text(_child(placemark, "name"))),
        ("description", html_to_text(_text(_child(placemark, "description")))),
        ("location_name", _text(_child(placemark, "address"))),
    ):
        if value is not None or key not in record:
            record[key] = value
    stamp, span = _child(placemark, "TimeStamp"), _child(placemark, "TimeSpan")
    if stamp is not None:
        record["date_start"] = _text(_child(stamp, "when"))
    if span is not None:
        record["date_start"] = _text(_child(span, "begin"))
        record["date_end"] = _text(_child(span, "end"))
    return record


class BadGeometry(ValueError):
    """A KML geometry that cannot be read: the reason and the text it was read from."""

    def __init__(self, reason: str, value: str) -> None:
        self.reason, self.value = reason, value
        super().__init__(reason)


def coords(el: ET.Element) -> list[tuple[float, float]]:
    """The ``lon,lat[,alt]`` tuples of ``el``'s <coordinates> (altitude dropped); BadGeometry if not numbers."""
    text = _text(_child(el, "coordinates")) or ""
    out = []
    for chunk in text.split():
        values = chunk.split(",")
        if len(values) < 2:
            raise BadGeometry("expected coordinates 'lon,lat[,alt]', got a single number", text)
        try:
            out.append((float(values[0]), float(values[1])))
        except ValueError:
            raise BadGeometry("expected coordinates 'lon,lat[,alt]', got text that is not numbers", text) from None
    return out


def _geometry(placemark: ET.Element) -> object:
    """The Placemark's geometry as a shapely object (None if it has none)."""
    geom = next((c for c in placemark if _local(c.tag) in _GEOMETRIES), None)
    return None if geom is None else kml_shape(geom)


def kml_shape(geom: ET.Element, depth: int = 0) -> shapely.Geometry | None:
    """A KML geometry element as shapely (None when empty); BadGeometry when it cannot be one.

    Polygon: the outerBoundaryIs ring with every innerBoundaryIs ring as a hole; MultiGeometry: a
    GeometryCollection of its parts (a single Point stays a Point), nested at most MAX_NESTING deep.
    """
    kind = _local(geom.tag)
    try:
        if kind == "Point":
            points = coords(geom)
            return shapely.Point(points[0]) if points else None
        if kind in ("LineString", "LinearRing"):
            return shapely.LineString(coords(geom))
        if kind == "Polygon":
            outer: list[tuple[float, float]] = []
            holes: list[list[tuple[float, float]]] = []
            for boundary in geom:
                rings = [r for r in boundary if _local(r.tag) == "LinearRing"]
                if _local(boundary.tag) == "outerBoundaryIs" and rings:
                    outer = coords(rings[0])
                elif _local(boundary.tag) == "innerBoundaryIs":  # one or several rings per innerBoundaryIs
                    holes.extend(coords(r) for r in rings)
            return shapely.Polygon(outer, holes) if outer else None
    except BadGeometry:
        raise
    except (ValueError, shapely.errors.ShapelyError) as exc:
        raise BadGeometry(f"expected a valid {kind} (closed rings of at least 4 positions), got {exc}",
                          _text(geom) or "") from None
    if depth >= MAX_NESTING:
        raise BadGeometry(f"expected MultiGeometry nested at most {MAX_NESTING} deep, got deeper", "")
    parts = [p for p in (kml_shape(c, depth + 1) for c in geom if _local(c.tag) in _GEOMETRIES) if p is not None]
    if len(parts) == 1 and parts[0].geom_type == "Point":
        return parts[0]
    return shapely.GeometryCollection(parts) if parts else None


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str | None) -> str | None:
    """Plain text of an HTML fragment (tags dropped, entities decoded, one line per block)."""
    if html is None:
        return None
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    text = "\n".join(line for line in lines if line)
    return text or None
