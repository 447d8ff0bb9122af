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

LATEST_CHECKPOINT = "latest"  # resume_from_checkpoint: the newest complete checkpoint of the output folder

__all__ = [
    "CORPUS_LANGUAGES",
    "FLAT_MODEL_KEYS",
    "LATEST_CHECKPOINT",
    "MODEL_FLAG_HELP",
    "NONFINITE_CHOICES",
    "TrainingConfig",
    "build_parser",
    "fold_flat_settings",
    "model_setting",
]

CORPUS_LANGUAGES = "corpus"  # centering_languages value: every language of the training corpus
NONFINITE_CHOICES = ("error", "skip")  # what a non-finite loss or gradient norm does to a run


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

# the --help line of each flat model flag; its default is the model's own (WicDistillConfig)
MODEL_FLAG_HELP: dict[str, str] = {
    "layers": "encoder hidden_states the distillers read, comma-separated (default: the upper half)",
    "distiller_layers": "Transformer layers per distiller",
    "distiller_heads": "attention heads per distiller layer (default: the largest count <= 8 dividing d)",
    "distiller_ffn_multiplier": "distiller feed-forward width as a multiple of the hidden size",
    "distiller_dropout": "distiller dropout",
    "layer_position_embedding": "add a learned embedding of each layer's position",
    "use_negatives": "use the negatives in the loss",
    "alignment_weight": "weight of the InfoNCE alignment term (0: off)",
    "alignment_temperature": "temperature of the alignment term",
    "form_consistency_weight": "weight of the same-form consistency term (0: off)",
    "language_centering": "store one mean meaning vector per training language and subtract it",
    "global_centering": "store one mean meaning vector over all training targets and subtract it",
}


def _model_flag_help(name: str) -> str:
    """``MODEL_FLAG_HELP[name]`` with the model's default appended unless the line states it."""
    text = MODEL_FLAG_HELP[name]
    if "(default:" in text:
        return text
    default = _MODEL_DEFAULTS.get(name, False)  # the centring switches are off unless given
    return f"{text} (default: {default})"


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


def _option(default: Any, help: str) -> Any:
    """A field with its ``--help`` line (shown with its default); mutable defaults are copied."""
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata={"help": help})
    return field(default=default, metadata={"help": help})


@dataclass(init=False)
class TrainingConfig:
    """Everything a training run depends on (recorded in the run's summary)."""

    corpus: str = _option("", "the training corpus: a build-corpus output folder or a .jsonl file (required)")
    output_dir: str = _option("outputs/wicdistill", "where the model, summary, checkpoints and logs go")
    encoder: str = _option(
        "all-MiniLM-L6-v2",
        "frozen encoder: a short name (all-MiniLM-L6-v2, multilingual-e5-small), a folder or Hub id",
    )
    features_dir: str | None = _option(
        None, "feature cache folder to build or reuse (None: OUTPUT_DIR/features)"
    )
    on_the_fly: bool = _option(False, "run the encoder inside every step instead of reading a feature cache")
    model: dict[str, Any] = field(default_factory=dict)
    learning_rate: float = _option(3e-5, "AdamW learning rate after warm-up")
    weight_decay: float = _option(0.0, "AdamW weight decay")
    batch_size: int = _option(128, "triples per batch and process")
    gradient_accumulation_steps: int = _option(1, "batches whose gradients add up to one optimizer step")
    warmup_steps: int = _option(1000, "optimizer steps of linear learning-rate warm-up (then constant)")
    max_epochs: int = _option(10, "passes over the training split at most")
    max_steps: int | None = _option(None, "optimizer steps at most (None: max_epochs decides)")
    eval_every: int | None = _option(None, "steps between validations (None: evals_per_epoch decides)")
    evals_per_epoch: int = _option(10, "validations per epoch when eval_every is not given")
    patience: int = _option(15, "validations without improvement before stopping early")
    validation_fraction: float = _option(0.05, "share of source pairs held out for validation")
    max_train_records: int | None = _option(None, "a seeded sample of at most this many training records")
    drop_identical_positives: bool = _option(
        False, "train only on records whose positive is another word form"
    )
    cross_context_positives: bool = _option(False, "pair anchors with the positive of another sentence pair")
    other_sense_negatives: bool = _option(False, "add same-form other-sense candidates to the alignment term")
    balance_languages: bool = _option(False, "repeat records of smaller positive languages up to the largest")
    checkpoint_every: int | None = _option(None, "steps between checkpoints (None: no checkpoints)")
    keep_checkpoints: int = _option(2, "newest checkpoints to keep")
    resume_from_checkpoint: str | None = _option(
        None, f"a checkpoint folder, or {LATEST_CHECKPOINT} (the run's newest), to resume"
    )
    trust_checkpoint: bool = _option(
        False,
        "resume from a checkpoint holding pickle files (*.pkl, *.bin, ...), e.g. of an older wicdistill",
    )
    nonfinite: str = _option(
        "error", "a non-finite loss or gradient norm: error (stop) or skip (skip that optimizer step)"
    )
    seed: int = _option(0, "seed of the split, partners, shuffling and dropout")
    mixed_precision: str | None = _option(
        None, "no, fp16 or bf16 (None: accelerate launch decides); use no on a CPU"
    )
    extraction_batch_size: int = _option(64, "sentences per batch when building the feature cache")
    dataloader_num_workers: int = _option(0, "data-loader worker processes (0: load in the main process)")
    torch_threads: int | None = _option(None, "CPU threads for torch (None: torch's default)")
    use_lora: bool = _option(False, "train LoRA adapters on the encoder too (needs --on_the_fly)")
    lora_r: int = _option(8, "LoRA rank")
    lora_alpha: int = _option(16, "LoRA scaling alpha")
    lora_dropout: float = _option(0.0, "LoRA dropout")
    lora_target_modules: str = _option(
        r"encoder\..*\.(query|value)$", "regex of the modules that get adapters"
    )
    evaluate_tasks: list[str] = _option(
        [], "tasks to evaluate the saved model on, comma-separated (e.g. wic,scws)"
    )
    eval_data_dir: str | None = _option(
        None, "folder of evaluation data (None: $WICDISTILL_DATA_DIR, the data cache, the bundled WiC)"
    )
    push_to_hub: str | None = _option(None, "ORG/NAME to publish the trained model to (None: do not publish)")
    hub_private: bool = _option(False, "make the pushed Hub repository private")
    report_to: str = _option("tensorboard", "tensorboard (logs in OUTPUT_DIR/logs) or none")
    show_progress: bool = _option(True, "show progress bars on the main process")

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
        if self.nonfinite not in NONFINITE_CHOICES:
            raise ValueError(f"nonfinite must be one of {list(NONFINITE_CHOICES)}, got {self.nonfinite!r}")
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
    parser.add_argument(
        "--config", help="YAML file of options (flag names without dashes; a model: section), or a recipe"
    )
    for f in dataclasses.fields(TrainingConfig):
        if f.name == "model":
            continue
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
        extra: dict[str, Any] = {"default": default, "help": f.metadata["help"]}
        if "bool" in kind:
            parser.add_argument(f"--{f.name}", type=_parse_bool, nargs="?", const=True, **extra)
        elif "list" in kind:
            parser.add_argument(f"--{f.name}", type=_str_list, **extra)
        elif "int" in kind and "float" not in kind:
            parser.add_argument(f"--{f.name}", type=int, **extra)
        elif "float" in kind:
            parser.add_argument(f"--{f.name}", type=float, **extra)
        else:
            parser.add_argument(f"--{f.name}", type=str, **extra)
    model_flags = parser.add_argument_group("model settings (the model: section of --config)")
    for name, kind in FLAT_MODEL_KEYS.items():
        flag = {"nargs": "?", "const": True} if kind is _parse_bool else {}
        model_flags.add_argument(
            f"--{name}", type=kind, default=argparse.SUPPRESS, help=_model_flag_help(name), **flag
        )
    return parser
