"""``wicdistill fit-mix``: choose a trained model's ``meaning_mix`` on dev tasks and store it."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

FIT_FILE = "meaning_mix_fit.json"


def _grid(text: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated numbers in [0, 1], got {text!r}"
        ) from None


def configure(parser: argparse.ArgumentParser) -> None:
    from .protocols.meaning_mix import MIX_GRID

    parser.add_argument("model", help="a trained wicdistill model folder (save_pretrained output)")
    parser.add_argument(
        "--tasks",
        required=True,
        help="dev tasks to fit on, e.g. mcl-wic-dev or wic,scws (their mean AUC / Spearman of the meaning row); "
        "report on other data than these",
    )
    parser.add_argument(
        "--grid",
        type=_grid,
        default=list(MIX_GRID),
        help="comma-separated weights of the raw layer mean to try (default: 0,0.1,...,1)",
    )
    parser.add_argument(
        "--data-dir",
        action="append",
        help="benchmark data folder; repeat to search several in order (default: $WICDISTILL_DATA_DIR, "
        "else the data cache filled by `wicdistill data download`)",
    )
    parser.add_argument(
        "--stack-cache",
        help="folder keeping the encoder's layer stacks of the benchmark targets (default: a temporary one)",
    )
    parser.add_argument("--batch-size", type=int, default=64, help="sentences per encoder forward pass")
    parser.add_argument("--dry-run", action="store_true", help="print the fit, leave config.json as it is")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def run(args: argparse.Namespace) -> int:
    from .command import load_model
    from .protocols.meaning_mix import fit_meaning_mix, store_meaning_mix

    model, tokenizer, name = load_model(args.model, None)
    with tempfile.TemporaryDirectory(prefix="wicdistill-stacks-") as scratch:
        fit = fit_meaning_mix(
            model,
            tokenizer,
            args.tasks,
            grid=args.grid,
            data_dir=args.data_dir,
            batch_size=args.batch_size,
            show_progress=not args.no_progress,
            model_name=name,
            stack_cache=args.stack_cache or scratch,
        )
    for weight, score in fit["mean_ranking_score"].items():
        print(f"meaning_mix {weight:.2f}: mean ranking score {score:.2f}")
    print(f"raw layer mean (baseline row): {fit['baseline_mean_ranking_score']:.2f}")
    if args.dry_run:
        print(f"best meaning_mix {fit['weight']} on {', '.join(fit['tasks'])} (dry run: nothing stored)")
        return 0
    store_meaning_mix(args.model, fit["weight"])
    (Path(args.model) / FIT_FILE).write_text(json.dumps({**fit, "fitted_on": args.tasks}, indent=2) + "\n")
    print(
        f"stored meaning_mix {fit['weight']} in {Path(args.model) / 'config.json'} (fitted on {args.tasks})"
    )
    return 0
