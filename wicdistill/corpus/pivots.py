"""Pivot positives: two words of one language that translate the same word in two sentence pairs.

A bitext record pairs an English word with the foreign word aligned to it. Two records whose
foreign words are the same form but whose English words differ give an English positive that
differs from the anchor in context *and* form ("house" in one sentence, "home" in another, both
aligned to "maison"); the reverse direction pairs two foreign forms aligned to the same English
word. No label is needed: the alignment of the corpus is the only evidence. The records are
monolingual (the negative lives in the anchor's sentence): the foreign direction reuses the first
record's negative, which already is that sentence with its word replaced; the English direction
replaces the anchor's word by a random English anchor word of the corpus, drawn by its frequency
there (the words of the corpus stand in for the frequency band of the builder's vocabulary).
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from .store import span

__all__ = ["PIVOT_DIRECTIONS", "pivot_records"]

PIVOT_DIRECTIONS = ("english", "foreign")


def _word(role: dict) -> str:
    return role["text"][role["start"] : role["end"]]


def _form(role: dict) -> str:
    return _word(role).casefold()


def _english_negative(
    anchor: dict, positive: dict, words: Sequence[str], weights: Sequence[int], rng: random.Random
) -> dict | None:
    """The anchor's sentence with its word replaced by a random English word of the corpus that is
    neither the anchor's nor the positive's form."""
    taken = {_form(anchor), _form(positive)}
    for _ in range(32):
        (word,) = rng.choices(words, weights=weights)
        if word.casefold() not in taken:
            text = anchor["text"][: anchor["start"]] + word + anchor["text"][anchor["end"] :]
            return span(text, anchor["start"], anchor["start"] + len(word), anchor["lang"])
    return None


def _record(first: dict, second: dict, anchor: dict, positive: dict, negative: dict, direction: str) -> dict:
    scores = [r.get("alignment_score") for r in (first, second)]
    known = [s for s in scores if s is not None and not math.isnan(s)]
    return {
        "id": f"pivot-{direction}:{first['id']}|{second['id']}",
        "anchor": anchor,
        "positive": positive,
        "negative": negative,
        "setting": "monolingual",
        "negative_strategy": "random",
        "positive_source": f"pivot-{direction}",
        "alignment": "pivot",
        "alignment_score": min(known) if known else float("nan"),
        "negative_score": float("nan"),
        "pair_id": first["pair_id"],
    }


def _pairs(group: list[dict], other_form, max_per_word: int, rng: random.Random) -> list[tuple[dict, dict]]:
    """Up to ``max_per_word`` (first, second) records of one group from different sentence pairs
    whose other-side forms differ."""
    candidates = [
        (a, b)
        for i, a in enumerate(group)
        for b in group[i + 1 :]
        if a["pair_id"] != b["pair_id"] and other_form(a) != other_form(b)
    ]
    rng.shuffle(candidates)
    return candidates[:max_per_word]


def pivot_records(
    records: Iterable[dict[str, Any]],
    directions: Sequence[str] = PIVOT_DIRECTIONS,
    max_per_word: int = 4,
    min_alignment_score: float = 0.9,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Pivot-positive records (docs/schemas.md record format) from crosslingual English–X records.

    ``directions``: ``english`` (two English words aligned to one foreign form) and/or ``foreign``
    (two foreign forms of one language aligned to one English word). ``max_per_word`` caps the
    records of one pivot word, so frequent words do not crowd the rest; both records must have an
    ``alignment_score`` of at least ``min_alignment_score`` (a pivot compounds two alignments'
    errors). Deterministic in ``seed``."""
    unknown = [d for d in directions if d not in PIVOT_DIRECTIONS]
    if unknown or not directions:
        raise ValueError(f"directions must be some of {PIVOT_DIRECTIONS}, got {list(directions)!r}")
    if max_per_word < 1:
        raise ValueError(f"max_per_word must be >= 1, got {max_per_word}")
    crosslingual = [
        r
        for r in records
        if r.get("setting") == "crosslingual"
        and r["anchor"]["lang"] == "en"
        and r["positive"]["lang"] != "en"
    ]
    usable = [r for r in crosslingual if (r.get("alignment_score") or 0.0) >= min_alignment_score]
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    if "english" in directions:
        counts = Counter(_word(r["anchor"]) for r in crosslingual)
        words, weights = list(counts), list(counts.values())
        by_foreign: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for r in usable:
            by_foreign[(r["positive"]["lang"], _form(r["positive"]))].append(r)
        for key in sorted(by_foreign):
            for first, second in _pairs(by_foreign[key], lambda r: _form(r["anchor"]), max_per_word, rng):
                negative = _english_negative(first["anchor"], second["anchor"], words, weights, rng)
                if negative is not None:
                    out.append(_record(first, second, first["anchor"], second["anchor"], negative, "english"))
    if "foreign" in directions:
        by_english: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for r in usable:
            by_english[(r["positive"]["lang"], _form(r["anchor"]))].append(r)
        for key in sorted(by_english):
            for first, second in _pairs(by_english[key], lambda r: _form(r["positive"]), max_per_word, rng):
                out.append(
                    _record(
                        first, second, first["positive"], second["positive"], first["negative"], "foreign"
                    )
                )
    return out
