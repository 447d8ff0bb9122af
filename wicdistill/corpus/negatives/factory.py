"""Build the negative strategy a config names."""

from __future__ import annotations

from .base import NegativeStrategy
from .embedding import EmbeddingNegatives
from .masked_lm import MaskedLMNegatives
from .pool import CandidatePool
from .random_words import RandomNegatives

STRATEGIES = ("mlm", "embedding", "random")


def make_strategy(
    name: str,
    pool: CandidatePool,
    band: tuple[int, int] = (20, 200),
    mlm_model=None,
    mlm_tokenizer=None,
    mlm_top_k: int = 50,
) -> NegativeStrategy:
    """``mlm`` needs a masked LM and its tokenizer; ``embedding`` a pool with static vectors."""
    if name == "embedding":
        return EmbeddingNegatives(pool, band)
    if name == "random":
        return RandomNegatives(pool)
    if name == "mlm":
        if mlm_model is None or mlm_tokenizer is None:
            raise ValueError("the mlm negative strategy needs a masked LM (--mlm-model NAME_OR_PATH)")
        return MaskedLMNegatives(mlm_model, mlm_tokenizer, mlm_top_k)
    raise ValueError(f"unknown negative strategy {name!r}; expected one of {', '.join(STRATEGIES)}")
