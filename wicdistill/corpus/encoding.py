"""Contextual sub-word and word vectors of whole sentences from one middle layer of an encoder.

Sentences are tokenized once, sorted by length and cut into dynamically padded batches of at
most ``tokens_per_batch`` padded tokens (and ``batch_size`` sentences), run under
``inference_mode`` on the model's device (autocast there, see ``device``); the forward stops at
the alignment layer (a hook ends it early), so the layers above are never computed. While the
device runs one batch, a thread pads the next one and the host turns the previous one into
per-sentence vectors, so neither waits for the other. The per-sentence results are float32
numpy arrays: the many tiny matrix operations of alignment run single-threaded there, free of the
thread-pool start-up cost that torch pays for every small op.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from ..targets_wicdistill import blank_piece_ids, encoder_max_length
from .device import autocast, model_device, to_device
from .word_pieces import token_words
from .words import Word


@dataclass
class SentenceVectors:
    """Unit-length vectors of a sentence's content tokens and words at one layer."""

    token_vectors: np.ndarray
    token_word: np.ndarray
    word_vectors: np.ndarray
    word_has_tokens: np.ndarray


class _StopForward(Exception):
    def __init__(self, hidden: torch.Tensor) -> None:
        self.hidden = hidden


def default_alignment_layer(num_layers: int) -> int:
    """Two thirds up the stack (8 of 12, 4 of 6): SimAlign found middle layers align best."""
    return max(1, round(2 * num_layers / 3))


def token_budget_batches(lengths: Sequence[int], batch_size: int, tokens_per_batch: int) -> list[list[int]]:
    """Indices sorted by length, cut so that no batch pads to more than ``tokens_per_batch`` tokens
    (nor holds more than ``batch_size`` sentences); a sentence longer than the budget goes alone."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    for i in order:
        if (
            batches
            and len(batches[-1]) < batch_size
            and lengths[i] * (len(batches[-1]) + 1) <= tokens_per_batch
        ):
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches


def _layer_modules(model: nn.Module) -> nn.ModuleList | None:
    """The encoder's list of Transformer blocks (the first ModuleList of the configured depth)."""
    depth = getattr(model.config, "num_hidden_layers", None)
    for module in model.modules():
        if isinstance(module, nn.ModuleList) and len(module) == depth:
            return module
    return None


class ContextualEncoder:
    """Runs a frozen encoder up to ``layer`` and returns per-sentence token and word vectors."""

    def __init__(
        self,
        model: nn.Module,
        tokenizer,
        layer: int | None = None,
        batch_size: int = 64,
        tokens_per_batch: int = 8192,
    ) -> None:
        num_layers = int(model.config.num_hidden_layers)
        self.layer = default_alignment_layer(num_layers) if layer is None else int(layer)
        if not 0 <= self.layer <= num_layers:
            raise ValueError(f"alignment layer must be in 0..{num_layers} for this encoder, got {self.layer}")
        if not getattr(tokenizer, "is_fast", False):
            raise ValueError("corpus building needs a fast tokenizer (character offsets); got a slow one")
        self.model = model.eval()
        self.tokenizer = tokenizer
        if batch_size < 1 or tokens_per_batch < 1:
            raise ValueError(
                f"batch_size and tokens_per_batch must be >= 1, got {batch_size}, {tokens_per_batch}"
            )
        self.batch_size = batch_size
        self.tokens_per_batch = tokens_per_batch
        self.max_length = encoder_max_length(model, tokenizer)
        self.blank_ids = blank_piece_ids(tokenizer)
        self._blocks = _layer_modules(model) if self.layer > 0 else None

    def _hidden(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        if self._blocks is None or self.layer == 0:
            out = self.model(**batch, output_hidden_states=True)
            return out.hidden_states[self.layer]

        def stop(_module, _inputs, output):
            raise _StopForward(output[0] if isinstance(output, tuple) else output)

        handle = self._blocks[self.layer - 1].register_forward_hook(stop)
        try:
            self.model(**batch)
        except _StopForward as done:
            return done.hidden
        finally:
            handle.remove()
        raise RuntimeError("the encoder finished without reaching the alignment layer")

    def encode(
        self, texts: Sequence[str], words: Sequence[Sequence[Word]], progress: bool = False
    ) -> list[SentenceVectors]:
        """Vectors for every sentence (one forward pass each, however many targets it holds)."""
        encoded = self.tokenizer(
            list(texts),
            add_special_tokens=True,
            return_offsets_mapping=True,
            return_special_tokens_mask=True,
            truncation=True,
            max_length=self.max_length,
            verbose=False,
        )
        lengths = [len(ids) for ids in encoded["input_ids"]]
        batches = token_budget_batches(lengths, self.batch_size, self.tokens_per_batch)
        results: list[SentenceVectors | None] = [None] * len(texts)
        device = model_device(self.model)
        bar = tqdm(total=len(texts), desc="encode", unit="sent", disable=not progress, leave=False)
        in_flight = None

        def finish(batch_ids: list[int], hidden: torch.Tensor, event) -> None:
            if event is not None:
                event.synchronize()
            rows = hidden.numpy()
            for row, i in enumerate(batch_ids):
                results[i] = self._sentence_vectors(texts[i], words[i], encoded, i, rows[row])
            bar.update(len(batch_ids))

        for batch_ids, batch in self._padded(encoded, batches):
            with torch.inference_mode(), autocast(device):
                hidden = self._hidden(to_device(batch, device)).float()
            event = None
            if device.type == "cuda":
                host = torch.empty(hidden.shape, dtype=hidden.dtype, pin_memory=True)
                host.copy_(hidden, non_blocking=True)
                event = torch.cuda.Event()
                event.record()
                hidden = host
            elif device.type != "cpu":
                hidden = hidden.cpu()
            if in_flight is not None:
                finish(*in_flight)
            in_flight = (batch_ids, hidden, event)
        if in_flight is not None:
            finish(*in_flight)
        bar.close()
        return results

    def _padded(
        self, encoded, batches: list[list[int]]
    ) -> Iterator[tuple[list[int], dict[str, torch.Tensor]]]:
        """The padded host tensors of each batch, the next one prepared in a thread meanwhile."""
        has_types = "token_type_ids" in encoded
        pad_id = self.tokenizer.pad_token_id or 0

        def pad(batch_ids: list[int]) -> dict[str, torch.Tensor]:
            width = len(encoded["input_ids"][batch_ids[-1]])
            input_ids = torch.full((len(batch_ids), width), pad_id, dtype=torch.long)
            mask = torch.zeros((len(batch_ids), width), dtype=torch.long)
            for row, i in enumerate(batch_ids):
                ids = encoded["input_ids"][i]
                input_ids[row, : len(ids)] = torch.tensor(ids)
                mask[row, : len(ids)] = 1
            batch = {"input_ids": input_ids, "attention_mask": mask}
            if has_types:
                batch["token_type_ids"] = torch.zeros_like(input_ids)
            return batch

        if len(batches) < 2:
            yield from ((b, pad(b)) for b in batches)
            return
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="wicdistill-pad") as pool:
            upcoming = pool.submit(pad, batches[0])
            for k, batch_ids in enumerate(batches):
                batch = upcoming.result()
                if k + 1 < len(batches):
                    upcoming = pool.submit(pad, batches[k + 1])
                yield batch_ids, batch

    def _sentence_vectors(self, text, words, encoded, i, hidden: np.ndarray) -> SentenceVectors:
        mapping = token_words(
            text,
            encoded["offset_mapping"][i],
            encoded["special_tokens_mask"][i],
            encoded["input_ids"][i],
            self.blank_ids,
            words,
        )
        positions = [p for p, w in enumerate(mapping) if w >= 0]
        token_word = np.array([mapping[p] for p in positions], dtype=np.int64)
        tokens = hidden[positions]
        assign = np.zeros((len(words), len(positions)), dtype=np.float32)
        assign[token_word, np.arange(len(positions))] = 1.0
        counts = assign.sum(axis=1)
        word_vectors = (assign @ tokens) / np.maximum(counts, 1.0)[:, None]
        return SentenceVectors(_unit(tokens), token_word, _unit(word_vectors), counts > 0)


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return rows / np.maximum(norms, 1e-12)
