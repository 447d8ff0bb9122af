"""A run's mutable state as safetensors + JSON, never pickle: optimizer, scheduler and RNG states.

Pickled state (``torch.save``) runs code when it is loaded, so a planted file in a checkpoint
folder would execute on resume. Here every tensor goes to safetensors and everything else to
JSON; loading either can only produce numbers and strings.
"""

from __future__ import annotations

import json
import random
from typing import Any

import numpy as np
import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

__all__ = [
    "optimizer_files",
    "optimizer_from_files",
    "restore_rng",
    "rng_file",
]

_TENSOR = "tensor"  # a JSON leaf {"tensor": key} stands for tensors[key]


def optimizer_files(state: dict[str, Any]) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """An ``optimizer.state_dict()`` as (JSON document, tensors): per-parameter tensors by key."""
    tensors: dict[str, torch.Tensor] = {}
    per_param: dict[str, dict[str, Any]] = {}
    for index, entries in state["state"].items():
        saved = per_param[str(index)] = {}
        for name, value in entries.items():
            if torch.is_tensor(value):
                key = f"state.{index}.{name}"
                tensors[key] = value.detach().to("cpu", copy=True).contiguous()
                saved[name] = {_TENSOR: key}
            else:
                saved[name] = value
    return {"state": per_param, "param_groups": state["param_groups"]}, tensors


def optimizer_from_files(
    document: dict[str, Any], tensors: dict[str, torch.Tensor], live_groups: list[dict[str, Any]]
) -> dict[str, Any]:
    """The ``state_dict`` that ``optimizer_files`` split; tuples (``betas``) come back as tuples."""
    state = {
        int(index): {
            name: tensors[value[_TENSOR]] if isinstance(value, dict) and _TENSOR in value else value
            for name, value in entries.items()
        }
        for index, entries in document["state"].items()
    }
    groups = []
    for saved, live in zip(document["param_groups"], live_groups, strict=True):
        groups.append({k: tuple(v) if isinstance(live.get(k), tuple) else v for k, v in saved.items()})
    return {"state": state, "param_groups": groups}


def rng_file() -> bytes:
    """This process's RNG states (torch CPU and CUDA, numpy, ``random``) as one safetensors file.

    The torch generators are uint8 tensors; numpy's and Python's states go to the header as JSON.
    """
    tensors = {"torch_cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        for device, generator in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"cuda.{device}"] = generator
    kind, keys, position, has_gauss, cached = np.random.get_state()
    version, internal, gauss_next = random.getstate()
    header = {
        "numpy": json.dumps([kind, keys.tolist(), position, has_gauss, cached]),
        "python": json.dumps([version, list(internal), gauss_next]),
    }
    return save_tensors(tensors, metadata=header)


def restore_rng(data: bytes) -> None:
    """Set every RNG of this process to the states ``rng_file`` wrote."""
    tensors = load_tensors(data)
    torch.set_rng_state(tensors["torch_cpu"])
    cuda = sorted((k for k in tensors if k.startswith("cuda.")), key=lambda k: int(k.split(".")[1]))
    if cuda and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([tensors[k] for k in cuda])
    header = _header(data)
    kind, keys, position, has_gauss, cached = json.loads(header["numpy"])
    np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), position, has_gauss, cached))
    version, internal, gauss_next = json.loads(header["python"])
    random.setstate((version, tuple(internal), gauss_next))


def _header(data: bytes) -> dict[str, str]:
    """The ``__metadata__`` of a safetensors file held in memory."""
    size = int.from_bytes(data[:8], "little")
    return json.loads(data[8 : 8 + size]).get("__metadata__", {})
