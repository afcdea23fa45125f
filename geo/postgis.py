"""The event store in PostGIS (``GEO_STORE=postgresql://...``): one database a team reads and writes at once.

Schema (made on first write, in the database's ``public`` schema unless the URL names another with
``?options=-csearch_path%3D...``):

* ``geo_events``: one row per event, every canonical and join column (:data:`geo.schema.EVENT_DTYPES`,
  :data:`geo.schema.JOIN_DTYPES`) typed (text, timestamp, double precision, bigint, boolean), ``geom``
  (Point, EPSG:4326, from lon/lat), ``import_id`` (the import that stored it) and ``seq`` (the order stored).
  Indexes: the primary key on ``id``, GiST on ``geom``, B-tree on the start (holding the end and the columns a
  count or an aggregate reads: index-only scans; a window is bounded below by the store's longest event).
* ``geo_imports``: the import log, one row per committed import: file, sha256, ``imported_at`` (the
  server's time), ``imported_by`` (the database role), offered, added, and the bounds of what it stored.
* ``geo_facets``: each facet's values (category, verification, precision, actors, units with their names), added
  by every import: the app's choices (:meth:`PostgisStore.catalog`) without reading the events.
* ``geo_rollup``: counts kept ahead per month and per year, cell of :data:`ROLLUP_CELL` degrees, category and
  precision, added to by every import in its transaction: a long window's count and aggregate read them for its
  whole months and the events only for the days at its ends (:func:`_rollup_plan`).

Guarantees (as :class:`geo.store.EventStore`'s):

* **An import is one transaction**, by ``COPY`` (CSV written by Arrow, not row inserts): straight into the
  events table when none of its ids is stored yet, else through a temporary table and ``INSERT … SELECT … ON
  CONFLICT (id) DO NOTHING``; the log row commits with it. A client killed at any point (``kill -9``) leaves
  nothing: the server rolls the open transaction back.
* **Concurrent imports never lose or duplicate a row**: ids are stable (:func:`geo.schema.stable_id`) and the
  primary key decides; each import's ``added`` counts the rows it stored itself.
* Rows without id or start date, or with lon/lat out of range, are refused by a CHECK constraint (the whole
  import is rolled back), as in the GeoPackage.
* A database that cannot be reached, or a ``geo_events`` table of another shape, is a
  :class:`~geo.errors.StoreError` naming the store (its URL without a password), never "empty".
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from geo.errors import StoreError
from geo.filter import ADM1_PRECISION, ADM2_PRECISION, SEARCH_COLUMNS, EventFilter
from geo.schema import CRS, EVENT_DTYPES, JOIN_DTYPES, conform
from geo.store import (
    CATALOG_COLUMNS,
    GRID_COLUMNS,
    MICRO,
    AddResult,
    bounded_catalog,
    canonical,
    cell_of,
    cell_size,
    grid_counts,
    merged_filter,
    sorted_grid,
    window,
)

EVENTS: Final = "geo_events"
IMPORTS: Final = "geo_imports"
COLUMNS: Final = {**EVENT_DTYPES, **JOIN_DTYPES}
_SQL_TYPE: Final = {"string": "text", "category": "text", "datetime64[ns]": "timestamp", "float64": "double precision",
                    "Int64": "bigint", "boolean": "boolean"}
#: Rows written to the server per COPY chunk (bounded memory for any import size).
CHUNK_ROWS: Final = 200_000
#: Events joined per step of :meth:`PostgisStore.rejoin` (the client's memory is bounded by it, not the store).
JOIN_CHUNK: Final = 250_000
#: Whether a table of that name is in the store's own schema (the first of its search path), not any other.
_HERE: Final = "SELECT to_regclass(format('%%I.%%I', current_schema(), %s::text)) IS NOT NULL"
_LOCK: Final = 0x6765_6F73  # the advisory lock taken while the schema is made ("geos")


def redacted(url: str) -> str:
    """``url`` without its password (what messages show)."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


#: An event's last moment: its end, or its start when it has none (or an end before it): :func:`geo.filter.apply`'s
#: rule.
LAST: Final = "greatest(date_end, date_start)"
#: The events table's indexes and keys (name, definition), made with the table and rebuilt after a bulk load.
_INDEXES: Final = (
    (f"{EVENTS}_geom", f"CREATE INDEX IF NOT EXISTS {EVENTS}_geom ON {EVENTS} USING gist (geom)"),
    # the start, holding what a window's count or a zoomed-out aggregate reads (an index-only scan:
    # :meth:`PostgisStore.tally`, :meth:`PostgisStore.grid`); a window scans the starts from its first day less
    # the store's longest event (the import log keeps it) to its last day
    (f"{EVENTS}_start", f"CREATE INDEX IF NOT EXISTS {EVENTS}_start ON {EVENTS} (date_start) "
                        "INCLUDE (date_end, lon, lat, category, geo_precision)"),
    (f"{EVENTS}_seq", f"CREATE INDEX IF NOT EXISTS {EVENTS}_seq ON {EVENTS} (seq)"),
)
_KEYS: Final = (
    (f"{EVENTS}_pkey", "PRIMARY KEY (id)"),
    (f"{EVENTS}_import_id_fkey", f"FOREIGN KEY (import_id) REFERENCES {IMPORTS} (import_id)"),
)


def _schema_sql() -> list[str]:
    cols = ",\n  ".join(f'"{c}" {_SQL_TYPE[t]}' for c, t in COLUMNS.items() if c != "id")
    keys = ",\n  ".join(f"CONSTRAINT {name} {definition}" for name, definition in _KEYS)
    return [
        f"""CREATE TABLE IF NOT EXISTS {IMPORTS} (
  import_id bigserial PRIMARY KEY, file text, sha256 text, imported_at timestamptz NOT NULL DEFAULT now(),
  imported_by text NOT NULL DEFAULT current_user, offered bigint NOT NULL, added bigint NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS {EVENTS} (
  id text NOT NULL,
  {cols},
  geom geometry(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED,
  import_id bigint,
  seq bigserial,
  {keys},
  CONSTRAINT events_guard CHECK (id <> '' AND date_start IS NOT NULL AND lon BETWEEN -180 AND 180
                                 AND lat BETWEEN -90 AND 90))""",
        *(definition for _name, definition in _INDEXES),
        *_catalog_sql(),
    ]


FACETS: Final = "geo_facets"
#: Per import, the bounds of what it stored (the catalog's windows and extent, without reading the events).
_BOUNDS: Final = (("first_start", "timestamp", "min(date_start)"), ("latest_start", "timestamp", "max(date_start)"),
                  ("last_end", "timestamp", "max(coalesce(date_end, date_start))"),
                  ("min_lon", "double precision", "min(lon)"), ("min_lat", "double precision", "min(lat)"),
                  ("max_lon", "double precision", "max(lon)"), ("max_lat", "double precision", "max(lat)"),
                  ("longest", "interval", f"max({LAST} - date_start)"))


#: The store's bounds from its imports' (each the same aggregate of its column).
_IMPORT_BOUNDS: Final = ", ".join(f"{agg.split('(')[0]}({name})" for name, _kind, agg in _BOUNDS)


def _catalog_sql() -> list[str]:
    """The catalog's tables: ``geo_facets`` (each facet's values, with their unit's name and parent, added by
    every import) and the bounds columns of the import log."""
    return [f"CREATE TABLE IF NOT EXISTS {FACETS} (facet text NOT NULL, value text NOT NULL, name text, parent text, "
            "PRIMARY KEY (facet, value))",
            *(f"ALTER TABLE {IMPORTS} ADD COLUMN IF NOT EXISTS {name} {kind}" for name, kind, _agg in _BOUNDS)]


class PostgisStore:
    """Events in a PostGIS database; see the module docstring for the schema and the guarantees."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        self.url = url
        self.timeout = timeout

    @property
    def location(self) -> str:
        return redacted(self.url)

    def __str__(self) -> str:
        return self.location

    def version(self) -> str:
        """A token that changes whenever an import commits (the last import's id: every import logs one row,
        read from the log's primary key, never a count of the events: the app asks on every rerun); "none"
        while the database holds no events table. One connection (a table of another shape is found by the read
        the new token leads to: :meth:`exists`)."""
        import psycopg

        with self._connect() as con:
            try:
                if not con.execute(_HERE, (EVENTS,)).fetchone()[0]:  # type: ignore[index]
                    return "none"
                last = con.execute(f"SELECT coalesce(max(import_id), 0) FROM {IMPORTS}").fetchone()[0]  # type: ignore[index]
            except psycopg.Error as exc:
                raise self._fail("cannot read", exc) from exc
        return f"{self.location}:{last}"

    def _connect(self):  # noqa: ANN202  (psycopg.Connection, imported lazily)
        import psycopg
        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        try:
            params = conninfo_to_dict(self.url)
            # no JIT compilation: the store's queries are short index scans, which it slows (by 0.3 s of 0.8 s
            # for a 30-day window of 10M events); memory enough for a window's bitmap to stay exact and its sort
            # by the order stored to stay in memory (the default 4 MB spills both at 170k events)
            params["options"] = f"{params.get('options') or ''} -c jit=off -c work_mem=64MB".strip()
            return psycopg.connect(make_conninfo(**params), connect_timeout=max(1, int(self.timeout)))
        except psycopg.Error as exc:
            raise StoreError(f"cannot reach the PostGIS store {self.location}: {exc}".strip()) from exc

    def _fail(self, what: str, exc: Exception) -> StoreError:
        return StoreError(f"{what} the PostGIS store {self.location}: {exc}".strip())

    # -- reading ---------------------------------------------------------------------------------------

    def exists(self) -> bool:
        """Whether the database holds the events table (a table of another shape is a StoreError)."""
        import psycopg

        with self._connect() as con:
            try:
                row = con.execute(_HERE, (EVENTS,)).fetchone()
                if not row or not row[0]:
                    return False
                have = {r[0] for r in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                    "AND table_schema = current_schema()", (EVENTS,))}
            except psycopg.Error as exc:
                raise self._fail("cannot read", exc) from exc
        missing = sorted({"id", "date_start", "lon", "lat", "geom"} - have)
        if missing:
            raise StoreError(f"expected a PostGIS events table {EVENTS} with columns id, date_start, lon, lat, geom "
                             f"in {self.location}, got one without {', '.join(missing)}")
        return True

    def count(self) -> int:
        if not self.exists():
            return 0
        with self._connect() as con:
            return int(con.execute(f"SELECT count(*) FROM {EVENTS}").fetchone()[0])  # type: ignore[index]

    def query(self, *, start: Any = None, end: Any = None, bbox: tuple[float, float, float, float] | None = None,
              where: EventFilter | None = None, columns: Sequence[str] | None = None,
              ids: Sequence[str] | None = None) -> gpd.GeoDataFrame:
        """The events active in [start, end], inside ``bbox``, passing ``where`` and among ``ids`` (see
        :class:`geo.stores.Store`). The server selects them with its indexes (the window, the box and the exact
        facets: category, verification, precision, country, oblast, raion, border districts); only those rows
        travel, in ``columns`` only when given; the rest of ``where`` (actors, text search, drawn shapes) is
        then applied by :func:`geo.filter.apply`, the one rule."""
        flt = merged_filter(where, start, end)
        clause, params = _filter_sql(flt, bbox, self._longest())
        if ids is not None:  # (by the primary key)
            clause, params = f"{clause} AND id = ANY(%s)", [*params, [str(i) for i in ids]]
        in_memory = bool(flt.actors or flt.search or flt.shapes)
        if in_memory and columns is not None:  # the columns the in-memory rule reads come too
            columns = (*columns, "actors", *SEARCH_COLUMNS)
        frame = self._select(clause, params, columns)
        rest = EventFilter(actors=flt.actors, search=flt.search, shapes=flt.shapes)  # what the server left
        return window(frame, where=rest) if in_memory else frame

    def tally(self, *, where: EventFilter | None = None,
              bbox: tuple[float, float, float, float] | None = None) -> int:
        """How many events :meth:`query` would return, without reading them (an upper bound when ``where``
        sets actors, a text search or drawn shapes, which only the in-memory rule applies). A window of whole
        months is counted from the counts kept ahead (:data:`ROLLUP`), its ends from the events."""
        flt = merged_filter(where)
        if not self.exists():
            return 0
        parts, params = self._parts(flt, bbox, None)
        with self._connect() as con:
            return int(con.execute(f"SELECT coalesce(sum(n), 0) FROM ({parts}) AS parts", params).fetchone()[0])  # type: ignore[index]

    def grid(self, size: float, *, where: EventFilter | None = None,
             bbox: tuple[float, float, float, float] | None = None) -> pd.DataFrame:
        """Counts of the events :meth:`query` selects, per cell of ``size`` degrees (columns ``cx``, ``cy``:
        :func:`geo.store.cell_of` the lon and lat), category and precision, aggregated by the server: a
        zoomed-out view reads a few thousand rows, never the events (:func:`geo.store.grid_counts` is the rule).
        A window's whole months come from the counts kept ahead (:data:`ROLLUP`) when ``size`` is a multiple of
        :data:`ROLLUP_CELL` and ``where`` selects by category and precision at most."""
        flt, size = merged_filter(where), cell_size(size)
        if flt.actors or flt.search or flt.shapes:  # not pushed down: the events are read and counted here
            return grid_counts(self.query(where=flt, bbox=bbox, columns=GRID_COLUMNS), size)
        if not self.exists():
            return grid_counts(canonical(pd.DataFrame()), size)
        parts, params = self._parts(flt, bbox, round(size * MICRO))
        # (a part taken away can leave a cell's count at 0: no such cell)
        buf = self._copy_out(f"SELECT cx, cy, category, geo_precision, sum(n)::bigint FROM ({parts}) AS parts "
                             "WHERE cx IS NOT NULL AND cy IS NOT NULL GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0", params)
        if not buf.getbuffer().nbytes:  # no event: no cell
            return grid_counts(canonical(pd.DataFrame()), size)
        types = {"cx": pa.int64(), "cy": pa.int64(), "category": pa.string(), "geo_precision": pa.string(),
                 "n": pa.int64()}
        table = pacsv.read_csv(pa.BufferReader(pa.py_buffer(buf.getbuffer())),
                               read_options=pacsv.ReadOptions(column_names=list(types)),
                               convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True,
                                                                    quoted_strings_can_be_null=False))
        return sorted_grid(table.to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get))

    def _parts(self, flt: EventFilter, bbox: tuple[float, float, float, float] | None,
               micro: int | None) -> tuple[str, list[Any]]:
        """The window's counts as a UNION ALL of parts with columns cx, cy (cells of ``micro`` micro-degrees;
        NULL for an event without a location, or when ``micro`` is None), category, geo_precision, n: the
        counts kept ahead for its whole months when they answer it (:func:`_rollup_plan`), the events for the
        rest; the events alone otherwise."""
        with self._connect() as con:
            ready = bool(con.execute(_HERE, (ROLLUP,)).fetchone()[0])  # type: ignore[index]
            longest = _longest_on(con)  # (last: an older log's missing column ends the transaction)
        cells = ("NULL::bigint AS cx, NULL::bigint AS cy" if micro is None else
                 f"{_cell_sql('lon', micro)} AS cx, {_cell_sql('lat', micro)} AS cy")
        plan = _rollup_plan(flt, bbox, longest, micro) if ready else None
        if plan is None:
            clause, params = _filter_sql(flt, bbox, longest)
            return (f"SELECT {cells}, category, geo_precision, count(*) AS n FROM {EVENTS} WHERE {clause} "
                    "GROUP BY 1, 2, 3, 4"), params
        parts, ranges = plan
        facets, facet_params = _filter_sql(EventFilter(categories=flt.categories, precision=flt.precision), None)
        k = 1 if micro is None else micro // _ROLLUP_MICRO
        rolled = ("NULL::bigint AS cx, NULL::bigint AS cy" if micro is None else
                  f"floor(cx / {k}::double precision)::bigint AS cx, floor(cy / {k}::double precision)::bigint AS cy")
        sql, params = [], []
        for sign, span, first, last in parts:
            until = "" if last is None else (" AND period < %s" if span else " AND date_start < %s")
            if span:
                sql.append(f"SELECT {rolled}, category, geo_precision, {sign} * n AS n FROM {ROLLUP} WHERE span = %s "
                           f"AND period >= %s{until} AND {facets}")
                params += [span, first]
            else:
                sql.append(f"SELECT {cells}, category, geo_precision, {sign} * count(*) AS n FROM {EVENTS} WHERE "
                           f"date_start >= %s{until} AND {facets} GROUP BY 1, 2, 3, 4")
                params += [first]
            params += [*([] if last is None else [last]), *facet_params]
        for clause, values in ranges:
            sql.append(f"SELECT {cells}, category, geo_precision, count(*) AS n FROM {EVENTS} WHERE {clause} "
                       f"AND {facets} GROUP BY 1, 2, 3, 4")
            params += [*values, *facet_params]
        return " UNION ALL ".join(sql), params

    def _longest(self) -> dt.timedelta | None:
        """The longest stored event (start to end), from the import log (None: unknown, or no store)."""
        with self._connect() as con:
            return _longest_on(con)

    def catalog(self) -> pd.DataFrame:
        """The frame standing for the store's events where the app's filters read them
        (:func:`geo.store.catalog_frame`: each facet's distinct values, the bounds), read from ``geo_facets`` and
        the import log's bounds, which every import keeps up to date: a few hundred rows, whatever the store's
        size. A store made before those tables gets them here, from one pass over its events (once), and the
        counts kept ahead (:data:`ROLLUP`) likewise when the role may make them."""
        if not self.exists():
            return bounded_catalog(pd.DataFrame(), None)
        with self._connect() as con:
            if not _catalog_ready(con):
                with con.transaction():
                    _upgrade_catalog(con)
            if not con.execute(_HERE, (ROLLUP,)).fetchone()[0]:  # type: ignore[index]  # a store made before it
                con.commit()  # (what the catalog's upgrade made is kept)
                _prepare(con, self.location, required=False)  # (a reader's windows are counted from the events)
            rows = con.execute(f"SELECT facet, value, name, parent FROM {FACETS} ORDER BY facet, value").fetchall()
            bounds = con.execute(f"SELECT {_IMPORT_BOUNDS} FROM {IMPORTS}").fetchone()
        return bounded_catalog(_facet_frame(rows), None if bounds is None else tuple(bounds[:7]))  # type: ignore[arg-type]

    def rejoin(self, index: Any, *, chunk: int = JOIN_CHUNK, progress: Any = None,
               note: str = "(re-join)") -> tuple[int, int]:
        """Join every stored event again to the boundaries of ``index`` (:class:`geo.join.AdminIndex`) by the one
        rule, :func:`geo.join.enrich`, so the store answers exactly as an import joined in memory would: ``chunk``
        events at a time (read by their order stored, joined here, written back by COPY and one UPDATE), so the
        client's memory follows the chunk, not the store. One transaction, logged in the import log as ``note``
        (offered: the events, added: 0): a client killed midway changes nothing; imports wait for it, readers see
        the join before it until it commits. The catalog's place facets are replaced by the new join's. Returns
        (events joined, events within a country's unit); ``progress(done, total)`` after each chunk."""
        if not self.exists():
            return 0, 0
        return _rejoin(self, index, max(int(chunk), 1), progress, note)

    def read(self) -> gpd.GeoDataFrame:
        """Every stored event as a GeoDataFrame (EPSG:4326) in the canonical + join columns, in the order
        stored (the same frame :meth:`geo.store.EventStore.read` gives for the same imports)."""

        return self._select("TRUE", [], None)

    def _select(self, where: str, params: list[Any], columns: Sequence[str] | None) -> gpd.GeoDataFrame:
        """The events matching ``where`` (``%s`` placeholders for ``params``), in the order stored, by COPY."""
        if not self.exists():
            return canonical(pd.DataFrame())
        chosen = [c for c in COLUMNS if columns is None or c in columns or c in ("id", "date_start", "lon", "lat")]
        names = ", ".join(f'"{c}"' for c in chosen)
        buf = self._copy_out(f"SELECT {names} FROM {EVENTS} WHERE {where} ORDER BY seq", params)
        view = buf.getbuffer()  # the rows as they came, read in place (no copy of the CSV)
        try:
            return _from_csv(view, chosen)
        finally:
            with contextlib.suppress(BufferError):  # (Arrow's reader threads may still hold it: then it goes with them)
                view.release()
            del view, buf
            # what the read's CSV and Arrow table took goes back to the system, not kept by Arrow's allocator for
            # later: an app's memory follows its current window (100 MB less after a few 170k-event windows)
            pa.default_memory_pool().release_unused()

    def _copy_out(self, select: str, params: list[Any]) -> io.BytesIO:
        """The rows of ``select`` (``%s`` placeholders for ``params``) as COPY's CSV."""
        with self._connect() as con:
            return self._copy_out_on(con, select, params)

    def _copy_out_on(self, con, select: str, params: list[Any]) -> io.BytesIO:  # noqa: ANN001
        import psycopg
        from psycopg import sql

        buf = io.BytesIO()
        with con.cursor() as cur:
            try:
                # COPY takes no parameters: the values are bound here, as SQL literals
                text = sql.SQL(select.replace("%s", "{}")).format(*[sql.Literal(v) for v in params]).as_string(con)
                with cur.copy(f"COPY ({text}) TO STDOUT (FORMAT csv)") as copy:
                    for block in copy:
                        buf.write(block)
            except psycopg.Error as exc:
                raise self._fail("cannot read", exc) from exc
        return buf

    def imports(self) -> pd.DataFrame:
        """The import log: one row per committed import (plus who imported it)."""
        if not self.exists():
            return pd.DataFrame(columns=["file", "sha256", "imported_at", "offered", "added", "imported_by"])
        with self._connect() as con:
            rows = con.execute(f"SELECT file, sha256, imported_at, offered, added, imported_by FROM {IMPORTS} "
                               "ORDER BY import_id").fetchall()
        return pd.DataFrame(rows, columns=["file", "sha256", "imported_at", "offered", "added", "imported_by"])

    # -- writing ---------------------------------------------------------------------------------------

    def add(self, events: pd.DataFrame, *, source: str = "", sha256: str = "") -> AddResult:
        """Add ``events`` in one transaction, with a row in the import log; ids already stored are skipped.

        When none of the ids is stored yet (a new file: the usual case) the rows are copied straight into the
        events table; otherwise, or when a concurrent import stores some of them first (the unique key says
        so and this transaction rolls back), they go through a temporary table and ``ON CONFLICT DO
        NOTHING``."""
        import psycopg

        frame = events if set(EVENT_DTYPES) <= set(events.columns) else conform(events)
        offered = len(frame)
        # one row per id even when the file repeats one: the first wins, as in the GeoPackage
        frame = frame.loc[~frame["id"].duplicated()].reset_index(drop=True)
        try:
            try:
                return AddResult(offered, self._add(frame, offered, source, sha256, direct=True))
            except psycopg.errors.UniqueViolation:  # a concurrent import committed some of these ids first
                return AddResult(offered, self._add(frame, offered, source, sha256, direct=False))
        except psycopg.errors.CheckViolation as exc:
            raise StoreError(f"nothing stored in {self.location}: an event without id or start date, or with "
                             f"lon/lat out of range ({exc.diag.message_primary})") from exc
        except psycopg.Error as exc:
            raise self._fail("nothing stored in", exc) from exc

    def _add(self, frame: pd.DataFrame, offered: int, source: str, sha256: str, *, direct: bool) -> int:
        with self._connect() as con:
            # the schema first, in a transaction of its own: a session making it never holds locks an import
            # of another session waits on while that import holds the rows it waits on (no deadlock)
            _prepare(con, self.location)
            if not offered:
                return 0
            return self._import(con, frame, offered, source, sha256, direct=direct)

    def _import(self, con, frame: pd.DataFrame, offered: int, source: str, sha256: str, *,  # noqa: ANN001
                direct: bool) -> int:
        names = ", ".join(f'"{c}"' for c in COLUMNS)
        with con.transaction():
            import_id = con.execute(
                f"INSERT INTO {IMPORTS} (file, sha256, offered, added) VALUES (%s, %s, %s, 0) RETURNING import_id",
                (source, sha256, offered)).fetchone()[0]  # type: ignore[index]
            bulk = direct and _bulk_load(con, len(frame))
            if direct and con.execute(f"SELECT EXISTS (SELECT 1 FROM {EVENTS})").fetchone()[0]:  # type: ignore[index]
                direct = not _any_stored(con, frame["id"])  # (an empty table holds none of them)
            if direct:  # no id stored yet: straight into the table, in the file's order
                if bulk:  # indexes and keys dropped now, rebuilt once after the COPY (within this transaction)
                    _drop_indexes(con)
                _copy(con, f"COPY {EVENTS} ({names}, import_id) FROM STDIN (FORMAT csv)", frame, import_id)
                # every row is stored: the rollup's counts and the catalog's rows are made here, while the server
                # builds the indexes
                with ThreadPoolExecutor(1) as pool:
                    counting = pool.submit(lambda: (rollup_rows(frame), _catalog_rows(frame)))
                    if bulk:
                        _build_indexes(con)
                    counts, catalog = counting.result()
                _rollup_merge(con, counts, rebuild=bulk)
                added = len(frame)
            else:
                con.execute("SET LOCAL work_mem = '256MB'")  # the sort by file order stays in memory
                con.execute(f"CREATE TEMP TABLE incoming (LIKE {EVENTS} INCLUDING DEFAULTS) ON COMMIT DROP")
                con.execute("ALTER TABLE incoming DROP COLUMN seq, DROP COLUMN geom, DROP COLUMN import_id, "
                            "ADD COLUMN ord bigint GENERATED ALWAYS AS IDENTITY")  # the file's row order
                _copy(con, f"COPY incoming ({names}) FROM STDIN (FORMAT csv)", frame, None)
                # the rows stored (not those already there) are counted into the rollup by the same statement
                added = con.execute(_rollup_add("SELECT date_start, lon, lat, category, geo_precision FROM added", prefix=(
                    f"added AS (INSERT INTO {EVENTS} ({names}, import_id) SELECT {names}, {int(import_id)} FROM "
                    "incoming ORDER BY ord ON CONFLICT (id) DO NOTHING RETURNING date_start, lon, lat, category, "
                    "geo_precision),"))).fetchone()[0]  # type: ignore[index]
                catalog = _catalog_rows(frame)
            con.execute(f"UPDATE {IMPORTS} SET added = %s WHERE import_id = %s", (added, import_id))
            _record_catalog(con, catalog, import_id)
        return int(added)


# --- counts kept ahead -----------------------------------------------------------------------------------

ROLLUP: Final = "geo_rollup"
#: The cell (degrees) of the counts kept ahead per month and per year: a grid of this size or a multiple of it
#: (0.2, 0.4, 1, 2, 4, 10: :func:`geo.render.grid_cell`'s sizes from 0.2 up) is answered from them.
ROLLUP_CELL: Final = 0.2
_ROLLUP_MICRO: Final = round(ROLLUP_CELL * MICRO)


def _cell_sql(column: str, micro: int) -> str:
    """:func:`geo.store.cell_of` in SQL (whole micro-degrees, so that cells of a multiple size nest exactly)."""
    return f"floor(round({column} * {MICRO}) / {int(micro)})::bigint"


def _rollup_sql() -> list[str]:
    """``geo_rollup``: per span (month, year), period (its first day), cell of :data:`ROLLUP_CELL` degrees (NULL
    for events without a location), category and precision, how many events start in it."""
    return [f"CREATE TABLE IF NOT EXISTS {ROLLUP} (span text NOT NULL, period timestamp NOT NULL, cx bigint, "
            "cy bigint, category text, geo_precision text, n bigint NOT NULL)",
            f"CREATE UNIQUE INDEX IF NOT EXISTS {ROLLUP}_key ON {ROLLUP} "
            "(span, period, cx, cy, category, geo_precision) NULLS NOT DISTINCT"]


def _prepare(con, location: str, *, required: bool = True) -> None:  # noqa: ANN001
    """The store's tables (a new store) and its counts kept ahead (a new store, or one made before them, filled
    from its events), made by one session at a time (a session-wide advisory lock), in a transaction of their own
    begun after the lock: it sees what the session before it made, so it makes nothing twice and runs no DDL on a
    store that has it all (DDL would lock tables that importers of other sessions hold: a deadlock). A role that
    may not make tables (an editor, a reader) gets a :class:`~geo.errors.StoreError` saying so when ``required``
    (an import: each import adds to the counts), nothing otherwise (a read: windows are then counted from the
    events)."""
    import psycopg

    with con.transaction():
        if con.execute(_HERE, (EVENTS,)).fetchone()[0] and con.execute(_HERE, (ROLLUP,)).fetchone()[0]:
            return
    with con.transaction():
        con.execute("SELECT pg_advisory_lock(%s)", (_LOCK,))
    try:
        with con.transaction():
            if not con.execute(_HERE, (EVENTS,)).fetchone()[0]:
                for statement in _schema_sql():
                    con.execute(statement)
            if not con.execute(_HERE, (ROLLUP,)).fetchone()[0]:
                for statement in _rollup_sql():
                    con.execute(statement)
                con.execute(_rollup_add(f"SELECT date_start, lon, lat, category, geo_precision FROM {EVENTS}"))
    except psycopg.errors.InsufficientPrivilege as exc:
        if required:
            raise StoreError(f"nothing stored in {location}: it was made by an earlier version and lacks "
                             f"{ROLLUP}, which this role may not make ({exc.diag.message_primary}); its owner "
                             "makes it and grants it to the roles with: python -m geo store roles") from exc
    finally:
        with con.transaction():
            con.execute("SELECT pg_advisory_unlock(%s)", (_LOCK,))


def _rollup_add(rows: str, *, prefix: str = "") -> str:
    """The statement adding the counts of ``rows`` (a SELECT of date_start, lon, lat, category, geo_precision)
    to the rollup (``prefix``: further WITH items before it, each followed by a comma). The rows are aggregated
    per month, the months per year; the upserts go in key order, so importers at once never deadlock."""
    cell = f"{_cell_sql('lon', _ROLLUP_MICRO)} AS cx, {_cell_sql('lat', _ROLLUP_MICRO)} AS cy"
    return (f"WITH {prefix} rows_in AS ({rows}), "
            f"months AS (SELECT date_trunc('month', date_start) AS period, {cell}, category, geo_precision, "
            "count(*) AS n FROM rows_in GROUP BY 1, 2, 3, 4, 5), "
            f"counted AS (INSERT INTO {ROLLUP} AS r (span, period, cx, cy, category, geo_precision, n) "
            "SELECT * FROM (SELECT 'month' AS span, period, cx, cy, category, geo_precision, n FROM months "
            "UNION ALL SELECT 'year', date_trunc('year', period), cx, cy, category, geo_precision, sum(n) FROM months "
            "GROUP BY 2, 3, 4, 5, 6) AS spans ORDER BY 1, 2, 3, 4, 5, 6 "
            "ON CONFLICT (span, period, cx, cy, category, geo_precision) DO UPDATE SET n = r.n + EXCLUDED.n "
            "RETURNING 1) "
            "SELECT (SELECT count(*) FROM rows_in), (SELECT count(*) FROM counted)")


#: The rollup's columns (name -> dtype), as :func:`rollup_rows` gives them.
_ROLLUP_COLUMNS: Final = {"span": "string", "period": "datetime64[ns]", "cx": "Int64", "cy": "Int64",
                          "category": "string", "geo_precision": "string", "n": "Int64"}


def rollup_rows(events: pd.DataFrame) -> pd.DataFrame:
    """The rollup's rows counting ``events`` (:data:`ROLLUP`: per month and per year, cell of
    :data:`ROLLUP_CELL` degrees, category and precision), as :func:`_rollup_add` counts them in SQL."""
    start = pd.to_datetime(events["date_start"]).to_numpy(dtype="datetime64[ns]")
    lon = pd.to_numeric(events["lon"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(events["lat"], errors="coerce").to_numpy(dtype=float)
    cells = {}
    for name, values in (("cx", lon), ("cy", lat)):
        index = np.zeros(len(values), dtype=np.int64)
        index[~np.isnan(values)] = cell_of(values[~np.isnan(values)], ROLLUP_CELL)
        cells[name] = pd.arrays.IntegerArray(index, np.isnan(values))
    keys = pd.DataFrame({"period": start.astype("datetime64[M]").astype("datetime64[ns]"), **cells,
                         "category": pd.array(events["category"], dtype="string"),
                         "geo_precision": pd.array(events["geo_precision"], dtype="string")})
    months = keys.groupby(list(keys.columns), dropna=False, sort=False).size().rename("n").reset_index()
    years = months.assign(period=months["period"].to_numpy().astype("datetime64[Y]").astype("datetime64[ns]"))
    years = years.groupby(list(keys.columns), dropna=False, sort=False)["n"].sum().reset_index()
    out = pd.concat([months.assign(span="month"), years.assign(span="year")], ignore_index=True)
    return out[list(_ROLLUP_COLUMNS)].astype(_ROLLUP_COLUMNS)


def _rollup_merge(con, rows: pd.DataFrame, *, rebuild: bool) -> None:  # noqa: ANN001
    """Add ``rows`` (:func:`rollup_rows`) to the rollup: upserted (in key order: importers at once never
    deadlock), or, for a bulk load (``rebuild``), copied in without the key's index, the rollup summed again by
    key if it held counts before, and the index built once."""
    columns = ", ".join(_ROLLUP_COLUMNS)
    key = "span, period, cx, cy, category, geo_precision"
    if rebuild:
        had = con.execute(f"SELECT EXISTS (SELECT 1 FROM {ROLLUP})").fetchone()[0]
        con.execute(f"DROP INDEX IF EXISTS {ROLLUP}_key")
        with con.cursor() as cur, cur.copy(f"COPY {ROLLUP} ({columns}) FROM STDIN (FORMAT csv)") as copy:
            copy.write(_to_csv(rows, None, _ROLLUP_COLUMNS))
        if had:
            con.execute(f"CREATE TEMP TABLE rollup_all ON COMMIT DROP AS SELECT {key}, sum(n)::bigint AS n "
                        f"FROM {ROLLUP} GROUP BY {key}")
            con.execute(f"TRUNCATE {ROLLUP}")
            con.execute(f"INSERT INTO {ROLLUP} ({columns}) SELECT {columns} FROM rollup_all")
        con.execute(_rollup_sql()[1])
        return
    con.execute(f"CREATE TEMP TABLE rollup_in (LIKE {ROLLUP}) ON COMMIT DROP")
    with con.cursor() as cur, cur.copy(f"COPY rollup_in ({columns}) FROM STDIN (FORMAT csv)") as copy:
        copy.write(_to_csv(rows, None, _ROLLUP_COLUMNS))
    con.execute(f"INSERT INTO {ROLLUP} AS r ({columns}) SELECT {columns} FROM rollup_in ORDER BY {key} "
                "ON CONFLICT (span, period, cx, cy, category, geo_precision) DO UPDATE SET n = r.n + EXCLUDED.n")


def _floor_to(span: str, when: dt.datetime) -> dt.datetime:
    return when.replace(month=1 if span == "year" else when.month, day=1, hour=0, minute=0, second=0, microsecond=0)


def _ceil_to(span: str, when: dt.datetime) -> dt.datetime:
    first = _floor_to(span, when)
    if first == when:
        return first
    if span == "year" or first.month == 12:
        return first.replace(year=first.year + 1, month=1)
    return first.replace(month=first.month + 1)


def _units_between(span: str, a: dt.datetime, b: dt.datetime) -> float:
    """How many days (``span`` month) or months (``span`` year) from ``a`` to ``b``: what reading each costs."""
    if span == "month":
        return (b - a).total_seconds() / 86_400
    return (b.year - a.year) * 12 + b.month - a.month


#: One part of a window's counts: (sign, rollup span or None for the events, first period or start, end or None).
_Part = tuple[int, str | None, dt.datetime, dt.datetime | None]


def _edge(span: str, finer: str | None, at: dt.datetime, other: dt.datetime | None, lower: bool) -> tuple[
        list[_Part], dt.datetime]:
    """One end ``at`` of a window (the other end ``other``) brought to a boundary of ``span`` (month, year), and the
    parts counting what lies between: the finer parts from ``at`` inward, or the whole ``span`` period holding
    ``at`` less the finer parts outward of ``at``, whichever reads less (a whole period costs about a quarter of
    its finer parts: its rollup rows); up to ``other`` when the window ends within that period."""
    down, up = _floor_to(span, at), _ceil_to(span, at)
    if down == at:
        return [], at
    inward, outward = (up, down) if lower else (down, up)
    whole = _units_between(span, down, up)
    if other is not None and (other < inward if lower else other > inward):  # the window ends in this period
        first, last = sorted((at, other))
        if _units_between(span, down, first) + _units_between(span, last, up) + whole / 4 < _units_between(
                span, first, last):  # the period less both sides
            return [(1, span, down, up), (-1, finer, down, first), (-1, finer, last, up)], other
        return [(1, finer, first, last)], other
    if _units_between(span, *sorted((at, outward))) + whole / 4 < _units_between(span, *sorted((at, inward))):
        first, last = sorted((at, outward))
        return [(1, span, down, up), (-1, finer, first, last)], inward
    first, last = sorted((at, inward))
    return [(1, finer, first, last)], inward


def _rollup_plan(flt: EventFilter, bbox: tuple[float, float, float, float] | None, longest: dt.timedelta | None,
                 micro: int | None) -> tuple[list[_Part], list[tuple[str, list[Any]]]] | None:
    """How a window is counted from the rollup: (signed parts: whole years and months from the rollup, days from
    the events, each added or taken away; the events that started before the window and last into it, as SQL
    clauses with their params), or None when the rollup cannot answer (a filter beyond category and precision, a
    box, a cell that is not a multiple of :data:`ROLLUP_CELL`, no whole month in the window, the longest event
    unknown). Each end of the window is brought to a month, then to a year, by adding the days (months) inward or
    taking the days (months) outward away from the whole month (year) holding it, whichever reads fewer; the
    window's events are those starting in it and those starting before it that last into it
    (:func:`geo.filter.apply`'s rule)."""
    if (bbox is not None or flt.verification or flt.countries or flt.adm1 or flt.adm2 or flt.border_only
            or (micro is not None and micro % _ROLLUP_MICRO) or (flt.start is not None and longest is None)):
        return None
    lo = None if flt.start is None else dt.datetime.combine(flt.start, dt.time())
    hi = None if flt.end is None else dt.datetime.combine(flt.end, dt.time()) + dt.timedelta(days=1)
    if lo is not None and hi is not None and _ceil_to("month", lo) >= _floor_to("month", hi):
        return None  # not one whole month: the events answer as fast
    parts: list[_Part] = []
    for span, finer in (("month", None), ("year", "month")):
        if lo is not None:
            more, lo = _edge(span, finer, lo, hi, lower=True)
            parts += more
        if lo is not None and hi is not None and lo >= hi:
            break
        if hi is not None:
            more, hi = _edge(span, finer, hi, lo, lower=False)
            parts += more
        if lo is not None and hi is not None and lo >= hi:
            break
    else:  # the whole years between the ends
        parts.append((1, "year", lo or dt.datetime(1, 1, 1), hi))
    return _cancelled(parts), _started_before(flt, longest)


def _cancelled(parts: list[_Part]) -> list[_Part]:
    """``parts`` with a month added at one level and taken away at the next not read at all (months one by one,
    then the runs of months of one sign joined again); empty parts dropped."""
    signs: dict[tuple[str | None, dt.datetime, dt.datetime | None], int] = {}
    for sign, span, first, last in parts:
        if last is not None and first >= last:
            continue
        if span == "month" and last is not None:
            month = first
            while month < last:
                following = _ceil_to("month", month + dt.timedelta(days=1))
                signs[("month", month, following)] = signs.get(("month", month, following), 0) + sign
                month = following
            continue
        signs[(span, first, last)] = signs.get((span, first, last), 0) + sign
    out: list[_Part] = []
    for (span, first, last), sign in sorted(signs.items(), key=lambda item: (item[0][0] or "", item[0][1])):
        if not sign:
            continue
        if out and span == "month" and out[-1][1] == "month" and out[-1][0] == sign and out[-1][3] == first:
            out[-1] = (sign, span, out[-1][2], last)
        else:
            out.append((sign, span, first, last))
    return out


def _started_before(flt: EventFilter, longest: dt.timedelta | None) -> list[tuple[str, list[Any]]]:
    """The events that started before the window and last into its first day, as an SQL clause (bounded by the
    longest event)."""
    if flt.start is None or longest is None:
        return []
    first = dt.datetime.combine(flt.start, dt.time())
    return [(f"date_start >= %s AND date_start < %s AND {LAST} >= %s", [first - longest - dt.timedelta(days=1), first,
                                                                        first])]


# --- the filter in SQL ---------------------------------------------------------------------------------

#: The facets :meth:`PostgisStore.catalog` offers: each value with its unit's name and parent (as
#: :func:`geo.store.catalog_frame`).
_CATALOG_SETS: Final = (("category",), ("verification",), ("geo_precision",), ("actors",), ("adm0_iso", "adm0_name"),
                        ("adm1_id", "adm1_name", "adm0_iso"), ("adm2_id", "adm2_name", "adm1_id"))
#: Exact facets: the filter's field and the column it matches (:data:`geo.filter` ``_FACETS``' and the place rule).
_EXACT: Final = (("categories", "category"), ("verification", "verification"), ("precision", "geo_precision"),
                 ("countries", "adm0_iso"), ("adm1", "adm1_id"), ("adm2", "adm2_id"))


def _filter_sql(flt: EventFilter, bbox: tuple[float, float, float, float] | None,
                longest: dt.timedelta | None = None) -> tuple[str, list[Any]]:
    """The parts of ``flt`` (and the box) the server can select by, as SQL with ``%s`` placeholders: the
    window (the interval meets it, as :func:`geo.filter.apply` rules), the exact facets, the precision the
    place facets require (:data:`geo.filter.ADM1_PRECISION`, :data:`~geo.filter.ADM2_PRECISION`), the border
    districts. Actors, text search and drawn shapes are left to the in-memory rule."""
    where: list[str] = []
    params: list[Any] = []
    if flt.end is not None:  # the event starts before the window's last day is over
        where.append("date_start < %s")
        params.append(flt.end + dt.timedelta(days=1))
    if flt.start is not None:  # and lasts to its first day at least
        where.append(f"{LAST} >= %s")
        params.append(flt.start)
        if longest is not None:  # so it started at most the store's longest event before (the index's range)
            where.append("date_start >= %s")
            params.append(dt.datetime.combine(flt.start, dt.time()) - longest - dt.timedelta(days=1))
    for name, column in _EXACT:
        wanted = getattr(flt, name)
        if wanted:
            where.append(f'"{column}" = ANY(%s)')
            params.append([str(v) for v in wanted])
    if flt.adm1:
        where.append("geo_precision = ANY(%s)")
        params.append(list(ADM1_PRECISION))
    if flt.adm2 or flt.border_only:
        where.append("geo_precision = ANY(%s)")
        params.append(list(ADM2_PRECISION))
    if flt.border_only:
        where.append("border_district IS TRUE")
    if bbox is not None:
        where.append("geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)")
        params.extend(float(v) for v in bbox)
    return " AND ".join(where) or "TRUE", params


def _facet_rows(frame: pd.DataFrame) -> list[tuple[str, str, str | None, str | None]]:
    """(facet, value, name, parent) of each facet value in ``frame``, the first row's name winning."""
    out = []
    for cols in _CATALOG_SETS:
        if cols[0] not in frame.columns:
            continue
        sub = pd.DataFrame({c: frame[c].astype("string") if c in frame.columns else pd.NA for c in cols})
        sub = sub.loc[sub[cols[0]].notna()].drop_duplicates(subset=[cols[0]])
        for values in sub.itertuples(index=False):
            extra = [None if pd.isna(v) else str(v) for v in values[1:]] + [None, None]
            out.append((cols[0], str(values[0]), extra[0], extra[1]))
    return out


def _facet_frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """``geo_facets`` rows as the catalog's facet rows (each value with its name and parent in their columns)."""
    sets = {cols[0]: cols for cols in _CATALOG_SETS}
    records = []
    for facet, value, name, parent in rows:
        cols = sets.get(facet)
        if cols is None:
            continue
        record = {cols[0]: value}
        if len(cols) > 1:
            record[cols[1]] = name
        if len(cols) > 2:
            record[cols[2]] = parent
        records.append(record)
    return pd.DataFrame.from_records(records, columns=list(CATALOG_COLUMNS))


def _longest_on(con) -> dt.timedelta | None:  # noqa: ANN001
    """The longest stored event (start to end), from the import log (None: unknown, or no store). Last on its
    connection: a log made before the column ends the transaction."""
    if not con.execute(_HERE, (FACETS,)).fetchone()[0]:  # none, or made before
        return None
    import psycopg

    try:  # known only when every import that stored events recorded it
        value = con.execute(f"SELECT CASE WHEN bool_and(longest IS NOT NULL) THEN max(longest) END "
                            f"FROM {IMPORTS} WHERE added > 0").fetchone()[0]
    except psycopg.errors.UndefinedColumn:  # a log of the version before it
        return None
    return value if isinstance(value, dt.timedelta) else None


def _catalog_ready(con) -> bool:  # noqa: ANN001
    """Whether the store has the catalog's table and every bounds column of the import log."""
    if not con.execute(_HERE, (FACETS,)).fetchone()[0]:
        return False
    have = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                                      "AND table_schema = current_schema()", (IMPORTS,))}
    return all(name in have for name, _kind, _agg in _BOUNDS)


def _catalog_rows(frame: pd.DataFrame) -> tuple[list[tuple[str, str, str | None, str | None]], list[Any]]:
    """The facet rows of ``frame`` (:func:`_facet_rows`) and its bounds (:data:`_BOUNDS`' order), for its import's
    row of the log."""
    start = pd.to_datetime(frame["date_start"])
    last = pd.to_datetime(frame["date_end"]).fillna(start)
    lon, lat = pd.to_numeric(frame["lon"], errors="coerce"), pd.to_numeric(frame["lat"], errors="coerce")
    longest = (last.where(last > start, start) - start).max()
    values = [start.min(), start.max(), last.max(), lon.min(), lat.min(), lon.max(), lat.max()]
    values = [None if pd.isna(v) else (v.to_pydatetime() if isinstance(v, pd.Timestamp) else float(v)) for v in values]
    values.append(None if pd.isna(longest) else longest.to_pytimedelta())
    return _facet_rows(frame), values


def _record_catalog(con, rows: tuple[list[tuple[str, str, str | None, str | None]], list[Any]],  # noqa: ANN001
                    import_id: int) -> None:
    """Add an import's facet values to ``geo_facets`` and its bounds to its row of the log (:func:`_catalog_rows`;
    same transaction)."""
    if not _catalog_ready(con):
        _upgrade_catalog(con)
    facets, values = rows
    with con.cursor() as cur:
        cur.executemany(f"INSERT INTO {FACETS} (facet, value, name, parent) VALUES (%s, %s, %s, %s) "
                        "ON CONFLICT DO NOTHING", facets)
    con.execute(f"UPDATE {IMPORTS} SET {', '.join(f'{name} = %s' for name, _k, _a in _BOUNDS)} WHERE import_id = %s",
                (*values, import_id))


def _upgrade_catalog(con) -> None:  # noqa: ANN001
    """The catalog's tables and columns for a store made before them (or some of them), filled from the events:
    the facets when there are none yet, the bounds of every import that lacks one."""
    con.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
    for statement in _catalog_sql():
        con.execute(statement)
    missing = " OR ".join(f"i.{name} IS NULL" for name, _k, _a in _BOUNDS)
    aggregates = ", ".join(f"{agg} AS {name}" for name, _k, agg in _BOUNDS)
    con.execute(f"UPDATE {IMPORTS} AS i SET {', '.join(f'{name} = b.{name}' for name, _k, _a in _BOUNDS)} FROM "
                f"(SELECT import_id, {aggregates} FROM {EVENTS} WHERE import_id IN (SELECT import_id FROM {IMPORTS} "
                f"AS i WHERE {missing}) GROUP BY import_id) AS b WHERE i.import_id = b.import_id")
    if con.execute(f"SELECT EXISTS (SELECT 1 FROM {FACETS})").fetchone()[0]:
        return  # another session filled them while this one waited
    names = ", ".join(f'"{c}"' for c in CATALOG_COLUMNS)
    sets = ", ".join(f"({', '.join(cols)})" for cols in _CATALOG_SETS)
    grouped = pd.DataFrame(con.execute(f"SELECT {names} FROM {EVENTS} GROUP BY GROUPING SETS ({sets})").fetchall(),
                           columns=list(CATALOG_COLUMNS))
    rows = [row for cols in _CATALOG_SETS
            for row in _facet_rows(grouped.loc[grouped[cols[0]].notna(), list(cols)])]
    with con.cursor() as cur:
        cur.executemany(f"INSERT INTO {FACETS} (facet, value, name, parent) VALUES (%s, %s, %s, %s) "
                        "ON CONFLICT DO NOTHING", rows)


# --- import steps ------------------------------------------------------------------------------------


def _bulk_load(con, rows: int) -> bool:  # noqa: ANN001
    """Whether this import loads the way PostgreSQL's manual advises for a large load ("Populating a Database":
    indexes and keys dropped, COPY, then built once): when it is at least as large as the table holds already
    (an empty table: the first import), where rebuilding costs less than maintaining every index row by row.
    It then holds the table's exclusive lock to its commit (readers and other importers wait: a first load of a
    store nobody reads yet, or a load that doubles it). Only the table's owner may drop its indexes: an editor's
    import (:func:`grant_roles`) always loads row by row."""
    row = con.execute("SELECT reltuples, pg_has_role(current_user, relowner, 'USAGE') FROM pg_class "
                      "WHERE oid = to_regclass(%s)", (EVENTS,)).fetchone()
    if not row or not row[1]:
        return False
    stored = max(float(row[0]), 0.0)  # -1: never analysed (then empty, or small)
    if rows < 10_000 or rows < stored:
        return False
    con.execute(f"LOCK TABLE {EVENTS} IN ACCESS EXCLUSIVE MODE")  # then the check holds until the commit
    if not con.execute(f"SELECT EXISTS (SELECT 1 FROM {EVENTS})").fetchone()[0]:
        return True
    stored = con.execute(f"SELECT count(*) FROM {EVENTS}").fetchone()[0]
    return rows >= stored


def _any_stored(con, ids: pd.Series) -> bool:  # noqa: ANN001
    """Whether any of ``ids`` is stored already (one COPY of the ids into a temporary table, one join)."""
    con.execute("CREATE TEMP TABLE incoming_ids (id text) ON COMMIT DROP")
    with con.cursor() as cur, cur.copy("COPY incoming_ids (id) FROM STDIN (FORMAT csv)") as copy:
        for start in range(0, len(ids), CHUNK_ROWS):
            buf = io.BytesIO()
            pacsv.write_csv(pa.table({"id": pa.array(ids.iloc[start:start + CHUNK_ROWS].astype("string"), pa.string())}),
                            buf, pacsv.WriteOptions(include_header=False))
            copy.write(buf.getvalue())
    return bool(con.execute(f"SELECT EXISTS (SELECT 1 FROM incoming_ids JOIN {EVENTS} USING (id))").fetchone()[0])


def _drop_indexes(con) -> None:  # noqa: ANN001
    for name, _definition in _KEYS:
        con.execute(f"ALTER TABLE {EVENTS} DROP CONSTRAINT IF EXISTS {name}")
    for name, _definition in _INDEXES:
        con.execute(f"DROP INDEX IF EXISTS {name}")


#: The columns the store's queries select by: the statistics a bulk load gathers at once (autovacuum gathers the
#: rest).
_ANALYZED: Final = ("id", "seq", "import_id", "date_start", "date_end", "lon", "lat", "geom", "category", "verification",
                    "geo_precision", "adm0_iso", "adm1_id", "adm2_id", "border_district")


def _build_indexes(con) -> None:  # noqa: ANN001
    con.execute("SET LOCAL maintenance_work_mem = '512MB'")  # each index sorted in memory
    for name, definition in _KEYS:
        # the import's rows carry its own id, which the log holds: the foreign key is not checked against each of
        # them again (0.3 s per 1M); it is checked for every row added afterwards
        valid = " NOT VALID" if definition.startswith("FOREIGN KEY") else ""
        con.execute(f"ALTER TABLE {EVENTS} ADD CONSTRAINT {name} {definition}{valid}")
    for _name, definition in _INDEXES:
        con.execute(definition)
    # the planner's statistics, for the window queries that follow
    con.execute(f"ANALYZE {EVENTS} ({', '.join(_ANALYZED)})")


def _copy(con, statement: str, frame: pd.DataFrame, import_id: int | None) -> None:  # noqa: ANN001
    """COPY ``frame`` as CSV, a chunk at a time; a writer thread sends each chunk while the next is written, so
    the client's conversion and the server's parsing overlap."""
    from psycopg.copy import QueuedLibpqWriter

    with con.cursor() as cur, cur.copy(statement, writer=QueuedLibpqWriter(cur)) as copy:
        for start in range(0, len(frame), CHUNK_ROWS):
            copy.write(_to_csv(frame.iloc[start:start + CHUNK_ROWS], import_id))


# --- the join over the whole store ------------------------------------------------------------------------

#: The columns a re-join writes: every join column, by the event's id.
_JOINED: Final = {"id": "string", **JOIN_DTYPES}
#: The catalog's place facets (replaced by a re-join).
_PLACE_FACETS: Final = ("adm0_iso", "adm1_id", "adm2_id")


def _rejoin(store: PostgisStore, index: Any, chunk: int, progress: Any, note: str) -> tuple[int, int]:
    """See :meth:`PostgisStore.rejoin`."""
    from geo.join import SOURCE_COLUMNS, enrich

    read = ["id", *SOURCE_COLUMNS]
    names = ", ".join(f'"{c}"' for c in read)
    cols = ", ".join(f'"{c}" {_SQL_TYPE[t]}' for c, t in _JOINED.items())
    sets = ", ".join(f'"{c}" = j."{c}"' for c in JOIN_DTYPES)
    done = within = 0
    facets: list[tuple[str, str, str | None, str | None]] = []
    with store._connect() as con, con.transaction():
        # imports wait until the commit (their events would miss this join); readers go on, seeing the old join
        con.execute(f"LOCK TABLE {EVENTS} IN SHARE ROW EXCLUSIVE MODE")
        if not _catalog_ready(con):
            _upgrade_catalog(con)
        total = int(con.execute(f"SELECT count(*) FROM {EVENTS}").fetchone()[0])  # type: ignore[index]
        # logged as an import that added nothing: who re-joined and when, and a new version for the app
        con.execute(f"INSERT INTO {IMPORTS} (file, sha256, offered, added) VALUES (%s, '', %s, 0)", (note, total))
        con.execute(f"CREATE TEMP TABLE joined ({cols}) ON COMMIT DROP")
        last = -1
        while True:  # a chunk at a time, in the order stored
            upper = con.execute(f"SELECT max(seq) FROM (SELECT seq FROM {EVENTS} WHERE seq > %s ORDER BY seq "
                                "LIMIT %s) AS step", (last, chunk)).fetchone()[0]  # type: ignore[index]
            if upper is None:
                break
            buf = store._copy_out_on(con, f"SELECT {names} FROM {EVENTS} WHERE seq > %s AND seq <= %s", [last, upper])
            last = int(upper)
            rows = _from_csv(buf.getvalue(), read)
            joined = enrich(rows, index)
            con.execute("TRUNCATE joined")
            with con.cursor() as cur, cur.copy("COPY joined FROM STDIN (FORMAT csv)") as copy:
                copy.write(_to_csv(joined, None, _JOINED))
            con.execute(f"UPDATE {EVENTS} AS e SET {sets} FROM joined AS j WHERE e.id = j.id")
            done += len(joined)
            within += int((joined["join_method"] == "within").sum())
            facets += [row for row in _facet_rows(joined) if row[0] in _PLACE_FACETS]
            if progress is not None:
                progress(done, total)
        con.execute(f"DELETE FROM {FACETS} WHERE facet = ANY(%s)", (list(_PLACE_FACETS),))
        with con.cursor() as cur:
            cur.executemany(f"INSERT INTO {FACETS} (facet, value, name, parent) VALUES (%s, %s, %s, %s) "
                            "ON CONFLICT DO NOTHING", facets)
    return done, within


# --- areas and unit positions --------------------------------------------------------------------------


class PostgisRecords:
    """A table of records beside the events (areas, unit positions), each stored once by its ``key``: an add is
    one transaction (COPY into a temporary table, ``INSERT … ON CONFLICT DO NOTHING``), as the events'."""

    table: str = ""
    key: str = ""
    columns: dict[str, str] = {}  # noqa: RUF012  (name -> SQL type, set by each kind)
    geometry: str | None = None  # the PostGIS geometry type, or None

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        self.events = PostgisStore(url, timeout=timeout)
        self.url = url

    @property
    def location(self) -> str:
        return self.events.location

    def exists(self) -> bool:
        with self.events._connect() as con:
            return bool(con.execute(_HERE, (self.table,)).fetchone()[0])  # type: ignore[index]

    def count(self) -> int:
        if not self.exists():
            return 0
        with self.events._connect() as con:
            return int(con.execute(f"SELECT count(*) FROM {self.table}").fetchone()[0])  # type: ignore[index]

    def version(self) -> str:
        """A token that changes with every add that stores a record (records are never changed or removed): the
        count, read in one connection (the app asks on every rerun)."""
        with self.events._connect() as con:
            if not con.execute(_HERE, (self.table,)).fetchone()[0]:  # type: ignore[index]
                return "none"
            count = con.execute(f"SELECT count(*) FROM {self.table}").fetchone()[0]  # type: ignore[index]
        return f"{self.location}:{self.table}:{count}"

    def _ensure(self, con) -> None:  # noqa: ANN001
        """The table, made by the first add (under the schema's advisory lock; an editor, who may not create
        tables, finds it made: :func:`grant_roles` makes it)."""
        if con.execute(_HERE, (self.table,)).fetchone()[0]:
            return
        cols = ", ".join(f'"{c}" {t}' for c, t in self.columns.items())
        geom_col = f", geom geometry({self.geometry}, 4326)" if self.geometry else ""
        con.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
        con.execute(f'CREATE TABLE IF NOT EXISTS {self.table} ({cols}{geom_col}, seq bigserial, '
                    f'CONSTRAINT {self.table}_key PRIMARY KEY ("{self.key}"))')

    def _rows(self) -> tuple[pd.DataFrame, list[Any]]:
        """Every stored record (the columns as text, as stored) and its geometry (shapely; None without)."""
        import shapely

        names = ", ".join(f'"{c}"' for c in self.columns)
        geom = ", ST_AsBinary(geom)" if self.geometry else ""
        with self.events._connect() as con:
            rows = con.execute(f"SELECT {names}{geom} FROM {self.table} ORDER BY seq").fetchall()
        frame = pd.DataFrame([r[:len(self.columns)] for r in rows], columns=list(self.columns))
        geoms = [shapely.from_wkb(bytes(r[-1])) if r[-1] is not None else None for r in rows] if self.geometry else []
        return frame, geoms

    def _add(self, frame: pd.DataFrame, geoms: list[Any] | None) -> int:
        """Store the rows of ``frame`` (and their geometries) whose key is not stored yet; how many were added."""
        import psycopg
        import shapely

        if not len(frame):
            return 0
        cols = ", ".join(f'"{c}" {t}' for c, t in self.columns.items())
        names = ", ".join(f'"{c}"' for c in self.columns)
        buf = io.StringIO()
        hexes = shapely.to_wkb(shapely.set_srid(np.asarray(geoms, dtype=object), 4326), hex=True, include_srid=True) \
            if self.geometry else None
        for i, row in enumerate(frame[list(self.columns)].itertuples(index=False, name=None)):
            values = ["\\N" if v is None or (not isinstance(v, str) and pd.isna(v)) else _copy_text(
                v.isoformat() if isinstance(v, pd.Timestamp) else v) for v in row]
            if hexes is not None:
                values.append(str(hexes[i]))
            buf.write("\t".join(values) + "\n")
        try:
            with self.events._connect() as con, con.transaction():
                self._ensure(con)
                any_geom = ", geom geometry(Geometry, 4326)" if self.geometry else ""
                con.execute(f"CREATE TEMP TABLE incoming_records ({cols}{any_geom}) ON COMMIT DROP")
                with con.cursor() as cur, cur.copy("COPY incoming_records FROM STDIN") as copy:
                    copy.write(buf.getvalue())
                into, picked = (", geom", ", ST_Multi(geom)") if self.geometry else ("", "")
                added = con.execute(f"INSERT INTO {self.table} ({names}{into}) SELECT {names}{picked} FROM "
                                    "incoming_records ON CONFLICT DO NOTHING").rowcount
        except psycopg.Error as exc:
            raise StoreError(f"nothing stored in {self.location} ({self.table}): {exc}") from exc
        return int(added)


class PostgisAreaStore(PostgisRecords):
    """Areas (``geo.areas``) in the table ``geo_areas`` of a PostGIS store, each ``area_id`` once; the same
    interface as :class:`geo.areas.AreaStore`."""

    table = "geo_areas"
    key = "area_id"
    geometry = "MultiPolygon"

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        from geo.areas import AREA_DTYPES

        super().__init__(url, timeout=timeout)
        self.columns = {c: _SQL_TYPE[t] for c, t in AREA_DTYPES.items()}

    def read(self) -> gpd.GeoDataFrame:
        from geo.areas import empty_areas, typed_areas

        if not self.exists():
            return empty_areas()
        frame, geoms = self._rows()
        return gpd.GeoDataFrame(typed_areas(frame), geometry=gpd.GeoSeries(geoms, crs=CRS), crs=CRS)

    def add(self, areas: gpd.GeoDataFrame) -> int:
        """Store the areas whose area_id is not stored yet (one transaction); returns how many."""
        from geo.areas import storage_frame

        frame = storage_frame(areas)
        frame = frame.loc[~frame["area_id"].duplicated()]
        return self._add(pd.DataFrame(frame.drop(columns=frame.geometry.name)), list(frame.geometry))


class PostgisUnitStore(PostgisRecords):
    """Unit positions (``geo.units``) in the table ``geo_unit_positions`` of a PostGIS store, each report once
    (``report_id``); the same interface as :class:`geo.units.UnitStore`."""

    table = "geo_unit_positions"
    key = "report_id"

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        from geo.io.units import POSITION_COLUMNS

        super().__init__(url, timeout=timeout)
        types = {"date": "timestamp", "lat": "double precision", "lon": "double precision", "import_row": "bigint"}
        self.columns = {c: types.get(c, "text") for c in ("report_id", *POSITION_COLUMNS)}

    def read(self) -> pd.DataFrame:
        from geo.units import stored_positions

        if not self.exists():
            return stored_positions(pd.DataFrame(columns=list(self.columns)))
        return stored_positions(self._rows()[0])

    def add(self, positions: pd.DataFrame) -> int:
        """Store the reports not stored yet (one transaction); returns how many were added."""
        from geo.units import with_report_ids

        frame = with_report_ids(positions)
        return self._add(frame.loc[~frame["report_id"].duplicated()], None)


# --- roles -------------------------------------------------------------------------------------------

#: The roles :func:`grant_roles` makes by default: one that imports, one that only reads.
EDITOR_ROLE: Final = "geo_editor"
READER_ROLE: Final = "geo_analyst"


def grant_roles(url: str, *, editor: str = EDITOR_ROLE, reader: str = READER_ROLE) -> None:
    """Make (when missing) two roles for the store at ``url`` and grant them: ``editor`` may import (insert
    into the events and the log, use the log's sequence) and read; ``reader`` may only read. Both may connect
    and use the schema. Run it as the database's owner, after the first import made the tables. Logins and
    passwords are the operator's (``ALTER ROLE … LOGIN PASSWORD …``); a role made here has no login."""
    import psycopg
    from psycopg import sql

    store = PostgisStore(url)
    if not store.exists():
        raise StoreError(f"expected a store with its tables in {store.location} (import once first), got none")
    store.catalog()  # (a store made before the catalog's tables gets them first)
    records = (PostgisAreaStore(url), PostgisUnitStore(url))
    with store._connect() as con:
        _prepare(con, store.location)
    with store._connect() as con, con.transaction():
        for kind in records:  # the tables of areas and unit positions, made now so that they can be granted
            kind._ensure(con)
        schema = con.execute("SELECT current_schema()").fetchone()[0]  # type: ignore[index]
        database = con.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
        tables = sql.SQL(", ").join(sql.Identifier(schema, t) for t in (EVENTS, IMPORTS, FACETS, ROLLUP,
                                                                        *(kind.table for kind in records)))
        try:
            for role in (editor, reader):
                if not con.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                    con.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(role)))
                con.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database),
                                                                                 sql.Identifier(role)))
                con.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema),
                                                                             sql.Identifier(role)))
                con.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(tables, sql.Identifier(role)))
            con.execute(sql.SQL("GRANT INSERT ON {} TO {}").format(tables, sql.Identifier(editor)))
            con.execute(sql.SQL("GRANT UPDATE (n) ON {} TO {}").format(sql.Identifier(schema, ROLLUP),
                                                                       sql.Identifier(editor)))  # its upserts
            columns = sql.SQL(", ").join(sql.Identifier(c) for c in ("added", *(name for name, _k, _a in _BOUNDS)))
            con.execute(sql.SQL("GRANT UPDATE ({}) ON {} TO {}").format(columns, sql.Identifier(schema, IMPORTS),
                                                                        sql.Identifier(editor)))
            con.execute(sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA {} TO {}").format(
                sql.Identifier(schema), sql.Identifier(editor)))
        except psycopg.Error as exc:
            raise StoreError(f"cannot grant the roles {editor} and {reader} in {store.location}: {exc}") from exc


# --- CSV both ways (COPY's own format: an empty unquoted field is NULL, "" an empty string) -------------


def _copy_text(value: object) -> str:
    """One value in COPY's text format (backslash, tab and newlines escaped)."""
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _to_csv(frame: pd.DataFrame, import_id: int | None = None, columns: dict[str, str] = COLUMNS) -> bytes:
    """The rows as COPY CSV in ``columns`` order (name -> dtype; default :data:`COLUMNS`), then ``import_id``
    when given."""
    arrays, names = [], []
    for col, dtype in columns.items():
        values = frame[col] if col in frame.columns else pd.Series(pd.NA, index=frame.index)
        if dtype.startswith("datetime"):
            arr = pa.array(pd.to_datetime(values, errors="coerce").to_numpy(dtype="datetime64[us]"), pa.timestamp("us"),
                           from_pandas=True)
        elif dtype == "float64":
            arr = pa.array(pd.to_numeric(values, errors="coerce").to_numpy(dtype=float), pa.float64(), from_pandas=True)
        elif dtype == "Int64":
            arr = pa.array(pd.array(values, dtype="Int64"), pa.int64())
        elif dtype == "boolean":
            arr = pa.array(pd.array(values, dtype="boolean"), pa.bool_())
        else:
            arr = pa.array(values.astype("string"), pa.string())
        arrays.append(arr)
        names.append(col)
    if import_id is not None:
        arrays.append(pa.array(np.full(len(frame), import_id, dtype=np.int64)))
        names.append("import_id")
    buf = io.BytesIO()
    pacsv.write_csv(pa.table(arrays, names=names), buf, pacsv.WriteOptions(include_header=False))
    return buf.getvalue()


def _from_csv(data: bytes | memoryview, names: Sequence[str] | None = None) -> gpd.GeoDataFrame:
    chosen = list(names) if names is not None else list(COLUMNS)
    types = {c: (pa.timestamp("us") if t.startswith("datetime") else pa.float64() if t == "float64"
                 else pa.int64() if t == "Int64" else pa.bool_() if t == "boolean" else pa.string())
             for c, t in COLUMNS.items() if c in chosen}
    if not data:
        return canonical(pd.DataFrame())
    table = pacsv.read_csv(
        pa.BufferReader(pa.py_buffer(data)),
        read_options=pacsv.ReadOptions(column_names=chosen, block_size=1 << 24),
        convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True,
                                             quoted_strings_can_be_null=False, true_values=["t"],
                                             false_values=["f"]),
    )
    frame = table.to_pandas(types_mapper={pa.string(): pd.StringDtype(), pa.int64(): pd.Int64Dtype(),
                                          pa.bool_(): pd.BooleanDtype()}.get, split_blocks=True, self_destruct=True)
    del table  # (its buffers go as each column is converted: the peak is one column, not the table)
    for col in chosen:
        dtype = COLUMNS[col]
        if dtype.startswith("datetime"):
            frame[col] = frame[col].astype("datetime64[ns]")
        elif dtype == "float64":
            frame[col] = frame[col].astype(np.float64)
    return canonical(frame)


__all__ = ["CHUNK_ROWS", "ROLLUP", "ROLLUP_CELL", "COLUMNS", "EDITOR_ROLE", "EVENTS", "IMPORTS", "READER_ROLE", "PostgisAreaStore",
           "JOIN_CHUNK", "PostgisRecords", "PostgisStore", "PostgisUnitStore", "grant_roles", "redacted"]
