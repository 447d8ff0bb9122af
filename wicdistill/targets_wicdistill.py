"""Targets of WicDistillModel: character spans in a text -> sub-word tokens -> pooled layer stacks.

Everything that turns a user's ``(text, start, end)`` into the per-layer mean of the target's
sub-words lives here, shared by inference, feature extraction and the corpus builder. This file
travels to the Hub with every checkpoint (``trust_remote_code``): it imports only the standard
library, torch and transformers.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from transformers import PreTrainedModel

TRUNCATION_POLICIES = ("around_targets", "error")

Span = tuple[int, int]
TargetItem = tuple | dict


@dataclass(frozen=True)
class Target:
    """A target word: one or more character spans (end exclusive) in ``text``, and optionally the
    text's language (used only by models that centre meaning vectors per language)."""

    text: str
    spans: tuple[Span, ...]
    lang: str | None = None


TARGET_KEYS = ("text", "start", "end", "spans", "lang")


def _offset(value: Any, position: int) -> int:
    """An integer character offset; floats, strings and bools are refused, not rounded."""
    if not isinstance(value, bool):
        try:
            return operator.index(value)
        except TypeError:
            pass
    raise ValueError(
        f"item {position}: spans must be (start, end) integer pairs, got the offset {value!r} "
        f"({type(value).__name__})"
    )


def normalize_target(item: TargetItem, position: int = 0) -> Target:
    """Accept ``(text, start, end)``, ``(text, start, end, lang)``, ``(text, [(s, e), ...])``,
    ``{"text", "start", "end"}`` or ``{"text", "spans"}`` (dicts may add ``"lang"``) and check the
    spans, naming the item in every error."""
    lang = None
    if hasattr(item, "text") and hasattr(item, "spans"):
        text, spans, lang = item.text, item.spans, getattr(item, "lang", None)
    elif isinstance(item, dict):
        if "text" not in item:
            raise ValueError(f"item {position}: a dict target needs a 'text' key, got keys {sorted(item)}")
        text, lang = item["text"], item.get("lang")
        if "spans" in item:
            spans = item["spans"]
        elif "start" in item and "end" in item:
            spans = [(item["start"], item["end"])]
        else:
            raise ValueError(
                f"item {position}: a dict target needs 'start' and 'end' (or 'spans'), got keys {sorted(item)}"
            )
        unknown = sorted(str(key) for key in item if key not in TARGET_KEYS)
        if unknown:
            raise ValueError(
                f"item {position}: unknown key(s) {unknown} in a dict target; expected {TARGET_KEYS}"
            )
    elif isinstance(item, (tuple, list)) and len(item) in (3, 4) and not isinstance(item[1], (list, tuple)):
        text, spans = item[0], [(item[1], item[2])]
        lang = item[3] if len(item) == 4 else None
    elif isinstance(item, (tuple, list)) and len(item) == 2:
        text, spans = item[0], item[1]
    else:
        raise ValueError(
            f"item {position}: expected (text, start, end), (text, spans) or a dict with text/start/end, "
            f"got {item!r}"
        )
    if not isinstance(text, str):
        raise ValueError(f"item {position}: text must be a str, got {type(text).__name__}")
    if lang is not None and not isinstance(lang, str):
        raise ValueError(f"item {position}: lang must be a language code string, got {lang!r}")
    try:
        pairs = [(s, e) for s, e in spans]
    except (TypeError, ValueError):
        raise ValueError(
            f"item {position}: spans must be (start, end) integer pairs, got {spans!r}"
        ) from None
    spans = tuple((_offset(s, position), _offset(e, position)) for s, e in pairs)
    if not spans:
        raise ValueError(f"item {position}: no span given for text {text[:60]!r}")
    for start, end in spans:
        if not 0 <= start < end <= len(text):
            raise ValueError(
                f"item {position}: span ({start}, {end}) is not a non-empty range inside the text of "
                f"length {len(text)} (need 0 <= start < end <= {len(text)}): {text[:60]!r}"
            )
        if not text[start:end].strip():
            raise ValueError(
                f"item {position}: span ({start}, {end}) covers only whitespace {text[start:end]!r}; it "
                f"covers no token"
            )
    return Target(text, spans, lang)


@dataclass
class TokenizedSentence:
    """One sentence ready for the encoder, with the token positions of each of its targets."""

    input_ids: list[int]
    token_type_ids: list[int] | None
    target_tokens: list[list[int]]


def content_span(text: str, start: int, end: int) -> Span:
    """A token's character range without surrounding whitespace (empty for whitespace-only; bare
    ``▁`` pieces)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def blank_piece_ids(tokenizer: Any) -> set[int]:
    """Ids of pieces that are only a word-start marker (SentencePiece's bare ``▁``).

    Their offsets point at the space before a word, or at the word's first character when the
    word starts the text, so they are excluded by id, not by offset.
    """
    ids = set()
    for piece in ("\u2581", "\u0120"):
        token_id = tokenizer.convert_tokens_to_ids(piece)
        if isinstance(token_id, int) and token_id != tokenizer.unk_token_id:
            ids.add(token_id)
    return ids


def _tokens_for_spans(
    text: str,
    ids: Sequence[int],
    offsets: Sequence[Span],
    special: Sequence[int],
    spans: Sequence[Span],
    blank_ids: set[int],
) -> list[int]:
    """Token positions whose non-whitespace characters overlap any span.

    Special tokens and bare word-start pieces are never part of a target.
    """
    positions = []
    for position, (tok_start, tok_end) in enumerate(offsets):
        if special[position] or ids[position] in blank_ids:
            continue
        tok_start, tok_end = content_span(text, tok_start, tok_end)
        if tok_start >= tok_end:
            continue
        if any(tok_start < end and tok_end > start for start, end in spans):
            positions.append(position)
    return positions


def encoder_max_length(encoder: PreTrainedModel, tokenizer: Any | None = None) -> int:
    """The longest token sequence the encoder accepts (position table minus RoBERTa's offset)."""
    limit = getattr(encoder.config, "max_position_embeddings", None) or 512
    embeddings = getattr(encoder, "embeddings", None)
    if embeddings is not None and getattr(embeddings, "padding_idx", None) is not None:
        limit -= embeddings.padding_idx + 1
    tok_limit = getattr(tokenizer, "model_max_length", None)
    if isinstance(tok_limit, int) and 0 < tok_limit < limit:
        limit = tok_limit
    return int(limit)


def tokenize_targets(
    tokenizer: Any,
    texts: Sequence[str],
    spans_per_text: Sequence[Sequence[Sequence[Span]]],
    max_length: int,
    truncation: str = "around_targets",
    item_ids: Sequence[Sequence[int]] | None = None,
) -> list[TokenizedSentence]:
    """Tokenize sentences once each and locate every target's sub-word tokens.

    ``spans_per_text[i]`` lists the targets of ``texts[i]`` (each a list of spans). A sentence
    longer than ``max_length`` is cut to a window of tokens centred on its targets
    (``truncation="around_targets"``) or rejected (``"error"``).
    """
    if truncation not in TRUNCATION_POLICIES:
        raise ValueError(f"truncation must be one of {TRUNCATION_POLICIES}, got {truncation!r}")
    if not getattr(tokenizer, "is_fast", True):
        raise ValueError("wicdistill needs a fast tokenizer (character offsets); got a slow one")
    encoded = tokenizer(
        list(texts),
        add_special_tokens=True,
        return_offsets_mapping=True,
        return_special_tokens_mask=True,
        return_attention_mask=False,
        truncation=False,
        verbose=False,
    )
    has_types = "token_type_ids" in encoded
    blank_ids = blank_piece_ids(tokenizer)
    result = []
    for i, text in enumerate(texts):
        ids = encoded["input_ids"][i]
        offsets = encoded["offset_mapping"][i]
        special = encoded["special_tokens_mask"][i]
        types = encoded["token_type_ids"][i] if has_types else None
        names = item_ids[i] if item_ids is not None else list(range(len(spans_per_text[i])))
        targets = []
        for name, spans in zip(names, spans_per_text[i]):
            positions = _tokens_for_spans(text, ids, offsets, special, spans, blank_ids)
            if not positions:
                raise ValueError(
                    f"item {name}: span(s) {list(spans)} cover no token of {text[:60]!r} "
                    f"(tokenizer {type(tokenizer).__name__})"
                )
            targets.append(positions)
        if len(ids) > max_length:
            ids, types, targets = _truncate_around_targets(
                ids, types, special, targets, max_length, truncation, names, text
            )
        result.append(TokenizedSentence(list(ids), list(types) if types is not None else None, targets))
    return result


def _truncate_around_targets(ids, types, special, targets, max_length, policy, names, text):
    """Keep the special tokens at both ends and a window of content tokens holding all targets."""
    if policy == "error":
        raise ValueError(
            f"item {names[0]}: text has {len(ids)} tokens, more than the encoder's limit of {max_length} "
            f"(pass truncation='around_targets' to encode a window around the target): {text[:60]!r}"
        )
    n = len(ids)
    head = 0
    while head < n and special[head]:
        head += 1
    tail = n
    while tail > head and special[tail - 1]:
        tail -= 1
    budget = max_length - head - (n - tail)
    lo = min(p for t in targets for p in t)
    hi = max(p for t in targets for p in t)
    need = hi - lo + 1
    if need > budget:
        raise ValueError(
            f"item {names[0]}: the targets of this text span {need} tokens, more than fit in the "
            f"encoder's limit of {max_length} tokens: {text[:60]!r}"
        )
    start = lo - (budget - need) // 2
    start = max(head, min(start, tail - budget))
    keep = list(range(head)) + list(range(start, start + budget)) + list(range(tail, n))
    remap = {old: new for new, old in enumerate(keep)}
    new_ids = [ids[k] for k in keep]
    new_types = [types[k] for k in keep] if types is not None else None
    new_targets = [[remap[p] for p in t] for t in targets]
    return new_ids, new_types, new_targets


def collate_sentences(sentences: Sequence[TokenizedSentence], pad_token_id: int) -> dict[str, torch.Tensor]:
    """Pad sentences to the longest one and build one token mask per target."""
    width = max(len(s.input_ids) for s in sentences)
    batch = len(sentences)
    input_ids = torch.full((batch, width), pad_token_id, dtype=torch.long)
    attention_mask = torch.zeros((batch, width), dtype=torch.long)
    with_types = sentences[0].token_type_ids is not None
    token_type_ids = torch.zeros((batch, width), dtype=torch.long) if with_types else None
    num_targets = sum(len(s.target_tokens) for s in sentences)
    target_token_mask = torch.zeros((num_targets, width), dtype=torch.bool)
    target_sentence_index = torch.empty(num_targets, dtype=torch.long)
    row = 0
    for i, sentence in enumerate(sentences):
        length = len(sentence.input_ids)
        input_ids[i, :length] = torch.tensor(sentence.input_ids, dtype=torch.long)
        attention_mask[i, :length] = 1
        if with_types:
            token_type_ids[i, :length] = torch.tensor(sentence.token_type_ids, dtype=torch.long)
        for positions in sentence.target_tokens:
            target_token_mask[row, positions] = True
            target_sentence_index[row] = i
            row += 1
    out = {
        "input_ids": input_ids,
        "attention_mask": attention_mask,
        "target_token_mask": target_token_mask,
        "target_sentence_index": target_sentence_index,
    }
    if with_types:
        out["token_type_ids"] = token_type_ids
    return out


def pool_targets(
    hidden_states: Sequence[torch.Tensor],
    target_token_mask: torch.Tensor,
    target_sentence_index: torch.Tensor,
) -> torch.Tensor:
    """Mean of each target's tokens in every given layer -> ``(num_targets, num_layers, d)`` float32.

    Only the target tokens are gathered, so nothing of size batch x tokens leaves the device.
    The index bookkeeping runs where the mask lies: a mask kept on the CPU (as feature extraction
    does) costs the GPU no synchronisation, so the next batch can be queued behind this one.
    """
    num_targets, width = target_token_mask.shape
    counts = target_token_mask.sum(dim=1)
    if bool((counts == 0).any()):
        empty = (counts == 0).nonzero()[:, 0].tolist()
        raise ValueError(f"targets {empty[:10]} have no tokens in target_token_mask")
    target_idx, token_idx = target_token_mask.nonzero(as_tuple=True)
    flat = target_sentence_index.to(target_idx.device)[target_idx] * width + token_idx
    weight = (1.0 / counts.to(torch.float32))[target_idx]
    device = hidden_states[0].device
    if device.type == "cuda" and not target_idx.is_cuda:
        # pinned, the three small copies queue behind the encoder instead of waiting for it
        target_idx, flat, weight = (t.pin_memory() for t in (target_idx, flat, weight))
    target_idx, flat, weight = (t.to(device, non_blocking=True) for t in (target_idx, flat, weight))
    d = hidden_states[0].shape[-1]
    gathered = torch.stack([h.reshape(-1, d)[flat].float() for h in hidden_states], dim=1)
    pooled = torch.zeros(num_targets, len(hidden_states), d, dtype=torch.float32, device=gathered.device)
    pooled.index_add_(0, target_idx, gathered * weight[:, None, None])
    return pooled
