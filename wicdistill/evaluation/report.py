"""The report as a Markdown table, and writing JSON + Markdown + PNG without half-written files."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..io_utils import atomic_write_bytes
from .vectors import ROWS

JSON_NAME = "evaluation.json"
MARKDOWN_NAME = "evaluation.md"
PLOT_NAME = "evaluation.png"
UNLOCATABLE_SHOWN = 20
_PERCENT_KEYS = {
    "score",
    "tuning_score",
    "oracle_score",
    "oracle_cv_score",
    "pearson",
    "harmonic_mean",
    "pearson_uncentred",
}
_PERCENT_KEYS |= {"mean_pool", "greedy_f1"}
_HIDDEN_KEYS = {"score", "histogram", "tuned_on"}


def _number(key: str, value: object, metric: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if key == "score" and metric == "offset":
        return f"{value:.2f}"
    return f"{value:.1f}" if key in _PERCENT_KEYS else f"{value:.3f}"


def _details(row: dict) -> str:
    parts = []
    for key, value in row.items():
        if key in _HIDDEN_KEYS or isinstance(value, (dict, list)):
            continue
        parts.append(f"{key} {_number(key, value)}")
    return ", ".join(parts)


def format_table(report: dict) -> str:
    """Markdown: one line per task with the three rows side by side, then per-row details."""
    layers = report.get("layers")
    lines = [
        f"# Evaluation of {report.get('model')}",
        "",
        f"Encoder: {report.get('encoder')}; layers {layers}; total wall time {report.get('wall_time_s')} s. "
        "Accuracy in %, correlations x 100, offsets in units of the same-language separation.",
        "",
        "| task | metric | pairs | unlocatable | baseline | meaning | context | tuned on | time (s) |",
        "|---|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    tasks = report.get("tasks", {})
    for name, task in tasks.items():
        rows = task["rows"]
        scores = [_number("score", rows[row].get("score"), task["metric"]) for row in ROWS]
        tuned_on = rows["baseline"].get("tuned_on", "")
        metric = task["metric"] + (f" ({task['score_from']})" if task.get("score_from") else "")
        lines.append(
            f"| {name} | {metric} | {task['n_pairs']} | {task['n_unlocatable']} | "
            f"{' | '.join(scores)} | {tuned_on} | {task.get('wall_time_s', '')} |"
        )
    lines += ["", "## Details", "", "| task | row | values |", "|---|---|---|"]
    for name, task in tasks.items():
        for row in ROWS:
            lines.append(f"| {name} | {row} | {_details(task['rows'][row])} |")
    split = [
        (name, task["meaning_context_cosine"])
        for name, task in tasks.items()
        if task.get("meaning_context_cosine") is not None
    ]
    if split:
        lines += [
            "",
            "## Meaning vs context",
            "",
            "Mean cosine of a target's meaning and context vectors (near 1: the heads collapsed).",
            "",
        ]
        lines += [f"- {name}: {value:.3f}" for name, value in split]
    missing = [(name, task) for name, task in tasks.items() if task["n_unlocatable"]]
    if missing:
        lines += ["", "## Unlocatable targets", ""]
        for name, task in missing:
            shown = task["unlocatable"][:UNLOCATABLE_SHOWN]
            lines.append(f"- **{name}**: {task['n_unlocatable']}")
            lines += [f"  - {u['id']} side {u['side']}: {u['reason']}" for u in shown]
            if task["n_unlocatable"] > len(shown):
                lines.append(f"  - … {task['n_unlocatable'] - len(shown)} more in the JSON report")
    notes = [(name, note) for name, task in tasks.items() for note in task.get("notes", [])]
    if notes:
        lines += ["", "## Data notes", ""] + [f"- {name}: {note}" for name, note in notes]
    return "\n".join(lines) + "\n"


def write_report(report: dict, out_dir: str | os.PathLike) -> dict[str, Path]:
    """``evaluation.json``, ``evaluation.md`` and ``evaluation.png`` in ``out_dir``; returns their paths."""
    from .plots import plot_report

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / JSON_NAME, "markdown": out / MARKDOWN_NAME, "plot": out / PLOT_NAME}
    text = json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    atomic_write_bytes(paths["json"], text.encode("utf-8"))
    atomic_write_bytes(paths["markdown"], format_table(report).encode("utf-8"))
    plot_report(report, paths["plot"])
    return paths
