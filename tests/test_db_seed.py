"""The synthetic base: deterministic, consistent with its plans and devices, and learnable for churn."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import taxonomy
from bot.db.migrate import upgrade
from bot.db.models import Customer, MonthlyUsage, Offer
from bot.db.models.vocabulary import OFFER_TYPES
from bot.db.offer_rules import RuleError, parse_eligibility, parse_suitability
from bot.db.seed import AlreadySeeded, default_as_of, seed_database
from bot.db.seed.catalogue import (
    DEVICES,
    EXTRA_GB_FEE,
    EXTRA_MINUTE_FEE,
    MIGU_READ_FEE,
    MIGU_VIDEO_FEE,
    PLANS,
    STANDALONE_BROADBAND_FEES,
)
from bot.db.seed.customers import add_months, generate_customer_base
from bot.db.seed.offers import load_offer_catalogue
from bot.db.session import session_scope

AS_OF = date(2025, 5, 1)
PLANS_BY_NAME = {plan.name: plan for plan in PLANS}
DEVICES_BY_MODEL = {device.model: device for device in DEVICES}


def _dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every column of every seeded row, in id order."""
    dump = {}
    with session_scope(url) as session:
        for model in (Customer, MonthlyUsage, Offer):
            columns = [getattr(model, column.key) for column in model.__table__.columns]
            dump[model.__tablename__] = [tuple(row) for row in session.execute(select(*columns).order_by(model.id))]
    return dump


def test_same_seed_same_rows_different_seed_different_rows(migrated_url: str) -> None:
    seed_database(migrated_url, customers=150, seed=7, as_of=AS_OF)
    first = _dump(migrated_url)
    seed_database(migrated_url, customers=150, seed=7, as_of=AS_OF, force=True)
    assert _dump(migrated_url) == first
    seed_database(migrated_url, customers=150, seed=8, as_of=AS_OF, force=True)
    other = _dump(migrated_url)
    assert other["customers"] != first["customers"]
    assert other["monthly_usage"] != first["monthly_usage"]
    assert other["offers"] == first["offers"]  # the catalogue does not depend on the seed


def test_sqlite_and_postgresql_get_identical_rows(postgres_url: str, tmp_path: Path) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'seed.db'}"
    dumps = []
    for url in (sqlite_url, postgres_url):
        upgrade(url)
        seed_database(url, customers=80, seed=3, as_of=AS_OF, force=True)
        dumps.append(_dump(url))
    assert dumps[0] == dumps[1]


def test_seeding_a_seeded_database_does_nothing_without_force(migrated_url: str) -> None:
    seed_database(migrated_url, customers=30, seed=1, as_of=AS_OF)
    before = _dump(migrated_url)
    with pytest.raises(AlreadySeeded, match="30 customers"):
        seed_database(migrated_url, customers=50, seed=2, as_of=AS_OF)
    assert _dump(migrated_url) == before
    result = seed_database(migrated_url, customers=50, seed=2, as_of=AS_OF, force=True)
    assert result.customers == 50
    with session_scope(migrated_url) as session:
        assert session.execute(select(func.count()).select_from(Customer)).scalar_one() == 50
        assert session.execute(select(func.min(Customer.id))).scalar_one() == 1  # ids restart


def test_a_forced_reseed_keeps_the_accounts(migrated_url: str) -> None:
    from bot.auth.accounts import NewAccount, create_user, find_user
    from bot.auth.passwords import verify_password

    seed_database(migrated_url, customers=20, seed=1, as_of=AS_OF)
    with session_scope(migrated_url) as session:
        create_user(session, NewAccount(username="wang.sup", role="supervisor"), "a long enough password")
    seed_database(migrated_url, customers=20, seed=2, as_of=AS_OF, force=True)
    with session_scope(migrated_url) as session:
        user = find_user(session, "wang.sup")
        assert user is not None and user.role == "supervisor"
        assert verify_password(user.password_hash, "a long enough password")


def test_default_as_of_is_the_last_complete_month() -> None:
    assert default_as_of(date(2025, 6, 17)) == date(2025, 5, 1)
    assert default_as_of(date(2025, 1, 1)) == date(2024, 12, 1)


# --- consistency of the generated data (no database needed) ----------------------------------------------


@pytest.fixture(scope="module")
def base() -> Any:
    return generate_customer_base(2000, seed=11, as_of=AS_OF)


def _usage_by_phone(base: Any) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in base.usage:
        grouped[row["phone"]].append(row)
    return grouped


def test_customers_are_plausible(base: Any) -> None:
    phones = [c["phone"] for c in base.customers]
    assert len(set(phones)) == len(phones)
    for customer in base.customers:
        plan = PLANS_BY_NAME[customer["plan_name"]]
        assert customer["plan_fee"] == Decimal(plan.fee) and customer["brand"] == plan.brand
        assert 19 <= plan.fee <= 399
        assert len(customer["phone"]) == 11 and customer["phone"].isdigit()
        assert customer["has_broadband"] == (customer["bandwidth_mbps"] is not None)
        if plan.broadband_mbps is not None:
            assert customer["bandwidth_mbps"] == plan.broadband_mbps
        device = DEVICES_BY_MODEL[customer["device_model"]]
        assert customer["network_type"] == device.network_type
        bought = add_months(AS_OF, -customer["device_months"])
        assert device.released <= bought or device.released == min(d.released for d in DEVICES)
        assert 1 <= customer["credit_level"] <= 7


def test_usage_hangs_together_with_the_plan(base: Any) -> None:
    usage = _usage_by_phone(base)
    for customer in base.customers:
        plan = PLANS_BY_NAME[customer["plan_name"]]
        months = usage[customer["phone"]]
        assert len(months) == min(6, customer["tenure_months"])
        assert [row["month"] for row in months] == [add_months(AS_OF, i - len(months) + 1) for i in range(len(months))]
        broadband_fee = 0 if plan.broadband_mbps else STANDALONE_BROADBAND_FEES.get(customer["bandwidth_mbps"], 0)
        vas = MIGU_VIDEO_FEE * customer["migu_video"] + MIGU_READ_FEE * customer["migu_read"]
        for row in months:
            extra = max(0, row["mou"] - plan.minutes) * EXTRA_MINUTE_FEE
            extra += math.ceil(max(0, row["dou_mb"] - plan.data_mb) / 1024) * EXTRA_GB_FEE
            assert row["arpu"] == Decimal(str(plan.fee + broadband_fee + vas + extra)).quantize(Decimal("0.01"))
            assert row["roaming_minutes"] <= row["mou"]
            assert 0 <= row["zero_call_days"] <= 31 and 0 <= row["suspend_days"] <= 31


def test_bigger_plans_are_used_more(base: Any) -> None:
    usage = _usage_by_phone(base)
    dou: dict[int, list[int]] = defaultdict(list)
    for customer in base.customers:
        dou[int(customer["plan_fee"])].extend(row["dou_mb"] for row in usage[customer["phone"]])
    median = {fee: sorted(values)[len(values) // 2] for fee, values in dou.items()}
    assert median[19] < median[79] < median[199] < median[399]


def test_some_customers_drop_suddenly_and_signals_predict_churn(base: Any) -> None:
    usage = _usage_by_phone(base)
    dropped = [
        c for c in base.customers
        if len(usage[c["phone"]]) >= 3 and usage[c["phone"]][-1]["mou"] < 0.5 * usage[c["phone"]][0]["mou"]
    ]
    assert 0.03 * len(base.customers) < len(dropped) < 0.3 * len(base.customers)

    def churn_rate(group: list[dict[str, Any]]) -> float:
        labelled = [c["churned"] for c in group if c["churned"] is not None]
        return sum(labelled) / len(labelled)

    hotline = [c for c in base.customers if usage[c["phone"]][-1]["competitor_hotline_calls"] > 0]
    quiet = [c for c in base.customers if usage[c["phone"]][-1]["competitor_hotline_calls"] == 0]
    assert churn_rate(hotline) > 2 * churn_rate(quiet)
    assert 0.05 < churn_rate(base.customers) < 0.35
    assert any(c["churned"] is None for c in base.customers)


def test_contracts_and_broadband_vary(base: Any) -> None:
    ends = [c["contract_end_date"] for c in base.customers]
    assert 0.3 < sum(e is None for e in ends) / len(ends) < 0.6
    assert any(e is not None and e < AS_OF for e in ends) and any(e is not None and e > AS_OF for e in ends)
    broadband = sum(c["has_broadband"] for c in base.customers) / len(base.customers)
    assert 0.2 < broadband < 0.6


# --- the offer catalogue ----------------------------------------------------------------------------------


def test_catalogue_covers_every_offer_type_with_valid_rules() -> None:
    offers = load_offer_catalogue()
    assert 20 <= len(offers) <= 30
    assert {offer["type"] for offer in offers} == set(OFFER_TYPES)
    reasons_answered = set()
    for offer in offers:
        parse_eligibility(offer["eligibility"])
        reasons_answered |= set(parse_suitability(offer["suitability"]).reasons)
        assert offer["monthly_price"] is not None or offer["one_off_value"] is not None
    assert reasons_answered == set(taxonomy.reason_intents())  # every leave reason has something to offer


def test_catalogue_refuses_bad_rules(tmp_path: Path) -> None:
    bad = tmp_path / "offers.yml"
    bad.write_text(
        "offers:\n  - {code: X, name: x, type: 流量包, description: d, term_months: null, facts: {},\n"
        "     eligibility: {min_tenure: 3}, suitability: {}}\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleError, match="min_tenure"):
        load_offer_catalogue(bad)
    bad.write_text(
        "offers:\n  - {code: X, name: x, type: 流量卡, description: d, term_months: null, facts: {}, eligibility: {},\n"
        "     suitability: {}}\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleError, match="流量卡"):
        load_offer_catalogue(bad)


def test_seeded_offers_reference_valid_types(migrated_url: str) -> None:
    seed_database(migrated_url, customers=5, seed=1, as_of=AS_OF)
    with session_scope(migrated_url) as session:
        types = set(session.execute(select(Offer.type)).scalars())
        rules = session.execute(select(Offer.eligibility, Offer.suitability)).all()
        stored = session.execute(select(Offer.code, Offer.term_months, Offer.facts)).all()
    assert types == set(OFFER_TYPES)
    for eligibility, suitability in rules:
        parse_eligibility(eligibility)
        parse_suitability(suitability)
    expected = [(row["code"], row["term_months"], row["facts"]) for row in load_offer_catalogue()]
    assert sorted(map(tuple, stored)) == sorted(expected)  # the new columns are seeded too


def test_no_offer_name_starts_with_the_verb_the_lines_put_before_it() -> None:
    # The lines say 「为您办理「{offer_name}」」: a name of its own 「办理…」 reads 「办理「办理…」」.
    assert [row["name"] for row in load_offer_catalogue() if row["name"].startswith("办理")] == []
