"""Reading recipes and training YAML files into ``TrainingConfig`` (imports go recipe -> training).

A recipe has an ``output_dir`` and up to three sections::

    output_dir: outputs/minilm-en
    corpus:   {inputs: [...], encoder: all-MiniLM-L6-v2, negative_strategy: embedding, ...}  # CorpusConfig
    train:    {learning_rate: 3.0e-4, batch_size: 128, model: {alignment_weight: 1.0}, ...} # TrainingConfig
    evaluate: {tasks: [wic, scws, stsb-dev], heldout: true}

A ``--config`` YAML file for ``train_accelerate.py`` is either a recipe (its train section is
used) or a flat mapping of training options with the same optional ``model:`` section.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .training.config import FLAT_MODEL_KEYS, TrainingConfig, build_parser, fold_flat_settings

__all__ = [
    "EVALUATE_KEYS",
    "SECTIONS",
    "Recipe",
    "is_recipe",
    "load_recipe",
    "load_training_yaml",
    "parse_config",
    "training_options",
]

SECTIONS = ("output_dir", "corpus", "train", "evaluate", "description")
EVALUATE_KEYS = ("tasks", "heldout", "data_dir", "stack_cache", "batch_size")
_warned_flat_keys = False


@dataclass
class Recipe:
    output_dir: Path
    corpus: dict[str, Any] = field(default_factory=dict)
    train: dict[str, Any] = field(default_factory=dict)
    evaluate: dict[str, Any] = field(default_factory=dict)

    @property
    def corpus_dir(self) -> Path:
        return self.output_dir / "corpus"

    def training_values(self) -> dict[str, Any]:
        """The train section with the recipe's own folders filled in."""
        values = dict(self.train)
        values.setdefault("corpus", str(self.corpus_dir))
        values.setdefault("output_dir", str(self.output_dir / "model"))
        values.setdefault("features_dir", str(self.output_dir / "features"))
        if "encoder" in self.corpus:
            values.setdefault("encoder", self.corpus["encoder"])
        return values


def is_recipe(values: dict[str, Any]) -> bool:
    return isinstance(values.get("train"), dict)


def load_recipe(path: str | Path) -> Recipe:
    with open(path, encoding="utf-8") as handle:
        values = yaml.safe_load(handle) or {}
    if not isinstance(values, dict) or "output_dir" not in values:
        raise ValueError(
            f"{path}: a recipe is a mapping with an output_dir and corpus/train/evaluate sections"
        )
    unknown = sorted(set(values) - set(SECTIONS))
    if unknown:
        raise ValueError(f"{path}: unknown recipe key(s) {unknown}; expected {list(SECTIONS)}")
    for section in ("corpus", "train", "evaluate"):
        if not isinstance(values.get(section, {}), dict):
            raise ValueError(f"{path}: section {section!r} must be a mapping")
    bad = sorted(set(values.get("evaluate", {})) - set(EVALUATE_KEYS))
    if bad:
        raise ValueError(f"{path}: unknown evaluate key(s) {bad}; expected {list(EVALUATE_KEYS)}")
    return Recipe(
        Path(values["output_dir"]),
        values.get("corpus", {}),
        values.get("train", {}),
        values.get("evaluate", {}),
    )


def training_options(values: dict[str, Any], source: str | Path) -> dict[str, Any]:
    """Checked training options with flat model keys folded into ``model`` (FutureWarning, once)."""
    global _warned_flat_keys
    known = {f.name for f in dataclasses.fields(TrainingConfig)} | set(FLAT_MODEL_KEYS)
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"{source}: unknown option(s) {unknown}; known options: {sorted(known)}")
    model = values.get("model") or {}
    if not isinstance(model, dict):
        raise ValueError(f"{source}: model must be a mapping of model settings, got {type(model).__name__}")
    flat = {k: values[k] for k in values if k in FLAT_MODEL_KEYS}
    if flat and not _warned_flat_keys:
        _warned_flat_keys = True
        warnings.warn(
            f"{source}: model settings {sorted(flat)} as top-level training options are deprecated and "
            "will stop working in the next release; put them under a model: section",
            FutureWarning,
            stacklevel=3,
        )
    options = {k: v for k, v in values.items() if k not in FLAT_MODEL_KEYS}
    options["model"] = {**model, **fold_flat_settings(flat)}
    return options


def load_training_yaml(path: str | Path) -> dict[str, Any]:
    """Training options from a flat YAML file, or from the ``train`` section of a recipe."""
    with open(path, encoding="utf-8") as handle:
        values = yaml.safe_load(handle) or {}
    if not isinstance(values, dict):
        raise ValueError(f"{path}: expected a mapping of options, got {type(values).__name__}")
    if is_recipe(values):
        values = load_recipe(path).training_values()
    return training_options(values, path)


def parse_config(argv: list[str] | None = None) -> TrainingConfig:
    """Defaults < YAML file (``--config``) < explicit flags; a model flag overrides that one setting."""
    parser = build_parser()
    first, _ = parser.parse_known_args(argv)
    model: dict[str, Any] = {}
    if first.config:
        values = load_training_yaml(first.config)
        model = values.pop("model")
        parser.set_defaults(**values)
    args = vars(parser.parse_args(argv))
    args.pop("config")
    flags = {k: args.pop(k) for k in list(args) if k in FLAT_MODEL_KEYS}
    model.update(fold_flat_settings(flags))
    config = TrainingConfig(**args, model=model)
    config.validate()
    return config
