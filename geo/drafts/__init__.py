"""Draft events from a news report, offline: the places, dates, hedging, category, equipment and actors each
sentence gives, for the analyst to confirm before anything is stored.

:class:`Drafter` holds what drafting reads (the gazetteer of towns and units, the boundaries' border districts,
the terms of :data:`geo.drafts._terms.TERMS_FILE`); :meth:`Drafter.draft` turns one :class:`Report` into a frame
of draft events: the canonical event columns (``lat``, ``lon``, ``geo_precision``, ``date_start``, ``date_end``,
``time_precision``, ``category``, ``verification``, ``actors``, ``equipment``, ``title``, ``source_url``...)
plus :data:`DRAFT_COLUMNS` (the report, the evidence sentence and its offsets, the words that named the place, a
confidence). One draft per place and happening; a sentence that names no place but points back ("y", "there",
"там") adds to the draft before it.

Rules, each in one place: places :mod:`geo.drafts._places`, dates :mod:`geo.drafts._dates`, words
:mod:`geo.drafts._terms`; verification :func:`verification`; category :data:`CATEGORY_ORDER`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Final

import pandas as pd

from geo.drafts._dates import When, when
from geo.drafts._places import Finder, Mention
from geo.drafts._reports import read_reports
from geo.drafts._terms import LANGUAGES, Terms, terms
from geo.drafts._text import language, sentences
from geo.errors import GeoError
from geo.places import PlaceIndex
from geo.schema import empty_events

#: The columns a draft has beside the event's.
DRAFT_COLUMNS: Final = ("report_id", "evidence", "evidence_start", "evidence_end", "place_said", "confidence")
#: When a sentence has words of several categories, the first of this order wins ("a strike by drones": a strike;
#: "drones ... troops": an airspace incident).
CATEGORY_ORDER: Final = ("strike", "airspace_incident", "territorial_change", "ground_combat", "deployment")
#: Categories a sentence pointing back ("fighting there ...") may add to: the same kind of happening.
_FAMILY: Final = {"ground_combat": "fighting", "territorial_change": "fighting", "strike": "air",
                  "airspace_incident": "air", "deployment": "deployment"}
#: "à Minsk", "in Moscow", "в Минске": how a venue is named after a speaker or an institution.
_VENUE: Final = re.compile(r"(?:^|\s)(?:à|a|in|at|в|у|im|in der)\s+$", re.IGNORECASE)
#: How cautious each verification is: a merged draft keeps the most cautious.
_CAUTION: Final = {"confirmed": 0, "reported": 1, "claimed": 2}
_COUNTRY_NAMES: Final = {"BLR": "Belarus", "UKR": "Ukraine", "RUS": "Russia"}


@dataclass(frozen=True)
class Report:
    """One report: its text, its publication date (what relative dates count from), an id and a URL."""

    text: str
    date: dt.date
    id: str = ""
    url: str = ""


@dataclass
class _Draft:
    report: Report
    category: str
    place: Any  # geo.places.Place, or None for a border
    lon: float
    lat: float
    precision: str
    location: str
    country: str
    said: str
    sentence: str
    start: int
    end: int
    when: When | None
    verification: str
    equipment: list[str] = field(default_factory=list)
    actors: list[str] = field(default_factory=list)
    confidence: float = 0.5
    first: int = 0  # where its first sentence starts (the frame's order)

    def merge(self, sentence: str, start: int, end: int, found: When | None, check: str, equipment: list[str],
              actors: list[str]) -> None:
        self.sentence = f"{self.sentence} {sentence}"
        self.end = end
        if found is not None and (self.when is None or found.interval):
            self.when = found
        if _CAUTION[check] > _CAUTION[self.verification]:
            self.verification = check
        self.equipment += [e for e in equipment if e not in self.equipment]
        if self.place is not None:  # (a border's actor is the side it is on)
            self.actors += [a for a in actors if a not in self.actors]


def verification(hedges: list[str], speech: bool, speakers: set[str], actors: set[str]) -> str:
    """claimed when the text hedges ("prétendument", "allegedly", "нібито") or a party speaks of what another
    did; confirmed when it says an independent source confirmed it; reported otherwise (a report attributed to
    a source, or a party's statement of its own act)."""
    if "claimed" in hedges:
        return "claimed"
    if "confirmed" in hedges:
        return "confirmed"
    if speech and speakers and not speakers & actors:
        return "claimed"
    return "reported"


class Drafter:
    """Drafts events from reports with one gazetteer (``index``: :class:`geo.places.PlaceIndex`) and, when given,
    the join index of the boundaries (``admin``: :class:`geo.join.AdminIndex`, for border locations)."""

    def __init__(self, index: PlaceIndex, admin: Any = None, *, home: tuple[str, ...] | None = None) -> None:
        self.index, self.admin = index, admin
        #: the countries whose small towns and units count (default: the gazetteer's boundaries' countries)
        self.home = tuple(sorted(home if home is not None else index.home or ()))

    def draft(self, report: Report, lang: str = "auto") -> pd.DataFrame:
        """The draft events of ``report`` (see the module's docstring), in the order of the text."""
        chosen = language(report.text) if lang == "auto" else lang
        if chosen not in LANGUAGES:
            raise GeoError(f"expected a language among auto, {', '.join(LANGUAGES)}, got {lang!r}")
        words = terms(chosen)
        finder = Finder(self.index, words, self.home)
        finder.context(report.text)
        drafts: list[_Draft] = []  # the one touched last is last
        for sent in sentences(report.text):
            self._sentence(report, sent.text, sent.start, words, finder, drafts)
        return _frame(sorted(drafts, key=lambda d: d.first))

    def _sentence(self, report: Report, text: str, offset: int, words: Terms, finder: Finder,
                  drafts: list[_Draft]) -> None:
        cats = {h.value for h in words.find(text, "category")}
        category = next((c for c in CATEGORY_ORDER if c in cats), None)
        equipment = list(dict.fromkeys(h.value for h in words.find(text, "equipment")))
        speech = words.find(text, "speech")
        mentions = finder.mentions(text)
        institutions = words.find(text, "institution")
        # who speaks: a government named ("Lukashenko", "le Kremlin"; not a city the sentence is about, "struck
        # Kyiv"), or the nationality of an institution ("the Russian defence ministry", "le ministère biélorusse")
        speakers = {h.value for h in words.find(text, "party") if not any(m.start <= h.start < m.end for m in mentions)}
        voices = [h for h in words.find(text, "demonym") if any(abs(h.start - i.start) < 30 for i in institutions)]
        speakers |= {h.value for h in voices}
        origins = [m.place.iso3 for m in mentions if m.origin and m.place.kind == "country"]
        hits = words.find(text, "category")
        sides = [h for h in [*words.find(text, "demonym"), *words.find(text, "country")] if h not in voices]
        # the actors: where it came from ("objets volants en provenance d'Ukraine"), else the nationalities and
        # countries named, the nearest to what happened first ("troupes biélorusses")
        near = sorted(sides, key=lambda h: min((abs(h.start - c.start) for c in hits), default=0))
        actors = list(dict.fromkeys(origins or [h.value for h in near]))
        own = set(actors)
        if category == "deployment":  # troops moved on a country's own ground: that country's act
            own |= {m.place.iso3 for m in mentions if not m.origin and m.place.kind != "country"}
        check = verification([h.value for h in words.find(text, "hedge")], bool(speech), speakers, own)
        found = when(text, words, report.date)
        anaphor = bool(words.find(text, "anaphor"))
        # not where it happened: where it came from, where a speaker spoke ("a déclaré ... à Minsk"), where an
        # institution sits ("le ministère ... à Minsk")
        venues = [*speech, *words.find(text, "institution")]
        places = [m for m in mentions if not m.origin and not any(
            v.end <= m.start and "," not in text[v.end:m.start] and m.start - v.end < 60 and _VENUE.search(
                text[max(v.end, m.start - 4):m.start]) for v in venues)]
        if any(m.place.kind != "country" for m in places):  # a country is context when a place in it is named
            places = [m for m in places if m.place.kind != "country"]
        border = self._border(text, words, mentions, actors, speakers)
        if anaphor and drafts and places and all(m.place.kind == "country" for m in places):
            places = []  # "y ... par l'Ukraine": the place is the one before; the country is an actor
        if category is None:
            if anaphor and drafts and found is not None:  # "y ont lieu depuis cinq jours"
                _touch(drafts, drafts[-1]).merge(text, offset, offset + len(text), found, check, equipment, actors)
            return
        if border is not None:
            places = []
        elif not places:
            earlier = next((d for d in reversed(drafts) if _FAMILY[d.category] == _FAMILY[category]), None)
            if anaphor and earlier is not None:  # "dans la région": the place of the draft before, of its kind
                _touch(drafts, earlier).merge(text, offset, offset + len(text), found, check, equipment, actors)
            return
        targets: list[tuple[Any, float, float, str, str, str, str, bool]] = []
        if border is not None:
            targets.append(border)
        for m in places:
            p = m.place
            targets.append((p, p.lon, p.lat, m.precision, p.label, p.iso3, m.said, m.unit))
        for place, lon, lat, precision, location, country, said, unit in targets:
            ref = getattr(place, "ref", location)
            same = next((d for d in drafts if getattr(d.place, "ref", d.location) == ref and d.category == category),
                        None)
            if same is not None:
                _touch(drafts, same).merge(text, offset, offset + len(text), found, check, equipment, actors)
                continue
            confidence = 0.45 + 0.2 * unit + 0.15 * (found is not None) + 0.1 * (place is None or place.kind != "town")
            drafts.append(_Draft(report, category, place, lon, lat, precision, location, country, said, text, offset,
                                 offset + len(text), found, check, list(equipment),
                                 [country] if place is None else list(actors), round(min(confidence, 0.95), 2),
                                 offset))

    def _border(self, text: str, words: Terms, mentions: list[Mention], actors: list[str],
                speakers: set[str]) -> tuple[Any, float, float, str, str, str, str, bool] | None:
        """A sentence's location when it is a border: "à la frontière avec l'Ukraine", "на кордоні з Білоруссю":
        the acting country's border districts with the country named."""
        borders = words.find(text, "border")
        if not borders:
            return None
        after = [m for m in mentions if m.place.kind == "country" and any(m.start >= b.end for b in borders)]
        named = [h for h in words.find(text, "demonym") if any(0 <= h.start - b.end <= 2 for b in borders)]
        partner_iso = after[0].place.iso3 if after else (named[0].value if named else None)
        if partner_iso is None:
            return None
        partners = self.index.named(_COUNTRY_NAMES.get(partner_iso, partner_iso), kinds=("country",))
        if not partners:
            return None
        partner = partners[0]
        side = next((a for a in [*actors, *sorted(speakers)] if a != partner.iso3), None)
        if side is None:
            return None
        point = self.admin.border_point(side, partner.iso3) if self.admin is not None else None
        if point is None:
            return None
        name = f"{_COUNTRY_NAMES.get(side, side)} border with {partner.name}"
        said = after[0].said if after else named[0].term
        return None, point[0], point[1], "country", name, side, said, True


def _touch(drafts: list[_Draft], draft: _Draft) -> _Draft:
    """``draft``, moved last among ``drafts``: the one a sentence pointing back ("dans la région") means."""
    drafts.remove(draft)
    drafts.append(draft)
    return draft


def _frame(drafts: list[_Draft]) -> pd.DataFrame:
    frame = empty_events(len(drafts))
    if not drafts:
        for col in DRAFT_COLUMNS:
            frame[col] = pd.Series(dtype="string" if col not in ("evidence_start", "evidence_end", "confidence")
                                   else "float64")
        return frame
    rows = []
    for d in drafts:
        start = d.when.start if d.when is not None else d.report.date
        end = d.when.end if d.when is not None else d.report.date
        key = f"{d.report.id}|{d.start}|{d.location}|{d.category}"
        rows.append({
            "id": "draft-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16],
            "title": f"{d.category.replace('_', ' ').capitalize()}: {d.location}",
            "description": d.sentence,
            "category": d.category,
            "actors": "; ".join(_COUNTRY_NAMES.get(a, a) for a in d.actors),
            "date_start": pd.Timestamp(start),
            "date_end": pd.Timestamp(end),
            "time_precision": "day",
            "lon": d.lon,
            "lat": d.lat,
            "geo_precision": d.precision,
            "location_name": d.location,
            "country_iso": d.country,
            "verification": d.verification,
            "equipment": "; ".join(d.equipment),
            "source_name": "draft from text",
            "source_url": d.report.url,
            "source_date": pd.Timestamp(d.report.date),
            "report_id": d.report.id,
            "evidence": d.sentence,
            "evidence_start": float(d.start),
            "evidence_end": float(d.end),
            "place_said": d.said,
            "confidence": d.confidence,
        })
    table = pd.DataFrame(rows)
    for col in table.columns:
        if col in frame.columns:
            frame[col] = table[col].astype(frame[col].dtype).to_numpy()
        else:
            frame[col] = table[col].to_numpy()
    for col in DRAFT_COLUMNS:
        if col not in ("evidence_start", "evidence_end", "confidence"):
            frame[col] = frame[col].astype("string")
    return frame


__all__ = ["CATEGORY_ORDER", "DRAFT_COLUMNS", "Drafter", "Report", "read_reports", "verification"]
