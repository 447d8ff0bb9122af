import os

import numpy as np
import pytest
import torch
from conftest import build_model
from triples import triple_dataset

from wicdistill.corpus.store import read_corpus
from wicdistill.features.cache import FeatureCache, FeatureCacheMismatch
from wicdistill.features.extract import NonFiniteFeaturesError, extract_features
from wicdistill.features.identity import encoder_identity
from wicdistill.features.plan import build_plan


@pytest.fixture
def corpus():
    return triple_dataset(40, crosslingual_every=4)


def _items(corpus, role, rows):
    return [(corpus[r][role]["text"], corpus[r][role]["start"], corpus[r][role]["end"]) for r in rows]


def test_plan_encodes_each_sentence_once(corpus):
    columns = read_corpus(corpus)
    plan = build_plan(columns, chunk_sentences=5)
    texts = {t for role in ("anchor", "positive", "negative") for t in columns.texts[role]}
    assert len(plan.sentences) == len(texts)
    assert sorted(plan.sentences, key=lambda t: (-len(t), t)) == plan.sentences
    for row in range(len(columns)):
        for j, role in enumerate(("anchor", "positive", "negative")):
            target = plan.index[row, j]
            sentence = int(np.searchsorted(plan.first_target, target, side="right") - 1)
            assert plan.sentences[sentence] == columns.texts[role][row]
            span = plan.sentence_spans[sentence][target - plan.first_target[sentence]]
            assert span == (columns.starts[role][row], columns.ends[role][row])
    assert plan.hosts.tolist() == [1 if s == "crosslingual" else 0 for s in columns.settings]


def test_cache_holds_the_stacks_encode_computes(corpus, tmp_path):
    model, tokenizer = build_model("bert")
    cache = extract_features(
        corpus, model, tokenizer, tmp_path / "f", batch_size=4, chunk_sentences=6, show_progress=False
    )
    assert cache.meta["complete"] and cache.num_records == 40
    assert cache.stacks.dtype == np.float16
    rows = [0, 5, 9]
    stacks, hosts = cache.gather(np.array(rows))
    assert stacks.shape == (9, 2, 32)
    for k, role in enumerate(("anchor", "positive", "negative")):
        expected = model.encode(_items(corpus, role, rows), tokenizer, output="layer_stack")
        torch.testing.assert_close(stacks[3 * k : 3 * k + 3].float(), expected, atol=2e-3, rtol=2e-3)
    assert hosts.tolist() == [1 if corpus[r]["setting"] == "crosslingual" else 0 for r in rows]


def test_interrupted_extraction_resumes_to_the_same_cache(corpus, tmp_path, monkeypatch):
    model, tokenizer = build_model("xlmr")
    reference = extract_features(
        corpus, model, tokenizer, tmp_path / "ref", batch_size=4, chunk_sentences=6, show_progress=False
    )
    original = model.extract_layer_stack
    calls = {"n": 0}

    def crash_after_three(**kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return original(**kwargs)

    monkeypatch.setattr(model, "extract_layer_stack", crash_after_three)
    with pytest.raises(KeyboardInterrupt):
        extract_features(
            corpus, model, tokenizer, tmp_path / "f", batch_size=4, chunk_sentences=6, show_progress=False
        )
    done_before = sorted(p.name for p in (tmp_path / "f" / "done").iterdir())
    assert done_before == ["chunk-000000.ok"]
    with pytest.raises(ValueError, match="incomplete"):
        FeatureCache(tmp_path / "f")
    monkeypatch.setattr(model, "extract_layer_stack", original)
    resumed = extract_features(
        corpus, model, tokenizer, tmp_path / "f", batch_size=4, chunk_sentences=6, show_progress=False
    )
    assert np.array_equal(np.asarray(resumed.stacks), np.asarray(reference.stacks))
    assert np.array_equal(resumed.index, reference.index)


def test_short_writes_are_completed(corpus, tmp_path, monkeypatch):
    """pwrite may write fewer bytes than asked (signals, huge rows): the writer must loop."""
    import wicdistill.features.extract as extract

    model, tokenizer = build_model("bert")
    reference = extract_features(
        corpus, model, tokenizer, tmp_path / "ref", batch_size=4, show_progress=False
    )
    real_pwrite, calls = os.pwrite, {"n": 0}

    def short_pwrite(fd, data, offset):
        calls["n"] += 1
        return real_pwrite(fd, data[:1000], offset)

    monkeypatch.setattr(extract.os, "pwrite", short_pwrite)
    cache = extract_features(corpus, model, tokenizer, tmp_path / "f", batch_size=4, show_progress=False)
    monkeypatch.undo()
    assert calls["n"] > np.asarray(cache.stacks).nbytes // 1000
    assert np.array_equal(np.asarray(cache.stacks), np.asarray(reference.stacks))


def test_cache_for_another_encoder_or_layers_is_refused(corpus, tmp_path):
    model, tokenizer = build_model("bert", seed=0)
    extract_features(corpus, model, tokenizer, tmp_path / "f", show_progress=False)
    other, _ = build_model("bert", seed=1)
    with pytest.raises(FeatureCacheMismatch, match="weights_hash"):
        extract_features(corpus, other, tokenizer, tmp_path / "f", show_progress=False)
    with pytest.raises(FeatureCacheMismatch, match="weights_hash"):
        FeatureCache(tmp_path / "f", identity=encoder_identity(other))
    layers, _ = build_model("bert", seed=0, layers=[1, 2, 3])
    with pytest.raises(
        FeatureCacheMismatch, match=r"layers: cache \[3, 4\] vs model \[1, 2, 3\] \(missing \[1, 2\]\)"
    ):
        FeatureCache(tmp_path / "f", identity=encoder_identity(layers))
    with pytest.raises(FeatureCacheMismatch, match="another corpus"):
        extract_features(triple_dataset(12, seed=5), model, tokenizer, tmp_path / "f", show_progress=False)


def test_non_finite_features_name_the_record(corpus, tmp_path, monkeypatch):
    model, tokenizer = build_model("bert")
    original = model.extract_layer_stack

    def poisoned(**kwargs):
        stack = original(**kwargs)
        stack[1] = float("nan")
        return stack

    monkeypatch.setattr(model, "extract_layer_stack", poisoned)
    with pytest.raises(
        NonFiniteFeaturesError, match=r"NaN/Inf features for 1 target\(s\), used by record\(s\) \['r\d{5}'"
    ):
        extract_features(corpus, model, tokenizer, tmp_path / "f", batch_size=4, show_progress=False)


def test_empty_corpus_is_refused(tmp_path):
    model, tokenizer = build_model("bert")
    with pytest.raises(ValueError, match="the corpus has no records"):
        extract_features(triple_dataset(0), model, tokenizer, tmp_path / "f", show_progress=False)


def test_bad_span_in_corpus_names_the_record(tmp_path):
    records = triple_dataset(3).to_list()
    records[1]["positive"]["end"] = 999
    import datasets

    model, tokenizer = build_model("bert")
    with pytest.raises(ValueError, match=r"record r00001: positive span \(\d+, 999\) does not fit"):
        extract_features(
            datasets.Dataset.from_list(records), model, tokenizer, tmp_path / "f", show_progress=False
        )


def test_cache_of_more_layers_serves_a_subset(corpus, tmp_path):
    wide, tokenizer = build_model("bert", seed=0, layers=[0, 1, 2, 3, 4])
    extract_features(corpus, wide, tokenizer, tmp_path / "f", show_progress=False)
    narrow, _ = build_model("bert", seed=0, layers=[4, 2])
    cache = extract_features(corpus, narrow, tokenizer, tmp_path / "f", show_progress=False)
    assert cache.num_layers == 2
    stacks, _ = cache.gather(np.array([3]))
    expected = narrow.encode(_items(corpus, "anchor", [3]), tokenizer, output="layer_stack")
    torch.testing.assert_close(stacks[:1].float(), expected, atol=2e-3, rtol=2e-3)


def test_gather_pairs_each_anchor_with_its_partners_triple(corpus, tmp_path):
    model, tokenizer = build_model("bert")
    cache = extract_features(corpus, model, tokenizer, tmp_path / "f", batch_size=8, show_progress=False)
    records, partners = np.array([0, 5, 9]), np.array([4, 5, 1])
    stacks, hosts = cache.gather(records, partners)
    own, _ = cache.gather(records)
    other, other_hosts = cache.gather(partners)
    assert torch.equal(stacks[:3], own[:3])
    assert torch.equal(stacks[3:], other[3:])
    assert hosts.tolist() == other_hosts.tolist() == [1, 0, 0]
    with pytest.raises(ValueError, match=r"partners has shape \(2,\), records \(3,\)"):
        cache.gather(records, partners[:2])
