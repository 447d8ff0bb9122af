"""Feature-extraction throughput, measured in one run on the same sentences:

1. the bare encoder forward (hidden states of all layers, length-sorted dynamic padding) - the ceiling;
2. wicdistill's feature extraction (``extract_features``: plan, tokenization, pooling, fp16 writes)
   with about three targets per sentence;
3. the reference implementation's settings: fp32, every sentence padded to 200 tokens,
   batch 128, one target per forward row, a per-item Python gather.

    python bench/bench_extraction.py [--sentences 1500] [--encoder all-MiniLM-L6-v2]

Prints targets/s for each and the ratios; writes bench/results/extraction-<cpu|gpu>-<date>.json.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from contextlib import nullcontext

import datasets
import torch
from common import environment, timed, wiki_sentences, word_spans, write_result
from transformers import AutoTokenizer

from wicdistill.backbones import resolve_encoder
from wicdistill.features.extract import extract_features
from wicdistill.modeling_wicdistill import WicDistillModel


def triples_over(sentences: list[str], targets_per_sentence: int, seed: int = 0) -> datasets.Dataset:
    """Records whose anchor/positive/negative targets spread over ``sentences`` (~N per sentence)."""
    rng = random.Random(seed)
    pool = [
        (s, span)
        for s in sentences
        for span in rng.sample(word_spans(s), min(targets_per_sentence, len(word_spans(s))))
    ]
    rng.shuffle(pool)
    records = []
    for i in range(0, len(pool) - 2, 3):
        roles = {}
        for role, (text, (start, end)) in zip(("anchor", "positive", "negative"), pool[i : i + 3]):
            roles[role] = {"text": text, "start": start, "end": end, "lang": "en"}
        records.append({"id": str(i), **roles, "setting": "monolingual", "pair_id": str(i)})
    return datasets.Dataset.from_list(records)


@torch.inference_mode()
def bare_forward(model, tokenizer, sentences: list[str], batch_size: int) -> None:
    """All hidden states of length-sorted batches; bf16 autocast on CUDA, as extraction uses."""
    order = sorted(sentences, key=len, reverse=True)
    on_cuda = model.device.type == "cuda"
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if on_cuda else nullcontext()
    for start in range(0, len(order), batch_size):
        batch = tokenizer(order[start : start + batch_size], padding=True, return_tensors="pt").to(
            model.device
        )
        with autocast:
            model.encoder(**batch, output_hidden_states=True)
    if on_cuda:
        torch.cuda.synchronize()


@torch.inference_mode()
def reference_settings(
    model, tokenizer, items: list[tuple[str, tuple[int, int]]], batch_size: int = 128
) -> None:
    """One row per target, padded to 200, fp32, then a Python loop gathering each target."""
    for start in range(0, len(items), batch_size):
        chunk = items[start : start + batch_size]
        batch = tokenizer(
            [text for text, _ in chunk],
            padding="max_length",
            max_length=200,
            truncation=True,
            return_offsets_mapping=True,
            return_tensors="pt",
        )
        offsets = batch.pop("offset_mapping")
        hidden = model.encoder(**batch.to(model.device), output_hidden_states=True).hidden_states
        for row, (_, (s, e)) in enumerate(chunk):
            positions = [i for i, (a, b) in enumerate(offsets[row].tolist()) if b > a and a < e and b > s]
            torch.stack([hidden[layer][row, positions].mean(0).cpu() for layer in model.config.layers])


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=1500)
    parser.add_argument("--encoder", default="all-MiniLM-L6-v2")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--targets-per-sentence", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    path = resolve_encoder(args.encoder)
    model = WicDistillModel.from_encoder_pretrained(path, encoder_kwargs={"dtype": torch.float32})
    if torch.cuda.is_available():
        model.cuda()
    tokenizer = AutoTokenizer.from_pretrained(path)
    sentences = wiki_sentences(args.sentences)
    corpus = triples_over(sentences, args.targets_per_sentence)
    num_targets = 3 * len(corpus)
    items = [
        (r[role]["text"], (r[role]["start"], r[role]["end"]))
        for r in corpus
        for role in ("anchor", "positive", "negative")
    ]

    bare_forward(model, tokenizer, sentences[:64], args.batch_size)  # warm-up
    bare_s, _ = timed(bare_forward, model, tokenizer, sentences, args.batch_size)
    with tempfile.TemporaryDirectory() as tmp:
        extract_s, _ = timed(
            extract_features, corpus, model, tokenizer, tmp, batch_size=args.batch_size, show_progress=False
        )
    reference_items = items[: max(256, num_targets // 4)]
    reference_s, _ = timed(reference_settings, model, tokenizer, reference_items)
    reference_rate = len(reference_items) / reference_s

    result = {
        "encoder": args.encoder,
        "sentences": len(sentences),
        "targets": num_targets,
        "batch_size": args.batch_size,
        "bare_forward_s": round(bare_s, 3),
        "extraction_s": round(extract_s, 3),
        "bare_forward_targets_per_s": round(num_targets / bare_s, 1),
        "extraction_targets_per_s": round(num_targets / extract_s, 1),
        "extraction_sentences_per_s": round(len(sentences) / extract_s, 1),
        "reference_targets_per_s": round(reference_rate, 1),
        "reference_targets_measured": len(reference_items),
        "ratio_extraction_vs_bare_forward": round(bare_s / extract_s, 3),
        "ratio_extraction_vs_reference": round((num_targets / extract_s) / reference_rate, 2),
        "environment": environment(),
    }
    for key, value in result.items():
        print(f"{key:38s} {value}")
    print("written", write_result("extraction", result), file=sys.stderr)
    return result


if __name__ == "__main__":
    main()
