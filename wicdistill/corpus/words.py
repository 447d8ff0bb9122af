"""Word segmentation with character offsets, for any script.

Words are runs of letters, combining marks and digits (internal apostrophes and hyphens kept),
so Arabic diacritics or Devanagari vowel signs stay inside their word. Han, kana and Thai runs
have no spaces: they are cut by a caller-given splitter (e.g. the encoder's own SentencePiece
pieces) or, by default, into single characters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import regex

WORD_PATTERN = regex.compile(r"[\p{L}\p{M}\p{N}]+(?:['’\-][\p{L}\p{M}\p{N}]+)*")
UNSPACED_PATTERN = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}ー]+")
ALPHABETIC_PATTERN = regex.compile(r"^[\p{L}\p{M}]+$")

UnspacedSplitter = Callable[[str], list[tuple[int, int]]]


@dataclass(frozen=True)
class Word:
    """A word of a sentence: ``text[start:end]``."""

    start: int
    end: int
    text: str

    @property
    def key(self) -> str:
        """Case-folded form used for counting and comparing words."""
        return self.text.casefold()


def split_characters(run: str) -> list[tuple[int, int]]:
    """Default splitter for unspaced scripts: one word per character."""
    return [(i, i + 1) for i in range(len(run))]


def segment_words(text: str, unspaced_splitter: UnspacedSplitter | None = None) -> list[Word]:
    """All words of ``text`` in order; unspaced-script runs are cut by ``unspaced_splitter``."""
    splitter = unspaced_splitter or split_characters
    words: list[Word] = []
    for match in WORD_PATTERN.finditer(text):
        start, end = match.span()
        token = match.group()
        if not UNSPACED_PATTERN.search(token):
            words.append(Word(start, end, token))
            continue
        cursor = 0
        for run in UNSPACED_PATTERN.finditer(token):
            if run.start() > cursor:
                words.append(Word(start + cursor, start + run.start(), token[cursor : run.start()]))
            for piece_start, piece_end in splitter(run.group()):
                s, e = start + run.start() + piece_start, start + run.start() + piece_end
                words.append(Word(s, e, text[s:e]))
            cursor = run.end()
        if cursor < len(token):
            words.append(Word(start + cursor, end, token[cursor:]))
    return words


def is_alphabetic(word: str) -> bool:
    """Letters (and combining marks) only: no digits, hyphens or apostrophes."""
    return bool(ALPHABETIC_PATTERN.match(word))


def _touches(inner: str, outer: str) -> bool:
    """Whether ``outer`` continues the word that ends (or starts) with ``inner``.

    Next to an unspaced-script character the segmentation itself defines the boundaries.
    """
    if not WORD_PATTERN.match(outer):
        return False
    return not (UNSPACED_PATTERN.match(inner) or UNSPACED_PATTERN.match(outer))


def is_word_boundary(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` is a whole word: no word character continues it on either side."""
    if not 0 <= start < end <= len(text):
        return False
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (_touches(text[start], before) or _touches(text[end - 1], after))
