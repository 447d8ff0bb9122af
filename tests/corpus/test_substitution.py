"""Substitution edits exactly the target span and reports the new span."""

from __future__ import annotations

import random

import pytest

from wicdistill.corpus.substitution import match_case, starts_sentence, substitute
from wicdistill.corpus.words import segment_words


def test_only_the_given_occurrence_changes():
    text = "The bank near the bank of the banks"
    second = text.index("bank", 5)
    new, start, end = substitute(text, second, second + 4, "court")
    assert new == "The bank near the court of the banks"
    assert new[start:end] == "court"


def test_a_substring_of_another_word_is_refused():
    text = "The banks are open"
    with pytest.raises(ValueError, match="is not a whole word"):
        substitute(text, 4, 8, "court")
    with pytest.raises(ValueError, match="not inside the text"):
        substitute(text, 10, 40, "court")
    with pytest.raises(ValueError, match="non-empty word"):
        substitute(text, 4, 9, " court")


def test_case_follows_the_replaced_word():
    assert match_case("court", "Bank", sentence_start=True) == "Court"
    assert match_case("court", "BANK", sentence_start=False) == "COURT"
    assert match_case("court", "bank", sentence_start=False) == "court"
    assert match_case("russische", "Rechenschaft", sentence_start=False) == "russische"
    assert match_case("Deckung", "Arbeit", sentence_start=False) == "Deckung"
    assert match_case("法院", "银行", sentence_start=True) == "法院"
    text = 'He left. "Banks closed," she said (Banks too).'
    assert starts_sentence(text, 0) and starts_sentence(text, text.index("Banks"))
    assert not starts_sentence(text, text.index("she")) and not starts_sentence(text, text.rindex("Banks"))
    new, start, end = substitute("我喜欢银行。", 3, 5, "法院")
    assert (new, new[start:end]) == ("我喜欢法院。", "法院")


def test_property_random_substitutions_keep_everything_else():
    rng = random.Random(0)
    vocabulary = "bank river banks embankment money the a of on at flow bank's".split()
    for _ in range(500):
        text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 12))) + rng.choice(
            [".", "!", ""]
        )
        words = segment_words(text)
        word = rng.choice(words)
        replacement = rng.choice(["court", "Ufer", "été", "x"])
        new, start, end = substitute(text, word.start, word.end, replacement)
        assert new[start:end] == replacement
        assert new[:start] == text[: word.start] and new[end:] == text[word.end :]
        assert len(segment_words(new)) == len(words)
