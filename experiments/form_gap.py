"""The same-form bonus on held-back bitext, per trained model.

For a held-back record i and another held-back record j (another sentence pair) whose word has the
same form, the bonus is cos(i, j) - cos(i, translation of j in its own pair): what the shared
spelling adds over a word of the same sense. It is what the form-consistency term drives to zero
and what makes a same-language threshold too high for crosslingual pairs.

    python experiments/form_gap.py --heldout ~/.cache/wicdistill/corpora/xling-e5/heldout.jsonl \
        --output experiments/results/form_gap.json runs/X_align runs/X_align_form30

The raw encoder's bonus (``baseline``) is reported once, from the first model.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from transformers import AutoTokenizer

from wicdistill import WicDistillModel
from wicdistill.corpus import read_corpus
from wicdistill.io_utils import atomic_write_json
from wicdistill.training.partners import same_form_partners


def form_gaps(anchor: torch.Tensor, positive: torch.Tensor, table: np.ndarray) -> dict[str, dict]:
    """Mean bonus on each side: partners sharing the positive's form, and the anchor's."""
    anchor, positive = F.normalize(anchor.float(), dim=-1), F.normalize(positive.float(), dim=-1)
    sides = {}
    for name, column, same, other in (("positive", 0, positive, anchor), ("anchor", 1, anchor, positive)):
        rows = np.nonzero(table[:, column] >= 0)[0]
        partners = table[rows, column]
        own = same[rows]
        gap = (own * same[partners]).sum(-1) - (own * other[partners]).sum(-1)
        sides[name] = {"mean": round(float(gap.mean()), 4) if len(rows) else None, "pairs": int(len(rows))}
    return sides


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("models", nargs="+", help="trained wicdistill model folders")
    parser.add_argument("--heldout", required=True, help="held-back corpus records (.jsonl)")
    parser.add_argument("--output", required=True, help="JSON file to write")
    parser.add_argument("--seed", type=int, default=0, help="seed of the partner rotation")
    args = parser.parse_args()

    corpus = read_corpus(args.heldout)
    table = same_form_partners(corpus, np.arange(len(corpus)), args.seed)
    items = [
        (corpus.texts[role][i], corpus.starts[role][i], corpus.ends[role][i])
        for role in ("anchor", "positive")
        for i in range(len(corpus))
    ]
    results: dict[str, dict] = {}
    for number, folder in enumerate(args.models):
        model = WicDistillModel.from_pretrained(folder)
        tokenizer = AutoTokenizer.from_pretrained(folder)
        rows = ["baseline", "meaning"] if number == 0 else ["meaning"]
        vectors = model.encode(items, tokenizer, output=rows)
        for row in rows:
            anchor, positive = vectors[row][: len(corpus)], vectors[row][len(corpus) :]
            name = "raw encoder" if row == "baseline" else Path(folder).name
            results[name] = form_gaps(anchor, positive, table)
            sides = results[name]
            print(
                f"{name}: positive side {sides['positive']['mean']} ({sides['positive']['pairs']} pairs), "
                f"anchor side {sides['anchor']['mean']} ({sides['anchor']['pairs']} pairs)"
            )
    atomic_write_json(args.output, {"heldout_records": len(corpus), "seed": args.seed, "models": results})


if __name__ == "__main__":
    main()
