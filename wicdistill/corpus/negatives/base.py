"""The negative-strategy interface and what all strategies share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ..matching import same_stem


@dataclass(frozen=True)
class NegativeRequest:
    """Replace ``text[start:end]`` (a word of language ``lang``); ``seed`` makes the choice repeatable."""

    text: str
    start: int
    end: int
    lang: str
    seed: int

    @property
    def word(self) -> str:
        return self.text[self.start : self.end]


@dataclass(frozen=True)
class NegativeChoice:
    word: str
    score: float | None


class NegativeStrategy(Protocol):
    name: str

    def choose(self, requests: Sequence[NegativeRequest]) -> list[NegativeChoice | str]:
        """One choice per request, or a string naming why none was found."""
        ...


def is_related(candidate: str, target: str) -> bool:
    """Same word in another form (case, inflection, prefix of the other): not a negative."""
    a, b = candidate.casefold(), target.casefold()
    if a == b or same_stem(a, b):
        return True
    shorter, longer = sorted((a, b), key=len)
    return len(shorter) >= 4 and longer.startswith(shorter)
