"""Drafting events from text (geo.drafts): places with their morphology, dates from the report's date, hedging,
categories and merging, per language, on small boundaries and towns built in code (tests/draft_factories.py);
the founding article on the real mirror (``shared``); the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from geo.drafts import DRAFT_COLUMNS, Report, read_reports, verification
from geo.errors import GeoError
from tests.draft_factories import drafter

MONDAY = dt.date(2024, 8, 12)  # the report's date in most cases below: Sunday is the 11th


def _one(text: str, lang: str = "auto", date: dt.date = MONDAY) -> pd.Series:
    out = drafter().draft(Report(text, date, id="r1"), lang)
    assert len(out) == 1, out[["title", "evidence"]].to_dict("records")
    return out.iloc[0]


@pytest.mark.parametrize(
    ("text", "lang", "place", "precision"),
    [
        ("Дрони атакували об'єкти на Харківщині.", "uk", "Kharkiv Oblast", "admin1"),  # -щина: the oblast
        ("У Феодосії пролунали вибухи після удару.", "uk", "Feodosiya", "near"),  # locative
        ("Під Маріуполем тривають бої.", "uk", "Mariupol", "near"),  # instrumental
        ("Беспилотники сбиты в Костюковичском районе.", "ru", "Kostyukovichi", "admin2"),  # adjective + район
        ("Украинские войска продвинулись в Курской области.", "ru", "Kursk region", "admin1"),  # adjective + область
        ("Des frappes ont touché l'oblast de Koursk.", "fr", "Kursk region", "admin1"),  # French exonym, admin word first
        ("Drones were shot down over the Kostyukovichi district.", "en", "Kostyukovichi", "admin2"),
        ("Russian troops were deployed near Sumy.", "en", "Sumy", "near"),
        ("Des drones ont survolé la région de Kostjukowitschy.", "fr", "Kostyukovichi", "admin2"),  # German spelling
        ("Russische Truppen wurden bei Sumy stationiert.", "de", "Sumy", "near"),
        ("Drohnen wurden über dem Gebiet Kursk abgeschossen.", "de", "Kursk region", "admin1"),
    ],
)
def test_places_in_every_language_and_form_resolve_to_the_unit_or_town(text, lang, place, precision) -> None:
    row = _one(text, lang)
    assert row["location_name"].startswith(place) and row["geo_precision"] == precision
    assert row["place_said"] in text


@pytest.mark.parametrize(
    ("text", "lang", "start", "end"),
    [
        ("Dimanche, des drones ont frappé Soumy.", "fr", "2024-08-11", "2024-08-11"),
        ("Des drones ont été abattus au-dessus de Koursk la veille.", "fr", "2024-08-11", "2024-08-11"),
        ("Hier soir, des frappes ont touché Kharkiv.", "fr", "2024-08-11", "2024-08-11"),
        ("Les combats ont lieu à Soudja depuis cinq jours.", "fr", "2024-08-07", "2024-08-12"),
        ("Fighting has gone on near Sudzha for the past three days.", "en", "2024-08-09", "2024-08-12"),
        ("Russian forces struck Sumy on 9 August 2024.", "en", "2024-08-09", "2024-08-09"),
        ("Беспилотники атаковали Курск в ночь на воскресенье.", "ru", "2024-08-10", "2024-08-11"),
        ("У неділю ввечері дрони атакували Суми.", "uk", "2024-08-11", "2024-08-11"),
        ("Удар по Харкову 10 серпня.", "uk", "2024-08-10", "2024-08-10"),
        ("Удар по Харькову 20 декабря.", "ru", "2023-12-20", "2023-12-20"),  # a later day of the year: last year's
        ("Drones struck Sumy.", "en", "2024-08-12", "2024-08-12"),  # no date said: the report's
        ("In der Nacht zum Sonntag griffen Drohnen Kursk an.", "de", "2024-08-10", "2024-08-11"),
        ("Die Kämpfe bei Sudscha dauern seit fünf Tagen an.", "de", "2024-08-07", "2024-08-12"),
    ],
)
def test_dates_count_from_the_report_date(text, lang, start, end) -> None:
    row = _one(text, lang)
    assert (str(row["date_start"].date()), str(row["date_end"].date())) == (start, end)


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Des drones auraient prétendument frappé Soumy.", "fr", "claimed"),
        ("Selon l'agence, des frappes ont touché Kharkiv.", "fr", "reported"),
        ("Russian forces allegedly struck Sumy.", "en", "claimed"),
        ("According to Reuters, drones struck Sumy.", "en", "reported"),
        ("Ukrainian drones struck Kursk, Moscow said.", "en", "claimed"),  # a party, of what the other did
        ("Russian troops were deployed near Sumy, the Kremlin announced.", "en", "reported"),  # of its own act
        ("Strikes on Sumy were independently confirmed by satellite imagery.", "en", "confirmed"),
        ("Украинские беспилотники якобы атаковали Курск.", "ru", "claimed"),
        ("По данным агентства, удары нанесены по Курску.", "ru", "reported"),
        ("Повідомляється про удари по Сумах.", "uk", "reported"),
        ("Російські дрони нібито атакували Суми.", "uk", "claimed"),
        ("Russische Drohnen haben angeblich Sumy angegriffen.", "de", "claimed"),
        ("Laut Behörden wurde Charkiw gestern beschossen, ein Angriff.", "de", "reported"),
    ],
)
def test_hedging_sets_the_verification(text, lang, expected) -> None:
    assert _one(text, lang)["verification"] == expected


def test_the_verification_rule() -> None:
    assert verification(["claimed", "reported"], False, set(), set()) == "claimed"
    assert verification([], True, {"BLR"}, {"UKR"}) == "claimed"  # Minsk on Ukrainian drones
    assert verification([], True, {"BLR"}, {"BLR"}) == "reported"  # Minsk on its own troops
    assert verification(["confirmed"], True, {"BLR"}, {"UKR"}) == "confirmed"


def test_categories_equipment_and_actors_come_from_the_terms_table() -> None:
    row = _one("Belarusian troops deployed Iskander and Polonez launchers near Minsk.", "en")
    assert (row["category"], row["equipment"], row["actors"]) == ("deployment", "Iskander; Polonez", "Belarus")
    assert _one("Shahed drones struck Kharkiv.", "en")["category"] == "strike"  # a strike by drones


def test_a_sentence_pointing_back_adds_to_the_draft_before_it() -> None:
    text = ("Ukrainian forces advanced in the Kursk region. Fighting there has gone on for five days. "
            "Belarus moved troops to the border with Ukraine. Iskander launchers were deployed in the area too.")
    out = drafter().draft(Report(text, MONDAY, id="r2"), "en")
    assert out["location_name"].tolist() == ["Kursk region, RUS", "Belarus border with Ukraine"]
    kursk, border = out.iloc[0], out.iloc[1]
    assert (str(kursk["date_start"].date()), str(kursk["date_end"].date())) == ("2024-08-07", "2024-08-12")
    assert border["equipment"] == "Iskander" and border["geo_precision"] == "country"
    assert border["actors"] == "Belarus"
    assert text[int(border["evidence_start"]):int(border["evidence_end"])].startswith("Belarus moved troops")


def test_no_place_no_draft_and_words_that_name_nothing_are_not_places() -> None:
    assert not len(drafter().draft(Report("Drones were shot down, officials said.", MONDAY), "en"))
    assert not len(drafter().draft(Report("La Biélorussie dément. Le Kremlin se tait.", MONDAY), "fr"))
    out = drafter().draft(Report("Mariupol: the Iskander strike was announced by the ministry in Minsk.", MONDAY), "en")
    assert out["location_name"].tolist() == ["Mariupol, Donetsk Oblast, UKR"]  # Minsk: where the ministry sits


def test_drafts_have_the_event_columns_and_import_as_they_are(tmp_path) -> None:
    from geo.export import write_events
    from geo.ingest import prepare_import

    out = drafter().draft(Report("Drones struck Sumy. Fighting near Sudzha for three days.", MONDAY, "r3",
                                 "https://example.org/r3"), "en")
    assert len(out) == 2 and set(DRAFT_COLUMNS) <= set(out.columns)
    assert out["source_url"].tolist() == ["https://example.org/r3"] * 2 and out["report_id"].eq("r3").all()
    path = write_events(out, tmp_path / "drafts.csv")
    report = prepare_import(path, index=None)
    assert report.summary().startswith(f"{path} (csv): 2 rows read = 2 accepted + 0 rejected")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("r.txt", "Drones struck Sumy.", "r.txt: expected --date YYYY-MM-DD for a text report"),
        ("r.csv", "text,when\nx,2024-08-12\n", "r.csv: expected columns text and date, got text, when"),
        ("r.csv", "text,date\nDrones struck Sumy.,12/08/2024\n", "r.csv, row 2, column date: expected a date"),
        ("r.csv", "text,date\n,2024-08-12\n", "r.csv, row 2, column text: expected the report's text"),
        ("r.jsonl", '{"text": "x", "date": "2024-08-12"}\n[1]\n', "r.jsonl, line 2: expected a JSON object, got list"),
        ("r.jsonl", '{"text": "x", "date": "2024-08-12"\n', "r.jsonl, line 1: expected a JSON object, got invalid"),
    ],
)
def test_bad_input_names_file_row_and_column(tmp_path, name, content, message) -> None:
    (tmp_path / name).write_text(content, encoding="utf-8")
    with pytest.raises(GeoError, match=message.replace("(", r"\(")):
        read_reports(tmp_path / name)


def test_a_report_in_cp1251_reads_as_any_import_does(tmp_path) -> None:
    (tmp_path / "r.txt").write_bytes("Беспилотники атаковали Курск в ночь на воскресенье.".encode("cp1251"))
    (report,) = read_reports(tmp_path / "r.txt", date="2024-08-12")
    assert report.text.startswith("Беспилотники") and _one(report.text, "ru")["location_name"].startswith("Kursk")
    (tmp_path / "b.txt").write_bytes(b"\x00\x01binary")
    with pytest.raises(GeoError, match="b.txt.*expected a text file, got binary data"):
        read_reports(tmp_path / "b.txt", date="2024-08-12")


def test_reports_are_read_from_csv_and_jsonl(tmp_path) -> None:
    (tmp_path / "r.csv").write_text('text,date,id,url\n"Drones struck Sumy.",2024-08-12,a1,https://x/a1\n',
                                    encoding="utf-8")
    (tmp_path / "r.jsonl").write_text(json.dumps({"text": "Удар по Сумах.", "date": "2024-08-11"}) + "\n",
                                      encoding="utf-8")
    csv_reports, jsonl_reports = read_reports(tmp_path / "r.csv"), read_reports(tmp_path / "r.jsonl")
    assert [(r.id, r.date, r.url) for r in csv_reports] == [("a1", MONDAY, "https://x/a1")]
    assert [(r.id, r.date) for r in jsonl_reports] == [("r-1", dt.date(2024, 8, 11))]


@pytest.mark.shared
def test_the_founding_article_gives_its_three_events(shared_geodata, tmp_path, capsys) -> None:
    from geo.cli import main

    article = shared_geodata.parent / "seed" / "article-fr.txt"
    out = tmp_path / "seed.csv"
    assert main(["draft", str(article), "--date", "2024-08-12", "--out", str(out),
                 "--source", str(shared_geodata / "gbOpen"), "--cache-dir", str(tmp_path / "cache")]) == 0
    assert "nothing is stored" in capsys.readouterr().out
    drafts = pd.read_csv(out, encoding="utf-8-sig")
    by_place = {(r.category, r.location_name): r for r in drafts.itertuples()}
    kost = by_place[("airspace_incident", "Kostyukovichi, Mogilev Oblast, BLR")]
    assert kost.geo_precision == "admin2" and kost.verification in ("claimed", "reported")
    assert kost.date_start == kost.date_end == "2024-08-11"  # "la veille" of a Monday's report: the Sunday
    border = by_place[("deployment", "Belarus border with Ukraine")]
    assert border.verification == "reported" and border.geo_precision == "country"
    assert set(border.equipment.split("; ")) == {"Iskander", "Polonez"}
    kursk = by_place[("territorial_change", "Kursk region, RUS")]
    assert (kursk.date_start, kursk.date_end, kursk.geo_precision) == ("2024-08-07", "2024-08-12", "admin1")
    assert "depuis cinq jours" in kursk.evidence


def test_the_language_is_told_from_the_text() -> None:
    from geo.drafts._text import language

    assert [language(t) for t in ("Les combats dans la région de Koursk.", "Fighting in the Kursk region.",
                                  "Бои в Курской области.", "Бої на Харківщині.",
                                  "Die Kämpfe in der Region Kursk dauern an.")] == ["fr", "en", "ru", "uk", "de"]


def test_the_terms_table_is_data_with_clear_errors(tmp_path, monkeypatch) -> None:
    from geo.drafts import _terms

    bad = tmp_path / "terms.csv"
    bad.write_text("lang,kind,term,value\nen,colour,red,x\n", encoding="utf-8")
    monkeypatch.setattr(_terms, "TERMS_FILE", bad)
    _terms.terms.cache_clear()
    try:
        with pytest.raises(GeoError, match="terms.csv, row 2, column kind: expected one of category"):
            _terms.terms("en")
    finally:
        _terms.terms.cache_clear()
    assert Path(_terms.TERMS_FILE).name == "terms.csv"
