"""A chunk's plan: its pairs (round-trip ones completed) and, per anchor side, the words that may
become targets — everything about a chunk that does not depend on the chunks before it.

Plans are written once (atomically) by the process that owns the chunk; every process then
replays the per-word cap over all plans in input order (cheap: no text is segmented again), so
each knows exactly which targets its own chunks get without waiting for any other chunk's records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..io_utils import atomic_write_text
from .pairs import SentencePair


@dataclass(frozen=True)
class AnchorSide:
    """One side of pair ``pair`` (``"l"``/``"r"``) that may host anchors: its eligible words."""

    pair: int
    side: str
    eligible: list[int]
    keys: list[str]


@dataclass
class ChunkPlan:
    pairs: list[SentencePair]
    sides: list[AnchorSide]
    stats: dict[str, Any]

    def to_json(self) -> str:
        pairs = [[p.pair_id, p.source, p.left, p.right, p.left_lang, p.right_lang] for p in self.pairs]
        sides = [[s.pair, s.side, s.eligible, s.keys] for s in self.sides]
        return json.dumps({"pairs": pairs, "sides": sides, "stats": self.stats}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ChunkPlan:
        data = json.loads(text)
        return cls(
            [SentencePair(*p) for p in data["pairs"]],
            [AnchorSide(*s) for s in data["sides"]],
            data["stats"],
        )


def plan_path(work: Path, chunk: int) -> Path:
    return work / f"plan-{chunk:07d}.json"


def write_plan(work: Path, chunk: int, plan: ChunkPlan) -> None:
    atomic_write_text(plan_path(work, chunk), plan.to_json())


def read_plan(work: Path, chunk: int) -> ChunkPlan:
    return ChunkPlan.from_json(plan_path(work, chunk).read_text(encoding="utf-8"))
