"""What makes cached features valid: the encoder's architecture, its weights and the layers."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import torch

__all__ = ["encoder_identity", "identity_mismatch"]

_VOLATILE_CONFIG_KEYS = {"_name_or_path", "transformers_version", "dtype", "torch_dtype", "architectures"}


def _config_hash(config: Any) -> str:
    values = {
        k: v for k, v in config.to_dict().items() if k not in _VOLATILE_CONFIG_KEYS and not k.startswith("_")
    }
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:16]


@torch.no_grad()
def _weights_hash(encoder: torch.nn.Module, values_per_tensor: int = 4096) -> str:
    """A hash of the first values of every weight: cheap, and different for any two checkpoints
    of one architecture (a config hash alone cannot tell bert-base from a fine-tuned bert-base)."""
    digest = hashlib.sha256()
    for name, param in sorted(encoder.state_dict().items()):
        if "lora_" in name:
            continue
        digest.update(name.encode())
        head = param.detach().reshape(-1)[:values_per_tensor].to(torch.float32).cpu()
        digest.update(head.numpy().tobytes())
    return digest.hexdigest()[:16]


def encoder_identity(model: Any) -> dict[str, Any]:
    """The identity a feature cache records and checks against the model that reads it."""
    config = model.config
    return {
        "name_or_path": config.encoder_name_or_path,
        "model_type": config.encoder.model_type,
        "config_hash": _config_hash(config.encoder),
        "weights_hash": _weights_hash(model.encoder),
        "layers": list(config.layers),
        "hidden_size": config.hidden_size,
    }


def identity_mismatch(cached: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Human-readable differences that make a cache unusable for the current model.

    A cache of more layers serves a model that selects a subset of them.
    """
    problems = []
    missing = [layer for layer in current.get("layers", []) if layer not in cached.get("layers", [])]
    if missing:
        problems.append(
            f"layers: cache {cached.get('layers')!r} vs model {current.get('layers')!r} (missing {missing})"
        )
    for key in ("hidden_size", "config_hash", "weights_hash"):
        if cached.get(key) != current.get(key):
            problems.append(f"{key}: cache {cached.get(key)!r} vs model {current.get(key)!r}")
    return problems
