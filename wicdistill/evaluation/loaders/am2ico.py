"""AM2iCo (Liu et al. 2021): ``context1<TAB>context2<TAB>label`` with ``<word>…</word>`` markup.

``context1`` is the non-English context, ``context2`` the English one; the pair keeps that order.
"""

from __future__ import annotations

import os
from pathlib import Path

from ...targets_wicdistill import Target
from ..pairs import PairSet, Unlocatable, WordPair
from .markup import MarkupError, strip_markup
from .text_files import read_lines

LABELS = {"T": 1.0, "F": 0.0}
HEADER = ["context1", "context2", "label"]


def _target(marked: str) -> Target | str:
    try:
        text, spans = strip_markup(marked, "word")
    except MarkupError as err:
        return str(err)
    if len(spans) != 1:
        return f"expected one <word> tag, found {len(spans)} in {marked[:60]!r}"
    return Target(text, (spans[0],))


def load_am2ico(path: str | os.PathLike) -> PairSet:
    """Pairs of one AM2iCo split (``first`` = target-language context, ``second`` = English)."""
    lines = read_lines(path)
    if not lines or lines[0].split("\t") != HEADER:
        raise ValueError(f"{path}: expected the header {'<TAB>'.join(HEADER)!r}, got {lines[:1]!r}")
    result = PairSet(source=str(path), n_total=len(lines) - 1)
    for number, line in enumerate(lines[1:], start=2):
        pair_id = f"{Path(path).parent.name}/{Path(path).name}:{number}"
        fields = line.split("\t")
        if len(fields) != 3 or fields[2].strip() not in LABELS:
            raise ValueError(
                f"{path} line {number}: expected context1, context2 and a T/F label, got {line[:80]!r}"
            )
        targets = []
        for side, marked in enumerate(fields[:2], start=1):
            target = _target(marked)
            if isinstance(target, str):
                result.unlocatable.append(Unlocatable(pair_id, side, target))
            else:
                targets.append(target)
        if len(targets) == 2:
            result.pairs.append(WordPair(pair_id, targets[0], targets[1], LABELS[fields[2].strip()]))
    return result.with_languages(Path(path).parent.name, "en")
