"""The part of the model that trains on cached features: the two distillers and the loss."""

from __future__ import annotations

from typing import Any

from torch import nn


class DistillerHeads(nn.Module):
    """Wraps a model's meaning/context distillers (shared, not copied) for cached-feature training.

    Preparing only these for the device and DDP keeps a frozen encoder (possibly several GB)
    off the accelerator when it has nothing to do; the trained weights are the model's own.
    """

    def __init__(self, model: nn.Module):
        super().__init__()
        self.meaning = model.meaning
        self.context = model.context
        self._model = [model]

    def forward(self, **kwargs: Any):
        return self._model[0](**kwargs)
