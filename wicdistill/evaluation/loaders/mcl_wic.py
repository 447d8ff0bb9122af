"""MCL-WiC (SemEval-2021 Task 2): JSON arrays with character offsets and a separate gold file.

Offsets come as ``start1``/``end1`` (strings in the released files, ints in the trial files) or,
in the crosslingual test files, as ``ranges1``/``ranges2`` like ``"0-5,57-64"``: a target in
several pieces is kept as one target over all its pieces (the model pools them together).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from ...targets_wicdistill import Target
from ..pairs import PairSet, Unlocatable, WordPair, checked_span

LABELS = {"T": 1.0, "F": 0.0}
_PAIR_IN_NAME = re.compile(r"\.([a-z]{2})-([a-z]{2})\.data$")


def languages_of(data_path: str | os.PathLike) -> tuple[str, str]:
    """``dev.en-ar.data`` -> ``("en", "ar")``."""
    match = _PAIR_IN_NAME.search(Path(data_path).name)
    if not match:
        raise ValueError(
            f"cannot read the language pair from {data_path}: expected a name like dev.en-ar.data"
        )
    return match.group(1), match.group(2)


def _clean_id(value: object) -> str:
    """Ids with a stray byte-order mark (trial.ar-ar.gold has ``"\ufefftrial.ar-ar.0"``) still match."""
    return str(value).replace("\ufeff", "").strip()


def _read_json_list(path: Path) -> list:
    if not path.is_file():
        raise FileNotFoundError(f"benchmark file not found: {path}")
    with open(path, encoding="utf-8-sig") as handle:
        data = json.load(handle)
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON array, got {type(data).__name__}")
    return data


def _spans(record: dict, side: int) -> list[tuple[int, int]] | str:
    ranges = record.get(f"ranges{side}")
    if ranges is not None:
        pieces = [part.strip() for part in str(ranges).split(",") if part.strip()]
        if not pieces:
            return f"empty ranges{side} {ranges!r}"
        spans = []
        for piece in pieces:
            bounds = piece.split("-")
            if len(bounds) != 2:
                return f"ranges{side} piece {piece!r} is not 'start-end'"
            try:
                spans.append((int(bounds[0]), int(bounds[1])))
            except ValueError:
                return f"ranges{side} piece {piece!r} is not 'start-end'"
        return spans
    if f"start{side}" in record and f"end{side}" in record:
        try:
            return [(int(record[f"start{side}"]), int(record[f"end{side}"]))]
        except (TypeError, ValueError):
            return (
                f"start{side}/end{side} {record[f'start{side}']!r}/{record[f'end{side}']!r} are not integers"
            )
    return f"record has neither start{side}/end{side} nor ranges{side}"


def _target(record: dict, side: int) -> Target | str:
    text = record.get(f"sentence{side}")
    if not isinstance(text, str):
        return f"missing sentence{side}"
    spans = _spans(record, side)
    if isinstance(spans, str):
        return spans
    checked = []
    for start, end in spans:
        span = checked_span(text, start, end)
        if isinstance(span, str):
            return span
        checked.append(span)
    return Target(text, tuple(checked))


def load_mcl_wic(data_path: str | os.PathLike, gold_path: str | os.PathLike | None = None) -> PairSet:
    """Pairs of one MCL-WiC file; the gold file defaults to the same name with ``.gold``."""
    data_path = Path(data_path)
    gold_path = Path(gold_path) if gold_path else data_path.with_suffix(".gold")
    records = _read_json_list(data_path)
    gold = {}
    for entry in _read_json_list(gold_path):
        if not isinstance(entry, dict) or entry.get("tag") not in LABELS:
            raise ValueError(f"{gold_path}: expected entries {{'id': ..., 'tag': 'T'|'F'}}, got {entry!r}")
        gold[_clean_id(entry.get("id"))] = LABELS[entry["tag"]]
    result = PairSet(source=str(data_path), n_total=len(records))
    for position, record in enumerate(records):
        pair_id = _clean_id(record.get("id", f"{data_path.name}:{position}"))
        if pair_id not in gold:
            raise ValueError(f"{gold_path} has no label for {pair_id!r} of {data_path}")
        targets = []
        for side in (1, 2):
            target = _target(record, side)
            if isinstance(target, str):
                result.unlocatable.append(Unlocatable(pair_id, side, target))
            else:
                targets.append(target)
        if len(targets) == 2:
            result.pairs.append(WordPair(pair_id, targets[0], targets[1], gold[pair_id]))
    languages = re.search(r"\.([a-z]{2})-([a-z]{2})\.", data_path.name)
    return result.with_languages(*languages.groups()) if languages else result
