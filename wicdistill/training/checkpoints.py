"""Checkpoints of a run: what they hold, how they are committed and resumed, and how old ones go.

A checkpoint is a folder of safetensors and JSON only (``state_files``): trainable weights,
optimizer, scheduler, ``TrainerState`` and every process's RNG states. It is written under a
hidden ``.step-N.partial`` name and renamed into place once complete (with its ``trainer_done``
marker), so a run killed while saving resumes from the checkpoint before.

Resuming refuses a folder holding a file that unpickling could run code from (``*.pkl``,
``*.bin``, ...) unless the caller trusts it; a trusted checkpoint of an older wicdistill
(written by ``accelerator.save_state``) still loads through Accelerate.
"""

from __future__ import annotations

import math
import os
import shutil
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from ..faults import kill_point
from ..io_utils import atomic_write_bytes, atomic_write_json, atomic_write_text, read_json
from .config import LATEST_CHECKPOINT
from .state_files import optimizer_files, optimizer_from_files, restore_rng, rng_file

__all__ = [
    "CHECKPOINT_FORMAT",
    "CHECKPOINT_PREFIX",
    "PICKLE_SUFFIXES",
    "RunObjects",
    "TrainerState",
    "list_checkpoints",
    "load_checkpoint",
    "pickle_files",
    "resolve_checkpoint",
    "save_checkpoint",
    "trainable_state",
]

CHECKPOINT_PREFIX = "step-"
CHECKPOINT_FORMAT = "wicdistill.checkpoint/1"
PICKLE_SUFFIXES = (".pkl", ".bin", ".pt", ".pth", ".pickle")  # files torch.load/pickle would unpickle
_DOCUMENT, _WEIGHTS, _OPTIMIZER = "checkpoint.json", "trainable.safetensors", "optimizer.safetensors"


@dataclass
class TrainerState:
    """Loop position, early-stopping record and skipped batches; saved inside every checkpoint."""

    epoch: int = 0
    batches_in_epoch: int = 0
    global_step: int = 0
    best_validation_loss: float = math.inf
    best_step: int = -1
    checks_without_improvement: int = 0
    stopped_early: bool = False
    skipped_batches: int = 0
    skipped_in_epoch: int = 0
    loss_curve: list[dict[str, float]] = field(default_factory=list)

    def state_dict(self) -> dict[str, Any]:
        return asdict(self)

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            setattr(self, key, value)


@dataclass
class RunObjects:
    """What a checkpoint saves and restores: the prepared training objects of one process."""

    accelerator: Any
    module: torch.nn.Module
    optimizer: Any
    scheduler: Any
    state: TrainerState


def list_checkpoints(root: Path) -> list[Path]:
    """The complete checkpoints under ``root``, oldest first."""
    return sorted(
        p for p in root.glob(f"{CHECKPOINT_PREFIX}*") if p.is_dir() and (p / "trainer_done").exists()
    )


def resolve_checkpoint(output_dir: Path, value: str | None) -> Path | None:
    """``latest`` -> the newest complete checkpoint of the run (None when there is none yet)."""
    if value is None:
        return None
    if value == LATEST_CHECKPOINT:
        found = list_checkpoints(output_dir / "checkpoints")
        return found[-1] if found else None
    path = Path(value)
    if not (path / "trainer_done").exists():
        raise FileNotFoundError(f"{path} is not a complete wicdistill checkpoint (no trainer_done marker)")
    return path


def pickle_files(folder: Path) -> list[Path]:
    """Files under ``folder`` that loading with pickle (``torch.load``) could run code from."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in PICKLE_SUFFIXES)


def trainable_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """CPU copies of the trainable weights: what the best-model file and a checkpoint hold."""
    return {
        n: p.detach().to("cpu", copy=True).contiguous()
        for n, p in model.named_parameters()
        if p.requires_grad
    }


def save_checkpoint(run: RunObjects, output_dir: Path, keep: int) -> Path:
    """Write the run's state at its current step, commit it by a rename, keep the newest ``keep``."""
    accelerator, step = run.accelerator, run.state.global_step
    root = output_dir / "checkpoints"
    path = root / f"{CHECKPOINT_PREFIX}{step:08d}"
    partial = root / f".{path.name}.partial"
    if accelerator.is_main_process:
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
    accelerator.wait_for_everyone()
    atomic_write_bytes(partial / f"rng-{accelerator.process_index}.safetensors", rng_file())
    if accelerator.is_main_process:
        module = accelerator.unwrap_model(run.module)
        atomic_write_bytes(partial / _WEIGHTS, save_tensors(trainable_state(module)))
        optimizer, tensors = optimizer_files(run.optimizer.state_dict())
        atomic_write_bytes(partial / _OPTIMIZER, save_tensors(tensors))
        scaler = accelerator.scaler.state_dict() if accelerator.scaler is not None else None
        document = {
            "format": CHECKPOINT_FORMAT,
            "step": step,
            "processes": accelerator.num_processes,
            "accelerator_step": accelerator.step,
            "trainer": run.state.state_dict(),
            "scheduler": run.scheduler.state_dict(),
            "optimizer": optimizer,
            "grad_scaler": scaler,
        }
        atomic_write_json(partial / _DOCUMENT, document)
    accelerator.wait_for_everyone()
    kill_point("train-checkpoint", step)  # every file written, nothing committed yet
    if accelerator.is_main_process:
        atomic_write_text(partial / "trainer_done", f"{step}\n")
        _commit(partial, path)
        for old in list_checkpoints(root)[:-keep]:
            shutil.rmtree(old, ignore_errors=True)
        for stale in root.glob(f".{CHECKPOINT_PREFIX}*.partial"):
            shutil.rmtree(stale, ignore_errors=True)
    accelerator.wait_for_everyone()
    return path


def _commit(partial: Path, path: Path) -> None:
    """Rename the finished folder into place (replacing a checkpoint of the same step) and sync."""
    if path.exists():
        replaced = path.with_name(f".{path.name}.replaced")
        shutil.rmtree(replaced, ignore_errors=True)
        os.replace(path, replaced)
        os.replace(partial, path)
        shutil.rmtree(replaced, ignore_errors=True)
    else:
        os.replace(partial, path)
    descriptor = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def load_checkpoint(run: RunObjects, path: Path, trust: bool) -> None:
    """Restore ``run`` from ``path``; refuse pickle-capable files unless ``trust``."""
    found = pickle_files(path)
    if found and not trust:
        raise ValueError(
            f"{found[0]} can run code when loaded (a pickle-capable file): refusing to resume from "
            f"{path}; pass --trust_checkpoint only if you wrote this checkpoint yourself (e.g. with an "
            f"older wicdistill), or resume from a checkpoint without such files"
        )
    if not (path / _DOCUMENT).exists():
        if not found:
            raise ValueError(f"{path} holds no {_DOCUMENT}: not a wicdistill checkpoint")
        _load_accelerate_checkpoint(run, path)
        return
    document = read_json(path / _DOCUMENT)
    if document.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(
            f"{path / _DOCUMENT} has format {document.get('format')!r}; expected {CHECKPOINT_FORMAT!r}"
        )
    accelerator = run.accelerator
    _load_trainable(accelerator.unwrap_model(run.module), path / _WEIGHTS)
    tensors = load_tensors((path / _OPTIMIZER).read_bytes())
    live_groups = run.optimizer.state_dict()["param_groups"]
    run.optimizer.load_state_dict(optimizer_from_files(document["optimizer"], tensors, live_groups))
    run.scheduler.load_state_dict(document["scheduler"])
    run.state.load_state_dict(document["trainer"])
    accelerator.step = document["accelerator_step"]
    if accelerator.scaler is not None and document.get("grad_scaler") is not None:
        accelerator.scaler.load_state_dict(document["grad_scaler"])
    rng = path / f"rng-{accelerator.process_index}.safetensors"
    if rng.exists():
        restore_rng(rng.read_bytes())
    else:
        warnings.warn(
            f"{path} was saved by {document['processes']} process(es) and has no RNG state for process "
            f"{accelerator.process_index}: the run goes on, but will not replay its dropout exactly "
            f"(resume with --num_processes {document['processes']} for that)",
            RuntimeWarning,
            stacklevel=2,
        )


def _load_trainable(module: torch.nn.Module, path: Path) -> None:
    saved = load_tensors(path.read_bytes())
    params = {n: p for n, p in module.named_parameters() if p.requires_grad}
    if saved.keys() != params.keys():
        missing, unexpected = sorted(params.keys() - saved.keys()), sorted(saved.keys() - params.keys())
        raise ValueError(
            f"{path} does not match this run's trainable weights (missing {missing[:3]}, unexpected "
            f"{unexpected[:3]}): resume with the settings the checkpoint was written with"
        )
    shapes = [n for n, p in params.items() if saved[n].shape != p.shape]
    if shapes:
        name = shapes[0]
        raise ValueError(
            f"{path} does not match this run's trainable weights ({name} is {tuple(saved[name].shape)} there, "
            f"{tuple(params[name].shape)} here): resume with the settings the checkpoint was written with"
        )
    with torch.no_grad():
        for name, param in params.items():
            param.copy_(saved[name])


def _load_accelerate_checkpoint(run: RunObjects, path: Path) -> None:
    """A trusted checkpoint of an older wicdistill: ``accelerator.save_state`` with the scheduler
    and the ``TrainerState`` registered, in that order."""
    run.accelerator.register_for_checkpointing(run.scheduler, run.state)
    run.accelerator.load_state(str(path))
