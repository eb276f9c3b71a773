"""Churn speed and quality: import 200,000 rows, train on them, batch-score 100,000 customers, one score.

Run with `make bench` (or `.venv/bin/python bench/bench_churn.py [--database-url URL]`). Works in a
temporary directory on a fresh SQLite database unless --database-url names an empty database to migrate and
use (e.g. a PostgreSQL one). Targets on 2 cores: import <= 20 s, training (three candidates cross-validated)
<= 60 s, batch <= 5 s, one score <= 5 ms; the chosen model must not be worse than the logistic regression.
Figures go to docs/BENCHMARKS.md by hand, with the machine they were measured on.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.churn.importer import import_file  # noqa: E402
from bot.churn.scoring import score_all, score_customer  # noqa: E402
from bot.churn.synthetic import GeneratorOptions, write_export  # noqa: E402
from bot.churn.training import train  # noqa: E402
from bot.db.migrate import upgrade  # noqa: E402
from bot.db.session import session_scope  # noqa: E402
from bot.logging_setup import configure_logging  # noqa: E402

T = TypeVar("T")
TRAINING_ROWS = 200_000
SCORING_ROWS = 100_000
SINGLE_SCORES = 500
WARM_UP = 20


def timed(label: str, target: float | None, action: Callable[[], T]) -> T:
    start = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - start
    verdict = "" if target is None else f"  (target <= {target:g} s: {'ok' if seconds <= target else 'MISSED'})"
    print(f"{label}: {seconds:.2f} s{verdict}", flush=True)
    return result


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="an empty database to use (default: temporary SQLite)")
    args = parser.parse_args()
    configure_logging("WARNING")
    with tempfile.TemporaryDirectory(prefix="bench-churn-") as directory:
        work = Path(directory)
        os.environ["RETENTION_MODELS_DIR"] = str(work / "models")
        url = args.database_url or f"sqlite:///{work / 'bench.db'}"
        upgrade(url)
        print(f"database: {url.split('@')[-1]}; {os.cpu_count()} CPUs")

        labelled, unlabelled = work / "labelled.csv", work / "to_score.csv"
        timed(
            f"generate {TRAINING_ROWS:,} + {SCORING_ROWS:,} synthetic rows",
            None,
            lambda: (
                write_export(labelled, GeneratorOptions(rows=TRAINING_ROWS, seed=1)),
                write_export(
                    unlabelled, GeneratorOptions(rows=SCORING_ROWS, seed=2, offset=TRAINING_ROWS, labelled=False)
                ),
            ),
        )
        timed(f"import {TRAINING_ROWS:,} rows", 20, lambda: import_file(labelled, url))
        timed(f"import {SCORING_ROWS:,} rows to score (not a target)", None, lambda: import_file(unlabelled, url))

        with session_scope(url) as session:
            outcome = timed(f"train on {TRAINING_ROWS:,} labelled customers", 60, lambda: train(session))
        metrics = outcome.model.metrics
        for key, result in metrics["candidates"].items():
            test = result["test"]
            print(
                f"  {key}{' (chosen)' if key == metrics['chosen'] else ''}: CV ROC-AUC {result['cv_roc_auc']:.4f}; "
                f"test ROC-AUC {test['roc_auc']:.4f}, PR-AUC {test['pr_auc']:.4f}, Brier {test['brier']:.4f}"
            )
        margin = metrics["model"]["roc_auc"] - metrics["candidates"]["logistic"]["test"]["roc_auc"]
        print(f"  chosen model against the logistic regression on the test part: ROC-AUC {margin:+.4f}")

        with session_scope(url) as session:
            batch = timed(
                f"batch-score {SCORING_ROWS:,} customers into churn_scores",
                5,
                lambda: score_all(session, unknown_only=True),
            )
        print(f"  scored {batch.scored:,}: {batch.bands}; {batch.with_factors:,} with factors (高/中 bands)")
        with session_scope(url) as session:
            timed(
                "  (for reference) the same with factors for every band",
                None,
                lambda: score_all(session, unknown_only=True, all_factors=True),
            )

        phones = [line.split(",", 1)[0] for line in unlabelled.read_text(encoding="utf-8").splitlines()[1:]]
        sample = random.Random(3).sample(phones, WARM_UP + SINGLE_SCORES)
        latencies = []
        with session_scope(url) as session:
            for phone in sample[:WARM_UP]:
                score_customer(session, phone)
            for phone in sample[WARM_UP:]:
                start = time.perf_counter()
                score_customer(session, phone)
                latencies.append((time.perf_counter() - start) * 1000)
        p50 = statistics.median(latencies)
        print(
            f"one score (score_customer, model cached, {SINGLE_SCORES} customers): p50 {p50:.2f} ms, "
            f"p99 {percentile(latencies, 0.99):.2f} ms, max {max(latencies):.2f} ms  "
            f"(target <= 5 ms: {'ok' if p50 <= 5 else 'MISSED'})"
        )


if __name__ == "__main__":
    main()
