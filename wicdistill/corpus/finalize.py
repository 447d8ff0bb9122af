"""Turn the committed shards into the corpus: Arrow datasets, JSONL exports, sample, stats."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import datasets

from ..io_utils import atomic_write_text
from .records import FEATURES
from .sample import format_sample
from .store import SAMPLE_FILE, SPLITS, is_heldout, split_jsonl


def _save_dataset(records: list[dict[str, Any]], folder: Path) -> None:
    """``save_to_disk`` into a temporary folder, then swap it in."""
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    datasets.Dataset.from_list(records, features=FEATURES).save_to_disk(str(partial))
    if folder.exists():
        shutil.rmtree(folder)
    os.replace(partial, folder)


def _write_jsonl(records: list[dict[str, Any]], path: Path) -> None:
    atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))


def write_outputs(
    records: Iterable[dict[str, Any]],
    out_dir: str | Path,
    heldout_fraction: float,
    sample_size: int,
    seed: int,
) -> dict[str, int]:
    """Split, write every output file, and return the record counts per split."""
    out_dir = Path(out_dir)
    train: list[dict[str, Any]] = []
    heldout: list[dict[str, Any]] = []
    for record in records:
        (heldout if heldout_fraction and is_heldout(record["pair_id"], heldout_fraction) else train).append(
            record
        )
    for split, split_records in zip(SPLITS, (train, heldout)):
        if split_records is train or heldout_fraction:
            _save_dataset(split_records, out_dir / split)
            _write_jsonl(split_records, split_jsonl(out_dir, split))
    atomic_write_text(out_dir / SAMPLE_FILE, format_sample(train, sample_size, seed))
    return {"train": len(train), "heldout": len(heldout)}
