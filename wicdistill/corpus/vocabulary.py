"""Per-language word counts from the corpus itself: the frequency band for targets, and the
candidate pool (right language, right script, frequency-matched) for negatives."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

from .languages import in_script, min_chars_for
from .stopwords import stopwords_for
from .words import Word, is_alphabetic, segment_words


class Vocabulary:
    """Counts of the case-folded alphabetic words of one language, with their usual spelling."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.counts: Counter[str] = Counter()
        self._spellings: dict[str, Counter[str]] = {}
        self._ranks: dict[str, int] | None = None

    def add_words(self, words: Iterable[Word]) -> None:
        for word in words:
            if is_alphabetic(word.text):
                self.counts[word.key] += 1
                self._spellings.setdefault(word.key, Counter())[word.text] += 1
        self._ranks = None

    def merge(self, other: Vocabulary) -> None:
        """Add another process's counts: every ranking sorts by count then key, so the sum is the
        vocabulary of the whole input whatever order the parts come in."""
        self.counts.update(other.counts)
        for key, spellings in other._spellings.items():
            self._spellings.setdefault(key, Counter()).update(spellings)
        self._ranks = None

    def to_state(self) -> dict[str, dict]:
        return {"counts": dict(self.counts), "spellings": {k: dict(v) for k, v in self._spellings.items()}}

    @classmethod
    def from_state(cls, lang: str, state: dict[str, dict]) -> Vocabulary:
        vocab = cls(lang)
        vocab.counts = Counter(state["counts"])
        vocab._spellings = {k: Counter(v) for k, v in state["spellings"].items()}
        return vocab

    def add_text(self, text: str) -> None:
        self.add_words(segment_words(text))

    def __len__(self) -> int:
        return len(self.counts)

    def count(self, key: str) -> int:
        return self.counts.get(key, 0)

    def rank(self, key: str) -> int:
        """0 for the most frequent word; ``len(self)`` for unseen words."""
        if self._ranks is None:
            ordered = sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))
            self._ranks = {word: i for i, (word, _) in enumerate(ordered)}
        return self._ranks.get(key, len(self.counts))

    def usual_spelling(self, key: str) -> str:
        """The most frequent written form (``"paris"`` -> ``"Paris"``)."""
        spellings = self._spellings.get(key)
        if not spellings:
            return key
        return sorted(spellings.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]

    def is_top_frequent(self, key: str, fraction: float) -> bool:
        """Whether the word is among the ``fraction`` most frequent word types."""
        cutoff = math.ceil(fraction * len(self.counts)) if fraction > 0 else 0
        return self.rank(key) < cutoff

    def frequency_bucket(self, key: str) -> int:
        """``floor(log2(count + 1))``: words of one bucket have similar frequencies."""
        return int(math.log2(self.count(key) + 1))

    def candidate_words(self, min_count: int = 2, min_chars: int = 3, skip_top: int = 0) -> list[str]:
        """Keys usable as substitutes: alphabetic, in the language's script, not stop-words nor
        among the ``skip_top`` most frequent types (function words of languages without a
        stop-word list), usually written in lower case (skips names), seen ``min_count`` times."""
        stop = stopwords_for(self.lang)
        min_chars = min_chars_for(self.lang, min_chars)
        result = []
        for key, count in sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0])):
            if self.rank(key) < skip_top:
                continue
            if count < min_count or len(key) < min_chars or key in stop or not in_script(key, self.lang):
                continue
            spelling = self.usual_spelling(key)
            if spelling != spelling.lower():
                continue
            result.append(key)
        return result
