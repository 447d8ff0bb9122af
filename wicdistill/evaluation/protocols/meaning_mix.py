"""Fitting ``meaning_mix`` on dev data: how much of the raw layer mean the meaning vector keeps.

A trained meaning vector can rank some tasks worse than the layer mean it was distilled from.
Mixing the two, ``(1 - w) * meaning + w * baseline``, spans every trade between them; ``w`` is
chosen by the mean ranking score (AUC for binary tasks, Spearman for graded ones) of the meaning
row over the fitting tasks, and the smallest ``w`` of the best score wins, so a tie keeps the
distilled vector. ``w = 1`` returns the baseline itself (centred like the meaning vector when the
model centres).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ...configuration_wicdistill import check_meaning_mix
from ...io_utils import atomic_write_json, read_json
from ..suite import evaluate

__all__ = ["MIX_GRID", "fit_meaning_mix", "ranking_score", "store_meaning_mix"]

MIX_GRID = tuple(round(0.1 * k, 1) for k in range(11))


def ranking_score(entry: dict, row: str = "meaning") -> float:
    """A task's threshold-free score of ``row``: AUC x 100 for binary tasks, else its score."""
    result = entry["rows"][row]
    auc = result.get("auc")
    return 100 * auc if auc is not None else result["score"]


def _mean_score(report: dict) -> float:
    scores = [ranking_score(entry) for entry in report["tasks"].values() if "rows" in entry]
    if not scores:
        raise ValueError("none of the fitting tasks scores word pairs (give binary or graded tasks)")
    return sum(scores) / len(scores)


def fit_meaning_mix(
    model: Any,
    tokenizer: Any,
    tasks: str | Sequence[str],
    grid: Sequence[float] = MIX_GRID,
    **evaluate_kwargs: Any,
) -> dict[str, Any]:
    """Score every weight of ``grid`` on ``tasks`` and set the best on ``model``.

    ``evaluate_kwargs`` go to ``wicdistill.evaluate`` (give ``stack_cache`` so that the encoder runs
    once, not once per weight). Returns the chosen ``weight``, the mean ranking score per weight and
    the per-task scores."""
    weights = sorted({check_meaning_mix(w) for w in grid})
    if not weights:
        raise ValueError("the grid of mixing weights is empty")
    per_weight: dict[float, float] = {}
    per_task: dict[str, dict[float, float]] = {}
    for weight in weights:
        model.set_meaning_mix(weight)
        report = evaluate(model, tokenizer, tasks, **evaluate_kwargs)
        per_weight[weight] = _mean_score(report)
        for name, entry in report["tasks"].items():
            if "rows" in entry:
                per_task.setdefault(name, {})[weight] = ranking_score(entry)
    best = max(per_weight.values())
    chosen = min(w for w, score in per_weight.items() if score == best)
    model.set_meaning_mix(chosen)
    return {
        "weight": chosen,
        "tasks": sorted(per_task),
        "mean_ranking_score": per_weight,
        "per_task": per_task,
        "baseline_mean_ranking_score": sum(
            ranking_score(entry, "baseline") for entry in report["tasks"].values() if "rows" in entry
        )
        / len(per_task),
    }


def store_meaning_mix(model_dir: str | os.PathLike, weight: float) -> None:
    """Write ``weight`` into ``model_dir/config.json`` atomically; stored decision thresholds were
    tuned on other vectors, so they are dropped."""
    path = Path(model_dir) / "config.json"
    if not path.is_file():
        raise FileNotFoundError(f"{model_dir} is not a model folder (no config.json) to store meaning_mix in")
    config = read_json(path)
    if config.get("model_type") != "wicdistill":
        raise ValueError(f"{path} is a {config.get('model_type')!r} config, not a wicdistill model's")
    config["meaning_mix"] = check_meaning_mix(weight)
    config["decision_thresholds"] = None
    atomic_write_json(path, config)
