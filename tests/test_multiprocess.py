"""Two CPU processes (gloo) under ``accelerate launch``: sharded extraction and DDP training."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO_ROOT, build_model
from triples import triple_dataset

BASE = [sys.executable, "-m", "accelerate.commands.launch", "--num_machines", "1"]
BASE += ["--mixed_precision", "no", "--dynamo_backend", "no"]


def launch(processes: int) -> list[str]:
    """``--multi_gpu`` is accelerate's multi-process launcher; without GPUs the processes use gloo."""
    mode = ["--multi_gpu"] if processes > 1 else ["--cpu"]
    return [*BASE, *mode, "--num_processes", str(processes)]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("multiprocess")
    model, tokenizer = build_model("bert")
    model.encoder.save_pretrained(root / "encoder")
    tokenizer.save_pretrained(root / "encoder")
    triple_dataset(120, crosslingual_every=3).to_json(str(root / "corpus.jsonl"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO_ROOT), "OMP_NUM_THREADS": "1"}
    return root, env


def _run(command, env, cwd):
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_two_process_extraction_writes_the_same_cache(setup):
    root, env = setup
    args = [
        "--corpus",
        str(root / "corpus.jsonl"),
        "--encoder",
        str(root / "encoder"),
        "--chunk-sentences",
        "7",
    ]
    cli = ["-m", "wicdistill.cli", "extract-features"]
    two_log = _run([*launch(2), *cli, *args, "--output", str(root / "two")], env, root).stderr
    args += ["--no-progress"]
    _run([*launch(1), *cli, *args, "--output", str(root / "one")], env, root)
    two, one = np.load(root / "two" / "stacks.npy"), np.load(root / "one" / "stacks.npy")
    assert two.shape == one.shape and np.array_equal(two, one)
    assert json.loads((root / "two" / "meta.json").read_text())["complete"] is True
    assert "features [0]" in two_log, "extraction did not run as rank 0 of several processes"


def test_ddp_training_converges_like_one_process(setup):
    """Tolerance: 2% on the best validation loss (a 2-process step averages two half-batches'
    gradients over a different order of records than one process does)."""
    root, env = setup
    args = [str(REPO_ROOT / "train_accelerate.py"), "--corpus", str(root / "corpus.jsonl")]
    args += [
        "--encoder",
        str(root / "encoder"),
        "--batch_size",
        "8",
        "--max_steps",
        "30",
        "--eval_every",
        "10",
    ]
    args += [
        "--learning_rate",
        "1e-3",
        "--warmup_steps",
        "2",
        "--report_to",
        "none",
        "--show_progress",
        "false",
    ]
    summaries = {}
    for n in (1, 2):
        out = root / f"train-{n}"
        batch = ["--batch_size", str(8 // n)]
        _run([*launch(n), *args, *batch, "--output_dir", str(out)], env, root)
        summaries[n] = json.loads((out / "training_summary.json").read_text())
    assert summaries[2]["hardware"]["num_processes"] == 2
    first = summaries[1]["training"]["loss_curve"][0]["train_loss"]
    best1 = summaries[1]["training"]["best_validation_loss"]
    best2 = summaries[2]["training"]["best_validation_loss"]
    assert best1 < 0.8 * first
    assert best2 == pytest.approx(best1, rel=0.02)


def test_two_process_kill_and_resume_matches_an_uninterrupted_run_bitwise(setup):
    """Each process saves its own RNG state; a 2-process run SIGKILLed after step 4 (its checkpoint
    is step 3) resumes to the weights of an uninterrupted 2-process run, byte for byte."""
    from wicdistill.faults import KILL_ENV

    root, env = setup
    args = [str(REPO_ROOT / "train_accelerate.py"), "--corpus", str(root / "corpus.jsonl")]
    args += ["--encoder", str(root / "encoder"), "--batch_size", "4", "--max_steps", "6", "--eval_every", "2"]
    args += ["--checkpoint_every", "3", "--features_dir", str(root / "features-resume")]
    args += ["--report_to", "none", "--show_progress", "false", "--resume_from_checkpoint", "latest"]
    _run([*launch(2), *args, "--output_dir", str(root / "straight")], env, root)
    killed = subprocess.run(
        [*launch(2), *args, "--output_dir", str(root / "resumed")],
        env={**env, KILL_ENV: "train:4"},
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert killed.returncode != 0
    checkpoint = root / "resumed" / "checkpoints" / "step-00000003"
    assert sorted(p.name for p in checkpoint.glob("rng-*")) == ["rng-0.safetensors", "rng-1.safetensors"]
    assert not (root / "resumed" / "model.safetensors").exists()
    _run([*launch(2), *args, "--output_dir", str(root / "resumed")], env, root)
    straight = (root / "straight" / "model.safetensors").read_bytes()
    assert (root / "resumed" / "model.safetensors").read_bytes() == straight
