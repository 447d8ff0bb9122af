"""Partner mining: for a training record, other records that share a word form or a sense.

Each miner returns a seeded table over the corpus; the datasets then add the partners' targets
to a batch (``datasets.extra_targets``). Partners come from the training records only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..corpus.negatives.base import is_related
from .records import positive_languages, target_words

__all__ = [
    "cross_context_partners",
    "other_sense_partners",
    "same_form_partners",
    "unrelated_forms",
]


def cross_context_partners(corpus: Any, records: np.ndarray, seed: int) -> np.ndarray:
    """For each of ``records``, a record of *another* sentence pair that pairs the same anchor word
    with the same positive word (in the same language); the record itself when there is none.

    Every generated positive shares its anchor's context (a translation or paraphrase of the same
    sentence), so nothing asks the meaning head to ignore a change of context. The word pair
    (say *bank*/*rive*) pins the sense, so the partner's positive is the same sense in another
    sentence. Positives that are the anchor's own form pin nothing and keep their own record.
    Within a group of records the partners are a seeded rotation: each positive is used once.
    """
    records = np.asarray(records, dtype=np.int64)
    anchors, positives = target_words(corpus, "anchor"), target_words(corpus, "positive")
    languages = positive_languages(corpus)
    groups: dict[tuple[str, str, str], list[int]] = {}
    for record in np.unique(records).tolist():
        if anchors[record] != positives[record]:
            key = (anchors[record], positives[record], languages[record])
            groups.setdefault(key, []).append(record)
    partner_of = {int(r): int(r) for r in records}
    rng = np.random.default_rng(seed)
    for members in groups.values():
        if len(members) < 2:
            continue
        order = [members[i] for i in rng.permutation(len(members))]
        for record, partner in zip(order, order[1:] + order[:1]):
            if corpus.pair_ids[partner] != corpus.pair_ids[record]:
                partner_of[record] = partner
    return np.array([partner_of[int(r)] for r in records], dtype=np.int64)


def same_form_partners(corpus: Any, records: np.ndarray, seed: int) -> np.ndarray:
    """Per corpus record, ``(len(corpus), 2)``: a record of another sentence pair whose positive is
    the same word form in the same language, in another sentence (column 0), and one whose anchor
    is (column 1); -1 where there is none or the record is not among ``records``. Partners come
    from ``records`` only.

    They feed the form-consistency term: the partner's own translation of that form is the
    reference a same-form comparison must not beat. The sentence must differ too, not only the
    pair (one English sentence often has several translations): the same word in the same
    sentence would turn the term into a second alignment term. Records whose positive is the
    anchor's own form (names, numbers) take no part. Within a group the partners are a seeded
    rotation.
    """
    records = np.asarray(records, dtype=np.int64)
    anchors, positives = target_words(corpus, "anchor"), target_words(corpus, "positive")
    anchor_langs = corpus.langs.get("anchor") or [""] * len(corpus)
    positive_langs = positive_languages(corpus)
    keys = (
        lambda r: (positive_langs[r], positives[r]),
        lambda r: (anchor_langs[r], anchors[r]),
    )
    usable = [r for r in np.unique(records).tolist() if anchors[r] != positives[r]]
    table = np.full((len(corpus), 2), -1, dtype=np.int64)
    rng = np.random.default_rng(seed)
    for column, (key, sentences) in enumerate(zip(keys, (corpus.texts["positive"], corpus.texts["anchor"]))):
        groups: dict[tuple[str, str], list[int]] = {}
        for record in usable:
            groups.setdefault(key(record), []).append(record)
        _rotate_partners(groups, table[:, column], rng, corpus.pair_ids, sentences)
    return table


def _rotate_partners(
    groups: dict[Any, list[int]],
    out: np.ndarray,
    rng: np.random.Generator,
    pair_ids: list[str],
    sentences: list[str],
    accept: Any = None,
) -> None:
    """Write into ``out[record]`` the first member after it, in a seeded order of its group, that
    comes from another sentence pair and another sentence (and that ``accept(record, partner)``)."""
    for members in groups.values():
        order = [members[i] for i in rng.permutation(len(members))]
        for i, record in enumerate(order):
            for step in range(1, len(order)):
                partner = order[(i + step) % len(order)]
                if (
                    pair_ids[partner] != pair_ids[record]
                    and sentences[partner] != sentences[record]
                    and (accept is None or accept(record, partner))
                ):
                    out[record] = partner
                    break


def _is_han(word: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in word)


def unrelated_forms(a: str, b: str) -> bool:
    """Two words that are not one word in two forms: no shared stem, neither inside the other,
    no common beginning of four letters (inflections) and, in Chinese, no shared character."""
    a, b = a.casefold(), b.casefold()
    if is_related(a, b) or a in b or b in a or a[:4] == b[:4] and min(len(a), len(b)) >= 4:
        return False
    return not (_is_han(a) and _is_han(b) and set(a) & set(b))


def other_sense_partners(corpus: Any, records: np.ndarray, seed: int) -> np.ndarray:
    """Per corpus record, ``(len(corpus), 2)``: a record of another sentence whose anchor is this
    anchor's word form but was translated there by an unrelated word (column 0), and one whose
    positive is this positive's form but translates an unrelated word there (column 1); -1 where
    there is none or the record is not among ``records``. Partners come from ``records`` only.

    Two unrelated translations of one form point at two of its senses (*bank*: *rive* here,
    *banque* there), so the partner's word is the same form in, most likely, another sense: a hard
    negative for the alignment term, which must rank a word's own translation above it. Forms
    related by stem or containment (inflections, compounds) do not count as another translation.
    Within a group the partners are a seeded rotation.
    """
    records = np.asarray(records, dtype=np.int64)
    words = {"anchor": target_words(corpus, "anchor"), "positive": target_words(corpus, "positive")}
    langs = {
        "anchor": corpus.langs.get("anchor") or [""] * len(corpus),
        "positive": positive_languages(corpus),
    }
    usable = [r for r in np.unique(records).tolist() if words["anchor"][r] != words["positive"][r]]
    table = np.full((len(corpus), 2), -1, dtype=np.int64)
    rng = np.random.default_rng(seed)
    for column, (shared, other) in enumerate((("anchor", "positive"), ("positive", "anchor"))):
        groups: dict[tuple[str, str, str], list[int]] = {}
        for record in usable:
            key = (langs[shared][record], words[shared][record], langs[other][record])
            groups.setdefault(key, []).append(record)
        translations = words[other]
        _rotate_partners(
            groups,
            table[:, column],
            rng,
            corpus.pair_ids,
            corpus.texts[shared],
            lambda record, partner, t=translations: unrelated_forms(t[partner], t[record]),
        )
    return table
