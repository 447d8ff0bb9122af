"""Paraphrases by round-trip translation (source -> pivot -> source) with any seq2seq models.

The back-translation of a sentence often uses a different word for the same meaning, the
harder kind of positive the paper relies on. Sentences are translated in length-sorted batches
on the models' device (autocast there); only the generated ids come back to the host.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .device import autocast, model_device, to_device


class RoundTripTranslator:
    """Translate with ``forward`` (e.g. en->de), then back with ``backward`` (de->en)."""

    def __init__(
        self,
        forward_model,
        forward_tokenizer,
        backward_model,
        backward_tokenizer,
        batch_size: int = 16,
        num_beams: int = 1,
        max_new_tokens: int = 128,
    ) -> None:
        self.steps = [(forward_model.eval(), forward_tokenizer), (backward_model.eval(), backward_tokenizer)]
        self.batch_size = batch_size
        self.num_beams = num_beams
        self.max_new_tokens = max_new_tokens

    def to(self, device: torch.device) -> RoundTripTranslator:
        """Move both models to ``device``; returns ``self``."""
        self.steps = [(model.to(device), tokenizer) for model, tokenizer in self.steps]
        return self

    @classmethod
    def from_pretrained(cls, forward: str, backward: str, **kwargs) -> RoundTripTranslator:
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        return cls(
            AutoModelForSeq2SeqLM.from_pretrained(forward),
            AutoTokenizer.from_pretrained(forward),
            AutoModelForSeq2SeqLM.from_pretrained(backward),
            AutoTokenizer.from_pretrained(backward),
            **kwargs,
        )

    def _translate(self, model, tokenizer, texts: Sequence[str]) -> list[str]:
        lengths = [len(ids) for ids in tokenizer(list(texts), verbose=False)["input_ids"]]
        order = sorted(range(len(texts)), key=lambda i: lengths[i])
        out: list[str] = [""] * len(texts)
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            inputs = tokenizer([texts[i] for i in batch], return_tensors="pt", padding=True, truncation=True)
            device = model_device(model)
            with torch.inference_mode(), autocast(device):
                generated = model.generate(
                    **to_device(dict(inputs), device),
                    num_beams=self.num_beams,
                    max_new_tokens=self.max_new_tokens,
                    do_sample=False,
                )
            generated = generated.cpu()
            for i, text in zip(batch, tokenizer.batch_decode(generated, skip_special_tokens=True)):
                out[i] = " ".join(text.split())
        return out

    def paraphrase(self, texts: Sequence[str]) -> list[str]:
        """The round-trip translation of each text (empty strings where generation produced none)."""
        if not texts:
            return []
        current = list(texts)
        for model, tokenizer in self.steps:
            current = self._translate(model, tokenizer, current)
        return current
