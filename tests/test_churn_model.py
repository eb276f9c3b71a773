"""The churn model on synthetic data: quality of the chosen candidate, calibration, round trip, explanations."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from bot.churn.errors import ChurnError
from bot.churn.candidates import CANDIDATES, PIPELINES
from bot.churn.components import SplitRegions
from bot.churn.factors import FACTOR_GROUPS, GROUP_INDEXES, named, reference_row, render
from bot.churn.features import FEATURE_INDEX, FEATURES, Snapshot, feature_matrix, next_month
from bot.churn.importer import import_file
from bot.churn.model import ChurnModel
from bot.churn.snapshots import load_snapshots
from bot.churn.synthetic import GeneratorOptions, write_export
from bot.churn.training import DEFAULT_SEED, data_fingerprint, fit_churn_model
from bot.db.migrate import upgrade
from bot.db.session import get_engine, session_scope


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Snapshot], np.ndarray, str]:
    """40,000 synthetic customers through the real import and snapshot path (SQLite)."""
    directory = tmp_path_factory.mktemp("churn-model")
    url = f"sqlite:///{directory / 'model.db'}"
    upgrade(url)
    write_export(directory / "labelled.csv", GeneratorOptions(rows=40_000, seed=DEFAULT_SEED))
    import_file(directory / "labelled.csv", url)
    with session_scope(url) as session:
        customers = load_snapshots(session)
    get_engine(url).dispose()
    labels = np.array([customer.churned for customer in customers], dtype=int)
    return [customer.snapshot for customer in customers], labels, data_fingerprint(customers)


@pytest.fixture(scope="module")
def model(labelled: tuple[list[Snapshot], np.ndarray, str]) -> ChurnModel:
    snapshots, labels, fingerprint = labelled
    return fit_churn_model(feature_matrix(snapshots), labels, seed=DEFAULT_SEED, fingerprint=fingerprint)


@pytest.fixture(scope="module")
def features(labelled: tuple[list[Snapshot], np.ndarray, str]) -> np.ndarray:
    return feature_matrix(labelled[0][:3000])


def test_the_chosen_model_beats_the_logistic_regression_where_the_truth_has_thresholds(model: ChurnModel) -> None:
    """The synthetic mechanism has thresholds and an interaction: what the trees are there for."""
    metrics = model.metrics
    logistic = metrics["candidates"]["logistic"]
    assert metrics["chosen"] != "logistic"
    assert metrics["candidates"]["boosted"]["cv_roc_auc"] > logistic["cv_roc_auc"] + 0.005
    assert metrics["model"] == metrics["candidates"][metrics["chosen"]]["test"]
    assert metrics["model"]["roc_auc"] > logistic["test"]["roc_auc"] + 0.005
    assert metrics["model"]["pr_auc"] > logistic["test"]["pr_auc"]
    assert metrics["model"]["brier"] < logistic["test"]["brier"]
    assert metrics["model"]["roc_auc"] > 0.75


def test_the_probabilities_are_calibrated_on_the_held_out_split(model: ChurnModel) -> None:
    table = model.metrics["calibration"]
    assert sum(row["count"] for row in table) == model.metrics["rows"]["test"] == 8000
    assert model.metrics["rows"]["fitting"] == 32000
    for row in table:
        low, high = row["range"]
        assert low <= row["mean_predicted"] <= high
        if row["count"] >= 300:  # enough customers for the observed rate to be meaningful
            assert abs(row["observed_rate"] - row["mean_predicted"]) < 0.05
    overall_predicted = sum(r["count"] * r["mean_predicted"] for r in table) / 8000
    overall_observed = sum(r["count"] * r["observed_rate"] for r in table) / 8000
    assert abs(overall_predicted - overall_observed) < 0.015


def test_too_few_labels_are_a_clear_error(features: np.ndarray) -> None:
    with pytest.raises(ChurnError, match="已标注「是否流失」的客户不足"):
        fit_churn_model(features[:100], np.zeros(100, dtype=int), seed=1, fingerprint="0" * 64)


def test_a_saved_model_round_trips(model: ChurnModel, features: np.ndarray, tmp_path: Path) -> None:
    path = tmp_path / "churn" / f"{model.version}.joblib"
    model.save(path)
    loaded = ChurnModel.load(path)
    assert (loaded.version, loaded.data_fingerprint, loaded.metrics) == (
        model.version,
        model.data_fingerprint,
        model.metrics,
    )
    assert np.array_equal(loaded.probabilities(features), model.probabilities(features))
    assert loaded.assess(features[:200]) == model.assess(features[:200])


def test_a_model_saved_before_candidates_loads_as_the_boosted_trees(
    model: ChurnModel, features: np.ndarray, tmp_path: Path
) -> None:
    """Format 1 held one boosted pipeline; an installation's active model must keep scoring after an upgrade."""
    (trees,) = [p for p in model.pipelines if isinstance(p[-1], HistGradientBoostingClassifier)]
    saved = {name: getattr(model, name) for name in ("version", "created_at", "data_fingerprint", "metrics")}
    saved.update(format=1, pipeline=trees, calibration=(1.0, 0.0), reference=model.reference)
    joblib.dump({**saved, "sklearn_version": model.sklearn_version}, tmp_path / "old.joblib")
    loaded = ChurnModel.load(tmp_path / "old.joblib")
    assert (loaded.candidate, loaded.weights) == ("boosted", (1.0,))
    assert np.array_equal(loaded.logits(features), trees.decision_function(features))


def test_a_file_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    joblib.dump({"something": "else"}, tmp_path / "other.joblib")
    (tmp_path / "garbage.joblib").write_bytes(b"not a pickle")
    for name in ("other.joblib", "garbage.joblib", "missing.joblib"):
        with pytest.raises(ChurnError):
            ChurnModel.load(tmp_path / name)


def test_the_factor_groups_cover_every_feature_exactly_once() -> None:
    grouped = [feature for group in FACTOR_GROUPS for feature in group.features]
    assert sorted(grouped) == sorted(FEATURES)
    assert {group.key for group in FACTOR_GROUPS} >= {
        "contract_expiring",
        "usage_drop",
        "competitor_marketing",
        "zero_calls",
        "competitor_hotline",
    }


@pytest.fixture(scope="module")
def every_candidate(labelled: tuple[list[Snapshot], np.ndarray, str]) -> dict[str, ChurnModel]:
    """Each candidate's kind of model, fitted on 6,000 customers; a slope other than 1 so that it is checked too."""
    snapshots, labels, fingerprint = labelled
    fitted = feature_matrix(snapshots[3000:9000])
    pipelines = {name: make(1).fit(fitted, labels[3000:9000]) for name, make in PIPELINES.items()}
    return {
        candidate.key: ChurnModel(
            version=candidate.key,
            created_at=datetime.now(timezone.utc),
            data_fingerprint=fingerprint,
            metrics={},
            candidate=candidate.key,
            pipelines=tuple(pipelines[name] for name, _ in candidate.parts),
            weights=tuple(weight for _, weight in candidate.parts),
            calibration=(0.8, -0.3),
            reference=reference_row(fitted),
        )
        for candidate in CANDIDATES
    }


@pytest.mark.parametrize("candidate", [candidate.key for candidate in CANDIDATES])
def test_factor_weights_are_the_models_own_change_when_a_group_is_reset(
    every_candidate: dict[str, ChurnModel], features: np.ndarray, candidate: str
) -> None:
    """Brute force for every group and customer, against the trees' skipping and the regression's algebra."""
    model = every_candidate[candidate]
    sample = features[:300]
    fast = model.factor_weights(sample)
    base = model.logits(sample)
    for group_index, indexes in enumerate(GROUP_INDEXES):
        changed = sample.copy()
        changed[:, list(indexes)] = model.reference[list(indexes)]
        assert np.allclose(fast[:, group_index], base - model.logits(changed), atol=1e-9)
    assert (fast != 0).any(axis=0).sum() > len(GROUP_INDEXES) / 2
    if candidate == "boosted":
        assert (fast == 0).mean() > 0.2  # the skipping does happen


def test_split_regions_without_tree_internals_fall_back_to_comparing_values(model: ChurnModel) -> None:
    regions = SplitRegions(object())
    encoded = np.array([[1.0, np.nan], [2.0, np.nan], [1.0, 3.0]])
    assert regions.differ(encoded, np.array([1.0, np.nan]), (0, 1)).tolist() == [False, True, True]


SIGNALS = {
    "contract_expiring": (lambda s: {"contract_end_date": next_month(s.month) + timedelta(days=20)}, "协议30天内到期"),
    "usage_drop": (lambda s: {"prev_mou": 400, "mou": 140}, "本月通话量比上月下降65%"),
    "competitor_marketing": (lambda s: {"competitor_marketing_contacts": 2}, "本月受到竞争对手营销2次"),
    "zero_calls": (lambda s: {"zero_call_days": 12}, "本月有12天零通话"),
    "competitor_hotline": (lambda s: {"competitor_hotline_calls": 3}, "本月拨打竞争对手客服电话3次"),
}


@pytest.fixture(scope="module")
def calm(model: ChurnModel, labelled: tuple[list[Snapshot], np.ndarray, str]) -> Snapshot:
    """The customer of the first 3,000 the model finds least likely to leave."""
    snapshots = labelled[0][:3000]
    return snapshots[int(np.argmin(model.probabilities(feature_matrix(snapshots))))]


@pytest.mark.parametrize("signal", list(SIGNALS))
def test_a_warning_signal_is_explained_as_itself_with_the_customers_value(
    model: ChurnModel, calm: Snapshot, signal: str
) -> None:
    change, text = SIGNALS[signal]
    before, after = model.assess(feature_matrix([calm, calm._replace(**change(calm))]))
    assert after.probability > 2 * before.probability
    top = after.factors[0]
    assert (top.key, top.text.split("，")[0]) == (signal, text)
    assert top.weight > 0.3


def test_several_signals_together_make_a_high_risk_explained_by_them(model: ChurnModel, calm: Snapshot) -> None:
    risky = calm
    for change, _ in SIGNALS.values():
        risky = risky._replace(**change(risky))
    (assessment,) = model.assess(feature_matrix([risky]))
    assert assessment.band == "高"
    assert len(assessment.factors) == 3
    assert {factor.key for factor in assessment.factors} <= set(SIGNALS)
    for factor in assessment.factors:
        assert factor.text.split("，")[0] == SIGNALS[factor.key][1]
    weights = [factor.weight for factor in assessment.factors]
    assert weights == sorted(weights, reverse=True)


def test_every_factor_text_renders_the_customers_values(features: np.ndarray) -> None:
    values = named(features[0])
    values.update(
        has_contract=1.0,
        contract_days_left=-12.0,
        dou_change=0.25,
        suspend_days=5.0,
        suspend_count=2.0,
        has_broadband=0.0,
        migu_video=1.0,
        migu_read=0.0,
        status="欠费停机",
        roaming_minutes=0.0,
        credit_level=3.0,
    )
    texts = {group.key: render(group.key, values) for group in FACTOR_GROUPS}
    assert texts["contract_expiring"] == "协议已于12天前到期"
    assert texts["usage_drop"].endswith("本月流量比上月增长25%")
    assert texts["suspension"] == "本月停机5天（2次）"
    assert texts["broadband"] == "未办理宽带（没有融合业务）"
    assert texts["value_added"] == "未订购咪咕阅读"
    assert texts["status"] == "号码状态为欠费停机"
    assert texts["roaming"] == "当月没有省际漫游"
    assert texts["credit"] == "信用等级3星"
    assert texts["tenure"] == f"网龄{int(values['tenure_months'])}个月"
    assert values["device_model"] in texts["device"]


def test_customers_below_the_explanation_threshold_get_no_factors(model: ChurnModel, features: np.ndarray) -> None:
    assessments = model.assess(features[:500], explain_from=0.2)
    assert all(not a.factors for a in assessments if a.probability < 0.2)
    assert any(a.factors for a in assessments if a.probability >= 0.2)
    assert all(a.band == ("高" if a.probability >= 0.5 else "中" if a.probability >= 0.2 else "低") for a in assessments)


def test_a_customer_without_usage_still_gets_a_score(model: ChurnModel, features: np.ndarray) -> None:
    snapshot = Snapshot(*([None] * len(Snapshot._fields)))._replace(
        status="正常",
        brand="天翼",
        plan_name="天翼畅享129元套餐",
        plan_fee=129.0,
        credit_level=5,
        tenure_months=40,
        network_type="5G",
        device_model="从未见过的机型",
        device_months=3,
        has_broadband=False,
        migu_video=False,
        migu_read=False,
    )
    row = feature_matrix([snapshot])
    assert np.isnan(row[0, FEATURE_INDEX["mou_change"]])
    (assessment,) = model.assess(row)
    assert 0.0 < assessment.probability < 1.0


UNKNOWN_IN_EXPORT = (
    "has_contract",
    "contract_days_left",
    "plan_fee",
    "arpu_over_plan",
    "competitor_marketing_contacts",
    "zero_call_days",
    "competitor_hotline_calls",
)


def test_what_the_export_did_not_carry_is_missing_to_the_model_and_said_so(model: ChurnModel, calm: Snapshot) -> None:
    unknown = calm._replace(
        contract_known=False,
        contract_end_date=None,
        plan_fee=None,
        competitor_marketing_contacts=None,
        zero_call_days=None,
        competitor_hotline_calls=None,
    )
    rows = feature_matrix([unknown, calm._replace(contract_end_date=None)])
    assert all(np.isnan(rows[0, FEATURE_INDEX[name]]) for name in UNKNOWN_IN_EXPORT)
    assert rows[1, FEATURE_INDEX["has_contract"]] == 0.0  # known: no contract
    values = named(rows[0])
    assert render("contract_expiring", values) == "缺少协议到期数据"
    assert render("plan", values) == f"套餐{calm.plan_name}（{calm.brand}，月费未知）"
    assert render("zero_calls", values) == "缺少当月数据"
    (assessment,) = model.assess(rows[:1])
    assert 0.0 < assessment.probability < 1.0
    assert not any("nan" in factor.text for factor in assessment.factors)
