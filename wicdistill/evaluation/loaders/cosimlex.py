"""CoSimLex (Armendariz et al. 2020; SemEval-2020 Task 3): a word pair rated in two contexts.

The file is tab-separated despite its ``.csv`` name, with a header row (read with pandas-style
quoting, as the organisers wrote it). Each context marks both words with ``<strong>…</strong>``;
the inflected forms (``word1_context1`` …, or ``word1``/``word2`` when those columns are absent)
tell which tag is which word.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from ...targets_wicdistill import Target
from ..pairs import ContextualPair, ContextualPairSet, Unlocatable, WordPair
from .markup import MarkupError, strip_markup

REQUIRED = ("word1", "word2", "context1", "context2", "sim1", "sim2")


def _assign(tagged: list[str], forms: tuple[str, str]) -> tuple[int, int] | str:
    """Which tag holds word 1 and which word 2: exact (case-insensitive) matches first, then the
    remaining tag for the word that matched none."""
    if len(tagged) != 2:
        return f"expected two <strong> tags, found {len(tagged)}"
    folded = [t.casefold() for t in tagged]
    wanted = [f.casefold() for f in forms]
    match1 = [i for i in (0, 1) if folded[i] == wanted[0]]
    match2 = [i for i in (0, 1) if folded[i] == wanted[1]]
    if len(match1) == 1 and (not match2 or match2 == [1 - match1[0]]):
        return match1[0], 1 - match1[0]
    if len(match2) == 1 and not match1:
        return 1 - match2[0], match2[0]
    return f"cannot tell which of the tagged words {tagged} is {forms[0]!r} and which {forms[1]!r}"


def load_cosimlex(path: str | os.PathLike) -> ContextualPairSet:
    """Word pairs in two contexts each; ``first`` (context 1) has gold ``sim1``, ``second`` ``sim2``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"benchmark file not found: {path}")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    if rows and any(name not in rows[0] for name in REQUIRED):
        raise ValueError(f"{path}: expected columns {list(REQUIRED)}, got {list(rows[0])}")
    result = ContextualPairSet(source=str(path), n_total=len(rows))
    for number, row in enumerate(rows):
        item_id = f"{path.name}:{number}"
        pairs = []
        for context in (1, 2):
            forms = tuple(row.get(f"word{w}_context{context}") or row[f"word{w}"] for w in (1, 2))
            try:
                text, spans = strip_markup(row[f"context{context}"], "strong")
                order = _assign([text[s:e] for s, e in spans], forms)
            except MarkupError as err:
                order = str(err)
            if isinstance(order, str):
                result.unlocatable.append(Unlocatable(f"{item_id}:{context}", context, order))
                continue
            try:
                gold = float(row[f"sim{context}"])
            except ValueError:
                raise ValueError(
                    f"{path} row {number + 1}: sim{context} {row[f'sim{context}']!r} is not a number"
                ) from None
            first, second = (Target(text, (spans[i],)) for i in order)
            pairs.append(WordPair(f"{item_id}:{context}", first, second, gold))
        if len(pairs) == 2:
            result.items.append(ContextualPair(item_id, pairs[0], pairs[1]))
    return result
