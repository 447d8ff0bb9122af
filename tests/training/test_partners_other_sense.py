"""Other-sense negatives: the same word form, translated by an unrelated word elsewhere, must rank
below the word's own translation in the alignment term."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import build_model, training_config
from triples import grouped_crosslingual_corpus, word_pair_columns

from wicdistill.corpus.store import read_corpus
from wicdistill.features.extract import extract_features
from wicdistill.loss_wicdistill import contrastive_alignment, other_sense_logits
from wicdistill.training.config import TrainingConfig
from wicdistill.training.datasets import CachedTriples, OnTheFlyTriples, canonical_triples
from wicdistill.training.loop import train
from wicdistill.training.partners import other_sense_partners, same_form_partners, unrelated_forms
from wicdistill.training.records import split_records

ROWS = [
    ("bank", "rive", "fr", "p0"),  # 0: "bank" translated two unrelated ways: partners 0 <-> 1
    ("bank", "banque", "fr", "p1"),  # 1
    ("bank", "rives", "fr", "p2"),  # 2: "rives" is "rive" inflected: only 1 is another sense
    ("bank", "banque", "de", "p3"),  # 3: another language: no partner
    ("shore", "rive", "fr", "p4"),  # 4: "rive" translating an unrelated word: positive-side partner of 0
    ("tom", "tom", "fr", "p5"),  # 5: identical form: takes no part
    ("bank", "banque", "fr", "p6", "p0"),  # 6: the sentences of pair 0: never 0's partner
]


def test_unrelated_forms_skip_inflections_and_containment():
    assert unrelated_forms("rive", "banque")
    assert not unrelated_forms("rive", "rives")
    assert not unrelated_forms("银行", "行")
    assert not unrelated_forms("Bank", "bank")
    assert not unrelated_forms("лидеров", "лидерами")  # one stem, two case endings
    assert not unrelated_forms("规定", "规则")  # a shared character
    assert unrelated_forms("规定", "法律") and unrelated_forms("put", "pose")


def test_partners_are_the_same_form_with_an_unrelated_translation():
    corpus = word_pair_columns(ROWS)
    table = other_sense_partners(corpus, np.arange(len(ROWS)), seed=0)
    assert table.shape == (len(ROWS), 2)
    assert table[0, 0] == 1
    assert table[1, 0] in (0, 2) and table[2, 0] in (1, 6) and table[6, 0] == 2
    assert table[[3, 4, 5], 0].tolist() == [-1, -1, -1]
    assert table[0, 1] == 4 and table[4, 1] in (0, 2)
    # 2: column 1 groups exact forms ("rives" is alone); 1 and 6: "banque" translates "bank" both times
    assert table[[1, 2, 3, 5, 6], 1].tolist() == [-1] * 5
    assert other_sense_partners(corpus, np.arange(len(ROWS)), seed=0).tolist() == table.tolist()
    subset = other_sense_partners(corpus, np.array([0, 2, 4]), seed=0)
    assert subset[0].tolist() == [-1, 4] and subset[4, 1] in (0, 2)
    assert (subset[[1, 2, 3, 5, 6]] == -1).all()  # 2: only "rive" left, related; the rest not training


def test_logits_are_scaled_cosines_and_minus_infinity_elsewhere():
    meaning = torch.tensor([[1.0, 0.0], [0.0, 2.0], [3.0, 4.0], [1.0, 1.0], [0.0, 5.0], [5.0, 0.0]])
    pairs = torch.tensor([[0, 4], [3, 5]])  # anchor 0 -> row 4, positive 1 (row 3) -> row 5
    anchor_side, positive_side = other_sense_logits(meaning, pairs, size=2, temperature=0.5)
    assert anchor_side[0].item() == pytest.approx(0.0) and anchor_side[1].item() == float("-inf")
    assert positive_side[0].item() == float("-inf")
    assert positive_side[1].item() == pytest.approx((1 / 2**0.5) / 0.5)
    with pytest.raises(ValueError, match=r"other_sense_pairs must have shape \(K, 2\), got \(2, 3\)"):
        other_sense_logits(meaning, torch.zeros(2, 3, dtype=torch.long), size=2, temperature=0.5)
    with pytest.raises(ValueError, match="queries must be anchors or positives \\(rows < 4\\), got row 4"):
        other_sense_logits(meaning, torch.tensor([[4, 5]]), size=2, temperature=0.5)


def test_a_hard_candidate_is_one_more_column_of_the_infonce():
    torch.manual_seed(0)
    m_a, m_p = torch.randn(3, 4), torch.randn(3, 4)
    inf = float("-inf")
    hard = (torch.tensor([2.0, inf, inf]), torch.tensor([inf, -1.0, inf]))
    logits = F.normalize(m_a, dim=-1) @ F.normalize(m_p, dim=-1).T / 0.1
    labels = torch.arange(3)
    forward = F.cross_entropy(torch.cat([logits, hard[0][:, None]], 1), labels)
    backward = F.cross_entropy(torch.cat([logits.T, hard[1][:, None]], 1), labels)
    got = contrastive_alignment(m_a, m_p, 0.1, hard)
    torch.testing.assert_close(got, (forward + backward) / 2)
    assert got > contrastive_alignment(m_a, m_p, 0.1)
    none = (torch.full((3,), inf), torch.full((3,), inf))
    torch.testing.assert_close(
        contrastive_alignment(m_a, m_p, 0.1, none), contrastive_alignment(m_a, m_p, 0.1)
    )


def test_model_uses_the_pairs_only_with_the_alignment_term():
    aligned, _ = build_model("bert", alignment_weight=1.0)
    plain, _ = build_model("bert")
    torch.manual_seed(0)
    stack = torch.randn(11, len(aligned.config.layers), aligned.config.hidden_size)
    pairs = torch.tensor([[0, 9], [4, 10]])
    hosts = torch.tensor([1, 1, 1])
    kwargs = dict(layer_stack=stack, triples=canonical_triples(3), negative_host=hosts)
    with_pairs = aligned(**kwargs, other_sense_pairs=pairs)
    without = aligned(**kwargs)
    m = with_pairs.meaning
    hard = other_sense_logits(m, pairs, 3, aligned.config.alignment_temperature)
    expected = contrastive_alignment(m[0:3], m[3:6], aligned.config.alignment_temperature, hard)
    torch.testing.assert_close(with_pairs.loss_terms["alignment"], expected)
    assert with_pairs.loss_terms["alignment"] > without.loss_terms["alignment"]
    torch.testing.assert_close(
        with_pairs.loss - without.loss, with_pairs.loss_terms["alignment"] - without.loss_terms["alignment"]
    )
    torch.testing.assert_close(plain(**kwargs, other_sense_pairs=pairs).loss, plain(**kwargs).loss)


def test_the_switch_needs_the_alignment_term():
    with pytest.raises(ValueError, match=r"other_sense_negatives .* \(alignment_weight=0.0\)"):
        TrainingConfig(corpus="c", other_sense_negatives=True).validate()
    TrainingConfig(corpus="c", other_sense_negatives=True, alignment_weight=0.5).validate()


def test_both_triple_sources_append_the_same_negatives_after_the_form_partners(tmp_path):
    model, tokenizer = build_model("xlmr")
    path = tmp_path / "corpus.jsonl"
    grouped_crosslingual_corpus(path)
    corpus = read_corpus(path)
    cache = extract_features(corpus, model, tokenizer, tmp_path / "f", batch_size=16, show_progress=False)
    records = np.arange(24)
    partners = records.copy()
    everything = np.arange(len(corpus))
    forms = same_form_partners(corpus, everything, seed=0)
    senses = other_sense_partners(corpus, everything, seed=0)
    positions = list(range(24))
    cached = CachedTriples(cache, records, partners, forms, senses).__getitems__(positions)
    live = OnTheFlyTriples(corpus, records, tokenizer, 64, partners, forms, senses).__getitems__(positions)
    for key in ("form_pairs", "other_sense_pairs"):
        assert torch.equal(live.pop(key), cached[key])
    live.pop("negative_host")
    with torch.no_grad():
        stacks = model.extract_layer_stack(**live)
    torch.testing.assert_close(stacks, cached["layer_stack"].float(), atol=2e-3, rtol=2e-3)

    def target(record: int, role: int) -> torch.Tensor:
        return cache.gather_targets(np.array([record]), np.array([role]))[0]

    expected = [(i, senses[i, 0], 0) for i in positions if senses[i, 0] >= 0]
    expected += [(24 + i, senses[i, 1], 1) for i in positions if senses[i, 1] >= 0]
    rows = cached["other_sense_pairs"].tolist()
    assert len(rows) == len(expected) > 4
    base = 3 * 24 + 2 * len(cached["form_pairs"])  # the form term's (s, t) targets come first
    assert [r[1] for r in rows] == list(range(base, base + len(rows)))
    assert len(cached["layer_stack"]) == base + len(rows)
    for (query, negative), (want_query, record, role) in zip(rows, expected):
        assert query == want_query
        assert torch.equal(cached["layer_stack"][negative], target(record, role))
    alone = CachedTriples(cache, records, partners, None, senses).__getitems__(positions)
    assert "form_pairs" not in alone
    assert alone["other_sense_pairs"][:, 0].tolist() == [r[0] for r in rows]
    assert alone["other_sense_pairs"][0, 1].item() == 3 * 24


@pytest.mark.usefixtures("fresh_accelerate_state")
def test_training_with_other_sense_negatives_cached_and_on_the_fly(encoder_dir, tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    records = grouped_crosslingual_corpus(corpus)
    train_ids, _ = split_records([r["pair_id"] for r in records], 0.05, seed=7)
    table = other_sense_partners(read_corpus(corpus), train_ids, seed=7)
    counts = {
        "anchor": int((table[train_ids, 0] >= 0).sum()),
        "positive": int((table[train_ids, 1] >= 0).sum()),
    }
    assert counts["anchor"] > 10 and counts["positive"] > 10
    options = dict(alignment_weight=1.0, other_sense_negatives=True)
    cached = train(training_config(encoder_dir, corpus, tmp_path / "cached", **options))
    live = train(training_config(encoder_dir, corpus, tmp_path / "live", on_the_fly=True, **options))
    plain = train(training_config(encoder_dir, corpus, tmp_path / "plain", alignment_weight=1.0))
    assert cached["corpus"]["other_sense_partners"] == live["corpus"]["other_sense_partners"] == counts
    assert plain["corpus"]["other_sense_partners"] is None
    for a, b in zip(cached["training"]["loss_curve"], live["training"]["loss_curve"], strict=True):
        # the cache holds fp16 stacks; logits at temperature 0.05 amplify the rounding a little
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=3e-2)
    # same seed, same first batches: the extra candidates alone raise the first training loss
    first = [run["training"]["loss_curve"][0]["train_loss"] for run in (cached, plain)]
    assert first[0] > first[1] + 0.1
