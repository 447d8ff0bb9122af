"""The corpus builder against its ceiling, over processes, and its memory as the input grows.

One run measures, on a cheap encoder (random weights of a small BERT with a real tokenizer, so
host work weighs as much as it can) and the bundled paraphrase pairs repeated to any size:

1. the whole build (``build_corpus``: vocabulary, planning, encoding, alignment, negatives,
   writing) in sentences/s, against the bare forward of the same sentences on the same device,
   stopped at the alignment layer (the ceiling); and the build's time per stage (read, segment,
   select, encode, align, negatives, write);
2. the same build as 1 and as 2 processes (``accelerate launch``, gloo on CPUs, one thread
   each): wall time, speedup and whether the outputs are byte-identical;
3. the peak RSS of one-process builds of growing inputs (each in its own process).

Writes ``bench/results/<device>-corpus-<date>.json`` (``-smoke`` added for ``--smoke``).

    python bench/bench_corpus.py                       # the full CPU measurement (quiet machine)
    python bench/bench_corpus.py --smoke               # under a minute: checks the script
"""

from __future__ import annotations

import argparse
import copy
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from itertools import cycle, islice
from pathlib import Path

import torch
from common import REPO_ROOT, RESULTS, environment
from transformers import AutoTokenizer, BertConfig, BertModel

from wicdistill.corpus import CorpusConfig, build_corpus
from wicdistill.corpus.encoding import default_alignment_layer, token_budget_batches
from wicdistill.corpus.sources import bundled_paraphrase_files, iterate_sources
from wicdistill.corpus.word_pieces import tokenizer_splitter
from wicdistill.corpus.words import segment_words

CHEAP = {"hidden_size": 128, "num_hidden_layers": 6, "num_attention_heads": 4, "intermediate_size": 256}
OUTPUTS = ("train.jsonl", "heldout.jsonl", "sample.txt")


def cheap_encoder(folder: Path, tokenizer_path: str | None, sizes: dict = CHEAP) -> Path:
    """A randomly initialised BERT of ``sizes`` with a real WordPiece tokenizer, saved to ``folder``."""
    from wicdistill.backbones import minilm_path

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_path or minilm_path())
    torch.manual_seed(0)
    model = BertModel(BertConfig(vocab_size=len(tokenizer), **sizes), add_pooling_layer=False)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def repeated_pairs(path: Path, count: int) -> Path:
    """``count`` pairs cycling through the bundled paraphrases, as a TSV (each line its own pair id)."""
    pairs = []
    for source in bundled_paraphrase_files():
        with gzip.open(source, "rt", encoding="utf-8") as handle:
            pairs += ["\t".join(line.rstrip("\n").split("\t")[1:3]) for line in handle]
    path.write_text("".join(p + "\n" for p in islice(cycle(pairs), count)), encoding="utf-8")
    return path


def bare_forward(
    model, tokenizer, texts: list[str], layer: int, batch_size: int, tokens_per_batch: int
) -> float:
    """Seconds to tokenise and run ``texts`` through the first ``layer`` blocks: what any use of
    the alignment layer pays at least (same batches as the builder, nothing post-processed)."""
    cut = copy.deepcopy(model)
    cut.encoder.layer = cut.encoder.layer[:layer]
    device = next(model.parameters()).device
    started = time.perf_counter()
    encoded = tokenizer(texts, truncation=True, max_length=512)["input_ids"]
    for batch in token_budget_batches([len(ids) for ids in encoded], batch_size, tokens_per_batch):
        width = len(encoded[batch[-1]])
        ids = torch.full((len(batch), width), tokenizer.pad_token_id or 0, dtype=torch.long)
        for row, i in enumerate(batch):
            ids[row, : len(encoded[i])] = torch.tensor(encoded[i])
        with torch.inference_mode(), torch.autocast(device.type, enabled=device.type == "cuda"):
            cut(
                input_ids=ids.to(device),
                attention_mask=(ids != (tokenizer.pad_token_id or 0)).long().to(device),
            )
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - started


def read_and_segment(spec: str, tokenizer) -> dict[str, float]:
    """Seconds to read every pair, and to segment both of its sides into words."""
    started = time.perf_counter()
    texts = [
        t for item in iterate_sources([spec]) if getattr(item, "right", None) for t in (item.left, item.right)
    ]
    read_s = time.perf_counter() - started
    splitter = tokenizer_splitter(tokenizer)
    started = time.perf_counter()
    for text in texts:
        segment_words(text, splitter)
    return {"read": read_s, "segment": time.perf_counter() - started}


def cli_arguments(spec: str, encoder: Path, out: Path, negatives: str, device: str) -> list[str]:
    return ["build-corpus", "--input", spec, "--encoder", str(encoder), "--out", str(out), "--negatives", negatives,
            "--threads", "1", "--no-progress", "--heldout-fraction", "0.05", "--device", device]  # fmt: skip


def outputs(out: Path) -> dict[str, bytes]:
    files = {name: (out / name).read_bytes() for name in OUTPUTS if (out / name).exists()}
    for split in ("train", "heldout"):
        for path in sorted((out / split).glob("*.arrow")):
            files[f"{split}/{path.name}"] = path.read_bytes()
    return files


def timed_cli(command: list[str]) -> float:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO_ROOT)}
    started = time.perf_counter()
    result = subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:6])} ... failed:\n{result.stderr[-3000:]}")
    return time.perf_counter() - started


def processes(spec: str, encoder: Path, root: Path, negatives: str) -> dict:
    """One process against two (gloo), one thread each: wall time including start-up."""
    cli = [sys.executable, "-m", "wicdistill.cli"]
    launch = [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        "--num_machines",
        "1",
        "--mixed_precision",
        "no",
    ]
    launch += ["--dynamo_backend", "no", "--multi_gpu", "--num_processes", "2", "-m", "wicdistill.cli"]
    one = timed_cli([*cli, *cli_arguments(spec, encoder, root / "one", negatives, "cpu")])
    two = timed_cli([*launch, *cli_arguments(spec, encoder, root / "two", negatives, "cpu")])
    return {
        "one_process_s": round(one, 2),
        "two_processes_s": round(two, 2),
        "speedup": round(one / two, 3),
        "identical": outputs(root / "one") == outputs(root / "two"),
        "note": "wall time of the command, start-up (imports, model load, process group) included",
    }


PEAK_SCRIPT = """
import sys
sys.path.insert(0, {bench!r})
from common import peak_rss_mb
from wicdistill.corpus import CorpusConfig, build_corpus
import torch
torch.set_num_threads(1)
config = CorpusConfig([sys.argv[1]], encoder=sys.argv[2], negative_strategy=sys.argv[3], progress=False,
                      heldout_fraction=0.05, num_threads=1)
stats = build_corpus(config, sys.argv[4], device="cpu")
print(peak_rss_mb(), stats["records"]["total"])
"""


def peak_rss(sizes: list[int], encoder: Path, root: Path, negatives: str) -> dict:
    """Peak RSS (MiB) and wall time of a one-process build per input size, each in a fresh process."""
    result = {}
    script = PEAK_SCRIPT.format(bench=str(Path(__file__).parent))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO_ROOT)}
    for size in sizes:
        spec = f"tsv:{repeated_pairs(root / f'pairs-{size}.tsv', size)}:en-en"
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", script, spec, str(encoder), negatives, str(root / f"rss-{size}")],
            env=env, capture_output=True, text=True, cwd=REPO_ROOT,
        )  # fmt: skip
        if out.returncode != 0:
            raise RuntimeError(f"the {size}-pair build failed:\n{out.stderr[-3000:]}")
        peak, records = out.stdout.split()[-2:]
        result[str(size)] = {
            "peak_rss_mb": round(float(peak), 1),
            "records": int(records),
            "seconds": round(time.perf_counter() - started, 1),
        }
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (under a minute): checks the script")
    parser.add_argument("--pairs", type=int, default=4000, help="pairs of the whole-build and process runs")
    parser.add_argument("--rss-sizes", type=int, nargs="*", default=[10_000, 100_000, 300_000])
    parser.add_argument("--negatives", default="embedding", choices=("embedding", "random"))
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--tokenizer", default=None, help="tokenizer folder (default: all-MiniLM-L6-v2's)")
    parser.add_argument("--tokens-per-batch", type=int, default=8192)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--skip-processes", action="store_true", help="no 1-vs-2 process runs (e.g. on a GPU)"
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.pairs, args.rss_sizes = 200, [200, 400]
    torch.set_num_threads(1)
    device = torch.device(args.device)
    result: dict = {"smoke": args.smoke, "command": sys.argv[1:], "environment": environment()}
    result["encoder"] = {"random_bert": CHEAP, "tokenizer": args.tokenizer or "all-MiniLM-L6-v2"}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        encoder = cheap_encoder(root / "encoder", args.tokenizer)
        spec = f"tsv:{repeated_pairs(root / 'pairs.tsv', args.pairs)}:en-en"
        model = BertModel.from_pretrained(encoder).eval().to(device)
        tokenizer = AutoTokenizer.from_pretrained(encoder)
        layer = default_alignment_layer(CHEAP["num_hidden_layers"])
        texts = [
            t
            for item in iterate_sources([spec])
            if getattr(item, "right", None)
            for t in (item.left, item.right)
        ]
        bare_forward(model, tokenizer, texts[:64], layer, args.batch_size, args.tokens_per_batch)  # warm-up
        bare_s = bare_forward(model, tokenizer, texts, layer, args.batch_size, args.tokens_per_batch)
        config = CorpusConfig(
            [spec], encoder=str(encoder), negative_strategy=args.negatives, progress=False,
            heldout_fraction=0.05, batch_size=args.batch_size, num_threads=1,
        )  # fmt: skip
        started = time.perf_counter()
        stats = build_corpus(
            config, root / "whole", encoder=model, tokenizer=tokenizer, device=args.device,
            tokens_per_batch=args.tokens_per_batch,
        )  # fmt: skip
        whole_s = time.perf_counter() - started
        stages = {k: v["seconds"] for k, v in stats["throughput"].items()}
        stages.update({k: round(v, 2) for k, v in read_and_segment(spec, tokenizer).items()})
        result["bare_forward"] = {"sentences_per_s": round(len(texts) / bare_s, 1), "layer": layer}
        result["whole_build"] = {
            "pairs": args.pairs,
            "sentences": len(texts),
            "records": stats["records"]["total"],
            "seconds": round(whole_s, 2),
            "sentences_per_s": round(len(texts) / whole_s, 1),
            "records_per_s": round(stats["records"]["total"] / whole_s, 1),
            "ratio_to_bare_forward": round(bare_s / whole_s, 3),
            "stage_seconds": stages,
            "note": "read and segment are timed apart (the build reads and segments inside vocabulary/select)",
        }
        print("whole build", json.dumps(result["whole_build"]), flush=True)
        if not args.skip_processes:
            result["two_processes"] = processes(spec, encoder, root, args.negatives)
            print("processes", json.dumps(result["two_processes"]), flush=True)
        result["input_sizes"] = peak_rss(args.rss_sizes, encoder, root, args.negatives)
        result["peak_rss_mb"] = {size: run["peak_rss_mb"] for size, run in result["input_sizes"].items()}
        print("input sizes", json.dumps(result["input_sizes"]), flush=True)
    name = "cpu" if device.type == "cpu" else result["environment"]["device"].lower().replace(" ", "-")
    path = RESULTS / f"{name}-corpus{'-smoke' if args.smoke else ''}-{date.today().isoformat()}.json"
    RESULTS.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print("written", path, file=sys.stderr)
    return result


if __name__ == "__main__":
    main()
