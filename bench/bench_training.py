"""Training throughput through ``train_accelerate.py``'s loop vs a raw loop over the two heads.

Both train the same distillers (d and L of the encoder below) on cached fp16 features with
the same batch size and number of optimizer steps; the raw loop keeps its batches in memory.
Weights do not change speed, so the encoder is randomly initialised (d 384, the stack of 3
hidden states of all-MiniLM-L6-v2's upper half).

    python bench/bench_training.py [--triples 6000] [--batch-size 128] [--steps 60]

Writes bench/results/training-<cpu|gpu>-<date>.json.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch
from bench_extraction import triples_over
from common import environment, wiki_sentences, write_result
from transformers import BertConfig, BertModel

from wicdistill.backbones import minilm_path
from wicdistill.configuration_wicdistill import WicDistillConfig
from wicdistill.distillers_wicdistill import LayerDistiller
from wicdistill.loss_wicdistill import distillation_loss
from wicdistill.training.config import TrainingConfig
from wicdistill.training.loop import train


def random_encoder_dir(root: Path) -> Path:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(minilm_path())
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=384,
        num_hidden_layers=2,
        num_attention_heads=12,
        intermediate_size=1536,
    )
    BertModel(config, add_pooling_layer=False).save_pretrained(root)
    tokenizer.save_pretrained(root)
    return root


def raw_heads_loop(
    steps: int,
    batch_size: int,
    layers: int,
    d: int,
    device: torch.device,
    mixed: bool,
    warmup: int = 0,
    distinct_batches: int = 8,
) -> float:
    """Seconds for ``steps`` plain optimiser steps of the two heads, after ``warmup`` untimed ones.

    Batches are fp16 host tensors copied to the device each step, as from a cache; a ring of
    ``distinct_batches`` keeps host memory bounded for long runs.
    """
    config = WicDistillConfig(
        encoder=BertConfig(hidden_size=d, num_hidden_layers=layers - 1, num_attention_heads=12),
        layers=list(range(layers)),
    )
    meaning, context = LayerDistiller(config).to(device), LayerDistiller(config).to(device)
    params = list(meaning.parameters()) + list(context.parameters())
    optimizer = torch.optim.AdamW(params, lr=3e-5)
    stacks = torch.randn(min(steps, distinct_batches), 3 * batch_size, layers, d, dtype=torch.float16)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=mixed)
    started = time.perf_counter()
    for step in range(warmup + steps):
        if step == warmup:
            if device.type == "cuda":
                torch.cuda.synchronize()
            started = time.perf_counter()
        x = stacks[step % len(stacks)].to(device).float()
        with autocast:
            m, _ = meaning(x)
            c, _ = context(x)
            y = x.mean(1)
            a, p, n = (slice(k * batch_size, (k + 1) * batch_size) for k in range(3))
            loss, _ = distillation_loss(m[a], c[a], y[a], m[p], c[p], y[p], m[n], c[n], y[n], "anchor")
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=6000)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--mixed-precision", default="no", choices=["no", "bf16"])
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        encoder = random_encoder_dir(root / "encoder")
        corpus = triples_over(wiki_sentences(args.triples), 3)
        corpus.to_json(str(root / "corpus.jsonl"))
        config = TrainingConfig(
            corpus=str(root / "corpus.jsonl"),
            encoder=str(encoder),
            output_dir=str(root / "run"),
            layers=[0, 1, 2],
            batch_size=args.batch_size,
            max_steps=args.steps,
            eval_every=10**9,
            validation_fraction=0.02,
            warmup_steps=10,
            report_to="none",
            show_progress=False,
            mixed_precision=args.mixed_precision,
        )
        summary = train(config)
    script_s = summary["wall_time_s"]["training"]
    raw_s = raw_heads_loop(args.steps, args.batch_size, 3, 384, device, args.mixed_precision == "bf16")
    triples = args.steps * args.batch_size
    result = {
        "batch_size": args.batch_size,
        "steps": args.steps,
        "layers": 3,
        "hidden_size": 384,
        "mixed_precision": args.mixed_precision,
        "script_triples_per_s": round(triples / script_s, 1),
        "raw_loop_triples_per_s": round(triples / raw_s, 1),
        "ratio_script_vs_raw_loop": round(raw_s / script_s, 3),
        "note": "script time includes one validation pass at the last step",
        "environment": environment(),
    }
    for key, value in result.items():
        print(f"{key:28s} {value}")
    print("written", write_result("training", result), file=sys.stderr)
    return result


if __name__ == "__main__":
    main()
