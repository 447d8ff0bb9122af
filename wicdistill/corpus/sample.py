"""A human-readable sample of records, with each triple's words marked ``[[like this]]``."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any


def mark(element: dict[str, Any]) -> str:
    text, start, end = element["text"], element["start"], element["end"]
    return f"{text[:start]}[[{text[start:end]}]]{text[end:]}"


def format_sample(records: Sequence[dict[str, Any]], size: int, seed: int) -> str:
    """``size`` records chosen at random (fixed by ``seed``), one block each."""
    chosen = sorted(random.Random(seed).sample(range(len(records)), min(size, len(records))))
    blocks = []
    for n, i in enumerate(chosen, start=1):
        r = records[i]
        negative_score = "none" if r["negative_score"] is None else f"{r['negative_score']:.3f}"
        blocks.append(
            f"#{n} {r['id']}  setting={r['setting']}  source={r['positive_source']}  "
            f"alignment={r['alignment']} ({r['alignment_score']:.3f})  "
            f"negative={r['negative_strategy']} ({negative_score})\n"
            f"  A [{r['anchor']['lang']}] {mark(r['anchor'])}\n"
            f"  P [{r['positive']['lang']}] {mark(r['positive'])}\n"
            f"  N [{r['negative']['lang']}] {mark(r['negative'])}\n"
        )
    header = f"{len(chosen)} of {len(records)} records, chosen with seed {seed}\n\n"
    return header + "\n".join(blocks)
