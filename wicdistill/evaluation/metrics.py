"""Metric maths of the evaluation suite, in plain numpy so the numbers can be checked by hand.

Conventions: a binary prediction is "same meaning" when ``score >= threshold``; correlations of
constant inputs are undefined and come back as ``nan`` (reports turn them into ``null``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "accuracy",
    "average_ranks",
    "best_threshold",
    "cross_validated_accuracy",
    "greedy_match_f1",
    "harmonic_mean",
    "pearson",
    "pearson_uncentred",
    "roc_auc",
    "row_cosines",
    "spearman",
    "unit_rows",
]

ArrayLike = Sequence[float] | np.ndarray


def _vector(values: ArrayLike, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains nan or inf values")
    return array


def _paired(x: ArrayLike, y: ArrayLike, minimum: int = 2) -> tuple[np.ndarray, np.ndarray]:
    a, b = _vector(x, "x"), _vector(y, "y")
    if a.shape != b.shape:
        raise ValueError(f"x and y must have the same length, got {a.shape[0]} and {b.shape[0]}")
    if a.shape[0] < minimum:
        raise ValueError(f"need at least {minimum} values, got {a.shape[0]}")
    return a, b


def _labels(labels: ArrayLike, n: int) -> np.ndarray:
    array = np.asarray(labels)
    if array.shape != (n,):
        raise ValueError(f"labels must have shape ({n},), got {array.shape}")
    if not np.isin(array, (0, 1, True, False)).all():
        raise ValueError(f"labels must be 0/1 or booleans, got values {sorted(set(array.tolist()))[:5]}")
    return array.astype(bool)


def average_ranks(values: ArrayLike) -> np.ndarray:
    """1-based ranks; tied values share the mean of the ranks they span (as Spearman needs)."""
    array = _vector(values, "values")
    order = np.argsort(array, kind="mergesort")
    ranks = np.empty(len(array), dtype=np.float64)
    sorted_values = array[order]
    start = 0
    while start < len(array):
        stop = start
        while stop + 1 < len(array) and sorted_values[stop + 1] == sorted_values[start]:
            stop += 1
        ranks[order[start : stop + 1]] = (start + stop) / 2 + 1
        start = stop + 1
    return ranks


def pearson(x: ArrayLike, y: ArrayLike) -> float:
    """Pearson correlation; ``nan`` when either side is constant."""
    a, b = _paired(x, y)
    a, b = a - a.mean(), b - b.mean()
    denominator = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denominator) if denominator > 0 else float("nan")


def pearson_uncentred(x: ArrayLike, y: ArrayLike) -> float:
    """Pearson without mean removal (CoSimLex subtask 1): the sign of a change counts, not only its rank."""
    a, b = _paired(x, y, minimum=1)
    denominator = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denominator) if denominator > 0 else float("nan")


def spearman(x: ArrayLike, y: ArrayLike) -> float:
    """Spearman's rho: Pearson of average ranks, so ties are handled exactly."""
    a, b = _paired(x, y)
    return pearson(average_ranks(a), average_ranks(b))


def harmonic_mean(a: float, b: float) -> float:
    """``2ab / (a + b)`` (CoSimLex subtask 2 combines Pearson and Spearman this way)."""
    total = a + b
    return float(2 * a * b / total) if total != 0 else float("nan")


def accuracy(scores: ArrayLike, labels: ArrayLike, threshold: float) -> float:
    """Fraction of pairs whose prediction ``score >= threshold`` equals the label."""
    values = _vector(scores, "scores")
    if len(values) == 0:
        raise ValueError("accuracy of an empty set of scores")
    truth = _labels(labels, len(values))
    return float(((values >= threshold) == truth).mean())


def best_threshold(scores: ArrayLike, labels: ArrayLike) -> tuple[float, float]:
    """The threshold that maximises accuracy on these pairs, and that accuracy.

    Candidates are the smallest score (all "same"), midpoints between consecutive distinct scores
    and the float just above the largest (all "different"); ties go to the lowest threshold.
    """
    values = _vector(scores, "scores")
    if len(values) == 0:
        raise ValueError("cannot tune a threshold on an empty set of scores")
    truth = _labels(labels, len(values))
    distinct, inverse = np.unique(values, return_inverse=True)
    positives = np.bincount(inverse, weights=truth, minlength=len(distinct))
    negatives = np.bincount(inverse, weights=~truth, minlength=len(distinct))
    # candidate k predicts "different" for the k smallest distinct scores and "same" for the rest
    negatives_below = np.concatenate([[0.0], np.cumsum(negatives)])
    positives_from = positives.sum() - np.concatenate([[0.0], np.cumsum(positives)])
    correct = negatives_below + positives_from
    best = int(np.argmax(correct))
    if best == 0:
        threshold = float(distinct[0])
    elif best == len(distinct):
        threshold = float(np.nextafter(distinct[-1], np.inf))
    else:
        threshold = float((distinct[best - 1] + distinct[best]) / 2)
    return threshold, float(correct[best] / len(values))


def cross_validated_accuracy(scores: ArrayLike, labels: ArrayLike, folds: int = 10, seed: int = 0) -> float:
    """Accuracy when each pair is judged at the threshold tuned on the *other* folds.

    The threshold tuned on the evaluated pairs themselves (an oracle) is optimistic: on a few
    hundred pairs it beats any threshold fixed in advance by a few points through noise alone.
    This is the same own-data tuning without that in-sample advantage: folds are a seeded
    permutation, stratified by label so every tuning split sees both classes.
    """
    values = _vector(scores, "scores")
    truth = _labels(labels, len(values))
    if folds < 2:
        raise ValueError(f"folds must be >= 2, got {folds}")
    smaller = int(min(truth.sum(), len(truth) - truth.sum()))
    if smaller < folds:
        raise ValueError(f"{folds} folds need at least {folds} pairs of each class, got {smaller}")
    rng = np.random.default_rng(seed)
    fold_of = np.empty(len(values), dtype=np.int64)
    for cls in (False, True):
        members = rng.permutation(np.flatnonzero(truth == cls))
        fold_of[members] = np.arange(len(members)) % folds
    correct = 0
    for fold in range(folds):
        held = fold_of == fold
        threshold, _ = best_threshold(values[~held], truth[~held])
        correct += int(((values[held] >= threshold) == truth[held]).sum())
    return correct / len(values)


def roc_auc(scores: ArrayLike, labels: ArrayLike) -> float:
    """Area under the ROC curve (Mann-Whitney U with average ranks: a tie counts one half)."""
    values = _vector(scores, "scores")
    truth = _labels(labels, len(values))
    n_pos = int(truth.sum())
    n_neg = len(values) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError(f"ROC-AUC needs both classes, got {n_pos} positive and {n_neg} negative labels")
    ranks = average_ranks(values)
    return float((ranks[truth].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def row_cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine of each row of ``a`` with the same row of ``b`` (0 where a vector is zero)."""
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError(f"need two matrices of the same shape, got {a.shape} and {b.shape}")
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    dots = (a * b).sum(axis=1)
    return np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (zero rows stay zero)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def greedy_match_f1(first: np.ndarray, second: np.ndarray) -> float:
    """BERTScore-style F1 of two sets of word vectors: every word matched to its most similar one."""
    if len(first) == 0 or len(second) == 0:
        raise ValueError("greedy matching needs at least one vector on each side")
    similarity = unit_rows(first) @ unit_rows(second).T
    precision = float(similarity.max(axis=1).mean())
    recall = float(similarity.max(axis=0).mean())
    total = precision + recall
    return 2 * precision * recall / total if total != 0 else 0.0
