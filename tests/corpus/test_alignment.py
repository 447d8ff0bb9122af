"""SimAlign-style alignment: mutual argmax, itermax, word confidence, early-exit encoder."""

from __future__ import annotations

import numpy as np
import torch
from fixtures.corpus.tiny_corpus import tiny_encoder, unigram_tokenizer, wordpiece_tokenizer

from wicdistill.corpus.alignment import (
    AlignmentConfig,
    align_sentences,
    itermax,
    link_for_word,
    mutual_argmax,
    word_confidence,
)
from wicdistill.corpus.encoding import ContextualEncoder, SentenceVectors, default_alignment_layer
from wicdistill.corpus.word_pieces import tokenizer_splitter
from wicdistill.corpus.words import segment_words


def test_mutual_argmax_keeps_only_mutual_best_pairs():
    sim = np.array([[0.9, 0.1, 0.0], [0.8, 0.2, 0.1], [0.0, 0.3, 0.7]])
    assert np.argwhere(mutual_argmax(sim)).tolist() == [[0, 0], [2, 2]]


def test_itermax_aligns_a_row_left_out_by_the_first_round():
    sim = np.array([[0.9, 0.1, 0.0], [0.8, 0.2, 0.1], [0.0, 0.3, 0.7]])
    # round two: rows 1 and 2 and column 1 are still open; row 1's best is the (discounted)
    # column 0, and column 1 is row 2's best once the closed cell (2, 2) is out
    assert np.argwhere(itermax(sim, iterations=2, discount=0.9)).tolist() == [[0, 0], [1, 0], [2, 1], [2, 2]]
    square = np.array([[0.9, 0.5], [0.8, 0.6]])
    assert np.argwhere(mutual_argmax(square)).tolist() == [[0, 0]]
    assert np.argwhere(itermax(square, iterations=2, discount=0.5)).tolist() == [[0, 0], [1, 1]]
    assert (itermax(sim, iterations=1, discount=0.9) == mutual_argmax(sim)).all()


def _vectors(word_vectors: np.ndarray) -> SentenceVectors:
    unit = word_vectors / np.linalg.norm(word_vectors, axis=1, keepdims=True)
    n = len(unit)
    return SentenceVectors(unit, np.arange(n), unit, np.ones(n, dtype=bool))


def test_confidence_is_high_for_a_clear_match_and_links_widen_to_neighbours():
    left = _vectors(np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]))
    right = _vectors(np.array([[0.0, 1.0, 0.1], [1.0, 0.05, 0.0], [0.95, 0.0, 0.1], [0.0, 0.0, 1.0]]))
    confidence = word_confidence(left, right, temperature=0.05)
    assert confidence.shape == (3, 4) and float(confidence.max()) <= 1.0 and float(confidence.min()) >= 0.0
    assert float(confidence[1, 0]) > 0.9 and float(confidence[0, 3]) < 0.01
    aligned = np.zeros((3, 4), dtype=bool)
    aligned[0, 1] = aligned[0, 2] = aligned[1, 0] = True
    link = link_for_word(aligned, confidence, 0, max_span_words=3)
    assert (link.first, link.last) == (1, 2) and abs(link.score - float(confidence[0, 1])) < 1e-6
    assert link_for_word(aligned, confidence, 0, max_span_words=1).first == 1
    assert link_for_word(aligned, confidence, 2, max_span_words=3) is None


def test_identical_sentences_align_word_to_word():
    tokenizer = wordpiece_tokenizer()
    encoder = ContextualEncoder(tiny_encoder(tokenizer), tokenizer, layer=2)
    text = "The central bank raised interest rates again to slow rising prices."
    words = segment_words(text)
    vectors = encoder.encode([text, text], [words, words])
    aligned, confidence = align_sentences(vectors[0], vectors[1], AlignmentConfig())
    assert aligned.diagonal().all() and aligned.sum() == len(words)
    assert (confidence.diagonal() >= confidence.max(axis=1) - 1e-6).all()


def test_early_exit_equals_the_full_forward_and_batching_does_not_matter():
    tokenizer = unigram_tokenizer()
    model = tiny_encoder(tokenizer)
    texts = [
        "The central bank raised rates.",
        "Le vieux pêcheur regardait l'eau.",
        "中央银行今年再次提高了利率。",
    ]
    words = [segment_words(t, tokenizer_splitter(tokenizer)) for t in texts]
    encoder = ContextualEncoder(model, tokenizer, layer=2, batch_size=2)
    assert default_alignment_layer(12) == 8 and default_alignment_layer(6) == 4
    batched = encoder.encode(texts, words)
    single = [
        ContextualEncoder(model, tokenizer, layer=2, batch_size=1).encode([t], [w])[0]
        for t, w in zip(texts, words)
    ]
    for text, got, alone in zip(texts, batched, single):
        enc = tokenizer(text, return_tensors="pt")
        with torch.inference_mode():
            full = model(**enc, output_hidden_states=True).hidden_states[2][0]
        assert np.allclose(got.token_vectors, alone.token_vectors, atol=1e-5)
        content = [
            i for i, t in enumerate(tokenizer.convert_ids_to_tokens(enc["input_ids"][0])) if t.strip("▁.。")
        ]
        content = [i for i in content if i not in (0, len(enc["input_ids"][0]) - 1)]
        expected = torch.nn.functional.normalize(full[content], dim=-1).numpy()
        assert np.allclose(got.token_vectors, expected, atol=1e-5)
        assert got.word_has_tokens.all()
