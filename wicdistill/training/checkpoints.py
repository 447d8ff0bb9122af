"""Checkpoints of a run: the loop state they carry, where they live, and how old ones go.

A checkpoint (``accelerator.save_state``) holds model, optimizer, scheduler, RNG and
``TrainerState``; it counts as complete once its ``trainer_done`` marker is written, so a run
killed while saving resumes from the checkpoint before.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

__all__ = [
    "CHECKPOINT_PREFIX",
    "TrainerState",
    "list_checkpoints",
    "resolve_checkpoint",
    "save_checkpoint",
    "trainable_state",
]

CHECKPOINT_PREFIX = "step-"


@dataclass
class TrainerState:
    """Loop position and early-stopping record; saved inside every checkpoint."""

    epoch: int = 0
    batches_in_epoch: int = 0
    global_step: int = 0
    best_validation_loss: float = math.inf
    best_step: int = -1
    checks_without_improvement: int = 0
    stopped_early: bool = False
    loss_curve: list[dict[str, float]] = field(default_factory=list)

    def state_dict(self) -> dict[str, Any]:
        return asdict(self)

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            setattr(self, key, value)


def list_checkpoints(root: Path) -> list[Path]:
    """The complete checkpoints under ``root``, oldest first."""
    return sorted(
        p for p in root.glob(f"{CHECKPOINT_PREFIX}*") if p.is_dir() and (p / "trainer_done").exists()
    )


def resolve_checkpoint(output_dir: Path, value: str | None) -> Path | None:
    """``latest`` -> the newest complete checkpoint of the run (None when there is none yet)."""
    if value is None:
        return None
    if value == "latest":
        found = list_checkpoints(output_dir / "checkpoints")
        return found[-1] if found else None
    path = Path(value)
    if not (path / "trainer_done").exists():
        raise FileNotFoundError(f"{path} is not a complete wicdistill checkpoint (no trainer_done marker)")
    return path


def save_checkpoint(accelerator: Any, output_dir: Path, step: int, keep: int) -> Path:
    """Save the prepared objects at ``step``, mark the checkpoint complete, keep the newest ``keep``."""
    root = output_dir / "checkpoints"
    path = root / f"{CHECKPOINT_PREFIX}{step:08d}"
    accelerator.save_state(str(path))
    if accelerator.is_main_process:
        (path / "trainer_done").write_text(f"{step}\n")
        for old in list_checkpoints(root)[:-keep]:
            shutil.rmtree(old, ignore_errors=True)
    accelerator.wait_for_everyone()
    return path


def trainable_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """CPU copies of the trainable weights: what the best-model file holds."""
    return {
        n: p.detach().to("cpu", copy=True).contiguous()
        for n, p in model.named_parameters()
        if p.requires_grad
    }
