"""What a training run records about its environment (read later by the model card)."""

from __future__ import annotations

import os
import platform
from typing import Any

import torch


def library_versions() -> dict[str, str]:
    import accelerate
    import datasets
    import transformers

    from .. import __version__

    return {
        "wicdistill": __version__,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "accelerate": accelerate.__version__,
        "datasets": datasets.__version__,
        "python": platform.python_version(),
    }


def hardware(accelerator: Any) -> dict[str, Any]:
    device = accelerator.device
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else None
    return {
        "device": device.type,
        "num_processes": accelerator.num_processes,
        "accelerator": name,
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "mixed_precision": accelerator.mixed_precision,
    }
