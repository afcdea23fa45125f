"""KML and KMZ from Google Earth / My Maps."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.errors import InputFormatError
from geo.io import read_events
from geo.io.kml import html_to_text

NS = "http://www.opengis.net/kml/2.2"


def placemark(
    name: str,
    coords: str | None = "32.05,53.35,0",
    when: str | None = "2024-08-06",
    description: str | None = None,
    data: dict[str, str] | None = None,
    extra: str = "",
) -> str:
    parts = [f"<Placemark><name>{name}</name>"]
    if description is not None:
        parts.append(f"<description><![CDATA[{description}]]></description>")
    if when is not None:
        parts.append(f"<TimeStamp><when>{when}</when></TimeStamp>")
    if data:
        fields = "".join(f'<Data name="{k}"><value>{v}</value></Data>' for k, v in data.items())
        parts.append(f"<ExtendedData>{fields}</ExtendedData>")
    if coords is not None:
        parts.append(f"<Point><coordinates>{coords}</coordinates></Point>")
    parts.append(extra + "</Placemark>")
    return "".join(parts)


def kml(*placemarks: str, ns: str = NS) -> str:
    body = "".join(placemarks)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><kml xmlns="{ns}"><Document><name>Synthetic</name>'
        f"<Folder><name>Layer</name>{body}</Folder></Document></kml>"
    )


def test_kml_placemarks(write_text) -> None:
    text = kml(
        placemark(
            "Column near Kostyukovichi",
            data={"verification": "claimed", "Category": "deployment", "Source": "Synthetic channel"},
        ),
        placemark("Strike at Gomel", coords="  30.99,52.43  ", when="2024-08-07T10:15:00Z"),
    )
    result = read_events(write_text("map.kml", text))
    assert result.format == "kml" and result.encoding == "utf-8"
    frame = result.frame
    assert frame["title"].tolist() == ["Column near Kostyukovichi", "Strike at Gomel"]
    assert frame[["lon", "lat"]].to_numpy().tolist() == [[32.05, 53.35], [30.99, 52.43]]
    assert frame["date_start"].tolist() == [pd.Timestamp("2024-08-06"), pd.Timestamp("2024-08-07")]
    assert frame["verification"].tolist() == ["claimed", "reported"]
    assert frame["category"].tolist() == ["deployment", "other"]
    assert frame["source_name"].tolist()[0] == "Synthetic channel"
    assert frame["id"].str.startswith("kml-").all()
    assert frame["import_row"].tolist() == [1, 2]


def test_html_description_becomes_plain_text(write_text) -> None:
    html = (
        '<div><b>Seen:</b> 12 trucks &amp; 2 tanks<br>Source: <a href="https://example.org/x">link</a></div>'
        "<script>alert(1)</script><p>Second&nbsp;paragraph</p>"
    )
    frame = read_events(write_text("m.kml", kml(placemark("x", description=html)))).frame
    assert frame.loc[0, "description"] == "Seen: 12 trucks & 2 tanks\nSource: link\nSecond paragraph"


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("plain", "plain"),
        ("a<br/>b", "a\nb"),
        ("&lt;not a tag&gt;", "<not a tag>"),
        ("<ul><li>1</li><li>2</li></ul>", "1\n2"),
        ("", None),
    ],
)
def test_html_to_text(html: str, text: str | None) -> None:
    assert html_to_text(html) == text


def test_timespan_and_schema_data(write_text) -> None:
    extra = (
        '<ExtendedData><SchemaData schemaUrl="#s"><SimpleData name="unit">Synthetic Brigade</SimpleData>'
        '<SimpleData name="equipment">T-72</SimpleData></SchemaData></ExtendedData>'
    )
    pm = placemark(
        "x", when=None, extra="<TimeSpan><begin>2024-08-06</begin><end>2024-08-09</end></TimeSpan>" + extra
    )
    row = read_events(write_text("m.kml", kml(pm))).frame.iloc[0]
    assert (row["date_start"], row["date_end"]) == (pd.Timestamp("2024-08-06"), pd.Timestamp("2024-08-09"))
    assert (row["unit"], row["equipment"]) == ("Synthetic Brigade", "T-72")


def test_date_from_extended_data_when_no_timestamp(write_text) -> None:
    pms = [placemark("a", when=None, data={"date": "06/08/2024"}), placemark("b", when="2024-08-07")]
    frame = read_events(write_text("m.kml", kml(*pms)), dayfirst=True).frame
    assert frame["date_start"].tolist() == [pd.Timestamp("2024-08-06"), pd.Timestamp("2024-08-07")]


def test_old_google_earth_namespace_and_address(write_text) -> None:
    pm = placemark("x", coords=None, extra="<address>Sudzha, Kursk oblast</address>")
    result = read_events(write_text("m.kml", kml(pm, ns="http://earth.google.com/kml/2.1")))
    row = result.frame.iloc[0]
    assert np.isnan(row["lon"]) and row["location_name"] == "Sudzha, Kursk oblast"


def test_polygon_placemark_rejected(write_text) -> None:
    poly = (
        "<Polygon><outerBoundaryIs><LinearRing><coordinates>30,50 31,50 31,51 30,50</coordinates>"
        "</LinearRing></outerBoundaryIs></Polygon>"
    )
    result = read_events(write_text("m.kml", kml(placemark("area", coords=None, extra=poly), placemark("p"))))
    assert result.frame["title"].tolist() == ["p"]
    assert result.issues[0].reason == "expected Point geometry, got Polygon"


def test_bad_coordinates_reject_the_placemark(write_text) -> None:
    result = read_events(write_text("m.kml", kml(placemark("bad", coords="east,north"), placemark("ok"))))
    assert result.frame["title"].tolist() == ["ok"]
    (issue,) = result.issues
    assert (issue.row, issue.field) == (1, "coordinates") and issue.reason.startswith("expected coordinates")


def test_kmz_with_doc_kml(tmp_path: Path) -> None:
    path = tmp_path / "map.kmz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("files/readme.txt", "x")
        archive.writestr("doc.kml", kml(placemark("Kyiv", coords="30.52,50.45")))
    result = read_events(path)
    assert result.format == "kml"
    assert result.frame[["lon", "lat"]].to_numpy().tolist() == [[30.52, 50.45]]


def test_kmz_without_kml_raises(tmp_path: Path) -> None:
    path = tmp_path / "map.kmz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.txt", "x")
    with pytest.raises(InputFormatError, match="expected a KMZ holding a .kml file, got a zip without one"):
        read_events(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("<kml><Placemark>", r"expected KML \(XML\), got invalid XML"),
        ("<svg xmlns='http://www.w3.org/2000/svg'></svg>", r"expected a <kml> document, got <svg>"),
    ],
)
def test_not_kml_raises(write_text, content: str, message: str) -> None:
    with pytest.raises(InputFormatError, match=message):
        read_events(write_text("x.kml", content))


def test_kml_without_any_date_raises(write_text) -> None:
    with pytest.raises(InputFormatError, match=r"expected a date per Placemark \(TimeStamp/when"):
        read_events(write_text("m.kml", kml(placemark("a", when=None))))


@pytest.mark.parametrize("declared", [True, False])
def test_cp1251_kml_declared_or_not(tmp_path: Path, declared: bool) -> None:
    text = kml(placemark("Гомель", coords="30.99,52.43"))
    if declared:
        text = text.replace('encoding="UTF-8"', 'encoding="windows-1251"')
    else:
        text = text.replace(' encoding="UTF-8"', "")
    path = tmp_path / "c.kml"
    path.write_bytes(text.encode("cp1251"))
    result = read_events(path)
    assert result.frame.loc[0, "title"] == "Гомель"
    assert result.encoding == ("windows-1251" if declared else "cp1251")
