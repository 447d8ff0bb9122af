"""Shared helpers of the benchmark scripts (not part of the package)."""

from __future__ import annotations

import json
import os
import platform
import random
import re
import socket
import time
from datetime import date
from pathlib import Path

import torch

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS = REPO_ROOT / "bench" / "results"
WIKI = REPO_ROOT.parent / "shared" / "data" / "en-wiki-sentences" / "en_wiki.txt"
WORD = re.compile(r"[A-Za-z]+")


def wiki_sentences(
    count: int, min_words: int = 15, max_words: int = 50, seed: int = 0, path: Path | None = None
) -> list[str]:
    """``count`` distinct English sentences of 15-50 words from the shared Wikipedia sample.

    Past the sample's size, further sentences are word-order shuffles of it: the same lengths,
    but distinct texts, since extraction encodes each distinct sentence once.
    """
    lines = [line.strip() for line in (path or WIKI).read_text(encoding="utf-8").splitlines()]
    lines = list(dict.fromkeys(line for line in lines if min_words <= len(line.split()) <= max_words))
    rng = random.Random(seed)
    rng.shuffle(lines)
    out = lines[:count]
    while len(out) < count:
        for line in lines[: count - len(out)]:
            words = line.split()
            rng.shuffle(words)
            out.append(" ".join(words))
    return out


def word_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in WORD.finditer(text) if len(m.group()) > 2]


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def peak_rss_mb() -> float:
    """Peak resident set size of this process (VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def environment() -> dict:
    return {
        "host": socket.gethostname(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "device": torch.cuda.get_device_name(0)
        if torch.cuda.is_available()
        else platform.processor() or "cpu",
        "torch": torch.__version__,
        "date": date.today().isoformat(),
    }


def write_result(name: str, payload: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    tag = "gpu" if torch.cuda.is_available() else "cpu"
    path = RESULTS / f"{name}-{tag}-{date.today().isoformat()}.json"
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path
