"""Cosines of word pairs for the three rows, with unlocatable targets turned into dropped pairs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..context import EvalContext
from ..metrics import row_cosines
from ..pairs import PairSet, Unlocatable, WordPair
from ..vectors import ROWS

__all__ = ["PairCosines", "pair_cosines"]


@dataclass
class PairCosines:
    """The pairs that could be scored, their gold values and cosines per row."""

    pairs: list[WordPair]
    gold: np.ndarray
    cosines: dict[str, np.ndarray]
    unlocatable: list[Unlocatable]
    n_total: int
    meaning_context_cosine: float | None = None


def pair_cosines(context: EvalContext, sets: Sequence[PairSet]) -> list[PairCosines]:
    """Encode the targets of all ``sets`` in one pass and score each set's pairs on all rows."""
    targets = [target for pair_set in sets for pair in pair_set.pairs for target in (pair.first, pair.second)]
    encoded = context.encode(targets)
    results = []
    offset = 0
    for pair_set in sets:
        kept: list[WordPair] = []
        rows: list[int] = []
        unlocatable = list(pair_set.unlocatable)
        for pair in pair_set.pairs:
            reasons = [(side, encoded.failures.get(offset + side - 1)) for side in (1, 2)]
            failed = [(side, reason) for side, reason in reasons if reason is not None]
            if failed:
                unlocatable.extend(Unlocatable(pair.id, side, reason) for side, reason in failed)
            else:
                kept.append(pair)
                rows.append(offset)
            offset += 2
        index = np.asarray(rows, dtype=np.int64)
        cosines = {
            row: row_cosines(encoded.vectors[row][index], encoded.vectors[row][index + 1]) for row in ROWS
        }
        gold = np.asarray([pair.gold for pair in kept], dtype=np.float64)
        both = np.concatenate([index, index + 1])
        # How far meaning and context separate: near 1 means the two heads collapsed into one.
        split = row_cosines(encoded.vectors["meaning"][both], encoded.vectors["context"][both])
        mean_split = float(split.mean()) if len(both) else None
        results.append(PairCosines(kept, gold, cosines, unlocatable, pair_set.n_total, mean_split))
    return results
