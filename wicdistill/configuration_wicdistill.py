"""Configuration of a WicDistill model: a frozen encoder plus two layer-axis distillers.

This file travels to the Hub with every checkpoint (``trust_remote_code``): it imports only the
standard library, torch, transformers and its siblings.
"""

from __future__ import annotations

import math
from typing import Any

from transformers import AutoConfig, PreTrainedConfig
from transformers.configuration_utils import SubConfigSpec

DEFAULT_MAX_HEADS = 8
# ``decision_thresholds``: written by ``wicdistill evaluate --store-thresholds``, read by
# ``model.similarity``, the pipeline's pairs and the card. ``languages`` serve pairs whose two
# targets name the same language; ``default`` every other pair (a same-language threshold
# transferred to crosslingual and unknown pairs).
DECISION_KEYS = ("output", "date", "languages", "default")
DECISION_ENTRY_KEYS = ("threshold", "dev_set", "accuracy", "pairs")
DECISION_OUTPUTS = ("meaning", "context", "baseline")
MEANING_HEADS = ("distilled", "residual")
NEGATIVE_TERMS = ("paper", "dissimilarity_weighted")
# The settings a training run chooses (the ``model:`` section of a recipe); the encoder and its
# name are the run's to fill in. Everything else a run configures is a loop setting.
MODEL_SETTINGS = (
    "layers",
    "distiller_layers",
    "distiller_heads",
    "distiller_ffn_multiplier",
    "distiller_dropout",
    "distiller_activation",
    "layer_position_embedding",
    "use_negatives",
    "alignment_weight",
    "alignment_temperature",
    "form_consistency_weight",
    "centering_languages",
    "initializer_range",
    "meaning_head",
    "negative_term",
)


def upper_half_layers(num_hidden_layers: int) -> list[int]:
    """Indices into ``hidden_states`` of the upper half of an ``n``-layer encoder.

    ``hidden_states`` has ``n + 1`` entries (0 = embeddings); the upper half is
    ``ceil((n + 1) / 2) .. n``: 24 layers -> 13..24, 12 -> 7..12, 6 -> 4..6.
    """
    if num_hidden_layers < 1:
        raise ValueError(f"num_hidden_layers must be >= 1, got {num_hidden_layers}")
    first = math.ceil((num_hidden_layers + 1) / 2)
    return list(range(first, num_hidden_layers + 1))


def _decision_entry(entry: Any, name: str, transferred: bool) -> dict[str, Any]:
    allowed = DECISION_ENTRY_KEYS + (("transferred",) if transferred else ())
    if not isinstance(entry, dict) or set(entry) != set(allowed):
        keys = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
        raise ValueError(f"decision_thresholds {name} must be a dict with keys {list(allowed)}, got {keys}")
    threshold, accuracy, pairs = entry["threshold"], entry["accuracy"], entry["pairs"]
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not math.isfinite(threshold):
        raise ValueError(f"decision_thresholds {name} threshold must be a finite number, got {threshold!r}")
    if isinstance(accuracy, bool) or not isinstance(accuracy, (int, float)) or not 0 <= accuracy <= 1:
        raise ValueError(
            f"decision_thresholds {name} accuracy must be a fraction in [0, 1], got {accuracy!r}"
        )
    if isinstance(pairs, bool) or not isinstance(pairs, int) or pairs < 1:
        raise ValueError(f"decision_thresholds {name} pairs must be an int >= 1, got {pairs!r}")
    if not isinstance(entry["dev_set"], str) or not entry["dev_set"]:
        raise ValueError(
            f"decision_thresholds {name} dev_set must name the dev set, got {entry['dev_set']!r}"
        )
    if transferred and not isinstance(entry["transferred"], bool):
        raise ValueError(
            f"decision_thresholds {name} transferred must be a bool, got {entry['transferred']!r}"
        )
    return {**entry, "threshold": float(threshold), "accuracy": float(accuracy)}


def check_decision_thresholds(value: Any) -> dict[str, Any] | None:
    """A checked plain-JSON copy of stored decision thresholds (``None`` stays ``None``), so a
    hand-edited or truncated config fails at load time, naming the bad value, not at a user's pair."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != set(DECISION_KEYS):
        keys = sorted(value) if isinstance(value, dict) else type(value).__name__
        raise ValueError(
            f"decision_thresholds must be None or a dict with keys {list(DECISION_KEYS)}, got {keys}"
        )
    if value["output"] not in DECISION_OUTPUTS:
        raise ValueError(
            f"decision_thresholds output must be one of {DECISION_OUTPUTS}, got {value['output']!r}"
        )
    if not isinstance(value["date"], str):
        raise ValueError(f"decision_thresholds date must be an ISO date string, got {value['date']!r}")
    if not isinstance(value["languages"], dict) or not all(
        isinstance(k, str) and k for k in value["languages"]
    ):
        raise ValueError(
            f"decision_thresholds languages must map language codes to entries, got {value['languages']!r:.120}"
        )
    languages = {
        lang: _decision_entry(entry, f"languages[{lang!r}]", transferred=False)
        for lang, entry in value["languages"].items()
    }
    default = _decision_entry(value["default"], "default", transferred=True)
    return {"output": value["output"], "date": value["date"], "languages": languages, "default": default}


def check_meaning_mix(value: Any) -> float:
    """``value`` as a float if it is a number in [0, 1] (the weight of the baseline in the meaning)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"meaning_mix must be a number in [0, 1] (0 = pure meaning), got {value!r}")
    return float(value)


def default_num_heads(hidden_size: int, max_heads: int = DEFAULT_MAX_HEADS) -> int:
    """The largest head count <= ``max_heads`` that divides ``hidden_size``."""
    for heads in range(max_heads, 0, -1):
        if hidden_size % heads == 0:
            return heads
    return 1


class WicDistillConfig(PreTrainedConfig):
    r"""Configuration of [`WicDistillModel`].

    Args:
        encoder: configuration (or its dict) of the frozen encoder, any `AutoModel` architecture.
        layers: indices into the encoder's ``hidden_states`` (0 = embeddings, ``n`` = last layer)
            whose target vectors form the layer stack. Default: the upper half.
        distiller_layers: Transformer layers in each distiller.
        distiller_heads: attention heads per distiller layer; default the largest count <= 8
            dividing the hidden size.
        distiller_ffn_multiplier: feed-forward width as a multiple of the hidden size.
        distiller_dropout: dropout inside the distillers.
        distiller_activation: ``"gelu"`` or ``"relu"``.
        layer_position_embedding: add a learned embedding per selected layer before the distillers
            (the reference has none: the layer axis is a set).
        use_negatives: train with the negative-sample terms of the loss; ``False`` is the ablation
            that lets meaning and context collapse.
        alignment_weight: weight of an extra contrastive term (beyond the paper) that pulls the
            meaning vectors of each anchor and its positive together against the other positives
            of the batch (InfoNCE over cosines); 0 turns it off. It targets crosslingual transfer:
            translations then score like same-language same-sense pairs.
        alignment_temperature: temperature of that term.
        form_consistency_weight: weight of another term beyond the paper (0 = off). For a word
            ``q`` and a word ``s`` of the same form in another sentence pair, whose translation in
            that pair is ``t``, it penalises ``(cos(q, s) - cos(q, t))**2``: ``s`` and ``t`` carry
            the same sense, so the score must not depend on sharing ``q``'s spelling. It targets
            the bonus that same-form pairs get over translations, which breaks a similarity
            threshold tuned on same-language pairs when it is applied to crosslingual pairs.
        centering_languages: languages whose mean meaning vector the model stores and subtracts at
            inference (another option beyond the paper; ``None`` = off). The means are fitted after
            training; items give their language as ``(text, start, end, lang)`` or a ``"lang"``
            key, and unknown languages use the mean over all. ``[]`` keeps only that mean over
            all and subtracts it from every vector (global centring: no language needed).
        encoder_name_or_path: where the encoder weights came from (metadata for cards; never used
            to fetch anything at load time).
        initializer_range: std of the normal initialisation of the distillers' linear layers.
        meaning_head: ``"distilled"`` (the paper: the meaning vector is the distiller's output) or
            ``"residual"`` (beyond the paper: the layer mean plus a learned correction whose output
            projection starts at zero, so an untrained model's meaning vector is the ``baseline``
            and training moves it only as far as the loss asks).
        negative_term: ``"paper"`` (the two cross terms of the negative weigh every record alike)
            or ``"dissimilarity_weighted"`` (beyond the paper: each record's cross terms are weighed
            by how dissimilar its negative is to the replaced word, ``1 - negative_score``, so a
            near-synonym substitute separates the meaning vectors less; see
            ``loss_wicdistill.negative_weights``). Training then needs the records' scores.
        meaning_mix: weight ``w`` in [0, 1] of the raw layer mean in the meaning vector: the model
            returns ``(1 - w) * meaning + w * baseline`` (0, the default, is the pure meaning
            vector). Set after training, e.g. fitted on a dev set; centres and decision
            thresholds fitted before a change hold for the old vectors.
        decision_thresholds: cosine thresholds above which two targets share a sense, tuned on
            dev sets by ``wicdistill evaluate --store-thresholds`` (``None``: the model gives only
            scores). A dict with ``output`` (the vector they hold for), ``date``, ``languages``
            (code -> ``{"threshold", "dev_set", "accuracy", "pairs"}``, for pairs whose targets
            both name that language) and ``default`` (the same plus ``transferred``, for all other
            pairs); see [`~WicDistillConfig.decision`].
    """

    model_type = "wicdistill"
    sub_configs_defaults = {"encoder": SubConfigSpec(config_class=AutoConfig, model_type="bert")}

    def __init__(
        self,
        encoder: PreTrainedConfig | dict[str, Any] | None = None,
        layers: list[int] | None = None,
        distiller_layers: int = 1,
        distiller_heads: int | None = None,
        distiller_ffn_multiplier: float = 4,
        distiller_dropout: float = 0.1,
        distiller_activation: str = "gelu",
        layer_position_embedding: bool = False,
        use_negatives: bool = True,
        alignment_weight: float = 0.0,
        alignment_temperature: float = 0.05,
        form_consistency_weight: float = 0.0,
        centering_languages: list[str] | None = None,
        encoder_name_or_path: str | None = None,
        initializer_range: float = 0.02,
        meaning_head: str = "distilled",
        negative_term: str = "paper",
        meaning_mix: float = 0.0,
        decision_thresholds: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.encoder = encoder
        self.layers = list(layers) if layers is not None else None
        self.distiller_layers = distiller_layers
        self.distiller_heads = distiller_heads
        self.distiller_ffn_multiplier = distiller_ffn_multiplier
        self.distiller_dropout = distiller_dropout
        self.distiller_activation = distiller_activation
        self.layer_position_embedding = layer_position_embedding
        self.use_negatives = use_negatives
        self.alignment_weight = alignment_weight
        self.alignment_temperature = alignment_temperature
        self.form_consistency_weight = form_consistency_weight
        self.centering_languages = list(centering_languages) if centering_languages is not None else None
        self.encoder_name_or_path = encoder_name_or_path
        self.initializer_range = initializer_range
        self.meaning_head = meaning_head
        self.negative_term = negative_term
        self.meaning_mix = meaning_mix
        self.decision_thresholds = check_decision_thresholds(decision_thresholds)
        super().__init__(**kwargs)
        self._resolve_and_validate()

    @property
    def hidden_size(self) -> int:
        return int(self.encoder.hidden_size)

    @property
    def num_selected_layers(self) -> int:
        return len(self.layers)

    @property
    def decision_output(self) -> str:
        """The vector whose cosine the stored thresholds judge (the meaning vector when none are)."""
        return self.decision_thresholds["output"] if self.decision_thresholds else "meaning"

    def decision(
        self, score: float, first_lang: str | None = None, second_lang: str | None = None
    ) -> dict[str, Any]:
        """``{"score"}``, plus ``same_sense`` (``score >= threshold``, the evaluation's rule) and
        ``threshold`` when thresholds are stored: that of the pair's language when both targets
        name the same stored language, else the default."""
        stored = self.decision_thresholds
        if stored is None:
            return {"score": score}
        entry = stored["languages"].get(first_lang) if first_lang == second_lang else None
        threshold = (entry or stored["default"])["threshold"]
        return {"score": score, "same_sense": bool(score >= threshold), "threshold": threshold}

    def _resolve_and_validate(self) -> None:
        n = getattr(self.encoder, "num_hidden_layers", None)
        d = getattr(self.encoder, "hidden_size", None)
        if not isinstance(n, int) or not isinstance(d, int):
            raise ValueError(
                f"encoder config {type(self.encoder).__name__} must define integer num_hidden_layers "
                f"and hidden_size, got num_hidden_layers={n!r}, hidden_size={d!r}"
            )
        if self.layers is None:
            self.layers = upper_half_layers(n)
        if not self.layers:
            raise ValueError("layers must name at least one hidden-state index, got []")
        for layer in self.layers:
            if not isinstance(layer, int) or isinstance(layer, bool) or not 0 <= layer <= n:
                raise ValueError(
                    f"layers contains {layer!r}, but the encoder has hidden_states 0..{n} "
                    f"(0 = embeddings, {n} = last of its {n} layers)"
                )
        if len(set(self.layers)) != len(self.layers):
            raise ValueError(f"layers must not repeat an index, got {self.layers}")
        if self.distiller_heads is None:
            self.distiller_heads = default_num_heads(d)
        if not isinstance(self.distiller_heads, int) or self.distiller_heads < 1:
            raise ValueError(f"distiller_heads must be a positive int, got {self.distiller_heads!r}")
        if d % self.distiller_heads:
            raise ValueError(
                f"distiller_heads={self.distiller_heads} does not divide the encoder hidden size {d}"
            )
        if not isinstance(self.distiller_layers, int) or self.distiller_layers < 1:
            raise ValueError(f"distiller_layers must be an int >= 1, got {self.distiller_layers!r}")
        if not self.distiller_ffn_multiplier > 0 or int(self.distiller_ffn_multiplier * d) < 1:
            raise ValueError(f"distiller_ffn_multiplier must be > 0, got {self.distiller_ffn_multiplier!r}")
        if not 0.0 <= self.distiller_dropout < 1.0:
            raise ValueError(f"distiller_dropout must be in [0, 1), got {self.distiller_dropout!r}")
        if not self.alignment_weight >= 0:
            raise ValueError(f"alignment_weight must be >= 0, got {self.alignment_weight!r}")
        if not self.alignment_temperature > 0:
            raise ValueError(f"alignment_temperature must be > 0, got {self.alignment_temperature!r}")
        if not self.form_consistency_weight >= 0:
            raise ValueError(f"form_consistency_weight must be >= 0, got {self.form_consistency_weight!r}")
        if self.centering_languages is not None and len(set(self.centering_languages)) != len(
            self.centering_languages
        ):
            raise ValueError(
                f"centering_languages must not repeat a language, got {self.centering_languages}"
            )
        if self.meaning_head not in MEANING_HEADS:
            raise ValueError(f"meaning_head must be one of {MEANING_HEADS}, got {self.meaning_head!r}")
        if self.negative_term not in NEGATIVE_TERMS:
            raise ValueError(f"negative_term must be one of {NEGATIVE_TERMS}, got {self.negative_term!r}")
        check_meaning_mix(self.meaning_mix)
        if self.distiller_activation not in ("gelu", "relu"):
            raise ValueError(
                f"distiller_activation must be 'gelu' or 'relu', got {self.distiller_activation!r}"
            )


WicDistillConfig.register_for_auto_class()
