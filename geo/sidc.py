"""Military symbol identification codes (SIDC): parse both code generations, set affiliation, derive codes.

A SIDC names one military symbol: its frame (affiliation and dimension), its main icon (what the unit or
equipment is), its status and its amplifiers (echelon, headquarters). Two generations are in use, and a
renderer such as milsymbol draws either:

**MIL-STD-2525C / APP-6(B)** (letter codes, 15 characters; ``-`` fills an unused position, ``*`` in
published templates is read as ``-``; shorter codes are padded with ``-``)::

    1   coding scheme   S warfighting, G tactical graphics, W METOC, I intelligence, O stability
                        operations, E emergency management
    2   affiliation     P pending, U unknown, A assumed friend, F friend, N neutral, S suspect, H hostile;
                        exercise: G pending, W unknown, M assumed friend, D friend, L neutral, J joker
                        (exercise suspect), K faker (exercise hostile); O none specified
    3   dimension       P space, A air, G ground, S sea surface, U subsurface, F special operations
                        forces, X other, Z unknown (other schemes have their own letters here)
    4   status          A anticipated/planned, P present, C present fully capable, D damaged,
                        X destroyed, F full to capacity
    5-10  function ID   hierarchical: ``UCI---`` infantry, ``UCIZ--`` mechanised infantry, ``UCA---``
                        armour, ``UCF---`` field artillery, ``UCFR--`` rocket artillery, ``UCD---`` air
                        defence, ``UCM---`` missile (surface-to-surface), ``EWMS--`` SSM launcher ...
    11  symbol modifier ``-`` none, A headquarters, B task force HQ, C feint/dummy HQ, D feint/dummy task
                        force HQ, E task force, F feint/dummy, G feint/dummy task force, H installation,
                        M mobility, N towed array
    12  echelon         A team/crew, B squad, C section, D platoon, E company, F battalion, G regiment,
                        H brigade, I division, J corps, K army, L army group/front, M region, N command
                        (a mobility or towed-array letter when position 11 is M or N)
    13-14 country code  15 order of battle

**MIL-STD-2525D / APP-6D** (20 digits; MIL-STD-2525E adds ten digits, read and ignored here)::

    1-2   version       10 (2525D), 11 (2525D change 1), 13 (2525E) ...
    3     context       0 reality, 1 exercise, 2 simulation
    4     identity      0 pending, 1 unknown, 2 assumed friend, 3 friend, 4 neutral, 5 suspect (joker in
                        an exercise), 6 hostile (faker in an exercise)
    5-6   symbol set    01 air, 02 air missile, 05 space, 10 land unit, 11 land civilian, 15 land
                        equipment, 20 land installation, 25 control measure, 30 sea surface,
                        35 subsurface, 40 activities ...
    7     status        0 present, 1 planned/anticipated, 2 present fully capable, 3 damaged,
                        4 destroyed, 5 full to capacity
    8     HQ/TF/dummy   0 none, 1 feint/dummy, 2 HQ, 3 feint/dummy HQ, 4 task force, 5 feint/dummy task
                        force, 6 task force HQ, 7 feint/dummy task force HQ
    9-10  amplifier     land units: echelon 11 team ... 18 brigade, 21 division ... 26 command
    11-16 entity        entity, type, subtype (2 digits each): land unit 121100 infantry, 120500
                        armour, 130300 field artillery, 130100 air defence, 130700 missile ...
    17-18 sector 1 modifier (land unit 41: multiple rocket launcher)   19-20 sector 2 modifier

Sources of the tables: MIL-STD-2525C (17 Nov 2008) appendix A, MIL-STD-2525D (10 Jun 2014) and its
change 1, APP-6(B) and APP-6D; the codes were checked against the symbol tables of the open-source
milsymbol library (spatialillusions/milsymbol: ``src/lettersidc/sidc/*.js`` and
``src/numbersidc/sidc/*.js``), the renderer the map uses. The entity tables below cover what the
analysts' events name (manoeuvre, fires, air defence, aviation, drones, a few naval and space entries);
an entity code missing from them falls back to its parent in the code's hierarchy, and one with no known
parent parses as a valid code with entity ``"unknown"``.

:func:`parse` never raises: an invalid code gives ``valid=False``, a ``problem`` naming the position
("SIDC 'SZGPUCI---': position 2 (affiliation): expected one of P, U, ..., got 'Z'"), affiliation
``"unknown"`` and icon ``"unknown"``; :func:`parse_strict` raises :class:`~geo.errors.GeoError` with the
same message. :func:`relative` re-reads the affiliation from the analyst's own side; :func:`derive` builds
a code for an event or unit without one from ``data/sidc_map.csv`` (:func:`derivation_table`).
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final, Literal, cast

import pandas as pd

from geo.errors import GeoError, InputFormatError

__all__ = [
    "ECHELONS",
    "SIDC_MAP_CSV",
    "SidcRule",
    "Symbol",
    "analyst_sides",
    "derivation_table",
    "derive",
    "event_symbols",
    "match_rule",
    "match_rules",
    "normalise_side",
    "parse",
    "parse_strict",
    "rank_of_echelon",
    "relative",
    "with_affiliation",
]

Affiliation = Literal["friend", "hostile", "neutral", "unknown"]
Generation = Literal["2525C", "2525D"]

SIDC_MAP_CSV: Final = Path(__file__).resolve().parents[1] / "data" / "sidc_map.csv"
AFFILIATIONS: Final[tuple[Affiliation, ...]] = ("friend", "hostile", "neutral", "unknown")
GENERATIONS: Final[tuple[Generation, ...]] = ("2525C", "2525D")

# --- echelons ------------------------------------------------------------------------------------------

#: Echelon name → (rank for a level-of-detail rule, 2525C position-12 letter, 2525D positions 9-10).
ECHELONS: Final[dict[str, tuple[int, str, str]]] = {
    "team": (1, "A", "11"),
    "squad": (2, "B", "12"),
    "section": (3, "C", "13"),
    "platoon": (4, "D", "14"),
    "company": (5, "E", "15"),
    "battalion": (6, "F", "16"),
    "regiment": (7, "G", "17"),
    "brigade": (8, "H", "18"),
    "division": (9, "I", "21"),
    "corps": (10, "J", "22"),
    "army": (11, "K", "23"),
    "army group": (12, "L", "24"),
    "region": (13, "M", "25"),
    "command": (14, "N", "26"),
}
_C_ECHELON: Final = {letter: name for name, (_, letter, _) in ECHELONS.items()}
_D_ECHELON: Final = {code: name for name, (_, _, code) in ECHELONS.items()}
#: Other names of echelons (free text in unit tables and event texts).
_ECHELON_SYNONYMS: Final = {
    "crew": "team", "detachment": "platoon", "battery": "company", "troop": "company", "squadron": "battalion",
    "group": "regiment", "front": "army group", "theatre": "region", "theater": "region", "bde": "brigade",
    "bn": "battalion", "coy": "company", "regt": "regiment", "div": "division", "plt": "platoon",
}


def rank_of_echelon(name: str | None) -> int | None:
    """The rank (team 1 ... army group 12, region 13, command 14) of an echelon name; None if unknown."""
    if not name:
        return None
    key = re.sub(r"\s+", " ", str(name).strip().lower())
    key = _ECHELON_SYNONYMS.get(key, key)
    found = ECHELONS.get(key)
    return found[0] if found else None


# --- code tables ---------------------------------------------------------------------------------------

_C_SCHEMES: Final = {
    "S": "warfighting", "G": "tactical graphics", "W": "METOC", "I": "intelligence",
    "O": "stability operations", "E": "emergency management",
}
#: 2525C position 2 → (affiliation, exercise).
_C_AFFILIATION: Final[dict[str, tuple[Affiliation, bool]]] = {
    "P": ("unknown", False), "U": ("unknown", False), "A": ("friend", False), "F": ("friend", False),
    "N": ("neutral", False), "S": ("hostile", False), "H": ("hostile", False),
    "G": ("unknown", True), "W": ("unknown", True), "M": ("friend", True), "D": ("friend", True),
    "L": ("neutral", True), "J": ("hostile", True), "K": ("hostile", True), "O": ("unknown", False),
}
#: The letter written for an affiliation: (real world, exercise).
_C_AFFILIATION_LETTER: Final[dict[Affiliation, tuple[str, str]]] = {
    "friend": ("F", "D"), "hostile": ("H", "K"), "neutral": ("N", "L"), "unknown": ("U", "W"),
}
_C_DIMENSIONS: Final[dict[str, dict[str, str]]] = {
    "S": {"P": "space", "A": "air", "G": "land unit", "S": "sea surface", "U": "subsurface", "F": "land unit",
          "X": "other", "Z": "other"},
    "I": {"P": "space", "A": "air", "G": "land equipment", "S": "sea surface", "U": "subsurface", "X": "other",
          "Z": "other"},
    "O": {k: "other" for k in "VLOIPGR"},
    "E": {k: "other" for k in "INOF"},
    "G": {k: "other" for k in "TGMFSO"},
}
_C_GROUND_KIND: Final = {"U": "land unit", "E": "land equipment", "I": "land installation"}
#: 2525C position 4 → (status, condition).
_C_STATUS: Final[dict[str, tuple[str, str | None]]] = {
    "A": ("planned", None), "P": ("present", None), "C": ("present", "fully capable"),
    "D": ("present", "damaged"), "X": ("present", "destroyed"), "F": ("present", "full to capacity"),
}
#: 2525C position 11 (echelon in position 12) → (headquarters, task force, feint/dummy).
_C_UNIT_MODIFIER: Final[dict[str, tuple[bool, bool, bool]]] = {
    "-": (False, False, False), "A": (True, False, False), "B": (True, True, False),
    "C": (True, False, True), "D": (True, True, True), "E": (False, True, False),
    "F": (False, False, True), "G": (False, True, True),
}
_C_OTHER_MODIFIER: Final = {"H": "-B", "M": "-OPQRSTUVWXY", "N": "-SL"}

_D_FIELDS: Final = (
    "version", "version", "context", "standard identity", "symbol set", "symbol set", "status",
    "HQ/task force/dummy", "amplifier", "amplifier", *["entity"] * 6, *["sector 1 modifier"] * 2,
    *["sector 2 modifier"] * 2, *["MIL-STD-2525E extension"] * 10,
)
_D_VERSIONS: Final = ("10", "11", "12", "13", "14", "15")
_D_CONTEXT: Final = {"0": "reality", "1": "exercise", "2": "simulation"}
_D_IDENTITY: Final[dict[str, Affiliation]] = {
    "0": "unknown", "1": "unknown", "2": "friend", "3": "friend", "4": "neutral", "5": "hostile", "6": "hostile",
}
_D_IDENTITY_DIGIT: Final[dict[Affiliation, str]] = {"friend": "3", "hostile": "6", "neutral": "4", "unknown": "1"}
#: 2525D symbol set → (name, dimension).
SYMBOL_SETS: Final[dict[str, tuple[str, str]]] = {
    "00": ("unknown", "other"),
    "01": ("air", "air"),
    "02": ("air missile", "air"),
    "05": ("space", "space"),
    "06": ("space missile", "space"),
    "10": ("land unit", "land unit"),
    "11": ("land civilian unit/organisation", "land civilian"),
    "15": ("land equipment", "land equipment"),
    "20": ("land installation", "land installation"),
    "25": ("control measure", "other"),
    "27": ("dismounted individual", "land unit"),
    "30": ("sea surface", "sea surface"),
    "35": ("sea subsurface", "subsurface"),
    "36": ("mine warfare", "subsurface"),
    "40": ("activity/event", "other"),
    "45": ("atmospheric", "other"),
    "46": ("oceanographic", "other"),
    "47": ("meteorological space", "other"),
    "50": ("signals intelligence: space", "space"),
    "51": ("signals intelligence: air", "air"),
    "52": ("signals intelligence: land", "land equipment"),
    "53": ("signals intelligence: surface", "sea surface"),
    "54": ("signals intelligence: subsurface", "subsurface"),
    "60": ("cyberspace", "other"),
}
_D_ECHELON_SETS: Final = ("10", "11")
_D_STATUS: Final[dict[str, tuple[str, str | None]]] = {
    "0": ("present", None), "1": ("planned", None), "2": ("present", "fully capable"),
    "3": ("present", "damaged"), "4": ("present", "destroyed"), "5": ("present", "full to capacity"),
}
_D_HQ: Final[dict[str, tuple[bool, bool, bool]]] = {
    "0": (False, False, False), "1": (False, False, True), "2": (True, False, False), "3": (True, False, True),
    "4": (False, True, False), "5": (False, True, True), "6": (True, True, False), "7": (True, True, True),
}

#: 2525D (symbol set, entity code) → (label, icon key). The icon keys are shared with :data:`_C_ENTITIES`:
#: the same thing has the same key in both generations.
_D_ENTITIES: Final[dict[tuple[str, str], tuple[str, str]]] = {
    # land unit (symbol set 10)
    ("10", "110000"): ("command and control", "command_and_control"),
    ("10", "111000"): ("signal", "signal"),
    ("10", "120400"): ("anti-armour", "anti_armour"),
    ("10", "120500"): ("armour", "armour"),
    ("10", "120600"): ("army aviation (rotary wing)", "rotary_wing"),
    ("10", "120800"): ("army aviation (fixed wing)", "fixed_wing"),
    ("10", "120900"): ("combat", "combat"),
    ("10", "121000"): ("combined arms", "combined_arms"),
    ("10", "121100"): ("infantry", "infantry"),
    ("10", "121102"): ("mechanised infantry", "mechanised_infantry"),
    ("10", "121104"): ("motorised infantry", "motorised_infantry"),
    ("10", "121300"): ("reconnaissance", "reconnaissance"),
    ("10", "121700"): ("special forces", "special_forces"),
    ("10", "121800"): ("special operations forces", "special_operations_forces"),
    ("10", "121900"): ("unmanned systems", "unmanned_aircraft"),
    ("10", "130100"): ("air defence", "air_defence"),
    ("10", "130102"): ("air defence missile", "air_defence_missile"),
    ("10", "130300"): ("field artillery", "field_artillery"),
    ("10", "130301"): ("self-propelled artillery", "self_propelled_artillery"),
    ("10", "130700"): ("missile", "missile"),
    ("10", "130800"): ("mortar", "mortar"),
    ("10", "140700"): ("engineer", "engineer"),
    ("10", "141200"): ("military police", "military_police"),
    ("10", "150500"): ("electronic warfare", "electronic_warfare"),
    ("10", "151000"): ("military intelligence", "military_intelligence"),
    ("10", "160000"): ("sustainment", "sustainment"),
    ("10", "161300"): ("medical", "medical"),
    ("10", "163600"): ("transportation", "transportation"),
    # land equipment (15)
    ("15", "110000"): ("weapon", "weapon"),
    ("15", "110900"): ("howitzer", "howitzer"),
    ("15", "111000"): ("missile launcher", "missile_launcher"),
    ("15", "111100"): ("surface-to-air missile launcher", "sam_launcher"),
    ("15", "111300"): ("surface-to-surface missile launcher", "ssm_launcher"),
    ("15", "111400"): ("mortar", "mortar"),
    ("15", "111500"): ("single rocket launcher", "rocket_launcher"),
    ("15", "111600"): ("multiple rocket launcher", "mlrs"),
    ("15", "120100"): ("armoured vehicle", "armoured_vehicle"),
    ("15", "120101"): ("armoured fighting vehicle", "armoured_fighting_vehicle"),
    ("15", "120103"): ("armoured personnel carrier", "armoured_personnel_carrier"),
    ("15", "120200"): ("tank", "tank"),
    ("15", "140100"): ("utility vehicle", "utility_vehicle"),
    # air (01), air missile (02)
    ("01", "110000"): ("military aircraft", "military_aircraft"),
    ("01", "110100"): ("fixed-wing aircraft", "fixed_wing"),
    ("01", "110102"): ("attack aircraft", "attack_aircraft"),
    ("01", "110103"): ("bomber", "bomber"),
    ("01", "110104"): ("fighter", "fighter"),
    ("01", "110200"): ("rotary-wing aircraft", "rotary_wing"),
    ("01", "110300"): ("unmanned aircraft", "unmanned_aircraft"),
    ("01", "120000"): ("civilian aircraft", "civilian_aircraft"),
    ("01", "130000"): ("weapon", "weapon"),
    ("02", "110000"): ("missile", "missile_in_flight"),
    # space (05), sea surface (30), subsurface (35)
    ("05", "110000"): ("military space vehicle", "space_vehicle"),
    ("05", "110700"): ("satellite", "satellite"),
    ("30", "110000"): ("military vessel", "military_vessel"),
    ("30", "120000"): ("combatant", "surface_combatant"),
    ("30", "120200"): ("line combatant", "surface_combatant"),
    ("30", "140000"): ("civilian vessel", "civilian_vessel"),
    ("35", "110000"): ("military subsurface vessel", "submarine"),
    ("35", "110100"): ("submarine", "submarine"),
}
#: 2525D land unit entities turned into another thing by their sector 1 modifier.
_D_MODIFIED: Final[dict[tuple[str, str, str], tuple[str, str]]] = {
    ("10", "130300", "41"): ("rocket artillery", "rocket_artillery"),  # field artillery + multiple rocket launcher
    ("10", "130300", "59"): ("rocket artillery", "rocket_artillery"),  # field artillery + single rocket launcher
}

#: 2525C (dimension letter, function ID without its trailing "-") → (label, icon key); a function ID not
#: listed takes its longest listed prefix (the function IDs are hierarchical).
_C_ENTITIES: Final[dict[tuple[str, str], tuple[str, str]]] = {
    ("G", "UC"): ("combat", "combat"),
    ("G", "UCA"): ("armour", "armour"),
    ("G", "UCAA"): ("anti-armour", "anti_armour"),
    ("G", "UCD"): ("air defence", "air_defence"),
    ("G", "UCDM"): ("air defence missile", "air_defence_missile"),
    ("G", "UCE"): ("engineer", "engineer"),
    ("G", "UCF"): ("field artillery", "field_artillery"),
    ("G", "UCFHE"): ("self-propelled artillery", "self_propelled_artillery"),
    ("G", "UCFM"): ("mortar", "mortar"),
    ("G", "UCFR"): ("rocket artillery", "rocket_artillery"),
    ("G", "UCI"): ("infantry", "infantry"),
    ("G", "UCIM"): ("motorised infantry", "motorised_infantry"),
    ("G", "UCIZ"): ("mechanised infantry", "mechanised_infantry"),
    ("G", "UCM"): ("missile", "missile"),
    ("G", "UCR"): ("reconnaissance", "reconnaissance"),
    ("G", "UCS"): ("security", "security"),
    ("G", "UCV"): ("army aviation (rotary wing)", "rotary_wing"),
    ("G", "UCVF"): ("army aviation (fixed wing)", "fixed_wing"),
    ("G", "UCVU"): ("unmanned systems", "unmanned_aircraft"),
    ("G", "UUL"): ("military police", "military_police"),
    ("G", "UUM"): ("military intelligence", "military_intelligence"),
    ("G", "UUMSE"): ("electronic warfare", "electronic_warfare"),
    ("G", "UUS"): ("signal", "signal"),
    ("G", "US"): ("sustainment", "sustainment"),
    ("G", "USM"): ("medical", "medical"),
    ("G", "UST"): ("transportation", "transportation"),
    ("G", "EW"): ("weapon", "weapon"),
    ("G", "EWH"): ("howitzer", "howitzer"),
    ("G", "EWM"): ("missile launcher", "missile_launcher"),
    ("G", "EWMA"): ("surface-to-air missile launcher", "sam_launcher"),
    ("G", "EWMS"): ("surface-to-surface missile launcher", "ssm_launcher"),
    ("G", "EWO"): ("mortar", "mortar"),
    ("G", "EWS"): ("single rocket launcher", "rocket_launcher"),
    ("G", "EWX"): ("multiple rocket launcher", "mlrs"),
    ("G", "EVA"): ("armoured vehicle", "armoured_vehicle"),
    ("G", "EVAA"): ("armoured personnel carrier", "armoured_personnel_carrier"),
    ("G", "EVAI"): ("armoured fighting vehicle", "armoured_fighting_vehicle"),
    ("G", "EVAT"): ("tank", "tank"),
    ("G", "EVU"): ("utility vehicle", "utility_vehicle"),
    ("F", ""): ("special operations forces", "special_operations_forces"),
    ("A", "M"): ("military aircraft", "military_aircraft"),
    ("A", "MF"): ("fixed-wing aircraft", "fixed_wing"),
    ("A", "MFA"): ("attack aircraft", "attack_aircraft"),
    ("A", "MFB"): ("bomber", "bomber"),
    ("A", "MFF"): ("fighter", "fighter"),
    ("A", "MFQ"): ("unmanned aircraft", "unmanned_aircraft"),
    ("A", "MH"): ("rotary-wing aircraft", "rotary_wing"),
    ("A", "C"): ("civilian aircraft", "civilian_aircraft"),
    ("A", "W"): ("weapon", "weapon"),
    ("A", "WM"): ("missile", "missile_in_flight"),
    ("P", "S"): ("satellite", "satellite"),
    ("S", "C"): ("combatant", "surface_combatant"),
    ("S", "X"): ("civilian vessel", "civilian_vessel"),
    ("U", "S"): ("submarine", "submarine"),
}
#: Main icon of the other 2525C coding schemes (no entity table of their own here).
_C_SCHEME_ENTITY: Final = {
    "G": ("tactical graphic", "tactical_graphic"), "W": ("meteorological", "meteorological"),
    "I": ("signals intelligence", "signals_intelligence"),
    "O": ("stability operations", "stability_operations"), "E": ("emergency management", "emergency_management"),
}


# --- the parsed symbol ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Symbol:
    """One parsed SIDC. ``code`` is normalised (upper case, 2525C padded to 15 with ``-``)."""

    code: str
    generation: Generation
    affiliation: Affiliation
    exercise: bool  # an exercise or simulation code (2525D context 1/2; 2525C exercise letters G W M D L J K)
    context: str  # reality | exercise | simulation
    dimension: str  # land unit | land civilian | land equipment | land installation | air | space | sea surface | subsurface | other
    status: str  # present | planned
    condition: str | None  # fully capable | damaged | destroyed | full to capacity
    echelon: str | None  # a key of ECHELONS
    echelon_rank: int | None  # team 1 ... army group 12 (region 13, command 14)
    entity: str  # short English label of the main icon; "unspecified" (no icon), "unknown"
    icon: str  # stable icon key for renderers ("unknown": the fallback symbol)
    hq: bool
    task_force: bool
    dummy: bool
    valid: bool
    problem: str | None  # why the code is invalid ("expected ..., got ..."), None when valid

    def describe(self) -> str:
        """A short phrase for legends and popups, e.g. "hostile infantry brigade (land unit, HQ)"."""
        if not self.valid:
            return f"unknown symbol ({self.problem})"
        words = [self.affiliation, self.entity if self.entity != "unspecified" else self.dimension]
        if self.echelon:
            words.append(self.echelon)
        notes = [self.dimension] if self.entity != "unspecified" else []
        notes += [n for n, on in (("HQ", self.hq), ("task force", self.task_force), ("dummy", self.dummy)) if on]
        if self.status == "planned":
            notes.append("planned")
        if self.condition:
            notes.append(self.condition)
        if self.exercise:
            notes.append(self.context)
        return " ".join(words) + (f" ({', '.join(notes)})" if notes else "")


def _invalid(code: str, generation: Generation, problem: str) -> Symbol:
    return Symbol(
        code=code, generation=generation, affiliation="unknown", exercise=False, context="reality",
        dimension="other", status="present", condition=None, echelon=None, echelon_rank=None, entity="unknown",
        icon="unknown", hq=False, task_force=False, dummy=False, valid=False, problem=f"SIDC {code!r}: {problem}",
    )


def _choices(options: Iterable[str]) -> str:
    return ", ".join(options)


def _echelon_fields(name: str | None) -> tuple[str | None, int | None]:
    return (name, ECHELONS[name][0]) if name else (None, None)


# --- parsing -------------------------------------------------------------------------------------------


def parse(code: str | None) -> Symbol:
    """Parse a 2525C/APP-6(B) letter code or a 2525D/APP-6D numeric code; never raises.

    Case-insensitive, surrounding and inner white space ignored; a letter code shorter than 15 characters
    is padded with ``-`` and ``*`` is read as ``-``. A code starting with a digit is read as 2525D.
    """
    if not isinstance(code, str) or not code.strip():
        shown = "" if code is None else code if isinstance(code, str) else repr(code)
        what = "an empty text" if isinstance(code, str) or code is None else type(code).__name__
        return _invalid(str(shown), "2525D", f"expected a SIDC (15 letters or 20 digits), got {what}")
    text = re.sub(r"\s+", "", code).upper()
    if text[0] in "0123456789":
        return _parse_2525d(text)
    return _parse_2525c(text.replace("*", "-"))


def parse_strict(code: str | None) -> Symbol:
    """:func:`parse`, raising :class:`~geo.errors.GeoError` (the ``problem``) for an invalid code."""
    symbol = parse(code)
    if not symbol.valid:
        raise GeoError(symbol.problem)
    return symbol


def _parse_2525c(raw: str) -> Symbol:
    if len(raw) > 15:
        return _invalid(raw, "2525C", f"expected at most 15 characters (MIL-STD-2525C letter code), got {len(raw)}")
    code = raw.ljust(15, "-")
    for i, ch in enumerate(code):
        if not (ch == "-" or "A" <= ch <= "Z" or "0" <= ch <= "9"):
            return _invalid(code, "2525C", f"position {i + 1}: expected a letter, a digit or '-', got {ch!r}")
    scheme = code[0]
    if scheme not in _C_SCHEMES:
        return _invalid(code, "2525C", f"position 1 (coding scheme): expected one of {_choices(_C_SCHEMES)}, got {scheme!r}")
    if scheme == "W":  # METOC: position 2 is a category, not an affiliation; no frame to colour
        label, icon = _C_SCHEME_ENTITY["W"]
        return Symbol(code, "2525C", "unknown", False, "reality", "other", "present", None, None, None, label, icon,
                      False, False, False, True, None)
    if code[1] not in _C_AFFILIATION:
        return _invalid(code, "2525C", f"position 2 (affiliation): expected one of {_choices(_C_AFFILIATION)}, got {code[1]!r}")
    affiliation, exercise = _C_AFFILIATION[code[1]]
    dimensions = _C_DIMENSIONS[scheme]
    if code[2] not in dimensions:
        return _invalid(code, "2525C", f"position 3 (battle dimension): expected one of {_choices(dimensions)}, got {code[2]!r}")
    if code[3] not in _C_STATUS:
        return _invalid(code, "2525C", f"position 4 (status): expected one of {_choices(_C_STATUS)}, got {code[3]!r}")
    status, condition = _C_STATUS[code[3]]
    function = code[4:10]
    hq = task_force = dummy = False
    echelon: str | None = None
    modifier, size = code[10], code[11]
    if modifier in _C_UNIT_MODIFIER:
        hq, task_force, dummy = _C_UNIT_MODIFIER[modifier]
        if size != "-" and size not in _C_ECHELON:
            return _invalid(code, "2525C", f"position 12 (echelon): expected '-' or one of {_choices(_C_ECHELON)}, got {size!r}")
        echelon = _C_ECHELON.get(size)
    elif modifier in _C_OTHER_MODIFIER:
        if size not in _C_OTHER_MODIFIER[modifier]:
            return _invalid(code, "2525C", f"position 12 (modifier {modifier}): expected one of "
                                           f"{_choices(_C_OTHER_MODIFIER[modifier])}, got {size!r}")
    else:
        allowed = [*_C_UNIT_MODIFIER, *_C_OTHER_MODIFIER]
        return _invalid(code, "2525C", f"position 11 (symbol modifier): expected one of {_choices(allowed)}, got {modifier!r}")
    country = code[12:14]
    if not re.fullmatch(r"[A-Z]{2}|--", country):
        return _invalid(code, "2525C", f"positions 13-14 (country code): expected two letters or '--', got {country!r}")
    if not (code[14] == "-" or code[14].isalpha()):
        return _invalid(code, "2525C", f"position 15 (order of battle): expected a letter or '-', got {code[14]!r}")
    dimension = dimensions[code[2]]
    if scheme == "S" and code[2] == "G":
        dimension = _C_GROUND_KIND.get(function[0], "land unit")
    if scheme != "S":
        label, icon = _C_SCHEME_ENTITY[scheme]
    else:
        label, icon = _c_entity(code[2], function)
    name, rank = _echelon_fields(echelon)
    return Symbol(code, "2525C", affiliation, exercise, "exercise" if exercise else "reality", dimension, status,
                  condition, name, rank, label, icon, hq, task_force, dummy, True, None)


def _c_entity(dimension: str, function: str) -> tuple[str, str]:
    stem = function.rstrip("-")
    if dimension == "G" and stem in ("", "U", "E", "I"):
        return "unspecified", "none"
    for n in range(len(stem), -1, -1):
        found = _C_ENTITIES.get((dimension, stem[:n]))
        if found:
            return found
    return ("unspecified", "none") if not stem else ("unknown", "unknown")


def _parse_2525d(code: str) -> Symbol:
    if len(code) not in (20, 30):
        return _invalid(code, "2525D", f"expected 20 digits (MIL-STD-2525D numeric code), got {len(code)} characters")
    for i, ch in enumerate(code):
        if ch not in "0123456789":
            return _invalid(code, "2525D", f"position {i + 1} ({_D_FIELDS[i]}): expected a digit, got {ch!r}")
    if code[:2] not in _D_VERSIONS:
        return _invalid(code, "2525D", f"positions 1-2 (version): expected one of {_choices(_D_VERSIONS)}, got {code[:2]!r}")
    if code[2] not in _D_CONTEXT:
        return _invalid(code, "2525D", f"position 3 (context): expected one of {_choices(_D_CONTEXT)}, got {code[2]!r}")
    if code[3] not in _D_IDENTITY:
        return _invalid(code, "2525D", f"position 4 (standard identity): expected one of {_choices(_D_IDENTITY)}, got {code[3]!r}")
    symbol_set = code[4:6]
    if symbol_set not in SYMBOL_SETS:
        return _invalid(code, "2525D", f"positions 5-6 (symbol set): expected one of {_choices(SYMBOL_SETS)}, got {symbol_set!r}")
    if code[6] not in _D_STATUS:
        return _invalid(code, "2525D", f"position 7 (status): expected one of {_choices(_D_STATUS)}, got {code[6]!r}")
    if code[7] not in _D_HQ:
        return _invalid(code, "2525D", f"position 8 (HQ/task force/dummy): expected one of {_choices(_D_HQ)}, got {code[7]!r}")
    amplifier = code[8:10]
    echelon: str | None = None
    if symbol_set in _D_ECHELON_SETS:
        if amplifier != "00" and amplifier not in _D_ECHELON:
            return _invalid(code, "2525D", f"positions 9-10 (echelon): expected 00 or one of {_choices(_D_ECHELON)}, "
                                           f"got {amplifier!r}")
        echelon = _D_ECHELON.get(amplifier)
    context = _D_CONTEXT[code[2]]
    status, condition = _D_STATUS[code[6]]
    hq, task_force, dummy = _D_HQ[code[7]]
    label, icon = _d_entity(symbol_set, code[10:16], code[16:18])
    name, rank = _echelon_fields(echelon)
    return Symbol(code, "2525D", _D_IDENTITY[code[3]], context != "reality", context, SYMBOL_SETS[symbol_set][1],
                  status, condition, name, rank, label, icon, hq, task_force, dummy, True, None)


def _d_entity(symbol_set: str, entity: str, modifier: str) -> tuple[str, str]:
    if entity == "000000":
        return "unspecified", "none"
    modified = _D_MODIFIED.get((symbol_set, entity, modifier))
    if modified:
        return modified
    for key in (entity, entity[:4] + "00", entity[:2] + "0000"):
        found = _D_ENTITIES.get((symbol_set, key))
        if found:
            return found
    return "unknown", "unknown"


# --- affiliation relative to the analyst's side ------------------------------------------------------

#: Country names (English, Russian, Ukrainian, Belarusian; adjectives) and ISO2 codes → ISO3.
_SIDE_NAMES: Final[dict[str, str]] = {
    **dict.fromkeys(("ukraine", "ukrainian", "ua", "україна", "украина", "украіна"), "UKR"),
    **dict.fromkeys(("russia", "russian federation", "russian", "ru", "россия", "российская федерация", "рф",
                     "росія", "расія"), "RUS"),
    **dict.fromkeys(("belarus", "belarusian", "byelorussia", "belorussia", "republic of belarus", "by",
                     "беларусь", "белоруссия", "республика беларусь", "білорусь", "рэспубліка беларусь"), "BLR"),
    **dict.fromkeys(("poland", "polish", "pl", "polska", "польша", "польща"), "POL"),
    **dict.fromkeys(("lithuania", "lithuanian", "lt", "литва"), "LTU"),
    **dict.fromkeys(("latvia", "latvian", "lv", "латвия", "латвія"), "LVA"),
    **dict.fromkeys(("estonia", "estonian", "ee", "эстония", "естонія"), "EST"),
    **dict.fromkeys(("moldova", "republic of moldova", "md", "молдова"), "MDA"),
    **dict.fromkeys(("romania", "ro", "румыния", "румунія"), "ROU"),
    **dict.fromkeys(("united states", "united states of america", "usa", "us", "сша"), "USA"),
    **dict.fromkeys(("united kingdom", "uk", "gb", "great britain", "britain"), "GBR"),
    **dict.fromkeys(("germany", "de", "германия", "німеччина"), "DEU"),
    **dict.fromkeys(("france", "fr", "франция", "франція"), "FRA"),
    **dict.fromkeys(("iran", "islamic republic of iran", "ir", "иран", "іран"), "IRN"),
    **dict.fromkeys(("north korea", "dprk", "democratic people's republic of korea", "kp", "кндр"), "PRK"),
}


def normalise_side(side: str | None) -> str | None:
    """A side as ISO3 ("Russian Federation", "RU", "россия" → "RUS"); any other text upper-cased; None if empty."""
    if side is None:
        return None
    text = re.sub(r"\s+", " ", str(side).strip())
    if not text:
        return None
    return _SIDE_NAMES.get(text.casefold(), text.upper())


def with_affiliation(symbol: Symbol, affiliation: Affiliation) -> Symbol:
    """The symbol with its code rewritten for ``affiliation`` (exercise codes stay exercise codes).

    An invalid symbol, or a METOC code (no affiliation), is returned unchanged.
    """
    if affiliation not in AFFILIATIONS:
        raise GeoError(f"expected an affiliation ({_choices(AFFILIATIONS)}), got {affiliation!r}")
    if not symbol.valid or (symbol.affiliation == affiliation and _is_plain(symbol)):
        return symbol
    code = symbol.code
    if symbol.generation == "2525D":
        rewritten = code[:3] + _D_IDENTITY_DIGIT[affiliation] + code[4:]
    elif code[0] == "W":
        return symbol
    else:
        rewritten = code[0] + _C_AFFILIATION_LETTER[affiliation][int(symbol.exercise)] + code[2:]
    return parse(rewritten)


def _is_plain(symbol: Symbol) -> bool:
    """Whether the code already carries the plain letter/digit of its affiliation (not e.g. "assumed friend")."""
    if symbol.generation == "2525D":
        return symbol.code[3] == _D_IDENTITY_DIGIT[symbol.affiliation]
    return symbol.code[0] == "W" or symbol.code[1] == _C_AFFILIATION_LETTER[symbol.affiliation][int(symbol.exercise)]


def relative(symbol: Symbol, side: str | None, own_side: str | None, *, allies: Iterable[str] = (),
             hostiles: Iterable[str] = ()) -> Symbol:
    """The symbol as the analyst's side sees it.

    ``side`` is the unit's side and ``own_side`` the analyst's (ISO3 such as "UKR", or a name such as
    "Russian Federation": :func:`normalise_side`). The unit's own side or an ally → friend; a listed hostile
    → hostile; any other side, no side, or no own side configured → the code's own affiliation. The
    returned symbol's ``code`` is rewritten (both generations), so a renderer given it draws that frame.
    """
    own = normalise_side(own_side)
    unit_side = normalise_side(side)
    if own is None or unit_side is None or not symbol.valid:
        return symbol
    if unit_side == own or unit_side in {normalise_side(a) for a in allies}:
        return with_affiliation(symbol, "friend")
    if unit_side in {normalise_side(h) for h in hostiles}:
        return with_affiliation(symbol, "hostile")
    return symbol


# --- deriving a code -----------------------------------------------------------------------------------

SIDC_MAP_COLUMNS: Final = ("match_kind", "match", "sidc_2525d", "sidc_2525c", "label", "source")
MATCH_KINDS: Final = ("equipment", "keyword", "category", "default")


@dataclass(frozen=True)
class SidcRule:
    """One row of ``data/sidc_map.csv``: what it matches and the code templates (``*``: the affiliation)."""

    row: int  # 1-based data row in the file
    match_kind: str  # equipment | keyword | category | default
    match: str  # "|"-separated names, words or a category
    sidc_2525d: str
    sidc_2525c: str
    label: str
    source: str

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(t.strip() for t in self.match.split("|") if t.strip())

    def code(self, affiliation: Affiliation = "unknown", generation: Generation = "2525D") -> str:
        """The template with the affiliation filled in."""
        if generation == "2525D":
            return self.sidc_2525d[:3] + _D_IDENTITY_DIGIT[affiliation] + self.sidc_2525d[4:]
        return self.sidc_2525c[0] + _C_AFFILIATION_LETTER[affiliation][0] + self.sidc_2525c[2:]


def derivation_table(path: str | os.PathLike[str] | None = None) -> tuple[SidcRule, ...]:
    """The rows of ``data/sidc_map.csv`` (or ``path``) in file order, checked (:class:`InputFormatError`).

    Order is priority: the first equipment row naming a system found (equipment field first, then the
    text, in order of appearance), else the first keyword row whose word occurs, else the category's row,
    else the ``default`` row.
    """
    return _load_rules(str(Path(path) if path is not None else SIDC_MAP_CSV))


@cache
def _load_rules(path: str) -> tuple[SidcRule, ...]:
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in SIDC_MAP_COLUMNS if c not in (reader.fieldnames or ())]
            if missing:
                raise InputFormatError(f"expected columns {', '.join(SIDC_MAP_COLUMNS)}; missing {', '.join(missing)}",
                                       file=path)
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputFormatError(f"cannot read the SIDC map: {exc}", file=path) from exc
    rules: list[SidcRule] = []
    for i, row in enumerate(rows, start=1):
        if row.get(None):  # type: ignore[call-overload]  # DictReader's key for fields beyond the header
            raise InputFormatError(f"row {i}: expected {len(reader.fieldnames or ())} fields, got "
                                   f"{len(reader.fieldnames or ()) + len(row[None])} (quote a value holding a comma)",  # type: ignore[index]
                                   file=path)
        values = {c: (row.get(c) or "").strip() for c in SIDC_MAP_COLUMNS}
        rule = SidcRule(row=i, **values)
        _check_rule(rule, path)
        rules.append(rule)
    if not any(r.match_kind == "default" for r in rules):
        raise InputFormatError("expected a row with match_kind 'default' (the fallback symbol), got none", file=path)
    return tuple(rules)


def _check_rule(rule: SidcRule, path: str) -> None:
    where = f"row {rule.row}"
    if rule.match_kind not in MATCH_KINDS:
        raise InputFormatError(f"{where}: expected match_kind one of {_choices(MATCH_KINDS)}, got {rule.match_kind!r}",
                               file=path)
    if not rule.terms:
        raise InputFormatError(f"{where}: expected a match, got {rule.match!r}", file=path)
    d, c = rule.sidc_2525d, rule.sidc_2525c
    if len(d) != 20 or d[3] != "*":
        raise InputFormatError(f"{where}: expected sidc_2525d of 20 characters with '*' at position 4 (the "
                               f"affiliation), got {d!r}", file=path)
    if len(c) != 15 or c[1] != "*":
        raise InputFormatError(f"{where}: expected sidc_2525c of 15 characters with '*' at position 2 (the "
                               f"affiliation), got {c!r}", file=path)
    for generation in GENERATIONS:
        symbol = parse(rule.code("unknown", generation))
        if not symbol.valid:
            raise InputFormatError(f"{where}: {symbol.problem}", file=path)


def _word_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    """One regex over normalised terms (longest first); spaces and hyphens inside a term match either."""
    from geo.render.ranges import normalise_text

    parts = sorted({normalise_text(t) for t in terms if t.strip()}, key=len, reverse=True)
    if not parts:
        return None
    alts = [r"[-\s]".join(re.escape(p) for p in re.split(r"[-\s]+", part)) for part in parts]
    return re.compile(r"(?<![\w-])(?:" + "|".join(alts) + r")(?![\w])")


@cache
def _keyword_patterns(path: str) -> tuple[tuple[SidcRule, re.Pattern[str]], ...]:
    found = []
    for rule in _load_rules(path):
        pattern = _word_pattern(rule.terms) if rule.match_kind == "keyword" else None
        if pattern is not None:
            found.append((rule, pattern))
    return tuple(found)


@cache
def _equipment_frame(path: str) -> tuple[pd.DataFrame, dict[str, SidcRule]]:
    """A systems table for :func:`geo.render.ranges.match_systems`: one "system" per equipment row, its
    aliases widened by the weapon-ranges table (a row naming "Iskander" also matches "Искандер-М")."""
    from geo.render.ranges import load_ranges, normalise_text

    ranges = load_ranges()
    groups = [{normalise_text(a): a for a in [system, *aliases]} for system, aliases in
              zip(ranges["system"], ranges["aliases"])]
    systems: list[str] = []
    alias_lists: list[list[str]] = []
    by_key: dict[str, SidcRule] = {}
    for rule in _load_rules(path):
        if rule.match_kind != "equipment":
            continue
        names = list(rule.terms)
        wanted = {normalise_text(t) for t in names}
        for group in groups:
            if wanted & group.keys():
                names += list(group.values())
        key = f"row {rule.row}"
        systems.append(key)
        alias_lists.append(list(dict.fromkeys(names)))
        by_key[key] = rule
    return pd.DataFrame({"system": systems, "aliases": alias_lists}), by_key


def _texts(*values: str | None) -> list[str]:
    return [str(v) for v in values
            if v is not None and not (isinstance(v, float) and v != v) and str(v).strip() and str(v) != "<NA>"]


def match_rule(category: str | None, equipment: str | None, text: str | None,
               path: str | os.PathLike[str] | None = None) -> SidcRule:
    """The row of the SIDC map that decides the symbol of an event or unit (see :func:`derivation_table`)."""
    return match_rules([category], [equipment], [text], path)[0]


def match_rules(categories: Sequence[str | None], equipment: Sequence[str | None], texts: Sequence[str | None],
                path: str | os.PathLike[str] | None = None) -> list[SidcRule]:
    """:func:`match_rule` of many rows at once (one regex pass per rule over the distinct texts)."""
    from geo.render.ranges import match_systems, normalise_text

    key = str(Path(path) if path is not None else SIDC_MAP_CSV)
    rules = _load_rules(key)
    n = len(categories)
    if not (len(equipment) == len(texts) == n):
        raise GeoError(f"match_rules: expected as many equipment and texts as categories ({n}), got "
                       f"{len(equipment)} and {len(texts)}")
    fields = [pd.Series([_texts(v)[0] if _texts(v) else "" for v in column], dtype=object)
              for column in (equipment, texts)]
    out: list[SidcRule | None] = [None] * n
    frame, by_key = _equipment_frame(key)
    for field in fields:  # a system named: in the equipment field first, then in the text
        todo = [i for i in range(n) if out[i] is None and field.iat[i]]
        if todo:
            for i, found in zip(todo, match_systems(field.iloc[todo], frame)):
                if found:
                    out[i] = by_key[found[0]]
    todo = [i for i in range(n) if out[i] is None]
    if todo:  # else the first keyword row (in file order) whose word either field holds
        normalised = [pd.Series([normalise_text(t) for t in field.iloc[todo]], dtype=object) for field in fields]
        left = pd.Series(True, index=range(len(todo)))
        for rule, pattern in _keyword_patterns(key):
            if not left.any():
                break
            hit = left & (normalised[0].str.contains(pattern) | normalised[1].str.contains(pattern))
            for j in hit.index[hit]:
                out[todo[j]] = rule
            left &= ~hit
    by_category = {t.lower(): r for r in reversed(rules) if r.match_kind == "category" for t in r.terms}
    default = next(r for r in rules if r.match_kind == "default")
    return [rule if rule is not None else by_category.get(str(cat or "").strip().lower(), default)
            for rule, cat in zip(out, categories)]


_ECHELON_WORDS: Final[dict[str, str]] = {
    # "team", "section", "army", "region" and "command" are left out: too common in other senses
    **{name: name for name in ("squad", "platoon", "company", "battalion", "regiment", "brigade", "division",
                               "corps", "army group")},
    **{f"{name}s": name for name in ("squad", "platoon", "battalion", "regiment", "brigade", "division")},
    "companies": "company", "battery": "company", "batteries": "company",
    # Russian, Ukrainian and Belarusian forms
    "рота": "company", "роты": "company", "батальон": "battalion", "батальона": "battalion",
    "батальйон": "battalion", "батальйону": "battalion", "полк": "regiment", "полка": "regiment",
    "бригада": "brigade", "бригады": "brigade", "бригади": "brigade", "брыгада": "brigade",
    "дивизия": "division", "дивизии": "division", "дивізія": "division", "дивізії": "division",
    "корпус": "corps", "корпуса": "corps",
}
_ECHELON_PATTERN: Final = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(w) for w in sorted(_ECHELON_WORDS, key=len, reverse=True)) + r")(?![\w])",
    re.IGNORECASE,
)


def _echelon_in(texts: Iterable[str]) -> str | None:
    """The first echelon word of the texts (e.g. "brigade")."""
    for t in texts:
        found = _ECHELON_PATTERN.search(t)
        if found:
            return _ECHELON_WORDS[found.group(1).lower()]
    return None


def derive(category: str | None, equipment: str | None, text: str | None, *, affiliation: str = "unknown",
           generation: str = "2525D") -> str:
    """A SIDC for an event or unit that has none, from ``data/sidc_map.csv`` (:func:`match_rule`).

    A land unit also takes the echelon its text names ("... brigade" → brigade). ``affiliation`` is one of
    friend, hostile, neutral, unknown; ``generation`` "2525D" (20 digits) or "2525C" (15 letters).
    """
    if affiliation not in AFFILIATIONS:
        raise GeoError(f"expected an affiliation ({_choices(AFFILIATIONS)}), got {affiliation!r}")
    if generation not in GENERATIONS:
        raise GeoError(f"expected a SIDC generation ({_choices(GENERATIONS)}), got {generation!r}")
    aff = cast(Affiliation, affiliation)
    gen = cast(Generation, generation)
    rule = match_rule(category, equipment, text)
    code = rule.code(aff, gen)
    symbol = parse(code)
    if symbol.dimension == "land unit" and symbol.echelon is None:
        echelon = _echelon_in(_texts(equipment, text))
        if echelon:
            _, letter, digits = ECHELONS[echelon]
            code = code[:8] + digits + code[10:] if gen == "2525D" else code[:11] + letter + code[12:]
    return code



# --- the symbols of events ------------------------------------------------------------------------------

def analyst_sides() -> tuple[str | None, tuple[str, ...], tuple[str, ...]]:
    """The analyst's side and the sides taken as allies and as hostiles: ``$GEO_OWN_SIDE``, ``$GEO_ALLIES``,
    ``$GEO_HOSTILES`` (comma- or semicolon-separated; ISO3 or names, :func:`normalise_side`)."""
    def listed(name: str) -> tuple[str, ...]:
        return tuple(v.strip() for v in os.environ.get(name, "").replace(";", ",").split(",") if v.strip())

    return os.environ.get("GEO_OWN_SIDE") or None, listed("GEO_ALLIES"), listed("GEO_HOSTILES")


def event_symbols(events: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Per row of ``events`` (deployments, usually): the code a map draws and its legend label.

    An event's own ``sidc`` column, when it holds a valid code, is drawn as given (labelled with its
    description); else a code is derived (:func:`derive`: its ``equipment``, then the words of its
    ``subcategory``, ``title`` and ``unit``, then its category), labelled with the SIDC map row's label. The
    affiliation is the analyst's view (:func:`relative`, :func:`analyst_sides`) of the event's first actor,
    else unknown. Distinct rows are worked out once.
    """
    n = len(events)
    if not n:
        return [], []

    def column(name: str) -> pd.Series:
        values = events[name] if name in events.columns else pd.Series(None, index=events.index, dtype=object)
        return values.astype("string").fillna("").astype(object).reset_index(drop=True)

    actors = column("actors").map(lambda a: a.split(";")[0].strip())
    text = (column("subcategory") + " " + column("title") + " " + column("unit")).str.strip()
    keys = pd.DataFrame({"sidc": column("sidc"), "cat": column("category"), "eq": column("equipment"),
                         "text": text, "side": actors})
    codes, _ = pd.factorize(keys["sidc"] + "\x1f" + keys["cat"] + "\x1f" + keys["eq"] + "\x1f" + keys["text"] + "\x1f"
                            + keys["side"])
    frame = keys.iloc[pd.Series(range(n)).groupby(codes, sort=True).first().to_numpy()].reset_index(drop=True)
    rules = match_rules(frame["cat"].tolist(), frame["eq"].tolist(), frame["text"].tolist())
    own, allies, hostiles = analyst_sides()
    drawn, labels = [], []
    for row, rule in zip(frame.itertuples(index=False), rules):
        given = parse(row.sidc) if row.sidc else None
        if given is not None and given.valid:
            what = given.describe()
            symbol, label = given, f"{what[:1].upper()}{what[1:]}"
        else:
            code = rule.code("unknown", "2525D")
            symbol = parse(code)
            if symbol.dimension == "land unit" and symbol.echelon is None:
                echelon = _echelon_in(_texts(row.eq, row.text))
                if echelon:
                    symbol = parse(code[:8] + ECHELONS[echelon][2] + code[10:])
            label = rule.label
        drawn.append(relative(symbol, row.side or None, own, allies=allies, hostiles=hostiles).code)
        labels.append(label)
    return [drawn[c] for c in codes], [labels[c] for c in codes]
