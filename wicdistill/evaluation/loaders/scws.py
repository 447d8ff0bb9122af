"""SCWS (Huang et al. 2012) and USim in the preprocessed two-lines-per-pair format.

Each line is ``sentence<TAB>target_token_index<TAB>rating``; lines ``2i`` and ``2i+1`` form pair
``i`` and carry the same rating. The two targets are usually different words.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..pairs import PairSet
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


load_scws = load_paired_lines
load_usim = load_paired_lines
