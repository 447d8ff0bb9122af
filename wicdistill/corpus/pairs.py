"""What the readers yield: sentence pairs, or the lines they had to reject and why."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SentencePair:
    """Two sentences with the same meaning (a paraphrase pair or a translation pair).

    ``right`` is ``None`` for a round-trip source until the translator fills it in.
    """

    pair_id: str
    source: str
    left: str
    right: str | None
    left_lang: str
    right_lang: str

    @property
    def crosslingual(self) -> bool:
        return self.left_lang != self.right_lang


@dataclass(frozen=True)
class RejectedLine:
    """An input line that could not become a pair: counted in the stats, never silently lost."""

    source: str
    location: str
    reason: str


ReadItem = SentencePair | RejectedLine
