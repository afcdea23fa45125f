"""Sentences and words of a report, with their offsets in it, and the report's language."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

#: A sentence ends at . ! ? or … followed by space and a capital, a quote or a digit, or at a blank line.
_SENTENCE_END: Final = re.compile(r"(?<=[.!?…])[\"»”]?\s+(?=[\"«“A-ZÀ-ÖØ-ÞА-ЯЁІЇЄҐ0-9])|\n\s*\n")
_WORD: Final = re.compile(r"[^\W\d_](?:[\w’'-]*\w)?", re.UNICODE)
_STOPWORDS: Final = {
    "fr": {"le", "la", "les", "des", "du", "une", "est", "dans", "pour", "avec", "sur", "qui", "que", "pas", "été"},
    "en": {"the", "and", "of", "to", "in", "is", "was", "were", "for", "on", "with", "that", "by", "from", "has"},
    "de": {"der", "die", "das", "und", "ist", "nicht", "mit", "von", "den", "dem", "des", "ein", "eine", "auf", "wurde"},
}


@dataclass(frozen=True)
class Sentence:
    """A sentence of the report: its text and where it starts."""

    text: str
    start: int


@dataclass(frozen=True)
class Word:
    """A word of a sentence: its text and offsets within the sentence."""

    text: str
    start: int
    end: int

    @property
    def capital(self) -> bool:
        return self.text[:1].isupper()

    @property
    def cyrillic(self) -> bool:
        return bool(re.search(r"[\u0400-\u04FF]", self.text))


def language(text: str) -> str:
    """fr, en, de, ru or uk: Cyrillic text is Ukrainian when it has і, ї, є or ґ, else Russian; Latin text the
    language whose common words it uses most."""
    cyrillic = len(re.findall(r"[\u0400-\u04FF]", text))
    latin = len(re.findall(r"[A-Za-zÀ-ÿ]", text))
    if cyrillic > latin:
        return "uk" if re.search(r"[іїєґІЇЄҐ]", text) else "ru"
    words = [w.lower() for w in re.findall(r"[A-Za-zÀ-ÿ]+", text[:20_000])]
    counts = {lang: sum(w in stop for w in words) for lang, stop in _STOPWORDS.items()}
    return max(counts, key=lambda lang: (counts[lang], lang == "en"))


def sentences(text: str) -> list[Sentence]:
    """The sentences of ``text`` (titles and paragraphs too), with their offsets."""
    out, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        piece = text[start:match.start()]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            out.append(Sentence(piece.strip(), start + lead))
        start = match.end()
    piece = text[start:]
    if piece.strip():
        out.append(Sentence(piece.strip(), start + len(piece) - len(piece.lstrip())))
    return out


def words(sentence: str) -> list[Word]:
    """The words of a sentence (letters first; a French elision "d'Ukraine" gives "Ukraine")."""
    out = []
    for match in _WORD.finditer(sentence):
        text, start = match.group(0), match.start()
        elided = re.match(r"^(?:[dlLDjJnNsScCmMtT]|qu|Qu|jusqu|lorsqu)['’](?=\w)", text)
        if elided:
            text, start = text[elided.end():], start + elided.end()
        out.append(Word(text, start, start + len(text)))
    return out
