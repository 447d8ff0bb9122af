"""Batches of triples for training: from the feature cache, or extracted on the fly.

Both sources lay a batch out the same way, anchors then positives then negatives, so the
distillers see identical inputs (and draw identical dropout masks) whichever source is used.
A dataset returns a whole batch from ``__getitems__`` (one vectorised gather), never item by item.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from ..features.cache import FeatureCache
from ..features.plan import HOST_CODES, ROLES, CorpusColumns
from ..modeling_wicdistill import collate_sentences, tokenize_targets


def split_records(
    group_ids: list[str], validation_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Train/validation record indices; records of one source pair never straddle the split."""
    if len(group_ids) < 2:
        raise ValueError(
            f"the corpus has {len(group_ids)} record(s); training needs at least 2 (1 for validation)"
        )

    def bucket(group: str) -> float:
        digest = hashlib.sha256(f"{seed}:{group}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    is_val = np.fromiter(
        (bucket(g) < validation_fraction for g in group_ids), dtype=bool, count=len(group_ids)
    )
    if not is_val.any():
        is_val[np.argmin([bucket(g) for g in group_ids])] = True
    train, val = np.nonzero(~is_val)[0], np.nonzero(is_val)[0]
    if len(train) == 0:
        raise ValueError(
            f"all {len(group_ids)} record(s) fell into the validation split (validation_fraction="
            f"{validation_fraction}); the corpus is too small"
        )
    return train, val


def identical_positives(corpus: Any) -> np.ndarray:
    """Per record: is the positive the anchor's own word form (case-folded)?

    Such positives (a copied name or number in a translation, the same word in a paraphrase)
    teach the meaning head "same string" rather than "same sense".
    """
    words = {
        role: [
            text[start:end].casefold()
            for text, start, end in zip(corpus.texts[role], corpus.starts[role], corpus.ends[role])
        ]
        for role in ("anchor", "positive")
    }
    return np.fromiter(
        (a == p for a, p in zip(words["anchor"], words["positive"])), dtype=bool, count=len(words["anchor"])
    )


def canonical_triples(batch_size: int, device: torch.device | None = None) -> torch.Tensor:
    """Rows (i, B + i, 2B + i): anchors, positives and negatives laid out one after another."""
    return torch.arange(3 * batch_size, device=device).view(3, batch_size).T


class EpochShuffleSampler(Sampler[int]):
    """A fresh permutation per epoch from ``seed + epoch``: resuming mid-epoch replays it exactly."""

    def __init__(self, size: int, seed: int, shuffle: bool = True):
        self.size, self.seed, self.shuffle, self.epoch = size, seed, shuffle, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self):
        if not self.shuffle:
            return iter(range(self.size))
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        return iter(torch.randperm(self.size, generator=generator).tolist())

    def __len__(self) -> int:
        return self.size


class CachedTriples(Dataset):
    """Triples whose layer stacks come from a feature cache."""

    def __init__(self, cache: FeatureCache, records: np.ndarray):
        self.cache, self.records = cache, np.asarray(records)

    def __len__(self) -> int:
        return len(self.records)

    def __getitems__(self, positions: list[int]) -> dict[str, torch.Tensor]:
        stacks, hosts = self.cache.gather(self.records[np.asarray(positions)])
        return {"layer_stack": stacks, "negative_host": hosts}

    def __getitem__(self, position: int) -> dict[str, torch.Tensor]:
        return self.__getitems__([position])


class OnTheFlyTriples(Dataset):
    """Triples tokenized per batch; the encoder runs inside the training step."""

    def __init__(self, corpus: CorpusColumns, records: np.ndarray, tokenizer: Any, max_length: int):
        self.corpus, self.records = corpus, np.asarray(records)
        self.tokenizer, self.max_length = tokenizer, max_length
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0

    def __len__(self) -> int:
        return len(self.records)

    def __getitems__(self, positions: list[int]) -> dict[str, torch.Tensor]:
        rows = [int(r) for r in self.records[np.asarray(positions)]]
        targets = [
            (self.corpus.texts[role][r], (self.corpus.starts[role][r], self.corpus.ends[role][r]), r)
            for role in ROLES
            for r in rows
        ]
        texts: dict[str, dict[tuple[int, int], int]] = {}
        names: dict[str, list[str]] = {}
        for text, span, record in targets:
            spans = texts.setdefault(text, {})
            if span not in spans:
                spans[span] = len(spans)
                names.setdefault(text, []).append(f"of record {self.corpus.ids[record]}")
        order = list(texts)
        sentences = tokenize_targets(
            self.tokenizer,
            order,
            [[[s] for s in texts[t]] for t in order],
            self.max_length,
            "around_targets",
            [names[t] for t in order],
        )
        batch = collate_sentences(sentences, self.pad_id)
        position_of = {t: i for i, t in enumerate(order)}
        first_row = np.concatenate([[0], np.cumsum([len(texts[t]) for t in order])])
        unique_rows = torch.tensor([first_row[position_of[t]] + texts[t][s] for t, s, _ in targets])
        batch["target_token_mask"] = batch["target_token_mask"][unique_rows]
        batch["target_sentence_index"] = batch["target_sentence_index"][unique_rows]
        batch["negative_host"] = torch.tensor([HOST_CODES[self.corpus.settings[r]] for r in rows])
        return batch

    def __getitem__(self, position: int) -> dict[str, torch.Tensor]:
        return self.__getitems__([position])


def identity_collate(batch: Any) -> Any:
    """Batches arrive fully built from ``__getitems__``."""
    return batch
