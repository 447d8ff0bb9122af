"""Graded similarity: Spearman (and Pearson) of cosines against human ratings; CoSimLex extras."""

from __future__ import annotations

import numpy as np

from ..metrics import harmonic_mean, pearson, pearson_uncentred, spearman
from ..vectors import ROWS
from .pair_cosines import PairCosines


def graded_rows(evaluated: PairCosines) -> dict[str, dict]:
    """Spearman x 100 as the score, Pearson x 100 beside it."""
    if len(evaluated.pairs) < 2:
        raise ValueError(f"need at least 2 locatable pairs for a correlation, got {len(evaluated.pairs)}")
    return {
        row: {
            "score": 100 * spearman(evaluated.cosines[row], evaluated.gold),
            "pearson": 100 * pearson(evaluated.cosines[row], evaluated.gold),
        }
        for row in ROWS
    }


def contextual_rows(context1: PairCosines, context2: PairCosines) -> dict[str, dict]:
    """CoSimLex: ``context1``/``context2`` hold the same word pairs (aligned) in their two contexts.

    score / pearson / harmonic_mean: subtask 2 (absolute similarity in every context, official
    metric = harmonic mean of Pearson and Spearman); pearson_uncentred: subtask 1 (the change of
    similarity from context 1 to context 2, official metric = uncentred Pearson).
    """
    if len(context1.pairs) != len(context2.pairs) or len(context1.pairs) < 2:
        raise ValueError(
            f"need the same word pairs (at least 2) in both contexts, got {len(context1.pairs)} and "
            f"{len(context2.pairs)}"
        )
    gold = np.concatenate([context1.gold, context2.gold])
    gold_change = context2.gold - context1.gold
    rows = {}
    for row in ROWS:
        predicted = np.concatenate([context1.cosines[row], context2.cosines[row]])
        rho = spearman(predicted, gold)
        r = pearson(predicted, gold)
        change = context2.cosines[row] - context1.cosines[row]
        rows[row] = {
            "score": 100 * rho,
            "pearson": 100 * r,
            "harmonic_mean": 100 * harmonic_mean(r, rho),
            "pearson_uncentred": 100 * pearson_uncentred(change, gold_change),
        }
    return rows
