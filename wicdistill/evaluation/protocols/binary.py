"""Same/different-meaning pairs: accuracy at a cosine threshold tuned on a tuning split, ROC-AUC.

``oracle`` adds the accuracy at the threshold tuned on the evaluated pairs themselves (an upper
bound; what findings.md calls "dev-tuned") and its 10-fold cross-validated counterpart
(``oracle_cv_score``: own-data tuning without the in-sample advantage).
"""

from __future__ import annotations

import numpy as np

from ..metrics import accuracy, best_threshold, cross_validated_accuracy, roc_auc
from ..vectors import ROWS
from .pair_cosines import PairCosines

HISTOGRAM_BINS = 20
CV_FOLDS = 10


def similarity_histogram(cosines: np.ndarray, labels: np.ndarray, bins: int = HISTOGRAM_BINS) -> dict:
    """Counts of same- and different-meaning pairs per cosine bin (shared edges), for the plot."""
    if len(cosines) == 0:
        return {"edges": [], "same": [], "different": []}
    low, high = float(cosines.min()), float(cosines.max())
    if high <= low:
        high = low + 1e-6
    edges = np.linspace(low, high, bins + 1)
    same, _ = np.histogram(cosines[labels], bins=edges)
    different, _ = np.histogram(cosines[~labels], bins=edges)
    return {
        "edges": [round(float(e), 5) for e in edges],
        "same": same.tolist(),
        "different": different.tolist(),
    }


def _auc(cosines: np.ndarray, labels: np.ndarray) -> float | None:
    return roc_auc(cosines, labels) if 0 < labels.sum() < len(labels) else None


def _mean(values: np.ndarray) -> float | None:
    return float(values.mean()) if len(values) else None


def _cross_validated(cosines: np.ndarray, labels: np.ndarray) -> float | None:
    smaller = min(int(labels.sum()), int((~labels).sum()))
    return 100 * cross_validated_accuracy(cosines, labels, folds=CV_FOLDS) if smaller >= CV_FOLDS else None


def binary_rows(
    evaluated: PairCosines, tuning: PairCosines | None, tuned_on: str, oracle: bool = False
) -> dict[str, dict]:
    """One report row per vector kind; ``tuning=None`` tunes on the evaluated pairs themselves."""
    if len(evaluated.pairs) == 0:
        raise ValueError("no locatable pairs to score")
    labels = evaluated.gold.astype(bool)
    rows = {}
    for row in ROWS:
        cosines = evaluated.cosines[row]
        if tuning is None:
            threshold, tuning_accuracy = best_threshold(cosines, labels)
        else:
            if len(tuning.pairs) == 0:
                raise ValueError(f"no locatable pairs in the tuning split {tuned_on!r}")
            threshold, tuning_accuracy = best_threshold(tuning.cosines[row], tuning.gold.astype(bool))
        result = {
            "score": 100 * accuracy(cosines, labels, threshold),
            "threshold": threshold,
            "tuned_on": tuned_on,
            "tuning_score": 100 * tuning_accuracy,
            "auc": _auc(cosines, labels),
        }
        if oracle:
            oracle_threshold, oracle_accuracy = best_threshold(cosines, labels)
            result["oracle_score"] = 100 * oracle_accuracy
            result["oracle_threshold"] = oracle_threshold
            result["oracle_cv_score"] = _cross_validated(cosines, labels)
        result["mean_same"] = _mean(cosines[labels])
        result["mean_different"] = _mean(cosines[~labels])
        result["histogram"] = similarity_histogram(cosines, labels)
        rows[row] = result
    return rows
