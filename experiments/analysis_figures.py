"""Layer-attention figures of trained models: which encoder layers the two distillers draw on.

    python experiments/analysis_figures.py runs/minilm-en --name minilm-en --benchmark wic
    python experiments/analysis_figures.py runs/X_paper --name e5-xling --benchmark mcl-wic

Targets are the first sides of the benchmark's dev pairs (WiC dev, or MCL-WiC X–X dev of all five
languages); the figure goes to experiments/results/figures/layer-attention-NAME.png and its numbers to
the JSON beside it. The same-/different-sense histograms are in each run's evaluation.png.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

import torch
from transformers import AutoTokenizer

from wicdistill import WicDistillModel
from wicdistill.evaluation.loaders import load_mcl_wic, load_wic
from wicdistill.hub import plot_layer_attention

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
FIGURES = ROOT / "experiments" / "results" / "figures"


def benchmark_targets(benchmark: str) -> list:
    if benchmark == "wic":
        pairs = load_wic(DATA / "wic" / "dev" / "dev.data.txt").pairs
    elif benchmark == "mcl-wic":
        pairs = []
        for lang in ("ar", "en", "fr", "ru", "zh"):
            pairs += load_mcl_wic(
                DATA / "mcl-wic" / "dev" / "multilingual" / f"dev.{lang}-{lang}.data"
            ).pairs[:200]
    else:
        raise ValueError(f"unknown benchmark {benchmark!r}; expected 'wic' or 'mcl-wic'")
    return [pair.first for pair in pairs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir")
    parser.add_argument("--name", required=True)
    parser.add_argument("--benchmark", default="wic")
    parser.add_argument("--max-targets", type=int, default=1000)
    args = parser.parse_args()
    torch.manual_seed(0)
    model = WicDistillModel.from_pretrained(args.model_dir).eval()
    tokenizer = AutoTokenizer.from_pretrained(args.model_dir)
    targets = benchmark_targets(args.benchmark)[: args.max_targets]
    stacks = model.encode(targets, tokenizer, output="layer_stack", batch_size=64).float()
    path = FIGURES / f"layer-attention-{args.name}.png"
    profile = plot_layer_attention(model, stacks, path, max_targets=args.max_targets)
    record = {"model": args.name, "benchmark": args.benchmark, **asdict(profile)}
    path.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record))


if __name__ == "__main__":
    main()
