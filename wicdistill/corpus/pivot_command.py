"""``wicdistill pivot-positives``: add pivot-positive records to a built crosslingual corpus."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path


def _directions(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def configure(parser: argparse.ArgumentParser) -> None:
    from .pivots import PIVOT_DIRECTIONS

    parser.add_argument(
        "corpus", help="a build-corpus output folder (its train split is read) or a .jsonl file"
    )
    parser.add_argument(
        "--output", required=True, help="JSONL file to write (a training corpus for train_accelerate)"
    )
    parser.add_argument(
        "--directions",
        type=_directions,
        default=list(PIVOT_DIRECTIONS),
        help="english (two English words aligned to one foreign form) and/or foreign (two forms of one "
        "foreign language aligned to one English word), comma-separated (default: both)",
    )
    parser.add_argument(
        "--max-per-word", type=int, default=4, help="records per pivot word at most (default: 4)"
    )
    parser.add_argument(
        "--min-alignment-score",
        type=float,
        default=0.9,
        help="both records' alignment_score must reach this (default: 0.9)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the pairing and the English negatives")
    parser.add_argument(
        "--pivots-only",
        action="store_true",
        help="write only the pivot records (default: the corpus records first)",
    )


def _read(path: Path) -> list[dict]:
    from .store import split_jsonl

    source = split_jsonl(path, "train") if path.is_dir() else path
    if not source.is_file():
        raise FileNotFoundError(f"{path} is neither a build-corpus folder with train.jsonl nor a .jsonl file")
    records = []
    with source.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as err:
                    raise ValueError(f"{source} line {number}: not JSON ({err.msg})") from None
    return records


def _line(record: dict) -> str:
    clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in record.items()}
    return json.dumps(clean, ensure_ascii=False)


def run(args: argparse.Namespace) -> int:
    from ..io_utils import atomic_write_text
    from .pivots import pivot_records

    records = _read(Path(args.corpus))
    pivots = pivot_records(
        records,
        directions=args.directions,
        max_per_word=args.max_per_word,
        min_alignment_score=args.min_alignment_score,
        seed=args.seed,
    )
    if not pivots:
        raise ValueError(
            f"no pivot record from {args.corpus}: it needs crosslingual en-X records whose foreign (or English) "
            f"forms repeat with alignment_score >= {args.min_alignment_score}"
        )
    written = pivots if args.pivots_only else [*records, *pivots]
    atomic_write_text(args.output, "".join(_line(r) + "\n" for r in written))
    by_source: dict[str, int] = {}
    for r in pivots:
        by_source[r["positive_source"]] = by_source.get(r["positive_source"], 0) + 1
    counts = ", ".join(f"{name} {n}" for name, n in sorted(by_source.items()))
    print(
        f"{len(pivots)} pivot records ({counts}) + {len(written) - len(pivots)} corpus records -> {args.output}"
    )
    return 0
