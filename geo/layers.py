"""The map layers, each described once: name, title, shown by default or not, base or event layer, order.

Every renderer draws from this registry: the live map (:mod:`geo.render`, a Leaflet drawer per layer, which
refuses a registry layer it cannot draw), the static snapshot (:mod:`geo.snapshot`, matplotlib, drawing every
layer of :data:`LAYERS` too), the Export tab and the CLI's ``--layers``. Nothing here imports folium or
matplotlib, so a command that reads the registry does not pay for either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["BASE", "DEFAULT", "EVENT", "LAYERS", "Layer"]

Group = Literal["base", "events"]


@dataclass(frozen=True)
class Layer:
    """One map layer: registry ``name``, ``title`` (layer control and legend), ``show`` (on until the analyst
    hides it), ``group`` (``base``: boundaries and names; ``events``: drawn from the filtered events),
    ``order`` (legend and drawing order), ``needs_data`` (drawn from the events' shared payload) and
    ``placed_last`` (placed around everything else drawn: drawn last, yielding to the rest)."""

    name: str
    title: str
    show: bool
    group: Group
    order: int
    needs_data: bool = False
    placed_last: bool = False


#: name → layer, base layers first, in the order the layer control lists them.
LAYERS: Final[dict[str, Layer]] = {
    layer.name: layer
    for layer in (
        Layer("countries", "Countries", True, "base", 100),
        Layer("oblasts", "Oblasts / voblasts", True, "base", 101),
        Layer("raions", "Raions / districts", True, "base", 102),
        Layer("border_districts", "Border districts", True, "base", 103),
        Layer("labels", "Place names", True, "base", 104, placed_last=True),
        Layer("events", "Events", True, "events", 10, needs_data=True),
        Layer("deployments", "Deployments", True, "events", 20, needs_data=True),
        Layer("units", "Units (latest reports)", True, "events", 25),
        Layer("ranges", "Weapon ranges", True, "events", 30),
        Layer("heatmap", "Heatmap", False, "events", 40, needs_data=True),
        Layer("choropleth", "Events per raion", False, "events", 50),
        Layer("areas", "Areas (control, claims)", True, "events", 60),
    )
}
#: The base layers and the event layers, in registry order.
BASE: Final = tuple(name for name, layer in LAYERS.items() if layer.group == "base")
EVENT: Final = tuple(name for name, layer in LAYERS.items() if layer.group == "events")
#: The layers a map shows until the analyst hides one.
DEFAULT: Final = tuple(name for name, layer in LAYERS.items() if layer.show)
