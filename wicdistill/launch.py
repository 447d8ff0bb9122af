"""Train wicdistill's meaning/context distillers on a triple corpus: the training entry point.

    accelerate launch -m wicdistill.launch --config configs/minilm-en.yaml
    accelerate launch --cpu --num_processes 1 --mixed_precision no -m wicdistill.launch --corpus corpus/ --output_dir out/
    python -m wicdistill.launch --corpus corpus/ --max_steps 100      # a single process works too

It ships inside the package, so an installed wicdistill trains without a checkout; the
repository's ``train_accelerate.py`` is the same entry point. Options come from
``--config FILE.yaml`` and/or flags (flags win); ``--help`` lists them. Mixed precision follows
``accelerate launch --mixed_precision`` unless ``--mixed_precision`` is given. A failure ends with
one line on stderr and the exit codes of ``wicdistill`` (``wicdistill --help``: 1 bad input,
2 usage, 3 network or Hub, 4 a bug); ``--debug`` or ``WICDISTILL_DEBUG=1`` adds the traceback.
"""

from __future__ import annotations

import json
import sys


def train_from_argv(argv: list[str]) -> int:
    """Parse the options, train, and print the run's headline numbers as one JSON line."""
    from wicdistill.recipe_loading import parse_config
    from wicdistill.training.loop import train

    config = parse_config(argv)
    summary = train(config)
    if summary:
        training = summary["training"]
        print(
            json.dumps(
                {
                    "output_dir": config.output_dir,
                    "steps": training["steps"],
                    "best_step": training["best_step"],
                    "best_validation_loss": training["best_validation_loss"],
                    "mixed_precision": summary["hyperparameters"]["mixed_precision"],
                    "wall_time_s": summary["wall_time_s"],
                }
            )
        )
    return 0


def main(argv: list[str] | None = None, prog: str = "wicdistill.launch") -> int:
    """Train from command-line options; returns the exit code."""
    from wicdistill.cli import debug_requested, report_errors

    argv = list(sys.argv[1:] if argv is None else argv)
    return report_errors(prog, lambda: train_from_argv(argv), debug_requested(argv))


if __name__ == "__main__":
    raise SystemExit(main())
