"""A build split over two CPU processes (gloo, ``accelerate launch``) is the one-process build:
byte-identical record files, Arrow files and sample, the same counts; a killed sharded build
resumes chunk by chunk, with any number of processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from fixtures.corpus.tiny_corpus import BITEXT_FR, PARAPHRASES, tiny_encoder, wordpiece_tokenizer

from wicdistill.cli import main
from wicdistill.faults import KILL_ENV

LAUNCH = [
    sys.executable,
    "-m",
    "accelerate.commands.launch",
    "--num_machines",
    "1",
    "--mixed_precision",
    "no",
]
LAUNCH += ["--dynamo_backend", "no", "--multi_gpu", "--num_processes", "2"]
OUTPUTS = ("train.jsonl", "heldout.jsonl", "sample.txt")


def _arguments(encoder: Path, out: Path) -> list[str]:
    """Chunks of 2 pairs and a cap of 2 targets per word, so the cap binds across chunks of both processes."""
    return ["build-corpus", "--input", f"tsv:{PARAPHRASES}:en-en", "--input", f"tsv:{BITEXT_FR}:en-fr",
            "--encoder", str(encoder), "--out", str(out), "--negatives", "embedding", "--min-words", "5",
            "--skip-top-fraction", "0", "--min-alignment-score", "0", "--negative-min-count", "1",
            "--negative-skip-top", "0", "--chunk-size", "2", "--max-per-word", "2", "--heldout-fraction", "0.2",
            "--sample-size", "5", "--no-progress", "--device", "cpu"]  # fmt: skip


def _outputs(out: Path) -> dict[str, bytes]:
    files = {name: (out / name).read_bytes() for name in OUTPUTS}
    for split in ("train", "heldout"):
        for path in sorted((out / split).glob("*.arrow")):
            files[f"{split}/{path.name}"] = path.read_bytes()
    return files


def _counts(out: Path) -> dict:
    """stats.json without its timings (the only part that differs from run to run)."""
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    stats.pop("throughput")
    return stats


def _launch(args: list[str], **env) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO_ROOT), "OMP_NUM_THREADS": "1", **env}
    return subprocess.run(
        [*LAUNCH, "-m", "wicdistill.cli", *args],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def one_process(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("sharding")
    tokenizer = wordpiece_tokenizer()
    tiny_encoder(tokenizer).save_pretrained(root / "encoder")
    tokenizer.save_pretrained(root / "encoder")
    assert main(_arguments(root / "encoder", root / "one")) == 0
    return root / "encoder", root / "one"


def test_two_processes_build_the_one_process_corpus(one_process, tmp_path):
    encoder, one = one_process
    result = _launch(_arguments(encoder, tmp_path / "two"))
    assert result.returncode == 0, result.stderr[-3000:]
    markers = sorted((tmp_path / "two" / "work").glob("chunk-*.json"))
    assert len(markers) == len(list((one / "work").glob("chunk-*.json"))) >= 8
    builders = [json.loads(path.read_text())["process"] for path in markers]
    assert builders == [chunk % 2 for chunk in range(len(markers))]  # round-robin shards
    assert _outputs(tmp_path / "two") == _outputs(one)
    assert _counts(tmp_path / "two") == _counts(one)
    assert _counts(one)["targets"]["dropped"]["cap of 2 records per word reached"] > 0
    assert result.stdout.count('"records"') == 1  # only the main process reports


def test_a_killed_sharded_build_resumes_per_chunk_with_another_process_count(one_process, tmp_path):
    encoder, one = one_process
    out = tmp_path / "killed"
    killed = _launch(_arguments(encoder, out), **{KILL_ENV: "build-corpus:3"})  # chunk 3 belongs to process 1
    assert killed.returncode != 0 and not (out / "train.jsonl").exists()
    assert (out / "work" / "chunk-0000003.json").exists()
    assert main(_arguments(encoder, out)) == 0  # one process finishes what the two left
    assert _outputs(out) == _outputs(one)
    assert _counts(out) == _counts(one)
