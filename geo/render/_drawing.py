"""Drawing on the map, and what a shared link hands the map runtime.

* :class:`DrawControl`: Leaflet.draw's toolbar (polygon, rectangle, circle; edit and delete), created by
  the runtime (``GeoRender.draw``) so that the shapes it holds can be redrawn from a link. Its items are
  the variable ``drawnItems_<name>`` that streamlit-folium reads (renamed ``drawnItems``) for
  ``all_drawings``. Leaflet.draw's JS/CSS are served locally like every other asset (folium-offline).
* :func:`restore_group`: a group, not listed in the layer control, whose element hands the runtime the
  link's overlays (applied once per ``seed``) and the drawn shapes (redrawn when ``gen`` changes or on a
  map created anew), ``GeoRender.restore``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import folium
import folium.plugins
from folium.template import Template

from geo.assets import RUNTIME_URL
from geo.render._encode import js_literal
from geo.render.style import DRAW_STYLE


class DrawControl(folium.plugins.Draw):
    """Leaflet.draw's toolbar for polygons, rectangles and circles (no lines or markers: they enclose
    nothing), its shapes drawn in :data:`DRAW_STYLE`."""

    default_js = [*folium.plugins.Draw.default_js, ("geo_render_runtime", RUNTIME_URL)]
    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var drawnItems_{{ this.get_name() }} = GeoRender.draw({{ this._parent.get_name() }}, {{ this.options_js }});
        {% endmacro %}
        """
    )

    def __init__(self, position: str = "topleft"):
        super().__init__(position=position, show_geometry_on_click=False)
        self._name = "DrawControl"  # streamlit-folium finds drawnItems_draw_control_<id>
        self.options_js = js_literal({"position": position, "style": DRAW_STYLE})


class LinkRestore(folium.MacroElement):
    """Hands the runtime the link's overlays and the drawn shapes (``GeoRender.restore``)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            GeoRender.restore({{ this.spec_js }}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, spec: dict[str, Any]):
        super().__init__()
        self._name = "LinkRestore"
        self.spec_js = js_literal(spec)


def shape_spec(shapes: Iterable[Any]) -> list[dict[str, Any]]:
    """:class:`geo.filter.Shape` objects as the runtime draws them."""
    return [{"kind": s.kind, "points": [list(p) for p in s.points], "radius": s.radius_m} for s in shapes]


def restore_group(*, seed: str, overlays: Sequence[str] | None, shapes: Iterable[Any], gen: int,
                  names: Sequence[str]) -> folium.FeatureGroup:
    """The group (first among those handed to ``st_folium``) that restores a link in the browser.

    ``seed``: this session's token (the link's ``overlays`` are applied once per token, before the other
    groups decide whether they start shown); ``overlays``: registry names shown, None to leave the
    analyst's ticks alone; ``names``: every registry name (those not in ``overlays`` are hidden);
    ``shapes``: the drawn filter, redrawn on a new map or when ``gen`` changes.
    """
    group = folium.FeatureGroup(name="link", control=False, show=True)
    LinkRestore({"seed": seed, "overlays": list(overlays) if overlays is not None else None,
                 "names": list(names), "shapes": shape_spec(shapes), "gen": int(gen), "style": DRAW_STYLE}
                ).add_to(group)
    return group
