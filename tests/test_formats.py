"""The export format registry: one description per format, read by the snapshot export, the CLI and the app."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pandas as pd
import pytest
from snapshot_factories import snapshot_inputs

from geo import cli, formats
from geo.errors import GeoError
from geo.formats import ExportFormat, Job
from geo.snapshot import View, export, write

#: The first bytes of a file of each format.
MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF-", "pptx": b"PK\x03\x04", "gpkg": b"SQLite format 3\x00"}


@pytest.fixture(scope="module")
def inputs():
    return snapshot_inputs()


@pytest.fixture
def extra_format(monkeypatch):
    """A format registered for one test (the registry is restored afterwards)."""
    monkeypatch.setattr(formats, "FORMATS", dict(formats.FORMATS))
    return formats.register(ExportFormat(
        "ids", (".ids",), "text/plain", "Event ids, one a line", "data",
        lambda job: "\n".join(job.events["id"].astype(str)).encode()))


def test_every_format_is_described_once():
    names = list(formats.FORMATS)
    assert names == ["png", "svg", "pdf", "pptx", "html", "csv", "geojson", "gpkg", "kml"]
    extensions = [ext for f in formats.FORMATS.values() for ext in f.extensions]
    assert len(extensions) == len(set(extensions)) and all(e.startswith(".") for e in extensions)
    assert {f.name for f in formats.data_formats()} == {"csv", "geojson", "gpkg", "kml"}
    assert all("/" in f.mime and f.label for f in formats.FORMATS.values())


@pytest.mark.parametrize(("extension", "name"), [(".png", "png"), (".JSON", "geojson"), (".geojson", "geojson"),
                                                 (".htm", "html"), (".KML", "kml"), (".txt", None), ("", None)])
def test_by_extension(extension, name):
    found = formats.by_extension(extension)
    assert (found.name if found else None) == name


def test_by_extension_of_data_formats_only():
    assert formats.by_extension(".png", kinds=("data",)) is None
    assert formats.by_extension(".csv", kinds=("data",)).name == "csv"


@pytest.mark.parametrize(
    ("fmt", "match"),
    [(ExportFormat("png", (".png2",), "image/png", "x", "map", bytes), "expected a new export format name"),
     (ExportFormat("png2", (".png",), "image/png", "x", "map", bytes), r"expected a new export format name.*\.png"),
     (ExportFormat("up", (".UP",), "text/plain", "x", "data", bytes), "expected lower-case extensions"),
     (ExportFormat("nodot", ("nd",), "text/plain", "x", "data", bytes), "starting with '.'")],
)
def test_register_refuses_clashes_and_bad_extensions(monkeypatch, fmt, match):
    monkeypatch.setattr(formats, "FORMATS", dict(formats.FORMATS))
    with pytest.raises(GeoError, match=match):
        formats.register(fmt)


def test_get_names_the_known_formats():
    assert formats.get(".PNG").name == "png"
    with pytest.raises(GeoError, match="expected a format among png, svg, pdf.*got 'tiff'"):
        formats.get("tiff")


@pytest.mark.parametrize("name", list(formats.FORMATS))
def test_every_writer_writes_its_format(inputs, name):
    events, boundaries, index, view = inputs
    data = export(name, events, boundaries, view.replace(dpi=60), index=index)
    if name in MAGIC:
        assert data.startswith(MAGIC[name])
    elif name in ("svg", "kml"):
        assert ET.fromstring(data).tag.endswith("svg" if name == "svg" else "kml")
    elif name == "html":
        assert data.lstrip().lower().startswith(b"<!doctype html")
    elif name == "geojson":
        assert b'"FeatureCollection"' in data
    else:
        assert data.splitlines()[0].startswith(b"id,") or b"title" in data.splitlines()[0]


def test_a_registered_format_reaches_the_export_and_write(inputs, extra_format, tmp_path):
    events, boundaries, index, view = inputs
    shown = [str(i) for i in pd.Series(events["id"])]
    data = export("ids", events, boundaries, View(), index=index).decode().split("\n")
    assert data == shown
    out = write(tmp_path / "events.ids", events, boundaries, View(), save_view=False)
    assert out.read_text() == "\n".join(shown)
    assert extra_format.writer(Job(events.head(2), None, View())) == "\n".join(shown[:2]).encode()


def test_the_cli_offers_the_registry(extra_format, capsys):
    parser = cli._parser()
    for name in formats.FORMATS:
        assert parser.parse_args(["snapshot", "--out", "x", "--format", name]).format == name
    with pytest.raises(SystemExit):
        parser.parse_args(["snapshot", "--out", "x.png", "--format", "tiff"])
    assert "invalid choice: 'tiff'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parser.parse_args(["snapshot", "--help"])
    assert "ids (.ids): Event ids, one a line" in " ".join(capsys.readouterr().out.split())


def test_the_cli_names_the_extensions_it_knows(tmp_path, capsys):
    assert cli.main(["snapshot", "--out", str(tmp_path / "map.tiff"), "--source", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "expected --format or an --out extension among .png, .svg, .pdf" in err and "got '.tiff'" in err


@pytest.mark.parametrize("opsec", [None, 1])
def test_data_exports_carry_title_window_marking_and_rounding(inputs, tmp_path, opsec):
    import io
    import json

    import pyogrio

    events, boundaries, index, view = inputs
    view = view.replace(title="Kursk & the border", marking="SECRET // REL TEST", opsec_decimals=opsec)
    rounding = view.opsec_note
    csv = pd.read_csv(io.BytesIO(export("csv", events, boundaries, view)), encoding="utf-8-sig")
    assert set(csv["marking"]) == {"SECRET // REL TEST"} and set(csv["export_title"]) == {"Kursk & the border"}
    assert set(csv["export_window"]) == {"2024-08-06 to 2024-08-15"}
    assert ("coord_precision" in csv.columns) == bool(rounding)
    collection = json.loads(export("geojson", events, boundaries, view))
    assert (collection["title"], collection["window"], collection["marking"]) == (
        "Kursk & the border", "2024-08-06 to 2024-08-15", "SECRET // REL TEST")
    assert collection.get("coord_precision", "") == rounding and collection["type"] == "FeatureCollection"
    path = tmp_path / "e.gpkg"
    path.write_bytes(export("gpkg", events, boundaries, view))
    meta = pyogrio.read_info(path, layer="events")["layer_metadata"]
    assert meta["TITLE"] == "Kursk & the border" and meta["MARKING"] == "SECRET // REL TEST"
    assert meta.get("COORD_PRECISION", "") == rounding
    kml = export("kml", events, boundaries, view).decode()
    assert "<name>Kursk &amp; the border</name>" in kml and "SECRET // REL TEST" in kml and (not rounding or rounding in kml)


def test_join_writes_the_events_alone(tmp_path, inputs):
    from geo.export import write_events

    events = inputs[0]
    out = write_events(events, tmp_path / "joined.csv")
    header = out.read_text(encoding="utf-8-sig").splitlines()[0]
    assert "marking" not in header and "export_title" not in header
    kml = write_events(events, tmp_path / "joined.kml").read_text(encoding="utf-8")
    assert "<kml" in kml and kml.count("<Placemark") == len(events) and "import_sha256" not in kml
