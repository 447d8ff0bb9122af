"""Which numbers of ``evaluation.json`` a card reports as results, each with how it was measured.

A report row also holds what a score was computed *with* (the tuned threshold, the tuning split's
own accuracy, mean cosines, histograms) and upper bounds (``oracle_score``: the threshold tuned on
the scored pairs themselves). Published as ``model-index`` results they would be compared with
other models' scores as if they were metrics, so only the numbers named here are reported, and an
accuracy whose threshold was tuned on the scored pairs is not reported at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# extra keys of a report row that measure the model, and how each is obtained
EXTRA_METRIC_PROTOCOLS = {
    "auc": "ROC AUC, threshold-free",
    "oracle_cv_score": "threshold tuned by cross-validation on the scored pairs",
    "pearson": "Pearson correlation x 100, no tuning",
    "harmonic_mean": "harmonic mean of Pearson and Spearman x 100, no tuning",
    "pearson_uncentred": "uncentred Pearson x 100 of the change between contexts, no tuning",
    "mean_pool": "Spearman x 100 of mean-pooled word vectors, no tuning",
    "greedy_f1": "Spearman x 100 of greedy word-matching F1, no tuning",
}
UNTUNED = "no tuning"


@dataclass(frozen=True)
class ReportedMetric:
    """One result of the meaning vector: its report key, value and protocol."""

    name: str
    value: float
    protocol: str


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def tuned_in_sample(key: str, task: dict[str, Any], row: dict[str, Any]) -> bool:
    """Whether the row's threshold was tuned on the very pairs it scores (no separate tuning split)."""
    tuned_on = row.get("tuned_on")
    return tuned_on is not None and "n_tuning_pairs" not in task and tuned_on in (key, task.get("split"))


def main_protocol(key: str, task: dict[str, Any], row: dict[str, Any]) -> str | None:
    """How the task's own score was obtained; ``None`` when it is in-sample and not reportable."""
    if "tuned_on" not in row:
        return UNTUNED
    if tuned_in_sample(key, task, row):
        return None
    return f"threshold tuned on {row['tuned_on']}"


def reported_metrics(key: str, task: dict[str, Any], row: dict[str, Any]) -> tuple[ReportedMetric, ...]:
    """The reportable results of one row of task ``key``: its score, then the extra metrics."""
    metrics = []
    protocol = main_protocol(key, task, row)
    if protocol is not None and _number(row.get("score")):
        metrics.append(ReportedMetric(str(task.get("metric") or "score"), float(row["score"]), protocol))
    for name, extra_protocol in EXTRA_METRIC_PROTOCOLS.items():
        if _number(row.get(name)):
            metrics.append(ReportedMetric(name, float(row[name]), extra_protocol))
    return tuple(metrics)
