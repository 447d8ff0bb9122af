"""Full-size encoders on one GPU, measured in one run: the numbers behind docs/scaling.md.

For bert-large-cased and xlm-roberta-large *configurations* with random weights (weights do not
change speed), on Wikipedia sentences of 15-50 words:

1. bare encoder forward with all hidden states, bf16 autocast, length-sorted batches of 256 and
   1024 sentences - the ceiling;
2. wicdistill's feature extraction (``extract_features``) of the same sentences with about three
   targets per sentence;
3. training through ``train()`` (the loop of train_accelerate.py) on a cached-feature dataset
   (d 1024, the upper 12 layers, bf16) at batch 1024 and 128, against a raw loop over the two heads,
   both timed over the same steps after a warm-up;
4. peak GPU memory of each, and the reference implementation's settings for scale;
5. the corpus builder (``build_corpus``) with xlm-roberta-large on the GPU: records/s and
   sentences/s against the bare forward to its alignment layer, and its stages;
6. 1M triples end to end: build -> extract -> 2 epochs of training, each stage timed.

    python bench/gpu.py                      # on a GPU machine, about 4 minutes on an H100
    python bench/gpu.py --corpus-only        # only 5 and 6 (the corpus builder's numbers)
    python bench/gpu.py --smoke              # tiny sizes, any machine: checks the script runs

Tokenizers come from the offline encoders (MiniLM's WordPiece for BERT, multilingual-e5-small's
XLM-R SentencePiece for XLM-R); pass ``--bert-tokenizer``/``--xlmr-tokenizer`` folders to override.
Prints ratios and writes bench/results/<device>[-<tag>]-<date>.json.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import torch
from bench_corpus import bare_forward as bare_forward_to_layer
from bench_extraction import bare_forward, reference_settings, triples_over
from bench_training import raw_heads_loop
from common import RESULTS, environment, timed, wiki_sentences
from transformers import AutoTokenizer, BertConfig, BertModel, XLMRobertaConfig, XLMRobertaModel

from wicdistill.corpus import CorpusConfig, build_corpus
from wicdistill.corpus.encoding import default_alignment_layer
from wicdistill.features.extract import extract_features
from wicdistill.modeling_wicdistill import WicDistillModel
from wicdistill.training.config import TrainingConfig
from wicdistill.training.loop import LOSS_READ_EVERY, train

LARGE = {"hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16, "intermediate_size": 4096}
SMOKE = {"hidden_size": 64, "num_hidden_layers": 4, "num_attention_heads": 4, "intermediate_size": 128}


def build_encoder(kind: str, tokenizer, sizes: dict, folder: Path) -> Path:
    """A randomly initialised encoder of the real configuration, saved with its tokenizer."""
    torch.manual_seed(0)
    if kind == "bert-large-cased":
        model = BertModel(BertConfig(vocab_size=len(tokenizer), **sizes), add_pooling_layer=False)
    else:
        config = XLMRobertaConfig(
            vocab_size=len(tokenizer), max_position_embeddings=514, type_vocab_size=1, pad_token_id=1, **sizes
        )
        model = XLMRobertaModel(config, add_pooling_layer=False)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def reset_peak(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()


def peak_gib(device: torch.device) -> float | None:
    return round(torch.cuda.max_memory_allocated() / 2**30, 2) if device.type == "cuda" else None


def measure_encoder(kind: str, tokenizer, args, device: torch.device, root: Path) -> dict:
    sizes = SMOKE if args.smoke else LARGE
    folder = build_encoder(kind, tokenizer, sizes, root / kind)
    layers = sizes["num_hidden_layers"]
    upper = list(range(layers - min(12, layers // 2) + 1, layers + 1))
    model = WicDistillModel.from_encoder_pretrained(str(folder), layers=upper).to(device).eval()
    sentences = wiki_sentences(args.sentences, path=args.wiki)
    corpus = triples_over(sentences, 3)
    targets = 3 * len(corpus)
    result: dict = {"layers": upper, "sentences": len(sentences), "targets": targets}
    bare_forward(model, tokenizer, sentences[:256], 256)  # warm-up
    for batch_size in args.forward_batches:
        reset_peak(device)
        seconds, _ = timed(bare_forward, model, tokenizer, sentences, batch_size)
        result[f"bare_forward_b{batch_size}"] = {
            "targets_per_s": round(targets / seconds, 1),
            "sentences_per_s": round(len(sentences) / seconds, 1),
            "peak_gib": peak_gib(device),
        }
    for batch_size in args.forward_batches:
        reset_peak(device)
        seconds = time_extraction(
            corpus, model, tokenizer, root / f"{kind}-features", batch_size, args.workers
        )
        bare = result[f"bare_forward_b{batch_size}"]["targets_per_s"]
        result[f"extraction_b{batch_size}"] = {
            "targets_per_s": round(targets / seconds, 1),
            "sentences_per_s": round(len(sentences) / seconds, 1),
            "ratio_vs_bare_forward": round(targets / seconds / bare, 3),
            "peak_gib": peak_gib(device),
        }
    items = [
        (r[role]["text"], (r[role]["start"], r[role]["end"]))
        for r in corpus.select(range(min(1024, len(corpus))))
        for role in ("anchor", "positive", "negative")
    ]
    reference_settings(model, tokenizer, items[:128])  # warm-up
    seconds, _ = timed(reference_settings, model, tokenizer, items)
    best = max(v["targets_per_s"] for k, v in result.items() if k.startswith("extraction_b"))
    result["reference_settings"] = {
        "note": "fp32, padded to 200, batch 128, a Python gather per target",
        "targets": len(items),
        "targets_per_s": round(len(items) / seconds, 1),
        "best_extraction_vs_reference": round(best * seconds / len(items), 2),
    }
    result["host_batch_preparation"] = host_preparation(corpus, tokenizer, model, max(args.forward_batches))
    if kind == "xlm-roberta-large" and args.train_batches:
        result["training"] = measure_training(corpus, folder, upper, args, device, root)
    del model
    if device.type == "cuda":
        torch.cuda.empty_cache()
    return result


def time_extraction(corpus, model, tokenizer, folder: Path, batch_size: int, workers: int) -> float:
    """Wall seconds of one ``extract_features`` into a fresh folder (removed afterwards)."""
    synchronize(model.device)
    started = time.perf_counter()
    extract_features(
        corpus, model, tokenizer, folder, batch_size=batch_size, num_workers=workers, show_progress=False
    )
    seconds = time.perf_counter() - started
    shutil.rmtree(folder)
    return seconds


def host_preparation(corpus, tokenizer, model, batch_size: int) -> dict:
    """Sentences/s that one host process tokenizes and collates: what each data-loader worker adds."""
    from wicdistill.features.extract import _batch_bounds, _SentenceBatches
    from wicdistill.features.plan import build_plan, read_corpus
    from wicdistill.targets_wicdistill import encoder_max_length

    columns = read_corpus(corpus)
    started = time.perf_counter()
    plan = build_plan(columns, 2048)
    plan_s = time.perf_counter() - started
    end = min(len(plan.sentences), 4 * batch_size)
    batches = _SentenceBatches(
        plan,
        columns.ids,
        _batch_bounds(0, end, batch_size),
        tokenizer,
        encoder_max_length(model.encoder, tokenizer),
    )
    started = time.perf_counter()
    for i in range(len(batches)):
        batches[i]
    return {
        "plan_s": round(plan_s, 3),
        "sentences_per_s_one_process": round(end / (time.perf_counter() - started), 1),
    }


def measure_training(
    corpus, encoder: Path, layers: list[int], args, device: torch.device, root: Path
) -> dict:
    """Steady-state steps/s of ``train()`` between two synchronised steps, against the raw loop.

    Start-up (model loading, the feature cache of the training corpus, worker start) and the
    final validation are outside the timed window, as they are outside the raw loop.
    """
    corpus_path = root / "train-corpus.jsonl"
    corpus.to_json(str(corpus_path))
    out = {}
    d = SMOKE["hidden_size"] if args.smoke else LARGE["hidden_size"]
    mixed = "bf16" if device.type == "cuda" else "no"
    first, last = LOSS_READ_EVERY, (args.train_steps - 1) // LOSS_READ_EVERY * LOSS_READ_EVERY
    if last <= first:
        raise ValueError(f"--train-steps must exceed {2 * LOSS_READ_EVERY}, got {args.train_steps}")
    for batch_size in args.train_batches:
        marks: dict[int, float] = {}

        def mark(state, marks=marks) -> None:
            if state.global_step in (first, last):
                synchronize(device)
                marks[state.global_step] = time.perf_counter()

        reset_peak(device)
        summary = train(
            TrainingConfig(
                corpus=str(corpus_path),
                encoder=str(encoder),
                output_dir=str(root / f"run-{batch_size}"),
                features_dir=str(root / "train-features"),
                layers=layers,
                batch_size=batch_size,
                max_steps=args.train_steps,
                max_epochs=10**6,
                eval_every=10**9,
                validation_fraction=0.01,
                warmup_steps=2,
                report_to="none",
                show_progress=False,
                mixed_precision=mixed,
                extraction_batch_size=max(args.forward_batches),
                dataloader_num_workers=args.workers,
            ),
            callbacks=[mark],
        )
        script_peak = peak_gib(device)
        script_s = marks[last] - marks[first]
        reset_peak(device)
        steps = last - first
        raw_s = raw_heads_loop(steps, batch_size, len(layers), d, device, mixed == "bf16", warmup=first)
        triples = steps * batch_size
        out[f"batch_{batch_size}"] = {
            "timed_steps": steps,
            "script_triples_per_s": round(triples / script_s, 1),
            "raw_loop_triples_per_s": round(triples / raw_s, 1),
            "ratio_script_vs_raw_loop": round(raw_s / script_s, 3),
            "script_peak_gib": script_peak,
            "raw_loop_peak_gib": peak_gib(device),
            "script_wall_time_s": summary["wall_time_s"],
        }
    return out


def paraphrase_file(sentences: list[str], path: Path, count: int) -> Path:
    """``count`` en-en pairs (a sentence and a word-order shuffle of another sentence's words is
    no paraphrase, so: a sentence and itself with its first two words swapped), one per line."""
    lines = []
    for i in range(count):
        words = sentences[i % len(sentences)].split()
        if i >= len(sentences):  # distinct texts past the sample: rotate the words
            shift = i // len(sentences) % len(words)
            words = words[shift:] + words[:shift]
        other = [words[1], words[0], *words[2:]]
        lines.append(" ".join(words) + "\t" + " ".join(other) + "\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def corpus_config(path: Path, encoder: Path, **settings) -> CorpusConfig:
    """Every target aligned by the encoder (no surface shortcut), embedding negatives."""
    return CorpusConfig(
        [f"tsv:{path}:en-en"], encoder=str(encoder), negative_strategy="embedding", progress=False,
        monolingual_alignment="embedding", min_alignment_score=0.0, **settings,
    )  # fmt: skip


def measure_corpus(tokenizer, args, device: torch.device, root: Path) -> dict:
    """records/s of ``build_corpus`` with xlm-roberta-large against the bare forward to its alignment layer."""
    sizes = SMOKE if args.smoke else LARGE
    folder = build_encoder("xlm-roberta-large", tokenizer, sizes, root / "corpus-encoder")
    model = XLMRobertaModel.from_pretrained(folder, add_pooling_layer=False).to(device).eval()
    layer = default_alignment_layer(sizes["num_hidden_layers"])
    sentences = wiki_sentences(args.corpus_pairs, path=args.wiki)
    path = paraphrase_file(sentences, root / "corpus-pairs.tsv", args.corpus_pairs)
    texts = [t for line in path.read_text(encoding="utf-8").splitlines() for t in line.split("\t")]
    bare_forward_to_layer(model, tokenizer, texts[:256], layer, args.corpus_batch, args.tokens_per_batch)
    bare_s = bare_forward_to_layer(model, tokenizer, texts, layer, args.corpus_batch, args.tokens_per_batch)
    config = corpus_config(path, folder, batch_size=args.corpus_batch, chunk_size=args.corpus_chunk)
    synchronize(device)
    reset_peak(device)
    started = time.perf_counter()
    stats = build_corpus(
        config, root / "corpus", encoder=model, tokenizer=tokenizer, device=str(device),
        tokens_per_batch=args.tokens_per_batch,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    records = stats["records"]["total"]
    return {
        "pairs": args.corpus_pairs,
        "sentences": len(texts),
        "alignment_layer": layer,
        "records": records,
        "seconds": round(seconds, 2),
        "records_per_s": round(records / seconds, 1),
        "sentences_per_s": round(len(texts) / seconds, 1),
        "bare_forward_sentences_per_s": round(len(texts) / bare_s, 1),
        "ratio_to_bare_forward": round(bare_s / seconds, 3),
        "stage_seconds": {k: v["seconds"] for k, v in stats["throughput"].items()},
        "peak_gib": peak_gib(device),
    }


def end_to_end(tokenizer, args, device: torch.device, root: Path) -> dict:
    """``args.e2e_triples`` triples built, extracted and trained for 2 epochs, each stage timed."""
    sizes = SMOKE if args.smoke else LARGE
    folder = build_encoder("xlm-roberta-large", tokenizer, sizes, root / "e2e-encoder")
    layers = sizes["num_hidden_layers"]
    upper = list(range(layers - min(args.e2e_layers, layers // 2) + 1, layers + 1))
    pairs = args.e2e_triples // 2 + 1  # about 2.5 records per pair of Wikipedia sentences
    sentences = wiki_sentences(min(pairs, 40000), path=args.wiki)
    path = paraphrase_file(sentences, root / "e2e-pairs.tsv", pairs)
    stages: dict = {}
    started = time.perf_counter()
    encoder = XLMRobertaModel.from_pretrained(folder, add_pooling_layer=False).to(device).eval()
    config = corpus_config(
        path, folder, batch_size=args.corpus_batch, chunk_size=args.corpus_chunk, max_records=args.e2e_triples,
        max_per_word=10**9,
    )  # fmt: skip
    stats = build_corpus(
        config, root / "e2e-corpus", encoder=encoder, tokenizer=tokenizer, device=str(device),
        tokens_per_batch=args.tokens_per_batch,
    )  # fmt: skip
    stages["build_s"] = round(time.perf_counter() - started, 1)
    del encoder
    started = time.perf_counter()
    model = WicDistillModel.from_encoder_pretrained(str(folder), layers=upper).to(device).eval()
    extract_features(
        str(root / "e2e-corpus"), model, tokenizer, root / "e2e-features", batch_size=max(args.forward_batches),
        num_workers=args.workers, show_progress=False,
    )  # fmt: skip
    stages["extract_s"] = round(time.perf_counter() - started, 1)
    del model
    started = time.perf_counter()
    summary = train(
        TrainingConfig(
            corpus=str(root / "e2e-corpus"), encoder=str(folder), output_dir=str(root / "e2e-run"),
            features_dir=str(root / "e2e-features"), layers=upper, batch_size=max(args.train_batches or [1024]),
            max_epochs=2, eval_every=10**9, validation_fraction=0.01, warmup_steps=2, report_to="none",
            show_progress=False, mixed_precision="bf16" if device.type == "cuda" else "no",
            dataloader_num_workers=args.workers,
        )
    )  # fmt: skip
    stages["train_2_epochs_s"] = round(time.perf_counter() - started, 1)
    total = sum(stages.values())
    return {
        "triples": stats["records"]["total"],
        "layers": upper,
        "stages": stages,
        "minutes": round(total / 60, 2),
        "build_records_per_s": round(stats["records"]["total"] / stages["build_s"], 1),
        "training_wall_time_s": summary.get("wall_time_s"),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny encoders and few sentences")
    parser.add_argument("--sentences", type=int, default=None)
    parser.add_argument("--forward-batches", type=int, nargs="+", default=[256, 1024])
    parser.add_argument(
        "--train-batches", type=int, nargs="*", default=[1024, 128], help="none: skip training"
    )
    parser.add_argument(
        "--encoders",
        nargs="+",
        default=["bert-large-cased", "xlm-roberta-large"],
        choices=["bert-large-cased", "xlm-roberta-large"],
    )
    parser.add_argument("--tag", default="", help="suffix of the result file name")
    parser.add_argument("--train-steps", type=int, default=160)
    parser.add_argument("--workers", type=int, default=6, help="data-loader workers (extraction, training)")
    parser.add_argument("--wiki", type=Path, default=None, help="sentence file (default: the shared sample)")
    parser.add_argument(
        "--corpus-only", action="store_true", help="only the corpus builder and the 1M end to end"
    )
    parser.add_argument("--corpus-pairs", type=int, default=None, help="pairs of the corpus measurement")
    parser.add_argument(
        "--corpus-batch", type=int, default=512, help="encoder batch (sentences) of the builder"
    )
    parser.add_argument("--corpus-chunk", type=int, default=4096, help="pairs per builder chunk")
    parser.add_argument("--tokens-per-batch", type=int, default=65536)
    parser.add_argument(
        "--e2e-triples", type=int, default=None, help="triples of the end-to-end run (0: skip)"
    )
    parser.add_argument("--e2e-layers", type=int, default=8, help="layers cached in the end-to-end run")
    parser.add_argument("--bert-tokenizer", default=None)
    parser.add_argument("--xlmr-tokenizer", default=None)
    args = parser.parse_args(argv)
    if args.sentences is None:
        args.sentences = 300 if args.smoke else 40000
    if args.corpus_pairs is None:
        args.corpus_pairs = 100 if args.smoke else 20000
    if args.e2e_triples is None:
        args.e2e_triples = 200 if args.smoke else 1_000_000
    if args.smoke:
        args.forward_batches = list(dict.fromkeys(min(b, 64) for b in args.forward_batches))
        args.train_batches = list(dict.fromkeys(min(b, 64) for b in args.train_batches))
        args.train_steps = min(args.train_steps, 2 * LOSS_READ_EVERY + 1)
        args.workers = 0
        args.corpus_chunk = min(args.corpus_chunk, 32)
        args.corpus_batch = min(args.corpus_batch, 32)
    from wicdistill.backbones import minilm_path, multilingual_e5_path

    tokenizers = {
        "bert-large-cased": AutoTokenizer.from_pretrained(args.bert_tokenizer or minilm_path()),
        "xlm-roberta-large": AutoTokenizer.from_pretrained(args.xlmr_tokenizer or multilingual_e5_path()),
    }
    if args.smoke:  # a character-level test tokenizer may claim a short limit; the random encoders take 512
        for tokenizer in tokenizers.values():
            tokenizer.model_max_length = max(tokenizer.model_max_length, 512)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    result: dict = {"smoke": args.smoke, "command": sys.argv[1:], "environment": environment()}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in [] if args.corpus_only else args.encoders:
            tokenizer = tokenizers[kind]
            result[kind] = measure_encoder(kind, tokenizer, args, device, Path(tmp))
            print(kind, json.dumps(result[kind], indent=1), flush=True)
        result["corpus"] = measure_corpus(tokenizers["xlm-roberta-large"], args, device, Path(tmp))
        print("corpus", json.dumps(result["corpus"], indent=1), flush=True)
        result["records_per_s"] = result["corpus"]["records_per_s"]
        if args.e2e_triples:
            result["end_to_end_1m"] = end_to_end(tokenizers["xlm-roberta-large"], args, device, Path(tmp))
            print("end to end", json.dumps(result["end_to_end_1m"], indent=1), flush=True)
    name = re.sub(r"[^A-Za-z0-9]+", "-", result["environment"]["device"]).strip("-").lower() or "cpu"
    if args.smoke:
        name += "-smoke"
    if args.tag:
        name += f"-{args.tag}"
    path = RESULTS / f"{name}-{date.today().isoformat()}.json"
    RESULTS.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print("written", path, file=sys.stderr)
    return result


if __name__ == "__main__":
    main()
