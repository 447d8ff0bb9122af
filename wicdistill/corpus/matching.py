"""Surface and stem matches between a target and the words of its paraphrase.

The cheap first step of monolingual alignment: a word that occurs exactly once in the
paraphrase with the same spelling (or the same crude stem) is the counterpart.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from .words import Word

_SUFFIXES = ("ational", "ations", "ation", "ingly", "ings", "ing", "edly", "ness", "ment", "ies", "ied", "ers", "er", "est", "ed", "es", "ly", "s")  # fmt: skip


@lru_cache(maxsize=1 << 18)
def crude_stem(key: str) -> str:
    """Strip one common English suffix (enough to match ``rallied``/``rally``, ``banks``/``bank``).

    Remembered: alignment and negative search test the same few thousand words for every target."""
    for suffix in _SUFFIXES:
        if key.endswith(suffix) and len(key) - len(suffix) >= 3:
            stem = key[: -len(suffix)]
            if suffix in ("ies", "ied"):
                stem += "y"
            return stem.rstrip("e")
    return key.rstrip("e")


def same_stem(a: str, b: str) -> bool:
    """Whether two case-folded words share a crude stem (``rallied``/``rally``, ``banks``/``bank``)."""
    stem_a, stem_b = crude_stem(a), crude_stem(b)
    return stem_a == stem_b or stem_a == b or stem_b == a


def unique_match(key: str, words: Sequence[Word], stemmed: bool) -> int | None:
    """Index of the only word equal to ``key`` (or with the same stem); ``None`` when 0 or 2+."""
    if stemmed:
        hits = [i for i, word in enumerate(words) if same_stem(word.key, key)]
    else:
        hits = [i for i, word in enumerate(words) if word.key == key]
    return hits[0] if len(hits) == 1 else None


def relation(anchor_word: str, positive_word: str) -> str:
    """``same_surface`` / ``same_stem`` / ``different_word`` (how hard a positive is)."""
    a, p = anchor_word.casefold(), positive_word.casefold()
    if a == p:
        return "same_surface"
    if same_stem(a, p):
        return "same_stem"
    return "different_word"


def word_overlap(left: Sequence[Word], right: Sequence[Word]) -> float:
    """Jaccard overlap of the case-folded word sets of a pair (how near-duplicate it is)."""
    a, b = {w.key for w in left}, {w.key for w in right}
    return len(a & b) / len(a | b) if a | b else 1.0
