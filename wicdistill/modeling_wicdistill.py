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
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from transformers import PreTrainedModel
from transformers import initialization as init
from transformers.utils import ModelOutput, logging

from .configuration_wicdistill import WicDistillConfig, check_meaning_mix
from .distillers_wicdistill import (
    CorrectionProjection,
    LayerDistiller,
    MeaningCentering,
    ResidualMeaningDistiller,
)
from .encoder_wicdistill import build_encoder, check_fast_tokenizer, check_readable_encoder
from .loss_wicdistill import distillation_loss, form_consistency, negative_weights, other_sense_logits
from .targets_wicdistill import (
    Span,
    Target,
    TargetItem,
    collate_sentences,
    encoder_max_length,
    normalize_target,
    pool_targets,
    tokenize_targets,
)

logger = logging.get_logger(__name__)

OUTPUTS = ("meaning", "context", "baseline", "layer_stack")


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


class WicDistillPreTrainedModel(PreTrainedModel):
    config_class = WicDistillConfig
    base_model_prefix = "encoder"
    main_input_name = "input_ids"
    _supports_sdpa = True

    def _init_weights(self, module: nn.Module) -> None:
        std = self.config.initializer_range
        if isinstance(module, CorrectionProjection):
            init.zeros_(module.weight)
            init.zeros_(module.bias)
        elif isinstance(module, nn.Linear):
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
            init.zeros_(module.baseline_means)


class WicDistillModel(WicDistillPreTrainedModel):
    """A frozen encoder plus a *meaning* and a *context* distiller over its layer axis."""

    def __init__(self, config: WicDistillConfig, encoder: PreTrainedModel | None = None) -> None:
        super().__init__(config)
        if encoder is None:
            encoder = build_encoder(config.encoder)
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
        self.meaning = (ResidualMeaningDistiller if config.meaning_head == "residual" else LayerDistiller)(
            config
        )
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
        An encoder that cannot work is refused here, naming why: a slow tokenizer (no character
        offsets), no hidden states, or causal (decoder-only) attention.
        """
        from transformers import AutoConfig

        encoder_kwargs = dict(encoder_kwargs or {})
        encoder_kwargs.setdefault("dtype", torch.float32)
        config_keys = {"revision", "local_files_only", "cache_dir", "token", "trust_remote_code"}
        hub_kwargs = {k: v for k, v in encoder_kwargs.items() if k in config_keys}
        encoder_config = AutoConfig.from_pretrained(name_or_path, **hub_kwargs)
        check_fast_tokenizer(str(name_or_path), hub_kwargs)
        encoder = build_encoder(encoder_config, name_or_path, **encoder_kwargs)
        check_readable_encoder(encoder, str(name_or_path))
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

    def check_finite(self) -> None:
        """Raise if any weight or buffer holds NaN or inf: such a model gives NaN vectors for every
        input, so it must never be saved or shipped (a diverged run fails here, not at a user's)."""
        bad = [
            name
            for name, tensor in self.state_dict().items()
            if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all())
        ]
        if bad:
            raise ValueError(
                f"the model has non-finite values (NaN/inf) in {len(bad)} tensor(s), first {bad[:3]}; "
                f"it was not saved (retrain from a checkpoint before the loss became non-finite)"
            )

    def save_pretrained(self, save_directory: str | os.PathLike, *args: Any, **kwargs: Any) -> Any:
        """``PreTrainedModel.save_pretrained``, refusing a model with non-finite weights."""
        self.check_finite()
        return super().save_pretrained(save_directory, *args, **kwargs)

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
        x = layer_stack.to(next(self.meaning.parameters()).dtype)
        meaning, meaning_att = self.meaning(x, output_attentions)
        mix = check_meaning_mix(self.config.meaning_mix)
        if mix:
            meaning = (1 - mix) * meaning + mix * x.mean(dim=1)
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
        negative_similarity: torch.Tensor | None = None,
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
        ``negative_similarity`` ``(B,)`` (NaN: unknown) is each record's ``negative_score``, which
        ``negative_term="dissimilarity_weighted"`` needs.
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
                out.meaning,
                out.context,
                layer_stack,
                triples,
                negative_host,
                form_pairs,
                other_sense_pairs,
                negative_similarity,
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
        negative_similarity: torch.Tensor | None = None,
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
            negative_weight=negative_weights(negative_similarity, len(triples))
            if use_negatives and self.config.negative_term == "dissimilarity_weighted"
            else None,
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
    def unmixed_meaning(self, layer_stack: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The distiller's own meaning vectors and the raw layer means of ``(N, L, d)`` stacks: the
        two parts ``meaning_mix`` weighs, which centring fits separately."""
        x = layer_stack.to(next(self.meaning.parameters()).dtype)
        return self.meaning(x)[0], x.mean(dim=1)

    @torch.no_grad()
    def fit_meaning_centers(
        self, meaning: torch.Tensor, langs: Sequence[str], baseline: torch.Tensor | None = None
    ) -> None:
        """Store the mean meaning vector of each language (and of all) from training targets.

        ``meaning`` is the distiller's (unmixed) output; ``baseline``, the same targets' raw layer
        means, gives the centres a ``meaning_mix`` needs (zero without it). Stored decision
        thresholds were tuned on the old vectors, so they are dropped."""
        if self.centering is None:
            raise ValueError("this model has no meaning centring (config.centering_languages is None)")
        if len(langs) != len(meaning):
            raise ValueError(f"{len(langs)} languages for {len(meaning)} meaning vectors")
        if baseline is not None and baseline.shape != meaning.shape:
            raise ValueError(f"baseline has shape {tuple(baseline.shape)}, meaning {tuple(meaning.shape)}")
        rows = self.centering.rows(langs)
        for i, lang in enumerate(self.centering.languages):
            if not bool((rows == i).any()):
                raise ValueError(f"no training target in language {lang!r} to fit its centre")
        for means, vectors in ((self.centering.means, meaning), (self.centering.baseline_means, baseline)):
            if vectors is None:
                means.zero_()
                continue
            vectors = vectors.to(means.device, means.dtype)
            for i in range(len(self.centering.languages)):
                means[i] = vectors[rows == i].mean(dim=0)
            means[-1] = vectors.mean(dim=0)
        self.config.decision_thresholds = None

    def set_meaning_mix(self, weight: float) -> None:
        """Return ``(1 - weight) * meaning + weight * baseline`` as the meaning vector from now on;
        stored decision thresholds were tuned on the old vectors, so they are dropped."""
        self.config.meaning_mix = check_meaning_mix(weight)
        self.config.decision_thresholds = None

    def center_meaning(self, meaning: torch.Tensor, langs: Sequence[str | None]) -> torch.Tensor:
        """Meaning vectors minus their language's mean, or the global one (unchanged without centering)."""
        if self.centering is None:
            return meaning
        return self.centering(meaning, langs, check_meaning_mix(self.config.meaning_mix))

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

    def similarity(self, a: Any, b: Any, tokenizer: Any, batch_size: int = 64) -> dict | list[dict]:
        """The cosine of two targets (items as ``encode`` takes them, ``lang`` included) and, when
        the config stores decision thresholds, whether they share a sense (``config.decision``):
        ``{"score", "same_sense", "threshold"}``, else ``{"score"}``. Two equally long lists of
        targets give one dict per pair (a ``[text, start, end]`` list is one target)."""
        single = not isinstance(a, list) or bool(a) and isinstance(a[0], str)
        firsts, seconds = ([a], [b]) if single else (a, list(b))
        if len(firsts) != len(seconds) or not firsts:
            raise ValueError(
                f"similarity needs two equally long lists of targets, got {len(firsts)} and {len(seconds)}"
            )
        targets = [normalize_target(item, i) for i, item in enumerate(firsts + seconds)]
        output = self.config.decision_output
        vectors = self.encode(targets, tokenizer, batch_size=batch_size, output=output).double()
        n = len(firsts)
        results = [
            self.config.decision(
                float(F.cosine_similarity(vectors[i], vectors[n + i], dim=0)),
                targets[i].lang,
                targets[n + i].lang,
            )
            for i in range(n)
        ]
        return results[0] if single else results

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
            encoder = build_encoder(copy.deepcopy(config.encoder), str(encoder), **kwargs)
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
