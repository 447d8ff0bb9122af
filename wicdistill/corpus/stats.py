"""Counts at every stage of a build (kept / dropped and why), timings and overlap histograms.

The whole object round-trips through JSON, so a resumed build continues the same counts.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

OVERLAP_BINS = 20
PIPELINE_STAGES = ("inputs", "sentences", "targets", "alignment", "negatives")
EXAMPLES_PER_REASON = 5
"""How many places (``file:line``) ``stats.json`` keeps for each reason a line was dropped."""
RELATIONS = ("same_surface", "same_stem", "different_word")


class BuildStats:
    def __init__(self, data: dict[str, Any] | None = None) -> None:
        data = data or {}
        self.counts: dict[str, Counter] = {k: Counter(v) for k, v in data.get("counts", {}).items()}
        self.dropped: dict[str, Counter] = {k: Counter(v) for k, v in data.get("dropped", {}).items()}
        self.seconds: Counter = Counter(data.get("seconds", {}))
        self.units: Counter = Counter(data.get("units", {}))
        self.overlap: dict[str, list[int]] = {
            k: list(v) for k, v in data.get("overlap_histogram", {}).items()
        }
        self.examples: dict[str, dict[str, list[str]]] = {
            k: {reason: list(places) for reason, places in v.items()}
            for k, v in data.get("examples", {}).items()
        }

    def add(self, stage: str, key: str, n: int = 1) -> None:
        self.counts.setdefault(stage, Counter())[key] += n

    def drop(self, stage: str, reason: str, n: int = 1, where: str | None = None) -> None:
        """Count ``n`` items dropped for ``reason``; ``where`` (``file:line``) is kept for the first few."""
        if n:
            self.dropped.setdefault(stage, Counter())[reason] += n
        if where is not None:
            places = self.examples.setdefault(stage, {}).setdefault(reason, [])
            if len(places) < EXAMPLES_PER_REASON:
                places.append(where)

    def drop_all(self, stage: str, reasons: Counter) -> None:
        for reason, n in reasons.items():
            self.drop(stage, reason, n)

    def time(self, stage: str, seconds: float, units: int) -> None:
        self.seconds[stage] += seconds
        self.units[stage] += units

    def add_overlap(self, source: str, value: float) -> None:
        bins = self.overlap.setdefault(source, [0] * OVERLAP_BINS)
        bins[min(int(value * OVERLAP_BINS), OVERLAP_BINS - 1)] += 1

    def merge(self, other: BuildStats) -> None:
        """Add ``other``'s counts (a later chunk's): merging chunks in input order gives exactly the
        counts, places and key order of one object that saw every chunk in turn."""
        for mine, theirs in ((self.counts, other.counts), (self.dropped, other.dropped)):
            for stage, counter in theirs.items():
                mine.setdefault(stage, Counter()).update(counter)
        self.seconds.update(other.seconds)
        self.units.update(other.units)
        for source, bins in other.overlap.items():
            own = self.overlap.setdefault(source, [0] * OVERLAP_BINS)
            self.overlap[source] = [a + b for a, b in zip(own, bins)]
        for stage, reasons in other.examples.items():
            for reason, places in reasons.items():
                kept = self.examples.setdefault(stage, {}).setdefault(reason, [])
                kept.extend(places[: EXAMPLES_PER_REASON - len(kept)])

    def to_state(self) -> dict[str, Any]:
        return {
            "counts": {k: dict(v) for k, v in self.counts.items()},
            "dropped": {k: dict(v) for k, v in self.dropped.items()},
            "seconds": dict(self.seconds),
            "units": dict(self.units),
            "overlap_histogram": self.overlap,
            "examples": self.examples,
        }

    def dropped_summary(self, stage: str = "inputs") -> str | None:
        """One line: how many items of ``stage`` were dropped, by reason, with the first place of each."""
        dropped = self.dropped.get(stage)
        if not dropped:
            return None
        parts = []
        for reason, n in dropped.most_common():
            places = self.examples.get(stage, {}).get(reason)
            parts.append(f"{reason} {n}" + (f" (first at {places[0]})" if places else ""))
        return f"dropped {sum(dropped.values())} {stage} line(s): " + "; ".join(parts)

    def empty_reason(self) -> str:
        """Why a build made no record: what each stage removed, in pipeline order."""
        parts = []
        for stage in PIPELINE_STAGES:
            dropped = self.dropped.get(stage)
            if dropped:
                reasons = ", ".join(f"{reason} ({n})" for reason, n in dropped.most_common(2))
                parts.append(f"{stage} dropped {reasons}")
        pairs = self.counts.get("inputs", {}).get("pairs", 0)
        return f"{pairs} input pair(s) read; " + ("; ".join(parts) or "no stage kept a target")

    def report(self) -> dict[str, Any]:
        """The human-facing summary written to ``stats.json``."""
        report: dict[str, Any] = {}
        for stage in sorted((set(self.counts) | set(self.dropped)) - {"positives_by_source"}):
            report[stage] = dict(sorted(self.counts.get(stage, {}).items()))
            if stage in PIPELINE_STAGES or self.dropped.get(stage):
                report[stage]["dropped"] = dict(self.dropped.get(stage, Counter()).most_common())
            if self.examples.get(stage):
                report[stage]["dropped_at"] = {
                    reason: places for reason, places in sorted(self.examples[stage].items())
                }
        for stage in ("positives", "positives_crosslingual"):
            if stage in report:
                report[stage].update(_fractions(report[stage]))
        by_source: dict[str, dict[str, Any]] = {}
        for key, n in sorted(self.counts.get("positives_by_source", {}).items()):
            source, kind = key.rsplit("|", 1)
            by_source.setdefault(source, {})[kind] = n
        report["positives_by_source"] = {source: {**v, **_fractions(v)} for source, v in by_source.items()}
        report["pair_word_overlap"] = {
            source: {
                "pairs": sum(bins),
                "median_jaccard": histogram_median(bins),
                "histogram_0_to_1": bins,
            }
            for source, bins in sorted(self.overlap.items())
        }
        report["throughput"] = {
            stage: {
                "seconds": round(self.seconds[stage], 2),
                "units": self.units[stage],
                "per_second": round(self.units[stage] / self.seconds[stage], 1)
                if self.seconds[stage]
                else None,
            }
            for stage in self.seconds
        }
        return report


def _fractions(relations: dict[str, int]) -> dict[str, float]:
    total = sum(relations.get(k, 0) for k in RELATIONS)
    return {"different_word_fraction": round(relations.get("different_word", 0) / total, 4)} if total else {}


def histogram_median(bins: list[int]) -> float | None:
    """Median of a [0, 1] histogram, at the centre of the bin holding it."""
    total = sum(bins)
    if not total:
        return None
    running = 0
    for i, n in enumerate(bins):
        running += n
        if running * 2 >= total:
            return round((i + 0.5) / len(bins), 3)
    return None
