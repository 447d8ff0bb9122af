"""Target selection: length filter, once-only alphabetic words, stop-words, frequency band, cap."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from wicdistill.corpus.targets import TargetRules, select_targets, sentence_length_reason
from wicdistill.corpus.vocabulary import Vocabulary
from wicdistill.corpus.words import segment_words

SENTENCE = "The banker said the river bank near Paris flooded twice in 2020, and the bank-notes got wet."


def _vocab() -> Vocabulary:
    vocab = Vocabulary("en")
    vocab.add_text(SENTENCE)
    vocab.add_text("Paris is big. Paris is old. The river is long, the river is cold, the banker is rich.")
    return vocab


def test_sentence_length_filter():
    rules = TargetRules(min_words=3, max_words=5)
    assert sentence_length_reason(segment_words("one two"), rules) == "shorter than 3 words"
    assert sentence_length_reason(segment_words("a b c d e f"), rules) == "longer than 5 words"
    assert sentence_length_reason(segment_words("a b c d"), rules) is None


def test_only_once_only_alphabetic_non_stop_words_are_targets():
    words = segment_words(SENTENCE)
    dropped = Counter()
    rules = TargetRules(min_words=1, max_per_sentence=20, skip_top_fraction=0.0)
    chosen = {words[i].text for i in select_targets(words, _vocab(), rules, {}, random.Random(0), dropped)}
    assert chosen == {"banker", "river", "bank", "flooded", "twice", "wet"}
    assert dropped["occurs more than once in the sentence"] == 3  # The/the/the
    assert dropped["not alphabetic"] == 2  # 2020, bank-notes
    assert dropped["usually capitalised (a name)"] == 1  # Paris
    assert dropped["stop-word"] >= 3  # said, near, and, in
    assert dropped["shorter than 3 characters"] == 0 or "got" not in chosen


def test_frequency_band_skips_the_most_frequent_types():
    vocab = _vocab()
    words = segment_words(SENTENCE)
    unbanded = TargetRules(min_words=1, max_per_sentence=20, skip_top_fraction=0.0)
    banded = TargetRules(min_words=1, max_per_sentence=20, skip_top_fraction=0.25)
    cutoff = -(-len(vocab) // 4)
    dropped = Counter()
    before = {words[i].key for i in select_targets(words, vocab, unbanded, {}, random.Random(0), Counter())}
    after = {words[i].key for i in select_targets(words, vocab, banded, {}, random.Random(0), dropped)}
    in_band = {key for key in before if vocab.rank(key) < cutoff}
    assert in_band == {"river", "banker"}
    assert after == before - in_band and dropped["in the most frequent band"] == len(in_band)


def test_cap_and_per_sentence_limit_and_determinism():
    words = segment_words(SENTENCE)
    rules = TargetRules(min_words=1, max_per_sentence=2, skip_top_fraction=0.0, max_per_word=3)
    used = {"banker": 3}
    dropped = Counter()
    first = select_targets(words, _vocab(), rules, used, random.Random(7), dropped)
    again = select_targets(words, _vocab(), rules, used, random.Random(7), Counter())
    assert first == again and len(first) == 2
    assert "banker" not in {words[i].text for i in first}
    assert dropped["cap of 3 records per word reached"] == 1
    assert dropped["beyond the per-sentence limit"] == 3
    others = {
        tuple(select_targets(words, _vocab(), rules, used, random.Random(s), Counter())) for s in range(20)
    }
    assert len(others) > 1


def test_bad_rules_are_refused():
    with pytest.raises(ValueError, match="min_words <= max_words"):
        TargetRules(min_words=10, max_words=5)
    with pytest.raises(ValueError, match="skip_top_fraction"):
        TargetRules(skip_top_fraction=1.5)
