"""What a training run records (``training_summary.json``, read later by the model card).

Model settings come from the trained model's own ``model.config``, loop settings from the
``TrainingConfig``: each setting is read from its one home.
"""

from __future__ import annotations

import math
import os
import platform
from collections import Counter
from typing import Any

import numpy as np
import torch

from .checkpoints import TrainerState
from .config import TrainingConfig

__all__ = ["corpus_summary", "hardware", "library_versions", "run_summary"]
SCHEMA = "wicdistill.training/1"


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


def corpus_summary(
    corpus: Any,
    train_ids: np.ndarray,
    val_ids: np.ndarray,
    path: str,
    partners: np.ndarray | None,
    form_table: np.ndarray | None,
    sense_table: np.ndarray | None,
) -> dict[str, Any]:
    """The corpus facts of a run: its split sizes, sources and how many records found partners."""
    settings = sorted(set(corpus.settings))
    languages = sorted(
        {lang for role in ("anchor", "positive") for lang in getattr(corpus, "langs", {}).get(role, [])}
    )
    return {
        "path": str(path),
        "setting": settings[0] if len(settings) == 1 else "mixed",
        "languages": languages,
        "train_records": int(len(train_ids)),
        "validation_records": int(len(val_ids)),
        "negative_strategies": dict(Counter(getattr(corpus, "negative_strategies", []))),
        "positive_sources": dict(Counter(getattr(corpus, "positive_sources", []))),
        "cross_context_records": None if partners is None else int((partners != train_ids).sum()),
        "same_form_partners": None
        if form_table is None
        else {
            "positive": int((form_table[train_ids, 0] >= 0).sum()),
            "anchor": int((form_table[train_ids, 1] >= 0).sum()),
        },
        "other_sense_partners": None
        if sense_table is None
        else {
            "anchor": int((sense_table[train_ids, 0] >= 0).sum()),
            "positive": int((sense_table[train_ids, 1] >= 0).sum()),
        },
    }


def run_summary(
    config: TrainingConfig,
    model: Any,
    corpus_facts: dict[str, Any],
    state: TrainerState,
    accelerator: Any,
    steps_per_epoch: int,
) -> dict[str, Any]:
    """The summary document; ``distiller`` records the model's own settings (``model.config``)."""
    from ..features.identity import encoder_identity

    identity = encoder_identity(model)
    settings = model.config
    last_train = next((p["train_loss"] for p in reversed(state.loss_curve)), None)
    return {
        "schema": SCHEMA,
        "wicdistill_version": library_versions()["wicdistill"],
        "encoder": {
            "name_or_path": config.encoder,
            "revision": None,
            "layers": list(settings.layers),
            "hidden_size": settings.hidden_size,
            "num_hidden_layers": settings.encoder.num_hidden_layers,
            "config_hash": identity["config_hash"],
        },
        "distiller": {
            "num_layers": settings.distiller_layers,
            "heads": settings.distiller_heads,
            "ffn_multiplier": settings.distiller_ffn_multiplier,
            "dropout": settings.distiller_dropout,
            "activation": settings.distiller_activation,
            "layer_position_embedding": settings.layer_position_embedding,
            "use_negatives": settings.use_negatives,
            "alignment_weight": settings.alignment_weight,
            "alignment_temperature": settings.alignment_temperature,
            "form_consistency_weight": settings.form_consistency_weight,
            "centering_languages": settings.centering_languages,
            "meaning_head": settings.meaning_head,
            "meaning_mix": settings.meaning_mix,
            "negative_term": settings.negative_term,
        },
        "corpus": corpus_facts,
        "hyperparameters": _hyperparameters(config, accelerator),
        "training": {
            "steps": state.global_step,
            "steps_per_epoch": steps_per_epoch,
            "epochs": round(state.global_step / max(steps_per_epoch, 1), 3),
            "best_step": state.best_step,
            "best_validation_loss": state.best_validation_loss
            if math.isfinite(state.best_validation_loss)
            else None,
            "final_train_loss": last_train,
            "stopped_early": state.stopped_early,
            "skipped_batches": state.skipped_batches,
            "loss_curve": state.loss_curve,
        },
        "hardware": hardware(accelerator),
        "versions": library_versions(),
    }


def _hyperparameters(config: TrainingConfig, accelerator: Any) -> dict[str, Any]:
    return {
        "learning_rate": config.learning_rate,
        "batch_size": config.batch_size,
        "gradient_accumulation_steps": config.gradient_accumulation_steps,
        "warmup_steps": config.warmup_steps,
        "max_epochs": config.max_epochs,
        "max_steps": config.max_steps,
        "patience": config.patience,
        "evals_per_epoch": config.evals_per_epoch,
        "seed": config.seed,
        "mixed_precision": accelerator.mixed_precision,
        "optimizer": "AdamW",
        "weight_decay": config.weight_decay,
        "nonfinite": config.nonfinite,
        "features": "on_the_fly" if config.on_the_fly else "cached_fp16",
        "lora": {
            "r": config.lora_r,
            "alpha": config.lora_alpha,
            "target_modules": config.lora_target_modules,
        }
        if config.use_lora
        else None,
    }
