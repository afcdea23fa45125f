"""Events as KML 2.2 whose names and descriptions Google Earth shows as plain text, whatever they hold."""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from typing import Any, Final

import numpy as np
import pandas as pd

from geo.export import PROVENANCE
from geo.snapshot._view import View, _floats, _located, _text


def _kml_date(value: Any) -> str | None:
    stamp = pd.to_datetime(value, errors="coerce")
    return None if stamp is pd.NaT or pd.isna(stamp) else stamp.date().isoformat()


#: The balloon of every event: its name and description only (no ExtendedData table, whose values Google
#: Earth would not escape, and no directions links). ``$[name]``/``$[description]`` are filled in by Google Earth.
KML_BALLOON: Final = "<b>$[name]</b><br/><br/>$[description]"


def kml_text(text: str) -> str:
    """``text`` as a KML ``<description>`` that every balloon shows as exactly ``text``, never as markup.

    Google Earth renders a description as HTML after the XML layer is undone: ``&lt;b&gt;`` in the file
    (ElementTree's escaping) is ``<b>`` to it, and so is a CDATA section. So the text is HTML-escaped
    once more (the file holds ``&amp;lt;b&amp;gt;``; the balloon shows ``<b>`` as characters), and
    ``$[`` is written ``&#36;[`` so Google Earth's entity replacement (``$[name]``, ``$[id]``) cannot pull
    another field in. A newline becomes ``<br/>`` (HTML would run the lines together): the only tag there is.
    """
    return html.escape(text, quote=True).replace("$[", "&#36;[").replace("\n", "<br/>\n")


def kml_label(text: str) -> str:
    """``text`` as a KML ``<name>``: shown as plain text in the Places panel but put into the balloon's HTML
    (``$[name]``), so it must be text in both: ``<`` and ``>`` become ``‹`` and ``›``, no tag can form
    (an ``&lt;`` in a name is decoded by the HTML to a ``<`` character, never to a tag). ``$[`` gets an
    invisible word joiner (U+2060) between its two characters, so a name cannot ask the balloon for another
    field (``$[id]``)."""
    return text.replace("<", "\u2039").replace(">", "\u203a").replace("$[", "$\u2060[")


def to_kml(events: pd.DataFrame, view: View | None = None, *, provenance: bool | None = None) -> bytes:
    """KML 2.2: one Placemark per event (name, description, TimeSpan, Point; id in ExtendedData).

    Names and descriptions are plain text whatever the events hold (:func:`kml_label`, :func:`kml_text`);
    every Placemark uses one BalloonStyle (:data:`KML_BALLOON`). ExtendedData holds the import provenance
    only when ``provenance`` (default: ``view.provenance``).
    """
    ns = "http://www.opengis.net/kml/2.2"
    ET.register_namespace("", ns)
    q = lambda tag: f"{{{ns}}}{tag}"  # noqa: E731
    root = ET.Element(q("kml"))
    doc = ET.SubElement(root, q("Document"))
    ET.SubElement(doc, q("name")).text = kml_label(view.title if view else "events")
    if view is not None:
        ET.SubElement(doc, q("description")).text = kml_text(" · ".join(
            t for t in (view.marking, view.shown_subtitle, view.opsec_note) if t))
    style = ET.SubElement(doc, q("Style"), id="event")
    ET.SubElement(ET.SubElement(style, q("BalloonStyle")), q("text")).text = KML_BALLOON
    lon, lat = _floats(events, "lon"), _floats(events, "lat")
    located = _located(events) if len(events) else np.zeros(0, bool)
    data_keys = ["id", "category", "verification", "geo_precision"]
    if (view.provenance if provenance is None and view is not None else bool(provenance)):
        data_keys += [c for c in PROVENANCE if c in events.columns]
    cols = {c: _text(events, c).to_numpy() for c in {*data_keys, "title", "description", "source_name", "source_url"}}
    starts = events["date_start"] if "date_start" in events.columns else pd.Series([None] * len(events))
    ends = events["date_end"] if "date_end" in events.columns else pd.Series([None] * len(events))
    for i in range(len(events)):
        pm = ET.SubElement(doc, q("Placemark"))
        ET.SubElement(pm, q("name")).text = kml_label(cols["title"][i] or cols["id"][i])
        source = " ".join(t for t in (cols["source_name"][i], cols["source_url"][i]) if t)
        desc = [cols["description"][i], f"Category: {cols['category'][i]}", f"Verification: {cols['verification'][i]}",
                f"Precision: {cols['geo_precision'][i]}", f"Source: {source}" if source else ""]
        if view is not None and view.opsec_note:
            desc.append(view.opsec_note)
        ET.SubElement(pm, q("description")).text = kml_text("\n".join(d for d in desc if d))
        begin, end = _kml_date(starts.iloc[i]), _kml_date(ends.iloc[i])
        if begin:
            span = ET.SubElement(pm, q("TimeSpan"))
            ET.SubElement(span, q("begin")).text = begin
            ET.SubElement(span, q("end")).text = end or begin
        ET.SubElement(pm, q("styleUrl")).text = "#event"
        ext = ET.SubElement(pm, q("ExtendedData"))
        for key in data_keys:
            data = ET.SubElement(ext, q("Data"), name=key)
            ET.SubElement(data, q("value")).text = cols[key][i]
        if located[i]:
            point = ET.SubElement(pm, q("Point"))
            ET.SubElement(point, q("coordinates")).text = f"{float(lon[i])!r},{float(lat[i])!r}"
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")
