import json

import pytest
import torch
import torch.nn.functional as F
from conftest import build_model
from safetensors import safe_open
from tiny_models import bert_config

from wicdistill import WicDistillConfig, WicDistillModel, distillation_loss, tokenize_targets

RIVER = "He sat on the bank of the river."
ITEMS = [
    (RIVER, 14, 18),
    {"text": "She deposited money at the bank.", "start": 27, "end": 31},
    ("The river bank was muddy after the rain.", [(10, 14)]),
]


def test_encode_shapes_and_order(tiny):
    model, tokenizer = tiny
    out = model.encode(ITEMS, tokenizer, output=["meaning", "context", "baseline", "layer_stack"])
    assert out["meaning"].shape == (3, 32)
    assert out["context"].shape == (3, 32)
    assert out["layer_stack"].shape == (3, 2, 32)
    torch.testing.assert_close(out["baseline"], out["layer_stack"].mean(1))
    reversed_out = model.encode(ITEMS[::-1], tokenizer, output="meaning", batch_size=1)
    torch.testing.assert_close(reversed_out.flip(0), out["meaning"], atol=1e-6, rtol=1e-5)


def test_encode_restores_training_mode_and_is_deterministic(tiny):
    model, tokenizer = tiny
    model.train()
    first = model.encode(ITEMS, tokenizer)
    second = model.encode(ITEMS, tokenizer)
    assert model.training and model.meaning.training
    assert torch.equal(first, second)


def test_forward_from_tokens_equals_distill_of_stacks(tiny):
    model, tokenizer = tiny
    stacks = model.encode(ITEMS, tokenizer, output="layer_stack")
    enc = tokenizer([RIVER], return_tensors="pt")
    mask = torch.zeros_like(enc["input_ids"], dtype=torch.bool)
    mask[0, 5] = True  # "bank"
    with torch.no_grad():
        out = model(**enc, target_token_mask=mask)
        direct = model.distill(stacks[:1])
    torch.testing.assert_close(out.layer_stack, stacks[:1], atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(out.meaning, direct.meaning, atol=1e-6, rtol=1e-5)
    assert out.loss is None


GOLDEN = {
    "bert": (
        (RIVER, 14, 18),
        {
            "baseline": [1.09166, 0.33847, -0.58652, 0.37954],
            "meaning": [1.24169, 0.31638, -0.55161, 0.41075],
            "context": [1.06411, 0.47965, -0.65592, 0.34334],
        },
    ),
    "xlmr": (
        ("A café in Zürich serves crème brûlée to the bankers.", 10, 16),
        {
            "baseline": [0.60008, 0.9505, -0.33092, 0.10234],
            "meaning": [0.6814, 1.14316, -0.4834, 0.07459],
            "context": [0.67084, 1.23513, -0.36363, 0.22878],
        },
    ),
}


def test_golden_output_from_fixed_seed(family):
    """Pinned numbers: a silent numeric change in a dependency release shows up here."""
    model, tokenizer = build_model(family, seed=0)
    item, expected = GOLDEN[family]
    out = model.encode([item], tokenizer, output=list(expected))
    for name, values in expected.items():
        assert out[name][0, :4].tolist() == pytest.approx(values, abs=2e-4), name


def test_save_and_reload_is_bit_equal(tiny, tmp_path):
    model, tokenizer = tiny
    model.save_pretrained(tmp_path)
    with safe_open(str(tmp_path / "model.safetensors"), "pt") as f:
        dtypes = {f.get_tensor(k).dtype for k in f.keys()}
    assert dtypes == {torch.float32}
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["auto_map"] == {
        "AutoConfig": "configuration_wicdistill.WicDistillConfig",
        "AutoModel": "modeling_wicdistill.WicDistillModel",
    }
    assert (tmp_path / "modeling_wicdistill.py").exists()
    assert (tmp_path / "configuration_wicdistill.py").exists()
    reloaded = WicDistillModel.from_pretrained(tmp_path)
    before = model.encode(ITEMS, tokenizer, output=["meaning", "context", "baseline"])
    after = reloaded.encode(ITEMS, tokenizer, output=["meaning", "context", "baseline"])
    for name in before:
        assert torch.equal(before[name], after[name]), name
    for key, value in model.state_dict().items():
        assert torch.equal(value, reloaded.state_dict()[key]), key


def test_reloaded_encoder_is_frozen_and_in_eval(saved_bert):
    model = WicDistillModel.from_pretrained(saved_bert)
    model.train()
    assert not model.encoder.training
    assert model.meaning.training
    assert all(not p.requires_grad for p in model.encoder.parameters())
    assert all(p.requires_grad for p in model.meaning.parameters())


def _triple_batch(model, tokenizer):
    texts = [RIVER, "He sat on the shore of the river.", "He sat on the money of the river."]
    spans = [(14, 18), (14, 19), (14, 19)]
    items = [(t, s, e) for t, (s, e) in zip(texts, spans)]
    return model.encode(items, tokenizer, output="layer_stack")


def test_encoder_gets_no_gradient_and_stays_unchanged(tiny):
    model, tokenizer = tiny
    enc = tokenizer(
        [RIVER, "He sat on the shore of the river.", "He sat on the money of the river."],
        return_tensors="pt",
        padding=True,
    )
    mask = torch.zeros_like(enc["input_ids"], dtype=torch.bool)
    mask[:, 5] = True
    encoder_before = {k: v.clone() for k, v in model.encoder.state_dict().items()}
    heads_before = {k: v.clone() for k, v in model.meaning.state_dict().items()}
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    out = model(**enc, target_token_mask=mask, triples=torch.tensor([[0, 1, 2]]), negative_host="anchor")
    out.loss.backward()
    assert all(p.grad is None for p in model.encoder.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.meaning.parameters())
    optimizer.step()
    for key, value in model.encoder.state_dict().items():
        assert torch.equal(value, encoder_before[key]), key
    assert any(not torch.equal(v, heads_before[k]) for k, v in model.meaning.state_dict().items())


def _mse(x, y):
    return ((x - y) ** 2).mean()


def test_loss_equals_hand_written_seven_terms():
    g = torch.Generator().manual_seed(3)
    m_a, c_a, y_a, m_p, c_p, y_p, m_n, c_n, y_n = (torch.randn(4, 5, generator=g) for _ in range(9))
    total, terms = distillation_loss(m_a, c_a, y_a, m_p, c_p, y_p, m_n, c_n, y_n, negative_host="anchor")
    expected = (
        _mse((m_a + c_a) / 2, y_a)
        + _mse((m_p + c_p) / 2, y_p)
        + _mse((m_n + c_n) / 2, y_n)
        + _mse((m_a + c_p) / 2, y_p)
        + _mse((m_p + c_a) / 2, y_a)
        + _mse((m_a + c_n) / 2, y_a)
        + _mse((m_n + c_a) / 2, y_n)
    )
    assert len(terms) == 7
    assert total.item() == pytest.approx(expected.item(), rel=1e-6)

    total_x, _ = distillation_loss(m_a, c_a, y_a, m_p, c_p, y_p, m_n, c_n, y_n, negative_host="positive")
    expected_x = (
        _mse((m_a + c_a) / 2, y_a)
        + _mse((m_p + c_p) / 2, y_p)
        + _mse((m_n + c_n) / 2, y_n)
        + _mse((m_a + c_p) / 2, y_p)
        + _mse((m_p + c_a) / 2, y_a)
        + _mse((m_a + c_n) / 2, y_p)
        + _mse((m_n + c_p) / 2, y_n)
    )
    assert total_x.item() == pytest.approx(expected_x.item(), rel=1e-6)
    assert total_x.item() != pytest.approx(total.item(), rel=1e-3)

    host = torch.tensor([0, 1, 1, 0])
    total_mixed, _ = distillation_loss(m_a, c_a, y_a, m_p, c_p, y_p, m_n, c_n, y_n, negative_host=host)
    y_h = torch.where(host[:, None].bool(), y_p, y_a)
    c_h = torch.where(host[:, None].bool(), c_p, c_a)
    expected_mixed = (
        _mse((m_a + c_a) / 2, y_a)
        + _mse((m_p + c_p) / 2, y_p)
        + _mse((m_n + c_n) / 2, y_n)
        + _mse((m_a + c_p) / 2, y_p)
        + _mse((m_p + c_a) / 2, y_a)
        + _mse((m_a + c_n) / 2, y_h)
        + _mse((m_n + c_h) / 2, y_n)
    )
    assert total_mixed.item() == pytest.approx(expected_mixed.item(), rel=1e-6)


def test_no_negatives_variant_has_the_four_terms():
    g = torch.Generator().manual_seed(4)
    m_a, c_a, y_a, m_p, c_p, y_p = (torch.randn(3, 5, generator=g) for _ in range(6))
    total, terms = distillation_loss(m_a, c_a, y_a, m_p, c_p, y_p, use_negatives=False)
    assert sorted(terms) == ["self_anchor", "self_positive", "swap_anchor_meaning", "swap_positive_meaning"]
    expected = (
        _mse((m_a + c_a) / 2, y_a)
        + _mse((m_p + c_p) / 2, y_p)
        + _mse((m_a + c_p) / 2, y_p)
        + _mse((m_p + c_a) / 2, y_a)
    )
    assert total.item() == pytest.approx(expected.item(), rel=1e-6)


def test_model_triple_loss_uses_the_rows_it_is_given(tiny):
    model, tokenizer = tiny
    stacks = _triple_batch(model, tokenizer)
    stacks = torch.cat([stacks, stacks.flip(0)])
    out = model(layer_stack=stacks, triples=torch.tensor([[0, 1, 2], [5, 4, 3]]), negative_host="positive")
    y = stacks.mean(1)
    rows = torch.tensor([0, 5]), torch.tensor([1, 4]), torch.tensor([2, 3])
    expected, _ = distillation_loss(
        *(t[r] for r in rows for t in (out.meaning, out.context, y)), negative_host="positive"
    )
    assert out.loss.item() == pytest.approx(expected.item(), rel=1e-6)
    assert set(out.loss_terms) == {
        "self_anchor",
        "self_positive",
        "self_negative",
        "swap_anchor_meaning",
        "swap_positive_meaning",
        "negative_context_to_host",
        "negative_meaning_in_host",
    }


def test_negative_host_is_required_not_guessed(tiny):
    model, tokenizer = tiny
    stacks = _triple_batch(model, tokenizer)
    with pytest.raises(ValueError, match="negative_host is required"):
        model(layer_stack=stacks, triples=torch.tensor([[0, 1, 2]]))
    with pytest.raises(ValueError, match="'anchor' or 'positive', got 'host'"):
        model(layer_stack=stacks, triples=torch.tensor([[0, 1, 2]]), negative_host="host")


def _synthetic_training(use_negatives: bool, steps: int = 150):
    """Train the heads on synthetic stacks: word part + context part, paraphrase-like positives."""
    g = torch.Generator().manual_seed(0)
    d, num_layers = 32, 3
    words, contexts = torch.randn(40, d, generator=g), torch.randn(80, d, generator=g)
    mix_w = torch.randn(num_layers, d, d, generator=g) / d**0.5
    mix_c = torch.randn(num_layers, d, d, generator=g) / d**0.5

    def stack(w, c, noise=0.0):
        ctx = contexts[c] + noise * torch.randn(len(c), d, generator=g)
        return torch.einsum("lij,bj->bli", mix_w, words[w]) + torch.einsum("lij,bj->bli", mix_c, ctx)

    torch.manual_seed(0)
    config = WicDistillConfig(
        encoder=bert_config(10), layers=[2, 3, 4], distiller_dropout=0.0, use_negatives=use_negatives
    )
    model = WicDistillModel(config).train()
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    triples = torch.arange(3 * 64).view(3, 64).T
    for _ in range(steps):
        w = torch.randint(0, 40, (64,), generator=g)
        other = (w + torch.randint(1, 40, (64,), generator=g)) % 40
        c = torch.randint(0, 80, (64,), generator=g)
        stacks = torch.cat([stack(w, c), stack(w, c, 0.3), stack(other, c)])
        out = model(
            layer_stack=stacks, triples=triples if use_negatives else triples[:, :2], negative_host="anchor"
        )
        optimizer.zero_grad()
        out.loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        w = torch.arange(40).repeat(2)
        c = torch.randint(0, 80, (80,), generator=g)
        a, p, n = (model.distill(s) for s in (stack(w, c), stack(w, (c + 5) % 80), stack((w + 7) % 40, c)))
    cos = lambda x, y: F.cosine_similarity(x, y).mean().item()  # noqa: E731
    return {
        "sense_gap": cos(a.meaning, p.meaning) - cos(a.meaning, n.meaning),
        "meaning_context_cos": cos(a.meaning, a.context),
    }


def test_without_negatives_the_heads_collapse():
    with_neg = _synthetic_training(True)
    without = _synthetic_training(False)
    assert with_neg["sense_gap"] > 0.3
    assert with_neg["meaning_context_cos"] < 0.8
    assert without["meaning_context_cos"] > 0.9
    assert without["sense_gap"] < with_neg["sense_gap"] - 0.2


# -- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "item, message",
    [
        (("abc", 2, 10), r"item 0: span \(2, 10\) is not a non-empty range inside the text of length 3"),
        (("abc", 2, 2), r"item 0: span \(2, 2\)"),
        (("abc", 3, 1), r"item 0: span \(3, 1\)"),
        (("He  sat", 2, 4), r"covers only whitespace"),
        (("He sat",), r"item 0: expected \(text, start, end\)"),
        ({"text": "He sat", "begin": 0}, r"needs 'start' and 'end'"),
        ((None, 0, 1), r"text must be a str"),
        (("He sat", "x", 2), r"integer pairs"),
    ],
)
def test_bad_items_are_named(tiny, item, message):
    model, tokenizer = tiny
    with pytest.raises(ValueError, match=message):
        model.encode([("He sat on the bank.", 0, 2), item][1:], tokenizer)


def test_error_names_the_failing_item_position(tiny):
    model, tokenizer = tiny
    with pytest.raises(ValueError, match=r"^item 1: "):
        model.encode([("He sat.", 0, 2), ("He sat.", 5, 99)], tokenizer)


def test_span_without_tokens_is_reported():
    model, tokenizer = build_model("bert")
    text = "the bank \u200b river"  # the BERT normaliser drops the zero-width space
    with pytest.raises(ValueError, match=r"item 0: span\(s\) \[\(9, 10\)\] cover no token"):
        model.encode([(text, 9, 10)], tokenizer)


def test_empty_batch_and_bad_options(tiny):
    model, tokenizer = tiny
    with pytest.raises(ValueError, match="empty list"):
        model.encode([], tokenizer)
    with pytest.raises(ValueError, match="output must be among"):
        model.encode(ITEMS, tokenizer, output="pooler")
    with pytest.raises(ValueError, match="needs the tokenizer"):
        model.encode(ITEMS, None)
    with pytest.raises(ValueError, match="truncation must be one of"):
        model.encode(ITEMS, tokenizer, truncation="cut")
    with pytest.raises(ValueError, match=r"layer_stack must have shape \(N, 2, 32\)"):
        model.distill(torch.zeros(2, 3, 32))


def test_long_text_is_windowed_around_the_target_or_refused():
    """Policy: by default a text over the encoder's limit is cut to a window of tokens centred
    on its targets (special tokens kept); truncation='error' refuses it instead."""
    model, tokenizer = build_model("bert")
    text = "the river " * 40 + "bank"
    start = len(text) - 4
    with pytest.raises(ValueError, match=r"item 0: text has 83 tokens, more than the encoder's limit of 64"):
        model.encode([(text, start, len(text))], tokenizer, truncation="error")
    stack = model.encode([(text, start, len(text))], tokenizer, output="layer_stack")
    ids = tokenizer(text)["input_ids"]
    window = torch.tensor([[ids[0]] + ids[1:-1][-62:] + [ids[-1]]])
    with torch.no_grad():
        hidden = model.encoder(input_ids=window, output_hidden_states=True).hidden_states
    expected = torch.stack([hidden[layer][0, -2] for layer in model.config.layers])
    torch.testing.assert_close(stack[0], expected, atol=2e-6, rtol=1e-5)
    # a target in the middle of a long text sits in the middle of its window
    middle = text.index("river", 200)
    (sentence,) = tokenize_targets(tokenizer, [text], [[[(middle, middle + 5)]]], max_length=64)
    assert len(sentence.input_ids) == 64
    assert sentence.input_ids[0] == ids[0] and sentence.input_ids[-1] == ids[-1]
    (position,) = sentence.target_tokens[0]
    assert abs(position - 32) <= 1


def test_from_encoder_pretrained_loads_weights_and_checks_layers(tmp_path):
    model, _ = build_model("bert")
    model.encoder.save_pretrained(tmp_path)
    fresh = WicDistillModel.from_encoder_pretrained(str(tmp_path), layers=[0, 4])
    assert fresh.config.layers == [0, 4]
    assert fresh.config.encoder_name_or_path == str(tmp_path)
    for key, value in model.encoder.state_dict().items():
        assert torch.equal(fresh.encoder.state_dict()[key], value), key
    assert not fresh.training
    with pytest.raises(ValueError, match=r"layers contains 9, but the encoder has hidden_states 0..4"):
        WicDistillModel.from_encoder_pretrained(str(tmp_path), layers=[9])


def test_alignment_term_is_symmetric_info_nce():
    g = torch.Generator().manual_seed(5)
    m_a, c_a, y_a, m_p, c_p, y_p, m_n, c_n, y_n = (torch.randn(4, 6, generator=g) for _ in range(9))
    base, _ = distillation_loss(m_a, c_a, y_a, m_p, c_p, y_p, m_n, c_n, y_n, "anchor")
    total, terms = distillation_loss(
        m_a, c_a, y_a, m_p, c_p, y_p, m_n, c_n, y_n, "anchor", alignment_weight=0.5, alignment_temperature=0.1
    )
    sims = (
        torch.tensor(
            [[F.cosine_similarity(m_a[i], m_p[j], dim=0).item() for j in range(4)] for i in range(4)]
        )
        / 0.1
    )
    forward = -torch.stack([sims[i].log_softmax(0)[i] for i in range(4)]).mean()
    backward = -torch.stack([sims[:, i].log_softmax(0)[i] for i in range(4)]).mean()
    expected = 0.5 * (forward + backward) / 2
    assert terms["alignment"].item() == pytest.approx(expected.item(), rel=1e-5)
    assert total.item() == pytest.approx(base.item() + expected.item(), rel=1e-5)


def test_model_applies_its_alignment_setting(tiny):
    model, tokenizer = tiny
    stacks = _triple_batch(model, tokenizer)
    stacks = torch.cat([stacks, stacks.flip(0)])
    triples = torch.tensor([[0, 1, 2], [5, 4, 3]])
    plain = model(layer_stack=stacks, triples=triples, negative_host="anchor")
    assert "alignment" not in plain.loss_terms
    model.config.alignment_weight = 0.3
    aligned = model(layer_stack=stacks, triples=triples, negative_host="anchor")
    assert aligned.loss_terms["alignment"].item() > 0
    assert aligned.loss.item() == pytest.approx(
        plain.loss.item() + aligned.loss_terms["alignment"].item(), rel=1e-5
    )


def test_global_centering_subtracts_one_mean_whatever_the_language(tmp_path):
    model, tokenizer = build_model("xlmr", centering_languages=[])
    assert model.centering.means.shape == (1, 32)
    items = [(RIVER, 14, 18, "en"), (RIVER, 14, 18, "fr"), (RIVER, 14, 18)]
    raw = model.encode([i[:3] for i in items], tokenizer)
    model.fit_meaning_centers(torch.tensor([[1.0] * 32, [3.0] * 32, [8.0] * 32]), ["en", "de", ""])
    assert model.centering.means[:, 0].tolist() == [4.0]
    centred = model.encode(items, tokenizer)
    for row in range(3):
        torch.testing.assert_close(centred[row], raw[row] - 4.0)
    model.save_pretrained(tmp_path)
    reloaded = WicDistillModel.from_pretrained(tmp_path)
    assert reloaded.config.centering_languages == []
    assert torch.equal(reloaded.encode(items, tokenizer), centred)


def test_language_centering_subtracts_fitted_means_and_survives_reload(tmp_path):
    model, tokenizer = build_model("xlmr", centering_languages=["en", "fr"])
    items = [
        (RIVER, 14, 18, "en"),
        {"text": "A café in Zürich.", "start": 2, "end": 6, "lang": "fr"},
        (RIVER, 14, 18),
    ]
    raw = model.encode([i[:3] if isinstance(i, tuple) else {**i, "lang": None} for i in items], tokenizer)
    assert torch.equal(model.encode(items, tokenizer), raw)  # means start at zero
    vectors = torch.tensor([[1.0] * 32, [3.0] * 32, [5.0] * 32])
    model.fit_meaning_centers(vectors, ["en", "en", "fr"])
    assert model.centering.means[:, 0].tolist() == [2.0, 5.0, 3.0]
    centred = model.encode(items, tokenizer)
    torch.testing.assert_close(centred[0], raw[0] - 2.0)
    torch.testing.assert_close(centred[1], raw[1] - 5.0)
    torch.testing.assert_close(centred[2], raw[2] - 3.0)  # no language: the mean over all
    baseline = model.encode(items, tokenizer, output="baseline")
    assert torch.equal(baseline[0], baseline[2])  # only meaning vectors are centred
    model.save_pretrained(tmp_path)
    reloaded = WicDistillModel.from_pretrained(tmp_path)
    assert torch.equal(reloaded.encode(items, tokenizer), centred)
    with pytest.raises(ValueError, match="no training target in language 'fr'"):
        model.fit_meaning_centers(vectors, ["en", "en", "en"])
    with pytest.raises(ValueError, match="lang must be a language code string"):
        model.encode([(RIVER, 14, 18, 3)], tokenizer)


def test_save_pretrained_refuses_non_finite_weights(tmp_path):
    model, _ = build_model("bert")
    model.save_pretrained(tmp_path / "finite")
    with torch.no_grad():
        next(model.meaning.parameters()).view(-1)[0] = float("nan")
    with pytest.raises(
        ValueError, match=r"non-finite values \(NaN/inf\) in 1 tensor\(s\), first \[.meaning\."
    ):
        model.save_pretrained(tmp_path / "nan")
    assert not (tmp_path / "nan" / "model.safetensors").exists()
