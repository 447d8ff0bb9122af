"""``random`` negatives: a word of the host language with about the target's corpus frequency."""

from __future__ import annotations

import random
from collections.abc import Sequence

from .base import NegativeChoice, NegativeRequest, is_related
from .pool import CandidatePool


class RandomNegatives:
    name = "random"

    def __init__(self, pool: CandidatePool) -> None:
        self.pool = pool
        self._buckets: dict[str, dict[int, list[str]]] = {}

    def _bucketed(self, lang: str) -> dict[int, list[str]]:
        if lang not in self._buckets:
            vocab = self.pool.vocabularies.get(lang)
            buckets: dict[int, list[str]] = {}
            for word in self.pool.words(lang):
                buckets.setdefault(vocab.frequency_bucket(word), []).append(word)
            self._buckets[lang] = buckets
        return self._buckets[lang]

    def choose(self, requests: Sequence[NegativeRequest]) -> list[NegativeChoice | str]:
        results: list[NegativeChoice | str] = []
        for request in requests:
            buckets = self._bucketed(request.lang)
            if not buckets:
                results.append(f"no candidate vocabulary for language {request.lang!r}")
                continue
            vocab = self.pool.vocabularies[request.lang]
            bucket = vocab.frequency_bucket(request.word.casefold())
            options: list[str] = []
            for distance in range(0, 32):
                options = [
                    w for b in sorted({bucket - distance, bucket + distance}) for w in buckets.get(b, [])
                ]
                if len(options) >= 5:
                    break
            rng = random.Random(request.seed)
            tries = (rng.choice(options) for _ in range(20)) if options else iter(())
            word = next((w for w in tries if not is_related(w, request.word)), None)
            if word is None:
                results.append("no frequency-matched word")
                continue
            score = None
            if self.pool.embedder is not None:
                pair = self.pool.embedder.vectors([request.word, word]).numpy()
                score = float(pair[0] @ pair[1])
            results.append(NegativeChoice(self.pool.spelling(request.lang, word), score))
        return results
