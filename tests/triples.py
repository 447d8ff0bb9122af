"""Small synthetic triple corpora in the corpus record format (docs/schemas.md)."""

from __future__ import annotations

import random

import datasets

WORDS = ["bank", "river", "money", "plant", "water", "play", "ball", "bat", "rain", "cafe", "power", "shore"]
ANCHOR = [
    "He sat on the {} of the river.",
    "The {} was muddy after the rain.",
    "They play near the {} at night.",
]
POSITIVE = [
    "She walked to the {} by the water.",
    "A {} in Zurich serves the bankers.",
    "The old {} grows near power.",
]


def _span(template: str, word: str) -> dict:
    text = template.format(word)
    start = template.index("{}")
    return {"text": text, "start": start, "end": start + len(word)}


def triple_records(n: int, seed: int = 0, crosslingual_every: int = 0) -> list[dict]:
    """``n`` records; every ``crosslingual_every``-th one is crosslingual (0 = none)."""
    rng = random.Random(seed)
    records = []
    for i in range(n):
        word, other = rng.sample(WORDS, 2)
        a_tpl, p_tpl = rng.choice(ANCHOR), rng.choice(POSITIVE)
        crosslingual = crosslingual_every > 0 and i % crosslingual_every == 0
        host = p_tpl if crosslingual else a_tpl
        records.append(
            {
                "id": f"r{i:05d}",
                "anchor": {**_span(a_tpl, word), "lang": "en"},
                "positive": {**_span(p_tpl, word), "lang": "fr" if crosslingual else "en"},
                "negative": {**_span(host, other), "lang": "fr" if crosslingual else "en"},
                "setting": "crosslingual" if crosslingual else "monolingual",
                "negative_strategy": "random",
                "positive_source": "synthetic",
                "alignment": "surface",
                "alignment_score": 1.0,
                "negative_score": 0.0,
                "pair_id": f"p{i // 2:05d}",
            }
        )
    return records


def triple_dataset(n: int, seed: int = 0, crosslingual_every: int = 0) -> datasets.Dataset:
    return datasets.Dataset.from_list(triple_records(n, seed, crosslingual_every))


def triple_dataset_from(records: list[dict]) -> datasets.Dataset:
    return datasets.Dataset.from_list(records)
