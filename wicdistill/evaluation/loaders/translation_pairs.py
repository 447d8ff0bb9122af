"""English–X translation pairs from a held-back training-corpus file (JSONL, docs/schemas.md).

Each record's ``anchor`` and ``positive`` are the same meaning in two sentences; where their
languages differ and one is English they form a translation pair, kept as (English, X).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ...targets_wicdistill import Target
from ..pairs import PairSet, Unlocatable, WordPair, checked_span


def _element(record: dict, key: str) -> tuple[str, str, int, int]:
    element = record.get(key)
    if not isinstance(element, dict) or any(k not in element for k in ("text", "start", "end", "lang")):
        raise ValueError(f"record {record.get('id')!r}: {key} must hold text, start, end and lang")
    return element["text"], element["lang"], int(element["start"]), int(element["end"])


def load_translation_pairs(path: str | os.PathLike) -> dict[str, PairSet]:
    """Translation pairs per non-English language (gold 1.0: they share a meaning)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"held-back corpus file not found: {path} (expected JSONL corpus records)")
    by_language: dict[str, PairSet] = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f"{path} line {number}: not a JSON record ({err.msg})") from None
            anchor = _element(record, "anchor")
            positive = _element(record, "positive")
            if anchor[1] == positive[1] or "en" not in (anchor[1], positive[1]):
                continue
            english, foreign = (anchor, positive) if anchor[1] == "en" else (positive, anchor)
            pairs = by_language.setdefault(foreign[1], PairSet(source=str(path)))
            pairs.n_total += 1
            pair_id = str(record.get("id", f"{path.name}:{number}"))
            targets = []
            for side, (text, lang, start, end) in enumerate((english, foreign), start=1):
                span = checked_span(text, start, end)
                if isinstance(span, str):
                    pairs.unlocatable.append(Unlocatable(pair_id, side, span))
                else:
                    targets.append(Target(text, (span,), lang))
            if len(targets) == 2:
                pairs.pairs.append(WordPair(pair_id, targets[0], targets[1], 1.0))
    return by_language
