"""SimAlign-style word alignment from an encoder's own contextual sub-word vectors.

Sub-word pairs are aligned by mutual argmax of their cosine matrix (optionally ``itermax``:
more rounds on the still-unaligned rows and columns), then lifted to words. A word pair's
confidence is ``sqrt(P(right | left) * P(left | right))`` with both distributions a softmax of
the word-level cosines over the sentence: unlike a raw cosine, it is comparable across
encoders whose similarities are all high (e5) or spread out (MiniLM).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .encoding import SentenceVectors

METHODS = ("mutual_argmax", "itermax")


@dataclass(frozen=True)
class AlignmentConfig:
    method: str = "mutual_argmax"
    iterations: int = 2
    discount: float = 0.9
    temperature: float = 0.05
    max_span_words: int = 3

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"alignment method must be one of {METHODS}, got {self.method!r}")
        if self.temperature <= 0:
            raise ValueError(f"alignment temperature must be > 0, got {self.temperature}")


@dataclass(frozen=True)
class WordLink:
    """The counterpart of one left word: contiguous right words ``first..last`` and a confidence."""

    first: int
    last: int
    score: float


def mutual_argmax(similarity: np.ndarray) -> np.ndarray:
    """Bool matrix: (i, j) where j is i's best column and i is j's best row."""
    aligned = np.zeros(similarity.shape, dtype=bool)
    if similarity.size == 0:
        return aligned
    best_col = similarity.argmax(axis=1)
    best_row = similarity.argmax(axis=0)
    rows = np.arange(similarity.shape[0])
    mutual = best_row[best_col] == rows
    aligned[rows[mutual], best_col[mutual]] = True
    return aligned


def itermax(similarity: np.ndarray, iterations: int, discount: float) -> np.ndarray:
    """Mutual argmax repeated: cells whose row and column are both aligned are closed, cells
    with one aligned side are discounted, so unaligned tokens can still find a partner."""
    aligned = mutual_argmax(similarity)
    for _ in range(iterations - 1):
        row_done = aligned.any(axis=1, keepdims=True)
        col_done = aligned.any(axis=0, keepdims=True)
        if row_done.all() or col_done.all():
            break
        scores = np.where(row_done ^ col_done, similarity * discount, similarity)
        scores = np.where(row_done & col_done, -np.inf, scores)
        added = mutual_argmax(scores) & ~(row_done & col_done)
        if not added.any():
            break
        aligned |= added
    return aligned


def _softmax(logits: np.ndarray, axis: int) -> np.ndarray:
    peak = np.max(logits, axis=axis, keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0.0)
    weights = np.exp(logits - peak)
    total = weights.sum(axis=axis, keepdims=True)
    return np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)


def word_confidence(left: SentenceVectors, right: SentenceVectors, temperature: float) -> np.ndarray:
    """``sqrt(P(j | i) * P(i | j))`` from softmaxes of the word-level cosines (words without tokens -> 0)."""
    logits = (left.word_vectors @ right.word_vectors.T) / temperature
    valid = left.word_has_tokens[:, None] & right.word_has_tokens[None, :]
    logits = np.where(valid, logits, -np.inf)
    return np.sqrt(_softmax(logits, axis=1) * _softmax(logits, axis=0))


def align_sentences(
    left: SentenceVectors, right: SentenceVectors, config: AlignmentConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Word alignment matrix (bool, left words x right words) and the word confidence matrix."""
    similarity = left.token_vectors @ right.token_vectors.T
    if config.method == "itermax":
        tokens = itermax(similarity, config.iterations, config.discount)
    else:
        tokens = mutual_argmax(similarity)
    words = np.zeros((len(left.word_vectors), len(right.word_vectors)), dtype=bool)
    rows, cols = np.nonzero(tokens)
    words[left.token_word[rows], right.token_word[cols]] = True
    return words, word_confidence(left, right, config.temperature)


def link_for_word(
    aligned: np.ndarray, confidence: np.ndarray, word: int, max_span_words: int
) -> WordLink | None:
    """The counterpart of left word ``word``: its most confident aligned right word, widened to
    aligned neighbours on either side (multi-word translations), at most ``max_span_words``."""
    columns = np.nonzero(aligned[word])[0].tolist()
    if not columns:
        return None
    best = max(columns, key=lambda j: float(confidence[word, j]))
    chosen = set(columns)
    first = last = best
    while last - first + 1 < max_span_words and (first - 1 in chosen or last + 1 in chosen):
        if first - 1 in chosen:
            first -= 1
        else:
            last += 1
    return WordLink(first, last, float(confidence[word, best]))
