"""The kinds of task (binary, graded, contextual, STS, offset): load files, encode once, score rows.

Each runner returns the task's report entry without ``wall_time_s`` (the suite adds it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .context import EvalContext
from .loaders import load_translation_pairs
from .pairs import PairSet, SentencePairSet, Unlocatable
from .protocols.binary import binary_rows
from .protocols.graded import contextual_rows, graded_rows
from .protocols.offset import offset_rows
from .protocols.pair_cosines import PairCosines, pair_cosines
from .protocols.sentence import PRIMARY, sentence_rows


@dataclass(frozen=True)
class Source:
    """A file (relative to a data folder) and the loader that reads it."""

    relative: str
    loader: Callable
    label: str

    def load(self, context: EvalContext, task: str):
        return self.loader(context.roots.require(self.relative, task))


@dataclass(frozen=True)
class TaskSpec:
    name: str
    dataset: str
    split: str
    language: str
    metric: str
    run: Callable[[EvalContext, TaskSpec], dict]
    source: Source | None = None
    tuning: Source | None = None
    tuning_optional: bool = False
    oracle: bool = False
    options: dict = field(default_factory=dict)


def _unlocatable(items: list[Unlocatable]) -> list[dict]:
    return [u.as_dict() for u in items]


def _entry(spec: TaskSpec, scored: int, unlocatable: list[Unlocatable], rows: dict, **extra) -> dict:
    entry = {
        "dataset": spec.dataset,
        "split": spec.split,
        "language": spec.language,
        "metric": spec.metric,
        "n_pairs": scored,
        "n_unlocatable": len(unlocatable),
        "unlocatable": _unlocatable(unlocatable),
    }
    entry.update(extra)
    entry["rows"] = rows
    return entry


def run_binary(context: EvalContext, spec: TaskSpec) -> dict:
    """Accuracy at a threshold tuned on the tuning split (or on the pairs themselves), and AUC."""
    evaluated_set = spec.source.load(context, spec.name)
    tuning_set: PairSet | None = None
    tuned_on = spec.source.label
    if spec.tuning is not None:
        if spec.tuning_optional and context.roots.find(spec.tuning.relative) is None:
            tuning_set = None
        else:
            tuning_set = spec.tuning.load(context, spec.name)
            tuned_on = spec.tuning.label
    sets = [evaluated_set] if tuning_set is None else [evaluated_set, tuning_set]
    scored = pair_cosines(context, sets)
    evaluated = scored[0]
    tuning = scored[1] if tuning_set is not None else None
    rows = binary_rows(evaluated, tuning, tuned_on, oracle=spec.oracle)
    extra = {"n_total": evaluated.n_total, "meaning_context_cosine": evaluated.meaning_context_cosine}
    if tuning is not None:
        extra.update(
            n_tuning_pairs=len(tuning.pairs),
            n_tuning_unlocatable=len(tuning.unlocatable),
            tuning_unlocatable=_unlocatable(tuning.unlocatable),
        )
    return _entry(spec, len(evaluated.pairs), evaluated.unlocatable, rows, **extra)


def run_graded(context: EvalContext, spec: TaskSpec) -> dict:
    """Spearman of pair cosines against ratings."""
    (evaluated,) = pair_cosines(context, [spec.source.load(context, spec.name)])
    return _entry(
        spec,
        len(evaluated.pairs),
        evaluated.unlocatable,
        graded_rows(evaluated),
        n_total=evaluated.n_total,
        meaning_context_cosine=evaluated.meaning_context_cosine,
    )


def _restrict(scored: PairCosines, keep: list[int]) -> PairCosines:
    index = np.asarray(keep, dtype=np.int64)
    return PairCosines(
        [scored.pairs[i] for i in keep],
        scored.gold[index],
        {row: values[index] for row, values in scored.cosines.items()},
        scored.unlocatable,
        scored.n_total,
    )


def run_contextual(context: EvalContext, spec: TaskSpec) -> dict:
    """CoSimLex: both contexts of every word pair; an item counts only when both are located."""
    data = spec.source.load(context, spec.name)
    first = PairSet(data.source, [item.first for item in data.items], [], len(data.items))
    second = PairSet(data.source, [item.second for item in data.items], [], len(data.items))
    scored1, scored2 = pair_cosines(context, [first, second])
    ids1 = {pair.id.rsplit(":", 1)[0]: i for i, pair in enumerate(scored1.pairs)}
    ids2 = {pair.id.rsplit(":", 1)[0]: i for i, pair in enumerate(scored2.pairs)}
    common = [item_id for item_id in ids1 if item_id in ids2]
    scored1 = _restrict(scored1, [ids1[i] for i in common])
    scored2 = _restrict(scored2, [ids2[i] for i in common])
    unlocatable = data.unlocatable + scored1.unlocatable + scored2.unlocatable
    rows = contextual_rows(scored1, scored2)
    return _entry(spec, len(common), unlocatable, rows, n_total=data.n_total)


def run_sentences(context: EvalContext, spec: TaskSpec) -> dict:
    """STS: Spearman of sentence scores built from word vectors (greedy F1 is the score)."""
    data: SentencePairSet = spec.source.load(context, spec.name)
    rows, scored, unlocatable = sentence_rows(context, data)
    return _entry(
        spec,
        scored,
        unlocatable,
        rows,
        n_total=len(data.pairs),
        n_unscored=data.n_unscored,
        score_from=PRIMARY,
        notes=data.notes,
    )


def run_offset(context: EvalContext, spec: TaskSpec) -> dict:
    """Language offset of en–X translation pairs against the X–X (or en–en) MCL-WiC dev pairs."""
    language = spec.language
    path = context.require_heldout(spec.name)
    translations = load_translation_pairs(path)
    if language not in translations:
        found = ", ".join(sorted(translations)) or "none"
        raise ValueError(
            f"task {spec.name!r}: {path} has no English–{language} anchor/positive pairs "
            f"(languages with pairs: {found})"
        )
    reference_set = spec.source.load(context, spec.name)
    reference, pairs = pair_cosines(context, [reference_set, translations[language]])
    rows = offset_rows(reference, pairs)
    return _entry(
        spec,
        len(pairs.pairs),
        pairs.unlocatable,
        rows,
        n_total=pairs.n_total,
        reference=spec.source.label,
        n_reference_pairs=len(reference.pairs),
        n_reference_unlocatable=len(reference.unlocatable),
        translations=path.name,
    )
