"""Recipes: one YAML file that reproduces a model end to end (corpus -> features -> training -> evaluation).

    wicdistill recipe configs/minilm-en.yaml                 # every stage, resuming what exists
    wicdistill recipe configs/minilm-en.yaml --check         # check it and show its settings, run nothing
    accelerate launch train_accelerate.py --config configs/minilm-en.yaml   # its training stage only

A recipe has an ``output_dir`` and up to three sections, ``corpus``, ``train`` (with its
``model:`` mapping) and ``evaluate``; ``recipe_loading`` reads them and checks every section
before any stage runs. ``${VAR}`` in a value comes from the environment; relative paths are
taken from the recipe file's folder.

The corpus goes to ``OUTPUT/corpus``, features to ``OUTPUT/features``, the model to
``OUTPUT/model`` (unless the train section names them); ``heldout: true`` scores the held-back
part of the recipe's own corpus.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from .recipe_loading import Recipe, load_recipe, training_options

__all__ = ["STAGES", "Recipe", "configure", "load_recipe", "run"]

STAGES = ("corpus", "train", "evaluate")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("recipe", help="recipe YAML file (see configs/)")
    parser.add_argument(
        "--stages",
        help="comma-separated stages to run (default: corpus, if the recipe has that section, train, evaluate)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="check every section, print the settings with their paths resolved, and run nothing",
    )


def run(args: argparse.Namespace) -> int:
    stages = [s.strip() for s in (args.stages or ",".join(STAGES)).split(",") if s.strip()]
    bad = sorted(set(stages) - set(STAGES))
    if bad:
        raise ValueError(f"unknown stage(s) {bad} in --stages; expected some of {', '.join(STAGES)}")
    recipe = load_recipe(args.recipe)
    if args.stages is None and not recipe.corpus:
        stages.remove("corpus")  # the train section names its own corpus
    if "corpus" in stages and not recipe.corpus:
        raise ValueError(
            f"{args.recipe}: --stages includes corpus but the recipe has no corpus section; add "
            "corpus: {inputs: [...]} or run --stages train,evaluate"
        )
    if args.check:
        resolved = {
            "output_dir": str(recipe.output_dir),
            "stages": stages,
            "corpus": recipe.corpus,
            "train": training_options(recipe.training_values(), args.recipe),
            "evaluate": recipe.evaluate,
        }
        print(json.dumps(resolved, indent=2, default=str))
        print(f"{args.recipe}: every section checked; nothing run (drop --check to run the stages)")
        return 0
    timings: dict[str, float] = {}
    if "corpus" in stages:
        from .corpus import CorpusConfig, build_corpus

        started = time.perf_counter()
        stats = build_corpus(CorpusConfig(**recipe.corpus), recipe.corpus_dir)
        timings["corpus"] = time.perf_counter() - started
        print(f"[corpus] {stats['records']} -> {recipe.corpus_dir} ({timings['corpus']:.0f}s)", flush=True)
    model_dir = Path(recipe.training_values()["output_dir"])
    if "train" in stages:
        from .training.config import LATEST_CHECKPOINT, TrainingConfig
        from .training.loop import train

        values = training_options(recipe.training_values(), args.recipe)
        if (model_dir / "training_summary.json").exists():
            print(f"[train] {model_dir} already holds a trained model: skipped", flush=True)
        else:
            values.setdefault("resume_from_checkpoint", LATEST_CHECKPOINT)
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
        store_output = options.pop("store_thresholds", None)
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
        if store_output:
            from .evaluation.protocols.decisions import store_decision_thresholds

            store_decision_thresholds(model_dir, report, store_output)
            print(f"[evaluate] stored {store_output} decision thresholds in {model_dir / 'config.json'}")
    print("wall time per stage: " + ", ".join(f"{k} {v:.0f}s" for k, v in timings.items()))
    return 0
