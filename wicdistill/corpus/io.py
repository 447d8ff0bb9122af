"""Reading a built corpus back: ``load_corpus(path)`` and ``load_corpus(path, split="heldout")``."""

from __future__ import annotations

import os
from pathlib import Path

import datasets

SPLITS = ("train", "heldout")


def load_corpus(path: str | os.PathLike, split: str = "train") -> datasets.Dataset:
    """The records of a corpus folder written by ``build_corpus`` / ``wicdistill build-corpus``."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    folder = Path(path) / split
    if not (folder / "dataset_info.json").exists():
        if split == "heldout" and (Path(path) / "train").exists():
            raise FileNotFoundError(f"{path} has no held-out split (build it with a heldout fraction > 0)")
        raise FileNotFoundError(f"no finished corpus at {path} (expected {folder}/); is the build complete?")
    return datasets.load_from_disk(str(folder))
