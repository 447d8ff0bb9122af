"""Which corpus records a run trains on: the validation split and the selection switches.

The split is by source pair (records of one pair never straddle it) and stable across runs of
one seed; the switches (drop identical positives, a seeded subset, language balance) act on the
training side only, so the validation set and the feature cache stay the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..corpus.store import stable_fraction

__all__ = [
    "balanced_records",
    "corpus_languages",
    "identical_positives",
    "positive_languages",
    "select_training_records",
    "split_records",
    "target_words",
]


def split_records(
    group_ids: list[str], validation_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Train/validation record indices; records of one source pair never straddle the split."""
    if len(group_ids) < 2:
        raise ValueError(
            f"the corpus has {len(group_ids)} record(s); training needs at least 2 (1 for validation)"
        )

    def bucket(group: str) -> float:
        return stable_fraction(seed, group, digest="sha256")

    is_val = np.fromiter(
        (bucket(g) < validation_fraction for g in group_ids), dtype=bool, count=len(group_ids)
    )
    if not is_val.any():
        is_val[np.argmin([bucket(g) for g in group_ids])] = True
    train, val = np.nonzero(~is_val)[0], np.nonzero(is_val)[0]
    if len(train) == 0:
        raise ValueError(
            f"all {len(group_ids)} record(s) fell into the validation split (validation_fraction="
            f"{validation_fraction}); the corpus is too small"
        )
    return train, val


def target_words(corpus: Any, role: str) -> list[str]:
    """The case-folded target word of every record in ``role`` (anchor, positive or negative)."""
    return [
        text[start:end].casefold()
        for text, start, end in zip(corpus.texts[role], corpus.starts[role], corpus.ends[role])
    ]


def corpus_languages(corpus: Any) -> list[str]:
    """Every language a word of the corpus is in, sorted: the rows a centring model stores."""
    return sorted({lang for values in getattr(corpus, "langs", {}).values() for lang in values})


def positive_languages(corpus: Any) -> list[str]:
    """The language of every record's positive ("" for all when the corpus carries none)."""
    return corpus.langs.get("positive") or [""] * len(corpus)


def identical_positives(corpus: Any) -> np.ndarray:
    """Per record: is the positive the anchor's own word form (case-folded)?

    Such positives (a copied name or number in a translation, the same word in a paraphrase)
    teach the meaning head "same string" rather than "same sense".
    """
    anchors, positives = target_words(corpus, "anchor"), target_words(corpus, "positive")
    return np.fromiter((a == p for a, p in zip(anchors, positives)), dtype=bool, count=len(anchors))


def balanced_records(corpus: Any, records: np.ndarray, seed: int) -> np.ndarray:
    """``records`` with each positive language's share raised to that of the largest one.

    Every record is kept once and a seeded sample of each smaller language is repeated until it
    has as many records as the largest, so that a language with a quarter of the bitext gets as
    many updates as the others. Monolingual corpora (one language) come back unchanged.
    """
    records = np.asarray(records, dtype=np.int64)
    languages = positive_languages(corpus)
    by_language: dict[str, list[int]] = {}
    for record in records.tolist():
        by_language.setdefault(languages[record], []).append(record)
    target = max((len(v) for v in by_language.values()), default=0)
    rng = np.random.default_rng(seed)
    parts = []
    for language in sorted(by_language):
        members = np.array(by_language[language], dtype=np.int64)
        repeats, rest = divmod(target, len(members))
        parts += [np.tile(members, repeats), rng.permutation(members)[:rest]]
    return np.sort(np.concatenate(parts)) if parts else records


def select_training_records(config: Any, corpus: Any, train_ids: np.ndarray) -> np.ndarray:
    """The training records after ``config``'s selection switches, in the order the loop applies them."""
    if config.drop_identical_positives:
        train_ids = train_ids[~identical_positives(corpus)[train_ids]]
        if len(train_ids) == 0:
            raise ValueError(
                "drop_identical_positives left no training record: every positive is its anchor's word"
            )
    if config.max_train_records is not None and config.max_train_records < len(train_ids):
        # a seeded subset (learning curves); the validation split and the feature cache stay the same
        keep = np.random.default_rng(config.seed).permutation(len(train_ids))[: config.max_train_records]
        train_ids = np.sort(train_ids[keep])
    if config.balance_languages:
        train_ids = balanced_records(corpus, train_ids, config.seed)
    return train_ids
