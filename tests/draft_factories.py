"""Small boundaries and GeoNames-like towns for drafting events from text, built in code: Belarus, Ukraine and
Russia as boxes near where they are, with the oblasts, raions and towns the test reports name."""

from __future__ import annotations

import functools

import shapely

from geo import join
from geo.boundaries import Boundaries
from geo.drafts import Drafter
from geo.places import PlaceIndex
from tests.factories import town_record, unit_layer

box = shapely.box
BOUNDARIES = Boundaries(
    unit_layer([
        ("BLR", "B", "Belarus", "Беларусь", box(24.0, 51.5, 32.5, 56.0)),
        ("UKR", "U", "Ukraine", "Україна", box(24.0, 44.5, 40.0, 51.5)),
        ("RUS", "R", "Russia", "Россия", box(32.5, 50.0, 40.0, 56.0)),
    ]),
    unit_layer([
        ("BLR", "B-MOG", "Mogilev Oblast", "Могилёвская область", box(29.0, 53.0, 32.5, 54.5)),
        ("BLR", "B-MIN", "Minsk City", "Минск", box(27.4, 53.8, 27.7, 54.0)),
        ("UKR", "U-KHA", "Kharkiv Oblast", "Харківська область", box(35.0, 48.5, 38.0, 50.5)),
        ("UKR", "U-DON", "Donetsk Oblast", "Донецька область", box(36.5, 46.8, 38.0, 48.5)),
        ("UKR", "U-CRI", "Autonomous Republic of Crimea", "Автономна Республіка Крим", box(32.5, 44.5, 36.5, 46.0)),
        ("UKR", "U-SUM", "Sumy Oblast", "Сумська область", box(33.0, 50.5, 35.5, 51.5)),
        ("RUS", "R-KRS", "Kursk region", "Курская область", box(34.0, 50.8, 38.5, 52.4)),
    ]),
    unit_layer([
        ("BLR", "B-KOS", "Kostyukovichi", "Костюковичский район", box(31.7, 53.1, 32.5, 53.6)),
        ("BLR", "B-BRA", "Bragin", "Брагинский район", box(29.9, 51.5, 31.0, 52.0)),
        ("UKR", "U-CHE", "Chernihiv", "Чернігівський район", box(30.5, 51.0, 32.0, 51.5)),
        ("UKR", "U-MAR", "Mariupolskyi raion", "Маріупольський район", box(37.0, 46.8, 38.0, 47.4)),
        ("RUS", "R-SUD", "Sudzhanskii raion", "Суджанский район", box(34.9, 51.0, 35.6, 51.4)),
    ]),
    countries=("BLR", "UKR", "RUS"),
)  # fmt: skip

RECORDS = [
    town_record(626808, "Kostyukovichi", 53.35488, 32.05128, "BY", 14757, "Kastsyukovichy", "Костюковичи", "Касцюковічы"),
    town_record(625144, "Minsk", 53.9, 27.5667, "BY", 1742124, "Мінск", "Минск"),
    town_record(538560, "Kursk", 51.73, 36.19, "RU", 440052, "Koursk", "Курск", "Курськ"),
    town_record(486816, "Sudzha", 51.191, 35.271, "RU", 6940, "Soudja", "Суджа"),
    town_record(706483, "Kharkiv", 49.98, 36.25, "UA", 1430885, "Kharkov", "Харьков", "Харків"),
    town_record(709930, "Mariupol", 47.0958, 37.5494, "UA", 481626, "Мариуполь", "Маріуполь"),
    town_record(709161, "Feodosiya", 45.0319, 35.3824, "UA", 69145, "Feodosia", "Феодосия", "Феодосія"),
    town_record(692194, "Sumy", 50.9216, 34.8003, "UA", 268409, "Сумы", "Суми"),
    town_record(710735, "Chernihiv", 51.5055, 31.2849, "UA", 294522, "Chernigov", "Чернигов", "Чернігів"),
]


@functools.lru_cache(maxsize=1)
def drafter() -> Drafter:
    """A drafter on these boundaries and towns (built once per test run)."""
    return Drafter(PlaceIndex.build(BOUNDARIES, records=RECORDS), join.prepare(BOUNDARIES))
