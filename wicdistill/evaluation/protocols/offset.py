"""The language offset: how far English–X translation cosines sit below same-language same-sense
cosines, in units of the same-language same/different separation.

offset = (mean cos X–X same − mean cos en–X translation) / (mean cos X–X same − mean cos X–X different)

0 means translations look exactly like same-language same-sense pairs; 1 means they look like
different-sense pairs, so a threshold tuned within a language rejects them.
"""

from __future__ import annotations

from ..vectors import ROWS
from .pair_cosines import PairCosines


def offset_rows(reference: PairCosines, translations: PairCosines) -> dict[str, dict]:
    """One row per vector kind; ``reference`` holds X–X same (gold 1) and different (gold 0) pairs."""
    labels = reference.gold.astype(bool)
    if labels.all() or not labels.any():
        raise ValueError("the same-language reference pairs need both same- and different-meaning pairs")
    if len(translations.pairs) == 0:
        raise ValueError("no locatable translation pairs")
    rows = {}
    for row in ROWS:
        same = float(reference.cosines[row][labels].mean())
        different = float(reference.cosines[row][~labels].mean())
        translation = float(translations.cosines[row].mean())
        separation = same - different
        rows[row] = {
            "score": (same - translation) / separation if separation != 0 else None,
            "mean_same": same,
            "mean_different": different,
            "mean_translation": translation,
            "separation": separation,
        }
    return rows
