"""Turn the committed shards into the corpus: Arrow datasets, JSONL exports, sample, stats."""

from __future__ import annotations

import json
import os
import random
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import datasets

from ..io_utils import atomic_write_text
from .store import FEATURES, SAMPLE_FILE, SPLITS, is_heldout, split_jsonl


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


def mark(element: dict[str, Any]) -> str:
    """The element's text with its word marked ``[[like this]]``."""
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
