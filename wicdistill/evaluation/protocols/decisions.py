"""Decision thresholds stored in a model: the binary protocol's tuned thresholds, per language.

A same-language binary dev task (``wic``, ``mcl-wic-dev-<x>``) gives the threshold of its
language; one of them becomes the ``default`` threshold for crosslingual and unknown pairs, the
way this project's transfer protocols (``am2ico-<l>-transfer``, ``mcl-wic-test-en-<x>``) borrow a
same-language threshold. The format is ``WicDistillConfig.decision_thresholds``.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any

from ...configuration_wicdistill import DECISION_OUTPUTS, check_decision_thresholds
from ...io_utils import atomic_write_json, read_json

__all__ = [
    "check_threshold_sources",
    "decision_thresholds",
    "is_threshold_source",
    "store_decision_thresholds",
]

# English is the side every crosslingual benchmark pair shares (en-x in MCL-WiC, x-en in AM2iCo),
# and MCL-WiC dev is where the transfer tasks tune: the default prefers both, then more pairs.
DEFAULT_LANGUAGE = "en"
DEFAULT_DATASET = "MCL-WiC"


def is_threshold_source(metric: str, split: str, language: str) -> bool:
    """A task whose tuned threshold is stored: binary, a dev split, both sides in one language."""
    return metric == "accuracy" and split == "dev" and len(set(language.split("-"))) == 1


def check_threshold_sources(tasks: str | list[str], output: str) -> None:
    """Refuse, before anything is evaluated, to store thresholds that ``tasks`` cannot give."""
    from ..tasks import resolve_tasks

    if output not in DECISION_OUTPUTS:
        raise ValueError(f"thresholds are stored for one of {', '.join(DECISION_OUTPUTS)}, got {output!r}")
    specs = resolve_tasks(tasks, offset_languages=())
    if not any(is_threshold_source(s.metric, s.split, s.language) for s in specs):
        raise ValueError(
            f"storing thresholds needs a same-language binary dev task among the tasks {tasks!r}: "
            f"add wic or mcl-wic-dev-<x> (e.g. wic,mcl-wic-dev)"
        )


def _entry(task: dict, output: str) -> dict[str, Any]:
    language = task["language"]
    dev_set = f"{task['dataset'].lower()}-{task['split']}" + (f" {language}" if "-" in language else "")
    row = task["rows"][output]
    return {
        "threshold": row["threshold"],
        "dev_set": dev_set,
        "accuracy": round(row["score"] / 100, 4),
        "pairs": task["n_pairs"],
    }


def decision_thresholds(report: dict, output: str = "meaning", date: str | None = None) -> dict[str, Any]:
    """``decision_thresholds`` from an evaluation report, for the ``output`` row.

    Per language, a threshold tuned on another split (WiC train for ``wic``: its accuracy is
    held-out) beats one tuned on the scored dev set itself, then more pairs win. ``date``
    defaults to today (ISO).
    """
    if output not in DECISION_OUTPUTS:
        raise ValueError(f"output must be one of {DECISION_OUTPUTS}, got {output!r}")
    tasks = report.get("tasks", {})
    sources = [
        task
        for task in tasks.values()
        if is_threshold_source(task["metric"], task["split"], task["language"])
        and task["rows"][output].get("threshold") is not None
    ]
    if not sources:
        raise ValueError(
            f"no same-language binary dev task to take decision thresholds from (tasks: {', '.join(tasks)}); "
            f"evaluate wic or mcl-wic-dev-<x> too (e.g. --tasks wic,mcl-wic-dev)"
        )
    best: dict[str, dict] = {}
    for task in sources:
        language = task["language"].split("-")[0]
        rank = ("n_tuning_pairs" in task, task["n_pairs"])
        current = best.get(language)
        if current is None or rank > ("n_tuning_pairs" in current, current["n_pairs"]):
            best[language] = task
    default = max(
        sources,
        key=lambda t: (
            t["language"].split("-")[0] == DEFAULT_LANGUAGE,
            t["dataset"] == DEFAULT_DATASET,
            t["n_pairs"],
        ),
    )
    thresholds = {
        "output": output,
        "date": date or datetime.date.today().isoformat(),
        "languages": {language: _entry(task, output) for language, task in sorted(best.items())},
        "default": {**_entry(default, output), "transferred": True},
    }
    return check_decision_thresholds(thresholds)


def store_decision_thresholds(
    model_dir: str | os.PathLike, report: dict, output: str = "meaning", date: str | None = None
) -> dict[str, Any]:
    """Write ``decision_thresholds(report, output, date)`` into ``model_dir/config.json`` (atomically:
    a crash leaves the old config) and return them; ``from_pretrained`` then loads them."""
    path = Path(model_dir) / "config.json"
    if not path.is_file():
        raise FileNotFoundError(f"{model_dir} is not a model folder (no config.json) to store thresholds in")
    config = read_json(path)
    if config.get("model_type") != "wicdistill":
        raise ValueError(
            f"{path} is a {config.get('model_type')!r} config, not a wicdistill model's; "
            f"decision thresholds belong to a trained wicdistill model folder"
        )
    thresholds = decision_thresholds(report, output, date)
    config["decision_thresholds"] = thresholds
    atomic_write_json(path, config)
    return thresholds
