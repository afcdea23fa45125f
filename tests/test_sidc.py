"""geo.sidc: parsing both SIDC generations, affiliation relative to the own side, deriving codes."""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

import pandas as pd
import pytest

from geo.errors import GeoError, InputFormatError
from geo.render.ranges import load_ranges
from geo.sidc import (
    AFFILIATIONS,
    ECHELONS,
    GENERATIONS,
    SIDC_MAP_CSV,
    SYMBOL_SETS,
    derivation_table,
    derive,
    match_rule,
    normalise_side,
    parse,
    parse_strict,
    rank_of_echelon,
    relative,
    with_affiliation,
)

# --- parsing: valid codes ------------------------------------------------------------------------------

# code, affiliation, exercise, dimension, status, echelon, entity, icon, hq
VALID_2525C = [
    ("SHGPUCIZ---G", "hostile", False, "land unit", "present", "regiment", "mechanised infantry", "mechanised_infantry", False),
    ("SFGPUCI----H", "friend", False, "land unit", "present", "brigade", "infantry", "infantry", False),
    ("sngpucf---", "neutral", False, "land unit", "present", None, "field artillery", "field_artillery", False),
    ("SHGAUCFRM-", "hostile", False, "land unit", "planned", None, "rocket artillery", "rocket_artillery", False),
    ("SHGPUCDM---F", "hostile", False, "land unit", "present", "battalion", "air defence missile", "air_defence_missile", False),
    ("SHGPUCM---", "hostile", False, "land unit", "present", None, "missile", "missile", False),
    ("SUAPMFQ---", "unknown", False, "air", "present", None, "unmanned aircraft", "unmanned_aircraft", False),
    ("SDGPUCA---", "friend", True, "land unit", "present", None, "armour", "armour", False),
    ("SKGPUCI---", "hostile", True, "land unit", "present", None, "infantry", "infantry", False),
    ("SJGPUCI---", "hostile", True, "land unit", "present", None, "infantry", "infantry", False),
    ("SAGPUCI---AI", "friend", False, "land unit", "present", "division", "infantry", "infantry", True),
    ("SSGPUCI---", "hostile", False, "land unit", "present", None, "infantry", "infantry", False),
    ("SPGPUCI---", "unknown", False, "land unit", "present", None, "infantry", "infantry", False),
    ("SHGPEWMS--", "hostile", False, "land equipment", "present", None, "surface-to-surface missile launcher", "ssm_launcher", False),
    ("SHGPEWXH--", "hostile", False, "land equipment", "present", None, "multiple rocket launcher", "mlrs", False),
    ("SHSPCLDD--", "hostile", False, "sea surface", "present", None, "combatant", "surface_combatant", False),
    ("SHUPS-----", "hostile", False, "subsurface", "present", None, "submarine", "submarine", False),
    ("SFGPU-----", "friend", False, "land unit", "present", None, "unspecified", "none", False),
    ("shgp*ci***", "hostile", False, "land unit", "present", None, "unknown", "unknown", False),
    ("  SHGPUCI---  ", "hostile", False, "land unit", "present", None, "infantry", "infantry", False),
    ("SHGPUCI---*G**A", "hostile", False, "land unit", "present", "regiment", "infantry", "infantry", False),
]

VALID_2525D = [
    ("10061000181211000000", "hostile", False, "land unit", "present", "brigade", "infantry", "infantry", False),
    ("10031000001303004100", "friend", False, "land unit", "present", None, "rocket artillery", "rocket_artillery", False),
    ("10031000001303000000", "friend", False, "land unit", "present", None, "field artillery", "field_artillery", False),
    ("10141000001301020000", "neutral", True, "land unit", "present", None, "air defence missile", "air_defence_missile", False),
    ("10060110001103000000", "hostile", False, "air", "planned", None, "unmanned aircraft", "unmanned_aircraft", False),
    ("10031002161211000000", "friend", False, "land unit", "present", "battalion", "infantry", "infantry", True),
    ("10061000211211020000", "hostile", False, "land unit", "present", "division", "mechanised infantry", "mechanised_infantry", False),
    ("10061000121211030000", "hostile", False, "land unit", "present", "squad", "infantry", "infantry", False),
    ("10061500001113000000", "hostile", False, "land equipment", "present", None, "surface-to-surface missile launcher", "ssm_launcher", False),
    ("10061500331116000000", "hostile", False, "land equipment", "present", None, "multiple rocket launcher", "mlrs", False),
    ("10061000001307000000", "hostile", False, "land unit", "present", None, "missile", "missile", False),
    ("10063000001202030000", "hostile", False, "sea surface", "present", None, "line combatant", "surface_combatant", False),
    ("10063500001101000000", "hostile", False, "subsurface", "present", None, "submarine", "submarine", False),
    ("10010500001107000000", "unknown", False, "space", "present", None, "satellite", "satellite", False),
    ("10001000001999000000", "unknown", False, "land unit", "present", None, "unknown", "unknown", False),
    ("10051000000000000000", "hostile", False, "land unit", "present", None, "unspecified", "none", False),
    ("10261000001205000000", "hostile", True, "land unit", "present", None, "armour", "armour", False),
    ("10 06 10 0 0 18 121100 00 00", "hostile", False, "land unit", "present", "brigade", "infantry", "infantry", False),
    ("130610000012110000000000000000", "hostile", False, "land unit", "present", None, "infantry", "infantry", False),
]


@pytest.mark.parametrize(
    ("code", "affiliation", "exercise", "dimension", "status", "echelon", "entity", "icon", "hq"),
    VALID_2525C + VALID_2525D,
)
def test_parse_valid(code: str, affiliation: str, exercise: bool, dimension: str, status: str,
                     echelon: str | None, entity: str, icon: str, hq: bool) -> None:
    symbol = parse(code)
    assert symbol.valid, symbol.problem
    assert symbol.problem is None
    assert (symbol.affiliation, symbol.exercise, symbol.dimension, symbol.status) == (affiliation, exercise, dimension, status)
    assert (symbol.echelon, symbol.entity, symbol.icon, symbol.hq) == (echelon, entity, icon, hq)
    assert symbol.echelon_rank == (ECHELONS[echelon][0] if echelon else None)
    assert symbol.generation == ("2525D" if code.strip()[0].isdigit() else "2525C")


def test_parse_normalises_the_code() -> None:
    assert parse("shgpucIZ---g").code == "SHGPUCIZ---G---"
    assert parse("S*G*UCI---").code == "S-G-UCI--------"
    assert parse(" 10 06 10 0 0 18 121100 00 00 ").code == "10061000181211000000"
    assert parse("shgpucIZ---g") == parse("SHGPUCIZ---G---")


@pytest.mark.parametrize(("code", "status", "condition", "context"), [
    ("SHGXUCI---", "present", "destroyed", "reality"),
    ("SHGDUCI---", "present", "damaged", "reality"),
    ("SHGCUCI---", "present", "fully capable", "reality"),
    ("SDGAUCI---", "planned", None, "exercise"),
    ("10061040001211000000", "present", "destroyed", "reality"),
    ("10161010001211000000", "planned", None, "exercise"),
    ("10261050001211000000", "present", "full to capacity", "simulation"),
])
def test_status_condition_and_context(code: str, status: str, condition: str | None, context: str) -> None:
    symbol = parse(code)
    assert (symbol.status, symbol.condition, symbol.context) == (status, condition, context)
    assert symbol.exercise is (context != "reality")


@pytest.mark.parametrize(("code", "hq", "task_force", "dummy"), [
    ("SHGPUCI---A---", True, False, False),
    ("SHGPUCI---B---", True, True, False),
    ("SHGPUCI---E---", False, True, False),
    ("SHGPUCI---F---", False, False, True),
    ("10061002001211000000", True, False, False),
    ("10061006001211000000", True, True, False),
    ("10061005001211000000", False, True, True),
])
def test_headquarters_task_force_dummy(code: str, hq: bool, task_force: bool, dummy: bool) -> None:
    symbol = parse(code)
    assert symbol.valid, symbol.problem
    assert (symbol.hq, symbol.task_force, symbol.dummy) == (hq, task_force, dummy)


def test_echelons_agree_between_generations() -> None:
    for name, (rank, letter, digits) in ECHELONS.items():
        c = parse(f"SHGPUCI----{letter}")
        d = parse(f"100610{'00'}{digits}1211000000")
        assert (c.echelon, c.echelon_rank) == (d.echelon, d.echelon_rank) == (name, rank)
    assert [ECHELONS[n][0] for n in ("team", "platoon", "company", "battalion", "brigade", "division", "army group")] \
        == [1, 4, 5, 6, 8, 9, 12]


@pytest.mark.parametrize(("name", "rank"), [("Brigade", 8), ("battery", 5), ("army group", 12), ("bn", 6),
                                            ("", None), (None, None), ("flotilla", None)])
def test_rank_of_echelon(name: str | None, rank: int | None) -> None:
    assert rank_of_echelon(name) == rank


# --- parsing: invalid codes ----------------------------------------------------------------------------

INVALID = [
    ("", "expected a SIDC"),
    ("   ", "expected a SIDC"),
    (None, "expected a SIDC"),
    ("SHGPUCI---------X", "expected at most 15 characters"),
    ("SHGPUCI---?G", "position 11: expected a letter, a digit or '-', got '?'"),
    ("XHGPUCI---", "position 1 (coding scheme): expected one of S, G, W, I, O, E, got 'X'"),
    ("SZGPUCI---", "position 2 (affiliation): expected one of P, U, A, F, N, S, H, G, W, M, D, L, J, K, O, got 'Z'"),
    ("S*G*UCI---", "position 2 (affiliation)"),
    ("SHQPUCI---", "position 3 (battle dimension)"),
    ("SHGZUCI---", "position 4 (status): expected one of A, P, C, D, X, F, got 'Z'"),
    ("SHGPUCI---XG", "position 11 (symbol modifier)"),
    ("SHGPUCI----Z", "position 12 (echelon): expected '-' or one of A, B,"),
    ("SHGPUCI---MZ", "position 12 (modifier M)"),
    ("SHGPUCI-----B1", "positions 13-14 (country code): expected two letters or '--', got 'B1'"),
    ("SHGPUCI-------1", "position 15 (order of battle)"),
    ("1006100018121100000", "expected 20 digits (MIL-STD-2525D numeric code), got 19 characters"),
    ("100610001812110000000", "expected 20 digits (MIL-STD-2525D numeric code), got 21 characters"),
    ("1006100018121100000X", "position 20 (sector 2 modifier): expected a digit, got 'X'"),
    ("10061A0018121100000", "expected 20 digits"),
    ("10061A00181211000000", "position 6 (symbol set): expected a digit, got 'A'"),
    ("09061000181211000000", "positions 1-2 (version): expected one of 10, 11, 12, 13, 14, 15, got '09'"),
    ("10361000181211000000", "position 3 (context): expected one of 0, 1, 2, got '3'"),
    ("10091000181211000000", "position 4 (standard identity): expected one of 0, 1, 2, 3, 4, 5, 6, got '9'"),
    ("10069900001211000000", "positions 5-6 (symbol set): expected one of 00, 01, 02,"),
    ("10061090001211000000", "position 7 (status): expected one of 0, 1, 2, 3, 4, 5, got '9'"),
    ("10061008001211000000", "position 8 (HQ/task force/dummy)"),
    ("10061000191211000000", "positions 9-10 (echelon): expected 00 or one of 11, 12,"),
]


@pytest.mark.parametrize(("code", "problem"), INVALID)
def test_parse_invalid_never_raises(code: str | None, problem: str) -> None:
    symbol = parse(code)
    assert not symbol.valid
    assert symbol.problem is not None and problem in symbol.problem
    assert symbol.problem.startswith("SIDC ")
    assert (symbol.affiliation, symbol.icon, symbol.entity, symbol.echelon) == ("unknown", "unknown", "unknown", None)
    assert symbol.describe().startswith("unknown symbol")


@pytest.mark.parametrize(("code", "problem"), INVALID)
def test_parse_strict_raises_the_same_message(code: str | None, problem: str) -> None:
    with pytest.raises(GeoError, match=re.escape(problem)) as info:
        parse_strict(code)
    assert str(info.value) == parse(code).problem


def test_parse_strict_returns_valid_symbols() -> None:
    assert parse_strict("SHGPUCI---") == parse("SHGPUCI---")
    with pytest.raises(GeoError, match=r"position 2 \(affiliation\)"):
        parse_strict("SZGPUCI---")


def test_parse_never_raises_on_random_text() -> None:
    rng = random.Random(11)
    alphabet = "SHGPUCIFZ0123456789-*? abcdxyzЖ"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 32)))
        symbol = parse(text)
        assert symbol.valid == (symbol.problem is None)
        if not symbol.valid:
            assert symbol.icon == "unknown" and symbol.affiliation == "unknown"


def test_random_well_formed_2525d_codes_parse() -> None:
    rng = random.Random(2525)
    echelons = ["00", *(d for _, _, d in ECHELONS.values())]
    for _ in range(500):
        symbol_set = rng.choice(list(SYMBOL_SETS))
        amplifier = rng.choice(echelons) if symbol_set in ("10", "11") else "00"
        identity, status, hq = rng.choice("0123456"), rng.choice("012345"), rng.choice("01234567")
        code = f"1{rng.choice('01')}{rng.choice('012')}{identity}{symbol_set}{status}{hq}{amplifier}" + \
            "".join(rng.choice("0123456789") for _ in range(10))
        symbol = parse(code)
        assert symbol.valid, symbol.problem
        assert symbol.dimension == SYMBOL_SETS[symbol_set][1]
        assert symbol.status == ("planned" if status == "1" else "present")
        assert symbol.hq == (hq in "2367")


# --- affiliation relative to the own side ---------------------------------------------------------------

@pytest.mark.parametrize("code", ["SUGPUCI----H", "SHGPUCFRM-", "SNAPMFQ---", "10011000181211000000",
                                  "10061000001303004100", "10040100001103000000", "SFGPUCI---", "10031000001211000000"])
@pytest.mark.parametrize(("side", "expected"), [
    ("Ukraine", "friend"), ("UKR", "friend"), ("україна", "friend"), ("Poland", "friend"),
    ("Russian Federation", "hostile"), ("RU", "hostile"), ("Belarus", "hostile"), ("беларусь", "hostile"),
])
def test_relative_rewrites_the_code(code: str, side: str, expected: str) -> None:
    symbol = parse(code)
    seen = relative(symbol, side, "Ukraine", allies=("POL", "LTU"), hostiles=("RUS", "BLR"))
    assert seen.affiliation == expected
    again = parse(seen.code)
    assert again == seen and again.affiliation == expected
    assert (again.generation, again.dimension, again.entity, again.echelon, again.exercise, again.status) == \
        (symbol.generation, symbol.dimension, symbol.entity, symbol.echelon, symbol.exercise, symbol.status)
    assert len(again.code) == len(symbol.code)
    differing = [i for i, (a, b) in enumerate(zip(symbol.code, seen.code)) if a != b]
    assert differing in ([], [1 if symbol.generation == "2525C" else 3])


@pytest.mark.parametrize("code", ["SHGPUCI---", "SFGPUCI---", "10061000001211000000", "10031000001211000000"])
@pytest.mark.parametrize(("side", "own_side"), [("POL", "UKR"), (None, "UKR"), ("RUS", None), ("", "UKR")])
def test_relative_keeps_the_code_when_the_side_decides_nothing(code: str, side: str | None, own_side: str | None) -> None:
    symbol = parse(code)
    assert relative(symbol, side, own_side, allies=("LTU",), hostiles=("BLR",)) == symbol


def test_relative_own_side_is_symmetric() -> None:
    russian = parse("SUGPUCM---")
    assert relative(russian, "RUS", "RUS", hostiles=("UKR",)).affiliation == "friend"
    assert relative(russian, "RUS", "UKR", hostiles=("RUS",)).affiliation == "hostile"


@pytest.mark.parametrize(("code", "friend", "hostile"), [
    ("SDGPUCI---", "SDGPUCI--------", "SKGPUCI--------"),  # exercise letters stay exercise letters
    ("SHGPUCI---", "SFGPUCI--------", "SHGPUCI--------"),
    ("SAGPUCI---", "SFGPUCI--------", "SHGPUCI--------"),  # assumed friend made friend
    ("10161000001211000000", "10131000001211000000", "10161000001211000000"),
    ("10021000001211000000", "10031000001211000000", "10061000001211000000"),
])
def test_with_affiliation(code: str, friend: str, hostile: str) -> None:
    assert with_affiliation(parse(code), "friend").code == friend
    assert with_affiliation(parse(code), "hostile").code == hostile
    assert with_affiliation(parse(code), "hostile").exercise is parse(code).exercise


def test_with_affiliation_leaves_invalid_symbols_and_refuses_unknown_affiliations() -> None:
    bad = parse("SZGPUCI---")
    assert with_affiliation(bad, "friend") is bad
    assert relative(bad, "UKR", "UKR") is bad
    with pytest.raises(GeoError, match="expected an affiliation"):
        with_affiliation(parse("SHGPUCI---"), "enemy")  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "iso3"), [
    ("Russian Federation", "RUS"), ("russia", "RUS"), ("Россия", "RUS"), ("Belarusian", "BLR"),
    ("Republic of Belarus", "BLR"), ("UA", "UKR"), ("ukr", "UKR"), ("  Ukraine ", "UKR"), ("Wagner Group", "WAGNER GROUP"),
    ("", None), (None, None),
])
def test_normalise_side(name: str | None, iso3: str | None) -> None:
    assert normalise_side(name) == iso3


# --- deriving a code ----------------------------------------------------------------------------------

# category, equipment, text, dimension, entity, icon
DERIVED = [
    ("deployment", "Iskander-M", None, "land unit", "missile", "missile"),
    ("deployment", None, "Belarus moves Искандер-М launchers to the border", "land unit", "missile", "missile"),
    ("deployment", "Polonez", None, "land unit", "rocket artillery", "rocket_artillery"),
    ("deployment", "", "Polonez-M battery seen near Mozyr", "land unit", "rocket artillery", "rocket_artillery"),
    ("deployment", "Tornado-S", None, "land unit", "rocket artillery", "rocket_artillery"),
    ("deployment", None, "Russian Tornado S launchers", "land unit", "rocket artillery", "rocket_artillery"),
    ("deployment", "S-400", None, "land unit", "air defence missile", "air_defence_missile"),
    ("deployment", "С-300", None, "land unit", "air defence missile", "air_defence_missile"),
    ("deployment", "S-300PMU-2", None, "land unit", "air defence missile", "air_defence_missile"),
    ("airspace_incident", "Shahed-136", None, "air", "unmanned aircraft", "unmanned_aircraft"),
    ("strike", None, "Geran-2 drones over Kyiv oblast", "air", "unmanned aircraft", "unmanned_aircraft"),
    ("airspace_incident", None, "Drones entered Belarusian airspace", "air", "unmanned aircraft", "unmanned_aircraft"),
    ("deployment", None, "Belarusian troops moved to the Gomel region", "land unit", "infantry", "infantry"),
    ("deployment", None, "A mechanised brigade arrived", "land unit", "infantry", "infantry"),
    ("deployment", None, "air defence reinforced on the border", "land unit", "air defence", "air_defence"),
    ("deployment", None, "Nothing recognisable here", "land unit", "unspecified", "none"),
    ("statement", None, None, "land unit", "unspecified", "none"),
    ("ground_combat", None, "Fighting near Sudzha", "land unit", "combat", "combat"),
]


@pytest.mark.parametrize("generation", GENERATIONS)
@pytest.mark.parametrize(("category", "equipment", "text", "dimension", "entity", "icon"), DERIVED)
def test_derive(generation: str, category: str, equipment: str | None, text: str | None, dimension: str,
                entity: str, icon: str) -> None:
    code = derive(category, equipment, text, generation=generation)
    symbol = parse(code)
    assert symbol.valid, symbol.problem
    assert symbol.generation == generation
    assert (symbol.dimension, symbol.entity, symbol.icon, symbol.affiliation) == (dimension, entity, icon, "unknown")


@pytest.mark.parametrize("generation", GENERATIONS)
@pytest.mark.parametrize("affiliation", AFFILIATIONS)
def test_derive_fills_the_affiliation(generation: str, affiliation: str) -> None:
    symbol = parse(derive("deployment", "Iskander", None, affiliation=affiliation, generation=generation))
    assert symbol.affiliation == affiliation and not symbol.exercise


@pytest.mark.parametrize("generation", GENERATIONS)
@pytest.mark.parametrize(("text", "echelon", "entity"), [
    ("Iskander brigade redeployed", "brigade", "missile"),
    ("a battalion of Belarusian troops", "battalion", "infantry"),
    ("465th missile brigade (Iskander)", "brigade", "missile"),
    ("бригада ПВО", "brigade", "air defence"),
    ("Shahed drones launched by a regiment", None, "unmanned aircraft"),  # no echelon for aircraft
    ("Belarusian troops", None, "infantry"),
])
def test_derive_reads_the_echelon_of_land_units(generation: str, text: str, echelon: str | None, entity: str) -> None:
    symbol = parse(derive("deployment", None, text, generation=generation))
    assert (symbol.echelon, symbol.entity) == (echelon, entity)


def test_derive_prefers_equipment_then_keywords_then_category() -> None:
    assert match_rule("deployment", "Polonez", "Iskander and troops").terms[0] == "Polonez"
    assert match_rule("deployment", None, "troops with Iskander").terms[0] == "Iskander"
    assert match_rule("deployment", None, "troops and tanks").match_kind == "keyword"
    assert match_rule("ground_combat", None, "nothing").match == "ground_combat"
    assert match_rule("other", None, None).match_kind == "default"
    assert match_rule("deployment", None, "anti-aircraft artillery").label == "Air defence unit"


def test_derive_refuses_bad_arguments() -> None:
    with pytest.raises(GeoError, match="expected an affiliation"):
        derive("deployment", None, None, affiliation="enemy")
    with pytest.raises(GeoError, match="expected a SIDC generation"):
        derive("deployment", None, None, generation="2525B")


# --- the derivation table ------------------------------------------------------------------------------

def test_every_row_of_the_map_parses_in_both_generations() -> None:
    rules = derivation_table()
    with open(SIDC_MAP_CSV, encoding="utf-8", newline="") as handle:
        assert len(rules) == len(list(csv.DictReader(handle)))
    for rule in rules:
        assert rule.label and rule.source and rule.terms
        for generation in GENERATIONS:
            for affiliation in AFFILIATIONS:
                symbol = parse(rule.code(affiliation, generation))
                assert symbol.valid, f"row {rule.row} ({generation}): {symbol.problem}"
                assert symbol.affiliation == affiliation
        d, c = parse(rule.code("hostile", "2525D")), parse(rule.code("hostile", "2525C"))
        assert (d.dimension, d.entity, d.icon) == (c.dimension, c.entity, c.icon), f"row {rule.row}: generations differ"


def test_every_system_of_the_range_table_has_a_symbol() -> None:
    for system, aliases in zip(load_ranges()["system"], load_ranges()["aliases"]):
        for name in [system, *aliases]:
            assert match_rule("deployment", name, None).match_kind == "equipment", name


def _write_map(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["match_kind", "match", "sidc_2525d", "sidc_2525c", "label", "source"], *rows])
    return path


DEFAULT_ROW = ["default", "*", "100*1000000000000000", "S*GPU----------", "Unknown land unit", "test"]


@pytest.mark.parametrize(("rows", "problem"), [
    ([["keyword", "troops", "100*1000001211000000", "S*GPUCI--------", "x", "y"]], "expected a row with match_kind 'default'"),
    ([["word", "troops", "100*1000001211000000", "S*GPUCI--------", "x", "y"], DEFAULT_ROW], "row 1: expected match_kind"),
    ([["keyword", "troops", "10061000001211000000", "S*GPUCI--------", "x", "y"], DEFAULT_ROW], "row 1: expected sidc_2525d"),
    ([["keyword", "troops", "100*1000001211000000", "SHGPUCI--------", "x", "y"], DEFAULT_ROW], "row 1: expected sidc_2525c"),
    ([DEFAULT_ROW, ["keyword", "troops", "100*9900001211000000", "S*GPUCI--------", "x", "y"]], r"row 2: .*positions 5-6"),
    ([DEFAULT_ROW, ["keyword", "", "100*1000001211000000", "S*GPUCI--------", "x", "y"]], "row 2: expected a match"),
    ([DEFAULT_ROW, ["keyword", "troops", "100*1000001211000000", "S*GPUCI--------", "x", "y", "z"]],
     r"row 2: expected 6 fields, got 7 \(quote a value holding a comma\)"),
])
def test_a_bad_map_is_refused(tmp_path: Path, rows: list[list[str]], problem: str) -> None:
    path = _write_map(tmp_path / "sidc_map.csv", rows)
    with pytest.raises(InputFormatError, match=problem):
        derivation_table(path)


def test_a_map_without_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sidc_map.csv"
    path.write_text("match_kind,match\ndefault,*\n", encoding="utf-8")
    with pytest.raises(InputFormatError, match="missing sidc_2525d, sidc_2525c, label, source"):
        derivation_table(path)


def test_match_rule_reads_another_map(tmp_path: Path) -> None:
    path = _write_map(tmp_path / "sidc_map.csv", [
        ["keyword", "convoy|колонна", "100*1000001211000000", "S*GPUCI--------", "Convoy", "test"], DEFAULT_ROW])
    assert match_rule("deployment", None, "a long колонна", path).label == "Convoy"
    assert match_rule("deployment", None, "Iskander", path).match_kind == "default"


# --- the symbols of events ------------------------------------------------------------------------------


def test_match_rules_agrees_with_match_rule_row_by_row() -> None:
    from geo.sidc import match_rules

    rng = random.Random(7)
    words = ["Iskander-M", "Полонез", "drones", "troops", "S-400", "tanks", "", "convoy", "Shahed", "helicopters",
             "Tornado-S launchers", "reconnaissance group", None]
    cats = ["deployment", "strike", "airspace_incident", "ground_combat", "", None]
    rows = [(rng.choice(cats), rng.choice(words), " ".join(str(rng.choice(words) or "") for _ in range(2)))
            for _ in range(300)]
    batch = match_rules(*[list(column) for column in zip(*rows)])
    assert batch == [match_rule(*row) for row in rows]
    with pytest.raises(GeoError, match="expected as many equipment and texts as categories"):
        match_rules(["deployment"], [], [])


def _deployments(**columns: list) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {"category": ["deployment"] * n, "equipment": [None] * n, "title": [""] * n, "actors": [""] * n}
    return pd.DataFrame({**base, **columns})


def test_event_symbols_use_a_valid_own_code_else_derive_one(monkeypatch) -> None:
    from geo.sidc import event_symbols

    for name in ("GEO_OWN_SIDE", "GEO_ALLIES", "GEO_HOSTILES"):
        monkeypatch.delenv(name, raising=False)
    events = _deployments(
        sidc=["SHGPUCIZ---G---", "not a code", None, None],
        equipment=[None, "Iskander-M", None, None],
        title=["", "", "A Polonez battery moved north", "Troops of a brigade arrived"],
    )
    codes, labels = event_symbols(events)
    assert codes[0] == "SHGPUCIZ---G---" and labels[0].startswith("Hostile mechanised infantry regiment")  # its own code, as given
    assert [parse(c).entity for c in codes[1:3]] == [parse(derive("deployment", "Iskander-M", "")).entity,
                                                      parse(derive("deployment", None, "Polonez")).entity]
    assert labels[1] == "Ballistic missile unit (Iskander / Tochka)"
    assert labels[2] == "Rocket artillery unit (Polonez, Tornado-S, Grad)"
    assert parse(codes[3]).echelon == "brigade" and parse(codes[3]).affiliation == "unknown"  # no own side set
    assert event_symbols(events.iloc[0:0]) == ([], [])


@pytest.mark.parametrize(("own", "hostiles", "actor", "affiliation"), [
    ("UKR", "RUS,BLR", "Belarus; Russia", "hostile"),  # the first actor decides
    ("UKR", "RUS,BLR", "Ukraine", "friend"),
    ("UKR", "RUS", "Belarus", "unknown"),  # neither own, allied nor hostile: the code's own
    (None, "RUS,BLR", "Belarus", "unknown"),  # no own side: nothing is relative
])
def test_event_symbols_take_the_analysts_side(monkeypatch, own, hostiles, actor, affiliation) -> None:
    from geo.sidc import event_symbols

    monkeypatch.delenv("GEO_ALLIES", raising=False)
    if own:
        monkeypatch.setenv("GEO_OWN_SIDE", own)
    else:
        monkeypatch.delenv("GEO_OWN_SIDE", raising=False)
    monkeypatch.setenv("GEO_HOSTILES", hostiles)
    codes, _ = event_symbols(_deployments(actors=[actor], equipment=["Iskander-M"]))
    assert parse(codes[0]).affiliation == affiliation
