"""Per-language pools of substitute words (from the corpus vocabulary) with static vectors."""

from __future__ import annotations

from collections.abc import Mapping

import torch

from ..static_embeddings import StaticEmbedder
from ..vocabulary import Vocabulary


class CandidatePool:
    """Words of each host language that may replace a target, built on first use."""

    def __init__(
        self,
        vocabularies: Mapping[str, Vocabulary],
        embedder: StaticEmbedder | None,
        min_count: int = 2,
        max_words: int = 50000,
        skip_top: int = 0,
    ) -> None:
        self.vocabularies = vocabularies
        self.embedder = embedder
        self.min_count = min_count
        self.max_words = max_words
        self.skip_top = skip_top
        self._words: dict[str, list[str]] = {}
        self._vectors: dict[str, torch.Tensor] = {}

    def words(self, lang: str) -> list[str]:
        if lang not in self._words:
            vocab = self.vocabularies.get(lang)
            words = vocab.candidate_words(self.min_count, skip_top=self.skip_top) if vocab is not None else []
            words = words[: self.max_words]
            if self.embedder is not None and words:
                vectors = self.embedder.vectors(words)
                known = vectors.norm(dim=1) > 0
                words = [w for w, k in zip(words, known.tolist()) if k]
                self._vectors[lang] = vectors[known]
            self._words[lang] = words
        return self._words[lang]

    def vectors(self, lang: str) -> torch.Tensor:
        if self.embedder is None:
            raise ValueError("this candidate pool was built without static embeddings")
        self.words(lang)
        return self._vectors.get(lang, torch.zeros((0, self.embedder.embeddings.shape[1])))

    def spelling(self, lang: str, key: str) -> str:
        vocab = self.vocabularies.get(lang)
        return vocab.usual_spelling(key) if vocab is not None else key
