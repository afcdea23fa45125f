"""Beside the map: the timeline chart, counts per country and raion, and the events table."""

from __future__ import annotations

from collections.abc import Iterable

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from geo import filter as evfilter
from geo.render._events import FLAG_LABELS, TIME_PRECISION_LABELS
from geo.render.legend import VALUE_LABELS, category_colours, readable

#: Session key of the events marked as selected on the map: {"current": the id highlighted (the popup's
#: event, or the row chosen here), "ids": every event the click listed, "source": "map" | "table"}.
MARKED_KEY = "map-marked"
MARK_CURRENT, MARK_LISTED = "\u25c9", "\u2022"

TABLE_COLUMNS = [
    "date_start", "date_end", "title", "category", "verification", "geo_precision", "location_name",
    "adm0_iso", "adm1_name", "adm2_name", "actors", "equipment", "source_name", "source_url", "id",
]
#: Column headers as the analyst reads them (the frames keep the schema's names).
HEADERS = {
    "date_start": "From", "date_end": "To", "title": "Title", "category": "Category",
    "verification": "Verification", "geo_precision": "Precision", "location_name": "Place",
    "adm0_iso": "Country", "adm0_name": "Country name", "adm1_name": "Oblast / region",
    "adm2_name": "Raion / district", "actors": "Actors", "equipment": "Equipment", "source_name": "Source",
    "source_url": "Link", "id": "Id", "events": "Events", "marked": "Map", "time_precision": "Date known",
    "subcategory": "Subcategory", "unit": "Unit", "fatalities": "Fatalities", "source_date": "Published",
    "flags": "Flags", "possible_duplicate_of": "May repeat", "description": "Description",
}
#: The clicked events below the map: everything the popup shows, as columns.
DETAIL_COLUMNS = [
    "marked", "date_start", "date_end", "time_precision", "title", "category", "subcategory", "verification",
    "geo_precision", "location_name", "adm2_name", "adm1_name", "adm0_name", "adm0_iso", "fatalities", "actors",
    "equipment", "unit", "source_name", "source_date", "source_url", "flags", "possible_duplicate_of", "id",
    "description",
]


def _columns(frame: pd.DataFrame) -> dict[str, object]:
    """Readable headers for the columns of ``frame`` (dates as dates, the source link as a link)."""
    kinds = {"date_start": st.column_config.DateColumn, "date_end": st.column_config.DateColumn,
             "source_date": st.column_config.DateColumn, "source_url": st.column_config.LinkColumn}
    out: dict[str, object] = {c: kinds.get(c, st.column_config.Column)(HEADERS[c]) for c in frame.columns if c in HEADERS}
    if "marked" in frame.columns:
        out["marked"] = st.column_config.TextColumn(
            HEADERS["marked"], width="small",
            help=f"{MARK_CURRENT} highlighted on the map (clicked there, or chosen here); {MARK_LISTED} listed "
                 "in the same map popup")
    return out


def colour_scale(categories: pd.Series) -> alt.Scale:
    """The map's colour for each category name in ``categories`` (readable names, see
    :func:`geo.render.legend.readable`); names the map does not know get the colour of "Other"."""
    colours = category_colours()
    present = set(categories.astype(str))
    domain = [c for c in colours if c in present] + sorted(present - set(colours))
    other = colours[VALUE_LABELS["category"]["other"]]
    return alt.Scale(domain=domain, range=[colours.get(c, other) for c in domain])


def timeline(shown: pd.DataFrame, settings) -> None:  # noqa: ANN001 - ui.sidebar.Settings
    st.subheader("Events per day")
    f = settings.filter
    data = evfilter.timeline(shown, f.start, f.end)
    if data.empty or data["events"].sum() == 0:
        st.info("No event in the window.")
        return
    data = data.assign(category=readable("category", data["category"]))
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("day:T", title=None),
            y=alt.Y("events:Q", title="active events", stack=True),
            color=alt.Color("category:N", scale=colour_scale(data["category"]),
                            legend=alt.Legend(orient="bottom", title=None, columns=4)),
            tooltip=[alt.Tooltip("day:T", title="Day"), alt.Tooltip("category:N", title="Category"),
                     alt.Tooltip("events:Q", title="Active events")],
        )
        .properties(height=240)
    )
    st.altair_chart(chart, width="stretch")


def counts(shown: pd.DataFrame) -> None:
    st.subheader("Counts")
    c = evfilter.counts(shown)
    by_country, by_raion = c.get("country"), c.get("raion")
    if by_country is not None and len(by_country):
        st.dataframe(by_country, hide_index=True, width="stretch", height=min(180, 38 + 35 * len(by_country)),
                     column_config=_columns(by_country))
    if by_raion is not None and len(by_raion):
        st.caption("Per raion (events located at raion precision or better)")
        st.dataframe(by_raion.head(200), hide_index=True, width="stretch", height=220,
                     column_config=_columns(by_raion), column_order=[c for c in by_raion.columns if c != "adm2_id"])


def _view(frame: pd.DataFrame, columns: list[str] = TABLE_COLUMNS) -> pd.DataFrame:
    """The table's columns, coded values under their readable names (as the legend and the map's popups
    name them)."""
    cols = [c for c in columns if c in frame.columns]
    out = pd.DataFrame(frame[cols])
    if "date_end" in out.columns and "date_start" in out.columns:  # no end: the same day (geo.schema)
        out["date_end"] = out["date_end"].fillna(out["date_start"])
    for col in out.columns:
        if col in VALUE_LABELS:
            out[col] = readable(col, out[col])
        elif col == "time_precision":
            text = out[col].astype("string")
            out[col] = text.map(TIME_PRECISION_LABELS).fillna(text).astype("string")
        elif col == "flags":
            out[col] = flag_names(out[col])
        elif isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype("string")
    return out


def flag_names(flags: pd.Series) -> pd.Series:
    """``flags`` (";"-separated machine flags) under their readable names (:data:`FLAG_LABELS`), "; "-joined;
    each distinct value is named once."""
    text = flags.astype("string").fillna("")
    names = {v: "; ".join(FLAG_LABELS.get(f.strip(), f.strip().replace("_", " ")) for f in v.split(";") if f.strip())
             for v in text.unique()}
    return text.map(names).astype("string")


def marks(ids: pd.Series, marked: dict[str, object] | None) -> pd.Series:
    """The map column: :data:`MARK_CURRENT` on the event highlighted on the map, :data:`MARK_LISTED` on the
    others the same click listed, "" elsewhere (``marked``: the :data:`MARKED_KEY` state)."""
    marked = marked or {}
    text = ids.astype("string")
    listed = text.isin([str(i) for i in marked.get("ids") or []]).to_numpy(dtype=bool, na_value=False)
    current = marked.get("current")
    now = (text == str(current)).to_numpy(dtype=bool, na_value=False) if current is not None else listed & False
    out = pd.Series("", index=ids.index, dtype="string")
    out[listed] = MARK_LISTED
    out[now] = MARK_CURRENT
    return out


def details(clicked: pd.DataFrame, current: str | None, caption: str) -> None:
    """The events a click on the map listed (below the map), in the popup's order, with every field the
    popup shows; the one the popup shows is marked."""
    view = _view(clicked, DETAIL_COLUMNS[1:])
    if "id" in clicked.columns:
        view.insert(0, "marked", marks(clicked["id"], {"current": current, "ids": []}).to_numpy())
    st.caption(caption)
    st.dataframe(view, hide_index=True, width="stretch", column_config=_columns(view),
                 height=min(38 + 35 * len(view), 260), key="map-details")


def plain(frame: pd.DataFrame) -> None:
    view = _view(frame)
    st.dataframe(view, hide_index=True, width="stretch", column_config=_columns(view))


#: Rows per page of the events table: the page, not the window, crosses the wire (1,000 rows are about
#: 0.35 MB; the 5,000 sent before made 1.7 MB of every filter change at 100k events, and 50,000 most of a
#: 27 MB page at 1M, bench/browser.py). The Export tab writes every event.
TABLE_ROWS = 1_000
PAGE_KEY = "table-page"


def events_table(shown: pd.DataFrame, limit: int = TABLE_ROWS) -> None:
    """Sortable, searchable table of one page of ``limit`` events, latest first (a page selector above
    ``limit`` events); the events marked from the map are listed on every page. Choosing a row centres the
    map on it (next rerun)."""
    st.subheader("Events")
    marked = st.session_state.get(MARKED_KEY)
    count = pages(len(shown), limit)
    if st.session_state.get(PAGE_KEY, 1) > count:  # fewer events than before: back to the first page
        st.session_state[PAGE_KEY] = 1
    number = 1
    if count > 1:
        number = st.selectbox(
            "Rows", range(1, count + 1), key=PAGE_KEY,
            format_func=lambda p: f"{(p - 1) * limit + 1:,}–{min(p * limit, len(shown)):,} of {len(shown):,}",
            help="Latest first by start date. Narrow the filters to see fewer events; the Export tab writes them all.")
    view = _view(page(shown, number, limit, keep=(marked or {}).get("ids") or ()))
    if "id" in view.columns:
        view.insert(0, "marked", marks(view["id"], marked).to_numpy())
        note = _marks_note(view, marked)
        if note:
            st.caption(note)
    st.dataframe(
        view, hide_index=True, width="stretch", key="table", on_select="rerun", selection_mode="single-row",
        column_config=_columns(view),
    )
    st.session_state["table-ids"] = list(view["id"]) if "id" in view else []


def pages(events: int, limit: int) -> int:
    """Pages of ``limit`` rows that ``events`` rows fill (at least one, for an empty table)."""
    return max(1, -(-events // limit))


def page(events: pd.DataFrame, number: int, limit: int, keep: Iterable[object] = ()) -> pd.DataFrame:
    """Page ``number`` (from 1) of ``events``: as they are when at most ``limit``, else ``limit`` rows of
    them latest first by start date (undated last, ties in their order). The events whose id is in
    ``keep`` and not on the page come first."""
    if len(events) <= limit or "date_start" not in events.columns:
        order = np.arange(len(events))
    else:
        starts = pd.Series(pd.to_datetime(events["date_start"], errors="coerce").to_numpy())
        order = starts.sort_values(ascending=False, na_position="last", kind="stable").index.to_numpy()
    rows = order[(number - 1) * limit:number * limit]
    wanted = [str(i) for i in keep]
    if wanted and "id" in events.columns:
        extra = np.isin(events["id"].astype(str).to_numpy(), wanted)
        extra[rows] = False
        rows = np.concatenate([np.flatnonzero(extra), rows])
    return events.iloc[rows]


def _marks_note(view: pd.DataFrame, marked: dict[str, object] | None) -> str | None:
    """What the map column marks, in words (None when nothing is marked)."""
    current = view.loc[view["marked"] == MARK_CURRENT]
    listed = int((view["marked"] == MARK_LISTED).sum())
    if current.empty and not listed:
        return None
    parts = []
    if not current.empty:
        row = current.iloc[0]
        when = row.get("date_start")
        when = f" ({pd.Timestamp(when):%d %b %Y})" if when is not None and not pd.isna(when) else ""
        how = "clicked on the map" if (marked or {}).get("source") == "map" else "chosen here"
        parts.append(f"{MARK_CURRENT} {row.get('title') or row.get('id')}{when}: highlighted on the map, {how}")
    if listed:
        more = f"{listed} more listed with it" if parts else f"{listed} listed"
        parts.append(f"{MARK_LISTED} {more} in the map's popup")
    them = "them" if listed + len(current) > 1 else "it"
    return " · ".join(parts) + f" (sort by the Map column to bring {them} to the top)."
