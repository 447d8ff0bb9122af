"""Layer stacks of evaluation targets kept on disk between evaluations of one encoder.

The encoder is frozen, so every model trained on it sees the same layer stacks of a benchmark's
targets; only the distillers differ. With a store, an ablation sweep encodes each benchmark
once and then runs only the small distillers per model. The store is keyed by the encoder's
identity (architecture, a hash of its weights, the selected layers), so a store can never hand
one encoder's stacks to another.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from ..features.identity import encoder_identity

__all__ = ["StackStore"]

Key = tuple[str, tuple[tuple[int, int], ...]]


class StackStore:
    """A file of float32 layer stacks keyed by (text, spans) for one encoder and layer set."""

    def __init__(self, folder: str | os.PathLike, model: Any):
        identity = encoder_identity(model)
        tag = json.dumps({k: identity[k] for k in ("config_hash", "weights_hash", "layers")}, sort_keys=True)
        self.path = Path(folder).expanduser() / f"stacks-{hashlib.sha256(tag.encode()).hexdigest()[:16]}.pt"
        self._rows: dict[Key, int] = {}
        self._stacks = torch.empty(0)
        if self.path.exists():
            saved = torch.load(self.path, weights_only=True)
            keys = [(text, tuple(tuple(s) for s in spans)) for text, spans in json.loads(saved["keys"])]
            self._rows = {key: i for i, key in enumerate(keys)}
            self._stacks = saved["stacks"]

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, key: Key) -> bool:
        return key in self._rows

    def get(self, keys: Sequence[Key]) -> torch.Tensor:
        return self._stacks[[self._rows[k] for k in keys]]

    def add(self, keys: Sequence[Key], stacks: torch.Tensor) -> None:
        """Append new stacks and rewrite the file atomically."""
        new = [(k, i) for i, k in enumerate(keys) if k not in self._rows]
        if not new:
            return
        start = len(self._rows)
        added = stacks[[i for _, i in new]].to(torch.float32)
        self._stacks = added if start == 0 else torch.cat([self._stacks, added])
        for offset, (key, _) in enumerate(new):
            self._rows[key] = start + offset
        ordered = sorted(self._rows, key=self._rows.get)
        payload = {
            "keys": json.dumps([[t, [list(s) for s in spans]] for t, spans in ordered]),
            "stacks": self._stacks,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
        os.close(fd)
        try:
            torch.save(payload, tmp)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
