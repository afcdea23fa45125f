"""Military unit symbols on the map: milsymbol and ``GeoUnits``, served like every other map asset.

:class:`SymbolAssets` is an element with no output of its own: added to a folium map (or to any element
under it), it makes the page load milsymbol (APP-6 / MIL-STD-2525, the global ``ms``; vendored in
``geo/render/vendor/``) and then ``geo/render/units.js``, whose ``GeoUnits.icon(sidc, options)`` returns
``{svg, anchor: {x, y}, width, height, sidc, valid}`` (one cached icon per code and options, an unknown
land unit for a code milsymbol finds invalid) and ``GeoUnits.valid(sidc)``.

Both come from :mod:`geo.assets` as data: URLs (:data:`~geo.assets.MILSYMBOL_URL`,
:data:`~geo.assets.UNITS_URL`), so :func:`~geo.assets.materialize` writes them under ``static/vendor/`` with
their content hash, :func:`~geo.assets.localize` points the map at those files,
:func:`~geo.assets.standalone_html` inlines them, and :data:`SYMBOL_BUNDLE` can join a ``bundle``.

streamlit-folium drops the ``header`` of elements inside the feature groups it adds on a rerun: put this
element on the base map (or its URLs in the map's bundle), not only in a dynamic group.
"""

from __future__ import annotations

from typing import Final

from folium.elements import JSCSSMixin

from geo.assets import MILSYMBOL_URL, UNITS_URL

__all__ = ["SYMBOL_BUNDLE", "SymbolAssets"]

#: The unit-symbol scripts in the order a page must run them (milsymbol before ``GeoUnits``): append to a
#: :func:`geo.assets.materialize` ``bundle`` after Leaflet.
SYMBOL_BUNDLE: Final = (MILSYMBOL_URL, UNITS_URL)


class SymbolAssets(JSCSSMixin):
    """Loads milsymbol and ``GeoUnits`` in the page; draws nothing (``SymbolAssets().add_to(m)``)."""

    default_js = [("milsymbol", MILSYMBOL_URL), ("geo_units", UNITS_URL)]
    default_css: list[tuple[str, str]] = []

    def __init__(self) -> None:
        super().__init__()
        self._name = "SymbolAssets"
        # per instance: JSCSSMixin.add_js_link edits the list in place, which would change the class's
        self.default_js = list(type(self).default_js)
        self.default_css = list(type(self).default_css)
