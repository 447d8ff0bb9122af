"""Batches of triples for training: from the feature cache, or extracted on the fly.

Both sources lay a batch out the same way, anchors then positives then negatives, so the
distillers see identical inputs (and draw identical dropout masks) whichever source is used.
A dataset returns a whole batch from ``__getitems__`` (one vectorised gather), never item by item.
Given ``negative_scores`` (one per corpus record), a batch also carries ``negative_similarity``:
the score of the record whose negative it uses, the partner's under cross-context pairing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from ..corpus.store import ROLES, CorpusColumns
from ..features.cache import FeatureCache
from ..loss_wicdistill import HOST_OF_SETTING
from ..targets_wicdistill import collate_sentences, tokenize_targets

__all__ = [
    "CachedTriples",
    "EpochShuffleSampler",
    "OnTheFlyTriples",
    "canonical_triples",
    "extra_targets",
    "form_targets",
    "identity_collate",
    "other_sense_targets",
]


def form_targets(
    anchor_records: np.ndarray, positive_records: np.ndarray, table: np.ndarray
) -> tuple[np.ndarray, np.ndarray, torch.Tensor]:
    """The extra targets a batch needs for the form-consistency term, and its (q, s, t) rows.

    The batch's first ``3B`` rows are its anchors, positives and negatives (``positive_records``
    supply the positives). The extra targets follow as (record, role) pairs: the same-form
    partners' positives and their anchors, then the same-form partners' anchors and their positives.
    """
    size = len(anchor_records)
    by_positive = table[positive_records, 0]
    by_anchor = table[anchor_records, 1]
    with_positive = np.nonzero(by_positive >= 0)[0]
    with_anchor = np.nonzero(by_anchor >= 0)[0]
    k0, k1 = len(with_positive), len(with_anchor)
    partner_positive, partner_anchor = by_positive[with_positive], by_anchor[with_anchor]
    records = np.concatenate([partner_positive, partner_positive, partner_anchor, partner_anchor])
    roles = np.repeat(np.array([1, 0, 0, 1], dtype=np.int64), [k0, k0, k1, k1])
    base = 3 * size
    rows = [
        np.stack([size + with_positive, base + np.arange(k0), base + k0 + np.arange(k0)], axis=1),
        np.stack([with_anchor, base + 2 * k0 + np.arange(k1), base + 2 * k0 + k1 + np.arange(k1)], axis=1),
    ]
    return records, roles, torch.from_numpy(np.concatenate(rows).astype(np.int64))


def other_sense_targets(
    anchor_records: np.ndarray, positive_records: np.ndarray, table: np.ndarray, base: int
) -> tuple[np.ndarray, np.ndarray, torch.Tensor]:
    """The extra targets a batch needs for other-sense negatives, and its (query, negative) rows.

    Queries are the batch's anchors (rows ``0..B-1``) and positives (rows ``B..2B-1``); their
    negatives, the partners' anchors then the partners' positives, follow from row ``base`` on.
    """
    size = len(anchor_records)
    by_anchor = table[anchor_records, 0]
    by_positive = table[positive_records, 1]
    with_anchor = np.nonzero(by_anchor >= 0)[0]
    with_positive = np.nonzero(by_positive >= 0)[0]
    records = np.concatenate([by_anchor[with_anchor], by_positive[with_positive]])
    roles = np.repeat(np.array([0, 1], dtype=np.int64), [len(with_anchor), len(with_positive)])
    queries = np.concatenate([with_anchor, size + with_positive])
    rows = np.stack([queries, base + np.arange(len(records))], axis=1)
    return records, roles, torch.from_numpy(rows.astype(np.int64))


def extra_targets(
    anchor_records: np.ndarray,
    positive_records: np.ndarray,
    form_table: np.ndarray | None,
    sense_table: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, dict[str, torch.Tensor]]:
    """The (record, role) targets a batch appends after its triples, and the index rows of the
    terms that use them (``form_pairs``, ``other_sense_pairs``)."""
    records, roles, rows = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], {}
    base = 3 * len(anchor_records)
    if form_table is not None:
        found, kinds, rows["form_pairs"] = form_targets(anchor_records, positive_records, form_table)
        records.append(found)
        roles.append(kinds)
        base += len(found)
    if sense_table is not None:
        found, kinds, rows["other_sense_pairs"] = other_sense_targets(
            anchor_records, positive_records, sense_table, base
        )
        records.append(found)
        roles.append(kinds)
    return np.concatenate(records), np.concatenate(roles), rows


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

    def __init__(
        self,
        cache: FeatureCache,
        records: np.ndarray,
        partners: np.ndarray | None = None,
        form_table: np.ndarray | None = None,
        sense_table: np.ndarray | None = None,
        negative_scores: np.ndarray | None = None,
    ):
        self.cache, self.records = cache, np.asarray(records)
        self.partners = self.records if partners is None else _check_partners(self.records, partners)
        self.form_table, self.sense_table = form_table, sense_table
        self.negative_scores = negative_scores

    def __len__(self) -> int:
        return len(self.records)

    def __getitems__(self, positions: list[int]) -> dict[str, torch.Tensor]:
        picked = np.asarray(positions)
        anchors, partners = self.records[picked], self.partners[picked]
        stacks, hosts = self.cache.gather(anchors, partners)
        batch = {"layer_stack": stacks, "negative_host": hosts}
        if self.negative_scores is not None:
            batch["negative_similarity"] = _negative_similarity(self.negative_scores, partners)
        if self.form_table is not None or self.sense_table is not None:
            records, roles, rows = extra_targets(anchors, partners, self.form_table, self.sense_table)
            batch.update(rows)
            batch["layer_stack"] = torch.cat([stacks, self.cache.gather_targets(records, roles)])
        return batch

    def __getitem__(self, position: int) -> dict[str, torch.Tensor]:
        return self.__getitems__([position])


class OnTheFlyTriples(Dataset):
    """Triples tokenized per batch; the encoder runs inside the training step."""

    def __init__(
        self,
        corpus: CorpusColumns,
        records: np.ndarray,
        tokenizer: Any,
        max_length: int,
        partners: np.ndarray | None = None,
        form_table: np.ndarray | None = None,
        sense_table: np.ndarray | None = None,
        negative_scores: np.ndarray | None = None,
    ):
        self.corpus, self.records = corpus, np.asarray(records)
        self.partners = self.records if partners is None else _check_partners(self.records, partners)
        self.form_table, self.sense_table = form_table, sense_table
        self.negative_scores = negative_scores
        self.tokenizer, self.max_length = tokenizer, max_length
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0

    def __len__(self) -> int:
        return len(self.records)

    def __getitems__(self, positions: list[int]) -> dict[str, torch.Tensor]:
        picked = np.asarray(positions)
        rows = [int(r) for r in self.records[picked]]
        partner_rows = [int(r) for r in self.partners[picked]]
        roles = [(role, r) for role in ROLES for r in (rows if role == "anchor" else partner_rows)]
        extra_rows: dict[str, torch.Tensor] = {}
        if self.form_table is not None or self.sense_table is not None:
            records, codes, extra_rows = extra_targets(
                self.records[picked], self.partners[picked], self.form_table, self.sense_table
            )
            roles += [(ROLES[c], int(r)) for r, c in zip(records, codes)]
        targets = [
            (self.corpus.texts[role][r], (self.corpus.starts[role][r], self.corpus.ends[role][r]), r)
            for role, r in roles
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
        batch["negative_host"] = torch.tensor(
            [HOST_OF_SETTING[self.corpus.settings[r]] for r in partner_rows]
        )
        if self.negative_scores is not None:
            batch["negative_similarity"] = _negative_similarity(self.negative_scores, self.partners[picked])
        batch.update(extra_rows)
        return batch

    def __getitem__(self, position: int) -> dict[str, torch.Tensor]:
        return self.__getitems__([position])


def _negative_similarity(negative_scores: np.ndarray, partner_records: np.ndarray) -> torch.Tensor:
    """``(B,)`` float32: the ``negative_score`` of each triple's negative, which comes from the
    partner record (the record itself without cross-context pairing); NaN where it has none."""
    return torch.from_numpy(np.asarray(negative_scores, dtype=np.float32)[partner_records])


def _check_partners(records: np.ndarray, partners: np.ndarray) -> np.ndarray:
    partners = np.asarray(partners)
    if partners.shape != records.shape:
        raise ValueError(f"partners has shape {partners.shape}; expected one per record, {records.shape}")
    return partners


def identity_collate(batch: Any) -> Any:
    """Batches arrive fully built from ``__getitems__``."""
    return batch
