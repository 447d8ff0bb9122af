"""The threshold-free score of every task at every ``meaning_mix`` weight (issue 27).

    python experiments/issue27_mix_curves.py MODEL_DIR TASKS [--stack-cache DIR] [--output FILE.json]

Prints one row per task (AUC x 100 for binary tasks, Spearman x 100 for graded ones) over the
weights 0, 0.1, ..., 1; ``wicdistill fit-mix`` chooses the weight on its fitting tasks alone, this
shows what the choice costs or gains everywhere else. Nothing is stored in the model.
"""

from __future__ import annotations

import argparse
import json

from transformers import AutoTokenizer

from wicdistill import WicDistillModel
from wicdistill.evaluation.protocols.meaning_mix import MIX_GRID, fit_meaning_mix


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("tasks")
    parser.add_argument("--stack-cache")
    parser.add_argument("--output")
    args = parser.parse_args()
    model = WicDistillModel.from_pretrained(args.model)
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    fit = fit_meaning_mix(model, tokenizer, args.tasks, show_progress=False, stack_cache=args.stack_cache)
    print("| task | " + " | ".join(f"{w:.1f}" for w in MIX_GRID) + " |")
    print("|---|" + "---:|" * len(MIX_GRID))
    for task, curve in fit["per_task"].items():
        print(f"| {task} | " + " | ".join(f"{curve[w]:.1f}" for w in MIX_GRID) + " |")
    if args.output:
        with open(args.output, "w") as handle:
            json.dump({"model": args.model, "per_task": fit["per_task"]}, handle, indent=2)


if __name__ == "__main__":
    main()
