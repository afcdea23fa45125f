"""The unit list under the map: each unit at its latest report on or before the window's end (the store's
unit positions, :mod:`geo.units`), filterable by side and echelon; choosing a row centres the map on that unit
(:func:`new_choice`, read by :func:`ui.mapview._view`)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from geo import units
from ui import data

#: How many rows chosen so far, the unit chosen (lat, lon, name) and the choice the map last moved for.
PICKS = "unit-picks"
CHOSEN = "unit-chosen"
SEEN = "unit-seen"
#: The zoom the map takes for a chosen unit.
UNIT_ZOOM = 10
_COLUMNS = {"unit": "Unit", "side": "Side", "echelon": "Echelon", "parent": "Parent", "date": "Last reported",
            "age_days": "Age (days)", "verification": "Verification", "source": "Source"}


@st.cache_data(show_spinner=False, max_entries=8)
def _as_of(version: str, day: str, _positions: pd.DataFrame) -> pd.DataFrame:
    return units.as_of(_positions, day)


def new_choice(state: Any) -> tuple[float, float, str] | None:
    """The unit chosen in the list since the map last moved for one (None: no new choice)."""
    picks = state.get(PICKS, 0)
    if picks == state.get(SEEN, 0):
        return None
    state[SEEN] = picks
    return state.get(CHOSEN)


def panel(settings: Any) -> None:
    """The unit list (nothing when the store holds no unit positions)."""
    positions, version = data.units()
    if positions is None:
        return
    day = settings.filter.end or pd.Timestamp(positions["date"].max()).date()
    table = _as_of(version, day.isoformat(), positions)
    with st.expander(f"Units as of {day:%d %b %Y}: {len(table)} reported by then", expanded=False):
        left, right = st.columns(2)
        sides = left.multiselect("Side", sorted(table["side"].dropna().astype(str).unique()), key="units-side")
        echelons = right.multiselect("Echelon", sorted(table["echelon"].dropna().astype(str).unique()),
                                     key="units-echelon")
        shown = table
        if sides:
            shown = shown.loc[shown["side"].astype("string").isin(sides).to_numpy(dtype=bool, na_value=False)]
        if echelons:
            shown = shown.loc[shown["echelon"].astype("string").isin(echelons).to_numpy(dtype=bool, na_value=False)]
        shown = shown.reset_index(drop=True)
        view = shown[list(_COLUMNS)].rename(columns=_COLUMNS)
        st.caption("Choose a row to show the unit on the map (its symbol, history and track are in its popup).")
        out = st.dataframe(view, key="units-table", on_select="rerun", selection_mode="single-row",
                           hide_index=True, width="stretch",
                           column_config={"Last reported": st.column_config.DateColumn(format="YYYY-MM-DD")})
        rows = list(getattr(getattr(out, "selection", None), "rows", []) or [])
        state = st.session_state
        if rows and rows[0] < len(shown):
            row = shown.iloc[rows[0]]
            choice = (float(row["lat"]), float(row["lon"]), str(row["unit"]))
            if state.get(CHOSEN) != choice:
                state[CHOSEN] = choice
                state[PICKS] = state.get(PICKS, 0) + 1
                st.rerun()  # the map, drawn above, moves on the next run
