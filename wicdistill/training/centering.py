"""Centring fits: the mean meaning vectors a centring model subtracts at inference.

They are fitted once after training, on the trained distillers, from the training triples alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

__all__ = ["CENTERING_RECORDS", "fit_centers"]

CENTERING_RECORDS = 20000


@torch.no_grad()
def fit_centers(model: Any, dataset: Any, corpus: Any, device: torch.device) -> None:
    """Fit the meaning means (per language, and over all; of the distilled meaning and of the raw layer
    mean) on up to 20k training records, all three roles."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    base.eval()
    positions = np.linspace(0, len(dataset) - 1, min(len(dataset), CENTERING_RECORDS)).astype(int).tolist()
    meanings, baselines, langs = [], [], []
    for start in range(0, len(positions), 256):
        chunk = positions[start : start + 256]
        batch = {k: v.to(device) for k, v in dataset.__getitems__(chunk).items() if k != "negative_host"}
        meaning, baseline = base.unmixed_meaning(base(**batch).layer_stack)
        meanings.append(meaning.float().cpu())
        baselines.append(baseline.float().cpu())
        anchors, partners = dataset.records[chunk], dataset.partners[chunk]
        langs += [_lang(corpus, "anchor", r) for r in anchors]
        langs += [_lang(corpus, role, r) for role in ("positive", "negative") for r in partners]
    base.fit_meaning_centers(torch.cat(meanings), langs, baseline=torch.cat(baselines))


def _lang(corpus: Any, role: str, record: int) -> str:
    """A record's language in one role ("" where the corpus records none: global centring needs none)."""
    langs = corpus.langs.get(role)
    return langs[record] if langs else ""
