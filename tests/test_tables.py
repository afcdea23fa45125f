"""The events table's rows: every event up to the cap, else the latest by start date."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.factories import make_events
from ui.tables import latest


@pytest.mark.parametrize("n", [0, 3, 10])
def test_a_window_within_the_cap_is_shown_whole_and_in_order(n):
    events = make_events(n)
    assert latest(events, 10)["id"].tolist() == events["id"].tolist()


def test_above_the_cap_the_latest_by_start_date_with_undated_last():
    events = make_events(6)
    events["date_start"] = pd.to_datetime(["2024-08-03", None, "2024-08-09", "2024-08-01", "2024-08-09",
                                           "2024-08-05"])
    picked = latest(events, 4)
    assert picked["id"].tolist() == [events["id"][2], events["id"][4], events["id"][5], events["id"][0]]
    assert latest(events, 6)["id"].tolist() == events["id"].tolist()  # at the cap: as given, NaT kept
    assert latest(events.iloc[[1, 3]], 1)["id"].tolist() == [events["id"][3]]  # an undated event goes last

