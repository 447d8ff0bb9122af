"""Round-trip paraphrases: a real AutoModelForSeq2SeqLM path with tiny random BART models, and
the builder's handling of round-trip inputs."""

from __future__ import annotations

import json

from fixtures.corpus.tiny_corpus import PARAPHRASES, config, tiny_bart, tiny_encoder, wordpiece_tokenizer

from wicdistill.corpus import RoundTripTranslator, build_corpus


def test_round_trip_with_saved_seq2seq_models(tmp_path):
    tokenizer = wordpiece_tokenizer()
    for name, seed in (("forward", 1), ("backward", 2)):
        tiny_bart(tokenizer, seed).save_pretrained(tmp_path / name)
        tokenizer.save_pretrained(tmp_path / name)
    translator = RoundTripTranslator.from_pretrained(
        str(tmp_path / "forward"), str(tmp_path / "backward"), batch_size=2, max_new_tokens=8
    )
    texts = ["The old fisherman sat on the bank.", "Heavy rain flooded the streets.", "A short one."]
    first = translator.paraphrase(texts)
    assert len(first) == 3 and all(isinstance(t, str) for t in first)
    assert all(len(t.split()) <= 8 for t in first)
    assert translator.paraphrase(texts) == first  # greedy decoding is deterministic
    assert translator.paraphrase([]) == []


class _SwapTranslator:
    """Stands in for two translation models: rewrites a few words, returns one sentence unchanged."""

    SWAPS = {"quietly": "silently", "watched": "observed", "raised": "increased", "children": "kids"}

    def __init__(self) -> None:
        self.calls = 0

    def paraphrase(self, texts):
        self.calls += 1
        out = []
        for text in texts:
            out.append(" ".join(self.SWAPS.get(w, w) for w in text.split()))
        return out


def test_builder_paraphrases_roundtrip_inputs(tmp_path):
    sentences = tmp_path / "sentences.txt"
    lines = [line.split("\t")[0] for line in PARAPHRASES.read_text(encoding="utf-8").splitlines()]
    sentences.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    tokenizer = wordpiece_tokenizer()
    translator = _SwapTranslator()
    stats = build_corpus(
        config([f"roundtrip:{sentences}:en"], negative_strategy="random", translation_models=("fwd", "bwd")),
        tmp_path / "out",
        encoder=tiny_encoder(tokenizer),
        tokenizer=tokenizer,
        translator=translator,
    )
    records = [json.loads(line) for line in (tmp_path / "out" / "train.jsonl").read_text().splitlines()]
    changed = sum(any(w in line.split() for w in _SwapTranslator.SWAPS) for line in lines)
    assert stats["roundtrip"]["paraphrases"] == changed
    assert stats["roundtrip"]["dropped"] == {"translation came back unchanged": len(lines) - changed}
    assert stats["inputs"]["dropped"] == {"empty line": 1}
    assert records and {r["positive_source"] for r in records} == {"roundtrip"}
    assert translator.calls == 3  # one batch per chunk of 4 inputs; the 4th chunk is the empty line
    swapped = [
        r
        for r in records
        if r["positive"]["text"][r["positive"]["start"] : r["positive"]["end"]] == "silently"
    ]
    assert all(r["anchor"]["text"][r["anchor"]["start"] : r["anchor"]["end"]] == "quietly" for r in swapped)


def test_builder_runs_a_real_seq2seq_round_trip(tmp_path):
    tokenizer = wordpiece_tokenizer()
    translator = RoundTripTranslator(
        tiny_bart(tokenizer, 1),
        tokenizer,
        tiny_bart(tokenizer, 2),
        tokenizer,
        batch_size=4,
        max_new_tokens=12,
    )
    sentences = tmp_path / "sentences.txt"
    lines = [line.split("\t")[0] for line in PARAPHRASES.read_text(encoding="utf-8").splitlines()]
    sentences.write_text("\n".join(lines[:6]) + "\n", encoding="utf-8")
    stats = build_corpus(
        config(
            [f"roundtrip:{sentences}"], negative_strategy="random", min_words=1, translation_models=("a", "b")
        ),
        tmp_path / "out",
        encoder=tiny_encoder(tokenizer),
        tokenizer=tokenizer,
        translator=translator,
    )
    roundtrip = stats["roundtrip"]
    assert roundtrip.get("paraphrases", 0) + sum(roundtrip.get("dropped", {}).values()) == 6
    assert stats["throughput"]["roundtrip"]["units"] == 6
