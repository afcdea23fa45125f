"""The drafting vocabulary (:data:`TERMS_FILE`: categories, equipment, hedges, dates, admin words per
language), read once and compiled to one matcher per kind and language."""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from geo.errors import GeoError

#: The table: lang (fr, en, de, ru, uk, or * for every language), kind, term, value. Kept as data: analysts add terms.
TERMS_FILE: Final = Path(__file__).resolve().parents[2] / "data" / "draft_terms.csv"
LANGUAGES: Final = ("fr", "en", "de", "ru", "uk")
KINDS: Final = ("category", "equipment", "hedge", "speech", "party", "demonym", "country", "admin", "border", "origin",
                "anaphor", "relday", "weekday", "night", "month", "number", "since", "evening", "institution")
#: A word's letters (any script), apostrophes and hyphens inside it.
_WORD: Final = r"[\w’'-]"


@dataclass(frozen=True)
class Hit:
    """One term found in a text: where (character offsets), its kind and its value."""

    start: int
    end: int
    kind: str
    value: str
    term: str


@dataclass(frozen=True)
class Terms:
    """The table for one language: a compiled pattern per kind, and each term's value."""

    lang: str
    patterns: dict[str, re.Pattern[str]]
    values: dict[str, list[tuple[re.Pattern[str], str, str]]]

    def find(self, text: str, kind: str) -> list[Hit]:
        """Every term of ``kind`` in ``text`` (lower-cased inside), longest first where two overlap."""
        pattern = self.patterns.get(kind)
        if pattern is None:
            return []
        low = text.lower()
        hits: list[Hit] = []
        for match in pattern.finditer(low):
            found = match.group(0)
            value = next((v for p, v, _t in self.values[kind] if p.fullmatch(found)), "")
            hits.append(Hit(match.start(), match.end(), kind, value, found))
        return hits


def _term_re(term: str) -> str:
    """A term as a whole-word pattern: ``*`` at its end takes any ending."""
    stem = term[:-1] if term.endswith("*") else term
    body = r"\s+".join(re.escape(part) for part in stem.split())
    end = "" if stem.endswith(("'", "’")) else rf"(?!{_WORD})"  # "d'": the word follows at once
    # (an elided article before it is no part of it: "l'avancée", "d'Ukraine")
    return rf"(?<![\w-]){body}{_WORD + '*' if term.endswith('*') else ''}{end}"


@functools.lru_cache(maxsize=8)
def terms(lang: str) -> Terms:
    """The terms of ``lang`` (and those marked ``*``), compiled once."""
    if lang not in LANGUAGES:
        raise GeoError(f"expected a language among {', '.join(LANGUAGES)}, got {lang!r}")
    rows: dict[str, list[tuple[str, str]]] = {k: [] for k in KINDS}
    with TERMS_FILE.open(encoding="utf-8", newline="") as fh:
        lines = (line for line in fh if not line.startswith("#"))
        for number, row in enumerate(csv.DictReader(lines), start=2):
            if row["kind"] not in rows:
                raise GeoError(f"{TERMS_FILE.name}, row {number}, column kind: expected one of {', '.join(KINDS)}, "
                               f"got {row['kind']!r}")
            if row["lang"] in (lang, "*"):
                rows[row["kind"]].append((row["term"].strip().lower(), (row["value"] or "").strip()))
    patterns, values = {}, {}
    for kind, pairs in rows.items():
        if not pairs:
            continue
        pairs.sort(key=lambda p: -len(p[0]))  # the longest term first: "hier soir" before "hier"
        patterns[kind] = re.compile("|".join(_term_re(t) for t, _v in pairs))
        values[kind] = [(re.compile(_term_re(t)), v, t) for t, v in pairs]
    return Terms(lang, patterns, values)
