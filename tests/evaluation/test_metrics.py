"""Metric maths against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from wicdistill.evaluation.metrics import (
    accuracy,
    average_ranks,
    best_threshold,
    cross_validated_accuracy,
    greedy_match_f1,
    harmonic_mean,
    pearson,
    pearson_uncentred,
    roc_auc,
    row_cosines,
    spearman,
)


def test_average_ranks_share_the_mean_rank_of_ties():
    assert average_ranks([10, 20, 20, 30]).tolist() == [1.0, 2.5, 2.5, 4.0]
    assert average_ranks([3, 1, 3, 3]).tolist() == [3.0, 1.0, 3.0, 3.0]


def test_spearman_with_ties_is_pearson_of_average_ranks():
    # y ranks: [1, 2, 3.5, 5, 3.5]; covariance 8, variances 10 and 9.5
    assert spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) == pytest.approx(8 / math.sqrt(95), abs=1e-12)
    assert spearman([1, 2, 3], [30, 20, 10]) == pytest.approx(-1.0)


def test_pearson_and_uncentred_pearson():
    assert pearson([1, 2, 3], [2, 4, 7]) == pytest.approx(15 / math.sqrt(228), abs=1e-12)
    # uncentred: the sign of a change matters, a shift does not cancel out
    assert pearson_uncentred([1, 2], [2, 1]) == pytest.approx(0.8)
    assert pearson_uncentred([1, -1], [2, -2]) == pytest.approx(1.0)
    assert pearson([1, 2], [2, 1]) == pytest.approx(-1.0)


def test_constant_input_gives_nan_and_bad_input_raises():
    assert math.isnan(pearson([1, 1, 1], [1, 2, 3]))
    assert math.isnan(spearman([2, 2, 2], [1, 2, 3]))
    with pytest.raises(ValueError, match="same length, got 3 and 2"):
        spearman([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="at least 2 values"):
        pearson([1], [1])
    with pytest.raises(ValueError, match="nan or inf"):
        pearson([1, float("nan")], [1, 2])


def test_harmonic_mean():
    assert harmonic_mean(0.5, 1.0) == pytest.approx(2 / 3)
    assert math.isnan(harmonic_mean(0.5, -0.5))


def test_accuracy_counts_a_score_equal_to_the_threshold_as_same():
    scores, labels = [0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]
    assert accuracy(scores, labels, 0.35) == 0.75
    assert accuracy(scores, labels, 0.36) == 0.5
    with pytest.raises(ValueError, match="labels must be 0/1"):
        accuracy(scores, [0, 2, 1, 1], 0.5)


def test_best_threshold_picks_the_lowest_of_equally_good_midpoints():
    # sorted: 0.1 F, 0.35 T, 0.4 F, 0.8 T -> 3/4 correct at 0.225 and at 0.6
    threshold, acc = best_threshold([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    assert threshold == pytest.approx(0.225)
    assert acc == 0.75


def test_best_threshold_with_tied_scores_and_the_extremes():
    threshold, acc = best_threshold([0.5, 0.5, 0.5, 0.9], [1, 0, 0, 1])
    assert (threshold, acc) == (pytest.approx(0.7), 0.75)
    # all same: the smallest score predicts "same" for everything
    assert best_threshold([0.2, 0.3], [1, 1]) == (0.2, 1.0)
    # all different: a threshold just above the largest score
    threshold, acc = best_threshold([0.2, 0.3], [0, 0])
    assert threshold > 0.3 and threshold == np.nextafter(0.3, 1) and acc == 1.0
    # the returned threshold reproduces the returned accuracy
    rng = np.random.default_rng(0)
    scores, labels = rng.random(50).round(2), rng.random(50) > 0.5
    threshold, acc = best_threshold(scores, labels)
    assert accuracy(scores, labels, threshold) == acc


def test_roc_auc_counts_ties_as_one_half():
    assert roc_auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75
    # pairs (pos, neg): (0.5, 0.5) tie, (0.5, 0.1), (0.9, 0.5), (0.9, 0.1) -> 3.5 / 4
    assert roc_auc([0.5, 0.5, 0.9, 0.1], [1, 0, 1, 0]) == 0.875
    with pytest.raises(ValueError, match="both classes, got 2 positive and 0 negative"):
        roc_auc([0.1, 0.2], [1, 1])


def test_row_cosines_and_greedy_matching():
    cosines = row_cosines(np.array([[1.0, 0.0], [0.0, 0.0]]), np.array([[1.0, 1.0], [1.0, 0.0]]))
    assert cosines.tolist() == pytest.approx([1 / math.sqrt(2), 0.0])
    # precision: (1 + 0) / 2, recall: 1 -> F1 = 2/3
    assert greedy_match_f1(np.array([[1.0, 0.0], [0.0, 2.0]]), np.array([[3.0, 0.0]])) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="at least one vector"):
        greedy_match_f1(np.zeros((0, 2)), np.ones((1, 2)))


def test_cross_validated_accuracy_removes_the_in_sample_advantage():
    rng = np.random.default_rng(3)
    labels = np.arange(400) % 2 == 0
    draws = [rng.normal(size=400) for _ in range(20)]  # scores that carry no information
    in_sample = np.mean([best_threshold(noise, labels)[1] for noise in draws])
    held_out = np.mean([cross_validated_accuracy(noise, labels) for noise in draws])
    assert in_sample > 0.53 and abs(held_out - 0.5) < 0.02
    assert cross_validated_accuracy(draws[0], labels) == cross_validated_accuracy(draws[0], labels)
    separable = labels + 0.1 * rng.random(400)
    assert cross_validated_accuracy(separable, labels) == 1.0
    # constant scores: every tuning split predicts "same" for all, the majority class here
    assert cross_validated_accuracy(np.zeros(50), np.arange(50) < 30, folds=5) == pytest.approx(0.6)


def test_cross_validated_accuracy_rejects_too_few_folds_or_pairs():
    with pytest.raises(ValueError, match="folds must be >= 2, got 1"):
        cross_validated_accuracy([0.1, 0.2], [0, 1], folds=1)
    with pytest.raises(ValueError, match="10 folds need at least 10 pairs of each class, got 3"):
        cross_validated_accuracy(np.arange(20.0), np.arange(20) < 3)
