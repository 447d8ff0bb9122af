"""Evaluation suite: word-in-context benchmarks scored for the raw encoder, the meaning vector and
the context vector on identical pairs.

    report = evaluate(model, tokenizer, ["wic", "scws", "mcl-wic-dev"])
    print(format_table(report)); write_report(report, "out/")

Loaders live in ``wicdistill.evaluation.loaders``, metric maths in ``wicdistill.evaluation.metrics``,
task names in ``wicdistill.evaluation.tasks``.
"""

from .plots import plot_report
from .protocols.decisions import decision_thresholds, store_decision_thresholds
from .report import format_table, write_report
from .suite import SCHEMA, evaluate
from .tasks import GROUPS, TASKS

__all__ = [
    "GROUPS",
    "SCHEMA",
    "TASKS",
    "decision_thresholds",
    "evaluate",
    "format_table",
    "plot_report",
    "store_decision_thresholds",
    "write_report",
]
