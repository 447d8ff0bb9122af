"""``negative_term="dissimilarity_weighted"``: the negative's cross terms weighed per record."""

import pytest
import torch
from conftest import build_model

from wicdistill import distillation_loss
from wicdistill.loss_wicdistill import negative_weights

T = torch.tensor
# two triples in d=2 whose anchor/positive terms are exactly 0: only the negative's terms remain
M_A, C_A, Y_A = T([[1.0, 1.0], [2.0, 0.0]]), T([[1.0, 1.0], [0.0, 0.0]]), T([[1.0, 1.0], [1.0, 0.0]])
M_N, C_N, Y_N = T([[0.0, 0.0], [0.0, 0.0]]), T([[3.0, 3.0], [2.0, 0.0]]), T([[0.0, 0.0], [0.0, 0.0]])
# per triple: context_to_host mse(((M_A + C_N) / 2, Y_A)) = [1, 0.5];
# meaning_in_host mse(((M_N + C_A) / 2, Y_N)) = [0.25, 0]; self_negative = [2.25, 0.5]


def _loss(weight=None):
    return distillation_loss(M_A, C_A, Y_A, M_A, C_A, Y_A, M_N, C_N, Y_N, "anchor", negative_weight=weight)


def test_weights_are_one_minus_similarity_over_their_mean():
    weights = negative_weights(T([0.2, 0.6, float("nan"), -0.2]), 4)
    assert weights.tolist() == pytest.approx([1.0, 0.5, 1.0, 1.5], abs=1e-6)  # unscored: 1
    assert negative_weights(T([float("nan")] * 3), 3).tolist() == [1.0, 1.0, 1.0]
    assert negative_weights(T([0.3, 0.3]), 2).tolist() == pytest.approx([1.0, 1.0], abs=1e-7)
    assert negative_weights(T([1.0, 1.7]), 2).tolist() == [0.0, 0.0]  # cosines clamped to [-1, 1]


def test_weighted_cross_terms_equal_the_hand_computed_numbers():
    total, terms = _loss(negative_weights(T([0.5, -0.5]), 2))  # weights [0.5, 1.5]
    assert terms["negative_context_to_host"].item() == pytest.approx((0.5 * 1 + 1.5 * 0.5) / 2)
    assert terms["negative_meaning_in_host"].item() == pytest.approx((0.5 * 0.25 + 1.5 * 0) / 2)
    assert terms["self_negative"].item() == pytest.approx(1.375)  # not weighted
    assert total.item() == pytest.approx(1.375 + 0.625 + 0.0625)
    paper_total, paper = _loss()
    assert paper["negative_context_to_host"].item() == pytest.approx(0.75)
    assert paper["negative_meaning_in_host"].item() == pytest.approx(0.125)
    assert paper_total.item() == pytest.approx(2.25)
    for name in ("self_anchor", "self_positive", "swap_anchor_meaning", "swap_positive_meaning"):
        assert terms[name].item() == paper[name].item() == 0.0, name


def _model_loss(model, similarity=None, use_negatives=True):
    g = torch.Generator().manual_seed(3)
    stacks = torch.randn(6, model.config.num_selected_layers, model.config.hidden_size, generator=g)
    triples = torch.tensor([[0, 1, 2], [3, 4, 5]])
    with torch.no_grad():
        return model(
            layer_stack=stacks,
            triples=triples if use_negatives else triples[:, :2],
            negative_host=torch.tensor([0, 1]),
            negative_similarity=similarity,
        )


def test_model_weighs_each_records_cross_terms_by_its_negative_score():
    weighted, _ = build_model("bert", seed=0, negative_term="dissimilarity_weighted")
    paper, _ = build_model("bert", seed=0)
    out = _model_loss(weighted, T([0.8, 0.2]))  # weights (0.2, 0.8) / 0.5 = [0.4, 1.6]
    m, c, y = out.meaning, out.context, out.layer_stack.mean(dim=1)
    per_triple = (((m[[0, 3]] + c[[2, 5]]) / 2 - y[[0, 4]]) ** 2).mean(dim=-1)  # hosts: anchor, positive
    expected = (T([0.4, 1.6]) * per_triple).mean()
    torch.testing.assert_close(out.loss_terms["negative_context_to_host"], expected, atol=1e-7, rtol=1e-6)
    reference = _model_loss(paper)
    assert torch.equal(out.loss_terms["self_negative"], reference.loss_terms["self_negative"])
    assert not torch.allclose(out.loss, reference.loss, atol=1e-4)
    # equal scores give every record weight 1: the paper's loss
    torch.testing.assert_close(
        _model_loss(weighted, T([0.4, 0.4])).loss, reference.loss, atol=1e-6, rtol=1e-6
    )


def test_weighted_term_refuses_to_train_without_the_scores():
    model, _ = build_model("bert", negative_term="dissimilarity_weighted")
    with pytest.raises(ValueError) as err:
        _model_loss(model)
    assert str(err.value) == (
        "negative_term='dissimilarity_weighted' needs negative_similarity: one negative_score per record "
        "(NaN where a record has none)"
    )
    with pytest.raises(ValueError, match="negative_similarity has 3 entries for 2 triples"):
        _model_loss(model, T([0.1, 0.2, 0.3]))
    ablation, _ = build_model("bert", negative_term="dissimilarity_weighted", use_negatives=False)
    assert _model_loss(ablation, use_negatives=False).loss is not None  # no negatives: nothing to weigh
