"""Command line: ``python -m geo boundaries fetch | import | join`` (each with ``--help``)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from geo import formats
from geo.errors import GeoError
from geo.stores import is_postgis

FORMAT_CHOICES = ("auto", "acled", "ucdp", "viina", "csv", "xlsx", "geojson", "kml", "gpkg")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except GeoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m geo",
        description="Event records joined to administrative boundaries (country, oblast, raion).",
    )
    sub = p.add_subparsers(title="commands")

    b = sub.add_parser("boundaries", help="obtain and cache geoBoundaries layers")
    bsub = b.add_subparsers(title="boundaries commands")
    f = bsub.add_parser(
        "fetch",
        help="download ADM levels for countries into the cache",
        description="Fetch geoBoundaries gbOpen layers into the cache (source: --source or "
        "$GEO_BOUNDARIES_SOURCE: the API URL, a mirror base URL or a local folder laid out like gbOpen).",
    )
    _boundary_args(f)
    f.add_argument("--refresh", action="store_true", help="download again even when cached")
    f.set_defaults(func=_cmd_fetch)

    i = sub.add_parser(
        "import",
        help="import event files into the store",
        description="Read, geocode, validate and join event files, then add them to the store in one "
        "transaction per file. Exit 0 when every file was readable, even with rejected rows.",
    )
    i.add_argument("files", nargs="+", metavar="FILE")
    i.add_argument("--format", choices=FORMAT_CHOICES, default="auto", help="input format (default: detect)")
    i.add_argument("--store", help="the store: a GeoPackage path or a postgresql:// URL (default: $GEO_STORE or "
                   "data/events.gpkg)")
    i.add_argument("--rejects", metavar="CSV", help="write rejected/duplicate rows with reasons to this CSV")
    i.add_argument("--dry-run", action="store_true", help="report only; store nothing")
    i.add_argument("--units", action="store_true",
                   help="the files are unit-position files (unit, date, lat/lon, sidc...): add their reports to the "
                   "store's unit positions (see 'units')")
    _date_order_args(i)
    _boundary_args(i)
    i.set_defaults(func=_cmd_import)

    j = sub.add_parser(
        "join",
        help="join an event file to admin units and write the result (store untouched)",
        description="Join INPUT to ADM0-2, border districts and border distances; write OUTPUT as CSV, "
        "GeoJSON, GPKG or KML by its extension. The store is not touched.",
    )
    j.add_argument("input", metavar="INPUT")
    j.add_argument("--out", required=True, metavar="OUTPUT", help="output file ("
                   + ", ".join(ext for f in formats.data_formats() for ext in f.extensions) + ")")
    j.add_argument("--format", choices=FORMAT_CHOICES, default="auto", help="input format (default: detect)")
    j.add_argument("--rejects", metavar="CSV", help="write rejected/duplicate rows with reasons to this CSV")
    _provenance_arg(j)
    _date_order_args(j)
    _boundary_args(j)
    j.set_defaults(func=_cmd_join)

    s = sub.add_parser(
        "snapshot",
        help="export a briefing snapshot of a view (map as PNG/SVG/PDF/PPTX/HTML, or its events as data)",
        description="Render the events of a window (from the store, or the sample data while there is none or "
        "it is empty; a store file that cannot be read is an error) "
        "with vector boundary layers only (no tiles: works offline). --view reads a saved View JSON; the "
        "other options override it. --save-view writes the View JSON that regenerates this export.",
    )
    s.add_argument("--start", help="first day of the window (YYYY-MM-DD)")
    s.add_argument("--end", help="last day of the window (YYYY-MM-DD)")
    ext = s.add_mutually_exclusive_group()
    ext.add_argument("--bbox", help="extent minlon,minlat,maxlon,maxlat (events outside are left out)")
    ext.add_argument("--fit", action="store_true", help="fit the extent to the events (default)")
    ext.add_argument("--extent", metavar="NAME",
                     help="a named extent from the boundaries: 'BLR–UKR border', 'Border districts', an oblast "
                     "('Kursk'); any unique part of a name works")
    s.add_argument("--categories", nargs="+", metavar="CATEGORY", help="keep only these categories")
    s.add_argument("--layers", nargs="+", metavar="LAYER",
                   help="layers to draw (default: the app map's visible ones; any of countries oblasts raions "
                   "border_districts labels events deployments ranges heatmap choropleth areas)")
    s.add_argument("--units", nargs="+", metavar="FILE", dest="unit_files",
                   help="unit-position files for the units layer, drawn as of the window's end (default: the unit "
                   "positions stored with the events)")
    s.add_argument("--tracks", action="store_true", default=None,
                   help="draw each unit's earlier reported positions as a dated track")
    s.add_argument("--areas", nargs="+", metavar="FILE",
                   help="dated area files (GeoJSON, KML/KMZ, GeoPackage, Shapefile) for the areas layer "
                   "(default: the areas stored with the events)")
    s.add_argument("--title", help="title (default: 'Situation snapshot')")
    s.add_argument("--subtitle", help="subtitle (default: the date window)")
    s.add_argument("--marking", help="classification / handling marking printed top and bottom")
    s.add_argument("--author", help="author in the PPTX and PDF properties (default: $GEO_AUTHOR, else geo-events)")
    s.add_argument("--labels", action="store_true", default=None, help="label events with their titles")
    s.add_argument("--graticule", action="store_true", default=None,
                   help="draw latitude/longitude lines, labelled at the map's edge")
    s.add_argument("--mgrs-grid", action="store_true", default=None,
                   help="draw the MGRS 100 km grid (UTM zones thicker), each square labelled (e.g. 36U UA)")
    s.add_argument("--numbered", action="store_true", default=None,
                   help="number the events on the map and key them beside it by date (ISW style; instead of the inset)")
    s.add_argument("--view", metavar="VIEW.json", help="start from this saved view")
    s.add_argument("--format", choices=tuple(formats.FORMATS),
                   help="output format (default: from --out's extension): "
                   + "; ".join(f"{f.name} ({', '.join(f.extensions)}): {f.label}" for f in formats.FORMATS.values()))
    s.add_argument("--out", required=True, metavar="FILE", help="output file")
    s.add_argument("--save-view", metavar="VIEW.json", help="also write the View JSON here")
    s.add_argument("--dpi", type=int, help="PNG resolution (e.g. 150 or 300)")
    s.add_argument("--paper", choices=("A4", "Letter"))
    s.add_argument("--orientation", choices=("landscape", "portrait"))
    s.add_argument("--opsec-snap", action="store_true", default=None,
                   help="with --opsec-decimals: a rounded point that left the country it was joined to goes to the "
                   "nearest grid point inside it")
    s.add_argument("--opsec-decimals", type=int, metavar="N",
                   help="round exported coordinates to N decimals, and the distances derived from them to the same step")
    _provenance_arg(s)
    s.add_argument("--generated", metavar="TIME",
                   help="generation time printed in the footer, ISO (default: now, UTC); fix it to reproduce a file")
    s.add_argument("--store", help="the store: a GeoPackage path or a postgresql:// URL (default: $GEO_STORE or "
                   "data/events.gpkg)")
    _boundary_args(s)
    s.set_defaults(func=_cmd_snapshot)

    u = sub.add_parser(
        "units",
        help="where each unit was as of a day, from unit-position files (store untouched)",
        description="Read unit-position files (CSV/TSV/XLSX/GeoJSON: unit, date, lat/lon, and optionally sidc, "
        "echelon, parent, side, type, equipment, geo_precision, verification, source) and write one row per unit "
        "reported on or before --as-of, at its latest position, with the report's age in days. No side effect on "
        "the store.",
    )
    u.add_argument("files", nargs="+", metavar="FILE")
    u.add_argument("--as-of", required=True, metavar="YYYY-MM-DD", help="the day (each unit's latest report on or "
                   "before it)")
    u.add_argument("--out", required=True, metavar="OUT.csv|OUT.geojson", help="output file, by its extension")
    u.add_argument("--side", nargs="+", default=(), metavar="SIDE", help="keep only these sides (e.g. RUS BLR)")
    u.add_argument("--echelon", nargs="+", default=(), metavar="ECHELON", help="keep only these echelons")
    u.add_argument("--parent", nargs="+", default=(), metavar="UNIT", help="keep only units of these parents")
    u.add_argument("--rejects", metavar="CSV", help="write the rejected rows with their reasons to this CSV")
    _date_order_args(u)
    u.set_defaults(func=_cmd_units)

    dr = sub.add_parser(
        "draft",
        help="draft events from news reports (places, dates, hedging, category) for review",
        description="Draft events from reports, offline: one per place and happening a sentence names, with its "
        "date from the report's date, its verification from the hedging words, its category and equipment, the "
        "evidence sentence and a confidence. INPUT is a text file (one report; --date is its publication date) or a "
        "CSV/JSONL with text and date columns (and optionally id, url), one report a row. Nothing is stored: review "
        "the drafts, then import them (python -m geo import OUT.csv).",
    )
    dr.add_argument("input", metavar="INPUT", help="a .txt report, or a .csv/.jsonl of reports")
    dr.add_argument("--out", required=True, metavar="OUT.csv|OUT.geojson", help="output file, by its extension")
    dr.add_argument("--date", metavar="YYYY-MM-DD", help="the report's publication date (a text file)")
    dr.add_argument("--lang", default="auto", choices=("auto", "fr", "en", "de", "ru", "uk"),
                    help="the reports' language (default: told from each text)")
    _boundary_args(dr)
    dr.set_defaults(func=_cmd_draft)

    st = sub.add_parser("store", help="manage stores (GeoPackage files, PostGIS databases)")
    ssub = st.add_subparsers(title="store commands")
    c = ssub.add_parser(
        "copy",
        help="copy every event from one store to another",
        description="Copy every event (every column, provenance included) from one store to another: a GeoPackage "
        "path or a postgresql:// URL, either way. One transaction in the target; events already there are "
        "skipped, so a copy can be repeated.",
    )
    c.add_argument("--from", dest="source", required=True, metavar="STORE", help="the store to read")
    c.add_argument("--to", dest="target", required=True, metavar="STORE", help="the store to add to (made if missing)")
    c.set_defaults(func=_cmd_store_copy)
    r = ssub.add_parser(
        "roles",
        help="make the PostGIS store's editor and read-only roles",
        description="Make (when missing) an editor role (may import and read) and a read-only analyst role for a "
        "PostGIS store, and grant them. Run as the database's owner after the first import; give the roles logins "
        "and passwords yourself (ALTER ROLE ... LOGIN PASSWORD ...).",
    )
    r.add_argument("--store", help="the PostGIS store (default: $GEO_STORE), a postgresql:// URL")
    r.add_argument("--editor", default="geo_editor", help="the editor role's name (default: geo_editor)")
    r.add_argument("--reader", default="geo_analyst", help="the read-only role's name (default: geo_analyst)")
    r.set_defaults(func=_cmd_store_roles)
    j = ssub.add_parser(
        "join",
        help="join every event of a PostGIS store again to the boundaries",
        description="Join every event of a PostGIS store again to the boundaries (after they changed, or for events "
        "stored without a join): the same rule as an import's join (country, oblast, raion, the nearest unit "
        "within 2 km, Ukraine's 2020 raions and hromadas, borders, the source's checks), a chunk of events at a "
        "time, written back in one transaction and logged in the import log. Run VACUUM ANALYZE geo_events after "
        "it on a large store: it rewrites every row.",
    )
    j.add_argument("--store", help="the PostGIS store (default: $GEO_STORE), a postgresql:// URL")
    j.add_argument("--chunk", type=int, default=None, metavar="N", help="events joined per step (default: 250000)")
    _boundary_args(j)
    j.set_defaults(func=_cmd_store_join)
    return p


def _cmd_store_copy(args: argparse.Namespace) -> int:
    from geo.service import copy_store
    from geo.stores import open_store

    source, target = open_store(args.source), open_store(args.target)
    if not source.exists():
        raise GeoError(f"expected a store with events to copy from, got none at {source.location}")
    read, added = copy_store(source, target)
    print(f"copied {read} events from {source.location} to {target.location}: {added} new, "
          f"{read - added} already there")
    return 0


def _postgis_spec(args: argparse.Namespace) -> str:
    """The PostGIS store a command is given (``--store`` or ``$GEO_STORE``): a GeoError for anything else."""
    from geo.postgis import redacted

    spec = args.store or os.environ.get("GEO_STORE") or ""
    if not is_postgis(spec):
        raise GeoError(f"expected a postgresql:// store (--store or $GEO_STORE), got {redacted(spec) or 'none'}")
    return spec


def _cmd_store_roles(args: argparse.Namespace) -> int:
    from geo.postgis import grant_roles, redacted

    spec = _postgis_spec(args)
    grant_roles(spec, editor=args.editor, reader=args.reader)
    print(f"roles ready in {redacted(spec)}: {args.editor} (import and read), {args.reader} (read only)")
    return 0


def _cmd_draft(args: argparse.Namespace) -> int:
    import pandas as pd

    from geo.drafts import Drafter, read_reports
    from geo.export import write_events
    from geo.places import default_index
    from geo.service import load_context

    reports = read_reports(args.input, date=args.date)
    context = load_context(args.countries, levels=args.levels, source=args.source, cache_dir=args.cache_dir,
                           progress=_progress)
    for err in context.errors:
        print(f"warning: {err}", file=sys.stderr)
    drafter = Drafter(default_index(context.boundaries), context.index)
    drafts = pd.concat([drafter.draft(r, args.lang) for r in reports], ignore_index=True)
    path = write_events(drafts, args.out)
    print(f"drafted {len(drafts)} events from {len(reports)} report(s) into {path}: nothing is stored; review "
          f"them, then: python -m geo import {path}")
    return 0


def _cmd_store_join(args: argparse.Namespace) -> int:
    from geo.postgis import JOIN_CHUNK, PostgisStore

    store = PostgisStore(_postgis_spec(args))
    if not store.exists():
        raise GeoError(f"expected a store with events to join, got none at {store.location}")
    index = _index(args)
    if index is None:
        raise GeoError("expected boundaries to join to, got none (see the warnings above)")
    countries = " ".join(args.countries) if args.countries else "the default countries"

    def progress(done: int, total: int) -> None:
        print(f"  joined {done:,} of {total:,} events", file=sys.stderr)

    done, within = store.rejoin(index, chunk=args.chunk or JOIN_CHUNK, progress=progress,
                                note=f"(join to the boundaries of {countries})")
    print(f"joined {done:,} events of {store.location} again: {within:,} within a unit, {done - within:,} near one "
          "or outside every unit")
    return 0


def _boundary_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--countries", nargs="+", metavar="ISO3", help="countries (default: $GEO_COUNTRIES or BLR UKR RUS)")
    p.add_argument("--levels", nargs="+", type=int, choices=(0, 1, 2), default=[0, 1, 2], help="ADM levels")
    p.add_argument("--source", help="boundary source (default: $GEO_BOUNDARIES_SOURCE or the geoBoundaries API)")
    p.add_argument("--cache-dir", help="boundary cache (default: $GEO_CACHE_DIR or ~/.cache/geo-events)")


def _provenance_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--provenance", action="store_true", default=None,
                   help="keep import_file (a local path), import_sha256, import_time and import_row in the output "
                   "(default: left out)")


def _date_order_args(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--dayfirst", dest="dayfirst", action="store_true", default=None,
                   help="read ambiguous NN/NN/YYYY dates as day/month")
    g.add_argument("--monthfirst", dest="dayfirst", action="store_false",
                   help="read ambiguous NN/NN/YYYY dates as month/day")


def _progress(step: Any) -> None:
    label = getattr(step, "label", "")
    total, done = getattr(step, "bytes_total", None), getattr(step, "bytes_done", None)
    if getattr(step, "stage", "") == "start" or done is None:
        print(f"  [{step.step}/{step.steps}] {label}", file=sys.stderr)
    elif total and done >= total:
        print(f"  [{step.step}/{step.steps}] {label}: {done / 1e6:.1f} MB", file=sys.stderr)


def _cmd_fetch(args: argparse.Namespace) -> int:
    from geo.boundaries import fetch_boundaries

    prov = fetch_boundaries(
        countries=args.countries, levels=tuple(args.levels), source=args.source, cache_dir=args.cache_dir,
        refresh=args.refresh, progress=_progress,
    )
    for p in prov:
        print(f"{p.iso3} ADM{p.level}: {p.feature_count} units, {p.licence}, sha256 {p.sha256[:12]}…, {p.file_url}")
    return 0


def _index(args: argparse.Namespace) -> Any:
    """Boundaries prepared for the join, or None (with a message) when none can be had."""
    from geo.service import load_context

    context = load_context(args.countries, levels=args.levels, source=args.source, cache_dir=args.cache_dir,
                           progress=_progress)
    for err in context.errors:
        print(f"warning: {err}", file=sys.stderr)
    if context.index is None:
        print("warning: no boundaries available: admin columns left empty", file=sys.stderr)
    return context.index


def _print_report(report: Any, limit: int = 20) -> None:
    print(report.summary())
    for w in report.warnings:
        print(f"  warning: {w}")
    kinds = ("reject", "duplicate", "possible_duplicate", "swap", "flag", "mismatch", "hierarchy")
    shown = [i for i in report.issues if i.kind in kinds]
    for issue in shown[:limit]:
        print(f"  {issue.kind}: {issue}")
    if len(shown) > limit:
        print(f"  … {len(shown) - limit} more (write them all with --rejects FILE)")


def _cmd_import(args: argparse.Namespace) -> int:
    from geo.ingest import prepare_import
    from geo.service import commit
    from geo.stores import open_store

    if args.units:
        return _import_units(args)
    store = open_store(args.store)
    if not args.dry_run:
        store.exists()  # a file that is not a store is an error (exit 1) before any file is read
    index = _index(args)
    status = 0
    for path in args.files:
        try:
            report = prepare_import(path, format=args.format, index=index, dayfirst=args.dayfirst)
        except GeoError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 1
            continue
        _print_report(report)
        if args.rejects:
            report.write_rejects(_per_file(args.rejects, path, len(args.files)))
        if args.dry_run:
            continue
        result = commit(store, report)
        print(f"  stored: {result.added} new, {result.already_stored} already in {store.location}")
    return status


def _import_units(args: argparse.Namespace) -> int:
    """``import --units``: each file's reports into the store's unit positions, one transaction per file."""
    import pandas as pd

    from geo.export import csv_bytes
    from geo.io.units import read_positions
    from geo.stores import open_units

    store = open_units(args.store)
    if not args.dry_run:
        store.exists()  # a file that is not a store is an error (exit 1) before any file is read
    status = 0
    for path in args.files:
        try:
            result = read_positions(path, dayfirst=args.dayfirst)
        except GeoError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 1
            continue
        added = 0 if args.dry_run else store.add(result.frame)
        already = 0 if args.dry_run else len(result.frame) - added
        print(f"{path}: {result.read} rows read = {added if not args.dry_run else len(result.frame)} "
              f"{'stored' if not args.dry_run else 'accepted'} + {len(result.issues)} rejected + "
              f"{result.duplicates + already} duplicates ({result.duplicates} in the file, {already} already stored)")
        for issue in result.issues[:20]:
            print(f"  rejected: {issue}")
        if args.rejects and result.issues:
            rows = pd.DataFrame([i.as_dict() for i in result.issues], columns=["file", "row", "field", "value", "reason"])
            Path(_per_file(args.rejects, path, len(args.files))).write_bytes(csv_bytes(rows))
    return status


def _per_file(rejects: str, path: str, n: int) -> str:
    if n == 1:
        return rejects
    root, ext = os.path.splitext(rejects)
    return f"{root}-{os.path.splitext(os.path.basename(path))[0]}{ext or '.csv'}"


def _cmd_join(args: argparse.Namespace) -> int:
    from geo.export import write_events
    from geo.ingest import prepare_import

    index = _index(args)
    report = prepare_import(args.input, format=args.format, index=index, dayfirst=args.dayfirst)
    _print_report(report)
    if args.rejects:
        report.write_rejects(args.rejects)
    out = write_events(report.frame, args.out, provenance=bool(args.provenance))
    print(f"wrote {len(report.frame)} events to {out}")
    return 0


def _snapshot_view(args: argparse.Namespace) -> Any:
    from pathlib import Path

    from geo.filter import EventFilter
    from geo.snapshot import View

    view = View.from_json(Path(args.view).read_text(encoding="utf-8")) if args.view else View()
    changes: dict[str, Any] = {}
    filt = view.filter.to_dict()
    if args.start:
        filt["start"] = args.start
    if args.end:
        filt["end"] = args.end
    if args.categories:
        filt["categories"] = args.categories
    changes["filter"] = EventFilter.from_dict(filt)
    if args.bbox:
        try:
            changes["bbox"] = tuple(float(v) for v in args.bbox.split(","))
        except ValueError as exc:
            raise GeoError(f"expected --bbox minlon,minlat,maxlon,maxlat, got {args.bbox!r}") from exc
    elif args.fit:
        changes["bbox"] = None
    if args.areas:
        changes["areas"] = tuple(args.areas)
    for name in ("title", "subtitle", "marking", "labels", "dpi", "paper", "orientation", "opsec_decimals", "layers",
                 "provenance", "author", "numbered", "graticule", "mgrs_grid", "tracks", "opsec_snap"):
        value = getattr(args, name)
        if value is not None:
            changes[name] = value
    return view.replace(**changes)


def _snapshot_events(args: argparse.Namespace, index: Any, view: Any) -> tuple[Any, str]:
    from geo.service import events_for
    from geo.stores import open_store

    # a store that cannot be read is an error (exit 1), never the sample data instead
    return events_for(open_store(args.store), view.filter, index)


def _snapshot_areas(args: argparse.Namespace, files: Sequence[str]) -> Any:
    """The dated areas: from ``files`` (--areas, or those the view names), else those stored beside the events
    (None if there are none)."""
    import pandas as pd

    from geo.areas import read_areas
    from geo.stores import open_areas

    if files:
        frames = []
        for path in files:
            frame, issues = read_areas(path)
            for issue in issues[:5]:
                print(f"warning: {path}: {issue}", file=sys.stderr)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    store = open_areas(args.store)
    return store.read() if store.exists() else None


def _snapshot_units(args: argparse.Namespace) -> Any:
    """The unit positions: from --units files, else those stored beside the events (None if there are none)."""
    from geo.io.units import read_positions
    from geo.stores import open_units

    if args.unit_files:
        result = read_positions(args.unit_files)
        for issue in result.issues[:5]:
            print(f"warning: {issue}", file=sys.stderr)
        return result.frame
    store = open_units(args.store)
    return store.read() if store.exists() else None


def _cmd_units(args: argparse.Namespace) -> int:
    from pathlib import Path

    import pandas as pd

    from geo import units
    from geo.export import csv_bytes
    from geo.io.units import read_positions

    out = Path(args.out)
    if out.suffix.lower() not in (".csv", ".geojson", ".json"):
        raise GeoError(f"expected --out ending in .csv or .geojson, got {out.name!r}")
    result = read_positions(args.files, dayfirst=args.dayfirst)
    table = units.as_of(result.frame, args.as_of, sides=args.side, echelons=args.echelon, parents=args.parent)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".csv":
        out.write_bytes(units.to_csv_bytes(table))
    else:
        out.write_bytes(units.to_geojson_bytes(table, as_of_day=args.as_of))
    for issue in result.issues[:20]:
        print(f"rejected: {issue}", file=sys.stderr)
    if len(result.issues) > 20:
        print(f"rejected: ... and {len(result.issues) - 20} more (--rejects CSV lists them all)", file=sys.stderr)
    if args.rejects:
        rows = pd.DataFrame([i.as_dict() for i in result.issues], columns=["file", "row", "field", "value", "reason"])
        Path(args.rejects).write_bytes(csv_bytes(rows))
    total_units = result.frame["unit_key"].nunique()
    print(f"read {result.read} rows from {len(args.files)} file(s): {len(result.frame)} positions, "
          f"{len(result.issues)} rejected, {result.duplicates} duplicates; wrote {out} with {len(table)} units as of "
          f"{args.as_of} ({total_units - len(table)} of {total_units} not reported by then or filtered out)")
    return 0


def _cmd_snapshot(args: argparse.Namespace) -> int:
    from pathlib import Path

    from geo.service import load_context
    from geo.snapshot import changes_since, opsec_warnings, preset_extent, select, write

    view = _snapshot_view(args)
    named = formats.by_extension(Path(args.out).suffix)
    fmt = args.format or (named.name if named is not None else None)
    if fmt is None:
        known = ", ".join(ext for f in formats.FORMATS.values() for ext in f.extensions)
        raise GeoError(f"expected --format or an --out extension among {known}, got {Path(args.out).suffix!r}")
    # the place names' table and the simplified unit geometry kept on disk too, as the app keeps them
    context = load_context(args.countries, levels=args.levels, source=args.source, cache_dir=args.cache_dir,
                           maps=True, labels="labels" in view.layers)
    for err in context.errors:
        print(f"warning: {err}", file=sys.stderr)
    boundaries, index = context.boundaries, context.index
    if args.extent:
        view = view.replace(bbox=preset_extent(args.extent, boundaries, index))
    events, origin = _snapshot_events(args, index, view)
    areas = _snapshot_areas(args, view.areas) if "areas" in view.layers else None
    positions = _snapshot_units(args) if "units" in view.layers else None
    for change in changes_since(view, events):  # a saved view: its inputs then and now
        print(f"warning: {change}", file=sys.stderr)
    generated = None
    when = args.generated or view.generated  # a saved view regenerates with its own time: the same bytes
    if when:
        import datetime as dt

        try:
            generated = dt.datetime.fromisoformat(when)
        except ValueError as exc:
            raise GeoError(f"expected --generated as an ISO time like 2024-08-16T12:00Z, got {when!r}") from exc
        if generated.tzinfo is None:
            generated = generated.replace(tzinfo=dt.UTC)
    out = write(args.out, events, boundaries, view, fmt=fmt, index=index, generated=generated,
                save_view=args.save_view or False, areas=areas, units=positions)
    print(f"wrote {out} ({fmt}, {len(select(events, view))} of {len(events)} events from {origin})")
    for warning in opsec_warnings(events, view, index):
        print(f"warning: {warning}", file=sys.stderr)
    if args.save_view:
        print(f"wrote view {args.save_view}")
    return 0
