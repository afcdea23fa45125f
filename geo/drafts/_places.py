"""Places named in a sentence: admin-unit phrases ("région de Koursk", "Kursk oblast", "Курской области",
"в Костюковичском районе", "на Харківщині") resolve to the unit; other names to a town, unit or country by
their exact matching key (:meth:`geo.places.PlaceIndex.named`: any transliteration), Russian and Ukrainian words
first brought to their dictionary form (pymorphy3, "у Феодосії" → Феодосія, "під Маріуполем" → Маріуполь).
Namesakes are settled by the countries and oblasts the report names."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Final

from geo.drafts._terms import Hit, Terms
from geo.drafts._text import Word, words
from geo.names import name_key, same_admin_name
from geo.places import Place, PlaceIndex

#: The precision of a place of each kind.
PRECISION: Final = {"town": "near", "hromada": "admin2", "raion": "admin2", "oblast": "admin1", "country": "country"}
#: The kinds an admin word asks for.
_ADMIN_KINDS: Final = {"oblast": ("oblast",), "raion": ("raion",), "unit": ("oblast", "raion", "hromada")}
#: Prepositions saying "at": a small town is taken only after one of them (or in an oblast the report names).
_AT: Final = {"à", "a", "au", "près", "vers", "in", "at", "near", "outside", "в", "во", "у", "под", "возле", "під",
              "біля", "поблизу", "около", "bei", "nahe"}
#: Words skipped between an admin word and its name ("région russe de Koursk").
_LINKS: Final = {"de", "d", "du", "des", "of", "the", "la", "le", "von", "der"}
_TOWN_MIN: Final = 20_000  # a town of fewer people needs a preposition of place, or its oblast named
_ABROAD_MIN: Final = 1_000_000  # a town outside the loaded countries: this many, and a preposition of place
_ISO_NAMES: Final = {"BLR": "Belarus", "UKR": "Ukraine", "RUS": "Russia"}
#: Capitalised words that start sentences and name nothing.
_FUNCTION_WORDS: Final = {
    "la", "le", "les", "l", "un", "une", "des", "de", "du", "en", "et", "il", "elle", "ils", "ce", "cette", "ces",
    "dans", "après", "avant", "selon", "pour", "par", "sur", "mais", "si", "dès", "compte", "tenu",
    "the", "a", "an", "in", "on", "at", "of", "and", "but", "after", "before", "according", "this", "that", "it",
    "der", "die", "das", "ein", "eine", "und", "im", "am", "nach", "vor",
    "в", "во", "на", "и", "по", "с", "из", "за", "у", "та", "з", "до", "від", "після", "як", "это", "це",
}


@dataclass(frozen=True)
class Mention:
    """A place named in a sentence: where (offsets in the sentence), as written, the place, and how."""

    start: int
    end: int
    said: str
    place: Place
    unit: bool = False  # named with an admin word
    origin: bool = False  # "en provenance d'Ukraine": where it came from, not where it happened

    @property
    def precision(self) -> str:
        return PRECISION.get(self.place.kind, "near")


@functools.lru_cache(maxsize=2)
def _morph(lang: str) -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang=lang)


def _lemmas(word: str, lang: str) -> list[str]:
    """The dictionary forms of a Russian or Ukrainian word, best first (the word itself last)."""
    if lang not in ("ru", "uk") or not re.search(r"[\u0400-\u04FF]", word):
        return [word]
    forms = [p.normal_form for p in _morph(lang).parse(word.lower())[:4]]
    return list(dict.fromkeys([*forms, word.lower()]))


def _nominative_phrase(adjective: str, noun: str, lang: str) -> str:
    """"Курской" + "области" → "курская область": the adjective agreeing with the noun, both in the nominative."""
    morph = _morph(lang)
    noun_parse = morph.parse(noun.lower())[0]
    gender = noun_parse.tag.gender or "masc"
    for parse in morph.parse(adjective.lower()):
        if "ADJF" in parse.tag or "ADJS" in parse.tag:
            agreed = parse.inflect({"nomn", "sing", gender})
            if agreed is not None:
                return f"{agreed.word} {noun_parse.normal_form}"
    return f"{adjective} {noun_parse.normal_form}"


class Finder:
    """Finds the places of sentences in one gazetteer (:class:`geo.places.PlaceIndex`) for one language."""

    def __init__(self, index: PlaceIndex, terms: Terms, home: tuple[str, ...]) -> None:
        self.index, self.terms, self.home = index, terms, frozenset(home)
        #: countries and oblasts the whole report names (set by :meth:`context`): they settle namesakes
        self.countries: frozenset[str] = frozenset()
        self.oblasts: frozenset[str] = frozenset()

    def context(self, text: str) -> None:
        """Read the whole report once for the countries and oblasts it names."""
        countries, oblasts = set(), set()
        for hit in self.terms.find(text, "demonym"):
            countries.add(hit.value)
        for mention in self.mentions(text, settle=False):
            if mention.place.kind == "country":
                countries.add(mention.place.iso3)
            elif mention.place.kind == "oblast":
                oblasts.add(mention.place.name)  # (what a town's ``oblast`` holds)
            if mention.place.iso3 and mention.place.kind != "town":
                countries.add(mention.place.iso3)
        self.countries, self.oblasts = frozenset(countries), frozenset(oblasts)

    def mentions(self, sentence: str, *, settle: bool = True) -> list[Mention]:
        """The places ``sentence`` names, in its order (admin phrases first claim their words)."""
        ws = words(sentence)
        lang = self.terms.lang
        taken: set[int] = set()
        found: list[Mention] = []
        for hit in self.terms.find(sentence, "admin"):
            mention, used = self._admin(sentence, ws, hit, lang)
            if mention is not None:
                found.append(mention)
                taken |= used
        for hit in self.terms.find(sentence, "country"):
            at = [k for k, w in enumerate(ws) if hit.start <= w.start < hit.end]
            places = self.index.named(_ISO_NAMES.get(hit.value, hit.value), kinds=("country",))
            if at and places and not taken & set(at):
                found.append(Mention(ws[at[0]].start, ws[at[-1]].end, sentence[ws[at[0]].start:ws[at[-1]].end],
                                     places[0]))
                taken |= set(at)
        skip = self._not_places(sentence)
        parties = self.terms.find(sentence, "party")
        happenings = self.terms.find(sentence, "category")  # "struck Kyiv": a capital as the target
        origins = self.terms.find(sentence, "origin")
        for i, word in enumerate(ws):
            if i in taken or any(s <= word.start < e for s, e in skip) or word.text.lower() in _FUNCTION_WORDS:
                continue
            if any(0 <= p.start - word.end <= 1 for p in parties):  # a first name: "Alexandre Lukashenko"
                continue
            if any(p.start <= word.start < p.end for p in parties) and not (i > 0 and (
                    ws[i - 1].text.lower() in _AT or any(c.start <= ws[i - 1].start < c.end for c in happenings))):
                continue  # "Moscou dans l'embarras", "Minsk a mis en garde": the government, not the place
            if not word.capital and not (word.cyrillic and lang == "uk" and word.text.lower().endswith(
                    ("щина", "щині", "щину", "щиною", "щини"))):
                continue
            pair = ws[i + 1] if i + 1 < len(ws) and ws[i + 1].capital and ws[i + 1].start - word.end <= 1 else None
            mention = None
            if pair is not None and i + 1 not in taken:
                mention = self._named(sentence[word.start:pair.end], word.start, pair.end, ws, i, lang, settle)
                if mention is not None:
                    taken.add(i + 1)
            if mention is None:
                mention = self._named(word.text, word.start, word.end, ws, i, lang, settle)
            if mention is not None:
                found.append(mention)
                taken.add(i)
        out = []
        for m in sorted(found, key=lambda m: m.start):
            origin = any(0 <= m.start - o.end <= 3 for o in origins)
            out.append(Mention(m.start, m.end, m.said, m.place, m.unit, origin))
        return out

    def _not_places(self, sentence: str) -> list[tuple[int, int]]:
        """Spans that name something else: equipment, speakers, months, weekdays."""
        kinds = ("equipment", "month", "weekday", "demonym")
        return [(h.start, h.end) for kind in kinds for h in self.terms.find(sentence, kind)]

    def _admin(self, sentence: str, ws: list[Word], hit: Hit, lang: str) -> tuple[Mention | None, set[int]]:
        """The unit an admin word names: the name after it (fr "région de Koursk", en "region of"), before it (en
        "Kursk oblast"), or the adjective before it (ru/uk "Курской области")."""
        kinds = _ADMIN_KINDS.get(hit.value, _ADMIN_KINDS["unit"])
        at = next((k for k, w in enumerate(ws) if w.start == hit.start), None)
        if at is None:
            return None, set()
        tries: list[tuple[str, list[int]]] = []
        if ws[at].cyrillic and at > 0:
            adjective = ws[at - 1]
            tries.append((_nominative_phrase(adjective.text, ws[at].text, lang), [at - 1, at]))
        k = at + 1
        while k < len(ws) and (ws[k].text.lower() in _LINKS or self.terms.find(ws[k].text, "demonym")):
            k += 1
        if k < len(ws) and ws[k].capital and k - at <= 4:
            name = [k]
            if k + 1 < len(ws) and ws[k + 1].capital and ws[k + 1].start - ws[k].end <= 1:
                name.append(k + 1)
            tries.append((sentence[ws[name[0]].start:ws[name[-1]].end], [at, *range(at + 1, name[-1] + 1)]))
        if at > 0 and ws[at - 1].capital and not ws[at].cyrillic:
            tries.append((ws[at - 1].text, [at - 1, at]))
        for name, used in tries:
            for place in self.index.search(name, kinds=kinds, limit=4):
                if same_admin_name(name, place.name) or same_admin_name(f"{name} {hit.term}", place.name) or (
                        place.local_name and same_admin_name(name, place.local_name)):
                    start, end = ws[min(used)].start, ws[max(used)].end
                    return Mention(start, end, sentence[start:end], place, unit=True), set(used)
        return None, set()

    def _named(self, text: str, start: int, end: int, ws: list[Word], i: int, lang: str,
               settle: bool) -> Mention | None:
        candidates: list[tuple[Place, bool]] = []  # (place, named by its own name rather than another of its names)
        for lemma in _lemmas(text, lang):
            if lang == "uk" and lemma.endswith("щина") and len(lemma) > 6:  # "Харківщина": the oblast of Харків
                for place in self.index.search(lemma[:-4], kinds=("oblast",), limit=3):
                    if same_admin_name(lemma[:-4], place.name):
                        return Mention(start, end, text, place, unit=True)
                continue
            key = name_key(lemma)
            candidates += [(p, key in (name_key(p.name), name_key(p.local_name))) for p in self.index.named(lemma)
                           if self._plausible(p, ws, i)]
        if not candidates:
            return None
        return Mention(start, end, text, self._settle(candidates) if settle else candidates[0][0])

    def _plausible(self, place: Place, ws: list[Word], i: int) -> bool:
        """A town is taken when it is large, or after a preposition of place, or in an oblast the report names;
        abroad, only large towns and countries."""
        if place.kind == "country":
            return True
        home = place.iso3 in self.home
        if place.kind != "town":
            return home
        after_at = i > 0 and ws[i - 1].text.lower() in _AT
        if not home:
            return place.population >= _ABROAD_MIN and after_at
        return place.population >= _TOWN_MIN or after_at or place.oblast in self.oblasts

    def _settle(self, candidates: list[tuple[Place, bool]]) -> Place:
        """The place meant among namesakes: those in the oblasts and countries the report names first, then one
        named by its own name (Pokrovsk, not Engels, once called Pokrovsk), a town before a unit of its name (the
        point is what the sentence names), then the most important."""
        order = {"town": 0, "raion": 1, "hromada": 2, "oblast": 3, "country": 4}

        def rank(c: tuple[Place, bool]) -> tuple[int, int, int, int, float]:
            p, own = c
            return (p.oblast not in self.oblasts, p.iso3 not in self.countries, not own, order.get(p.kind, 5),
                    -p.score)

        return min(candidates, key=rank)[0]
