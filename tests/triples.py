"""Small synthetic triple corpora in the corpus record format (docs/schemas.md)."""

from __future__ import annotations

import random

import datasets

from wicdistill.corpus.store import CorpusColumns

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


def word_pair_columns(rows: list[tuple[str, ...]]) -> CorpusColumns:
    """One record per (anchor word, positive word, positive language, pair id[, sentence key]).

    The sentences are ``x WORD y KEY``, the key being the pair id unless given: records of one
    pair share their sentences, and a shared key gives two pairs the same sentences.
    """
    keys = [r[4] if len(r) > 4 else r[3] for r in rows]
    texts = {
        role: [f"x {w} y {k}" for w, k in zip(words, keys)]
        for role, words in (
            ("anchor", [r[0] for r in rows]),
            ("positive", [r[1] for r in rows]),
            ("negative", ["z"] * len(rows)),
        )
    }
    return CorpusColumns(
        ids=[f"r{i}" for i in range(len(rows))],
        texts=texts,
        starts={role: [2 if role != "negative" else 0] * len(rows) for role in texts},
        ends={
            role: [2 + len(r[k]) if role != "negative" else 1 for r in rows]
            for k, role in ((0, "anchor"), (1, "positive"), (1, "negative"))
        },
        settings=["crosslingual"] * len(rows),
        pair_ids=[r[3] for r in rows],
        langs={
            "anchor": ["en"] * len(rows),
            "positive": [r[2] for r in rows],
            "negative": [r[2] for r in rows],
        },
    )


FRENCH = ["Le {} est au bord du fleuve.", "On voit le {} depuis le pont.", "Un {} sans arbres ni herbe."]


def grouped_crosslingual_corpus(path):
    """Crosslingual records whose positives repeat one of two word pairs in varied sentences."""
    records = triple_records(96, crosslingual_every=3)
    for i, record in enumerate(records):
        if record["setting"] == "crosslingual":
            template = FRENCH[(i // 3) % 3]
            record["positive"] = {**_span(template, ["rivage", "banque"][i % 2]), "lang": "fr"}
            record["negative"] = {**_span(template, "arbre"), "lang": "fr"}
    triple_dataset_from(records).to_json(str(path))
    return records
