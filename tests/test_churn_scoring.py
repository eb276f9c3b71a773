"""Training, model versions and scores through the CLI and `score_customer`, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.churn import ChurnError, UnknownCustomer, score_customer
from bot.churn.candidates import CANDIDATE_BY_KEY, CANDIDATES
from bot.churn.importer import import_file
from bot.churn.source_format import SOURCE_COLUMNS
from bot.churn.scoring import score_all
from bot.churn.synthetic import GeneratorOptions, write_export
from bot.cli.main import main
from bot.db.models import ChurnModelVersion, ChurnScore, Customer
from bot.db.session import session_scope

LABELLED, UNLABELLED = 3000, 200


def edit_rows(path: Path, changes: dict[int, dict[str, str]]) -> list[str]:
    """Apply {row index: {header: value}} to an export; returns the phones of the edited rows."""
    header, *body = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    for index, cells in changes.items():
        for column, value in cells.items():
            body[index][header.index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *body])
    return [body[index][header.index("号码")] for index in changes]


QUIET = {"竞争对手营销次数": "0", "零通话天数": "0", "拨打竞争对手客服电话次数": "0", "协议到期日期": "", "号码状态": "正常"}
ALARMING = {**QUIET, "拨打竞争对手客服电话次数": "2", "协议到期日期": "2024-06-20", "竞争对手营销次数": "1"}


@pytest.fixture
def churn_db(migrated_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """A database with labelled customers and customers to score; the CLI and models dir point at it."""
    monkeypatch.setenv("DATABASE_URL", migrated_url)
    monkeypatch.setenv("RETENTION_MODELS_DIR", str(tmp_path / "models"))
    labelled, unlabelled = tmp_path / "labelled.csv", tmp_path / "to_score.csv"
    write_export(labelled, GeneratorOptions(rows=LABELLED, seed=21))
    write_export(unlabelled, GeneratorOptions(rows=UNLABELLED, seed=22, offset=LABELLED, labelled=False))
    quiet, alarming = edit_rows(unlabelled, {0: {**QUIET, "上月MOU": "100", "当月MOU": "100"}, 1: ALARMING})
    import_file(labelled, migrated_url)
    import_file(unlabelled, migrated_url)
    return {"url": migrated_url, "quiet": quiet, "alarming": alarming, "tmp": tmp_path}


def versions(url: str) -> list[ChurnModelVersion]:
    with session_scope(url) as session:
        return list(session.execute(select(ChurnModelVersion).order_by(ChurnModelVersion.id)).scalars())


def test_before_any_training_the_score_is_a_marked_heuristic(churn_db: dict) -> None:
    with session_scope(churn_db["url"]) as session:
        alarming = score_customer(session, churn_db["alarming"])
        quiet = score_customer(session, churn_db["quiet"])
    assert alarming.heuristic and quiet.heuristic
    assert alarming.model_version is None
    assert alarming.probability > quiet.probability
    assert alarming.band in ("高", "中") and quiet.band == "低"
    assert alarming.factor_keys[0] in ("contract_expiring", "competitor_hotline")
    assert "本月拨打竞争对手客服电话2次" in alarming.factors and "协议30天内到期" in alarming.factors
    assert quiet.factors == []


def test_an_unknown_number_is_a_clear_error(churn_db: dict, capsys: pytest.CaptureFixture[str]) -> None:
    with session_scope(churn_db["url"]) as session, pytest.raises(UnknownCustomer, match="没有号码为 19999999999"):
        score_customer(session, "19999999999")
    assert main(["churn", "score", "--phone", "19999999999"]) == 1
    assert "错误：没有号码为 19999999999 的客户" in capsys.readouterr().err


def test_train_prints_every_candidate_and_the_calibration_table_then_scores_use_it(
    churn_db: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["churn", "train"]) == 0
    out = capsys.readouterr().out
    (version,) = versions(churn_db["url"])
    metrics = version.metrics
    chosen = CANDIDATE_BY_KEY[metrics["chosen"]]
    for candidate in CANDIDATES:
        result = metrics["candidates"][candidate.key]
        (line,) = [line for line in out.splitlines() if candidate.label in line and "交叉验证" in line]
        assert line.startswith("→" if candidate is chosen else " ")
        assert f"交叉验证 ROC-AUC {result['cv_roc_auc']:.4f} │ 测试 ROC-AUC {result['test']['roc_auc']:.4f}" in line
        assert f"PR-AUC {result['test']['pr_auc']:.4f}  Brier {result['test']['brier']:.4f}" in line
    assert f"选用：{chosen.label}" in out
    assert "校准表（选用的模型，测试部分）" in out and "已启用新模型" in out
    assert version.is_active
    assert metrics["model"] == metrics["candidates"][chosen.key]["test"]
    assert set(metrics) >= {"chosen", "model", "candidates", "calibration", "rows"}
    assert (churn_db["tmp"] / "models" / version.path).is_file()
    with session_scope(churn_db["url"]) as session:
        result = score_customer(session, churn_db["alarming"])
    assert not result.heuristic and result.model_version == version.version
    assert result.band == ("高" if result.probability >= 0.5 else "中" if result.probability >= 0.2 else "低")
    assert main(["churn", "train"]) == 0
    assert f"训练数据与模型 {version.version} 相同，无需重新训练" in capsys.readouterr().out
    assert len(versions(churn_db["url"])) == 1


def test_a_worse_model_is_saved_but_not_activated_without_force(
    churn_db: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["churn", "train"]) == 0
    with session_scope(churn_db["url"]) as session:  # pretend the active model is excellent
        active = session.execute(select(ChurnModelVersion)).scalar_one()
        active.metrics = {**active.metrics, "model": {**active.metrics["model"], "roc_auc": 0.999}}
    more = churn_db["tmp"] / "more.csv"
    write_export(more, GeneratorOptions(rows=300, seed=23, offset=LABELLED + UNLABELLED))
    import_file(more, churn_db["url"])  # new data: a new fingerprint, so training happens
    capsys.readouterr()
    assert main(["churn", "train"]) == 0
    out = capsys.readouterr().out
    assert "未启用：新模型 ROC-AUC" in out and "低于当前启用的" in out and "--force" in out
    first, second = versions(churn_db["url"])
    assert first.is_active and not second.is_active
    assert (churn_db["tmp"] / "models" / second.path).is_file()
    with session_scope(churn_db["url"]) as session:
        assert score_customer(session, churn_db["alarming"]).model_version == first.version
    assert main(["churn", "train", "--force"]) == 0
    assert "已启用新模型，替换" in capsys.readouterr().out
    active = [version for version in versions(churn_db["url"]) if version.is_active]
    assert len(active) == 1 and active[0].id not in (first.id, second.id)


def test_batch_scoring_stores_every_current_customer(churn_db: dict, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["churn", "score", "--all"]) == 1
    assert "还没有启用的流失模型" in capsys.readouterr().err
    assert main(["churn", "train"]) == 0
    assert main(["churn", "score", "--all"]) == 0
    assert "已为" in capsys.readouterr().out
    url = churn_db["url"]
    with session_scope(url) as session:
        current = session.execute(
            select(func.count()).select_from(Customer).where(Customer.churned.isnot(True))
        ).scalar_one()
        scores = list(session.execute(select(ChurnScore)).scalars())
        assert len(scores) == current
        assert len({score.customer_id for score in scores}) == current
        for score in scores:
            assert score.band == ("高" if score.probability >= 0.5 else "中" if score.probability >= 0.2 else "低")
            assert (score.band == "低") <= (score.factors == [])
            for factor in score.factors:
                assert set(factor) == {"key", "text", "weight"} and factor["weight"] >= 0.1
        assert any(score.factors for score in scores)
        batch = score_all(session, unknown_only=True, all_factors=True)
    assert batch.scored == UNLABELLED
    with session_scope(url) as session:
        latest = list(session.execute(select(ChurnScore).where(ChurnScore.scored_at == batch.scored_at)).scalars())
    assert len(latest) == UNLABELLED
    assert sum(1 for score in latest if score.factors) == batch.with_factors > sum(
        1 for score in latest if score.band != "低"
    )


def test_score_json_for_the_dialogue(churn_db: dict, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["churn", "train"]) == 0
    capsys.readouterr()
    assert main(["churn", "score", "--phone", churn_db["alarming"], "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"phone", "probability", "band", "factors", "factor_keys", "model_version", "heuristic"}
    assert result["phone"] == churn_db["alarming"] and result["heuristic"] is False
    assert len(result["factors"]) == len(result["factor_keys"]) <= 3
    assert main(["churn", "score", "--all", "--json"]) == 1


def test_a_missing_model_file_falls_back_for_one_score_and_stops_the_batch(churn_db: dict) -> None:
    assert main(["churn", "train"]) == 0
    (version,) = versions(churn_db["url"])
    (churn_db["tmp"] / "models" / version.path).unlink()
    with session_scope(churn_db["url"]) as session:
        assert score_customer(session, churn_db["alarming"]).heuristic
        with pytest.raises(ChurnError, match="文件不存在"):
            score_all(session)


UNKNOWN_SIGNALS = {"usage_drop", "contract_expiring", "competitor_marketing", "zero_calls", "competitor_hotline"}


def test_an_export_with_only_the_20_source_columns_imports_trains_and_scores(
    migrated_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Seed 000's 源数据 columns and nothing else (issue #15): what they lack is unknown, never an error."""
    monkeypatch.setenv("DATABASE_URL", migrated_url)
    monkeypatch.setenv("RETENTION_MODELS_DIR", str(tmp_path / "models"))
    export = tmp_path / "operator.csv"
    write_export(export, GeneratorOptions(rows=800, seed=31))
    header, *body = list(csv.reader(io.StringIO(export.read_text(encoding="utf-8"))))
    body[0][header.index("套餐")] = "畅享不限量套餐"  # no 「N元」 and no 套餐月费 column: the fee is unknown
    kept = [header.index(column.header) for column in SOURCE_COLUMNS]
    with export.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([[row[i] for i in kept] for row in [header, *body]])
    assert main(["churn", "import", str(export), "--month", "2024-05"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "已导入 800 行（新增客户 800，更新客户 0），账期 2024-05，编码 UTF-8",
        "缺少可选列 账期：账期取自 --month（默认为导入的当月）",
        "缺少可选列 上月ARPU、上月MOU、上月DOU：不记录上月数据（三列齐全才记录；已导入过上月数据的客户不受影响）",
        "缺少可选列 协议到期日期：协议情况记为未知（已导入过协议到期日期的客户保留原值）",
        "缺少可选列 竞争对手营销次数：本月竞争对手营销次数记为未知（已导入过该账期此列的客户保留原值）",
        "缺少可选列 零通话天数：本月零通话天数记为未知（已导入过该账期此列的客户保留原值）",
        "缺少可选列 拨打竞争对手客服电话次数：本月拨打竞争对手客服电话次数记为未知（已导入过该账期此列的客户保留原值）",
        "缺少可选列 套餐月费：月费取自套餐名称中的「N元」，没有的记为未知（套餐未变的客户保留原值）",
        "缺少可选列 客户姓名：新客户称呼为「尊敬的客户」",
        "缺少可选列 地市：新客户地市为「未知」",
        "套餐名称中没有「N元」的行：1",
        "因此未知的特征（模型按缺失值处理）：mou_change、dou_change、arpu_change、has_contract、contract_days_left、"
        "competitor_marketing_contacts、zero_call_days、competitor_hotline_calls、plan_fee、arpu_over_plan",
    ]
    phone = body[0][header.index("号码")]
    assert main(["churn", "score", "--phone", phone, "--json"]) == 0  # the heuristic claims no unknown signal
    assert not UNKNOWN_SIGNALS & set(json.loads(capsys.readouterr().out)["factor_keys"])
    assert main(["churn", "train"]) == 0
    assert "已启用新模型" in capsys.readouterr().out
    assert main(["churn", "score", "--all", "--all-factors"]) == 0
    assert "已为" in capsys.readouterr().out
    with session_scope(migrated_url) as session:
        stored = session.execute(select(ChurnScore.factors)).scalars().all()
    factors = [factor for row in stored for factor in row]
    assert factors and not {factor["key"] for factor in factors} & UNKNOWN_SIGNALS
    assert not any("nan" in factor["text"] for factor in factors)
    assert main(["churn", "score", "--phone", phone, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["heuristic"] is False and 0.0 < result["probability"] < 1.0
    assert not UNKNOWN_SIGNALS & set(result["factor_keys"])  # unknown, so never a reason
    assert not any("nan" in text for text in result["factors"])
