"""Summarise the issue-27 runs (do no harm, then win) into experiments/results/issue27.csv.

    python experiments/issue27_table.py LABEL=RUN_FOLDER[:ROW] ... [--encoder-row LABEL=RUN_FOLDER]

Each RUN_FOLDER holds an ``evaluation.json`` (``wicdistill evaluate`` output, or a recipe's
``model/``); ROW is the report row to read (``meaning``, the default, or ``baseline`` for the raw
encoder). The columns are the issue's: AM2iCo dev AUC and own-threshold accuracy for the four
trained languages (ar, de, ru, zh) and the ten others, the transfer gap (own minus transferred
accuracy), MCL-WiC X–X dev (mean of five languages, threshold tuned on the same dev split), WiC
dev, SCWS, the SCWS shared-context probe and STS-B dev. Rows are appended to (or replace those
of the same label in) the CSV; ``make_results.py`` renders them.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from statistics import mean

HERE = Path(__file__).resolve().parent
CSV = HERE / "results" / "issue27.csv"
TRAINED = ("ar", "de", "ru", "zh")
UNTRAINED = ("bn", "eu", "fi", "id", "ja", "ka", "kk", "ko", "tr", "ur")
MCL = ("ar", "en", "fr", "ru", "zh")
COLUMNS = (
    "label",
    "row",
    "am2ico_auc",
    "am2ico_own",
    "am2ico_transferred",
    "am2ico_gap",
    "am2ico10_auc",
    "am2ico10_own",
    "am2ico10_gap",
    "mcl_xx",
    "wic",
    "scws",
    "scws_shared",
    "stsb_dev",
    "folder",
)


def _mean(tasks: dict, names: list[str], row: str, key: str) -> float | None:
    values = [tasks[n]["rows"][row][key] for n in names if n in tasks]
    if len(values) != len(names):
        return None
    return round(mean(values) * (100 if key == "auc" else 1), 2)


def summarise(report: dict, row: str) -> dict[str, float | None]:
    """The issue's columns from one evaluation report."""
    tasks = report["tasks"]

    def single(name: str) -> float | None:
        return round(tasks[name]["rows"][row]["score"], 2) if name in tasks else None

    out: dict[str, float | None] = {}
    for prefix, langs in (("am2ico", TRAINED), ("am2ico10", UNTRAINED)):
        out[f"{prefix}_auc"] = _mean(tasks, [f"am2ico-dev-{lang}" for lang in langs], row, "auc")
        out[f"{prefix}_own"] = _mean(tasks, [f"am2ico-dev-{lang}" for lang in langs], row, "score")
        transferred = _mean(tasks, [f"am2ico-{lang}-transfer" for lang in langs], row, "score")
        if prefix == "am2ico":
            out["am2ico_transferred"] = transferred
        own = out[f"{prefix}_own"]
        out[f"{prefix}_gap"] = None if own is None or transferred is None else round(own - transferred, 2)
    out["mcl_xx"] = _mean(tasks, [f"mcl-wic-dev-{lang}" for lang in MCL], row, "score")
    out["wic"] = single("wic")
    out["scws"] = single("scws")
    out["scws_shared"] = single("scws-shared")
    out["stsb_dev"] = single("stsb-dev")
    return out


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    rows = {}
    if CSV.is_file():
        with CSV.open(newline="") as handle:
            rows = {r["label"]: r for r in csv.DictReader(handle)}
    for item in argv:
        label, _, spec = item.partition("=")
        folder, _, row = spec.partition(":")
        report = json.loads((Path(folder) / "evaluation.json").read_text())
        values = summarise(report, row or "meaning")
        rows[label] = {"label": label, "row": row or "meaning", **values, "folder": Path(folder).name}
        print(label, {k: v for k, v in values.items() if v is not None})
    CSV.parent.mkdir(parents=True, exist_ok=True)
    with CSV.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows.values())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
