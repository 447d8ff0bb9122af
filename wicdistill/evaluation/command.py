"""``wicdistill evaluate``: score a trained model folder, or a raw encoder with untrained distillers."""

from __future__ import annotations

import argparse
from pathlib import Path

DEFAULT_TASKS = "wic"
UNTRAINED_SEED = 0


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", nargs="?", help="a trained wicdistill model folder (save_pretrained output)")
    parser.add_argument(
        "--encoder",
        help="evaluate a raw encoder (name or folder) instead, with untrained distillers as a sanity row",
    )
    parser.add_argument(
        "--tasks",
        default=DEFAULT_TASKS,
        help="comma-separated tasks or groups, e.g. wic,scws,stsb-dev,mcl-wic-dev,am2ico-dev (default: wic)",
    )
    parser.add_argument(
        "--data-dir",
        action="append",
        help="benchmark data folder; repeat to search several in order "
        "(default: $WICDISTILL_DATA_DIR, else the data cache filled by `wicdistill data download`)",
    )
    parser.add_argument("--heldout", help="held-back corpus JSONL (English–X pairs) for the offset-* tasks")
    parser.add_argument(
        "--output", help="folder for evaluation.json/.md/.png (default: the model folder, or ./evaluation)"
    )
    parser.add_argument("--batch-size", type=int, default=64, help="sentences per encoder forward pass")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument(
        "--store-thresholds",
        nargs="?",
        const="meaning",
        metavar="OUTPUT",
        help="write the thresholds tuned on the same-language dev tasks (wic, mcl-wic-dev-<x>) into the "
        "model folder's config.json, for OUTPUT (meaning, the default; context; baseline): model.similarity "
        "and the pipeline's pairs then answer same_sense (give it after MODEL)",
    )
    parser.add_argument(
        "--stack-cache",
        help="folder keeping the encoder's layer stacks of the benchmark targets: later evaluations of "
        "models on the same encoder run only their distillers",
    )


def _load(args: argparse.Namespace):
    return load_model(args.model, args.encoder)


def load_model(model_dir: str | None, encoder: str | None):
    """The model (a trained folder, or ``encoder`` with untrained distillers), its tokenizer and its label."""
    import torch
    from transformers import AutoTokenizer

    from ..backbones import resolve_encoder
    from ..modeling_wicdistill import WicDistillModel

    if bool(model_dir) == bool(encoder):
        raise ValueError(
            "give either MODEL (a trained model folder) or --encoder NAME_OR_PATH, not both or neither"
        )
    if encoder:
        path = resolve_encoder(encoder)
        torch.manual_seed(UNTRAINED_SEED)
        model = WicDistillModel.from_encoder_pretrained(path)
        return model, AutoTokenizer.from_pretrained(path), f"{encoder} (untrained distillers)"
    folder = Path(model_dir)
    if not (folder / "config.json").is_file():
        raise FileNotFoundError(f"{folder} is not a model folder (no config.json)")
    model = WicDistillModel.from_pretrained(folder)
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder)
    except (OSError, ValueError):
        source = model.config.encoder_name_or_path
        if not source:
            raise FileNotFoundError(
                f"{folder} has no tokenizer files and the config names no encoder"
            ) from None
        tokenizer = AutoTokenizer.from_pretrained(resolve_encoder(source))
    return model, tokenizer, model_dir


def _check_threshold_sources(args: argparse.Namespace) -> None:
    """Refuse ``--store-thresholds`` before evaluating when it cannot succeed."""
    from ..configuration_wicdistill import DECISION_OUTPUTS
    from .protocols.decisions import check_threshold_sources

    if args.store_thresholds not in DECISION_OUTPUTS:
        raise ValueError(
            f"--store-thresholds OUTPUT must be one of {', '.join(DECISION_OUTPUTS)}, got "
            f"{args.store_thresholds!r} (give the option after MODEL)"
        )
    if args.encoder:
        raise ValueError("--store-thresholds writes into a trained model folder: give MODEL, not --encoder")
    check_threshold_sources(args.tasks, args.store_thresholds)


def run(args: argparse.Namespace) -> int:
    from . import evaluate, format_table, write_report
    from .protocols.decisions import store_decision_thresholds

    if args.store_thresholds:
        _check_threshold_sources(args)
    model, tokenizer, name = _load(args)
    report = evaluate(
        model,
        tokenizer,
        args.tasks,
        data_dir=args.data_dir,
        heldout=args.heldout,
        batch_size=args.batch_size,
        show_progress=not args.no_progress,
        model_name=name,
        stack_cache=args.stack_cache,
    )
    output = Path(args.output) if args.output else (Path(args.model) if args.model else Path("evaluation"))
    paths = write_report(report, output)
    print(format_table(report))
    print("wrote " + ", ".join(str(p) for p in paths.values()))
    if args.store_thresholds:
        stored = store_decision_thresholds(args.model, report, args.store_thresholds)
        config_path = Path(args.model) / "config.json"
        print(f"stored {args.store_thresholds} decision thresholds in {config_path}: {_summary(stored)}")
    return 0


def _summary(stored: dict) -> str:
    entries = [*stored["languages"].items(), ("default", stored["default"])]
    return "; ".join(
        f"{name} {entry['threshold']:.4f} ({entry['dev_set']}, accuracy {100 * entry['accuracy']:.1f}%)"
        for name, entry in entries
    )
