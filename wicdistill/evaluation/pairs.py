"""What every loader returns: located word pairs and the targets it could not locate.

A target is ``wicdistill.Target`` (text + character spans, end exclusive), the same object the
model's ``encode`` takes, so loaders and encoding share one notion of "where the word is".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..targets_wicdistill import Target, content_span

__all__ = [
    "ContextualPair",
    "ContextualPairSet",
    "PairSet",
    "SentencePair",
    "SentencePairSet",
    "Unlocatable",
    "WordPair",
    "checked_span",
]


@dataclass(frozen=True)
class WordPair:
    """Two targets and a gold value: 1.0/0.0 for same/different meaning, or a graded rating."""

    id: str
    first: Target
    second: Target
    gold: float


@dataclass(frozen=True)
class Unlocatable:
    """A target that could not be turned into a character span (its pair is left out)."""

    id: str
    side: int
    reason: str

    def as_dict(self) -> dict:
        return {"id": self.id, "side": self.side, "reason": self.reason}


@dataclass
class PairSet:
    """The located pairs of one file, the unlocatable targets, and how many pairs the file had."""

    source: str
    pairs: list[WordPair] = field(default_factory=list)
    unlocatable: list[Unlocatable] = field(default_factory=list)
    n_total: int = 0

    def with_languages(self, first: str | None, second: str | None) -> PairSet:
        """The same pairs with each side's language set (models that centre per language use it)."""
        pairs = [
            replace(p, first=replace(p.first, lang=first), second=replace(p.second, lang=second))
            for p in self.pairs
        ]
        return PairSet(self.source, pairs, self.unlocatable, self.n_total)


@dataclass(frozen=True)
class ContextualPair:
    """CoSimLex: one word pair rated in two contexts (``first`` rated ``sim1``, ``second`` ``sim2``)."""

    id: str
    first: WordPair
    second: WordPair


@dataclass
class ContextualPairSet:
    source: str
    items: list[ContextualPair] = field(default_factory=list)
    unlocatable: list[Unlocatable] = field(default_factory=list)
    n_total: int = 0


@dataclass(frozen=True)
class SentencePair:
    """An STS pair: two raw sentences, a gold score, the sub-set it comes from, the sides' languages."""

    id: str
    first: str
    second: str
    gold: float
    subset: str = ""
    languages: tuple[str, str] = ("en", "en")


@dataclass
class SentencePairSet:
    """Scored sentence pairs; ``n_unscored`` counts input lines without gold (left out by design)."""

    source: str
    pairs: list[SentencePair] = field(default_factory=list)
    n_unscored: int = 0
    notes: list[str] = field(default_factory=list)


def checked_span(text: str, start: int, end: int) -> tuple[int, int] | str:
    """``(start, end)`` trimmed of surrounding whitespace, or the reason it is not a usable span."""
    if not 0 <= start < end <= len(text):
        return f"span ({start}, {end}) outside the text of length {len(text)}"
    start, end = content_span(text, start, end)
    if start == end:
        return f"span covers only whitespace in {text[:60]!r}"
    return start, end
