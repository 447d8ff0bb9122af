"""STS from word vectors: each sentence's words are targets; two sentence scores per row.

- ``mean_pool``: cosine of the means of the two sentences' word vectors;
- ``greedy_f1``: BERTScore-style greedy matching F1 over the word vectors (no idf weights).
Words are regex word tokens (``\\w+``) with their character spans; every distinct sentence is
encoded once with all its words.
"""

from __future__ import annotations

import re

import numpy as np

from ...targets_wicdistill import Target
from ..context import EvalContext
from ..metrics import greedy_match_f1, row_cosines, spearman
from ..pairs import SentencePairSet, Unlocatable
from ..vectors import ROWS

_WORD = re.compile(r"\w+")
PRIMARY = "greedy_f1"


def word_spans(sentence: str) -> list[tuple[int, int]]:
    """Character spans of the regex word tokens of a sentence."""
    return [match.span() for match in _WORD.finditer(sentence)]


def sentence_rows(
    context: EvalContext, pair_set: SentencePairSet
) -> tuple[dict[str, dict], int, list[Unlocatable]]:
    """Rows of Spearman x 100 (score = greedy F1; mean_pool and greedy_f1 both given), the number
    of scored pairs, and the words/sentences that could not be used."""
    sentences = list(dict.fromkeys(s for pair in pair_set.pairs for s in (pair.first, pair.second)))
    spans = {s: word_spans(s) for s in sentences}
    targets = [Target(s, (span,)) for s in sentences for span in spans[s]]
    encoded = context.encode(targets, keep=False)
    words: dict[str, dict[str, np.ndarray]] = {}
    dropped: dict[str, list[tuple[str, str]]] = {}
    start = 0
    for sentence in sentences:
        stop = start + len(spans[sentence])
        good = [i for i in range(start, stop) if i not in encoded.failures]
        dropped[sentence] = [
            (sentence[slice(*targets[i].spans[0])], encoded.failures[i])
            for i in range(start, stop)
            if i in encoded.failures
        ]
        words[sentence] = {row: encoded.vectors[row][good] for row in ROWS}
        start = stop
    unlocatable: list[Unlocatable] = []
    kept = []
    for pair in pair_set.pairs:
        empty = False
        for side, sentence in ((1, pair.first), (2, pair.second)):
            for word, reason in dropped[sentence]:
                unlocatable.append(Unlocatable(pair.id, side, f"word {word!r}: {reason}"))
            if len(words[sentence]["baseline"]) == 0:
                unlocatable.append(Unlocatable(pair.id, side, f"no word left in {sentence[:60]!r}"))
                empty = True
        if not empty:
            kept.append(pair)
    if len(kept) < 2:
        raise ValueError(f"need at least 2 scorable sentence pairs, got {len(kept)}")
    gold = np.asarray([pair.gold for pair in kept])
    rows = {}
    for row in ROWS:
        first = np.stack([words[p.first][row].mean(axis=0) for p in kept])
        second = np.stack([words[p.second][row].mean(axis=0) for p in kept])
        mean_pool = row_cosines(first, second)
        greedy = np.asarray([greedy_match_f1(words[p.first][row], words[p.second][row]) for p in kept])
        scores = {"mean_pool": 100 * spearman(mean_pool, gold), "greedy_f1": 100 * spearman(greedy, gold)}
        rows[row] = {"score": scores[PRIMARY], **scores}
    return rows, len(kept), unlocatable
