"""How runs of unspaced script (Chinese, Japanese, Thai) are cut into words.

``pieces`` cuts at the encoder tokenizer's own SentencePiece/WordPiece boundaries: no extra
dependency, and words agree with sub-word tokens, but pieces are often single characters or
fragments of a word. ``jieba`` cuts Han runs with the jieba dictionary segmenter (install
``wicdistill[zh]``), so Chinese targets are dictionary words, the granularity of word-in-context
benchmarks (two in three AM2iCo zh targets are one jieba word, one in three one e5 piece);
other unspaced runs keep the tokenizer's pieces.
"""

from __future__ import annotations

import logging

import regex

from .words import UnspacedSplitter

UNSPACED_SEGMENTERS = ("pieces", "jieba")
HAN_RUN = regex.compile(r"^\p{Han}+$")


def han_dictionary_splitter(fallback: UnspacedSplitter) -> UnspacedSplitter:
    """jieba words for all-Han runs, ``fallback`` for the rest (kana, Thai, mixed runs)."""
    try:
        import jieba
    except ImportError as error:
        raise ImportError(
            "unspaced_words='jieba' needs the jieba package: pip install 'wicdistill[zh]' (or jieba)"
        ) from error
    segmenter = jieba.Tokenizer()
    jieba.setLogLevel(logging.WARNING)
    segmenter.initialize()

    def split(run: str) -> list[tuple[int, int]]:
        if not HAN_RUN.match(run):
            return fallback(run)
        return [(start, end) for _, start, end in segmenter.tokenize(run)]

    return split


def make_splitter(name: str, pieces: UnspacedSplitter) -> UnspacedSplitter:
    """The splitter called ``name`` (one of UNSPACED_SEGMENTERS); ``pieces`` is the tokenizer's."""
    if name == "pieces":
        return pieces
    if name == "jieba":
        return han_dictionary_splitter(pieces)
    raise ValueError(f"unspaced_words must be one of {UNSPACED_SEGMENTERS}, got {name!r}")
