"""A built corpus on disk: its folder layout, its record columns, and the stable hashes that route
records to splits.

``build_corpus`` writes ``train/`` (and ``heldout/``) as Arrow datasets with JSONL twins,
``stats.json`` and ``sample.txt``, and works in ``work/`` until it finishes; feature extraction,
training, recipes and evaluation read the same names from here.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import datasets
import numpy as np

from ..loss_wicdistill import HOST_OF_SETTING

ROLES = ("anchor", "positive", "negative")
SPLITS = ("train", "heldout")
STATS_FILE = "stats.json"
SAMPLE_FILE = "sample.txt"
WORK_FOLDER = "work"


# The record (docs/schemas.md): one (anchor, positive, negative) triple and its provenance.

SETTINGS = tuple(HOST_OF_SETTING)

_SPAN = {
    "text": datasets.Value("string"),
    "start": datasets.Value("int32"),
    "end": datasets.Value("int32"),
    "lang": datasets.Value("string"),
}

FEATURES = datasets.Features(
    {
        "id": datasets.Value("string"),
        "anchor": _SPAN,
        "positive": _SPAN,
        "negative": _SPAN,
        "setting": datasets.Value("string"),
        "negative_strategy": datasets.Value("string"),
        "positive_source": datasets.Value("string"),
        "alignment": datasets.Value("string"),
        "alignment_score": datasets.Value("float32"),
        "negative_score": datasets.Value("float32"),
        "pair_id": datasets.Value("string"),
    }
)


def span(text: str, start: int, end: int, lang: str) -> dict[str, Any]:
    """One role of a record (docs/schemas.md)."""
    return {"text": text, "start": int(start), "end": int(end), "lang": lang}


def check_record(record: dict[str, Any], expected_words: dict[str, str] | None = None) -> None:
    """Raise ``ValueError`` naming the field when a record breaks the schema's invariants."""
    missing = [key for key in FEATURES if key not in record]
    if missing:
        raise ValueError(f"record {record.get('id')!r} lacks fields {missing}")
    if record["setting"] not in SETTINGS:
        raise ValueError(f"record {record['id']!r}: setting {record['setting']!r} is not one of {SETTINGS}")
    for role in ROLES:
        element = record[role]
        text, start, end = element["text"], element["start"], element["end"]
        if not 0 <= start < end <= len(text):
            raise ValueError(
                f"record {record['id']!r}: {role} span ({start}, {end}) outside text of length {len(text)}"
            )
        if expected_words and role in expected_words and text[start:end] != expected_words[role]:
            raise ValueError(
                f"record {record['id']!r}: {role} span slices {text[start:end]!r}, expected {expected_words[role]!r}"
            )


def split_jsonl(folder: str | os.PathLike, split: str) -> Path:
    """The JSONL twin of a split (``train.jsonl`` / ``heldout.jsonl``)."""
    return Path(folder) / f"{split}.jsonl"


def stable_int(*parts: Any, digest: str = "sha1") -> int:
    """A 64-bit integer fixed by ``parts`` on every machine and run (unlike ``hash``)."""
    data = ":".join(map(str, parts)).encode("utf-8")
    return int.from_bytes(hashlib.new(digest, data).digest()[:8], "big")


def stable_fraction(*parts: Any, digest: str = "sha1") -> float:
    """A uniform number in [0, 1) fixed by ``parts``: sampling and split routing by key, so a key
    lands on the same side in every build whatever the seed or the order of the inputs."""
    return stable_int(*parts, digest=digest) / 2**64


def is_heldout(pair_id: str, fraction: float) -> bool:
    """Whether every record of source pair ``pair_id`` goes to the held-out split."""
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"heldout fraction must be in [0, 1), got {fraction}")
    return stable_fraction(pair_id) < fraction


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


def heldout_records(corpus: str | os.PathLike) -> Path | None:
    """The corpus's held-back records (``heldout.jsonl`` beside ``train.jsonl``, as the builder
    writes them), which the transfer measures (``offset-*`` tasks) need; None when absent."""
    path = Path(corpus)
    folder = path if path.is_dir() else path.parent
    heldout = split_jsonl(folder, "heldout")
    return heldout if heldout.is_file() and heldout.resolve() != path.resolve() else None


@dataclass
class CorpusColumns:
    """The fields of a triple corpus that feature extraction and training need, column-wise."""

    ids: list[str]
    texts: dict[str, list[str]]
    starts: dict[str, list[int]]
    ends: dict[str, list[int]]
    settings: list[str]
    pair_ids: list[str]
    langs: dict[str, list[str]] = field(default_factory=dict)
    negative_strategies: list[str] = field(default_factory=list)
    positive_sources: list[str] = field(default_factory=list)
    # each record's ``negative_score`` (float32, NaN where it has none): the per-record weight of
    # its negative's terms under ``negative_term="dissimilarity_weighted"``
    negative_scores: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.negative_scores is None:
            self.negative_scores = np.full(len(self.ids), np.nan, dtype=np.float32)

    def __len__(self) -> int:
        return len(self.ids)

    def record(self, i: int) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.ids[i], "setting": self.settings[i]}
        for role in ROLES:
            out[role] = {
                "text": self.texts[role][i],
                "start": self.starts[role][i],
                "end": self.ends[role][i],
            }
        return out


def read_corpus(source: Any) -> CorpusColumns:
    """Read a corpus given as a `datasets.Dataset`, a folder saved with ``save_to_disk``
    (or a build-corpus output folder holding one) or a JSONL file."""
    if isinstance(source, CorpusColumns):
        return source
    if isinstance(source, datasets.Dataset):
        return _columns_from_table(source.data.table)
    path = Path(os.fspath(source))
    if path.is_file() and path.suffix in (".jsonl", ".json"):
        return _columns_from_table(datasets.Dataset.from_json(str(path)).data.table)
    for candidate in (path, path / "dataset", path / SPLITS[0]):
        if (candidate / "dataset_info.json").exists() or (candidate / "state.json").exists():
            return _columns_from_table(datasets.load_from_disk(str(candidate)).data.table)
    if (path / "corpus.jsonl").exists():
        return _columns_from_table(datasets.Dataset.from_json(str(path / "corpus.jsonl")).data.table)
    raise FileNotFoundError(
        f"no corpus at {path}: expected a datasets folder (save_to_disk), a build-corpus output "
        f"folder, or a .jsonl file"
    )


def _columns_from_table(table: Any) -> CorpusColumns:
    names = set(table.column_names)
    if table.num_rows == 0:
        raise ValueError("the corpus has no records")
    missing = [c for c in (*ROLES, "setting") if c not in names]
    if missing:
        raise ValueError(f"corpus lacks the column(s) {missing}; it has {sorted(names)}")
    n = table.num_rows
    texts, starts, ends, langs = {}, {}, {}, {}
    for role in ROLES:
        column = table.column(role).combine_chunks()
        texts[role] = column.field("text").to_pylist()
        if "lang" in {column.type.field(k).name for k in range(column.type.num_fields)}:
            langs[role] = column.field("lang").to_pylist()
        starts[role] = [int(v) for v in column.field("start").to_pylist()]
        ends[role] = [int(v) for v in column.field("end").to_pylist()]
    ids = table.column("id").to_pylist() if "id" in names else [str(i) for i in range(n)]
    pair_ids = table.column("pair_id").to_pylist() if "pair_id" in names else list(ids)
    settings = table.column("setting").to_pylist()
    bad = sorted({s for s in settings if s not in HOST_OF_SETTING})
    if bad:
        raise ValueError(f"corpus has setting value(s) {bad}; expected 'monolingual' or 'crosslingual'")
    strategies = table.column("negative_strategy").to_pylist() if "negative_strategy" in names else []
    sources = table.column("positive_source").to_pylist() if "positive_source" in names else []
    scores = table.column("negative_score").to_pylist() if "negative_score" in names else [None] * n
    return CorpusColumns(
        [str(i) for i in ids],
        texts,
        starts,
        ends,
        settings,
        [str(p) for p in pair_ids],
        langs,
        strategies,
        sources,
        np.array([np.nan if s is None else s for s in scores], dtype=np.float32),
    )


def corpus_fingerprint(corpus: CorpusColumns) -> str:
    """A hash of everything in the corpus that changes the features or the loss."""
    digest = hashlib.sha256()
    for i in range(len(corpus)):
        parts = [corpus.settings[i]]
        for role in ROLES:
            parts += [corpus.texts[role][i], str(corpus.starts[role][i]), str(corpus.ends[role][i])]
        digest.update("\x1f".join(parts).encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()[:24]
