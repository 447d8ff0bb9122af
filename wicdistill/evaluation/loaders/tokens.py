"""Whitespace-token indices -> character spans (WiC and SCWS/USim give targets as token numbers)."""

from __future__ import annotations

import re

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
