"""WicDistillModel: word-in-context meaning and context vectors distilled from a frozen encoder.

Method: Arase & Kajiwara, "Distilling Monolingual and Crosslingual Word-in-Context
Representations" (arXiv 2409.08719). The per-layer hidden states of a target word (mean over
the sub-words overlapping its character span) form a stack ``X`` of shape ``(L, d)``; two small
Transformer encoders attend over that layer axis and are mean-pooled into a *meaning* and a
*context* vector.

This file travels to the Hub with every checkpoint (``trust_remote_code``): it imports only the
standard library, torch, transformers and its siblings.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from transformers import AutoModel, PreTrainedModel
from transformers import initialization as init
from transformers.utils import ModelOutput, logging

from .configuration_wicdistill import WicDistillConfig

logger = logging.get_logger(__name__)

NEGATIVE_HOST_ANCHOR = 0
NEGATIVE_HOST_POSITIVE = 1
_HOST_NAMES = {"anchor": NEGATIVE_HOST_ANCHOR, "positive": NEGATIVE_HOST_POSITIVE}
OUTPUTS = ("meaning", "context", "baseline", "layer_stack")
TRUNCATION_POLICIES = ("around_targets", "error")

Span = tuple[int, int]
TargetItem = tuple | dict


# --------------------------------------------------------------------------------------------
# Targets: character spans -> sub-word tokens
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A target word: one or more character spans (end exclusive) in ``text``, and optionally the
    text's language (used only by models that centre meaning vectors per language)."""

    text: str
    spans: tuple[Span, ...]
    lang: str | None = None


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
        spans = tuple((int(s), int(e)) for s, e in spans)
    except (TypeError, ValueError):
        raise ValueError(
            f"item {position}: spans must be (start, end) integer pairs, got {spans!r}"
        ) from None
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


def _content_char_range(text: str, start: int, end: int) -> Span:
    """Shrink a token's character range to its non-whitespace part (bare ``▁`` pieces -> empty)."""
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
        tok_start, tok_end = _content_char_range(text, tok_start, tok_end)
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


# --------------------------------------------------------------------------------------------
# Distillers
# --------------------------------------------------------------------------------------------


class DistillerLayer(nn.Module):
    """Post-LN Transformer encoder layer over the layer axis that can return its attention."""

    def __init__(self, d_model: int, num_heads: int, ffn_dim: int, dropout: float, activation: str) -> None:
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d_model, num_heads, dropout=dropout, batch_first=True)
        self.linear1 = nn.Linear(d_model, ffn_dim)
        self.linear2 = nn.Linear(ffn_dim, d_model)
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.dropout = nn.Dropout(dropout)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.activation = F.gelu if activation == "gelu" else F.relu

    def forward(
        self, x: torch.Tensor, output_attentions: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        attended, weights = self.self_attn(x, x, x, need_weights=output_attentions, average_attn_weights=True)
        x = self.norm1(x + self.dropout1(attended))
        x = self.norm2(x + self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x))))))
        return x, weights


class LayerDistiller(nn.Module):
    """Transformer encoder whose sequence is the L selected layers, mean-pooled to one vector."""

    def __init__(self, config: WicDistillConfig) -> None:
        super().__init__()
        d = config.hidden_size
        self.layer_position = (
            nn.Embedding(config.num_selected_layers, d) if config.layer_position_embedding else None
        )
        ffn_dim = int(config.distiller_ffn_multiplier * d)
        self.layers = nn.ModuleList(
            DistillerLayer(
                d, config.distiller_heads, ffn_dim, config.distiller_dropout, config.distiller_activation
            )
            for _ in range(config.distiller_layers)
        )

    def forward(self, layer_stack: torch.Tensor, output_attentions: bool = False):
        x = layer_stack
        if self.layer_position is not None:
            x = x + self.layer_position.weight[None, : x.shape[1]]
        attentions = []
        for layer in self.layers:
            x, weights = layer(x, output_attentions)
            attentions.append(weights)
        return x.mean(dim=1), (tuple(attentions) if output_attentions else None)


class MeaningCentering(nn.Module):
    """Per-language mean meaning vectors, subtracted at inference (an option beyond the paper).

    A multilingual encoder places each language around its own mean; removing it lets one
    similarity threshold serve same-language and crosslingual pairs. Row ``i`` is the mean of
    language ``languages[i]``; the last row, the mean over all languages, serves texts whose
    language is unknown or was not seen in training. With no languages only that row is kept
    and every text loses the same mean (global centring). The means are fitted after training
    (``WicDistillModel.fit_meaning_centers``) and saved with the model.
    """

    def __init__(self, languages: Sequence[str], hidden_size: int) -> None:
        super().__init__()
        self.languages = list(languages)
        self.register_buffer("means", torch.zeros(len(self.languages) + 1, hidden_size))

    def rows(self, langs: Sequence[str | None]) -> torch.Tensor:
        index = {lang: i for i, lang in enumerate(self.languages)}
        fallback = len(self.languages)
        return torch.tensor([index.get(lang, fallback) for lang in langs], device=self.means.device)

    def forward(self, meaning: torch.Tensor, langs: Sequence[str | None]) -> torch.Tensor:
        return meaning - self.means[self.rows(langs)].to(meaning.dtype)


# --------------------------------------------------------------------------------------------
# Loss
# --------------------------------------------------------------------------------------------


def _host_mask(negative_host: str | int | torch.Tensor, size: int, device: torch.device) -> torch.Tensor:
    """Bool (size, 1): True where the negative was inserted into the positive's sentence."""
    if isinstance(negative_host, str):
        if negative_host not in _HOST_NAMES:
            raise ValueError(f"negative_host must be 'anchor' or 'positive', got {negative_host!r}")
        negative_host = _HOST_NAMES[negative_host]
    if isinstance(negative_host, int):
        if negative_host not in (NEGATIVE_HOST_ANCHOR, NEGATIVE_HOST_POSITIVE):
            raise ValueError(f"negative_host must be 0 (anchor) or 1 (positive), got {negative_host!r}")
        return torch.full((size, 1), bool(negative_host), device=device)
    host = torch.as_tensor(negative_host, device=device).reshape(-1)
    if host.numel() != size:
        raise ValueError(f"negative_host has {host.numel()} entries for {size} triples")
    return host.bool()[:, None]


def distillation_loss(
    m_a: torch.Tensor,
    c_a: torch.Tensor,
    y_a: torch.Tensor,
    m_p: torch.Tensor,
    c_p: torch.Tensor,
    y_p: torch.Tensor,
    m_n: torch.Tensor | None = None,
    c_n: torch.Tensor | None = None,
    y_n: torch.Tensor | None = None,
    negative_host: str | int | torch.Tensor = "anchor",
    use_negatives: bool = True,
    alignment_weight: float = 0.0,
    alignment_temperature: float = 0.05,
    hard_logits: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The auto-encoding loss of the method, one function for both settings.

    ``m_*``/``c_*`` are meaning/context vectors, ``y_*`` the layer-mean reconstruction targets of
    anchor ``a``, positive ``p`` and negative ``n``. ``negative_host`` says whose sentence the
    negative was substituted into: the anchor (monolingual) or the positive (crosslingual), as a
    name, a 0/1 code, or one code per triple. ``use_negatives=False`` keeps the four terms that
    need no negative (the collapse ablation). ``alignment_weight > 0`` adds
    ``alignment_weight * contrastive_alignment(m_a, m_p)`` (not in the paper; see the config),
    with ``hard_logits`` as each side's extra candidate.
    """

    def rec(m: torch.Tensor, c: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.mse_loss((m + c) / 2, y)

    terms = {
        "self_anchor": rec(m_a, c_a, y_a),
        "self_positive": rec(m_p, c_p, y_p),
        "swap_anchor_meaning": rec(m_a, c_p, y_p),
        "swap_positive_meaning": rec(m_p, c_a, y_a),
    }
    if use_negatives:
        if m_n is None or c_n is None or y_n is None:
            raise ValueError("use_negatives=True needs the negative's meaning, context and target")
        host = _host_mask(negative_host, y_a.shape[0], y_a.device)
        y_h = torch.where(host, y_p, y_a)
        c_h = torch.where(host, c_p, c_a)
        terms["self_negative"] = rec(m_n, c_n, y_n)
        terms["negative_context_to_host"] = rec(m_a, c_n, y_h)
        terms["negative_meaning_in_host"] = rec(m_n, c_h, y_n)
    if alignment_weight > 0:
        terms["alignment"] = alignment_weight * contrastive_alignment(
            m_a, m_p, alignment_temperature, hard_logits
        )
    total = torch.stack(list(terms.values())).sum()
    return total, terms


def contrastive_alignment(
    m_a: torch.Tensor,
    m_p: torch.Tensor,
    temperature: float,
    hard_logits: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> torch.Tensor:
    """Symmetric InfoNCE: anchor ``i`` must pick its own positive among the batch's, and back.

    ``hard_logits`` ``((B,), (B,))`` add one more candidate per anchor and per positive (already
    divided by the temperature; ``-inf`` where a row has none).
    """
    logits = F.normalize(m_a, dim=-1) @ F.normalize(m_p, dim=-1).T / temperature
    labels = torch.arange(len(m_a), device=m_a.device)
    forward, backward = logits, logits.T
    if hard_logits is not None:
        forward = torch.cat([forward, hard_logits[0][:, None]], dim=1)
        backward = torch.cat([backward, hard_logits[1][:, None]], dim=1)
    return (F.cross_entropy(forward, labels) + F.cross_entropy(backward, labels)) / 2


def other_sense_logits(
    meaning: torch.Tensor, pairs: torch.Tensor, size: int, temperature: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per anchor and per positive of ``size`` triples, the scaled cosine to its other-sense
    negative (``pairs`` rows (query, negative); queries ``< 2 * size``), ``-inf`` where none."""
    if pairs.dim() != 2 or pairs.shape[1] != 2:
        raise ValueError(f"other_sense_pairs must have shape (K, 2), got {tuple(pairs.shape)}")
    queries, negatives = pairs.unbind(1)
    if len(queries) and int(queries.max()) >= 2 * size:
        raise ValueError(
            f"other_sense_pairs queries must be anchors or positives (rows < {2 * size}), "
            f"got row {int(queries.max())}"
        )
    scores = (F.normalize(meaning[queries], dim=-1) * F.normalize(meaning[negatives], dim=-1)).sum(-1)
    logits = torch.full((2 * size,), float("-inf"), dtype=meaning.dtype, device=meaning.device)
    logits = logits.index_put((queries,), scores / temperature)
    return logits[:size], logits[size:]


def form_consistency(m_q: torch.Tensor, m_s: torch.Tensor, m_t: torch.Tensor) -> torch.Tensor:
    """Mean of ``(cos(q, s) - cos(q, t))**2``: ``s`` shares ``q``'s form, ``t`` is ``s``'s translation.

    ``s`` and ``t`` mean the same thing, so any gap between the two scores is what the shared
    spelling alone adds; driving it to zero puts same-form and crosslingual pairs on one scale.
    """
    q = F.normalize(m_q, dim=-1)
    gap = (q * F.normalize(m_s, dim=-1)).sum(-1) - (q * F.normalize(m_t, dim=-1)).sum(-1)
    return gap.pow(2).mean()


# --------------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------------


@dataclass
class WicDistillOutput(ModelOutput):
    """Outputs of [`WicDistillModel`]: one row per target (``N``), or the loss over triples."""

    loss: torch.FloatTensor | None = None
    meaning: torch.FloatTensor | None = None
    context: torch.FloatTensor | None = None
    layer_stack: torch.FloatTensor | None = None
    loss_terms: dict[str, torch.Tensor] | None = None
    meaning_attentions: tuple[torch.FloatTensor, ...] | None = None
    context_attentions: tuple[torch.FloatTensor, ...] | None = None


def _build_encoder(config: Any, pretrained: str | None = None, **kwargs: Any) -> PreTrainedModel:
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


class WicDistillPreTrainedModel(PreTrainedModel):
    config_class = WicDistillConfig
    base_model_prefix = "encoder"
    main_input_name = "input_ids"
    _supports_sdpa = True

    def _init_weights(self, module: nn.Module) -> None:
        std = self.config.initializer_range
        if isinstance(module, nn.Linear):
            init.normal_(module.weight, mean=0.0, std=std)
            if module.bias is not None:
                init.zeros_(module.bias)
        elif isinstance(module, nn.MultiheadAttention):
            init.xavier_uniform_(module.in_proj_weight)
            init.zeros_(module.in_proj_bias)
        elif isinstance(module, nn.LayerNorm):
            init.ones_(module.weight)
            init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            init.normal_(module.weight, mean=0.0, std=std)
        elif isinstance(module, MeaningCentering):
            init.zeros_(module.means)


class WicDistillModel(WicDistillPreTrainedModel):
    """A frozen encoder plus a *meaning* and a *context* distiller over its layer axis."""

    def __init__(self, config: WicDistillConfig, encoder: PreTrainedModel | None = None) -> None:
        super().__init__(config)
        if encoder is None:
            encoder = _build_encoder(config.encoder)
        elif encoder.config.hidden_size != config.hidden_size:
            raise ValueError(
                f"encoder hidden size {encoder.config.hidden_size} != config.encoder.hidden_size "
                f"{config.hidden_size}"
            )
        self.encoder = encoder
        self.config.encoder = encoder.config
        if encoder.config._attn_implementation is None:
            # building a config around this encoder's config object resets its attention choice
            encoder.config._attn_implementation_internal = encoder._check_and_adjust_attn_implementation(
                None, is_init_check=True
            )
        self.meaning = LayerDistiller(config)
        self.context = LayerDistiller(config)
        self.centering = (
            MeaningCentering(config.centering_languages, config.hidden_size)
            if config.centering_languages is not None
            else None
        )
        self.freeze_encoder()
        self.post_init()

    # -- construction --------------------------------------------------------------------

    @classmethod
    def from_encoder_pretrained(
        cls,
        name_or_path: str,
        *,
        encoder_kwargs: dict[str, Any] | None = None,
        **config_kwargs: Any,
    ) -> WicDistillModel:
        """A new model on pretrained encoder weights with freshly initialised distillers.

        ``config_kwargs`` go to [`WicDistillConfig`] (``layers``, ``distiller_layers``, ...);
        ``encoder_kwargs`` to ``AutoModel.from_pretrained`` (``revision``, ``local_files_only``...).
        """
        from transformers import AutoConfig

        encoder_kwargs = dict(encoder_kwargs or {})
        encoder_kwargs.setdefault("dtype", torch.float32)
        config_keys = {"revision", "local_files_only", "cache_dir", "token", "trust_remote_code"}
        encoder_config = AutoConfig.from_pretrained(
            name_or_path, **{k: v for k, v in encoder_kwargs.items() if k in config_keys}
        )
        encoder = _build_encoder(encoder_config, name_or_path, **encoder_kwargs)
        config_kwargs.setdefault("encoder_name_or_path", str(name_or_path))
        config = WicDistillConfig(encoder=copy.deepcopy(encoder.config), **config_kwargs)
        return cls(config, encoder=encoder).eval()

    @classmethod
    def from_pretrained(cls, *args: Any, **kwargs: Any) -> WicDistillModel:
        model = super().from_pretrained(*args, **kwargs)
        if isinstance(model, tuple):
            model[0].freeze_encoder(keep_trainable=True)
        else:
            model.freeze_encoder(keep_trainable=True)
        return model

    def freeze_encoder(self, keep_trainable: bool = False) -> None:
        """Stop gradients into the encoder's own weights and keep it in eval mode.

        ``keep_trainable`` spares parameters added on purpose (LoRA adapters) that are trainable.
        """
        for name, param in self.encoder.named_parameters():
            if keep_trainable and "lora_" in name:
                continue
            param.requires_grad_(False)
        self.encoder.eval()

    def train(self, mode: bool = True) -> WicDistillModel:
        super().train(mode)
        self.encoder.eval()
        return self

    def get_input_embeddings(self) -> nn.Module:
        return self.encoder.get_input_embeddings()

    @property
    def encoder_trainable(self) -> bool:
        return any(p.requires_grad for p in self.encoder.parameters())

    # -- computation -----------------------------------------------------------------------

    def extract_layer_stack(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        target_token_mask: torch.Tensor,
        target_sentence_index: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Run the encoder once and pool every target's sub-words in each selected layer.

        ``target_token_mask`` is ``(N, T)``: row ``i`` marks the tokens of target ``i`` in sentence
        ``target_sentence_index[i]`` (default: target ``i`` is in sentence ``i``).
        """
        if target_sentence_index is None:
            if target_token_mask.shape[0] != input_ids.shape[0]:
                raise ValueError(
                    f"{target_token_mask.shape[0]} target masks for {input_ids.shape[0]} sentences: pass "
                    f"target_sentence_index"
                )
            target_sentence_index = torch.arange(input_ids.shape[0], device=input_ids.device)
        encoder_inputs = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:
            encoder_inputs["token_type_ids"] = token_type_ids
        with torch.set_grad_enabled(torch.is_grad_enabled() and self.encoder_trainable):
            outputs = self.encoder(**encoder_inputs, output_hidden_states=True, return_dict=True)
            hidden = [outputs.hidden_states[layer] for layer in self.config.layers]
            return pool_targets(hidden, target_token_mask, target_sentence_index)

    def distill(self, layer_stack: torch.Tensor, output_attentions: bool = False) -> WicDistillOutput:
        """Meaning and context vectors of precomputed ``(N, L, d)`` layer stacks."""
        expected = (self.config.num_selected_layers, self.config.hidden_size)
        if layer_stack.dim() != 3 or tuple(layer_stack.shape[1:]) != expected:
            raise ValueError(
                f"layer_stack must have shape (N, {expected[0]}, {expected[1]}), got {tuple(layer_stack.shape)}"
            )
        dtype = next(self.meaning.parameters()).dtype
        x = layer_stack.to(dtype)
        meaning, meaning_att = self.meaning(x, output_attentions)
        context, context_att = self.context(x, output_attentions)
        return WicDistillOutput(
            meaning=meaning,
            context=context,
            layer_stack=layer_stack,
            meaning_attentions=meaning_att,
            context_attentions=context_att,
        )

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        target_token_mask: torch.Tensor | None = None,
        target_sentence_index: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        layer_stack: torch.Tensor | None = None,
        triples: torch.Tensor | None = None,
        negative_host: str | int | torch.Tensor | None = None,
        form_pairs: torch.Tensor | None = None,
        other_sense_pairs: torch.Tensor | None = None,
        output_attentions: bool = False,
        **kwargs: Any,
    ) -> WicDistillOutput:
        """Vectors for every target, and the distillation loss when ``triples`` are given.

        Targets come either as tokens (``input_ids`` + ``target_token_mask``) or as precomputed
        ``layer_stack``. ``triples`` is ``(B, 3)`` (or ``(B, 2)`` without negatives): rows of
        (anchor, positive, negative) target indices; ``negative_host`` names whose sentence
        each negative lives in (``"anchor"``: monolingual, ``"positive"``: crosslingual).
        ``form_pairs`` ``(K, 3)`` are rows (q, s, t) for the form-consistency term: ``s`` has
        ``q``'s word form in another sentence pair and ``t`` is its translation there.
        ``other_sense_pairs`` ``(K, 2)`` are rows (query, negative): the negative is an anchor's
        or positive's word form in another sense, an extra candidate of the alignment term.
        """
        if layer_stack is None:
            if input_ids is None or target_token_mask is None:
                raise ValueError("pass either layer_stack or input_ids with target_token_mask")
            if attention_mask is None:
                attention_mask = torch.ones_like(input_ids)
            layer_stack = self.extract_layer_stack(
                input_ids, attention_mask, target_token_mask, target_sentence_index, token_type_ids
            )
        out = self.distill(layer_stack, output_attentions=output_attentions)
        if triples is not None:
            out.loss, out.loss_terms = self.triple_loss(
                out.meaning, out.context, layer_stack, triples, negative_host, form_pairs, other_sense_pairs
            )
        return out

    def triple_loss(
        self,
        meaning: torch.Tensor,
        context: torch.Tensor,
        layer_stack: torch.Tensor,
        triples: torch.Tensor,
        negative_host: str | int | torch.Tensor | None,
        form_pairs: torch.Tensor | None = None,
        other_sense_pairs: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Distillation loss over rows of (anchor, positive, negative) target indices, plus the
        form-consistency term over ``form_pairs`` rows when the config weights it, and
        ``other_sense_pairs`` as extra candidates of the alignment term when it is on."""
        use_negatives = self.config.use_negatives
        width = 3 if use_negatives else 2
        if triples.dim() != 2 or triples.shape[1] < width:
            raise ValueError(f"triples must have shape (B, {width}), got {tuple(triples.shape)}")
        if use_negatives and negative_host is None:
            raise ValueError(
                "negative_host is required with negatives: 'anchor' (monolingual corpus) or 'positive' "
                "(crosslingual corpus), taken from the corpus records"
            )
        target = layer_stack.to(meaning.dtype).mean(dim=1)
        a, p = triples[:, 0], triples[:, 1]
        args = [meaning[a], context[a], target[a], meaning[p], context[p], target[p]]
        if use_negatives:
            n = triples[:, 2]
            args += [meaning[n], context[n], target[n]]
        hard_logits = None
        if self.config.alignment_weight > 0 and other_sense_pairs is not None:
            hard_logits = other_sense_logits(
                meaning, other_sense_pairs, len(triples), self.config.alignment_temperature
            )
        total, terms = distillation_loss(
            *args,
            negative_host=negative_host if use_negatives else "anchor",
            use_negatives=use_negatives,
            alignment_weight=self.config.alignment_weight,
            alignment_temperature=self.config.alignment_temperature,
            hard_logits=hard_logits,
        )
        weight = self.config.form_consistency_weight
        if weight > 0 and form_pairs is not None and len(form_pairs):
            if form_pairs.dim() != 2 or form_pairs.shape[1] != 3:
                raise ValueError(f"form_pairs must have shape (K, 3), got {tuple(form_pairs.shape)}")
            q, s, t = form_pairs.unbind(1)
            terms["form_consistency"] = weight * form_consistency(meaning[q], meaning[s], meaning[t])
            total = total + terms["form_consistency"]
        return total, terms

    @torch.no_grad()
    def fit_meaning_centers(self, meaning: torch.Tensor, langs: Sequence[str]) -> None:
        """Store the mean meaning vector of each language (and of all) from training targets."""
        if self.centering is None:
            raise ValueError("this model has no meaning centring (config.centering_languages is None)")
        if len(langs) != len(meaning):
            raise ValueError(f"{len(langs)} languages for {len(meaning)} meaning vectors")
        means = self.centering.means
        meaning = meaning.to(means.device, means.dtype)
        rows = self.centering.rows(langs)
        for i, lang in enumerate(self.centering.languages):
            chosen = rows == i
            if not bool(chosen.any()):
                raise ValueError(f"no training target in language {lang!r} to fit its centre")
            means[i] = meaning[chosen].mean(dim=0)
        means[-1] = meaning.mean(dim=0)

    def center_meaning(self, meaning: torch.Tensor, langs: Sequence[str | None]) -> torch.Tensor:
        """Meaning vectors minus their language's mean, or the global one (unchanged without centering)."""
        return meaning if self.centering is None else self.centering(meaning, langs)

    # -- convenience -----------------------------------------------------------------------

    @torch.inference_mode()
    def encode(
        self,
        items: Iterable[TargetItem],
        tokenizer: Any,
        batch_size: int = 64,
        output: str | Sequence[str] = "meaning",
        max_length: int | None = None,
        truncation: str = "around_targets",
        show_progress_bar: bool = False,
    ) -> torch.Tensor | dict[str, torch.Tensor]:
        """Vectors of words in context, one row per item, in the items' order.

        An item is ``(text, start, end)`` with character offsets (end exclusive), ``(text, spans)``
        for a target in several pieces, or a dict with ``text``/``start``/``end``. Each distinct
        sentence is encoded once for all its targets, sentences sorted by length.
        ``output`` is ``"meaning"``, ``"context"``, ``"baseline"`` (the raw encoder's layer mean),
        ``"layer_stack"``, or a list of these (then a dict is returned).
        """
        if tokenizer is None:
            raise ValueError(
                "encode needs the tokenizer of the encoder (tokenizer=AutoTokenizer.from_pretrained(...))"
            )
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        wanted = [output] if isinstance(output, str) else list(output)
        for name in wanted:
            if name not in OUTPUTS:
                raise ValueError(f"output must be among {OUTPUTS}, got {name!r}")
        targets = [normalize_target(item, i) for i, item in enumerate(items)]
        if not targets:
            raise ValueError("encode got an empty list of items")
        was_training = self.training
        self.eval()
        try:
            return self._encode_targets(
                targets,
                tokenizer,
                wanted,
                batch_size,
                max_length,
                truncation,
                show_progress_bar,
                isinstance(output, str),
            )
        finally:
            self.train(was_training)

    def _encode_targets(
        self, targets, tokenizer, wanted, batch_size, max_length, truncation, show_progress_bar, single
    ):
        stacks = self.encode_layer_stacks(
            targets, tokenizer, batch_size, max_length, truncation, show_progress_bar
        )
        results: dict[str, torch.Tensor] = {}
        if "layer_stack" in wanted:
            results["layer_stack"] = stacks
        if "baseline" in wanted:
            results["baseline"] = stacks.mean(dim=1)
        if "meaning" in wanted or "context" in wanted:
            meanings, contexts = [], []
            for start in range(0, len(stacks), 4096):
                out = self.distill(stacks[start : start + 4096].to(self.device))
                meanings.append(out.meaning.float().cpu())
                contexts.append(out.context.float().cpu())
            if "meaning" in wanted:
                results["meaning"] = self.center_meaning(torch.cat(meanings), [t.lang for t in targets]).cpu()
            if "context" in wanted:
                results["context"] = torch.cat(contexts)
        return results[wanted[0]] if single else {k: results[k] for k in wanted}

    @torch.inference_mode()
    def encode_layer_stacks(
        self,
        targets: Sequence[Target],
        tokenizer: Any,
        batch_size: int = 64,
        max_length: int | None = None,
        truncation: str = "around_targets",
        show_progress_bar: bool = False,
    ) -> torch.Tensor:
        """``(len(targets), L, d)`` float32 layer stacks on the CPU; duplicates are computed once."""
        by_text: dict[str, dict[tuple[Span, ...], int]] = {}
        for target in targets:
            by_text.setdefault(target.text, {}).setdefault(target.spans, len(by_text[target.text]))
        texts = list(by_text)
        first_item: dict[tuple[str, tuple[Span, ...]], int] = {}
        for i, target in enumerate(targets):
            first_item.setdefault((target.text, target.spans), i)
        limit = max_length or encoder_max_length(self.encoder, tokenizer)
        pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        unique_rows: dict[tuple[str, tuple[Span, ...]], torch.Tensor] = {}
        progress = logging.tqdm(total=len(texts), desc="encoding", unit="sent", disable=not show_progress_bar)
        for start in range(0, len(order), batch_size):
            chunk = [texts[i] for i in order[start : start + batch_size]]
            spans = [list(by_text[t]) for t in chunk]
            names = [[first_item[(t, s)] for s in by_text[t]] for t in chunk]
            sentences = tokenize_targets(tokenizer, chunk, spans, limit, truncation, names)
            batch = {k: v.to(self.device) for k, v in collate_sentences(sentences, pad_id).items()}
            stack = self.extract_layer_stack(**batch).cpu()
            row = 0
            for text, text_spans in zip(chunk, spans):
                for s in text_spans:
                    unique_rows[(text, s)] = stack[row]
                    row += 1
            progress.update(len(chunk))
        progress.close()
        return torch.stack([unique_rows[(t.text, t.spans)] for t in targets])

    # -- heads-only checkpoints (written by `wicdistill export --heads-only`) ---------------

    @classmethod
    def from_heads_pretrained(
        cls,
        heads_name_or_path: str,
        encoder: PreTrainedModel | str,
        *,
        encoder_kwargs: dict[str, Any] | None = None,
        **hub_kwargs: Any,
    ) -> WicDistillModel:
        """Put the distillers of a heads-only checkpoint on top of an encoder the caller chooses.

        A heads-only checkpoint holds no encoder weights and never fetches the encoder named in its
        config by itself (the offline failure and remote-code hole of loaders that do): pass a
        loaded encoder, or its path / Hub id (loaded with ``encoder_kwargs``; a Hub id defaults to
        the revision pinned in the checkpoint). ``hub_kwargs`` (``revision``, ``token``, ...) locate
        the heads checkpoint itself.
        """
        import os

        from transformers.modeling_utils import load_state_dict
        from transformers.utils import cached_file

        config = WicDistillConfig.from_pretrained(heads_name_or_path, **hub_kwargs)
        weights = cached_file(heads_name_or_path, "distillers.safetensors", **hub_kwargs)
        if isinstance(encoder, (str, os.PathLike)):
            kwargs = dict(encoder_kwargs or {})
            kwargs.setdefault("dtype", torch.float32)
            pinned = getattr(config, "encoder_revision", None)
            if pinned and not os.path.isdir(encoder):
                kwargs.setdefault("revision", pinned)
            encoder = _build_encoder(copy.deepcopy(config.encoder), str(encoder), **kwargs)
        else:
            saved, given = config.encoder, encoder.config
            keys = ("model_type", "hidden_size", "num_hidden_layers", "vocab_size")
            pairs = {k: (getattr(saved, k, None), getattr(given, k, None)) for k in keys}
            differ = [f"{k}: {a!r} != {b!r}" for k, (a, b) in pairs.items() if a != b]
            if differ:
                raise ValueError(
                    f"the encoder does not match the one these heads were trained on "
                    f"({config.encoder_name_or_path!r}): {'; '.join(differ)}"
                )
        model = cls(config, encoder=encoder)
        state = load_state_dict(weights)
        expected = {k for k in model.state_dict() if not k.startswith("encoder.")}
        missing, unexpected = sorted(expected - state.keys()), sorted(state.keys() - expected)
        if missing or unexpected:
            raise ValueError(
                f"{weights} is not a distiller checkpoint of this configuration: missing {missing[:5]}, "
                f"unexpected {unexpected[:5]}"
            )
        model.load_state_dict(state, strict=False)
        model.freeze_encoder(keep_trainable=True)
        return model.eval()


WicDistillModel.register_for_auto_class("AutoModel")
