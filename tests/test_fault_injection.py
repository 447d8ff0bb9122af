"""Long stages killed at deterministic points (SIGKILL, no clean-up) resume to byte-identical
output, and a full disk leaves the last complete state intact and says so."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import REPO_ROOT, build_model
from fixtures.corpus.tiny_corpus import PARAPHRASES, config, tiny_encoder, wordpiece_tokenizer
from triples import triple_dataset

from wicdistill.corpus import build_corpus
from wicdistill.corpus import writer as writer_module
from wicdistill.faults import KILL_ENV
from wicdistill.features.extract import extract_features

TESTS = Path(__file__).resolve().parent
CORPUS_SETTINGS = {"chunk_size": 2, "heldout_fraction": 0.2}
BUILD_SCRIPT = f"""
    import sys
    sys.path.insert(0, {str(TESTS)!r})
    from fixtures.corpus.tiny_corpus import config, tiny_encoder, wordpiece_tokenizer
    from wicdistill.corpus import build_corpus
    tokenizer = wordpiece_tokenizer()
    build_corpus(config(["tsv:{PARAPHRASES}:en-en"], **{CORPUS_SETTINGS!r}), sys.argv[1],
                 encoder=tiny_encoder(tokenizer), tokenizer=tokenizer)
"""
CORPUS_OUTPUTS = ("train.jsonl", "heldout.jsonl", "sample.txt")
EXTRACT_SETTINGS = {"batch_size": 4, "chunk_sentences": 6, "show_progress": False}
EXTRACT_SCRIPT = f"""
    import sys
    sys.path.insert(0, {str(TESTS)!r})
    from conftest import build_model
    from triples import triple_dataset
    from wicdistill.features.extract import extract_features
    model, tokenizer = build_model("xlmr")
    extract_features(triple_dataset(40, crosslingual_every=4), model, tokenizer, sys.argv[1], **{EXTRACT_SETTINGS!r})
"""


def _run_killed(script: str, out: Path, kill_after: str) -> subprocess.CompletedProcess:
    """``script`` in a subprocess that dies at ``kill_after`` (``STAGE:N``)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", KILL_ENV: kill_after}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), str(out)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


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
    killed = _run_killed(BUILD_SCRIPT, out, f"build-corpus:{chunk}")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
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
    killed = _run_killed(EXTRACT_SCRIPT, out, f"extract-features:{chunk}")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert len(list((out / "done").glob("chunk-*.ok"))) == chunk + 1
    _extract(out)
    assert _cache_files(out) == whole_cache
