"""SCWS (Huang et al. 2012) and USim in the preprocessed two-lines-per-pair format.

Each line is ``sentence<TAB>target_token_index<TAB>rating``; lines ``2i`` and ``2i+1`` form pair
``i`` and carry the same rating. The two targets are usually different words.

``load_scws_shared_context`` derives a probe of graded similarity between different words in one
shared context: each SCWS pair is scored twice, once in each of its sentences, as that sentence's
word against the other word put in its place. The rating stays the pair's; the context no longer
differs, so only what a vector keeps of the word itself can rank the pairs.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from ...targets_wicdistill import Target
from ..pairs import PairSet, WordPair
from .text_files import read_lines
from .tokens import add_token_pair


def _fields(path, number: int, line: str) -> tuple[str, int, float]:
    fields = line.split("\t")
    try:
        if len(fields) != 3:
            raise ValueError
        return fields[0], int(fields[1]), float(fields[2])
    except ValueError:
        raise ValueError(
            f"{path} line {number}: expected sentence<TAB>token index<TAB>rating, got {line[:80]!r}"
        ) from None


def load_paired_lines(path: str | os.PathLike) -> PairSet:
    """Graded pairs of an SCWS/USim-format file (gold = the rating)."""
    lines = read_lines(path)
    if len(lines) % 2:
        raise ValueError(f"{path}: {len(lines)} lines, but pairs need an even number of lines")
    result = PairSet(source=str(path), n_total=len(lines) // 2)
    for pair_index in range(len(lines) // 2):
        pair_id = f"{Path(path).name}:{pair_index}"
        rows = [_fields(path, 2 * pair_index + k + 1, lines[2 * pair_index + k]) for k in (0, 1)]
        if rows[0][2] != rows[1][2]:
            raise ValueError(
                f"{path} lines {2 * pair_index + 1}-{2 * pair_index + 2}: the two lines of a pair have "
                f"different ratings {rows[0][2]} and {rows[1][2]}"
            )
        add_token_pair(result, pair_id, [(text, index) for text, index, _ in rows], rows[0][2])
    return result.with_languages("en", "en")


def _put_in_place(host: Target, guest: Target) -> Target:
    """``host``'s sentence with its word replaced by ``guest``'s word."""
    (start, end), (g_start, g_end) = host.spans[0], guest.spans[0]
    word = guest.text[g_start:g_end]
    return Target(host.text[:start] + word + host.text[end:], ((start, start + len(word)),), host.lang)


def load_scws_shared_context(path: str | os.PathLike) -> PairSet:
    """Every SCWS pair in each of its two sentences: that sentence's word against the other word in
    its place (gold = the pair's rating); pairs whose two words are the same form are left out."""
    pairs = load_paired_lines(path)
    shared = []
    for pair in pairs.pairs:
        first, second = pair.first, pair.second
        if first.text[slice(*first.spans[0])].lower() == second.text[slice(*second.spans[0])].lower():
            continue
        for host, guest, side in ((first, second, 1), (second, first, 2)):
            shared.append(WordPair(f"{pair.id}:in{side}", host, _put_in_place(host, guest), pair.gold))
    return replace(pairs, pairs=shared, n_total=2 * pairs.n_total)


load_scws = load_paired_lines
load_usim = load_paired_lines
