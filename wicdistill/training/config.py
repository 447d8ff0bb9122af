"""Training options: the loop's settings, plus a ``model:`` mapping for the model's own.

Model settings (layers, distiller shape, loss weights, centring) live in ``WicDistillConfig``;
``TrainingConfig.model`` holds the ones a run chooses and goes to
``WicDistillModel.from_encoder_pretrained`` as is. ``centering_languages: corpus`` there means
every language of the training corpus. The old flat keys (``alignment_weight=...``,
``language_centering=True``) are still accepted and folded into ``model`` for one release.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
from dataclasses import dataclass, field
from typing import Any

from ..configuration_wicdistill import MODEL_SETTINGS, WicDistillConfig

__all__ = [
    "CORPUS_LANGUAGES",
    "FLAT_MODEL_KEYS",
    "TrainingConfig",
    "build_parser",
    "fold_flat_settings",
    "model_setting",
]

CORPUS_LANGUAGES = "corpus"  # centering_languages value: every language of the training corpus


def _parse_bool(value: str) -> bool:
    lowered = str(value).lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected a boolean (true/false), got {value!r}")


def _int_list(value: str) -> list[int]:
    try:
        return [int(v) for v in str(value).replace(",", " ").split()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {value!r}") from None


def _str_list(value: str) -> list[str]:
    return [v for v in str(value).replace(",", " ").split() if v]


# model settings that were once flat training options (and are still flags), with their parsers
FLAT_MODEL_KEYS: dict[str, Any] = {
    "layers": _int_list,
    "distiller_layers": int,
    "distiller_heads": int,
    "distiller_ffn_multiplier": float,
    "distiller_dropout": float,
    "layer_position_embedding": _parse_bool,
    "use_negatives": _parse_bool,
    "alignment_weight": float,
    "alignment_temperature": float,
    "form_consistency_weight": float,
    "language_centering": _parse_bool,
    "global_centering": _parse_bool,
}
_MODEL_DEFAULTS = {
    name: p.default
    for name, p in inspect.signature(WicDistillConfig.__init__).parameters.items()
    if name in MODEL_SETTINGS
}


def fold_flat_settings(flat: dict[str, Any]) -> dict[str, Any]:
    """Model settings given the old flat way, as ``model:`` entries (centring flags included)."""
    model = {k: v for k, v in flat.items() if k in MODEL_SETTINGS}
    by_language, over_all = flat.get("language_centering"), flat.get("global_centering")
    if by_language and over_all:
        raise ValueError(
            "language_centering and global_centering are alternatives (one mean per language, or "
            "one mean over all): set at most one"
        )
    if by_language or over_all:
        model["centering_languages"] = CORPUS_LANGUAGES if by_language else []
    elif "language_centering" in flat or "global_centering" in flat:
        model["centering_languages"] = None
    return model


def _check_model(model: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(model) - set(MODEL_SETTINGS))
    if unknown:
        raise ValueError(f"unknown model setting(s) {unknown}; expected some of {list(MODEL_SETTINGS)}")
    return dict(model)


@dataclass(init=False)
class TrainingConfig:
    """Everything a training run depends on (recorded in the run's summary)."""

    corpus: str = ""
    output_dir: str = "outputs/wicdistill"
    encoder: str = "all-MiniLM-L6-v2"
    features_dir: str | None = None
    on_the_fly: bool = False
    model: dict[str, Any] = field(default_factory=dict)
    learning_rate: float = 3e-5
    weight_decay: float = 0.0
    batch_size: int = 128
    gradient_accumulation_steps: int = 1
    warmup_steps: int = 1000
    max_epochs: int = 10
    max_steps: int | None = None
    eval_every: int | None = None
    evals_per_epoch: int = 10
    patience: int = 15
    validation_fraction: float = 0.05
    max_train_records: int | None = None
    drop_identical_positives: bool = False
    cross_context_positives: bool = False
    other_sense_negatives: bool = False
    balance_languages: bool = False
    checkpoint_every: int | None = None
    keep_checkpoints: int = 2
    resume_from_checkpoint: str | None = None
    seed: int = 0
    mixed_precision: str | None = None
    extraction_batch_size: int = 64
    dataloader_num_workers: int = 0
    torch_threads: int | None = None
    use_lora: bool = False
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.0
    lora_target_modules: str = r"encoder\..*\.(query|value)$"
    evaluate_tasks: list[str] = field(default_factory=list)
    eval_data_dir: str | None = None
    push_to_hub: str | None = None
    hub_private: bool = False
    report_to: str = "tensorboard"
    show_progress: bool = True

    def __init__(self, **values: Any) -> None:
        flat = {k: values.pop(k) for k in list(values) if k in FLAT_MODEL_KEYS}
        model = _check_model(values.pop("model", None) or {})
        for key, value in fold_flat_settings(flat).items():
            if key in model and model[key] != value:
                raise ValueError(f"{key} is given twice, flat ({value!r}) and under model: ({model[key]!r})")
            model[key] = value
        unknown = sorted(set(values) - {f.name for f in dataclasses.fields(self)})
        if unknown:
            raise TypeError(f"TrainingConfig got unknown option(s) {unknown}")
        for f in dataclasses.fields(self):
            if f.name == "model":
                self.model = model
            elif f.name in values:
                setattr(self, f.name, values[f.name])
            else:
                setattr(
                    self, f.name, f.default if f.default is not dataclasses.MISSING else f.default_factory()
                )

    def __getattr__(self, name: str) -> Any:
        # the old flat names read through to ``model`` (one release of compatibility)
        if name in FLAT_MODEL_KEYS and "model" in self.__dict__:
            centering = self.model.get("centering_languages")
            if name == "language_centering":
                return centering == CORPUS_LANGUAGES
            if name == "global_centering":
                return centering == []
            return model_setting(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def validate(self) -> None:
        if not self.corpus:
            raise ValueError("a corpus is required: --corpus PATH (a build-corpus output folder or .jsonl)")
        positive = {
            "batch_size": self.batch_size,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
            "max_epochs": self.max_epochs,
            "evals_per_epoch": self.evals_per_epoch,
            "patience": self.patience,
            "extraction_batch_size": self.extraction_batch_size,
            "keep_checkpoints": self.keep_checkpoints,
        }
        for name, value in positive.items():
            if value < 1:
                raise ValueError(f"{name} must be >= 1, got {value}")
        for name in ("max_steps", "eval_every", "checkpoint_every", "max_train_records"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be >= 1 when given, got {value}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")
        if self.warmup_steps < 0:
            raise ValueError(f"warmup_steps must be >= 0, got {self.warmup_steps}")
        if not 0.0 < self.validation_fraction < 1.0:
            raise ValueError(f"validation_fraction must be in (0, 1), got {self.validation_fraction}")
        if self.mixed_precision not in (None, "no", "fp16", "bf16"):
            raise ValueError(f"mixed_precision must be no, fp16 or bf16, got {self.mixed_precision!r}")
        if self.report_to not in ("tensorboard", "none"):
            raise ValueError(f"report_to must be 'tensorboard' or 'none', got {self.report_to!r}")
        alignment_weight = model_setting(self, "alignment_weight")
        if self.other_sense_negatives and not alignment_weight > 0:
            raise ValueError(
                "other_sense_negatives adds candidates to the alignment term, which is off "
                f"(alignment_weight={alignment_weight}): set alignment_weight > 0"
            )
        if self.use_lora and not self.on_the_fly:
            raise ValueError(
                "use_lora changes the encoder, so cached features would be stale: add --on_the_fly"
            )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def model_setting(config: TrainingConfig, name: str) -> Any:
    """The value a run's model will have for ``name``: from ``model:``, else the model's default."""
    return config.model.get(name, _MODEL_DEFAULTS[name]) if name in _MODEL_DEFAULTS else None


def build_parser() -> argparse.ArgumentParser:
    """Loop options as flags, plus the old flat model flags (they only count when given)."""
    parser = argparse.ArgumentParser(
        description="Train the wicdistill meaning/context distillers on a triple corpus.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--config", help="YAML file of options (flag names without dashes; model: section)")
    for f in dataclasses.fields(TrainingConfig):
        if f.name == "model":
            continue
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
        if "bool" in kind:
            parser.add_argument(f"--{f.name}", type=_parse_bool, nargs="?", const=True, default=default)
        elif "list" in kind:
            parser.add_argument(f"--{f.name}", type=_str_list, default=default)
        elif "int" in kind and "float" not in kind:
            parser.add_argument(f"--{f.name}", type=int, default=default)
        elif "float" in kind:
            parser.add_argument(f"--{f.name}", type=float, default=default)
        else:
            parser.add_argument(f"--{f.name}", type=str, default=default)
    model_flags = parser.add_argument_group("model settings (the model: section of --config)")
    for name, kind in FLAT_MODEL_KEYS.items():
        extra = {"nargs": "?", "const": True} if kind is _parse_bool else {}
        model_flags.add_argument(f"--{name}", type=kind, default=argparse.SUPPRESS, **extra)
    return parser
