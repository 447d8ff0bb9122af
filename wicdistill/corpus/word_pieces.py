"""Sub-word tokens of a whole sentence mapped to its words (by character offsets).

SentencePiece offsets of ``▁word`` tokens include the leading space and bare ``▁`` pieces point
at the space, so a token's offsets are first shrunk to their non-whitespace part; special
tokens and bare ``▁`` pieces belong to no word.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..targets_wicdistill import Span, blank_piece_ids, content_span
from .words import Word


def token_words(
    text: str,
    offsets: Sequence[Span],
    special: Sequence[int],
    ids: Sequence[int],
    blank_ids: set[int],
    words: Sequence[Word],
) -> list[int]:
    """For each token, the index of the word it overlaps (-1 for none); a token spanning two words
    goes to the first. Both sequences are in text order, so one forward sweep suffices."""
    result = []
    cursor = 0
    for position, (start, end) in enumerate(offsets):
        if special[position] or ids[position] in blank_ids:
            result.append(-1)
            continue
        start, end = content_span(text, start, end)
        if start >= end:
            result.append(-1)
            continue
        while cursor < len(words) and words[cursor].end <= start:
            cursor += 1
        if cursor < len(words) and words[cursor].start < end:
            result.append(cursor)
        else:
            result.append(-1)
    return result


def tokenizer_splitter(tokenizer) -> Callable[[str], list[Span]]:
    """Cut an unspaced-script run (Chinese, Japanese, Thai) at the tokenizer's own piece
    boundaries, so that words and sub-word tokens agree."""
    blank_ids = blank_piece_ids(tokenizer)

    def split(run: str) -> list[Span]:
        encoded = tokenizer(run, add_special_tokens=False, return_offsets_mapping=True)
        spans = []
        for token_id, (start, end) in zip(encoded["input_ids"], encoded["offset_mapping"]):
            start, end = content_span(run, start, end)
            if token_id in blank_ids or start >= end:
                continue
            if spans and start < spans[-1][1]:
                spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
            else:
                spans.append((start, end))
        covered = sum(e - s for s, e in spans)
        return spans if covered == len(run) and spans else [(i, i + 1) for i in range(len(run))]

    return split
