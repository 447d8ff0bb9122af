"""Full-size encoders on one GPU, measured in one run: the numbers behind docs/scaling.md.

For bert-large-cased and xlm-roberta-large *configurations* with random weights (weights do not
change speed), on Wikipedia sentences of 15-50 words:

1. bare encoder forward with all hidden states, bf16 autocast, length-sorted batches of 256 and
   1024 sentences - the ceiling;
2. wicdistill's feature extraction (``extract_features``) of the same sentences with about three
   targets per sentence;
3. training through ``train()`` (the loop of train_accelerate.py) on a cached-feature dataset
   (d 1024, the upper 12 layers, bf16) at batch 1024 and 128, against a raw loop over the two heads;
4. peak GPU memory of each.

    python bench/gpu.py                      # on a GPU machine, a few minutes
    python bench/gpu.py --smoke              # tiny sizes, any machine: checks the script runs

Tokenizers come from the offline encoders (MiniLM's WordPiece for BERT, multilingual-e5-small's
XLM-R SentencePiece for XLM-R); pass ``--bert-tokenizer``/``--xlmr-tokenizer`` folders to override.
Prints ratios and writes bench/results/<device>-<date>.json.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import torch
from bench_extraction import bare_forward, triples_over
from bench_training import raw_heads_loop
from common import RESULTS, environment, timed, wiki_sentences
from transformers import AutoTokenizer, BertConfig, BertModel, XLMRobertaConfig, XLMRobertaModel

from wicdistill.features.extract import extract_features
from wicdistill.modeling_wicdistill import WicDistillModel
from wicdistill.training.config import TrainingConfig
from wicdistill.training.loop import train

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
    sentences = wiki_sentences(args.sentences)
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
        synchronize(device)
        started = time.perf_counter()
        extract_features(
            corpus,
            model,
            tokenizer,
            root / f"{kind}-features-{batch_size}",
            batch_size=batch_size,
            show_progress=False,
        )
        seconds = time.perf_counter() - started
        bare = result[f"bare_forward_b{batch_size}"]["targets_per_s"]
        result[f"extraction_b{batch_size}"] = {
            "targets_per_s": round(targets / seconds, 1),
            "ratio_vs_bare_forward": round(targets / seconds / bare, 3),
            "peak_gib": peak_gib(device),
        }
    if kind == "xlm-roberta-large":
        result["training"] = measure_training(corpus, folder, upper, args, device, root)
    del model
    if device.type == "cuda":
        torch.cuda.empty_cache()
    return result


def measure_training(
    corpus, encoder: Path, layers: list[int], args, device: torch.device, root: Path
) -> dict:
    corpus_path = root / "train-corpus.jsonl"
    corpus.to_json(str(corpus_path))
    out = {}
    d = SMOKE["hidden_size"] if args.smoke else LARGE["hidden_size"]
    mixed = "bf16" if device.type == "cuda" else "no"
    for batch_size in args.train_batches:
        steps = max(5, min(args.train_steps, (len(corpus) - 1) // batch_size))
        reset_peak(device)
        summary = train(
            TrainingConfig(
                corpus=str(corpus_path),
                encoder=str(encoder),
                output_dir=str(root / f"run-{batch_size}"),
                features_dir=str(root / "train-features"),
                layers=layers,
                batch_size=batch_size,
                max_steps=steps,
                eval_every=10**9,
                validation_fraction=0.01,
                warmup_steps=2,
                report_to="none",
                show_progress=False,
                mixed_precision=mixed,
                dataloader_num_workers=args.workers,
            )
        )
        script_peak = peak_gib(device)
        script_s = summary["wall_time_s"]["training"]
        reset_peak(device)
        raw_s = raw_heads_loop(steps, batch_size, len(layers), d, device, mixed == "bf16")
        triples = steps * batch_size
        out[f"batch_{batch_size}"] = {
            "steps": steps,
            "script_triples_per_s": round(triples / script_s, 1),
            "raw_loop_triples_per_s": round(triples / raw_s, 1),
            "ratio_script_vs_raw_loop": round(raw_s / script_s, 3),
            "script_peak_gib": script_peak,
            "raw_loop_peak_gib": peak_gib(device),
        }
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny encoders and few sentences")
    parser.add_argument("--sentences", type=int, default=None)
    parser.add_argument("--forward-batches", type=int, nargs="+", default=[256, 1024])
    parser.add_argument("--train-batches", type=int, nargs="+", default=[1024, 128])
    parser.add_argument("--train-steps", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2, help="data-loader workers for training")
    parser.add_argument("--bert-tokenizer", default=None)
    parser.add_argument("--xlmr-tokenizer", default=None)
    args = parser.parse_args(argv)
    if args.sentences is None:
        args.sentences = 300 if args.smoke else 20000
    if args.smoke:
        args.forward_batches = list(dict.fromkeys(min(b, 64) for b in args.forward_batches))
        args.train_batches = list(dict.fromkeys(min(b, 64) for b in args.train_batches))
        args.train_steps = min(args.train_steps, 5)
        args.workers = 0
    from wicdistill.backbones import minilm_path, multilingual_e5_path

    tokenizers = {
        "bert-large-cased": AutoTokenizer.from_pretrained(args.bert_tokenizer or minilm_path()),
        "xlm-roberta-large": AutoTokenizer.from_pretrained(args.xlmr_tokenizer or multilingual_e5_path()),
    }
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    result: dict = {"smoke": args.smoke, "environment": environment()}
    with tempfile.TemporaryDirectory() as tmp:
        for kind, tokenizer in tokenizers.items():
            result[kind] = measure_encoder(kind, tokenizer, args, device, Path(tmp))
            print(kind, json.dumps(result[kind], indent=1), flush=True)
    name = re.sub(r"[^A-Za-z0-9]+", "-", result["environment"]["device"]).strip("-").lower() or "cpu"
    if args.smoke:
        name += "-smoke"
    path = RESULTS / f"{name}-{date.today().isoformat()}.json"
    RESULTS.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print("written", path, file=sys.stderr)
    return result


if __name__ == "__main__":
    main()
