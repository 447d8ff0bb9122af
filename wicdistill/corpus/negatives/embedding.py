"""``embedding`` negatives: dissimilar-but-plausible words from the input-embedding space.

Candidates are the host language's corpus words ranked by static similarity to the target; a
rank band (default 20-200) skips near-synonyms and inflections at the top and unrelated noise
at the bottom, and only band members less similar than the band's mean are kept.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np

from .base import NegativeChoice, NegativeRequest, is_related
from .pool import CandidatePool


class EmbeddingNegatives:
    name = "embedding"

    def __init__(self, pool: CandidatePool, band: tuple[int, int] = (20, 200)) -> None:
        if pool.embedder is None:
            raise ValueError("embedding negatives need a candidate pool with static embeddings")
        if not 0 <= band[0] < band[1]:
            raise ValueError(f"neighbour rank band must satisfy 0 <= low < high, got {band}")
        self.pool = pool
        self.band = band

    def choose(self, requests: Sequence[NegativeRequest]) -> list[NegativeChoice | str]:
        results: list[NegativeChoice | str] = [""] * len(requests)
        by_lang: dict[str, list[int]] = {}
        for i, request in enumerate(requests):
            by_lang.setdefault(request.lang, []).append(i)
        for lang, indices in by_lang.items():
            words = self.pool.words(lang)
            if len(words) < 2:
                for i in indices:
                    results[i] = f"no candidate vocabulary for language {lang!r}"
                continue
            vectors = self.pool.vectors(lang)
            targets = self.pool.embedder.vectors([requests[i].word for i in indices])
            high = min(self.band[1], len(words))
            low = min(self.band[0], high // 10)
            sims, ranks = (targets @ vectors.T).topk(high, dim=1)
            sims, ranks, known = sims.numpy(), ranks.numpy(), (targets.norm(dim=1) > 0).tolist()
            for row, i in enumerate(indices):
                if not known[row]:
                    results[i] = "target has no static embedding"
                    continue
                results[i] = self._pick(requests[i], words, sims[row, low:], ranks[row, low:], lang)
        return results

    def _pick(self, request, words, sims: np.ndarray, ranks: np.ndarray, lang: str) -> NegativeChoice | str:
        threshold = float(sims.mean())
        options = [
            (words[int(r)], float(s))
            for s, r in zip(sims.tolist(), ranks.tolist())
            if s < threshold and not is_related(words[int(r)], request.word)
        ]
        if not options:
            return "no dissimilar neighbour in the rank band"
        word, score = random.Random(request.seed).choice(options)
        return NegativeChoice(self.pool.spelling(lang, word), score)
