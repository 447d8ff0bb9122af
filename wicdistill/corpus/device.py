"""Where a build's models run: the device Accelerate selects (or ``--device``), its autocast dtype,
and host-to-device copies that do not stall the host.

Every model of a build (alignment encoder, masked LM, translators) uses one device; results always
come back to the host as float32, so everything after a forward is the same on any device.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager, nullcontext

import torch


def resolve_device(name: str | None = None) -> torch.device:
    """``name`` checked against this machine (``cpu``, ``cuda``, ``cuda:1``, ``mps``), or, when
    ``None``, the device Accelerate selects for this process (its local GPU under ``accelerate launch``)."""
    if name is None:
        if int(os.environ.get("WORLD_SIZE", "1")) > 1:
            from accelerate import PartialState

            from ..distributed import cpu_processes_only

            return PartialState(cpu=cpu_processes_only()).device
        # what Accelerate picks for one process, without claiming its process-wide state
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps" if torch.backends.mps.is_available() else "cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError):
        raise ValueError(f"--device {name!r} is not a device; expected cpu, cuda, cuda:N or mps") from None
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise ValueError(f"--device {name!r}: this machine has no CUDA device; use --device cpu")
        if device.index is not None and device.index >= count:
            raise ValueError(
                f"--device {name!r}: this machine has {count} CUDA device(s) (cuda:0..cuda:{count - 1})"
            )
    elif device.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"--device {name!r}: MPS is not available here; use --device cpu")
    elif device.type not in ("cpu", "cuda", "mps"):
        raise ValueError(
            f"--device {name!r}: unsupported device type {device.type!r}; expected cpu, cuda or mps"
        )
    return device


def autocast_dtype(device: torch.device, bf16_supported: bool | None = None) -> torch.dtype | None:
    """bfloat16 on a GPU that has it, float16 on older GPUs and MPS, none (float32) on the CPU:
    CPU autocast is slower than float32 for these encoders and changes their results."""
    if device.type == "cuda":
        if bf16_supported is None:
            bf16_supported = torch.cuda.is_bf16_supported()
        return torch.bfloat16 if bf16_supported else torch.float16
    if device.type == "mps":
        return torch.float16
    return None


def autocast(device: torch.device) -> AbstractContextManager:
    """The autocast context of ``device`` (a no-op where ``autocast_dtype`` is none)."""
    dtype = autocast_dtype(device)
    return torch.autocast(device.type, dtype=dtype) if dtype is not None else nullcontext()


def to_device(tensors: dict[str, torch.Tensor], device: torch.device) -> dict[str, torch.Tensor]:
    """Pinned, non-blocking copies to a GPU (the host goes on preparing the next batch); as is on the CPU."""
    if device.type != "cuda":
        return tensors
    return {k: v.pin_memory().to(device, non_blocking=True) for k, v in tensors.items()}


def model_device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device
