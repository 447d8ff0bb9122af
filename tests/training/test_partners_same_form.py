"""The form-consistency term: a same-form comparison must score like one against its translation."""

import numpy as np
import pytest
import torch
from conftest import build_model, training_config
from triples import grouped_crosslingual_corpus, word_pair_columns

from wicdistill import WicDistillConfig
from wicdistill.corpus.store import read_corpus
from wicdistill.features.extract import extract_features
from wicdistill.loss_wicdistill import form_consistency
from wicdistill.training.datasets import CachedTriples, OnTheFlyTriples, canonical_triples
from wicdistill.training.loop import train
from wicdistill.training.partners import same_form_partners
from wicdistill.training.records import split_records

ROWS = [
    ("bank", "rive", "fr", "p0"),  # 0: positive form shared with 1 (and 8), anchor form with 2, 7 (and 8)
    ("shore", "rive", "fr", "p1"),  # 1
    ("bank", "banque", "fr", "p2"),  # 2
    ("tom", "tom", "fr", "p3"),  # 3: identical form: takes no part
    ("tom", "tom", "fr", "p4"),  # 4
    ("cat", "chat", "fr", "p5"),  # 5: both records of one sentence pair
    ("cat", "chat", "fr", "p5"),  # 6
    ("bank", "rive", "de", "p7"),  # 7: "rive" in another language
    ("bank", "rive", "fr", "p8", "p0"),  # 8: another pair of the same sentences as 0
]


def test_partners_share_a_form_in_another_sentence():
    corpus = word_pair_columns(ROWS)
    table = same_form_partners(corpus, np.arange(len(ROWS)), seed=0)
    assert table.shape == (len(ROWS), 2)
    assert table[[0, 8], 0].tolist() == [1, 1]  # never each other: the same sentence
    assert table[1, 0] in (0, 8)
    assert (table[2:8, 0] == -1).all()
    assert table[0, 1] in (2, 7) and table[8, 1] in (2, 7)
    assert table[2, 1] in (0, 7, 8) and table[7, 1] in (0, 2, 8)
    assert table[[1, 3, 4, 5, 6], 1].tolist() == [-1] * 5
    assert same_form_partners(corpus, np.arange(len(ROWS)), seed=0).tolist() == table.tolist()
    subset = same_form_partners(corpus, np.array([0, 2, 3]), seed=0)
    assert (subset[:, 0] == -1).all()  # record 1 is not a training record
    assert subset[[0, 2], 1].tolist() == [2, 0] and (subset[[1, 7, 8]] == -1).all()


def test_the_term_is_the_mean_squared_score_gap():
    m_q = torch.tensor([[1.0, 0.0], [2.0, 0.0]])
    m_s = torch.tensor([[3.0, 0.0], [0.0, 1.0]])
    m_t = torch.tensor([[0.0, 5.0], [0.0, 1.0]])
    assert form_consistency(m_q, m_s, m_t).item() == pytest.approx(0.5)  # gaps 1 and 0


def test_model_adds_the_weighted_term_only_when_asked():
    model, _ = build_model("bert", form_consistency_weight=2.0)
    stack = torch.randn(9, len(model.config.layers), model.config.hidden_size)
    pairs = torch.tensor([[3, 6, 7], [0, 8, 4]])
    hosts = torch.tensor([1, 0, 1])
    out = model(layer_stack=stack, triples=canonical_triples(3), negative_host=hosts, form_pairs=pairs)
    m = out.meaning
    expected = 2.0 * form_consistency(m[pairs[:, 0]], m[pairs[:, 1]], m[pairs[:, 2]])
    torch.testing.assert_close(out.loss_terms["form_consistency"], expected)
    torch.testing.assert_close(out.loss, torch.stack(list(out.loss_terms.values())).sum())
    plain = model(layer_stack=stack, triples=canonical_triples(3), negative_host=hosts)
    assert "form_consistency" not in plain.loss_terms
    torch.testing.assert_close(out.loss - plain.loss, expected)
    with pytest.raises(ValueError, match=r"form_pairs must have shape \(K, 3\), got \(2, 2\)"):
        model(layer_stack=stack, triples=canonical_triples(3), negative_host=hosts, form_pairs=pairs[:, :2])
    with pytest.raises(ValueError, match="form_consistency_weight must be >= 0, got -1"):
        WicDistillConfig(encoder=model.config.encoder, form_consistency_weight=-1)


def test_optimising_the_term_closes_the_gap():
    model, _ = build_model("bert", form_consistency_weight=100.0)
    torch.manual_seed(0)
    stack = torch.randn(12, len(model.config.layers), model.config.hidden_size)
    pairs = torch.tensor([[0, 3, 6], [1, 4, 7], [2, 5, 8], [9, 10, 11]])
    hosts = torch.tensor([1, 1, 1])

    def gap() -> float:
        with torch.no_grad():
            m = model.eval()(layer_stack=stack).meaning
        return form_consistency(m[pairs[:, 0]], m[pairs[:, 1]], m[pairs[:, 2]]).item()

    before = gap()
    params = [p for n, p in model.named_parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=1e-3)
    model.train()
    for _ in range(30):
        loss = model(
            layer_stack=stack, triples=canonical_triples(3), negative_host=hosts, form_pairs=pairs
        ).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert before > 1e-3 and gap() < before / 4


def test_both_triple_sources_append_the_same_partner_targets(tmp_path):
    model, tokenizer = build_model("xlmr")
    path = tmp_path / "corpus.jsonl"
    grouped_crosslingual_corpus(path)
    corpus = read_corpus(path)
    cache = extract_features(corpus, model, tokenizer, tmp_path / "f", batch_size=16, show_progress=False)
    records = np.arange(12)
    partners = np.array([3, 1, 2, 0, 4, 5, 9, 7, 8, 6, 10, 11])
    table = same_form_partners(corpus, np.arange(len(corpus)), seed=0)
    positions = list(range(12))
    cached = CachedTriples(cache, records, partners, table).__getitems__(positions)
    live = OnTheFlyTriples(corpus, records, tokenizer, 64, partners, table).__getitems__(positions)
    assert torch.equal(live.pop("form_pairs"), cached["form_pairs"])
    live.pop("negative_host")
    with torch.no_grad():
        stacks = model.extract_layer_stack(**live)
    torch.testing.assert_close(stacks, cached["layer_stack"].float(), atol=2e-3, rtol=2e-3)

    def target(record: int, role: int) -> torch.Tensor:
        return cache.gather_targets(np.array([record]), np.array([role]))[0]

    expected = []
    for i in positions:
        by_positive = table[partners[i], 0]
        if by_positive >= 0:
            expected.append([(partners[i], 1), (by_positive, 1), (by_positive, 0)])
    for i in positions:
        by_anchor = table[records[i], 1]
        if by_anchor >= 0:
            expected.append([(records[i], 0), (by_anchor, 0), (by_anchor, 1)])
    rows = cached["form_pairs"]
    assert len(rows) == len(expected) > 4
    for row, want in zip(rows.tolist(), expected):
        for index, (record, role) in zip(row, want):
            assert torch.equal(cached["layer_stack"][index], target(record, role))
    assert torch.equal(
        cached["layer_stack"][:36],
        CachedTriples(cache, records, partners).__getitems__(positions)["layer_stack"],
    )
    with pytest.raises(ValueError, match="roles has shape"):
        cache.gather_targets(np.arange(3), np.zeros(2, dtype=int))


@pytest.mark.usefixtures("fresh_accelerate_state")
def test_training_with_the_term_cached_and_on_the_fly(encoder_dir, tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    records = grouped_crosslingual_corpus(corpus)
    train_ids, _ = split_records([r["pair_id"] for r in records], 0.05, seed=7)
    table = same_form_partners(read_corpus(corpus), train_ids, seed=7)
    counts = {
        "positive": int((table[train_ids, 0] >= 0).sum()),
        "anchor": int((table[train_ids, 1] >= 0).sum()),
    }
    assert counts["positive"] > 10 and counts["anchor"] > 10
    cached = train(training_config(encoder_dir, corpus, tmp_path / "cached", form_consistency_weight=5.0))
    live = train(
        training_config(encoder_dir, corpus, tmp_path / "live", form_consistency_weight=5.0, on_the_fly=True)
    )
    plain = train(training_config(encoder_dir, corpus, tmp_path / "plain"))
    assert cached["corpus"]["same_form_partners"] == live["corpus"]["same_form_partners"] == counts
    assert plain["corpus"]["same_form_partners"] is None
    assert cached["distiller"]["form_consistency_weight"] == 5.0
    for a, b in zip(cached["training"]["loss_curve"], live["training"]["loss_curve"], strict=True):
        # the cache holds fp16 stacks; squared cosine gaps amplify the rounding a little
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=3e-2)
    saved = WicDistillConfig.from_pretrained(tmp_path / "cached")
    assert saved.form_consistency_weight == 5.0
    # same seed, same first batches: the term alone separates the first training losses
    first = [run["training"]["loss_curve"][0]["train_loss"] for run in (cached, plain)]
    assert first[0] > first[1] + 0.1
