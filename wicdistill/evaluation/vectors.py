"""Baseline, meaning and context vectors of many targets from one batched ``encode`` call.

Before encoding, every sentence is tokenised to check that each target covers at least one
sub-word token (a span can be valid text yet vanish in tokenisation, e.g. a lone control
character); such targets are reported as unlocatable instead of failing the whole run. Vectors
can be kept in a cache shared by the tasks of one evaluation, so a split used by several tasks
(MCL-WiC dev for its own score, a transfer threshold and an offset) is encoded once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..targets_wicdistill import Target, encoder_max_length, tokenize_targets
from .stack_store import StackStore

__all__ = ["ROWS", "EncodedTargets", "VectorCache", "find_untokenizable", "rows_from_stacks"]

ROWS = ("baseline", "meaning", "context")
_ITEM_ERROR = re.compile(r"^item (\d+): (.*)$", re.S)
_CHECK_CHUNK = 256

Key = tuple[str, tuple[tuple[int, int], ...], str | None]


@dataclass
class EncodedTargets:
    """``vectors[row][i]`` for target ``i``; ``failures[i]`` says why target ``i`` has no vector."""

    vectors: dict[str, np.ndarray]
    failures: dict[int, str]

    @property
    def located(self) -> np.ndarray:
        mask = np.ones(len(next(iter(self.vectors.values()))), dtype=bool)
        mask[list(self.failures)] = False
        return mask


def _key(target: Target) -> Key:
    return target.text, target.spans, target.lang


def find_untokenizable(model: Any, tokenizer: Any, targets: Sequence[Target]) -> dict[int, str]:
    """Targets (by index) that no sub-word token covers, with the tokenizer's reason."""
    limit = encoder_max_length(model.encoder, tokenizer)
    failures: dict[int, str] = {}
    by_text: dict[str, list[int]] = {}
    for index, target in enumerate(targets):
        by_text.setdefault(target.text, []).append(index)
    texts = list(by_text)
    for start in range(0, len(texts), _CHECK_CHUNK):
        chunk = texts[start : start + _CHECK_CHUNK]
        while True:
            alive = [[i for i in by_text[t] if i not in failures] for t in chunk]
            kept = [(t, ids) for t, ids in zip(chunk, alive) if ids]
            if not kept:
                break
            try:
                tokenize_targets(
                    tokenizer,
                    [t for t, _ in kept],
                    [[list(targets[i].spans) for i in ids] for _, ids in kept],
                    limit,
                    "around_targets",
                    [ids for _, ids in kept],
                )
                break
            except ValueError as err:
                match = _ITEM_ERROR.match(str(err))
                if not match or int(match.group(1)) in failures:
                    raise
                failures[int(match.group(1))] = f"tokenizer: {match.group(2)}"
    return failures


def rows_from_stacks(
    model: Any, stacks: torch.Tensor, langs: Sequence[str | None], chunk: int = 4096
) -> dict[str, np.ndarray]:
    """Baseline (layer mean), meaning and context vectors of precomputed layer stacks."""
    meanings, contexts = [], []
    with torch.inference_mode():
        for start in range(0, len(stacks), chunk):
            out = model.distill(stacks[start : start + chunk].to(model.device))
            meanings.append(out.meaning.float().cpu())
            contexts.append(out.context.float().cpu())
    return {
        "baseline": stacks.mean(dim=1).numpy(),
        "meaning": model.center_meaning(torch.cat(meanings), langs).numpy(),
        "context": torch.cat(contexts).numpy(),
    }


class VectorCache:
    """Vectors of already encoded targets, keyed by (text, spans).

    With a ``StackStore`` the encoder's layer stacks are also kept on disk, so later evaluations
    of models on the same encoder skip the encoder for targets it has seen.
    """

    def __init__(self, store: StackStore | None = None) -> None:
        self._vectors: dict[Key, tuple[np.ndarray, ...]] = {}
        self._failures: dict[Key, str] = {}
        self.store = store

    def __len__(self) -> int:
        return len(self._vectors)

    def encode(
        self,
        model: Any,
        tokenizer: Any,
        targets: Sequence[Target],
        batch_size: int = 64,
        show_progress: bool = False,
        keep: bool = True,
    ) -> EncodedTargets:
        """Vectors for ``targets`` in order; only targets not seen before go to the model, all in one
        ``encode`` call. ``keep=False`` does not store the new vectors (for one-off sets)."""
        keys = [_key(t) for t in targets]
        missing = list(dict.fromkeys(k for k in keys if k not in self._vectors and k not in self._failures))
        if missing:
            fresh = [Target(*key) for key in missing]
            failed = find_untokenizable(model, tokenizer, fresh)
            good = [i for i in range(len(fresh)) if i not in failed]
            new_vectors: dict[Key, tuple[np.ndarray, ...]] = {}
            if good:
                arrays = [
                    a.numpy() if isinstance(a, torch.Tensor) else a
                    for a in self._rows(model, tokenizer, [fresh[i] for i in good], batch_size, show_progress)
                ]
                for position, i in enumerate(good):
                    new_vectors[missing[i]] = tuple(a[position] for a in arrays)
            new_failures = {missing[i]: reason for i, reason in failed.items()}
        else:
            new_vectors, new_failures = {}, {}
        lookup = {**self._vectors, **new_vectors} if new_vectors else self._vectors
        failures_lookup = {**self._failures, **new_failures}
        if keep:
            self._vectors.update(new_vectors)
            self._failures.update(new_failures)
        return _assemble(keys, lookup, failures_lookup, model.config.hidden_size)

    def _rows(self, model: Any, tokenizer: Any, targets: list[Target], batch_size: int, show_progress: bool):
        if self.store is None:
            output = model.encode(
                targets, tokenizer, batch_size=batch_size, output=list(ROWS), show_progress_bar=show_progress
            )
            return [output[row] for row in ROWS]
        keys = [(t.text, t.spans) for t in targets]
        todo = list({k: Target(*k) for k in keys if k not in self.store}.values())
        if todo:
            stacks = model.encode(
                todo, tokenizer, batch_size=batch_size, output="layer_stack", show_progress_bar=show_progress
            )
            self.store.add([(t.text, t.spans) for t in todo], stacks)
        rows = rows_from_stacks(model, self.store.get(keys), [t.lang for t in targets])
        return [rows[row] for row in ROWS]


def _assemble(keys, lookup, failures_lookup, width: int) -> EncodedTargets:
    matrices = {row: np.zeros((len(keys), width), dtype=np.float32) for row in ROWS}
    failures = {}
    for index, key in enumerate(keys):
        if key in failures_lookup:
            failures[index] = failures_lookup[key]
            continue
        for row, vector in zip(ROWS, lookup[key]):
            matrices[row][index] = vector
    return EncodedTargets(matrices, failures)
