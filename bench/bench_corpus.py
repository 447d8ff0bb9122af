"""Throughput of the corpus builder's stages on this machine (sentences/s).

Measures, on the same sentence pairs: reading + segmentation, target selection, the bare
encoder forward (all layers, length-sorted, dynamically padded batches), alignment (the
builder's encoder pass up to the alignment layer + SimAlign matrices) and its ratio to the bare
forward, the negative strategies, and a whole build. Bare forward and alignment alternate for
``--repeats`` rounds and the best round of each is kept, so load from other processes affects
both alike. Writes ``bench/results/corpus-<date>.json``.

    python bench/bench_corpus.py --encoder all-MiniLM-L6-v2 --pairs 256
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import torch

from wicdistill.corpus import CorpusConfig, build_corpus
from wicdistill.corpus.alignment import AlignmentConfig, align_sentences
from wicdistill.corpus.builder import CorpusBuilder
from wicdistill.corpus.encoding import ContextualEncoder
from wicdistill.corpus.negatives import NegativeRequest
from wicdistill.corpus.pairs import SentencePair
from wicdistill.corpus.resources import load_encoder
from wicdistill.corpus.sources import iterate_sources
from wicdistill.corpus.targets import select_targets
from wicdistill.corpus.word_pieces import tokenizer_splitter
from wicdistill.corpus.words import segment_words


def bare_forward(model, tokenizer, texts: list[str], batch_size: int) -> float:
    """Seconds for a plain forward of every text (what any feature extractor pays at least)."""
    lengths = [len(ids) for ids in tokenizer(texts, truncation=True)["input_ids"]]
    order = sorted(range(len(texts)), key=lambda i: lengths[i])
    started = time.perf_counter()
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            batch = tokenizer(
                [texts[i] for i in order[start : start + batch_size]],
                padding=True,
                truncation=True,
                return_tensors="pt",
            )
            model(**batch)
    return time.perf_counter() - started


def alignment_pass(encoder: ContextualEncoder, pairs, words, config: AlignmentConfig) -> float:
    texts = [t for pair in pairs for t in (pair.left, pair.right)]
    started = time.perf_counter()
    vectors = encoder.encode(texts, [words[t] for t in texts])
    for i in range(0, len(vectors), 2):
        align_sentences(vectors[i], vectors[i + 1], config)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", default="all-MiniLM-L6-v2")
    parser.add_argument("--input", default="bundled", help="input spec of the pairs to time")
    parser.add_argument("--pairs", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    model, tokenizer = load_encoder(args.encoder)
    results: dict = {
        "encoder": args.encoder,
        "input": args.input,
        "pairs": args.pairs,
        "threads": args.threads,
    }

    started = time.perf_counter()
    pairs = []
    for item in iterate_sources([args.input]):
        if isinstance(item, SentencePair) and item.right is not None:
            pairs.append(item)
            if len(pairs) >= args.pairs:
                break
    splitter = tokenizer_splitter(tokenizer)
    words = {t: segment_words(t, splitter) for p in pairs for t in (p.left, p.right)}
    read_s = time.perf_counter() - started
    sentences = 2 * len(pairs)
    results["read_and_segment"] = {"sentences_per_s": round(sentences / read_s, 1)}

    config = CorpusConfig(
        inputs=[args.input], encoder=args.encoder, negative_strategy="embedding", progress=False
    )
    builder = CorpusBuilder(config, model, tokenizer)
    builder.build_vocabularies(None)
    started = time.perf_counter()
    targets = 0
    for pair in pairs:
        for text, lang in ((pair.left, pair.left_lang), (pair.right, pair.right_lang)):
            chosen = select_targets(
                words[text], builder.vocabularies[lang], builder.rules, {}, random.Random(0), Counter()
            )
            targets += len(chosen)
    select_s = time.perf_counter() - started
    results["target_selection"] = {"sentences_per_s": round(sentences / select_s, 1), "targets": targets}

    texts = list(words)
    encoder = ContextualEncoder(model, tokenizer, None, args.batch_size)
    align_config = AlignmentConfig()
    bare_forward(model, tokenizer, texts[:8], args.batch_size)
    bare_times, align_times = [], []
    for _ in range(args.repeats):
        bare_times.append(bare_forward(model, tokenizer, texts, args.batch_size))
        align_times.append(alignment_pass(encoder, pairs, words, align_config))
    bare_rate, align_rate = len(texts) / min(bare_times), len(texts) / min(align_times)
    results["bare_forward"] = {
        "sentences_per_s": round(bare_rate, 1),
        "seconds": [round(t, 2) for t in bare_times],
    }
    results["alignment"] = {
        "sentences_per_s": round(align_rate, 1),
        "seconds": [round(t, 2) for t in align_times],
        "layer": encoder.layer,
        "ratio_to_bare_forward": round(align_rate / bare_rate, 2),
    }

    for strategy in ("embedding", "random"):
        builder.config.negative_strategy = strategy
        chooser = builder._make_strategy()
        requests = [
            NegativeRequest(p.left, w.start, w.end, p.left_lang, i)
            for i, p in enumerate(pairs)
            for w in words[p.left][:3]
            if w.text.isalpha()
        ]
        chooser.choose(requests[:4])
        started = time.perf_counter()
        chooser.choose(requests)
        seconds = time.perf_counter() - started
        results[f"negatives_{strategy}"] = {"requests_per_s": round(len(requests) / seconds, 1)}

    with tempfile.TemporaryDirectory() as tmp:
        whole = CorpusConfig(
            inputs=[args.input],
            encoder=args.encoder,
            negative_strategy="embedding",
            max_pairs=args.pairs,
            progress=False,
            batch_size=args.batch_size,
        )
        started = time.perf_counter()
        stats = build_corpus(whole, tmp, encoder=model, tokenizer=tokenizer)
        seconds = time.perf_counter() - started
    results["whole_build"] = {
        "pairs_per_s": round(args.pairs / seconds, 1),
        "records": stats["records"]["total"],
        "seconds": round(seconds, 1),
        "note": "includes the vocabulary pass over the whole input and writing the outputs",
    }
    results["machine"] = {
        "cpu_count": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "platform": platform.platform(),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tag = "" if args.encoder == "all-MiniLM-L6-v2" else "-" + Path(args.encoder).name
    path = out / f"corpus-{datetime.date.today().isoformat()}{tag}.json"
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
