"""A feature cache on disk: fp16 layer stacks of every target, memory-mapped.

Layout of a cache folder:
    meta.json        encoder identity, corpus fingerprint, shapes, progress (complete or not)
    stacks.npy       (num_targets, L, d) float16, written chunk by chunk in place
    index.npy        (num_records, 3) int64: rows of each record's anchor, positive, negative
    hosts.npy        (num_records,) int8: 0 = negative in the anchor's sentence, 1 = in the positive's
    done/chunk-*.ok  one marker per finished chunk (its rows and their sha256), so an interrupted
                     extraction resumes; see ``integrity`` for what every open checks
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..io_utils import read_json
from .identity import identity_mismatch
from .integrity import array_offset, check_complete_cache, stacks_offset

__all__ = ["CACHE_SCHEMA", "FeatureCache", "FeatureCacheMismatch", "check_compatible"]

CACHE_SCHEMA = "wicdistill.features/1"


class FeatureCacheMismatch(ValueError):
    """The cache was built for another encoder, layer set or corpus."""


class FeatureCache:
    """Read access to a finished cache: gathers the stacks of whole batches of records at once.

    Opening checks file sizes, done markers and checksums of the metadata (cheap); ``verify``
    also re-hashes every chunk of the stacks against its marker.
    """

    def __init__(
        self,
        path: str | Path,
        identity: dict[str, Any] | None = None,
        fingerprint: str | None = None,
        verify: bool = False,
    ):
        self.path = Path(path)
        meta_path = self.path / "meta.json"
        if not meta_path.exists():
            raise FileNotFoundError(f"no feature cache at {self.path} (meta.json missing)")
        self.meta = read_json(meta_path)
        if self.meta.get("schema") != CACHE_SCHEMA:
            raise ValueError(
                f"{self.path}: unknown cache schema {self.meta.get('schema')!r}, expected {CACHE_SCHEMA}"
            )
        if not self.meta.get("complete"):
            raise ValueError(f"feature cache at {self.path} is incomplete: rerun extraction to resume it")
        check_compatible(self.meta, self.path, identity, fingerprint)
        stacks_offset(self.path, self.meta)
        records = self.meta["corpus"]["records"]
        self.index = _load_checked(self.path / "index.npy", (records, 3), np.int64)
        self.hosts = _load_checked(self.path / "hosts.npy", (records,), np.int8)
        check_complete_cache(self.path, self.meta, self.index, self.hosts, verify)
        self.stacks = np.load(self.path / "stacks.npy", mmap_mode="r")
        cached_layers = self.meta["encoder"]["layers"]
        wanted = identity["layers"] if identity is not None else cached_layers
        self.layer_positions = [cached_layers.index(layer) for layer in wanted]

    @property
    def num_records(self) -> int:
        return int(self.index.shape[0])

    @property
    def num_layers(self) -> int:
        return len(self.layer_positions)

    @property
    def hidden_size(self) -> int:
        return int(self.stacks.shape[2])

    def gather(
        self, records: np.ndarray, partners: np.ndarray | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Stacks ``(3B, L, d)`` float16 laid out anchors, positives, negatives, and hosts ``(B,)``.

        ``partners`` (one record per record) supplies the positive, negative and host instead of
        the record itself: the anchor of ``records[i]`` is paired with the triple of ``partners[i]``.
        """
        records = np.asarray(records, dtype=np.int64)
        partners = records if partners is None else np.asarray(partners, dtype=np.int64)
        if partners.shape != records.shape:
            raise ValueError(f"partners has shape {partners.shape}, records {records.shape}")
        rows = np.concatenate([self.index[records, 0], self.index[partners, 1], self.index[partners, 2]])
        return self._read(rows), torch.from_numpy(self.hosts[partners].astype(np.int64))

    def gather_targets(self, records: np.ndarray, roles: np.ndarray) -> torch.Tensor:
        """Stacks ``(K, L, d)`` float16 of single targets: role ``roles[k]`` (0 anchor, 1 positive,
        2 negative) of record ``records[k]``."""
        records, roles = np.asarray(records, dtype=np.int64), np.asarray(roles, dtype=np.int64)
        if records.shape != roles.shape:
            raise ValueError(f"roles has shape {roles.shape}, records {records.shape}")
        return self._read(self.index[records, roles])

    def _read(self, rows: np.ndarray) -> torch.Tensor:
        order = np.argsort(rows, kind="stable")  # ascending reads are kind to a memory map
        gathered = np.empty((len(rows), *self.stacks.shape[1:]), dtype=np.float16)
        gathered[order] = self.stacks[rows[order]]
        if self.layer_positions != list(range(self.stacks.shape[1])):
            gathered = np.ascontiguousarray(gathered[:, self.layer_positions])
        return torch.from_numpy(gathered)


def _load_checked(path: Path, shape: tuple[int, ...], dtype: type) -> np.ndarray:
    """Load a small array after checking its header and size (a short file names itself)."""
    array_offset(path, shape, np.dtype(dtype))
    return np.load(path)


def check_compatible(
    meta: dict[str, Any], path: Path, identity: dict[str, Any] | None, fingerprint: str | None
) -> None:
    """Refuse a cache built for another encoder, without the model's layers, or for another corpus."""
    if identity is not None:
        problems = identity_mismatch(meta["encoder"], identity)
        if problems:
            raise FeatureCacheMismatch(
                f"feature cache at {path} was built for encoder {meta['encoder'].get('name_or_path')!r} "
                f"and cannot be used with encoder {identity.get('name_or_path')!r}: "
                + "; ".join(problems)
                + ". Extract features into another folder."
            )
    if fingerprint is not None and meta["corpus"]["fingerprint"] != fingerprint:
        raise FeatureCacheMismatch(
            f"feature cache at {path} was built from another corpus (fingerprint "
            f"{meta['corpus']['fingerprint']} vs {fingerprint}). Extract features into another folder."
        )
