"""Replace exactly one word span with another word and report the new span.

Only the given span is edited: another occurrence of the same word, or the same letters inside
a longer word, is never touched; a span that is not a whole word is refused.
"""

from __future__ import annotations

from .words import is_word_boundary

SENTENCE_END = ".!?…。！？"


def starts_sentence(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens a sentence (only spaces, quotes or brackets after a full stop)."""
    before = text[:start].rstrip(" \t\"'“‘«([")
    return not before or before[-1] in SENTENCE_END


def match_case(replacement: str, original: str, sentence_start: bool) -> str:
    """Case the replacement like the word it replaces: ALL CAPS stays all caps, a capital that only
    marks a sentence start is copied; otherwise the replacement keeps its own usual spelling (so a
    German noun stays capitalised and a German adjective replacing a noun does not become one)."""
    if original.isupper() and len(original) > 1:
        return replacement.upper()
    if sentence_start and original[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def substitute(text: str, start: int, end: int, replacement: str) -> tuple[str, int, int]:
    """``text`` with ``text[start:end]`` replaced; returns ``(new_text, start, new_end)``."""
    if not 0 <= start < end <= len(text):
        raise ValueError(f"span ({start}, {end}) is not inside the text of length {len(text)}: {text[:60]!r}")
    if not is_word_boundary(text, start, end):
        raise ValueError(f"span ({start}, {end}) = {text[start:end]!r} is not a whole word in {text[:60]!r}")
    if not replacement or replacement != replacement.strip():
        raise ValueError(
            f"replacement must be a non-empty word without surrounding spaces, got {replacement!r}"
        )
    new_text = text[:start] + replacement + text[end:]
    return new_text, start, start + len(replacement)
