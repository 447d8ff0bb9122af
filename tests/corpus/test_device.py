"""Where a build runs: device names checked with one-line errors, autocast per device type, and
token-budget batches that give exactly the vectors and records of count-bounded ones."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from fixtures.corpus.tiny_corpus import PARAPHRASES, config, tiny_encoder, wordpiece_tokenizer

from wicdistill.corpus import build_corpus
from wicdistill.corpus.device import autocast_dtype, resolve_device
from wicdistill.corpus.encoding import ContextualEncoder, token_budget_batches
from wicdistill.corpus.words import segment_words

MONO = [f"tsv:{PARAPHRASES}:en-en"]


def test_named_devices_are_checked_against_the_machine():
    assert resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(
        ValueError, match=r"^--device 'gpu0' is not a device; expected cpu, cuda, cuda:N or mps$"
    ):
        resolve_device("gpu0")
    if not torch.cuda.is_available():
        with pytest.raises(
            ValueError, match=r"^--device 'cuda:1': this machine has no CUDA device; use --device cpu$"
        ):
            resolve_device("cuda:1")
        assert resolve_device(None) == torch.device("cpu")  # what Accelerate selects without a GPU


@pytest.mark.parametrize(
    "device, bf16, expected",
    [("cpu", None, None), ("cuda", True, torch.bfloat16), ("cuda:1", False, torch.float16), ("mps", None, torch.float16)],
)  # fmt: skip
def test_autocast_is_bf16_on_gpus_that_have_it_and_fp32_on_the_cpu(device, bf16, expected):
    assert autocast_dtype(torch.device(device), bf16_supported=bf16) == expected


def test_token_budget_batches_bound_padded_tokens_and_sentences():
    lengths = [5, 30, 7, 12, 12, 3, 40]
    batches = token_budget_batches(lengths, batch_size=3, tokens_per_batch=36)
    assert batches == [[5, 0, 2], [3, 4], [1], [6]]  # 3x7, 2x12, 30, 40 (alone: over the budget)
    assert [i for batch in batches for i in batch] == sorted(range(7), key=lambda i: lengths[i])
    assert token_budget_batches(lengths, batch_size=64, tokens_per_batch=10**6) == [
        sorted(range(7), key=lambda i: lengths[i])
    ]


def test_token_budget_batching_gives_the_vectors_of_count_batching():
    tokenizer = wordpiece_tokenizer()
    model = tiny_encoder(tokenizer)
    texts = [
        side for line in PARAPHRASES.read_text(encoding="utf-8").splitlines() for side in line.split("\t")
    ]
    words = [segment_words(t) for t in texts]
    by_count = ContextualEncoder(model, tokenizer, batch_size=4).encode(texts, words)
    by_tokens = ContextualEncoder(model, tokenizer, batch_size=10**6, tokens_per_batch=64).encode(
        texts, words
    )
    for a, b in zip(by_count, by_tokens, strict=True):
        np.testing.assert_allclose(a.token_vectors, b.token_vectors, atol=1e-5)
        assert np.array_equal(a.token_word, b.token_word) and np.array_equal(
            a.word_has_tokens, b.word_has_tokens
        )


def test_token_budget_batching_builds_the_same_records(tmp_path):
    tokenizer = wordpiece_tokenizer()
    model = tiny_encoder(tokenizer)
    cfg = config(MONO, monolingual_alignment="embedding", batch_size=64)
    build_corpus(cfg, tmp_path / "count", encoder=model, tokenizer=tokenizer, device="cpu")
    build_corpus(
        cfg, tmp_path / "tokens", encoder=model, tokenizer=tokenizer, device="cpu", tokens_per_batch=48
    )
    count = (tmp_path / "count" / "train.jsonl").read_text(encoding="utf-8")
    assert count and count == (tmp_path / "tokens" / "train.jsonl").read_text(encoding="utf-8")
    assert {json.loads(line)["alignment"] for line in count.splitlines()} == {"mutual_argmax"}


def test_an_invalid_device_is_a_one_line_error(tmp_path, capsys):
    from wicdistill.cli import main

    assert (
        main(["build-corpus", "--input", "bundled", "--out", str(tmp_path / "c"), "--device", "tpu:9"]) == 1
    )
    err = capsys.readouterr().err.strip()
    assert (
        err.endswith("--device 'tpu:9' is not a device; expected cpu, cuda, cuda:N or mps")
        and "\n" not in err
    )
    assert not (tmp_path / "c").exists()
