"""The trainable part of a WicDistillModel: Transformer encoders over the layer axis, the residual
meaning head, and meaning centring.

A target's stack ``X`` of shape ``(L, d)`` (one row per selected encoder layer) is read as a
sequence of ``L`` tokens; each distiller attends over it and mean-pools to one vector.

This file travels to the Hub with every checkpoint (``trust_remote_code``): it imports only the
standard library, torch, transformers and its siblings.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .configuration_wicdistill import WicDistillConfig

__all__ = [
    "CorrectionProjection",
    "DistillerLayer",
    "LayerDistiller",
    "MeaningCentering",
    "ResidualMeaningDistiller",
]


class DistillerLayer(nn.Module):
    """Post-LN Transformer encoder layer over the layer axis that can return its attention."""

    def __init__(self, d_model: int, num_heads: int, ffn_dim: int, dropout: float, activation: str) -> None:
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d_model, num_heads, dropout=dropout, batch_first=True)
        self.linear1 = nn.Linear(d_model, ffn_dim)
        self.linear2 = nn.Linear(ffn_dim, d_model)
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.dropout = nn.Dropout(dropout)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.activation = F.gelu if activation == "gelu" else F.relu

    def forward(
        self, x: torch.Tensor, output_attentions: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        attended, weights = self.self_attn(x, x, x, need_weights=output_attentions, average_attn_weights=True)
        x = self.norm1(x + self.dropout1(attended))
        x = self.norm2(x + self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x))))))
        return x, weights


class LayerDistiller(nn.Module):
    """Transformer encoder whose sequence is the L selected layers, mean-pooled to one vector."""

    def __init__(self, config: WicDistillConfig) -> None:
        super().__init__()
        d = config.hidden_size
        self.layer_position = (
            nn.Embedding(config.num_selected_layers, d) if config.layer_position_embedding else None
        )
        ffn_dim = int(config.distiller_ffn_multiplier * d)
        self.layers = nn.ModuleList(
            DistillerLayer(
                d, config.distiller_heads, ffn_dim, config.distiller_dropout, config.distiller_activation
            )
            for _ in range(config.distiller_layers)
        )

    def forward(self, layer_stack: torch.Tensor, output_attentions: bool = False):
        x = layer_stack
        if self.layer_position is not None:
            x = x + self.layer_position.weight[None, : x.shape[1]]
        attentions = []
        for layer in self.layers:
            x, weights = layer(x, output_attentions)
            attentions.append(weights)
        return x.mean(dim=1), (tuple(attentions) if output_attentions else None)


class CorrectionProjection(nn.Linear):
    """The output projection of the residual meaning head; ``_init_weights`` starts it at zero."""


class ResidualMeaningDistiller(LayerDistiller):
    """``meaning_head="residual"``: the layer mean plus a learned correction of it.

    The correction's output projection starts at zero, so an untrained head returns the raw layer
    mean (the ``baseline``) exactly: training moves the meaning vector away only as the loss asks.
    """

    def __init__(self, config: WicDistillConfig) -> None:
        super().__init__(config)
        self.correction = CorrectionProjection(config.hidden_size, config.hidden_size)

    def forward(self, layer_stack: torch.Tensor, output_attentions: bool = False):
        pooled, attentions = super().forward(layer_stack, output_attentions)
        return layer_stack.mean(dim=1) + self.correction(pooled), attentions


class MeaningCentering(nn.Module):
    """Per-language mean meaning vectors, subtracted at inference (an option beyond the paper).

    A multilingual encoder places each language around its own mean; removing it lets one
    similarity threshold serve same-language and crosslingual pairs. Row ``i`` is the mean of
    language ``languages[i]``; the last row, the mean over all languages, serves texts whose
    language is unknown or was not seen in training. With no languages only that row is kept
    and every text loses the same mean (global centring). The means are fitted after training
    (``WicDistillModel.fit_meaning_centers``) and saved with the model. ``baseline_means`` are the
    same means of the raw layer mean, so that a meaning vector mixed with it (``meaning_mix``) loses
    exactly its own mean for any mixing weight, without refitting.
    """

    def __init__(self, languages: Sequence[str], hidden_size: int) -> None:
        super().__init__()
        self.languages = list(languages)
        self.register_buffer("means", torch.zeros(len(self.languages) + 1, hidden_size))
        self.register_buffer("baseline_means", torch.zeros(len(self.languages) + 1, hidden_size))

    def rows(self, langs: Sequence[str | None]) -> torch.Tensor:
        index = {lang: i for i, lang in enumerate(self.languages)}
        fallback = len(self.languages)
        return torch.tensor([index.get(lang, fallback) for lang in langs], device=self.means.device)

    def forward(self, meaning: torch.Tensor, langs: Sequence[str | None], mix: float = 0.0) -> torch.Tensor:
        rows = self.rows(langs)
        means = self.means[rows]
        if mix:
            means = (1 - mix) * means + mix * self.baseline_means[rows]
        return meaning - means.to(meaning.dtype)
