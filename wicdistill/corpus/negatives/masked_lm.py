"""``mlm`` negatives (the reference recipe): mask the target, let a masked LM predict it, and
take the most probable whole-word prediction whose static similarity to the target is below
the mean of the candidates — a word that fits the context but means something else.

Each target is masked in its own copy of the sentence (masking several at once would change
their contexts); the copies run in length-sorted batches on the model's device (autocast there),
and only the top-k scores of the whole-word vocabulary at each mask come back to the host.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ..device import autocast, model_device, to_device
from ..languages import in_script
from ..static_embeddings import StaticEmbedder
from ..words import is_alphabetic
from .base import NegativeChoice, NegativeRequest, is_related


def whole_word_tokens(tokenizer) -> dict[int, str]:
    """Vocabulary entries that are a whole alphabetic word on their own (``##x``/non-``▁`` pieces of
    WordPiece/SentencePiece continue a word and are left out)."""
    vocab = tokenizer.get_vocab()
    sentencepiece = any(piece.startswith("\u2581") for piece in vocab)
    special = set(tokenizer.all_special_ids)
    words = {}
    for piece, token_id in vocab.items():
        if token_id in special:
            continue
        if sentencepiece:
            if not piece.startswith("\u2581"):
                continue
            piece = piece[1:]
        elif piece.startswith("##"):
            continue
        if len(piece) >= 2 and is_alphabetic(piece):
            words[token_id] = piece
    return words


class MaskedLMNegatives:
    name = "mlm"

    def __init__(self, model, tokenizer, top_k: int = 50, batch_size: int = 32) -> None:
        if tokenizer.mask_token is None:
            raise ValueError(
                f"mlm negatives need a tokenizer with a mask token; {type(tokenizer).__name__} has none"
            )
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.top_k = top_k
        self.batch_size = batch_size
        self.embedder = StaticEmbedder.from_model(model, tokenizer)
        words = whole_word_tokens(tokenizer)
        self.word_ids = torch.tensor(sorted(words), dtype=torch.long)
        self.word_text = [words[int(i)] for i in self.word_ids]

    def choose(self, requests: Sequence[NegativeRequest]) -> list[NegativeChoice | str]:
        results: list[NegativeChoice | str] = ["no prediction"] * len(requests)
        if not len(self.word_ids):
            return ["the masked LM's vocabulary has no whole-word tokens"] * len(requests)
        masked = [r.text[: r.start] + self.tokenizer.mask_token + r.text[r.end :] for r in requests]
        encoded = self.tokenizer(masked, truncation=True, verbose=False)["input_ids"]
        order = sorted(range(len(requests)), key=lambda i: len(encoded[i]))
        pad = self.tokenizer.pad_token_id or 0
        device = model_device(self.model)
        word_ids = self.word_ids.to(device)
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            width = max(len(encoded[i]) for i in batch)
            ids = torch.full((len(batch), width), pad, dtype=torch.long)
            for row, i in enumerate(batch):
                ids[row, : len(encoded[i])] = torch.tensor(encoded[i])
            masks = ids == self.tokenizer.mask_token_id
            single = masks.sum(dim=1) == 1
            inputs = to_device({"input_ids": ids, "attention_mask": (ids != pad).long()}, device)
            rows = single.nonzero().flatten()
            positions = masks[rows].float().argmax(dim=1)
            with torch.inference_mode(), autocast(device):
                logits = self.model(**inputs).logits
                scores = logits[rows.to(device), positions.to(device)][:, word_ids].float()
                top = scores.topk(min(self.top_k, scores.shape[1]), dim=1).indices.cpu()
            for row, i in enumerate(batch):
                if not bool(single[row]):
                    results[i] = "target fell outside the masked LM's window"
            for k, row in enumerate(rows.tolist()):
                results[batch[row]] = self._pick(requests[batch[row]], top[k].tolist())
        return results

    def _pick(self, request: NegativeRequest, top: list[int]) -> NegativeChoice | str:
        candidates = [
            self.word_text[k]
            for k in top
            if in_script(self.word_text[k], request.lang) and not is_related(self.word_text[k], request.word)
        ]
        if not candidates:
            return "no whole-word prediction in the host language"
        vectors = self.embedder.vectors([request.word] + candidates)
        if bool((vectors[0].norm() == 0).item()):
            return "target has no static embedding"
        sims = (vectors[1:] @ vectors[0]).tolist()
        mean = sum(sims) / len(sims)
        for word, sim in zip(candidates, sims):
            if sim < mean:
                return NegativeChoice(word, sim)
        return "no prediction less similar than the mean"
