"""CorpusConfig nests the target filters (TargetRules) but takes them flat as before, with the same
fingerprint (so an interrupted build of an older version still resumes) and clear unknown-key errors."""

import pytest

from wicdistill.corpus import CorpusConfig
from wicdistill.corpus.targets import TargetRules


def test_target_filters_live_in_target_rules_given_flat_or_nested():
    flat = CorpusConfig(["bundled"], min_words=8, max_per_word=5, negative_strategy="random")
    nested = CorpusConfig(
        ["bundled"], targets=TargetRules(min_words=8, max_per_word=5), negative_strategy="random"
    )
    from_yaml = CorpusConfig(
        ["bundled"], targets={"min_words": 8, "max_per_word": 5}, negative_strategy="random"
    )
    assert flat.targets == nested.targets == from_yaml.targets == TargetRules(min_words=8, max_per_word=5)
    assert flat == nested == from_yaml
    assert flat.to_dict()["min_words"] == 8 and "targets" not in flat.to_dict()


def test_fingerprints_are_those_of_the_flat_config_before_nesting():
    # values computed by the release whose CorpusConfig listed the target fields itself
    assert CorpusConfig(["bundled"]).fingerprint() == "12e16f020ecc8b9b"
    settings = dict(min_words=8, max_per_word=5, negative_strategy="random")
    assert CorpusConfig(["bundled"], **settings).fingerprint() == "3bff21d9180d6348"


def test_an_unknown_setting_names_the_closest_valid_one():
    with pytest.raises(
        ValueError,
        match=r"unknown corpus setting\(s\) 'negative_stratgy' \(did you mean 'negative_strategy'\?\)",
    ):
        CorpusConfig(["bundled"], negative_stratgy="random")
    with pytest.raises(ValueError, match="need 0 < min_words <= max_words, got 9..5"):
        CorpusConfig(["bundled"], min_words=9, max_words=5)
