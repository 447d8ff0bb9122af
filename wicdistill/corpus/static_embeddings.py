"""Static (input-embedding) word vectors: the mean of a word's sub-word input embeddings.

Used to judge how similar a substitute is to the word it replaces, without a forward pass.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from ..targets_wicdistill import blank_piece_ids


class StaticEmbedder:
    """Unit-length static vectors for words, from a tokenizer and an input-embedding matrix."""

    def __init__(self, tokenizer, embeddings: torch.Tensor) -> None:
        self.tokenizer = tokenizer
        # a float32 host copy: lookups are tiny and the models may live on an accelerator
        self.embeddings = embeddings.detach().float().cpu()
        self.blank_ids = blank_piece_ids(tokenizer)
        self._cache: dict[str, torch.Tensor] = {}

    @classmethod
    def from_model(cls, model, tokenizer) -> StaticEmbedder:
        return cls(tokenizer, model.get_input_embeddings().weight)

    def vectors(self, words: Sequence[str]) -> torch.Tensor:
        """``(len(words), d)`` unit vectors (zeros for a word with no known piece)."""
        missing = [w for w in dict.fromkeys(words) if w not in self._cache]
        if missing:
            encoded = self.tokenizer(missing, add_special_tokens=False, verbose=False)["input_ids"]
            unk = self.tokenizer.unk_token_id
            for word, ids in zip(missing, encoded):
                ids = [i for i in ids if i not in self.blank_ids and i != unk and i < len(self.embeddings)]
                if ids:
                    vector = F.normalize(self.embeddings[ids].mean(dim=0), dim=0)
                else:
                    vector = torch.zeros(self.embeddings.shape[1])
                self._cache[word] = vector
        if not words:
            return torch.zeros((0, self.embeddings.shape[1]))
        return torch.stack([self._cache[w] for w in words])
