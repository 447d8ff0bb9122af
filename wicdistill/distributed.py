"""An ``Accelerator`` that also spreads over CPU processes when no accelerator device exists."""

from __future__ import annotations

import os
from typing import Any

import torch


def cpu_processes_only() -> bool:
    """True when launched as several processes (``WORLD_SIZE`` > 1) on a machine with no GPU/XPU/...

    accelerate then needs ``cpu=True`` to join the processes with gloo; without it each process
    would train alone on the whole data.
    """
    has_device = (
        torch.accelerator.is_available() if hasattr(torch, "accelerator") else torch.cuda.is_available()
    )
    return not has_device and int(os.environ.get("WORLD_SIZE", "1")) > 1


def make_accelerator(**kwargs: Any):
    from accelerate import Accelerator

    if cpu_processes_only():
        kwargs.setdefault("cpu", True)
    return Accelerator(**kwargs)
