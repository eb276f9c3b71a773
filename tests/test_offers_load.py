"""`retention-bot offers load FILE`: validate the whole file, then add, update, retire and re-activate by code.

Run through the CLI on SQLite and PostgreSQL, and checked against the rows in the database.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from bot.cli.main import main
from bot.db.models import Offer, OfferHistory
from bot.db.seed import seed_database
from bot.db.seed.offers import OFFERS_FILE, CatalogueError, load_offer_catalogue
from bot.db.session import session_scope

CATALOGUE = yaml.safe_load(OFFERS_FILE.read_text(encoding="utf-8"))["offers"]
CODES = [offer["code"] for offer in CATALOGUE]


def _write(path: Path, offers: list[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump({"offers": offers}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _edited(**changes: dict[str, Any]) -> list[dict[str, Any]]:
    """The shipped catalogue with some offers' keys changed (by code)."""
    return [{**offer, **changes.get(offer["code"], {})} for offer in CATALOGUE]


def _without(*codes: str) -> list[dict[str, Any]]:
    return [offer for offer in CATALOGUE if offer["code"] not in codes]


def _offers(url: str) -> dict[str, dict[str, Any]]:
    """Every column of every offer, by code."""
    with session_scope(url) as session:
        return {
            offer.code: {column.key: getattr(offer, column.key) for column in Offer.__table__.columns}
            for offer in session.execute(select(Offer)).scalars()
        }


def _load(path: Path, url: str, *options: str) -> int:
    return main(["offers", "load", str(path), "--url", url, *options])


def _report(out: str) -> dict[str, str]:
    """The report's lines by their first word: {"added": "27  UPG-5G79, …", …}."""
    return {line.split()[0]: line.split(None, 1)[1] for line in out.splitlines()[1:]}


def test_a_first_load_adds_every_offer_with_its_facts(
    migrated_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _load(_write(tmp_path / "offers.yml", CATALOGUE), migrated_url) == 0
    report = _report(capsys.readouterr().out)
    assert report["added"] == f"{len(CODES)}  {', '.join(CODES)}"
    assert report["updated"] == report["retired"] == report["unchanged"] == "0  -"
    stored = _offers(migrated_url)
    for row in load_offer_catalogue():
        assert {key: stored[row["code"]][key] for key in row} == row
    assert stored["KEEP-5"]["facts"]["sms"].startswith("停机保号期间不能接收")
    assert stored["DEV-5G500"]["term_months"] == 24 and stored["KEEP-8"]["term_months"] is None


def test_loading_the_same_file_again_changes_nothing(
    migrated_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "offers.yml", CATALOGUE)
    assert _load(path, migrated_url) == 0
    before = _offers(migrated_url)
    capsys.readouterr()
    assert _load(path, migrated_url) == 0
    report = _report(capsys.readouterr().out)
    assert report["unchanged"] == f"{len(CODES)}  {', '.join(CODES)}"
    assert report["added"] == report["updated"] == report["retired"] == "0  -"
    assert _offers(migrated_url) == before  # updated_at included


def test_a_changed_price_and_fact_update_only_that_offer(
    migrated_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _load(_write(tmp_path / "offers.yml", CATALOGUE), migrated_url) == 0
    before = _offers(migrated_url)
    capsys.readouterr()
    facts = {**before["DATA-30G20"]["facts"], "effective": "次月1日生效。"}
    edited = _edited(**{"UPG-5G79": {"monthly_price": 69}, "DATA-30G20": {"facts": facts, "term_months": 6}})
    assert _load(_write(tmp_path / "edited.yml", edited), migrated_url) == 0
    report = _report(capsys.readouterr().out)
    assert report["updated"] == "2  UPG-5G79 (monthly_price), DATA-30G20 (term_months, facts)"
    assert report["unchanged"].startswith(f"{len(CODES) - 2}  ")
    after = _offers(migrated_url)
    assert after["UPG-5G79"]["monthly_price"] == Decimal("69.00")
    assert after["DATA-30G20"]["facts"]["effective"] == "次月1日生效。" and after["DATA-30G20"]["term_months"] == 6
    assert after["UPG-5G79"]["updated_at"] > before["UPG-5G79"]["updated_at"]
    assert after["UPG-5G79"]["id"] == before["UPG-5G79"]["id"]
    assert {code: row for code, row in after.items() if code not in ("UPG-5G79", "DATA-30G20")} == {
        code: row for code, row in before.items() if code not in ("UPG-5G79", "DATA-30G20")
    }


def test_missing_offers_are_retired_not_deleted_and_come_back_active(
    migrated_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An offer in someone's history stays in the table when the business drops it from the catalogue."""
    seed_database(migrated_url, customers=1, seed=1, as_of=date(2025, 5, 1))
    with session_scope(migrated_url) as session:
        keep5 = session.execute(select(Offer).where(Offer.code == "KEEP-5")).scalar_one()
        session.add(OfferHistory(customer_id=1, offer_id=keep5.id, outcome="accepted"))
    new_offer = {**CATALOGUE[-1], "code": "KEEP-3", "name": "3元保号（试点）", "monthly_price": 3}

    assert _load(_write(tmp_path / "dropped.yml", [*_without("KEEP-5", "CMP-100"), new_offer]), migrated_url) == 0
    report = _report(capsys.readouterr().out)
    assert (report["added"], report["retired"], report["updated"]) == ("1  KEEP-3", "2  CMP-100, KEEP-5", "0  -")
    stored = _offers(migrated_url)
    assert stored["KEEP-5"]["active"] is False and stored["CMP-100"]["active"] is False
    assert stored["KEEP-5"]["id"] == keep5.id and stored["KEEP-3"]["active"] is True
    with session_scope(migrated_url) as session:
        assert session.execute(select(OfferHistory.offer_id)).scalars().all() == [keep5.id]

    assert _load(_write(tmp_path / "dropped.yml", [*_without("KEEP-5", "CMP-100"), new_offer]), migrated_url) == 0
    assert _report(capsys.readouterr().out)["retired"] == "0  -"  # already retired: nothing to do

    assert _load(OFFERS_FILE, migrated_url) == 0
    report = _report(capsys.readouterr().out)
    assert report["updated"] == "2  CMP-100 (active), KEEP-5 (active)"
    assert report["retired"] == "1  KEEP-3"
    stored = _offers(migrated_url)
    assert stored["KEEP-5"]["active"] is True and stored["KEEP-5"]["id"] == keep5.id
    assert stored["KEEP-3"]["active"] is False


def test_an_invalid_file_changes_nothing_and_names_every_problem(
    migrated_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _load(OFFERS_FILE, migrated_url) == 0
    before = _offers(migrated_url)
    capsys.readouterr()
    bad = _edited(
        **{
            "UPG-5G79": {"monthly_price": 69},  # a good change, which must not be applied either
            "KEEP-8": {"facts": {"smss": "可以接收短信"}},
            "KEEP-5": {"facts": {"sms": ""}, "term_months": 0},
            "DWN-59": {"eligibility": {"min_tenure": 3}},
            "BB-500M": {"suitability": {"reasons": ["reason_bored"]}},
            "CMP-50": {"term_months": "3个月", "type": "现金"},
        }
    )
    bad.append({**CATALOGUE[0], "facts": {"penalty": 12}})  # a second UPG-5G79
    del bad[1]["term_months"]
    assert _load(_write(tmp_path / "bad.yml", bad), migrated_url) == 1
    captured = capsys.readouterr()
    problems = captured.err.strip().splitlines()
    expected = [
        "offer UPG-5G199: missing key(s) ['term_months']",
        "offer DWN-59 eligibility: unknown key(s) ['min_tenure']",
        "offer BB-500M suitability.reasons: unknown value(s) ['reason_bored']",
        "offer CMP-50 type: '现金' is not one of",
        "offer CMP-50 term_months: expected a positive whole number of months",
        "offer KEEP-8 facts: unknown topic(s) ['smss']",
        "offer KEEP-5 term_months: expected a positive whole number of months, or null for no term, got 0",
        "offer KEEP-5 facts.sms: expected a non-empty sentence",
        "offer UPG-5G79: duplicate code",
        "offer UPG-5G79 facts.penalty: expected a non-empty sentence, got 12",
    ]
    assert len(problems) == len(expected) + 1
    for line, text in zip(problems, expected):
        assert line.startswith(f"bad.yml {text}")
    assert problems[-1] == f"error: {tmp_path / 'bad.yml'} has {len(expected)} problem(s); nothing changed"
    assert captured.out == "" and "Traceback" not in captured.err
    assert _offers(migrated_url) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("offers: [\n", "bad.yml: not valid YAML"),
        ("", "expected a mapping with a non-empty list under 'offers'"),
        ("offers: []\n", "expected a mapping with a non-empty list under 'offers'"),  # would retire everything
        ("offers:\n  - just a string\n", "bad.yml offer #1: expected a mapping"),
        ("# 优惠目录（GBK）\noffers: []\n", "bad.yml: not UTF-8 text"),
    ],
)
def test_a_file_that_is_no_catalogue_is_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(content, encoding="gbk" if "GBK" in content else "utf-8")
    with pytest.raises(CatalogueError, match=message):
        load_offer_catalogue(path)


def test_a_dry_run_reports_the_changes_and_writes_nothing(
    migrated_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _load(_write(tmp_path / "offers.yml", _without("KEEP-5")), migrated_url, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "dry run, nothing written" in out and _report(out)["added"].startswith(f"{len(CODES) - 1}  ")
    assert _offers(migrated_url) == {}

    assert _load(OFFERS_FILE, migrated_url) == 0
    before = _offers(migrated_url)
    capsys.readouterr()
    edited = _edited(**{"UPG-5G79": {"monthly_price": 69}})[:-1]
    assert _load(_write(tmp_path / "edited.yml", edited), migrated_url, "--dry-run") == 0
    report = _report(capsys.readouterr().out)
    assert (report["updated"], report["retired"]) == ("1  UPG-5G79 (monthly_price)", "1  KEEP-5")
    assert _offers(migrated_url) == before


def test_an_unmigrated_database_is_refused_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    assert _load(OFFERS_FILE, url) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: database is at revision none") and "retention-bot db init" in err
    with session_scope(url) as session:
        assert session.connection().dialect.has_table(session.connection(), "offers") is False


def test_an_unreadable_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _load(tmp_path / "nowhere.yml", f"sqlite:///{tmp_path / 'x.db'}") == 1
    assert capsys.readouterr().err == f"error: cannot read {tmp_path / 'nowhere.yml'}: No such file or directory\n"
