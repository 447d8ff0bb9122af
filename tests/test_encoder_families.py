"""Any encoder a user brings: every family, tiny and random, through the whole package (issue 26).

Each family is saved as its masked-LM checkpoint with its own tokenizer class, then goes through
``from_encoder_pretrained``, ``encode`` with character spans, feature extraction, a few training
steps, save/reload and the clean-process remote-code load (one subprocess for all families, to
keep the time down). Encoders that cannot work are refused when the model is built, naming why.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import training_config
from isolated import run_isolated
from tiny_models import (
    ENCODER_FAMILIES,
    save_encoder_with_slow_tokenizer,
    save_encoder_without_hidden_states,
    save_family_encoder,
    save_gpt2_decoder,
)
from transformers import AutoModel, AutoTokenizer
from triples import triple_dataset

from wicdistill import WicDistillModel
from wicdistill.features.extract import extract_features
from wicdistill.targets_wicdistill import collate_sentences, tokenize_targets
from wicdistill.training.loop import train

TOKEN_TYPE_FAMILIES = {"bert", "electra", "deberta-v2"}  # the others' tokenizers return no token_type_ids
SENTENCEPIECE_FAMILIES = {"xlm-roberta", "albert", "deberta-v2"}  # words may start with a bare "▁"

TEXTS = [
    ("Zürich is far from the bank.", [(0, 6), (23, 27)]),
    ("A café in Zürich serves crème brûlée to the bankers.", [(2, 6), (10, 16), (44, 51)]),
    ("Банк закрыт.", [(0, 4)]),
    ("He sat on the bank of the river.", [(0, 2), (14, 18)]),
]
ITEMS = [(text, start, end) for text, spans in TEXTS for start, end in spans]
# the sub-words each target above covers: Zürich, bank | café, Zürich, bankers | Банк | He, bank.
# The sentencepiece families split "Zürich" and "Банк" as a bare "▁" plus pieces: the bare
# piece carries none of the word's characters and is never part of the target.
WORDPIECE = [["zurich"], ["bank"], ["cafe"], ["zurich"], ["bank", "##ers"], ["[UNK]"], ["he"], ["bank"]]
BYTE_LEVEL = [
    *(["ZÃ", "¼rich"], ["Ġbank"], ["Ġcaf", "Ã©"], ["ĠZÃ", "¼rich"], ["Ġbankers"]),
    *(["Ð", "ĳÐ°Ð", "½Ð", "º"], ["He"], ["Ġbank"]),
]
UNIGRAM = [
    ["Zü", "rich"],
    ["▁bank"],
    ["▁café"],
    ["Zü", "rich"],
    ["▁bank", "ers"],
    ["Бан", "к"],
    ["▁He"],
    ["▁bank"],
]
EXPECTED_PIECES = {
    "bert": WORDPIECE,
    "distilbert": WORDPIECE,
    "electra": WORDPIECE,
    "mpnet": WORDPIECE,
    "roberta": BYTE_LEVEL,
    "modernbert": BYTE_LEVEL,
    "xlm-roberta": UNIGRAM,
    "deberta-v2": UNIGRAM,
    "albert": [
        *(["zu", "rich"], ["▁bank"], ["▁cafe"], ["zu", "rich"], ["▁bank", "ers"]),
        *(["бан", "к"], ["▁he"], ["▁bank"]),
    ],
}

families = pytest.mark.parametrize("encoder_family", ENCODER_FAMILIES)


class Checkpoints:
    """Each family's tiny checkpoint folder, saved on first use; ``base[f]`` its encoder weights."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.paths: dict[str, Path] = {}
        self.base: dict[str, dict[str, torch.Tensor]] = {}

    def __getitem__(self, family: str) -> Path:
        if family not in self.paths:
            path = self.factory.mktemp(f"encoder-{family}")
            self.base[family] = save_family_encoder(family, path).state_dict()
            self.paths[family] = path
        return self.paths[family]


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory) -> Checkpoints:
    return Checkpoints(tmp_path_factory)


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("family-corpus") / "corpus.jsonl"
    triple_dataset(24, crosslingual_every=3).to_json(str(path))
    return path


def _load(checkpoints: Checkpoints, family: str) -> tuple[WicDistillModel, object]:
    path = checkpoints[family]
    return WicDistillModel.from_encoder_pretrained(str(path)), AutoTokenizer.from_pretrained(path)


@families
def test_tokenizer_gives_the_inputs_of_its_family(encoder_family, checkpoints):
    path = checkpoints[encoder_family]
    tokenizer = AutoTokenizer.from_pretrained(path)
    assert tokenizer.is_fast
    with_types = encoder_family in TOKEN_TYPE_FAMILIES
    expected = {"input_ids", "attention_mask"} | ({"token_type_ids"} if with_types else set())
    assert set(tokenizer("He sat on the bank.").keys()) == expected
    forward = inspect.signature(AutoModel.from_pretrained(path).forward).parameters
    assert expected <= set(forward), f"{encoder_family}'s encoder does not take {expected - set(forward)}"
    sentences = tokenize_targets(tokenizer, ["He sat on the bank."], [[[(14, 18)]]], 64)
    assert ("token_type_ids" in collate_sentences(sentences, tokenizer.pad_token_id)) is with_types
    pieces = tokenizer.convert_ids_to_tokens(tokenizer("Zürich is far from the bank.")["input_ids"])
    assert (pieces[1] == "▁") is (encoder_family in SENTENCEPIECE_FAMILIES), pieces


@families
def test_from_encoder_pretrained_loads_the_checkpoint_weights(encoder_family, checkpoints):
    model, _ = _load(checkpoints, encoder_family)
    assert model.config.encoder.model_type == encoder_family
    assert (model.config.hidden_size, model.config.layers) == (32, [3, 4])
    assert not model.encoder_trainable
    loaded, saved = model.encoder.state_dict(), checkpoints.base[encoder_family]
    assert sorted(loaded) == sorted(saved)
    changed = [k for k in loaded if not torch.equal(loaded[k], saved[k])]
    assert not changed, f"{encoder_family}: re-initialised instead of loaded: {changed[:5]}"


@families
def test_encode_spans(encoder_family, checkpoints):
    """Spans select the sub-words the family's tokenizer makes of them (never a bare "▁"), and a
    padded batch pools each target as the encoder run on its sentence alone does."""
    model, tokenizer = _load(checkpoints, encoder_family)
    texts = [text for text, _ in TEXTS]
    sentences = tokenize_targets(tokenizer, texts, [[[span] for span in spans] for _, spans in TEXTS], 64)
    pieces = [
        tokenizer.convert_ids_to_tokens([s.input_ids[p] for p in positions])
        for s in sentences
        for positions in s.target_tokens
    ]
    assert pieces == EXPECTED_PIECES[encoder_family]
    stacks = model.encode(ITEMS, tokenizer, output="layer_stack", batch_size=3)
    expected = []
    with torch.no_grad():
        for text, sentence in zip(texts, sentences):
            hidden = model.encoder(
                **tokenizer(text, return_tensors="pt"), output_hidden_states=True
            ).hidden_states
            for positions in sentence.target_tokens:
                expected.append(torch.stack([hidden[layer][0, positions].mean(dim=0) for layer in [3, 4]]))
    torch.testing.assert_close(stacks, torch.stack(expected), atol=1e-5, rtol=1e-5)


@families
def test_long_text_is_cut_to_the_family_limit(encoder_family, checkpoints):
    """64 tokens for every family (RoBERTa-style position tables hold two more rows)."""
    model, tokenizer = _load(checkpoints, encoder_family)
    text = " ".join(["the river"] * 30 + ["bank"] + ["the river"] * 30)
    start = text.index("bank")
    assert len(tokenizer(text)["input_ids"]) > 64
    (vector,) = model.encode([(text, start, start + 4)], tokenizer, output="baseline")
    assert bool(torch.isfinite(vector).all())
    with pytest.raises(ValueError, match="more than the encoder's limit of 64"):
        model.encode([(text, start, start + 4)], tokenizer, truncation="error")


@families
def test_extracted_features_are_the_stacks_encode_computes(encoder_family, checkpoints, tmp_path):
    model, tokenizer = _load(checkpoints, encoder_family)
    corpus = triple_dataset(12, crosslingual_every=4)
    cache = extract_features(
        corpus, model, tokenizer, tmp_path / "f", batch_size=4, chunk_sentences=6, show_progress=False
    )
    assert cache.meta["complete"] and cache.meta["encoder"]["model_type"] == encoder_family
    rows = [0, 5, 11]
    stacks, _ = cache.gather(np.array(rows))
    for k, role in enumerate(("anchor", "positive", "negative")):
        items = [(corpus[r][role]["text"], corpus[r][role]["start"], corpus[r][role]["end"]) for r in rows]
        expected = model.encode(items, tokenizer, output="layer_stack")
        torch.testing.assert_close(stacks[3 * k : 3 * k + 3].float(), expected, atol=2e-3, rtol=2e-3)


@families
@pytest.mark.usefixtures("fresh_accelerate_state")
def test_training_steps(encoder_family, checkpoints, corpus_file, tmp_path):
    """Three on-the-fly steps: the family's inputs go through the training collation and back-prop."""
    path = checkpoints[encoder_family]
    summary = train(training_config(path, corpus_file, tmp_path, max_steps=3, eval_every=3, on_the_fly=True))
    curve = summary["training"]["loss_curve"]
    assert [p["step"] for p in curve] == [1, 2, 3]
    assert all(np.isfinite(p["train_loss"]) for p in curve) and np.isfinite(curve[-1]["validation_loss"])
    trained = WicDistillModel.from_pretrained(tmp_path)
    assert trained.config.encoder.model_type == encoder_family
    saved = checkpoints.base[encoder_family]
    assert all(torch.equal(v, saved[k]) for k, v in trained.encoder.state_dict().items()), "encoder changed"
    vectors = trained.encode(ITEMS[:2], AutoTokenizer.from_pretrained(tmp_path))
    assert vectors.shape == (2, 32) and bool(torch.isfinite(vectors).all())


@families
def test_save_and_reload_is_bit_equal(encoder_family, checkpoints, tmp_path):
    model, tokenizer = _load(checkpoints, encoder_family)
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    reloaded = AutoModel.from_pretrained(tmp_path)
    assert type(reloaded) is WicDistillModel
    assert reloaded.config.encoder.model_type == encoder_family
    state, again = model.state_dict(), reloaded.state_dict()
    assert sorted(state) == sorted(again) and all(torch.equal(state[k], again[k]) for k in state)
    outputs = ["meaning", "context", "baseline"]
    before = model.encode(ITEMS, tokenizer, output=outputs)
    after = reloaded.encode(ITEMS, AutoTokenizer.from_pretrained(tmp_path), output=outputs)
    for name in outputs:
        assert torch.equal(before[name], after[name]), name


def test_remote_code_load_of_every_family(checkpoints, tmp_path):
    """All families in one clean process that never imports wicdistill: bit-equal vectors."""
    folders = {}
    for family in ENCODER_FAMILIES:
        model, tokenizer = _load(checkpoints, family)
        folders[family] = str(tmp_path / family)
        model.save_pretrained(folders[family])
        tokenizer.save_pretrained(folders[family])
    out_file = tmp_path / "vectors.pt"
    result = run_isolated(
        f"""
        import sys, torch
        from transformers import AutoModel, AutoTokenizer
        vectors = {{}}
        for family, folder in {folders!r}.items():
            model = AutoModel.from_pretrained(folder, trust_remote_code=True)
            assert type(model).__module__.startswith("transformers_modules"), (family, type(model).__module__)
            tokenizer = AutoTokenizer.from_pretrained(folder)
            vectors[family] = model.encode({ITEMS!r}, tokenizer, output=["meaning", "context", "baseline"])
        assert "wicdistill" not in sys.modules, "the package leaked into the isolated process"
        torch.save(vectors, {str(out_file)!r})
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    remote = torch.load(out_file)
    for family, folder in folders.items():
        local = WicDistillModel.from_pretrained(folder)
        expected = local.encode(ITEMS, AutoTokenizer.from_pretrained(folder), output=list(remote[family]))
        for name, value in expected.items():
            assert torch.equal(remote[family][name], value), f"{family}: {name}"


# -- encoders that cannot work ------------------------------------------------------------------


def test_phobert_slow_tokenizer_is_refused_at_construction(tmp_path):
    save_encoder_with_slow_tokenizer(tmp_path)
    message = (
        f"the tokenizer of {str(tmp_path)!r} is PhobertTokenizer, a slow tokenizer that gives no character "
        f"offsets; wicdistill maps character spans to sub-words through a fast tokenizer: use a checkpoint "
        f"that has a tokenizer.json"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        WicDistillModel.from_encoder_pretrained(str(tmp_path))


def test_custom_encoder_without_hidden_states_is_refused_at_construction(tmp_path):
    save_encoder_without_hidden_states(tmp_path)
    message = (
        f"the encoder {str(tmp_path)!r} (LastLayerOnlyModel) returned no hidden states for "
        f"output_hidden_states=True, expected 3 (the embeddings and 2 layers): wicdistill reads every "
        f"layer's hidden states; use an encoder that returns them"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        WicDistillModel.from_encoder_pretrained(str(tmp_path))


def test_gpt2_decoder_only_model_is_refused_at_construction(tmp_path):
    save_gpt2_decoder(tmp_path)
    message = (
        f"the encoder {str(tmp_path)!r} (GPT2Model) attends causally (its first position ignored a change "
        f"of the last token): a word's vector would never see the words after it; use a bidirectional "
        f"encoder (BERT, RoBERTa, XLM-R, DeBERTa, ...)"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        WicDistillModel.from_encoder_pretrained(str(tmp_path))
