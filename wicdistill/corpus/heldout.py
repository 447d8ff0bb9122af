"""Held-out routing by a stable hash of ``pair_id``: every record of a source pair lands on the
same side, in every build, whatever the seed or the order of the inputs."""

from __future__ import annotations

import hashlib


def heldout_value(pair_id: str) -> float:
    """A uniform number in [0, 1) fixed by the pair id."""
    digest = hashlib.sha1(pair_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def is_heldout(pair_id: str, fraction: float) -> bool:
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"heldout fraction must be in [0, 1), got {fraction}")
    return heldout_value(pair_id) < fraction
