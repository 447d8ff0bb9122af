"""Whitespace-token indices -> character spans (WiC and SCWS/USim give targets as token numbers)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ...targets_wicdistill import Target
from ..pairs import PairSet, Unlocatable, WordPair

_TOKEN = re.compile(r"\S+")


def token_spans(text: str) -> list[tuple[int, int]]:
    """Character span of every whitespace-separated token (any Unicode whitespace separates)."""
    return [match.span() for match in _TOKEN.finditer(text)]


def token_span(text: str, index: int) -> tuple[int, int] | str:
    """Span of token ``index`` (0-based), or the reason there is none."""
    spans = token_spans(text)
    if not 0 <= index < len(spans):
        return f"token index {index} out of range: the sentence has {len(spans)} tokens"
    return spans[index]


def add_token_pair(result: PairSet, pair_id: str, sides: Sequence[tuple[str, int]], gold: float) -> None:
    """Locate both ``(sentence, token index)`` sides; add the pair, or each unlocatable side."""
    targets = []
    for side, (text, index) in enumerate(sides, start=1):
        span = token_span(text, index)
        if isinstance(span, str):
            result.unlocatable.append(Unlocatable(pair_id, side, span))
        else:
            targets.append(Target(text, (span,)))
    if len(targets) == 2:
        result.pairs.append(WordPair(pair_id, targets[0], targets[1], gold))
