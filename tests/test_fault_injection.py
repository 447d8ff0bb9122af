"""Long stages killed at deterministic points (SIGKILL, no clean-up) resume to byte-identical
output, and a full disk leaves the last complete state intact and says so.

Each killed stage runs in a forked child of the test process: a real SIGKILL of a real process,
without paying a fresh interpreter's torch import per kill (that kept the module under 60 s).
The resume runs in the test process."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import build_model, training_config
from fixtures.corpus.tiny_corpus import PARAPHRASES, config, tiny_encoder, wordpiece_tokenizer
from triples import triple_dataset

from wicdistill.corpus import build_corpus
from wicdistill.corpus import writer as writer_module
from wicdistill.faults import KILL_ENV
from wicdistill.features.extract import extract_features

CORPUS_SETTINGS = {"chunk_size": 2, "heldout_fraction": 0.2}
CORPUS_OUTPUTS = ("train.jsonl", "heldout.jsonl", "sample.txt")
EXTRACT_SETTINGS = {"batch_size": 4, "chunk_sentences": 6, "show_progress": False}


def _with_kill_point(kill_after: str, stage: Callable[..., None], *args: Any) -> None:
    os.environ[KILL_ENV] = kill_after
    stage(*args)


def _killed_exit_code(kill_after: str, stage: Callable[..., None], *args: Any) -> int | None:
    """Run ``stage(*args)`` in a forked child that dies at ``kill_after`` (``STAGE:N``); its exit
    code (``-SIGKILL`` when it died there, 0 when the kill point never came)."""
    child = multiprocessing.get_context("fork").Process(
        target=_with_kill_point, args=(kill_after, stage, *args)
    )
    child.start()
    child.join(timeout=300)
    if child.is_alive():
        child.kill()
        child.join()
    return child.exitcode


def _build(out: Path) -> None:
    """The same build in this process (the model is rebuilt from the same seed, so it is the same)."""
    tokenizer = wordpiece_tokenizer()
    build_corpus(
        config([f"tsv:{PARAPHRASES}:en-en"], **CORPUS_SETTINGS),
        out,
        encoder=tiny_encoder(tokenizer),
        tokenizer=tokenizer,
    )


def _outputs(out: Path) -> dict[str, bytes]:
    files = {name: (out / name).read_bytes() for name in CORPUS_OUTPUTS}
    for split in ("train", "heldout"):
        for path in sorted((out / split).glob("*.arrow")):
            files[f"{split}/{path.name}"] = path.read_bytes()
    return files


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("corpus") / "whole"
    _build(out)
    return _outputs(out)


@pytest.mark.parametrize("chunk", [0, 2, 4])
def test_build_corpus_killed_after_a_chunk_resumes_to_identical_output(tmp_path, uninterrupted, chunk):
    out = tmp_path / "killed"
    assert _killed_exit_code(f"build-corpus:{chunk}", _build, out) == -signal.SIGKILL
    assert not (out / "train.jsonl").exists()
    assert len(list((out / "work").glob("shard-*.jsonl"))) == chunk + 1
    _build(out)
    assert _outputs(out) == uninterrupted


def test_build_corpus_on_a_full_disk_keeps_the_last_chunk_and_says_so(tmp_path, monkeypatch):
    tokenizer = wordpiece_tokenizer()
    settings = dict(encoder=tiny_encoder(tokenizer), tokenizer=tokenizer)
    cfg = config([f"tsv:{PARAPHRASES}:en-en"], chunk_size=2)
    expected = build_corpus(cfg, tmp_path / "whole", **settings)
    real_write, calls = writer_module.atomic_write_text, []

    def full_disk_on_the_fifth_write(path, text):
        calls.append(path)
        if len(calls) == 5:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(path, text)

    monkeypatch.setattr(writer_module, "atomic_write_text", full_disk_on_the_fifth_write)
    with pytest.raises(
        OSError, match=r"could not write chunk \d+ .*No space left on device.*chunks before it are intact"
    ):
        build_corpus(cfg, tmp_path / "full", **settings)
    monkeypatch.setattr(writer_module, "atomic_write_text", real_write)
    state = writer_module.ShardWriter(tmp_path / "full", cfg.fingerprint()).load_state()
    assert state is not None and state["next_chunk"] >= 1  # the last committed chunk, readable
    assert build_corpus(cfg, tmp_path / "full", **settings)["records"] == expected["records"]
    assert (tmp_path / "full" / "train.jsonl").read_bytes() == (
        tmp_path / "whole" / "train.jsonl"
    ).read_bytes()


def _extract(out: Path) -> None:
    model, tokenizer = build_model("xlmr")
    extract_features(triple_dataset(40, crosslingual_every=4), model, tokenizer, out, **EXTRACT_SETTINGS)


def _cache_files(out: Path) -> dict[str, bytes]:
    """Every file of the cache, byte for byte; ``meta.json`` less its wall time (a measurement)."""
    files = {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    meta = json.loads(files.pop("meta.json"))
    assert meta.pop("wall_time_s") >= 0 and meta["complete"]
    files["meta.json"] = json.dumps(meta).encode()
    return files


@pytest.fixture(scope="module")
def whole_cache(tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("features") / "whole"
    _extract(out)
    return _cache_files(out)


@pytest.mark.parametrize("chunk", [0, 3, 6])
def test_extract_features_killed_after_a_chunk_resumes_to_identical_cache(tmp_path, whole_cache, chunk):
    out = tmp_path / "killed"
    assert _killed_exit_code(f"extract-features:{chunk}", _extract, out) == -signal.SIGKILL
    assert len(list((out / "done").glob("chunk-*.ok"))) == chunk + 1
    _extract(out)
    assert _cache_files(out) == whole_cache


TRAIN_SETTINGS = {"checkpoint_every": 3, "max_steps": 8, "resume_from_checkpoint": "latest"}


def _train(encoder_dir: Path, corpus: Path, out: Path, features: Path) -> None:
    """A short run with checkpoints at steps 3 and 6 that resumes from the newest one it finds."""
    from accelerate.state import AcceleratorState, GradientState

    from wicdistill.training.loop import train

    AcceleratorState._reset_state(reset_partial_state=True)
    GradientState._reset_state()
    train(training_config(encoder_dir, corpus, out, features_dir=str(features), **TRAIN_SETTINGS))
    AcceleratorState._reset_state(reset_partial_state=True)
    GradientState._reset_state()


def _training_files(out: Path) -> dict[str, bytes]:
    """The trained weights, and the loss curve of the summary (the rest holds wall times)."""
    curve = json.loads((out / "training_summary.json").read_text())["training"]["loss_curve"]
    return {
        "model.safetensors": (out / "model.safetensors").read_bytes(),
        "loss_curve": json.dumps(curve).encode(),
    }


@pytest.fixture(scope="module")
def training_run(tmp_path_factory, encoder_dir) -> tuple[tuple[Path, Path, Path], dict[str, bytes]]:
    root = tmp_path_factory.mktemp("training")
    corpus = root / "corpus.jsonl"
    triple_dataset(96, crosslingual_every=3).to_json(str(corpus))
    inputs = (encoder_dir, corpus, root / "features")  # the cache is built once, here, and reused
    _train(*inputs[:2], root / "whole", inputs[2])
    return inputs, _training_files(root / "whole")


@pytest.mark.parametrize(
    "kill_after, left",
    [
        ("train:2", []),  # before the first checkpoint: the resume starts afresh
        ("train-checkpoint:6", ["step-00000003", ".step-00000006.partial"]),  # while saving: back to 3
        ("train:7", ["step-00000003", "step-00000006"]),
    ],
)
def test_training_killed_at_a_step_resumes_to_identical_weights(tmp_path, training_run, kill_after, left):
    (encoder_dir, corpus, features), whole = training_run
    out = tmp_path / "killed"
    assert _killed_exit_code(kill_after, _train, encoder_dir, corpus, out, features) == -signal.SIGKILL
    assert not (out / "model.safetensors").exists()
    checkpoints = out / "checkpoints"
    assert (sorted(p.name for p in checkpoints.iterdir()) if checkpoints.exists() else []) == sorted(left)
    _train(encoder_dir, corpus, out, features)
    assert _training_files(out) == whole
