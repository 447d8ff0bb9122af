#!/usr/bin/env python
"""Train wicdistill's meaning/context distillers on a triple corpus.

    accelerate launch train_accelerate.py --config configs/minilm-en.yaml
    accelerate launch --cpu --num_processes 1 train_accelerate.py --corpus corpus/ --output_dir out/
    python train_accelerate.py --corpus corpus/ --max_steps 100      # a single process works too

Options come from ``--config FILE.yaml`` and/or flags (flags win); ``--help`` lists them.
Mixed precision follows ``accelerate launch --mixed_precision`` unless ``--mixed_precision`` is given.
"""

from __future__ import annotations

import json


def main(argv: list[str] | None = None) -> dict:
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
    return summary


if __name__ == "__main__":
    main()
