"""Which sentences to encode, in which order, for the anchor/positive/negative of every record.

Each distinct sentence is encoded once for all of its targets; identical targets share one
row of the cache. Sentences are ordered longest first, so batches pad little and the largest
batch (the likeliest to run out of memory) comes first.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROLES = ("anchor", "positive", "negative")
HOST_CODES = {"monolingual": 0, "crosslingual": 1}


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
    import datasets

    if isinstance(source, CorpusColumns):
        return source
    if isinstance(source, datasets.Dataset):
        return _columns_from_table(source.data.table)
    path = Path(os.fspath(source))
    if path.is_file() and path.suffix in (".jsonl", ".json"):
        return _columns_from_table(datasets.Dataset.from_json(str(path)).data.table)
    for candidate in (path, path / "dataset", path / "train"):
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
    bad = sorted({s for s in settings if s not in HOST_CODES})
    if bad:
        raise ValueError(f"corpus has setting value(s) {bad}; expected 'monolingual' or 'crosslingual'")
    strategies = table.column("negative_strategy").to_pylist() if "negative_strategy" in names else []
    sources = table.column("positive_source").to_pylist() if "positive_source" in names else []
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


@dataclass
class ExtractionPlan:
    """Distinct sentences in encoding order with their targets numbered contiguously."""

    sentences: list[str]
    sentence_spans: list[list[tuple[int, int]]]
    first_target: np.ndarray  # (S + 1,): targets of sentence s are first_target[s]:first_target[s + 1]
    index: np.ndarray  # (R, 3): target row of each record's anchor, positive, negative
    hosts: np.ndarray  # (R,): 0 = the negative lives in the anchor's sentence, 1 = in the positive's
    chunks: list[tuple[int, int]]  # sentence ranges written (and resumed) as a unit
    fingerprint: str
    target_record: np.ndarray  # (T,): one record that uses each target (for error messages)

    @property
    def num_targets(self) -> int:
        return int(self.first_target[-1])

    def chunk_targets(self, chunk: int) -> tuple[int, int]:
        start, end = self.chunks[chunk]
        return int(self.first_target[start]), int(self.first_target[end])


def build_plan(corpus: CorpusColumns, chunk_sentences: int = 2048) -> ExtractionPlan:
    """Number the distinct (sentence, span) targets of a corpus and order them for encoding."""
    if len(corpus) == 0:
        raise ValueError("the corpus has no records")
    if chunk_sentences < 1:
        raise ValueError(f"chunk_sentences must be >= 1, got {chunk_sentences}")
    spans_by_text: dict[str, dict[tuple[int, int], None]] = {}
    for role in ROLES:
        for i, (text, start, end) in enumerate(
            zip(corpus.texts[role], corpus.starts[role], corpus.ends[role])
        ):
            if not (isinstance(text, str) and 0 <= start < end <= len(text)):
                raise ValueError(
                    f"record {corpus.ids[i]}: {role} span ({start}, {end}) does not fit its text of "
                    f"length {len(text) if isinstance(text, str) else 'n/a'}"
                )
            spans_by_text.setdefault(text, {})[(start, end)] = None
    sentences = sorted(spans_by_text, key=lambda t: (-len(t), t))
    sentence_spans = [sorted(spans_by_text[t]) for t in sentences]
    counts = np.fromiter((len(s) for s in sentence_spans), dtype=np.int64, count=len(sentences))
    first_target = np.concatenate([[0], np.cumsum(counts)])
    row_of: dict[tuple[str, int, int], int] = {}
    for s, (text, spans) in enumerate(zip(sentences, sentence_spans)):
        base = int(first_target[s])
        for k, (start, end) in enumerate(spans):
            row_of[(text, start, end)] = base + k
    index = np.empty((len(corpus), 3), dtype=np.int64)
    for j, role in enumerate(ROLES):
        index[:, j] = [
            row_of[(t, s, e)] for t, s, e in zip(corpus.texts[role], corpus.starts[role], corpus.ends[role])
        ]
    hosts = np.asarray([HOST_CODES[s] for s in corpus.settings], dtype=np.int8)
    chunks = [
        (s, min(s + chunk_sentences, len(sentences))) for s in range(0, len(sentences), chunk_sentences)
    ]
    target_record = np.empty(int(first_target[-1]), dtype=np.int64)
    for j in range(len(ROLES)):
        target_record[index[:, j]] = np.arange(len(corpus))
    return ExtractionPlan(
        sentences,
        sentence_spans,
        first_target,
        index,
        hosts,
        chunks,
        corpus_fingerprint(corpus),
        target_record,
    )
