#!/usr/bin/env python
"""Train wicdistill's meaning/context distillers on a triple corpus.

    accelerate launch train_accelerate.py --config configs/minilm-en.yaml
    accelerate launch --cpu --num_processes 1 --mixed_precision no train_accelerate.py --corpus corpus/ --output_dir out/
    python train_accelerate.py --corpus corpus/ --max_steps 100      # a single process works too

The same entry point as ``accelerate launch -m wicdistill.launch`` (which needs no
checkout). Options come from ``--config FILE.yaml`` and/or flags (flags win); ``--help`` lists
them. A failure ends with one line on stderr and the exit codes of ``wicdistill``
(``wicdistill --help``); ``--debug`` or ``WICDISTILL_DEBUG=1`` adds the traceback.
"""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """Train from command-line options; returns the exit code."""
    from wicdistill.launch import main as launch

    return launch(argv, prog="train_accelerate.py")


if __name__ == "__main__":
    raise SystemExit(main())
