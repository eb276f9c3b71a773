"""`churn import | train | score | generate`: the churn model on the command line (docs/CHURN.md).

Every command works on the configured database (DATABASE_URL). Bad input gives a message on stderr and exit
status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

BANDS = ("高", "中", "低")


def register(subparsers: argparse._SubParsersAction) -> None:
    churn = subparsers.add_parser(
        "churn",
        help="churn risk: import operator data, train, score, generate synthetic data",
        description="Churn risk from the operator's source data (号码, 套餐, 当月ARPU, ... and the warning signals "
        "协议到期, 业务量突降, 竞争对手营销, 多日零通话, 拨打竞争对手客服电话). See docs/CHURN.md.",
    )
    actions = churn.add_subparsers(dest="churn_action", metavar="ACTION", required=True)

    load = actions.add_parser(
        "import",
        help="import an operator export (CSV, UTF-8 or GBK)",
        description="Validates every row first and reports each bad one with its line number; imports nothing "
        "unless all rows are good, then stores them in one transaction. Customers are matched by 号码, so "
        "importing a file again updates instead of duplicating.",
    )
    load.add_argument("file", type=Path, help="CSV with the Chinese column headers of docs/CHURN.md")
    load.add_argument("--month", help="账期 of a file without a 账期 column, YYYY-MM (default: the current month)")
    load.set_defaults(func=_guarded(run_import))

    train = actions.add_parser(
        "train",
        help="train the churn model on the customers whose 是否流失 is known",
        description="Chooses among gradient-boosted trees, an L2-regularised logistic regression and a blend of "
        "the two by cross-validated ROC-AUC on the fitting part (80%), then reports every candidate on the "
        "held-out test part (20%): ROC-AUC, PR-AUC, Brier score, and a calibration table of the chosen one. "
        "A model with a lower ROC-AUC than the active one is saved but not activated without --force.",
    )
    train.add_argument("--seed", type=int, default=None, help="split and model seed (default: fixed)")
    train.add_argument(
        "--force", action="store_true", help="train on unchanged data, and activate even if the ROC-AUC is lower"
    )
    train.set_defaults(func=_guarded(run_train))

    score = actions.add_parser(
        "score",
        help="score one customer (--phone) or every current customer into the database (--all)",
        description="A calibrated churn probability, a band (高/中/低) and the main factors in plain Chinese.",
    )
    target = score.add_mutually_exclusive_group(required=True)
    target.add_argument("--phone", help="the customer's 11-digit number")
    target.add_argument("--all", action="store_true", help="score every customer not known to have churned")
    score.add_argument("--unknown-only", action="store_true", help="with --all: only customers whose 是否流失 is empty")
    score.add_argument(
        "--all-factors", action="store_true", help="with --all: factors for the 低 band too (slower)"
    )
    score.add_argument("--json", action="store_true", help="with --phone: print one JSON object")
    score.set_defaults(func=_guarded(run_score))

    generate = actions.add_parser(
        "generate",
        help="write a synthetic operator export (demo and test data)",
        description="Synthetic customers in the import format; churn follows the documented mechanism of "
        "docs/CHURN.md, in which the warning signals raise the risk.",
    )
    generate.add_argument("output", type=Path, help="CSV file to write")
    generate.add_argument("--rows", type=int, default=10_000, help="number of customers (at most 1,000,000)")
    generate.add_argument("--seed", type=int, default=20240601, help="random seed")
    generate.add_argument("--month", default="2024-05", help="账期 of the export, YYYY-MM")
    generate.add_argument(
        "--offset", type=int, default=0, help="index of the first customer: files with disjoint ranges share no 号码"
    )
    generate.add_argument("--unlabelled", action="store_true", help="leave 是否流失 empty (customers to score)")
    generate.add_argument("--encoding", choices=("utf-8", "utf-8-sig", "gbk"), default="utf-8", help="file encoding")
    generate.set_defaults(func=_guarded(run_generate))


def _guarded(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """User errors (ChurnError) as a message and exit status 1."""

    def run(args: argparse.Namespace) -> int:
        from bot.churn.errors import ChurnError

        try:
            return command(args)
        except ChurnError as exc:
            for problem in getattr(exc, "problems", []):
                print(problem, file=sys.stderr)
            print(f"错误：{exc.message}", file=sys.stderr)
            return 1

    return run


def _database_url() -> str:
    """Resolved here rather than left to get_engine(None), whose cache would keep the first URL of the process
    even after DATABASE_URL changes (tests run the CLI against several databases)."""
    from bot.config import get_settings

    return get_settings().effective_database_url


def _month(text: str) -> date:
    from bot.churn.errors import ChurnError
    from bot.churn.source_format import CellError, parse_month

    try:
        return parse_month(text)
    except CellError as exc:
        raise ChurnError(f"--month {exc}") from None


def run_import(args: argparse.Namespace) -> int:
    from bot.churn.importer import import_file

    result = import_file(args.file, _database_url(), None if args.month is None else _month(args.month))
    months = "、".join(f"{month:%Y-%m}" for month in result.months)
    print(
        f"已导入 {result.rows} 行（新增客户 {result.new_customers}，更新客户 {result.updated_customers}），"
        f"账期 {months}，编码 {result.encoding}"
    )
    for group, headers in result.absent.items():
        print(f"缺少可选列 {'、'.join(headers)}：{group.instead}")
    if result.unknown_plan_fees:
        print(f"套餐名称中没有「N元」的行：{result.unknown_plan_fees}")
    if result.unknown_features:
        print(f"因此未知的特征（模型按缺失值处理）：{'、'.join(result.unknown_features)}")
    return 0


def _display_width(text: str) -> int:
    """Columns a terminal gives `text`: Chinese characters take two, so str.ljust would misalign the labels."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _scores_text(scores: dict[str, float]) -> str:
    return f"ROC-AUC {scores['roc_auc']:.4f}  PR-AUC {scores['pr_auc']:.4f}  Brier {scores['brier']:.4f}"


def _print_metrics(metrics: dict[str, Any]) -> None:
    from bot.churn.candidates import CANDIDATE_BY_KEY

    rows = metrics["rows"]
    print(
        f"数据：拟合部分 {rows['fitting']} / 测试部分 {rows['test']}，流失率 {metrics['churn_rate']:.1%}；"
        f"候选模型按拟合部分的 {metrics['cv_folds']} 折交叉验证 ROC-AUC 选择，测试部分只用于报告"
    )
    labels = {key: CANDIDATE_BY_KEY[key].label for key in metrics["candidates"]}
    width = max(map(_display_width, labels.values()))
    for key, result in metrics["candidates"].items():
        marker = "→" if key == metrics["chosen"] else " "
        label = labels[key] + " " * (width - _display_width(labels[key]))
        print(f"{marker} {label}  交叉验证 ROC-AUC {result['cv_roc_auc']:.4f} │ 测试 {_scores_text(result['test'])}")
    print(f"选用：{labels[metrics['chosen']]}")
    print("校准表（选用的模型，测试部分）：")
    print("  预测区间    客户数   平均预测   实际流失率")
    for row in metrics["calibration"]:
        low, high = row["range"]
        print(
            f"  {low:.1f}–{high:.1f}  {row['count']:>8}   {row['mean_predicted']:>7.1%}   {row['observed_rate']:>8.1%}"
        )


def run_train(args: argparse.Namespace) -> int:
    from bot.churn.registry import roc_auc_of
    from bot.churn.training import DEFAULT_SEED, train
    from bot.db.session import session_scope

    with session_scope(_database_url()) as session:
        outcome = train(session, seed=DEFAULT_SEED if args.seed is None else args.seed, force=args.force)
        if outcome.model is None:
            print(f"训练数据与模型 {outcome.unchanged_since} 相同，无需重新训练（加 --force 仍可训练）")
            return 0
        print(f"模型 {outcome.model.version}，已保存到 {outcome.path}")
        _print_metrics(outcome.model.metrics)
        registration = outcome.registration
        previous = registration.previous
        new_auc = outcome.model.metrics["model"]["roc_auc"]
        if registration.activated:
            replaced = f"，替换 {previous.version}（ROC-AUC {roc_auc_of(previous):.4f}）" if previous else ""
            print(f"已启用新模型{replaced}")
        else:
            print(
                f"未启用：新模型 ROC-AUC {new_auc:.4f} 低于当前启用的 {previous.version} 的 "
                f"{roc_auc_of(previous):.4f}。新模型已保存；确认要启用请加 --force 重新训练"
            )
    return 0


def run_score(args: argparse.Namespace) -> int:
    from bot.churn.errors import ChurnError
    from bot.churn.scoring import score_all, score_customer
    from bot.db.session import session_scope

    if args.all and args.json:
        raise ChurnError("--json 只能与 --phone 一起使用")
    if args.phone is not None and (args.unknown_only or args.all_factors):
        raise ChurnError("--unknown-only 与 --all-factors 只能与 --all 一起使用")
    with session_scope(_database_url()) as session:
        if args.phone is not None:
            result = score_customer(session, args.phone)
            if args.json:
                print(json.dumps({**asdict(result), "probability": round(result.probability, 4)}, ensure_ascii=False))
                return 0
            source = "启发式估计（尚无训练好的模型）" if result.heuristic else f"模型 {result.model_version}"
            print(f"号码 {result.phone}：流失概率 {result.probability:.1%}，{result.band}风险（{source}）")
            for rank, factor in enumerate(result.factors, start=1):
                print(f"  {rank}. {factor}")
            if not result.factors:
                print("  没有明显的流失因素")
            return 0
        batch = score_all(session, unknown_only=args.unknown_only, all_factors=args.all_factors)
    bands = "，".join(f"{band} {batch.bands.get(band, 0)}" for band in BANDS)
    print(f"已为 {batch.scored} 个客户评分（模型 {batch.model_version}）：{bands}；{batch.with_factors} 个附有因素")
    return 0


def run_generate(args: argparse.Namespace) -> int:
    from bot.churn.errors import ChurnError
    from bot.churn.synthetic import GeneratorOptions, write_export

    month = _month(args.month)
    try:
        options = GeneratorOptions(
            rows=args.rows, seed=args.seed, month=month, offset=args.offset, labelled=not args.unlabelled
        )
    except ValueError as exc:
        raise ChurnError(str(exc)) from None
    try:
        columns = write_export(args.output, options, encoding=args.encoding)
    except OSError as exc:
        raise ChurnError(f"无法写入 {args.output}：{exc.strerror}") from None
    labels = f"流失率 {columns['churned'].mean():.1%}" if options.labelled else "未标注是否流失"
    print(f"已生成 {args.rows} 个客户到 {args.output}（账期 {month:%Y-%m}，{labels}，编码 {args.encoding}）")
    return 0
