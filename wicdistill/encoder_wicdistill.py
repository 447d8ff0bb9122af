"""The frozen encoder of a WicDistillModel: building it without a pooler, and the checks made at
construction that its layer stacks can be read (a fast tokenizer, every layer's hidden states,
bidirectional attention).

This file travels to the Hub with every checkpoint (``trust_remote_code``): it imports only the
standard library, torch, transformers and its siblings.
"""

from __future__ import annotations

import inspect
from typing import Any

import torch
from transformers import AutoModel, PreTrainedModel
from transformers.utils import logging

__all__ = ["build_encoder", "check_fast_tokenizer", "check_readable_encoder"]


def build_encoder(config: Any, pretrained: str | None = None, **kwargs: Any) -> PreTrainedModel:
    """An `AutoModel` for ``config`` (or loaded from ``pretrained``), without a pooler when it has one."""
    from transformers.models.auto.modeling_auto import MODEL_MAPPING

    model_class = MODEL_MAPPING.get(type(config), None)
    if model_class is not None and "add_pooling_layer" in inspect.signature(model_class.__init__).parameters:
        kwargs.setdefault("add_pooling_layer", False)
    if pretrained is None:
        return AutoModel.from_config(config, **kwargs)
    # a checkpoint's pooler is deliberately not built: silence the load report that lists it
    verbosity = logging.get_verbosity()
    logging.set_verbosity_error()
    try:
        return AutoModel.from_pretrained(pretrained, config=config, **kwargs)
    finally:
        logging.set_verbosity(verbosity)


def check_fast_tokenizer(name_or_path: str, hub_kwargs: dict[str, Any]) -> None:
    """Refuse an encoder whose own tokenizer is slow: spans find their sub-words through the
    character offsets only fast tokenizers give. One that cannot be loaded is left to ``encode``."""
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(name_or_path, **hub_kwargs)
    except (OSError, ValueError):
        return
    if not tokenizer.is_fast:
        raise ValueError(
            f"the tokenizer of {name_or_path!r} is {type(tokenizer).__name__}, a slow tokenizer that gives "
            f"no character offsets; wicdistill maps character spans to sub-words through a fast tokenizer: "
            f"use a checkpoint that has a tokenizer.json"
        )


@torch.no_grad()
def check_readable_encoder(encoder: PreTrainedModel, name_or_path: str) -> None:
    """Refuse an encoder whose layer stacks would be wrong, from two four-token probes.

    The stack reads every layer's hidden states, and a word's vector must see the words on both
    sides: under causal attention the first position ignores a change of the last token.
    """
    vocab = int(getattr(encoder.config, "vocab_size", None) or 10)
    ids = (torch.tensor([[5, 6, 7, 8], [5, 6, 7, 9]]) % vocab).to(encoder.device)
    was_training = encoder.training
    encoder.eval()
    try:
        outputs = encoder(
            input_ids=ids, attention_mask=torch.ones_like(ids), output_hidden_states=True, return_dict=True
        )
    finally:
        encoder.train(was_training)
    hidden = getattr(outputs, "hidden_states", None)
    layers = encoder.config.num_hidden_layers
    if hidden is None or len(hidden) != layers + 1:
        got = "no" if hidden is None else len(hidden)
        raise ValueError(
            f"the encoder {name_or_path!r} ({type(encoder).__name__}) returned {got} hidden states for "
            f"output_hidden_states=True, expected {layers + 1} (the embeddings and {layers} layers): "
            f"wicdistill reads every layer's hidden states; use an encoder that returns them"
        )
    first = torch.stack([h[:, 0].float() for h in hidden])
    if float((first[:, 0] - first[:, 1]).abs().max()) <= 1e-6 * float(first.abs().max()):
        raise ValueError(
            f"the encoder {name_or_path!r} ({type(encoder).__name__}) attends causally (its first position "
            f"ignored a change of the last token): a word's vector would never see the words after it; "
            f"use a bidirectional encoder (BERT, RoBERTa, XLM-R, DeBERTa, ...)"
        )
