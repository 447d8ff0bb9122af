"""Loading the models a build uses: the frozen encoder, an optional masked LM, translators."""

from __future__ import annotations

import contextlib

import torch

from ..backbones import resolve_encoder


@contextlib.contextmanager
def _quiet_loading():
    """Hide the load report of expected mismatches (e.g. the unused pooler of a sentence encoder)."""
    from transformers.utils import logging

    previous = logging.get_verbosity()
    logging.set_verbosity_error()
    try:
        yield
    finally:
        logging.set_verbosity(previous)


def load_encoder(name_or_path: str):
    """The bare encoder (float32, eval mode) and its fast tokenizer; short names are resolved."""
    from transformers import AutoModel, AutoTokenizer

    path = resolve_encoder(name_or_path)
    with _quiet_loading():
        try:
            model = AutoModel.from_pretrained(path, add_pooling_layer=False, dtype=torch.float32)
        except TypeError:
            model = AutoModel.from_pretrained(path, dtype=torch.float32)
    return model.eval(), AutoTokenizer.from_pretrained(path)


def load_masked_lm(name_or_path: str):
    """A masked LM and its tokenizer; refuses a checkpoint whose LM head would be random."""
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    path = resolve_encoder(name_or_path)
    model, info = AutoModelForMaskedLM.from_pretrained(path, dtype=torch.float32, output_loading_info=True)
    untrained = [
        k for k in info.get("missing_keys", []) if "decoder" in k or "lm_head" in k or "predictions" in k
    ]
    if untrained:
        raise ValueError(
            f"{name_or_path} has no trained masked-LM head (missing {untrained[:3]}); the mlm negative "
            "strategy needs one: pass --mlm-model with a masked LM (e.g. bert-large-cased-whole-word-masking, "
            "xlm-roberta-large) or use --negatives embedding / random"
        )
    return model.eval(), AutoTokenizer.from_pretrained(path)
