"""Peak resident memory while caching the features of 50k triples with all-MiniLM-L6-v2.

The cache is written chunk by chunk into a memory-mapped file, so the process should hold
about one batch of activations plus the extraction plan, whatever the corpus size.

    python bench/bench_cache_memory.py [--triples 50000] [--targets-per-sentence 9]

Writes bench/results/cache-memory-<cpu|gpu>-<date>.json.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import torch
from bench_extraction import triples_over
from common import environment, peak_rss_mb, timed, wiki_sentences, write_result
from transformers import AutoTokenizer

from wicdistill.backbones import resolve_encoder
from wicdistill.features.extract import extract_features
from wicdistill.modeling_wicdistill import WicDistillModel


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=50000)
    parser.add_argument("--targets-per-sentence", type=int, default=9)
    parser.add_argument("--encoder", default="all-MiniLM-L6-v2")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    path = resolve_encoder(args.encoder)
    model = WicDistillModel.from_encoder_pretrained(path)
    tokenizer = AutoTokenizer.from_pretrained(path)
    sentences = wiki_sentences(int(args.triples * 3 / args.targets_per_sentence * 1.2) + 1)
    corpus = triples_over(sentences, args.targets_per_sentence).select(range(args.triples))
    before = peak_rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        seconds, cache = timed(extract_features, corpus, model, tokenizer, tmp, show_progress=False)
        cache_mb = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file()) / 2**20
        meta = cache.meta
    result = {
        "encoder": args.encoder,
        "triples": len(corpus),
        "targets": meta["num_targets"],
        "sentences": meta["num_sentences"],
        "cache_mb": round(cache_mb, 1),
        "peak_rss_before_extraction_mb": round(before, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "extraction_s": round(seconds, 1),
        "sentences_per_s": round(meta["num_sentences"] / seconds, 1),
        "environment": environment(),
    }
    for key, value in result.items():
        print(f"{key:32s} {value}")
    print("written", write_result("cache-memory", result), file=sys.stderr)
    return result


if __name__ == "__main__":
    main()
