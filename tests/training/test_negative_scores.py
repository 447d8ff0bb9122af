"""``negative_term="dissimilarity_weighted"`` end to end: the records' ``negative_score`` reaches the
batches (the partner's under cross-context pairing) and a run trains on it."""

import math

import numpy as np
import pytest
import torch
from conftest import build_model, training_config
from triples import grouped_crosslingual_corpus, triple_dataset_from, triple_records, word_pair_columns

from wicdistill.corpus.store import read_corpus
from wicdistill.distributed import make_accelerator
from wicdistill.features.extract import extract_features
from wicdistill.training.datasets import CachedTriples, OnTheFlyTriples
from wicdistill.training.loop import Trainer, train

WEIGHTED = {"negative_term": "dissimilarity_weighted"}


def _score(i: int) -> float | None:
    """Distinct scores per record, none on every fifth."""
    return None if i % 5 == 0 else round(0.9 - 0.017 * i, 3)


def _scored(records: list[dict]) -> list[dict]:
    return [{**r, "negative_score": _score(i)} for i, r in enumerate(records)]


def _expected(rows) -> list[float]:
    return [math.nan if _score(int(r)) is None else float(np.float32(_score(int(r)))) for r in rows]


def _assert_scores(batch: dict, rows) -> None:
    np.testing.assert_array_equal(batch["negative_similarity"].numpy(), np.array(_expected(rows), np.float32))
    assert batch["negative_similarity"].dtype == torch.float32


def test_read_corpus_keeps_each_records_negative_score_nan_where_it_has_none(tmp_path):
    records = _scored(triple_records(12))
    path = tmp_path / "corpus.jsonl"
    triple_dataset_from(records).to_json(str(path))
    for source in (triple_dataset_from(records), path):
        scores = read_corpus(source).negative_scores
        assert scores.dtype == np.float32
        np.testing.assert_array_equal(scores, np.array(_expected(range(12)), np.float32))
    unscored = [{k: v for k, v in r.items() if k != "negative_score"} for r in records]
    assert np.isnan(read_corpus(triple_dataset_from(unscored)).negative_scores).all()
    assert np.isnan(word_pair_columns([("w", "x", "fr", "p0")] * 3).negative_scores).tolist() == [True] * 3


def test_both_triple_sources_carry_the_partners_score(tmp_path):
    model, tokenizer = build_model("bert")
    corpus = read_corpus(triple_dataset_from(_scored(triple_records(12, crosslingual_every=2))))
    cache = extract_features(corpus, model, tokenizer, tmp_path / "f", batch_size=8, show_progress=False)
    records, partners = np.arange(6), np.array([2, 1, 5, 4, 0, 3])
    scores = corpus.negative_scores
    positions = list(range(6))
    for batch in (
        CachedTriples(cache, records, partners, negative_scores=scores).__getitems__(positions),
        OnTheFlyTriples(corpus, records, tokenizer, 64, partners, negative_scores=scores).__getitems__(
            positions
        ),
    ):
        _assert_scores(batch, partners)  # [0.866, 0.883, nan, 0.832, nan, 0.849]
    assert "negative_similarity" not in CachedTriples(cache, records, partners).__getitems__(positions)
    assert "negative_similarity" not in OnTheFlyTriples(corpus, records, tokenizer, 64).__getitems__(
        positions
    )


@pytest.mark.usefixtures("fresh_accelerate_state")
@pytest.mark.parametrize("on_the_fly", [False, True], ids=["cached", "on_the_fly"])
def test_the_trainer_feeds_the_scores_only_to_the_weighted_term(encoder_dir, tmp_path, on_the_fly):
    corpus = tmp_path / "corpus.jsonl"
    records = _scored(grouped_crosslingual_corpus(corpus))
    triple_dataset_from(records).to_json(str(corpus))

    def prepared(**overrides):
        options = dict(cross_context_positives=True, on_the_fly=on_the_fly, **overrides)
        trainer = Trainer(training_config(encoder_dir, corpus, tmp_path / "run", **options))
        trainer.accelerator = make_accelerator()
        trainer.prepare_data()
        return trainer

    trainer = prepared(model=WEIGHTED)
    train_set, val_set = trainer.train_set, trainer.val_set
    moved = np.nonzero(train_set.partners != train_set.records)[0]
    assert len(moved) > 10  # cross-context pairing took the negative of another record
    batch = train_set.__getitems__(moved.tolist())
    _assert_scores(batch, train_set.partners[moved])
    own = np.array(_expected(train_set.records[moved]), np.float32)
    assert not np.array_equal(batch["negative_similarity"].numpy(), own, equal_nan=True)
    _assert_scores(val_set.__getitems__(list(range(len(val_set)))), val_set.records)
    default = prepared()
    assert "negative_similarity" not in default.train_set.__getitems__(moved.tolist())
    assert "negative_similarity" not in default.val_set.__getitems__([0])


@pytest.mark.usefixtures("fresh_accelerate_state")
def test_a_weighted_run_trains_and_its_loss_follows_the_scores(encoder_dir, tmp_path):
    scored, even = tmp_path / "scored.jsonl", tmp_path / "even.jsonl"
    triple_dataset_from(_scored(triple_records(48, crosslingual_every=3))).to_json(str(scored))
    triple_dataset_from(triple_records(48, crosslingual_every=3)).to_json(str(even))  # every score 0.0

    def curve(corpus, name, **overrides):
        summary = train(training_config(encoder_dir, corpus, tmp_path / name, max_steps=3, **overrides))
        assert summary["training"]["steps"] == 3
        return [p["train_loss"] for p in summary["training"]["loss_curve"]]

    weighted = curve(scored, "weighted", model=WEIGHTED)
    assert len(weighted) == 3 and all(math.isfinite(v) for v in weighted)
    assert weighted != pytest.approx(curve(scored, "paper"), rel=1e-4)  # the scores change the loss
    # equal scores weigh every record 1: the paper's loss
    assert curve(even, "even", model=WEIGHTED) == pytest.approx(curve(even, "even-paper"), rel=1e-5)
    live = curve(scored, "live", model=WEIGHTED, on_the_fly=True)
    assert live == pytest.approx(weighted, rel=1e-2)  # the cache stores float16 stacks
