"""Training options: one dataclass, filled from a YAML file and/or command-line flags.

Flags given explicitly override the YAML file; the YAML file overrides the defaults. Every
key of the YAML file must be a known option.
"""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


@dataclass
class TrainingConfig:
    """Everything a training run depends on (recorded in the run's summary)."""

    corpus: str = ""
    output_dir: str = "outputs/wicdistill"
    encoder: str = "all-MiniLM-L6-v2"
    features_dir: str | None = None
    on_the_fly: bool = False
    layers: list[int] | None = None
    distiller_layers: int = 1
    distiller_heads: int | None = None
    distiller_ffn_multiplier: float = 4
    distiller_dropout: float = 0.1
    layer_position_embedding: bool = False
    use_negatives: bool = True
    alignment_weight: float = 0.0
    alignment_temperature: float = 0.05
    form_consistency_weight: float = 0.0
    language_centering: bool = False
    global_centering: bool = False
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
        if self.other_sense_negatives and not self.alignment_weight > 0:
            raise ValueError(
                "other_sense_negatives adds candidates to the alignment term, which is off "
                f"(alignment_weight={self.alignment_weight}): set alignment_weight > 0"
            )
        if self.language_centering and self.global_centering:
            raise ValueError(
                "language_centering and global_centering are alternatives (one mean per language, or "
                "one mean over all): set at most one"
            )
        if self.use_lora and not self.on_the_fly:
            raise ValueError(
                "use_lora changes the encoder, so cached features would be stale: add --on_the_fly"
            )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Train the wicdistill meaning/context distillers on a triple corpus.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--config", help="YAML file of options (flag names without dashes)")
    for f in dataclasses.fields(TrainingConfig):
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
        if "bool" in kind:
            parser.add_argument(f"--{f.name}", type=_parse_bool, nargs="?", const=True, default=default)
        elif f.name == "layers":
            parser.add_argument(f"--{f.name}", type=_int_list, default=default)
        elif "list" in kind:
            parser.add_argument(f"--{f.name}", type=_str_list, default=default)
        elif "int" in kind and "float" not in kind:
            parser.add_argument(f"--{f.name}", type=int, default=default)
        elif "float" in kind:
            parser.add_argument(f"--{f.name}", type=float, default=default)
        else:
            parser.add_argument(f"--{f.name}", type=str, default=default)
    return parser


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Training options from a flat YAML file, or from the ``train`` section of a recipe."""
    from ..recipe import is_recipe, load_recipe

    with open(path, encoding="utf-8") as handle:
        values = yaml.safe_load(handle) or {}
    if not isinstance(values, dict):
        raise ValueError(f"{path}: expected a mapping of options, got {type(values).__name__}")
    if is_recipe(values):
        values = load_recipe(path).training_values()
    known = {f.name for f in dataclasses.fields(TrainingConfig)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"{path}: unknown option(s) {unknown}; known options: {sorted(known)}")
    return values


def parse_config(argv: list[str] | None = None) -> TrainingConfig:
    """Defaults < YAML file (``--config``) < explicit flags."""
    parser = build_parser()
    first, _ = parser.parse_known_args(argv)
    if first.config:
        parser.set_defaults(**load_yaml(first.config))
    args = vars(parser.parse_args(argv))
    args.pop("config")
    config = TrainingConfig(**args)
    config.validate()
    return config
