"""Recipes: one YAML file that reproduces a model end to end (corpus -> features -> training -> evaluation).

    wicdistill recipe configs/minilm-en.yaml                 # every stage, resuming what exists
    accelerate launch train_accelerate.py --config configs/minilm-en.yaml   # its training stage only

A recipe has an ``output_dir`` and up to three sections::

    output_dir: outputs/minilm-en
    corpus:   {inputs: [...], encoder: all-MiniLM-L6-v2, negative_strategy: embedding, ...}  # CorpusConfig
    train:    {learning_rate: 3.0e-4, batch_size: 128, ...}                               # TrainingConfig
    evaluate: {tasks: [wic, scws, stsb-dev], heldout: true}

The corpus goes to ``OUTPUT/corpus``, features to ``OUTPUT/features``, the model to
``OUTPUT/model`` (unless the train section names them); ``heldout: true`` scores the held-back
part of the recipe's own corpus.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

SECTIONS = ("output_dir", "corpus", "train", "evaluate", "description")
EVALUATE_KEYS = ("tasks", "heldout", "data_dir", "stack_cache", "batch_size")


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


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("recipe", help="recipe YAML file (see configs/)")
    parser.add_argument(
        "--stages", default="corpus,train,evaluate", help="comma-separated stages to run (default: all)"
    )


def run(args: argparse.Namespace) -> int:
    recipe = load_recipe(args.recipe)
    stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    bad = sorted(set(stages) - {"corpus", "train", "evaluate"})
    if bad:
        raise ValueError(f"unknown stage(s) {bad}; expected corpus, train, evaluate")
    timings: dict[str, float] = {}
    if "corpus" in stages:
        from .corpus import CorpusConfig, build_corpus

        started = time.perf_counter()
        stats = build_corpus(CorpusConfig(**recipe.corpus), recipe.corpus_dir)
        timings["corpus"] = time.perf_counter() - started
        print(f"[corpus] {stats['records']} -> {recipe.corpus_dir} ({timings['corpus']:.0f}s)", flush=True)
    model_dir = Path(recipe.training_values()["output_dir"])
    if "train" in stages:
        from .training.config import TrainingConfig
        from .training.loop import train

        known = {f.name for f in fields(TrainingConfig)}
        unknown = sorted(set(recipe.training_values()) - known)
        if unknown:
            raise ValueError(f"{args.recipe}: unknown train option(s) {unknown}")
        values = recipe.training_values()
        if (model_dir / "training_summary.json").exists():
            print(f"[train] {model_dir} already holds a trained model: skipped", flush=True)
        else:
            values.setdefault("resume_from_checkpoint", "latest")
            started = time.perf_counter()
            summary = train(TrainingConfig(**values))
            timings["train"] = time.perf_counter() - started
            print(
                f"[train] {summary['training']['steps']} steps -> {model_dir} ({timings['train']:.0f}s)",
                flush=True,
            )
    if "evaluate" in stages and recipe.evaluate.get("tasks"):
        from transformers import AutoTokenizer

        from .corpus.store import split_jsonl
        from .evaluation import evaluate, format_table, write_report
        from .modeling_wicdistill import WicDistillModel

        options = dict(recipe.evaluate)
        heldout = options.pop("heldout", None)
        if heldout is True:
            heldout = str(split_jsonl(recipe.corpus_dir, "heldout"))
        started = time.perf_counter()
        model = WicDistillModel.from_pretrained(model_dir)
        report = evaluate(
            model,
            AutoTokenizer.from_pretrained(model_dir),
            options.pop("tasks"),
            heldout=heldout or None,
            model_name=model_dir.parent.name,
            **options,
        )
        write_report(report, model_dir)
        timings["evaluate"] = time.perf_counter() - started
        print(format_table(report), flush=True)
    print("wall time per stage: " + ", ".join(f"{k} {v:.0f}s" for k, v in timings.items()))
    return 0
