"""Targets as users give them: offsets must be integers and dict keys known, never coerced or lost."""

import numpy as np
import pytest

from wicdistill.targets_wicdistill import Target, normalize_target

RIVER = "He sat on the bank of the river."


@pytest.mark.parametrize(
    "item, shown",
    [
        ((RIVER, 14.9, 18.2), "the offset 14.9 (float)"),
        ((RIVER, "14", 18), "the offset '14' (str)"),
        ((RIVER, True, 18), "the offset True (bool)"),
        ({"text": RIVER, "start": 14, "end": 18.0}, "the offset 18.0 (float)"),
        ((RIVER, [(14.0, 18)]), "the offset 14.0 (float)"),
    ],
)
def test_non_integer_offsets_are_refused_with_the_value_named(item, shown):
    with pytest.raises(
        ValueError,
        match=r"item 3: spans must be \(start, end\) integer pairs, got "
        + shown.replace("(", r"\(").replace(")", r"\)"),
    ):
        normalize_target(item, 3)


def test_integer_like_offsets_are_accepted():
    assert normalize_target((RIVER, np.int64(14), np.int32(18))) == Target(RIVER, ((14, 18),))
    assert normalize_target({"text": RIVER, "spans": [[14, 18]], "lang": "en"}) == Target(
        RIVER, ((14, 18),), "en"
    )


def test_unknown_dict_keys_are_refused_not_ignored():
    with pytest.raises(ValueError, match=r"item 0: unknown key\(s\) \['lng'\] in a dict target"):
        normalize_target({"text": RIVER, "start": 14, "end": 18, "lng": "en"})
