"""The word-in-context pipeline: input shapes, outputs equal to ``model.encode``, clear errors."""

import json

import pytest
import torch
import torch.nn.functional as F
from conftest import build_model
from transformers import pipeline

from wicdistill.pipeline_wicdistill import TASK, WordInContextPipeline, parse_marked_text

RIVER = "He sat on the [[bank]] of the river."
MONEY = "She deposited money at the [[bank]]."
PLANT = {"text": "The plant grows near the power plant by the water.", "start": 4, "end": 9}


@pytest.fixture(scope="module")
def tiny_pipe():
    model, tokenizer = build_model("bert")
    return pipeline(TASK, model=model, tokenizer=tokenizer), model, tokenizer


def encode(model, tokenizer, items, output="meaning"):
    targets = [parse_marked_text(i) if isinstance(i, str) else i for i in items]
    return model.encode(targets, tokenizer, output=output)


@pytest.mark.parametrize(
    "marked, text, span",
    [
        (RIVER, "He sat on the bank of the river.", (14, 18)),
        ("[[Bank]] holidays are fun.", "Bank holidays are fun.", (0, 4)),
        ("They sat by the [[ bank ]].", "They sat by the  bank .", (17, 21)),
        ("I love [[ice cream]] in summer.", "I love ice cream in summer.", (7, 16)),
        ("Ein Café in [[Zürich]].", "Ein Café in Zürich.", (12, 18)),
    ],
)
def test_marked_text_gives_offsets_into_the_unmarked_text(marked, text, span):
    target = parse_marked_text(marked)
    assert target.text == text
    assert target.spans == (span,)


@pytest.mark.parametrize(
    "text, message",
    [
        ("He sat on the bank.", "found 0 '[[' and 0 ']]'"),
        ("The [[bank]] by the [[river]].", "found 2 '[[' and 2 ']]'"),
        ("An unclosed [[bank marker.", "found 1 '[[' and 0 ']]'"),
        ("Reversed ]]bank[[ marker.", "exactly one [[word]] marker"),
        ("An empty [[ ]] marker.", "holds no word"),
    ],
)
def test_marker_errors_name_the_input_and_the_problem(text, message):
    with pytest.raises(ValueError, match="^input: ") as err:
        parse_marked_text(text)
    assert message in str(err.value)


def test_vectors_equal_model_encode_for_every_target_shape(tiny_pipe):
    """Bit-equal to ``model.encode`` on the same targets (batch composition changes the padding)."""
    pipe, model, tokenizer = tiny_pipe
    assert pipe(RIVER) == encode(model, tokenizer, [RIVER])[0].tolist()
    assert pipe(PLANT) == encode(model, tokenizer, [PLANT])[0].tolist()
    assert pipe({"text": MONEY}) == encode(model, tokenizer, [MONEY])[0].tolist()
    assert pipe([RIVER, MONEY, PLANT]) == encode(model, tokenizer, [RIVER, MONEY, PLANT]).tolist()
    with_context = pipe([RIVER, PLANT], return_context=True)
    expected = encode(model, tokenizer, [RIVER, PLANT], output=["meaning", "context"])
    assert [r["meaning"] for r in with_context] == expected["meaning"].tolist()
    assert [r["context"] for r in with_context] == expected["context"].tolist()


def test_pairs_and_the_sentence_similarity_shape_give_cosines(tiny_pipe):
    pipe, model, tokenizer = tiny_pipe
    vectors = encode(model, tokenizer, [RIVER, MONEY, PLANT])
    river_money = float(F.cosine_similarity(vectors[0], vectors[1], dim=0))
    # a model without stored decision thresholds answers a pair with its score only
    assert pipe((RIVER, MONEY)) == {"score": pytest.approx(river_money, abs=1e-6)}
    assert pipe({"pair": [RIVER, MONEY]}) == pipe((RIVER, MONEY))
    scores = pipe({"source_sentence": RIVER, "sentences": [MONEY, PLANT, RIVER]})
    expected = F.cosine_similarity(vectors[0][None], vectors[[1, 2, 0]], dim=1).tolist()
    assert scores == pytest.approx(expected, abs=1e-6)
    assert scores[2] == pytest.approx(1.0, abs=1e-6)
    mixed = pipe([RIVER, (RIVER, MONEY), {"source_sentence": MONEY, "sentences": RIVER}])
    # the call's unique targets, encoded as one batch like the pipeline does: bit-equal on any BLAS
    assert mixed[0] == encode(model, tokenizer, [RIVER, MONEY])[0].tolist()
    assert mixed[1] == {"score": pytest.approx(river_money, abs=1e-6)}
    assert mixed[2] == pytest.approx([river_money], abs=1e-6)
    json.dumps(mixed)


def test_one_call_encodes_all_its_targets_in_one_pass(tiny_pipe, monkeypatch):
    pipe, model, _ = tiny_pipe
    calls = []
    original = model.encode

    def recording_encode(items, tokenizer, **kwargs):
        calls.append((list(items), kwargs))
        return original(items, tokenizer, **kwargs)

    monkeypatch.setattr(model, "encode", recording_encode)
    pipe(
        [RIVER, PLANT, (RIVER, MONEY), {"source_sentence": MONEY, "sentences": [RIVER, PLANT]}], batch_size=3
    )
    assert len(calls) == 1
    items, kwargs = calls[0]
    assert len(items) == 3, "repeated targets are encoded once"
    assert kwargs["batch_size"] == 3


@pytest.mark.parametrize(
    "inputs, message",
    [
        ([RIVER, "no marker here"], r"^inputs\[1\]: expected exactly one"),
        ({"source_sentence": RIVER, "sentences": [MONEY, "plain"]}, r"^input\.sentences\[1\]: "),
        ({"source_sentence": "plain", "sentences": [MONEY]}, r"^input\.source_sentence: "),
        ({"source_sentence": RIVER, "sentences": []}, "'sentences' must be a non-empty list"),
        ((RIVER, MONEY, PLANT), "a tuple must be a pair of two targets, got 3"),
        ({"pair": [RIVER]}, r"^input: expected \{'pair': \[first, second\]\} with two targets"),
        ([{"pair": [RIVER, "plain"]}], r"^inputs\[0\]\.pair\[1\]: expected exactly one"),
        ([], "empty list of inputs"),
        ([42], r"^inputs\[0\]: expected a text with one \[\[word\]\] marker"),
        ({"text": "The bank.", "start": 4}, "needs 'start' and 'end'"),
        ({"text": "The bank.", "start": 4, "end": 40}, r"span \(4, 40\) is not a non-empty range"),
    ],
)
def test_bad_inputs_give_errors_naming_the_input(tiny_pipe, inputs, message):
    pipe, _, _ = tiny_pipe
    with pytest.raises(ValueError, match=message):
        pipe(inputs)


def test_unknown_parameters_are_rejected(tiny_pipe):
    pipe, _, _ = tiny_pipe
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['normalize'\]"):
        pipe(RIVER, normalize=True)


def test_save_pretrained_declares_the_custom_pipeline(tiny_pipe, tmp_path):
    pipe, _, _ = tiny_pipe
    assert isinstance(pipe, WordInContextPipeline)
    pipe.save_pretrained(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["custom_pipelines"] == {
        TASK: {"impl": "pipeline_wicdistill.WordInContextPipeline", "pt": ["AutoModel"], "type": "text"}
    }
    for name in ("pipeline_wicdistill.py", "modeling_wicdistill.py", "configuration_wicdistill.py"):
        assert (tmp_path / name).is_file(), name


def test_pipeline_and_handler_pass_each_targets_language_to_a_language_centred_model():
    import importlib.util

    from conftest import REPO_ROOT

    model, tokenizer = build_model("xlmr", centering_languages=["en", "fr"])
    model.fit_meaning_centers(torch.stack([torch.full((32,), 1.0), torch.full((32,), 4.0)]), ["en", "fr"])
    pipe = pipeline(TASK, model=model, tokenizer=tokenizer)
    items = [
        {"text": "A café in Zürich.", "start": 2, "end": 6, "lang": "fr"},
        {"text": "He sat on the [[bank]] of the river.", "lang": "en"},
        "He sat on the [[bank]] of the river.",
    ]
    expected = model.encode(
        [
            items[0],
            {**parse_marked_text(items[1]["text"]).__dict__, "lang": "en"},
            parse_marked_text(items[2]),
        ],
        tokenizer,
    )
    assert not torch.equal(expected[1], expected[2])  # the language changes the vector
    assert torch.tensor(pipe(items)).equal(expected)
    spec = importlib.util.spec_from_file_location(
        "handler", REPO_ROOT / "wicdistill/hub/templates/handler.py"
    )
    handler_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(handler_module)
    handler = handler_module.EndpointHandler.__new__(handler_module.EndpointHandler)
    handler.pipeline = pipe
    assert torch.tensor(handler({"inputs": items})).equal(expected)
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['lng'\] beside a marked text"):
        pipe({"text": "He sat on the [[bank]].", "lng": "en"})
