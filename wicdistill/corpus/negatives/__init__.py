"""Negative words: one interface, one strategy per flag (``mlm``, ``embedding``, ``random``).

A strategy gets the host sentence and span of each request and returns a replacement word and
its static-embedding similarity to the replaced word (the record's ``negative_score``), or the
reason it found none.
"""

from .base import NegativeChoice, NegativeRequest, NegativeStrategy, is_related
from .embedding import EmbeddingNegatives
from .factory import STRATEGIES, make_strategy
from .masked_lm import MaskedLMNegatives
from .random_words import RandomNegatives

__all__ = [
    "STRATEGIES",
    "EmbeddingNegatives",
    "MaskedLMNegatives",
    "NegativeChoice",
    "NegativeRequest",
    "NegativeStrategy",
    "RandomNegatives",
    "is_related",
    "make_strategy",
]
