"""Recipes: one YAML file that reproduces a model end to end (corpus -> features -> training -> evaluation).

    wicdistill recipe configs/minilm-en.yaml                 # every stage, resuming what exists
    accelerate launch train_accelerate.py --config configs/minilm-en.yaml   # its training stage only

A recipe has an ``output_dir`` and up to three sections, ``corpus``, ``train`` (with its
``model:`` mapping) and ``evaluate``; ``recipe_loading`` reads them.

The corpus goes to ``OUTPUT/corpus``, features to ``OUTPUT/features``, the model to
``OUTPUT/model`` (unless the train section names them); ``heldout: true`` scores the held-back
part of the recipe's own corpus.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from .recipe_loading import Recipe, load_recipe, training_options

__all__ = ["Recipe", "configure", "load_recipe", "run"]


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

        values = training_options(recipe.training_values(), args.recipe)
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
