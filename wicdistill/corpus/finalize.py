"""Turn the committed shards into the corpus: Arrow datasets, JSONL exports, sample, stats.

Records are streamed (twice: once to write the splits, once to pick the sample), so memory stays
flat however large the corpus is.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import datasets

from ..io_utils import atomic_write_text
from .store import FEATURES, SAMPLE_FILE, SPLITS, is_heldout, split_jsonl


class _SplitFiles:
    """One split's JSONL export and Arrow file, written record by record into temporary files."""

    def __init__(self, out_dir: Path, split: str) -> None:
        from datasets.arrow_writer import ArrowWriter

        self.folder = out_dir / split
        self.jsonl = split_jsonl(out_dir, split)
        self.partial_jsonl = self.jsonl.with_name(f".{self.jsonl.name}.partial")
        self.partial_arrow = out_dir / f".{split}.arrow.partial"
        self.handle = open(self.partial_jsonl, "w", encoding="utf-8")
        self.arrow = ArrowWriter(features=FEATURES, path=str(self.partial_arrow))
        self.count = 0

    def write(self, record: dict[str, Any]) -> None:
        self.handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.arrow.write(record)
        self.count += 1

    def close(self) -> None:
        """Make both durable and swap them in (``save_to_disk`` into a temporary folder first)."""
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        self.arrow.finalize()
        self.arrow.close()
        partial = self.folder.with_name(self.folder.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        datasets.Dataset.from_file(str(self.partial_arrow)).save_to_disk(str(partial))
        if self.folder.exists():
            shutil.rmtree(self.folder)
        os.replace(partial, self.folder)
        os.replace(self.partial_jsonl, self.jsonl)
        self.partial_arrow.unlink()


def write_outputs(
    records: Callable[[], Iterable[dict[str, Any]]],
    out_dir: str | Path,
    heldout_fraction: float,
    sample_size: int,
    seed: int,
) -> dict[str, int]:
    """Split, write every output file, and return the record counts per split.

    ``records`` returns a fresh iterator over the records in order each time it is called."""
    out_dir = Path(out_dir)
    train = _SplitFiles(out_dir, SPLITS[0])
    heldout = _SplitFiles(out_dir, SPLITS[1]) if heldout_fraction else None
    for record in records():
        if heldout is not None and is_heldout(record["pair_id"], heldout_fraction):
            heldout.write(record)
        else:
            train.write(record)
    for split in (train, heldout):
        if split is not None:
            split.close()

    def train_records() -> Iterator[dict[str, Any]]:
        for record in records():
            if heldout is None or not is_heldout(record["pair_id"], heldout_fraction):
                yield record

    atomic_write_text(out_dir / SAMPLE_FILE, format_sample(train_records(), train.count, sample_size, seed))
    return {"train": train.count, "heldout": heldout.count if heldout is not None else 0}


def mark(element: dict[str, Any]) -> str:
    """The element's text with its word marked ``[[like this]]``."""
    text, start, end = element["text"], element["start"], element["end"]
    return f"{text[:start]}[[{text[start:end]}]]{text[end:]}"


def format_sample(records: Iterable[dict[str, Any]], total: int, size: int, seed: int) -> str:
    """``size`` of the ``total`` records chosen at random (fixed by ``seed``), one block each;
    ``records`` is read once, in order."""
    chosen = sorted(random.Random(seed).sample(range(total), min(size, total)))
    wanted = set(chosen)
    picked = [r for i, r in enumerate(islice(records, chosen[-1] + 1 if chosen else 0)) if i in wanted]
    blocks = []
    for n, r in enumerate(picked, start=1):
        negative_score = "none" if r["negative_score"] is None else f"{r['negative_score']:.3f}"
        blocks.append(
            f"#{n} {r['id']}  setting={r['setting']}  source={r['positive_source']}  "
            f"alignment={r['alignment']} ({r['alignment_score']:.3f})  "
            f"negative={r['negative_strategy']} ({negative_score})\n"
            f"  A [{r['anchor']['lang']}] {mark(r['anchor'])}\n"
            f"  P [{r['positive']['lang']}] {mark(r['positive'])}\n"
            f"  N [{r['negative']['lang']}] {mark(r['negative'])}\n"
        )
    header = f"{len(chosen)} of {total} records, chosen with seed {seed}\n\n"
    return header + "\n".join(blocks)
