"""A centred loss: the alignment and form terms compare meaning vectors minus their language's mean."""

import numpy as np
import pytest
import torch
from conftest import build_model, training_config
from triples import grouped_crosslingual_corpus, word_pair_columns

from wicdistill import WicDistillConfig, WicDistillModel
from wicdistill.modeling_wicdistill import RUNNING_MEAN_RATE, MeaningCentering, contrastive_alignment
from wicdistill.training.config import TrainingConfig
from wicdistill.training.data import canonical_triples, language_rows, target_language_rows
from wicdistill.training.loop import train


def test_running_means_average_first_then_follow_slowly():
    centering = MeaningCentering(["de", "en"], 2)
    rows = torch.tensor([0, 0, 1])
    centering.update_running(torch.tensor([[1.0, 0.0], [3.0, 0.0], [0.0, 4.0]]), rows)
    torch.testing.assert_close(centering.means, torch.tensor([[2.0, 0.0], [0.0, 4.0], [0.0, 0.0]]))
    centering.update_running(torch.tensor([[4.0, 2.0]]), torch.tensor([0]))
    # the second batch of "de" weighs as much as the first; "en" and "all" stay
    torch.testing.assert_close(centering.means[0], torch.tensor([3.0, 1.0]))
    torch.testing.assert_close(centering.means[1], torch.tensor([0.0, 4.0]))
    assert centering.updates.tolist() == [2.0, 1.0, 0.0]
    for _ in range(300):
        centering.update_running(torch.tensor([[10.0, 0.0]]), torch.tensor([1]))
    before = centering.means[1].clone()
    centering.update_running(torch.tensor([[0.0, 0.0]]), torch.tensor([1]))
    torch.testing.assert_close(centering.means[1], before * (1 - RUNNING_MEAN_RATE))
    assert "updates" not in centering.state_dict()


def test_alignment_and_form_terms_see_centred_vectors():
    model, _ = build_model("bert", centering_languages=["en", "fr"], centered_loss=True, alignment_weight=1.0)
    torch.manual_seed(0)
    stack = torch.randn(9, len(model.config.layers), model.config.hidden_size)
    languages = torch.tensor([0, 0, 0, 1, 1, 1, 1, 1, 1])
    hosts = torch.tensor([1, 1, 1])
    model.eval()
    model.centering.means.copy_(torch.randn(3, model.config.hidden_size))
    out = model(layer_stack=stack, triples=canonical_triples(3), negative_host=hosts, target_languages=languages)
    centred = out.meaning - model.centering.means[languages]
    expected = contrastive_alignment(centred[:3], centred[3:6], model.config.alignment_temperature)
    torch.testing.assert_close(out.loss_terms["alignment"], expected)
    raw = contrastive_alignment(out.meaning[:3], out.meaning[3:6], model.config.alignment_temperature)
    assert abs(out.loss_terms["alignment"].item() - raw.item()) > 1e-3
    # evaluation leaves the means alone; training moves them towards the batch's
    frozen = model.centering.means.clone()
    model(layer_stack=stack, triples=canonical_triples(3), negative_host=hosts, target_languages=languages)
    torch.testing.assert_close(model.centering.means, frozen)
    model.train()
    model.centering.updates.zero_()
    out = model(layer_stack=stack, triples=canonical_triples(3), negative_host=hosts, target_languages=languages)
    torch.testing.assert_close(model.centering.means[0], out.meaning[:3].detach().mean(0))
    torch.testing.assert_close(model.centering.means[2], frozen[2])
    with pytest.raises(ValueError, match="centered_loss needs target_languages"):
        model(layer_stack=stack, triples=canonical_triples(3), negative_host=hosts)
    with pytest.raises(ValueError, match="target_languages has 2 entries for 9 targets"):
        model(layer_stack=stack, triples=canonical_triples(3), negative_host=hosts, target_languages=languages[:2])
    with pytest.raises(ValueError, match=r"rows 0\.\.2 of centering_languages"):
        model(layer_stack=stack, triples=canonical_triples(3), negative_host=hosts, target_languages=languages + 2)
    with pytest.raises(ValueError, match="centered_loss=True needs centering_languages"):
        WicDistillConfig(encoder=model.config.encoder, centered_loss=True)


def test_batch_language_rows_follow_the_target_order():
    corpus = word_pair_columns([("bank", "rive", "fr", "p0"), ("cat", "Katze", "de", "p1"), ("a", "b", "xx", "p2")])
    table = language_rows(corpus, ["de", "en", "fr"])
    assert table.tolist() == [[1, 2, 2], [1, 0, 0], [1, 3, 3]]  # "xx" is unknown: the row of all
    rows = target_language_rows(table, np.array([0, 1]), np.array([1, 0]), np.array([2, 1]), np.array([0, 1]))
    assert rows.tolist() == [1, 1, 0, 2, 0, 2, 1, 0]


def test_a_centred_loss_needs_centring():
    with pytest.raises(ValueError, match="centered_loss .* needs --language_centering true"):
        TrainingConfig(corpus="c.jsonl", centered_loss=True).validate()


@pytest.mark.usefixtures("fresh_accelerate_state")
def test_training_with_a_centred_loss_cached_and_on_the_fly(encoder_dir, tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    grouped_crosslingual_corpus(corpus)
    options = dict(language_centering=True, alignment_weight=1.0, form_consistency_weight=5.0)
    cached = train(training_config(encoder_dir, corpus, tmp_path / "cached", centered_loss=True, **options))
    live = train(
        training_config(encoder_dir, corpus, tmp_path / "live", centered_loss=True, on_the_fly=True, **options)
    )
    plain = train(training_config(encoder_dir, corpus, tmp_path / "plain", **options))
    assert cached["distiller"]["centered_loss"] is True and plain["distiller"]["centered_loss"] is False
    for a, b in zip(cached["training"]["loss_curve"], live["training"]["loss_curve"], strict=True):
        # fp16 stacks in the cache; centring (small differences of vectors) amplifies their rounding
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=8e-2)
    curves = [[p["train_loss"] for p in run["training"]["loss_curve"]] for run in (cached, plain)]
    assert all(np.isfinite(curves[0])) and curves[0] != curves[1]
    model = WicDistillModel.from_pretrained(tmp_path / "cached")
    assert model.config.centered_loss is True
    # the saved means are refitted on the final weights, not the running ones
    assert model.centering.means.abs().sum(dim=1).min() > 0
