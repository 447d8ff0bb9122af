"""Negative strategies: random (frequency-matched), embedding (rank band), mlm (tiny masked LM)."""

from __future__ import annotations

import pytest
import torch
from fixtures.corpus.tiny_corpus import tiny_masked_lm, wordpiece_tokenizer

from wicdistill.corpus.negatives import (
    EmbeddingNegatives,
    MaskedLMNegatives,
    NegativeChoice,
    NegativeRequest,
    RandomNegatives,
    is_related,
    make_strategy,
)
from wicdistill.corpus.negatives.masked_lm import whole_word_tokens
from wicdistill.corpus.negatives.pool import CandidatePool
from wicdistill.corpus.static_embeddings import StaticEmbedder
from wicdistill.corpus.vocabulary import Vocabulary

EN = "bank river money garden football flower mountain budget hospital museum summit water street train".split()
FR = "banque rive argent jardin football fleur montagne budget hôpital musée sommet eau rue train".split()


def _vocabularies() -> dict[str, Vocabulary]:
    vocabularies = {"en": Vocabulary("en"), "fr": Vocabulary("fr")}
    for i, word in enumerate(EN):
        vocabularies["en"].add_text(" ".join([word] * (2 + i % 4 * 10)))
    for i, word in enumerate(FR):
        vocabularies["fr"].add_text(" ".join([word] * (2 + i % 2 * 10)))
    vocabularies["en"].add_text("Paris Paris Paris banks banking")
    return vocabularies


class _ToyEmbedder(StaticEmbedder):
    """Static vectors from a fixed table: words sharing a letter class are similar."""

    def __init__(self) -> None:
        self._cache = {}
        self.embeddings = torch.zeros((1, 8))

    def vectors(self, words):
        rows = []
        for word in words:
            generator = torch.Generator().manual_seed(sum(map(ord, word)) % 1000)
            rows.append(torch.nn.functional.normalize(torch.randn(8, generator=generator), dim=0))
        return torch.stack(rows) if rows else torch.zeros((0, 8))


def _request(text: str, word: str, lang: str, seed: int = 0) -> NegativeRequest:
    start = text.index(word)
    return NegativeRequest(text, start, start + len(word), lang, seed)


def test_related_forms_are_not_negatives():
    assert is_related("Banks", "bank") and is_related("banking", "bank") and is_related("rallied", "rally")
    assert not is_related("river", "bank") and not is_related("ban", "bank")


def test_random_negatives_are_frequency_matched_in_the_host_language():
    vocabularies = _vocabularies()
    strategy = RandomNegatives(CandidatePool(vocabularies, None))
    requests = [_request("la banque du fleuve", "banque", "fr", seed) for seed in range(30)]
    choices = strategy.choose(requests)
    assert all(isinstance(c, NegativeChoice) for c in choices)
    assert {c.word for c in choices} <= set(FR) - {"banque"}
    target_bucket = vocabularies["fr"].frequency_bucket("banque")
    assert all(vocabularies["fr"].frequency_bucket(c.word) == target_bucket for c in choices)
    assert len({c.word for c in choices}) > 2
    assert strategy.choose(requests) == choices  # same seeds, same words
    assert strategy.choose([_request("x bank y", "bank", "de")]) == [
        "no candidate vocabulary for language 'de'"
    ]


def test_embedding_negatives_come_from_the_band_below_its_mean():
    vocabularies = _vocabularies()
    embedder = _ToyEmbedder()
    pool = CandidatePool(vocabularies, embedder)
    strategy = EmbeddingNegatives(pool, band=(2, 10))
    request = _request("the bank of the river", "bank", "en")
    (choice,) = strategy.choose([request])
    words = pool.words("en")
    sims = (pool.vectors("en") @ embedder.vectors(["bank"])[0]).tolist()
    ranked = sorted(zip(sims, words), reverse=True)[2:10]
    mean = sum(s for s, _ in ranked) / len(ranked)
    allowed = {w for s, w in ranked if s < mean and not is_related(w, "bank")}
    assert isinstance(choice, NegativeChoice) and choice.word in allowed
    assert abs(choice.score - dict((w, s) for s, w in ranked)[choice.word]) < 1e-5
    assert "paris" not in words and "banks" not in allowed  # names and inflections never qualify
    (french,) = strategy.choose([_request("la banque", "banque", "fr")])
    assert french.word in FR
    with pytest.raises(ValueError, match="0 <= low < high"):
        EmbeddingNegatives(pool, band=(5, 5))


def test_mlm_negatives_are_whole_words_less_similar_than_the_mean():
    tokenizer = wordpiece_tokenizer()
    model = tiny_masked_lm(tokenizer)
    strategy = MaskedLMNegatives(model, tokenizer, top_k=20)
    words = whole_word_tokens(tokenizer)
    assert "bank" in words.values() and not any(w.startswith("##") for w in words.values())
    assert "[MASK]" not in words.values() and all(len(w) >= 2 and w.isalpha() for w in words.values())
    text = "The old fisherman sat quietly on the river bank and watched the water."
    requests = [
        _request(text, "bank", "en"),
        _request(text, "fisherman", "en"),
        _request(text, "water", "fr"),
    ]
    choices = strategy.choose(requests)
    embedder = StaticEmbedder.from_model(model, tokenizer)
    for request, choice in zip(requests, choices):
        assert isinstance(choice, NegativeChoice), choice
        assert choice.word in words.values() and not is_related(choice.word, request.word)
        pair = embedder.vectors([request.word, choice.word])
        assert abs(float(pair[0] @ pair[1]) - choice.score) < 1e-5
    assert strategy.choose(requests) == choices
    with torch.inference_mode():
        masked = text.replace("bank", tokenizer.mask_token)
        logits = model(**tokenizer(masked, return_tensors="pt")).logits[0]
    position = tokenizer(masked)["input_ids"].index(tokenizer.mask_token_id)
    ids = list(words)
    top = logits[position, ids].topk(20).indices.tolist()
    candidates = [words[ids[k]] for k in top if not is_related(words[ids[k]], "bank")]
    sims = (embedder.vectors(candidates) @ embedder.vectors(["bank"])[0]).tolist()
    mean = sum(sims) / len(sims)
    assert choices[0].word == next(w for w, s in zip(candidates, sims) if s < mean)


def test_factory_names_what_is_missing():
    pool = CandidatePool(_vocabularies(), None)
    assert make_strategy("random", pool).name == "random"
    with pytest.raises(ValueError, match="needs a masked LM"):
        make_strategy("mlm", pool)
    with pytest.raises(ValueError, match="static embeddings"):
        make_strategy("embedding", pool)
    with pytest.raises(ValueError, match="unknown negative strategy 'bert'"):
        make_strategy("bert", pool)
