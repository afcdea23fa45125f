"""folium elements that hand compact specs to the JS runtime (everything in the ``script`` macro).

streamlit-folium renders only the ``script`` macro of elements inside dynamic feature groups (their
``header`` and ``html`` are dropped), so these elements put nothing anywhere else: CSS is injected by the
runtime, legends are Leaflet controls created by the layers themselves.
"""

from __future__ import annotations

import hashlib
from typing import Any

import folium
from branca.element import CssLink, Element, Figure, JavascriptLink
from folium.elements import JSCSSMixin
from folium.template import Template

from geo.assets import RUNTIME_URL
from geo.errors import GeoError
from geo.render._encode import js_literal

#: leaflet-heat, as folium's HeatMap plugin loads it (so one local copy serves both).
HEAT_JS_URL = "https://cdn.jsdelivr.net/gh/python-visualization/folium@main/folium/templates/leaflet_heat.min.js"


class _Script(Element):
    """A script already rendered, put in the page as it is."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class _RuntimeElement(JSCSSMixin):
    """An element that needs the geo-events runtime script."""

    default_js = [("geo_render_runtime", RUNTIME_URL)]
    default_css: list[tuple[str, str]] = []
    payload_bytes = 0
    legend: dict[str, Any] | None = None
    layer_name = ""

    def render(self, **kwargs: Any) -> None:
        """As folium renders a ``JSCSSMixin`` element (its links in the page header, its ``script`` macro in the
        page script), except that the rendered script goes in as it is: branca's ``MacroElement.render`` wraps
        it in a new Jinja template and compiles that, which for these payloads (megabytes of packed events and
        geometry) was half the app's run time (py-spy, 100k events)."""
        figure = self.get_root()
        if not isinstance(figure, Figure):
            raise GeoError(f"expected an element inside a folium Figure, got one under {type(figure).__name__}")
        for name, url in self.default_js:
            figure.header.add_child(JavascriptLink(url), name=name)
        for name, url in self.default_css:
            figure.header.add_child(CssLink(url), name=name)
        script = self._template.module.__dict__.get("script")
        if script is not None:
            figure.script.add_child(_Script(script(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


class GeoLayer(_RuntimeElement):
    """One runtime layer (``shapes``, ``points`` or ``heat``) built from ``spec`` in the browser."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = GeoRender.layer({{ this.kind_js }}, {{ this.spec_js }}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, kind: str, spec: dict[str, Any], *, layer_name: str = "", extra_js: list[tuple[str, str]] | None = None):
        super().__init__()
        self._name = "GeoLayer"
        self.kind = kind
        self.layer_name = layer_name
        self.legend = spec.get("legend")
        self.kind_js = js_literal(kind)
        self.spec_js = js_literal(spec)
        self.payload_bytes = len(self.spec_js)
        if extra_js:
            self.default_js = [*type(self).default_js, *extra_js]


class GeoData(_RuntimeElement):
    """Compact event data registered under a key derived from its content; layers find it by that key."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            GeoRender.register({{ this.key_js }}, {{ this.payload_js }});
        {% endmacro %}
        """
    )

    def __init__(self, payload: dict[str, Any], *, layer_name: str = ""):
        super().__init__()
        self._name = "GeoData"
        self.layer_name = layer_name
        self.payload_js = js_literal(payload)
        self.key = "ev-" + hashlib.sha1(self.payload_js.encode("utf-8")).hexdigest()[:16]
        self.key_js = js_literal(self.key)
        self.payload_bytes = len(self.payload_js)


class CursorPosition(_RuntimeElement):
    """Cursor position in lat/lon and MGRS (bottom left); the MGRS code is ``mgrs()`` in runtime.js."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            GeoRender.cursor().addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "CursorPosition"


class Attribution(_RuntimeElement):
    """A plain-text credit line (escaped by the runtime) in the map's attribution control."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            GeoRender.attribution({{ this._parent.get_name() }}, {{ this.text_js }});
        {% endmacro %}
        """
    )

    def __init__(self, text: str):
        super().__init__()
        self._name = "GeoAttribution"
        self.text = text
        self.text_js = js_literal(text)


class GeoGroup(JSCSSMixin, folium.FeatureGroup):
    """The group of one registry layer (``registry_name``), listed in the layer control under ``title``.

    ``show`` is the registry's default. The group is always added to the map (streamlit-folium adds every
    group it is given anyway); the runtime takes it off at once when it starts hidden, by the analyst's last
    choice in the tab or else by ``show``, so defaults hold in the app as in exports.
    """

    default_js = [("geo_render_runtime", RUNTIME_URL)]
    default_css: list[tuple[str, str]] = []
    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = GeoRender.group({{ this.spec_js }});
        {% endmacro %}
        """
    )

    def __init__(self, registry_name: str, title: str, show: bool):
        super().__init__(name=title, overlay=True, control=True, show=show)
        self._name = "FeatureGroup"  # streamlit-folium adds its groups by this variable name
        self.registry_name = registry_name
        self.spec_js = js_literal({"name": registry_name, "show": bool(show)})

    def render(self, **kwargs: Any) -> None:
        shown, self.show = self.show, True  # folium adds only shown layers: add every one, the runtime decides
        try:
            super().render(**kwargs)
        finally:
            self.show = shown


class ViewKeeper(_RuntimeElement):
    """Keeps the map's view in the tab (``GeoRender.keepView``): a map created again opens where it was."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            GeoRender.keepView({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "ViewKeeper"


class TileNotice(_RuntimeElement):
    """A notice on the map when the base tiles fail to load (offline), with a button that switches the base
    layer to ``no_tiles`` (the "No tiles" entry): ``GeoRender.tileNotice``."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            GeoRender.tileNotice({{ this._parent.get_name() }}, {{ this.no_tiles.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, no_tiles: folium.FeatureGroup):
        super().__init__()
        self._name = "TileNotice"
        self.no_tiles = no_tiles


class GeoSelection(_RuntimeElement):
    """The event chosen in the app's table, for the runtime to highlight (``GeoRender.selection``):
    ``spec`` {token, id, lat, lon}; the runtime applies each token once."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            GeoRender.selection({{ this.spec_js }}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, spec: dict[str, Any]):
        super().__init__()
        self._name = "GeoSelection"
        self.spec_js = js_literal(spec)
