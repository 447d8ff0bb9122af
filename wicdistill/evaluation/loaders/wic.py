"""WiC (Pilehvar & Camacho-Collados 2019): tab-separated instances with token indices ``i1-i2``.

Sentences are pre-tokenised (``I 've seen it .``); they are encoded as given and token ``i`` is
the ``i``-th whitespace token, so contractions such as ``'ve`` count as tokens of their own.
Labels sit in a separate ``*.gold.txt`` file (``T``/``F``), aligned by line.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..pairs import PairSet
from .text_files import read_lines
from .tokens import add_token_pair

LABELS = {"T": 1.0, "F": 0.0}


def default_gold_path(data_path: str | os.PathLike) -> Path:
    """``dev.data.txt`` -> ``dev.gold.txt``."""
    path = Path(data_path)
    if not path.name.endswith(".data.txt"):
        raise ValueError(f"cannot derive the gold file of {path}: expected a name ending in .data.txt")
    return path.with_name(path.name[: -len(".data.txt")] + ".gold.txt")


def load_wic(data_path: str | os.PathLike, gold_path: str | os.PathLike | None = None) -> PairSet:
    """Pairs of a WiC split; instances whose index points past a sentence are listed as unlocatable."""
    gold_path = Path(gold_path) if gold_path else default_gold_path(data_path)
    lines = read_lines(data_path)
    labels = read_lines(gold_path)
    if len(labels) != len(lines):
        raise ValueError(
            f"{gold_path} has {len(labels)} labels for the {len(lines)} instances of {data_path}"
        )
    result = PairSet(source=str(data_path), n_total=len(lines))
    for number, (line, label) in enumerate(zip(lines, labels)):
        pair_id = f"{Path(data_path).name}:{number + 1}"
        fields = line.split("\t")
        if len(fields) != 5:
            raise ValueError(
                f"{data_path} line {number + 1}: expected 5 tab-separated fields, got {len(fields)}"
            )
        if label.strip() not in LABELS:
            raise ValueError(f"{gold_path} line {number + 1}: expected T or F, got {label!r}")
        _, _, indices, first, second = fields
        try:
            index1, index2 = (int(part) for part in indices.split("-"))
        except ValueError:
            raise ValueError(
                f"{data_path} line {number + 1}: expected token indices like '2-5', got {indices!r}"
            ) from None
        add_token_pair(result, pair_id, ((first, index1), (second, index2)), LABELS[label.strip()])
    return result.with_languages("en", "en")
