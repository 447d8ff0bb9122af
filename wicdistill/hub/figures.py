"""Which selected encoder layers the meaning and context distillers draw on.

Each distiller attends over the layer axis; the attention a layer *receives* (averaged over
heads, queries, distiller layers and a sample of targets) is a distribution over the selected
layers, so each profile sums to 1. The card shows it as a bar chart next to the uniform level.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

DEFAULT_MAX_TARGETS = 256


@dataclass(frozen=True)
class LayerAttentionProfile:
    """Mean attention received per selected layer (``layers`` are hidden-state indices)."""

    layers: list[int]
    meaning: list[float]
    context: list[float]
    num_targets: int


def _sample(layer_stacks: torch.Tensor, max_targets: int) -> torch.Tensor:
    """Evenly spaced targets, so the sample does not depend on a random seed."""
    if layer_stacks.dim() != 3 or layer_stacks.shape[0] == 0:
        raise ValueError(
            f"layer_stacks must be a non-empty (N, L, d) tensor, got shape {tuple(layer_stacks.shape)}"
        )
    if max_targets < 1:
        raise ValueError(f"max_targets must be >= 1, got {max_targets}")
    n = layer_stacks.shape[0]
    if n <= max_targets:
        return layer_stacks
    index = torch.linspace(0, n - 1, steps=max_targets).round().long().unique()
    return layer_stacks[index]


def _received(attentions: tuple[torch.Tensor, ...]) -> list[float]:
    """Attention maps ``(N, L_query, L_key)`` whose rows sum to 1 -> mean attention per key layer."""
    stacked = torch.stack([a.float() for a in attentions])
    return stacked.mean(dim=(0, 1, 2)).tolist()


def layer_attention(
    model: Any, layer_stacks: torch.Tensor, max_targets: int = DEFAULT_MAX_TARGETS
) -> LayerAttentionProfile:
    """The layer-attention profile of both distillers of ``model`` on ``(N, L, d)`` layer stacks."""
    stacks = _sample(layer_stacks, max_targets)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model.distill(stacks.to(model.device), output_attentions=True)
    finally:
        model.train(was_training)
    return LayerAttentionProfile(
        layers=list(model.config.layers),
        meaning=_received(out.meaning_attentions),
        context=_received(out.context_attentions),
        num_targets=int(stacks.shape[0]),
    )


def plot_layer_attention(
    model: Any,
    layer_stacks: torch.Tensor,
    path: str | os.PathLike,
    max_targets: int = DEFAULT_MAX_TARGETS,
) -> LayerAttentionProfile:
    """Draw the layer-attention profile of ``model`` as a PNG at ``path`` and return its numbers."""
    from matplotlib.figure import Figure

    profile = layer_attention(model, layer_stacks, max_targets)
    positions = list(range(len(profile.layers)))
    width = 0.4
    figure = Figure(figsize=(max(4.0, 0.6 * len(positions) + 2.5), 3.2))
    axes = figure.add_subplot()
    axes.bar([p - width / 2 for p in positions], profile.meaning, width, label="meaning distiller")
    axes.bar([p + width / 2 for p in positions], profile.context, width, label="context distiller")
    axes.axhline(1.0 / len(positions), color="grey", linestyle="--", linewidth=1, label="uniform")
    axes.set_xticks(positions, [str(layer) for layer in profile.layers])
    axes.set_xlabel("encoder layer (hidden-state index)")
    axes.set_ylabel("mean attention received")
    axes.set_title(f"Layer attention over {profile.num_targets} targets")
    axes.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3, frameon=False)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    try:
        figure.savefig(partial, format="png", dpi=110, bbox_inches="tight")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return profile
