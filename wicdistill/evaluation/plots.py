"""One PNG per run: per-task score bars for the three rows, language offsets, and the cosine
histograms of same- vs different-meaning pairs for the baseline and the meaning vector (dashed:
the task's threshold; dotted: the threshold another task applies to the same pairs, e.g. a
transferred one).

Drawn on an Agg canvas directly, so the caller's matplotlib backend is left alone.
"""

from __future__ import annotations

import io
import json
import math
import os

from ..io_utils import atomic_write_bytes
from .vectors import ROWS

COLOURS = {"baseline": "#7f7f7f", "meaning": "#1f77b4", "context": "#ff7f0e"}
HISTOGRAM_ROWS = ("baseline", "meaning")
PANELS_PER_LINE = 4


def _histogram_tasks(tasks: dict) -> list[tuple[str, dict, list[tuple[float, str]]]]:
    """Binary tasks with histograms. Tasks over the very same pairs (a transfer task and its dev
    task) are drawn once, with the other task's threshold added as a second line."""
    chosen: list[tuple[str, dict, list[tuple[float, str]]]] = []
    index: dict[str, int] = {}
    for name, task in tasks.items():
        histogram = task["rows"]["baseline"].get("histogram")
        if not histogram or not histogram.get("edges"):
            continue
        key = json.dumps(histogram, sort_keys=True)
        if key in index:
            chosen[index[key]][2].append((name, task))
        else:
            index[key] = len(chosen)
            chosen.append((name, task, []))
    return chosen


def _draw_bars(axis, names: list[str], values: dict[str, list], ylabel: str, title: str) -> None:
    width = 0.8 / len(ROWS)
    for k, row in enumerate(ROWS):
        xs = [i + (k - 1) * width for i in range(len(names))]
        heights = [v if v is not None else 0.0 for v in values[row]]
        axis.bar(xs, heights, width=width, color=COLOURS[row], label=row)
    axis.set_xticks(range(len(names)))
    axis.set_xticklabels(names, rotation=45, ha="right", fontsize=8)
    axis.set_ylabel(ylabel)
    axis.set_title(title, fontsize=10)
    axis.axhline(0, color="black", linewidth=0.5)
    axis.legend(fontsize=8)


def _draw_histogram(axis, name: str, row: str, data: dict, others: list[tuple[str, dict]]) -> None:
    histogram = data["histogram"]
    edges = histogram["edges"]
    for label, colour in (("same", "#2ca02c"), ("different", "#d62728")):
        axis.stairs(histogram[label], edges, color=colour, label=label, fill=False, linewidth=1.2)
    if data.get("threshold") is not None:
        axis.axvline(data["threshold"], color="black", linestyle="--", linewidth=0.8)
    for other_name, other in others:
        threshold = other["rows"][row].get("threshold")
        if threshold is not None:
            axis.axvline(
                threshold, color="#9467bd", linestyle=":", linewidth=1.2, label=f"{other_name} threshold"
            )
    axis.set_title(f"{name}: {row}", fontsize=8)
    axis.tick_params(labelsize=7)
    axis.legend(fontsize=6)


def plot_report(report: dict, path: str | os.PathLike) -> None:
    """Write the run's PNG (atomically)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    tasks = report.get("tasks", {})
    scored = [(n, t) for n, t in tasks.items() if t["metric"] != "offset"]
    offsets = [(n, t) for n, t in tasks.items() if t["metric"] == "offset"]
    histograms = _histogram_tasks(tasks)
    histogram_lines = math.ceil(len(histograms) * len(HISTOGRAM_ROWS) / PANELS_PER_LINE)
    bar_lines = int(bool(scored)) + int(bool(offsets))
    heights = [3.2] * bar_lines + [2.2] * histogram_lines
    width = max(10.0, 0.45 * max(len(scored), 1))
    figure = Figure(figsize=(width, max(sum(heights), 2.5)), layout="constrained")
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(max(len(heights), 1), PANELS_PER_LINE, height_ratios=heights or [1])
    line = 0
    for group, ylabel, title in (
        (scored, "accuracy % / correlation x 100", "per-task scores"),
        (offsets, "offset (same-language separations)", "language offset (lower is better)"),
    ):
        if not group:
            continue
        values = {row: [t["rows"][row].get("score") for _, t in group] for row in ROWS}
        _draw_bars(figure.add_subplot(grid[line, :]), [n for n, _ in group], values, ylabel, title)
        line += 1
    panel = 0
    for name, task, others in histograms:
        for row in HISTOGRAM_ROWS:
            axis = figure.add_subplot(grid[line + panel // PANELS_PER_LINE, panel % PANELS_PER_LINE])
            _draw_histogram(axis, name, row, task["rows"][row], others)
            panel += 1
    if not heights:
        figure.text(0.5, 0.5, "no tasks", ha="center")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    atomic_write_bytes(path, buffer.getvalue())
