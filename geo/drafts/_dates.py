"""When a sentence says something happened, from the report's date: explicit dates ("11 août 2024", "August 11",
"11 серпня"), days relative to the report ("hier", "la veille", "вчора"), weekdays ("dimanche": the last one on
or before the report; "в ночь на воскресенье": the night before it), and intervals up to the report ("depuis cinq
jours", "for the past five days", "уже пять дней")."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

from geo.drafts._terms import Terms

_DAYS_WORD: Final = re.compile(r"^(?:jours?|days?|tage?n?|дн\w*|день|доб\w*|сут\w*)$")
_NUMBER: Final = re.compile(r"^\d{1,3}$")
_YEAR: Final = re.compile(r"^(?:19|20)\d\d$")
_TOKEN: Final = re.compile(r"[\w’'-]+")


@dataclass(frozen=True)
class When:
    """A sentence's dates: first and last day (the same day for one day), and the words that gave them."""

    start: dt.date
    end: dt.date
    said: str
    interval: bool = False


def _tokens(low: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(low)]


def _number(word: str, terms: Terms) -> int | None:
    if _NUMBER.match(word):
        return int(word)
    hits = terms.find(word, "number")
    return int(hits[0].value) if hits and hits[0].term == word else None


def _explicit(low: str, tokens: list[tuple[str, int, int]], terms: Terms, report: dt.date) -> list[When]:
    out = []
    for hit in terms.find(low, "month"):
        i = next((k for k, (_w, s, _e) in enumerate(tokens) if s == hit.start), None)
        if i is None:
            continue
        day = None
        if i > 0 and _NUMBER.match(tokens[i - 1][0]):  # "11 août", "11 серпня"
            day = int(tokens[i - 1][0])
        elif i + 1 < len(tokens) and _NUMBER.match(tokens[i + 1][0]):  # "August 11"
            day = int(tokens[i + 1][0])
        if day is None or not 1 <= day <= 31:
            continue
        years = [int(w) for w, _s, _e in tokens[i + 1:i + 4] if _YEAR.match(w)]
        year = years[0] if years else report.year
        try:
            when = dt.date(year, int(hit.value), day)
        except ValueError:
            continue
        if not years and when > report:  # "11 December" in a January report: last year's
            when = when.replace(year=year - 1)
        out.append(When(when, when, low[tokens[i - 1][1] if day and i > 0 else hit.start:hit.end]))
    return out


def when(sentence: str, terms: Terms, report: dt.date) -> When | None:
    """The dates ``sentence`` gives, or None: an interval up to the report when it says one, else its earliest
    day (a report tells what happened before it: "a déclaré aujourd'hui ... l'incident de la veille" is the
    day before)."""
    low = sentence.lower()
    tokens = _tokens(low)
    found: list[When] = []
    for hit in terms.find(low, "since"):  # "depuis cinq jours"
        after = [w for w, s, _e in tokens if s >= hit.end][:3]
        for k, word in enumerate(after[:-1]):
            n = _number(word, terms)
            if n is not None and _DAYS_WORD.match(after[k + 1]):
                found.append(When(report - dt.timedelta(days=n), report, f"{hit.term} {word} {after[k + 1]}", True))
                break
    intervals = [w for w in found if w.interval]
    if intervals:
        return intervals[0]
    found += _explicit(low, tokens, terms, report)
    nights = terms.find(low, "night")
    for hit in terms.find(low, "weekday"):
        back = (report.weekday() - int(hit.value)) % 7
        day = report - dt.timedelta(days=back)
        night = [n for n in nights if 0 <= hit.start - n.end <= 2]
        if night:  # "в ночь на воскресенье": from the evening before
            found.append(When(day - dt.timedelta(days=1), day, f"{night[0].term} {hit.term}"))
        else:
            found.append(When(day, day, hit.term))
    for hit in terms.find(low, "relday"):
        day = report + dt.timedelta(days=int(hit.value))
        found.append(When(day, day, hit.term))
    found = [w for w in found if w.start <= report]
    return min(found, key=lambda w: (w.start, w.end)) if found else None
