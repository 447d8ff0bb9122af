"""Which records train: cross-context partners (the same translation in another sentence) and
language balancing."""

import numpy as np
import pytest
import torch
from conftest import build_model, training_config
from triples import grouped_crosslingual_corpus, triple_dataset, word_pair_columns

from wicdistill.corpus.store import read_corpus
from wicdistill.features.extract import extract_features
from wicdistill.training.datasets import CachedTriples, OnTheFlyTriples
from wicdistill.training.loop import train
from wicdistill.training.partners import cross_context_partners
from wicdistill.training.records import balanced_records, split_records

pytestmark = pytest.mark.usefixtures("fresh_accelerate_state")


ROWS = [
    ("bank", "rive", "fr", "p0"),  # 0: group A
    ("Bank", "rive", "fr", "p1"),  # 1: group A (case-folded)
    ("bank", "rive", "fr", "p2"),  # 2: group A
    ("bank", "banque", "fr", "p3"),  # 3: alone (other sense)
    ("bank", "rive", "de", "p4"),  # 4: alone (other language)
    ("tom", "tom", "fr", "p5"),  # 5: identical form: never partnered
    ("tom", "tom", "fr", "p6"),  # 6: identical form: never partnered
    ("cat", "chat", "fr", "p7"),  # 7: group B, but both records of one sentence pair
    ("cat", "chat", "fr", "p7"),  # 8
    ("dog", "chien", "fr", "p9"),  # 9: group C
    ("dog", "chien", "fr", "p10"),  # 10: group C
]


def test_partners_share_the_word_pair_but_not_the_sentence_pair():
    corpus = word_pair_columns(ROWS)
    records = np.arange(len(ROWS))
    partners = cross_context_partners(corpus, records, seed=0)
    assert partners[[3, 4, 5, 6, 7, 8]].tolist() == [3, 4, 5, 6, 7, 8]
    assert partners[[9, 10]].tolist() == [10, 9]
    assert sorted(partners[[0, 1, 2]].tolist()) == [0, 1, 2]  # a rotation: each positive used once
    assert all(partners[i] != i for i in (0, 1, 2))
    assert cross_context_partners(corpus, records, seed=0).tolist() == partners.tolist()
    rotations = {tuple(cross_context_partners(corpus, records, seed=s)[:3]) for s in range(8)}
    assert len(rotations) == 2  # both directions of the 3-cycle occur across seeds
    subset = cross_context_partners(corpus, np.array([0, 3, 9]), seed=0)
    assert subset.tolist() == [0, 3, 9]  # partners come only from the given records


def test_training_with_cross_context_positives_cached_and_on_the_fly(encoder_dir, tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    records = grouped_crosslingual_corpus(corpus)
    train_ids, _ = split_records([r["pair_id"] for r in records], 0.05, seed=7)

    def key(i):
        return tuple(
            records[i][role]["text"][records[i][role]["start"] : records[i][role]["end"]].casefold()
            for role in ("anchor", "positive")
        )

    changed = sum(
        any(key(j) == key(i) and records[j]["pair_id"] != records[i]["pair_id"] for j in train_ids)
        for i in train_ids
        if key(i)[0] != key(i)[1]
    )
    assert changed > 10
    plain = train(training_config(encoder_dir, corpus, tmp_path / "plain"))
    cached = train(training_config(encoder_dir, corpus, tmp_path / "cached", cross_context_positives=True))
    live = train(
        training_config(encoder_dir, corpus, tmp_path / "live", cross_context_positives=True, on_the_fly=True)
    )
    assert plain["corpus"]["cross_context_records"] is None
    assert cached["corpus"]["cross_context_records"] == live["corpus"]["cross_context_records"] == changed
    for a, b in zip(cached["training"]["loss_curve"], live["training"]["loss_curve"], strict=True):
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-2)


def test_both_triple_sources_pair_the_anchor_with_the_partners_triple(tmp_path):
    model, tokenizer = build_model("xlmr")
    corpus = read_corpus(triple_dataset(24, crosslingual_every=2))
    cache = extract_features(corpus, model, tokenizer, tmp_path / "f", batch_size=8, show_progress=False)
    records, partners = np.arange(6), np.array([2, 1, 4, 5, 0, 3])
    cached = CachedTriples(cache, records, partners).__getitems__(list(range(6)))
    live = OnTheFlyTriples(corpus, records, tokenizer, 64, partners).__getitems__(list(range(6)))
    hosts = live.pop("negative_host")
    with torch.no_grad():
        stacks = model.extract_layer_stack(**live)
    torch.testing.assert_close(stacks, cached["layer_stack"].float(), atol=2e-3, rtol=2e-3)
    assert hosts.tolist() == cached["negative_host"].tolist() == [1, 0, 1, 0, 1, 0]
    own = CachedTriples(cache, records).__getitems__(list(range(6)))["layer_stack"]
    assert torch.equal(cached["layer_stack"][:6], own[:6])
    assert not torch.allclose(cached["layer_stack"][6:], own[6:])
    with pytest.raises(ValueError, match="partners has shape"):
        CachedTriples(cache, records, partners[:3])


def test_balancing_repeats_smaller_languages_up_to_the_largest():
    rows = [("w", "x", "de", f"p{i}") for i in range(7)] + [("w", "x", "ar", f"q{i}") for i in range(3)]
    corpus = word_pair_columns(rows)
    records = np.arange(10)
    balanced = balanced_records(corpus, records, seed=0)
    counts = np.bincount(balanced, minlength=10)
    assert counts[:7].tolist() == [1] * 7
    assert counts[7:].sum() == 7 and sorted(counts[7:].tolist()) == [2, 2, 3]
    assert balanced.tolist() == balanced_records(corpus, records, seed=0).tolist()
    english = word_pair_columns([("w", "x", "en", f"p{i}") for i in range(4)])
    assert balanced_records(english, np.arange(4), seed=0).tolist() == [0, 1, 2, 3]


def test_training_summary_counts_the_balanced_rows(encoder_dir, tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    records = grouped_crosslingual_corpus(corpus)
    train_ids, _ = split_records([r["pair_id"] for r in records], 0.05, seed=7)
    french = sum(records[i]["positive"]["lang"] == "fr" for i in train_ids)
    summary = train(
        training_config(encoder_dir, corpus, tmp_path / "run", max_steps=1, balance_languages=True)
    )
    assert summary["corpus"]["train_records"] == 2 * (len(train_ids) - french)


def test_centering_takes_positive_and_negative_languages_from_the_partner():
    from types import SimpleNamespace

    from wicdistill.training.centering import fit_centers

    corpus = SimpleNamespace(
        langs={"anchor": ["en", "en"], "positive": ["fr", "de"], "negative": ["fr", "de"]}
    )
    seen = {}

    class Model(torch.nn.Module):
        def forward(self, layer_stack):
            return SimpleNamespace(meaning=layer_stack[:, 0], layer_stack=layer_stack)

        def unmixed_meaning(self, layer_stack):
            return layer_stack[:, 0], layer_stack.mean(dim=1)

        def fit_meaning_centers(self, meanings, langs, baseline):
            seen["langs"], seen["n"], seen["baselines"] = langs, len(meanings), len(baseline)

    class Pairs:
        records, partners = np.array([0, 1]), np.array([1, 0])

        def __len__(self):
            return 2

        def __getitems__(self, chunk):
            return {"layer_stack": torch.zeros(3 * len(chunk), 2, 4)}

    dataset = Pairs()
    fit_centers(Model(), dataset, corpus, torch.device("cpu"))
    assert seen == {"langs": ["en", "en", "de", "fr", "de", "fr"], "n": 6, "baselines": 6}
