"""A non-finite gradient norm stops training like a non-finite loss does; ``nonfinite: skip``
skips such batches instead, counts them, warns once, and still stops when a whole epoch is lost."""

import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import training_config
from safetensors.numpy import load_file
from triples import triple_dataset

from wicdistill.training.loop import Trainer, train

pytestmark = pytest.mark.usefixtures("fresh_accelerate_state")


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "corpus.jsonl"
    triple_dataset(96, crosslingual_every=3).to_json(str(path))
    return path


def _poison(monkeypatch, batches: set[int], how: str) -> None:
    """Make the training batches numbered in ``batches`` (0-based, validation excluded) give a NaN
    loss (``how="loss"``) or an infinite gradient with a finite loss (``how="gradient"``)."""
    real, seen = Trainer.run_batch, []

    def run_batch(self, batch):
        out = real(self, batch)
        if self.module.training:
            seen.append(1)
            if len(seen) - 1 in batches:
                if how == "loss":
                    out.loss = out.loss * float("nan")
                else:
                    weight = next(p for p in self.module.parameters() if p.requires_grad)
                    out.loss = out.loss + _InfiniteGradient.apply(weight)
        return out

    monkeypatch.setattr(Trainer, "run_batch", run_batch)


class _InfiniteGradient(torch.autograd.Function):
    """Adds nothing to the loss, and an infinite gradient to ``weight``."""

    @staticmethod
    def forward(ctx, weight):
        ctx.shape = weight.shape
        return weight.new_zeros(())

    @staticmethod
    def backward(ctx, grad):
        return torch.full(ctx.shape, float("inf"), dtype=grad.dtype, device=grad.device)


def test_a_non_finite_gradient_norm_stops_training_naming_the_step(
    encoder_dir, corpus_file, tmp_path, monkeypatch
):
    _poison(monkeypatch, {3}, "gradient")
    with pytest.raises(FloatingPointError) as err:
        train(training_config(encoder_dir, corpus_file, tmp_path, max_steps=6))
    message = str(err.value)
    assert message.startswith(
        "gradient norm became inf at step 4 (epoch 0, batch 3): nothing from this step on"
    )
    assert message.endswith("or pass --nonfinite skip to skip such batches")
    assert not (tmp_path / "model.safetensors").exists()


def test_skip_leaves_out_non_finite_batches_counts_them_and_warns_once(
    encoder_dir, corpus_file, tmp_path, monkeypatch
):
    _poison(monkeypatch, {2}, "loss")
    _poison(monkeypatch, {4}, "gradient")  # wraps the first: batch 2 NaN loss, batch 4 inf gradient
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        summary = train(training_config(encoder_dir, corpus_file, tmp_path, max_steps=8, nonfinite="skip"))
    skips = [str(w.message) for w in caught if "skipping the optimizer step" in str(w.message)]
    assert skips == [
        "skipping the optimizer step at step 3 (epoch 0, batch 2): training loss nan, gradient norm nan "
        "(nonfinite: skip); later skips are only counted (training.skipped_batches in training_summary.json)"
    ]
    training = summary["training"]
    assert training["skipped_batches"] == 2
    assert training["steps"] == 8
    assert [p["step"] for p in training["loss_curve"]] == [1, 2, 4, 6, 7, 8]
    assert all(np.isfinite(p["train_loss"]) for p in training["loss_curve"])
    weights = load_file(str(tmp_path / "model.safetensors"))
    assert all(np.isfinite(w).all() for w in weights.values())


def test_skip_still_stops_when_every_batch_of_an_epoch_was_skipped(
    encoder_dir, corpus_file, tmp_path, monkeypatch
):
    _poison(monkeypatch, set(range(100)), "loss")
    options = dict(max_steps=30, max_epochs=3, eval_every=100, nonfinite="skip")
    with pytest.raises(FloatingPointError) as err, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        train(training_config(encoder_dir, corpus_file, tmp_path, **options))
    assert str(err.value) == (
        "every batch of epoch 0 (12 batches) had a non-finite training loss or gradient norm and was skipped "
        "(nonfinite: skip): nothing was learnt; check the features (extract-features --verify) or lower the "
        "learning rate"
    )


def test_nonfinite_takes_error_or_skip_only(encoder_dir, corpus_file, tmp_path):
    with pytest.raises(ValueError, match=r"^nonfinite must be one of \['error', 'skip'\], got 'ignore'$"):
        training_config(encoder_dir, corpus_file, tmp_path, nonfinite="ignore").validate()
