"""What a task needs to run: the model, its tokenizer, the data folders and the shared vector cache."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..targets_wicdistill import Target
from .data_roots import DataRoots
from .vectors import EncodedTargets, VectorCache

__all__ = ["EvalContext", "as_path"]


@dataclass
class EvalContext:
    model: Any
    tokenizer: Any
    roots: DataRoots
    heldout: Path | None = None
    batch_size: int = 64
    show_progress: bool = False
    cache: VectorCache = field(default_factory=VectorCache)

    def encode(self, targets: Sequence[Target], keep: bool = True) -> EncodedTargets:
        """All targets of a task in one batched pass (targets seen by an earlier task are reused)."""
        return self.cache.encode(
            self.model, self.tokenizer, targets, self.batch_size, self.show_progress, keep=keep
        )

    def require_heldout(self, task: str) -> Path:
        if self.heldout is None:
            raise ValueError(
                f"task {task!r} needs the held-back corpus file (JSONL corpus records): pass heldout=... "
                f"or --heldout PATH"
            )
        return self.heldout


def as_path(value: str | os.PathLike | None) -> Path | None:
    return Path(value) if value is not None else None
