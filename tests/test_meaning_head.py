"""The meaning head options beyond the paper: ``meaning_head="residual"`` and ``meaning_mix``."""

import json

import pytest
import torch
from conftest import build_model

from wicdistill import WicDistillModel
from wicdistill.configuration_wicdistill import MODEL_SETTINGS
from wicdistill.training.config import TrainingConfig

RIVER = "He sat on the bank of the river."
ITEMS = [
    (RIVER, 14, 18),
    {"text": "She deposited money at the bank.", "start": 27, "end": 31},
    ("The river bank was muddy after the rain.", [(10, 14)]),
]
TRIPLES = torch.tensor([[0, 1, 2], [3, 4, 5]])


def _stacks(model: WicDistillModel) -> torch.Tensor:
    g = torch.Generator().manual_seed(7)
    return torch.randn(6, model.config.num_selected_layers, model.config.hidden_size, generator=g)


def _loss(model: WicDistillModel, **kwargs):
    return model(layer_stack=_stacks(model), triples=TRIPLES, negative_host=torch.tensor([0, 1]), **kwargs)


def test_default_model_gives_the_numbers_recorded_before_the_options():
    """Numbers from the code before ``meaning_head``/``negative_term``/``meaning_mix`` existed
    (bert tiny model, seed 0): the defaults are the paper's model, unchanged."""
    model, _ = build_model("bert", seed=0)
    with torch.no_grad():
        out = _loss(model)
    meaning = [-0.346419, -0.385221, 0.829321, 0.307578, -0.432387, -0.26624]
    context = [-0.365518, -0.378735, 0.854837, 0.270522, -0.406149, -0.328993]
    assert out.meaning[:, 0].tolist() == pytest.approx(meaning, abs=2e-6)
    assert out.context[:, 0].tolist() == pytest.approx(context, abs=2e-6)
    assert out.loss.item() == pytest.approx(0.9801896214485168, abs=1e-6)
    terms = {k: round(v.item(), 6) for k, v in out.loss_terms.items()}
    assert terms == {
        "self_anchor": pytest.approx(0.030580, abs=2e-6),
        "self_positive": pytest.approx(0.019628, abs=2e-6),
        "swap_anchor_meaning": pytest.approx(0.165724, abs=2e-6),
        "swap_positive_meaning": pytest.approx(0.206270, abs=2e-6),
        "self_negative": pytest.approx(0.011863, abs=2e-6),
        "negative_context_to_host": pytest.approx(0.373405, abs=2e-6),
        "negative_meaning_in_host": pytest.approx(0.172720, abs=2e-6),
    }
    explicit, _ = build_model(
        "bert", seed=0, meaning_head="distilled", negative_term="paper", meaning_mix=0.0
    )
    assert explicit.state_dict().keys() == model.state_dict().keys()
    with torch.no_grad():
        again = _loss(explicit, negative_similarity=torch.tensor([0.9, 0.1]))
    for name in ("meaning", "context", "loss"):
        assert torch.equal(getattr(again, name), getattr(out, name)), name


def test_untrained_residual_meaning_is_the_baseline_exactly(family):
    model, tokenizer = build_model(family, meaning_head="residual")
    out = model.encode(ITEMS, tokenizer, output=["meaning", "baseline"])
    assert torch.equal(out["meaning"], out["baseline"])
    distilled, _ = build_model(family)
    assert not torch.allclose(distilled.encode(ITEMS, tokenizer), out["baseline"], atol=1e-3)


def _one_step(model: WicDistillModel) -> None:
    model.train()
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.5)
    _loss(model).loss.backward()
    optimizer.step()
    model.eval()


def test_residual_head_learns_only_through_its_correction_first():
    model, tokenizer = build_model("bert", meaning_head="residual")
    model.train()
    _loss(model).loss.backward()
    correction = model.meaning.correction
    assert float(correction.weight.grad.abs().sum()) > 0
    assert float(correction.bias.grad.abs().sum()) > 0
    # the zero projection passes no gradient back into the meaning distiller's own layers yet
    inner = [p.grad for n, p in model.meaning.named_parameters() if not n.startswith("correction")]
    assert all(g is None or float(g.abs().sum()) == 0.0 for g in inner)
    model.zero_grad()
    _one_step(model)
    out = model.encode(ITEMS, tokenizer, output=["meaning", "baseline"])
    assert float((out["meaning"] - out["baseline"]).abs().max()) > 1e-3


def test_residual_head_survives_save_and_reload(tmp_path):
    model, tokenizer = build_model("bert", meaning_head="residual")
    _one_step(model)
    model.save_pretrained(tmp_path)
    assert json.loads((tmp_path / "config.json").read_text())["meaning_head"] == "residual"
    reloaded = WicDistillModel.from_pretrained(tmp_path)
    assert isinstance(reloaded.meaning.correction, torch.nn.Linear)
    assert torch.equal(reloaded.meaning.correction.weight, model.meaning.correction.weight)
    assert int(torch.count_nonzero(reloaded.meaning.correction.weight.detach())) > 0
    assert torch.equal(reloaded.encode(ITEMS, tokenizer), model.encode(ITEMS, tokenizer))


def test_meaning_mix_blends_in_the_baseline_and_survives_reload(tmp_path):
    model, tokenizer = build_model("xlmr")
    pure = model.encode(ITEMS, tokenizer, output=["meaning", "baseline"])
    model.config.decision_thresholds = {
        "output": "meaning",
        "date": "2025-01-01",
        "languages": {},
        "default": {
            "threshold": 0.5,
            "dev_set": "wic-dev",
            "accuracy": 0.6,
            "pairs": 10,
            "transferred": True,
        },
    }
    model.set_meaning_mix(0.25)
    assert model.config.meaning_mix == 0.25
    assert model.config.decision_thresholds is None  # tuned on the unmixed vectors
    mixed = model.encode(ITEMS, tokenizer)
    torch.testing.assert_close(mixed, 0.75 * pure["meaning"] + 0.25 * pure["baseline"], atol=1e-6, rtol=0)
    model.set_meaning_mix(1)
    torch.testing.assert_close(model.encode(ITEMS, tokenizer), pure["baseline"], atol=1e-6, rtol=0)
    model.set_meaning_mix(0.25)
    model.save_pretrained(tmp_path)
    assert json.loads((tmp_path / "config.json").read_text())["meaning_mix"] == 0.25
    assert torch.equal(WicDistillModel.from_pretrained(tmp_path).encode(ITEMS, tokenizer), mixed)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"meaning_head": "wide"}, "meaning_head must be one of ('distilled', 'residual'), got 'wide'"),
        (
            {"negative_term": "cosine"},
            "negative_term must be one of ('paper', 'dissimilarity_weighted'), got 'cosine'",
        ),
        ({"meaning_mix": 1.5}, "meaning_mix must be a number in [0, 1] (0 = pure meaning), got 1.5"),
        ({"meaning_mix": True}, "meaning_mix must be a number in [0, 1] (0 = pure meaning), got True"),
        ({"meaning_mix": "0.5"}, "meaning_mix must be a number in [0, 1] (0 = pure meaning), got '0.5'"),
    ],
)
def test_bad_option_values_are_named(kwargs, message):
    with pytest.raises(ValueError) as err:
        build_model("bert", **kwargs)
    assert str(err.value) == message


def test_a_mix_set_by_hand_is_checked_when_used():
    model, _ = build_model("bert")
    model.config.meaning_mix = -0.1
    with pytest.raises(ValueError, match=r"meaning_mix must be a number in \[0, 1\].*got -0.1"):
        model.distill(_stacks(model))
    with pytest.raises(ValueError, match=r"got 2"):
        model.set_meaning_mix(2)


def test_the_options_are_model_settings_a_run_can_choose():
    assert {"meaning_head", "negative_term"} <= set(MODEL_SETTINGS)
    config = TrainingConfig(model={"meaning_head": "residual", "negative_term": "dissimilarity_weighted"})
    assert config.model == {"meaning_head": "residual", "negative_term": "dissimilarity_weighted"}
    model, _ = build_model("bert", **config.model)
    assert type(model.meaning).__name__ == "ResidualMeaningDistiller"
    assert model.config.negative_term == "dissimilarity_weighted"


@pytest.mark.usefixtures("fresh_accelerate_state")
def test_a_training_run_trains_and_exports_the_residual_head(encoder_dir, tmp_path):
    from conftest import training_config
    from triples import triple_dataset

    from wicdistill.training.loop import train

    corpus = tmp_path / "corpus.jsonl"
    triple_dataset(32).to_json(str(corpus))
    train(
        training_config(
            encoder_dir, corpus, tmp_path / "run", max_steps=3, model={"meaning_head": "residual"}
        )
    )
    model = WicDistillModel.from_pretrained(tmp_path / "run")
    assert model.config.meaning_head == "residual"
    assert int(torch.count_nonzero(model.meaning.correction.weight.detach())) > 0  # it was trained
