"""Whole corpus build vs the bare forward to the alignment layer with the default encoder
(all-MiniLM-L6-v2), one thread: the ratio of issue 25 on a real encoder, where bench_corpus.py uses
a cheap random one (to measure memory at large input sizes).

    OMP_NUM_THREADS=1 ../.venv/bin/python bench_corpus_minilm.py 2000
"""

import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import bench_corpus as b
import torch
from transformers import AutoModel, AutoTokenizer

from wicdistill.backbones import minilm_path
from wicdistill.corpus import CorpusConfig, build_corpus
from wicdistill.corpus.encoding import default_alignment_layer
from wicdistill.corpus.sources import iterate_sources

torch.set_num_threads(1)
pairs = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
out = {}
with tempfile.TemporaryDirectory() as tmp:
    root = Path(tmp)
    spec = f"tsv:{b.repeated_pairs(root / 'pairs.tsv', pairs)}:en-en"
    path = minilm_path()
    model = AutoModel.from_pretrained(path).eval()
    tokenizer = AutoTokenizer.from_pretrained(path)
    layer = default_alignment_layer(model.config.num_hidden_layers)
    texts = [
        t for item in iterate_sources([spec]) if getattr(item, "right", None) for t in (item.left, item.right)
    ]
    b.bare_forward(model, tokenizer, texts[:64], layer, 64, 8192)
    bare_s = b.bare_forward(model, tokenizer, texts, layer, 64, 8192)
    for negatives in ("random", "embedding"):
        config = CorpusConfig(
            [spec],
            encoder=str(path),
            negative_strategy=negatives,
            progress=False,
            heldout_fraction=0.05,
            batch_size=64,
            num_threads=1,
        )
        started = time.perf_counter()
        stats = build_corpus(config, root / negatives, encoder=model, tokenizer=tokenizer, device="cpu")
        whole_s = time.perf_counter() - started
        out[negatives] = {
            "pairs": pairs,
            "sentences": len(texts),
            "records": stats["records"]["total"],
            "seconds": round(whole_s, 2),
            "sentences_per_s": round(len(texts) / whole_s, 1),
            "ratio_to_bare_forward": round(bare_s / whole_s, 3),
            "stage_seconds": {k: v["seconds"] for k, v in stats["throughput"].items()},
        }
    out["bare_forward"] = {"sentences_per_s": round(len(texts) / bare_s, 1), "layer": layer}
result = {
    "command": f"whole build vs bare forward with all-MiniLM-L6-v2, {pairs} bundled pairs repeated, one thread",
    "environment": b.environment(),
    "encoder": "all-MiniLM-L6-v2",
    **out,
}
print(json.dumps(result, indent=1))
(Path(__file__).parent / "results" / f"cpu-corpus-minilm-{date.today().isoformat()}.json").write_text(
    json.dumps(result, indent=2) + "\n"
)
