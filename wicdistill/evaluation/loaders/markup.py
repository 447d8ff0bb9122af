"""Inline target markup (``<word>…</word>``, ``<strong>…</strong>``) -> clean text + character spans.

Whitespace is normalised (runs -> one space, ends stripped) and offsets are computed on the
normalised text. At a tag boundary a single space is kept only where the source had whitespace
there, and dropped next to characters of scripts written without spaces (Chinese, Japanese, Thai
...): AM2iCo pads every tag with spaces, even inside unsegmented Chinese text.
"""

from __future__ import annotations

import re

_WHITESPACE = re.compile(r"\s+")

_NO_SPACE_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x3000, 0x30FF),  # CJK punctuation, Hiragana, Katakana
    (0x31F0, 0x31FF),  # Katakana extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF00, 0xFFEF),  # fullwidth forms
    (0x20000, 0x2FA1F),  # CJK extensions B+
)


def written_without_spaces(char: str) -> bool:
    """True for characters of scripts that do not separate words with spaces."""
    code = ord(char)
    return any(low <= code <= high for low, high in _NO_SPACE_RANGES)


class MarkupError(ValueError):
    """The markup is not a sequence of well-formed, non-nested, non-empty tags."""


def strip_markup(marked: str, tag: str) -> tuple[str, list[tuple[int, int]]]:
    """Remove every ``<tag>…</tag>`` from ``marked``; return the text and the tagged spans in order."""
    opening, closing = f"<{tag}>", f"</{tag}>"
    pieces: list[tuple[str, bool]] = []
    rest = marked
    while True:
        at = rest.find(opening)
        if at < 0:
            if closing in rest:
                raise MarkupError(f"{closing} without {opening} in {marked[:80]!r}")
            pieces.append((rest, False))
            break
        close_at = rest.find(closing, at + len(opening))
        if close_at < 0:
            raise MarkupError(f"{opening} without {closing} in {marked[:80]!r}")
        inner = rest[at + len(opening) : close_at]
        if opening in inner or closing in rest[:at]:
            raise MarkupError(f"nested or stray {tag} tags in {marked[:80]!r}")
        if not inner.strip():
            raise MarkupError(f"empty {opening}{closing} in {marked[:80]!r}")
        pieces.append((rest[:at], False))
        pieces.append((inner, True))
        rest = rest[close_at + len(closing) :]
    return _join(pieces)


def _join(pieces: list[tuple[str, bool]]) -> tuple[str, list[tuple[int, int]]]:
    text = ""
    spans: list[tuple[int, int]] = []
    for index, (raw, is_target) in enumerate(pieces):
        piece = _WHITESPACE.sub(" ", raw)
        if index == 0:
            text = piece.lstrip(" ")
            continue
        # every boundary between consecutive pieces is a tag boundary
        had_space = text.endswith(" ") or piece.startswith(" ")
        text = text.rstrip(" ")
        piece = piece.strip(" ") if is_target else piece.lstrip(" ")
        if (
            text
            and piece
            and had_space
            and not (written_without_spaces(text[-1]) or written_without_spaces(piece[0]))
        ):
            text += " "
        if is_target:
            spans.append((len(text), len(text) + len(piece)))
        text += piece
    stripped = text.rstrip(" ")
    return stripped, spans
