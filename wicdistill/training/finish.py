"""After training: evaluate, write the model card, optionally publish. None of it can lose the model.

The trained model is already saved when these run; a failing optional step (no evaluation
data, an unrenderable card) is reported as a warning, never raised. Publishing, which the
user asked for explicitly, raises on failure.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


def evaluate_saved_model(
    output_dir: Path,
    tasks: list[str],
    data_dir: str | None,
    show_progress: bool,
    heldout: Path | None = None,
) -> dict | None:
    """Score the saved model on ``tasks``; writes evaluation.json/.md/.png next to it."""
    if not tasks:
        return None
    from transformers import AutoTokenizer

    from ..evaluation import evaluate, format_table, write_report
    from ..modeling_wicdistill import WicDistillModel

    try:
        model = WicDistillModel.from_pretrained(output_dir)
        tokenizer = AutoTokenizer.from_pretrained(output_dir)
        report = evaluate(
            model, tokenizer, tasks, data_dir=data_dir, heldout=heldout, show_progress=show_progress
        )
        write_report(report, output_dir)
    except (ValueError, FileNotFoundError, OSError) as err:
        logger.warning("evaluation after training skipped: %s", err)
        return None
    print(format_table(report))
    return report


def write_card(output_dir: Path, card_fields: dict[str, Any]) -> Path | None:
    """README.md model card from the training summary and evaluation report; never raises."""
    try:
        from ..hub.card_data import CardData
        from ..hub.render import write_model_card

        return write_model_card(output_dir, CardData.from_model_dir(output_dir, **card_fields))
    except Exception as err:  # a card is a convenience: it must never fail a finished run
        logger.warning("model card not written: %s", err)
        return None


def push(output_dir: Path, repo_id: str, private: bool, card_fields: dict[str, Any]) -> str:
    from ..hub import publish
    from ..hub.card_data import CardData

    return publish(output_dir, repo_id, card_data=CardData(**card_fields), private=private)
