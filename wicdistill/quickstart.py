"""The README main job: a WicDistill model on the embedded default encoder, words in context."""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

PAIRS = [
    ("He sat on the [[bank]] of the river.", "She deposited money at the [[bank]].", "different"),
    ("The [[bank]] raised its interest rates.", "She deposited money at the [[bank]].", "same"),
    ("The [[plant]] needs water every day.", "The power [[plant]] closed last year.", "different"),
    ("They will [[play]] football tomorrow.", "The children [[play]] in the garden.", "same"),
]


def marked_to_item(marked: str) -> tuple[str, int, int]:
    """``"the [[bank]] of"`` -> ``("the bank of", 4, 8)``."""
    start = marked.index("[[")
    end = marked.index("]]", start) - 2
    return marked.replace("[[", "", 1).replace("]]", "", 1), start, end


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--encoder", default="all-MiniLM-L6-v2", help="encoder name or folder")


def run(args: argparse.Namespace) -> int:
    from transformers import AutoTokenizer

    from .backbones import resolve_encoder
    from .modeling_wicdistill import WicDistillModel

    started = time.perf_counter()
    path = resolve_encoder(args.encoder)
    torch.manual_seed(0)
    model = WicDistillModel.from_encoder_pretrained(path)
    tokenizer = AutoTokenizer.from_pretrained(path)
    print(f"encoder {args.encoder}: layers {model.config.layers}, hidden {model.config.hidden_size}")
    items = [marked_to_item(m) for pair in PAIRS for m in pair[:2]]
    vectors = model.encode(items, tokenizer, output=["baseline", "meaning", "context"])
    print(f"{'pair':60s} {'gold':9s} {'raw':>6s} {'meaning':>8s} {'context':>8s}")
    for i, (left, right, gold) in enumerate(PAIRS):
        sims = [F.cosine_similarity(v[2 * i], v[2 * i + 1], dim=0).item() for v in vectors.values()]
        label = f"{left[:28]} | {right[:28]}"
        print(f"{label:60s} {gold:9s} {sims[0]:6.3f} {sims[1]:8.3f} {sims[2]:8.3f}")
    print("(meaning/context come from untrained distillers until a model is trained)")
    print(f"done in {time.perf_counter() - started:.1f}s")
    return 0
