"""Which sentences to encode, in which order, for the anchor/positive/negative of every record.

Each distinct sentence is encoded once for all of its targets; identical targets share one
row of the cache. Sentences are ordered longest first, so batches pad little and the largest
batch (the likeliest to run out of memory) comes first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..corpus.store import ROLES, CorpusColumns, corpus_fingerprint
from ..loss_wicdistill import HOST_OF_SETTING


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
    hosts = np.asarray([HOST_OF_SETTING[s] for s in corpus.settings], dtype=np.int8)
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
