"""Namespace-agnostic helpers for KML (and other XML) trees, shared by event and area readers."""

from __future__ import annotations

import xml.etree.ElementTree as ET


def local(tag: object) -> str:
    """The tag without its namespace: ``{http://www.opengis.net/kml/2.2}Placemark`` → ``Placemark``."""
    return str(tag).rsplit("}", 1)[-1]


def child(el: ET.Element, name: str) -> ET.Element | None:
    """The first direct child named ``name`` (any namespace)."""
    return next((c for c in el if local(c.tag) == name), None)


def text(el: ET.Element | None) -> str | None:
    """All text inside ``el``, stripped; None when empty or absent."""
    if el is None:
        return None
    value = "".join(el.itertext()).strip()
    return value or None
