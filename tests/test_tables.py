"""The events table's pages: every event up to a page, else pages latest first by start date, with the
events marked from the map on every page."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.factories import make_events
from ui.tables import page, pages


@pytest.mark.parametrize("n", [0, 3, 10])
def test_a_window_within_a_page_is_shown_whole_and_in_order(n):
    events = make_events(n)
    assert page(events, 1, 10)["id"].tolist() == events["id"].tolist()


@pytest.fixture
def dated():
    events = make_events(6)
    events["date_start"] = pd.to_datetime(["2024-08-03", None, "2024-08-09", "2024-08-01", "2024-08-09",
                                           "2024-08-05"])
    return events


def test_pages_run_latest_first_by_start_date_with_undated_last(dated):
    ids = dated["id"]
    assert page(dated, 1, 4)["id"].tolist() == [ids[2], ids[4], ids[5], ids[0]]
    assert page(dated, 2, 4)["id"].tolist() == [ids[3], ids[1]]
    assert page(dated, 1, 6)["id"].tolist() == ids.tolist()  # one page: as given, NaT kept
    assert page(dated.iloc[[1, 3]], 1, 1)["id"].tolist() == [ids[3]]  # an undated event goes last


def test_pages_do_not_depend_on_the_frame_index(dated):
    shuffled = dated.set_axis([7, 7, 3, 3, 9, 0])  # a filtered frame: any labels, even repeated
    assert page(shuffled, 1, 4)["id"].tolist() == page(dated, 1, 4)["id"].tolist()


def test_marked_events_off_the_page_come_first_and_are_not_repeated(dated):
    ids = dated["id"]
    kept = page(dated, 1, 2, keep=[ids[3], ids[2], "not-an-id"])
    assert kept["id"].tolist() == [ids[3], ids[2], ids[4]]


@pytest.mark.parametrize(("events", "limit", "expected"), [(0, 10, 1), (1, 10, 1), (10, 10, 1), (11, 10, 2),
                                                           (100_000, 1_000, 100)])
def test_pages_counts_the_pages_rows_fill(events, limit, expected):
    assert pages(events, limit) == expected
