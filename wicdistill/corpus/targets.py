"""Which sentences can host anchors, and which of their words become targets."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from .languages import min_chars_for
from .stopwords import stopwords_for
from .vocabulary import Vocabulary
from .words import Word, is_alphabetic


@dataclass(frozen=True)
class TargetRules:
    """The filters of design §2 (sentence length, alphabetic once-only words, frequency band)."""

    min_words: int = 15
    max_words: int = 50
    min_chars: int = 3
    skip_top_fraction: float = 0.0001
    min_count: int = 1
    max_per_word: int = 20
    max_per_sentence: int = 3
    skip_capitalised: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.min_words <= self.max_words:
            raise ValueError(f"need 0 < min_words <= max_words, got {self.min_words}..{self.max_words}")
        if not 0.0 <= self.skip_top_fraction < 1.0:
            raise ValueError(f"skip_top_fraction must be in [0, 1), got {self.skip_top_fraction}")
        if self.max_per_word < 1 or self.max_per_sentence < 1:
            raise ValueError(
                f"max_per_word and max_per_sentence must be >= 1, got {self.max_per_word}, {self.max_per_sentence}"
            )


def sentence_length_reason(words: list[Word], rules: TargetRules) -> str | None:
    """Why a sentence cannot host anchors (``None`` when it can)."""
    if len(words) < rules.min_words:
        return f"shorter than {rules.min_words} words"
    if len(words) > rules.max_words:
        return f"longer than {rules.max_words} words"
    return None


def word_rejection(word: Word, occurrences: int, vocab: Vocabulary, rules: TargetRules) -> str | None:
    """Why a word cannot be a target (``None`` when it can), cheapest checks first."""
    if not is_alphabetic(word.text):
        return "not alphabetic"
    if len(word.text) < min_chars_for(vocab.lang, rules.min_chars):
        return f"shorter than {rules.min_chars} characters"
    if occurrences > 1:
        return "occurs more than once in the sentence"
    usual = vocab.usual_spelling(word.key)
    if rules.skip_capitalised and usual != usual.lower():
        return "usually capitalised (a name)"
    if word.key in stopwords_for(vocab.lang):
        return "stop-word"
    if vocab.is_top_frequent(word.key, rules.skip_top_fraction):
        return "in the most frequent band"
    if vocab.count(word.key) < rules.min_count:
        return f"seen fewer than {rules.min_count} times"
    return None


def eligible_targets(words: list[Word], vocab: Vocabulary, rules: TargetRules, dropped: Counter) -> list[int]:
    """Indices of the words that may become targets whatever was chosen before (every rejected
    word adds its reason to ``dropped``): the part of the choice that needs no other sentence."""
    occurrences = Counter(word.key for word in words)
    eligible = []
    for index, word in enumerate(words):
        reason = word_rejection(word, occurrences[word.key], vocab, rules)
        if reason:
            dropped[reason] += 1
        else:
            eligible.append(index)
    return eligible


def capped_choice(
    eligible: list[int],
    keys: list[str],
    rules: TargetRules,
    used: Mapping[str, int],
    rng: random.Random,
    dropped: Counter,
) -> list[int]:
    """Up to ``max_per_sentence`` of ``eligible`` (word indices, ``keys`` their word keys), chosen
    at random among those whose word has fewer than ``max_per_word`` targets in ``used``."""
    kept = []
    for index, key in zip(eligible, keys):
        if used.get(key, 0) >= rules.max_per_word:
            dropped[f"cap of {rules.max_per_word} records per word reached"] += 1
        else:
            kept.append(index)
    if len(kept) > rules.max_per_sentence:
        dropped["beyond the per-sentence limit"] += len(kept) - rules.max_per_sentence
        kept = sorted(rng.sample(kept, rules.max_per_sentence))
    return kept


def select_targets(
    words: list[Word],
    vocab: Vocabulary,
    rules: TargetRules,
    used: Mapping[str, int],
    rng: random.Random,
    dropped: Counter,
) -> list[int]:
    """Indices of up to ``max_per_sentence`` target words, chosen at random among the eligible.

    ``used`` counts how many targets each word already has (the per-word cap); every rejected
    word adds its reason to ``dropped``.
    """
    eligible = eligible_targets(words, vocab, rules, dropped)
    return capped_choice(eligible, [words[i].key for i in eligible], rules, used, rng, dropped)
