"""Targets: spans as users give them (integer offsets and known keys, never coerced), and the
layer stack of a target as the mean of exactly the right sub-word states."""

import numpy as np
import pytest
import torch
from conftest import build_model

from wicdistill import collate_sentences, pool_targets, tokenize_targets
from wicdistill.targets_wicdistill import Target, normalize_target

CAFE = "A café in Zürich serves crème brûlée to the bankers."
RIVER = "He sat on the bank of the river."
MUDDY = "The river bank was muddy"
PLAY = "They play a play about the bat."
CJK = "我喜欢银行。 银行在河边。"

# (text, spans, expected token positions) per tokenizer family, positions counted by hand
# from the tiny vocabularies in tiny_models.py (position 0 is [CLS] / <s>).
CASES = {
    "bert": [
        (CAFE, [(0, 1)], [1]),  # first word
        (CAFE, [(2, 6)], [2]),  # accented word, normalised to "cafe"
        (CAFE, [(10, 16)], [4]),  # "Zürich" -> "zurich"
        (CAFE, [(44, 51)], [10, 11]),  # "bankers" -> bank ##ers
        (RIVER, [(26, 31)], [8]),
        (MUDDY, [(19, 24)], [5]),  # last word, no punctuation after it
        (PLAY, [(5, 9)], [2]),  # first of two occurrences
        (PLAY, [(12, 16)], [4]),  # second occurrence, same sentence
        (CJK, [(7, 9)], [7, 8]),  # CJK characters are single tokens
        (RIVER, [(3, 6), (26, 31)], [2, 8]),  # a target in two pieces
    ],
    "xlmr": [
        (CAFE, [(0, 1)], [1]),
        (CAFE, [(2, 6)], [2]),
        (CAFE, [(10, 16)], [5, 6]),  # "▁" "Zü" "rich": the bare ▁ (position 4) is left out
        (CAFE, [(44, 51)], [12, 13]),  # "▁bank" "ers"
        (RIVER, [(26, 31)], [8]),
        (MUDDY, [(19, 24)], [5]),
        (PLAY, [(5, 9)], [2]),
        (PLAY, [(12, 16)], [4]),
        (CJK, [(0, 1)], [2]),  # text-initial bare ▁ has offsets (0, 1) but is still left out
        (CJK, [(7, 9)], [9, 10]),
        (RIVER, [(3, 6), (26, 31)], [2, 8]),
    ],
}


def hand_stack(model, tokenizer, text, positions):
    enc = tokenizer(text, return_tensors="pt")
    with torch.no_grad():
        hidden = model.encoder(**enc, output_hidden_states=True).hidden_states
    return torch.stack([hidden[layer][0, positions].mean(dim=0) for layer in model.config.layers])


@pytest.mark.parametrize("family_name", ["bert", "xlmr"])
def test_layer_stack_is_hand_mean_of_target_tokens(family_name):
    model, tokenizer = build_model(family_name)
    cases = CASES[family_name]
    items = [(text, spans) for text, spans, _ in cases]
    stacks = model.encode(items, tokenizer, batch_size=3, output="layer_stack")
    assert stacks.shape == (len(cases), len(model.config.layers), model.config.hidden_size)
    for row, (text, spans, positions) in enumerate(cases):
        expected = hand_stack(model, tokenizer, text, positions)
        torch.testing.assert_close(stacks[row], expected, atol=2e-6, rtol=1e-5, msg=f"{text!r} {spans}")


@pytest.mark.parametrize("family_name", ["bert", "xlmr"])
def test_token_positions_found_for_each_case(family_name):
    _, tokenizer = build_model(family_name)
    for text, spans, positions in CASES[family_name]:
        (sentence,) = tokenize_targets(tokenizer, [text], [[spans]], max_length=64)
        assert sentence.target_tokens == [positions], (text, spans)


def test_two_targets_share_one_forward_pass(tiny):
    model, tokenizer = tiny
    calls = []
    handle = model.encoder.register_forward_hook(lambda *args: calls.append(1))
    try:
        stacks = model.encode([(PLAY, 5, 9), (PLAY, 12, 16), (PLAY, 5, 9)], tokenizer, output="layer_stack")
    finally:
        handle.remove()
    assert len(calls) == 1
    assert torch.equal(stacks[0], stacks[2])
    assert not torch.allclose(stacks[0], stacks[1])


def test_pool_targets_matches_dense_mean():
    torch.manual_seed(0)
    hidden = [torch.randn(2, 5, 3) for _ in range(2)]
    mask = torch.tensor([[0, 1, 1, 0, 0], [0, 0, 0, 1, 0], [1, 0, 0, 0, 1]], dtype=torch.bool)
    sentence = torch.tensor([0, 0, 1])
    pooled = pool_targets(hidden, mask, sentence)
    for layer in range(2):
        torch.testing.assert_close(pooled[0, layer], hidden[layer][0, 1:3].mean(0))
        torch.testing.assert_close(pooled[1, layer], hidden[layer][0, 3])
        torch.testing.assert_close(pooled[2, layer], hidden[layer][1, [0, 4]].mean(0))


def test_empty_target_mask_is_rejected():
    with pytest.raises(ValueError, match=r"targets \[1\] have no tokens"):
        pool_targets(
            [torch.zeros(1, 3, 2)],
            torch.tensor([[1, 0, 0], [0, 0, 0]], dtype=torch.bool),
            torch.tensor([0, 0]),
        )


def test_collate_pads_and_indexes_targets(tiny):
    _, tokenizer = tiny
    sentences = tokenize_targets(
        tokenizer, [MUDDY, PLAY], [[[(0, 3)]], [[(5, 9)], [(12, 16)]]], max_length=64
    )
    batch = collate_sentences(sentences, tokenizer.pad_token_id)
    assert batch["input_ids"].shape[0] == 2
    assert batch["target_sentence_index"].tolist() == [0, 1, 1]
    assert batch["target_token_mask"].sum(1).tolist() == [1, 1, 1]
    assert batch["attention_mask"][0].sum() == len(sentences[0].input_ids)
    assert (batch["input_ids"][0, len(sentences[0].input_ids) :] == tokenizer.pad_token_id).all()


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
