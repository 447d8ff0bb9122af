"""``CorpusConfig``: everything that decides which records a build produces."""

from __future__ import annotations

import hashlib
import json
from dataclasses import MISSING, asdict, dataclass, field, fields
from difflib import get_close_matches
from typing import Any, get_type_hints

from .alignment import METHODS
from .hub_datasets import parse_hub_spec
from .negatives import STRATEGIES
from .segmenters import UNSPACED_SEGMENTERS
from .sources import parse_source
from .targets import TargetRules

MONOLINGUAL_ALIGNMENTS = ("surface_first", "embedding")
# Fields that change speed, logging or outputs' presentation but never which records are built.
_NOT_FINGERPRINTED = {"batch_size", "num_threads", "progress", "sample_size", "heldout_fraction"}


@dataclass(init=False)
class CorpusConfig:
    """Build settings; defaults follow design.md §2 (see docs/corpus.md for each field).

    ``targets`` holds the target filters (``TargetRules``); they may also be given flat, as the
    command line, recipes and ``stats.json`` name them (``CorpusConfig(inputs, min_words=8)``).
    """

    inputs: list[str]
    encoder: str = "all-MiniLM-L6-v2"
    negative_strategy: str = "mlm"
    mlm_model: str | None = None
    mlm_top_k: int = 50
    negative_band: tuple[int, int] = (20, 200)
    negative_min_count: int = 2
    negative_skip_top: int = 100
    alignment: str = "mutual_argmax"
    align_layer: int | None = None
    alignment_temperature: float = 0.05
    min_alignment_score: float = 0.5
    monolingual_alignment: str = "surface_first"
    different_word_positives: bool = False
    anchor_langs: tuple[str, ...] = ("en",)
    targets: TargetRules = field(default_factory=TargetRules)
    unspaced_words: str = "pieces"
    vocab_texts: list[str] = field(default_factory=list)
    translation_models: tuple[str, str] | None = None
    heldout_fraction: float = 0.0
    max_pairs: int | None = None
    sample_fraction: float = 1.0
    max_records: int | None = None
    chunk_size: int = 256
    seed: int = 0
    batch_size: int = 64
    num_threads: int | None = None
    sample_size: int = 50
    progress: bool = True

    def __init__(self, inputs: list[str], **settings: Any) -> None:
        own = {f.name: f for f in fields(self)}
        rule_names = {f.name for f in fields(TargetRules)}
        rules = {k: settings.pop(k) for k in list(settings) if k in rule_names}
        unknown = sorted(k for k in settings if k not in own)
        if unknown:
            valid = sorted((set(own) | rule_names) - {"inputs"})
            hints = [
                f"{k!r} (did you mean {close[0]!r}?)"
                if (close := get_close_matches(k, valid, 1))
                else repr(k)
                for k in unknown
            ]
            raise ValueError(f"unknown corpus setting(s) {', '.join(hints)}; valid: {', '.join(valid)}")
        targets = settings.pop("targets", None)
        if isinstance(targets, dict):
            targets = TargetRules(**{**targets, **rules})
        elif targets is None or rules:
            targets = TargetRules(**{**(asdict(targets) if targets else {}), **rules})
        self.inputs, self.targets = inputs, targets
        for name, spec in own.items():
            if name not in ("inputs", "targets"):
                default = spec.default_factory() if spec.default_factory is not MISSING else spec.default
                setattr(self, name, settings.get(name, default))
        self.__post_init__()

    def __post_init__(self) -> None:
        if not self.inputs:
            raise ValueError("CorpusConfig.inputs is empty: give at least one input such as 'bundled'")
        for spec in self.inputs:
            parse_source(spec)
        if self.negative_strategy not in STRATEGIES:
            raise ValueError(f"negative_strategy must be one of {STRATEGIES}, got {self.negative_strategy!r}")
        if self.alignment not in METHODS:
            raise ValueError(f"alignment must be one of {METHODS}, got {self.alignment!r}")
        if self.monolingual_alignment not in MONOLINGUAL_ALIGNMENTS:
            raise ValueError(
                f"monolingual_alignment must be one of {MONOLINGUAL_ALIGNMENTS}, got {self.monolingual_alignment!r}"
            )
        if self.unspaced_words not in UNSPACED_SEGMENTERS:
            raise ValueError(
                f"unspaced_words must be one of {UNSPACED_SEGMENTERS}, got {self.unspaced_words!r}"
            )
        if not 0.0 < self.sample_fraction <= 1.0:
            raise ValueError(f"sample_fraction must be in (0, 1], got {self.sample_fraction}")
        if not 0.0 <= self.heldout_fraction < 1.0:
            raise ValueError(f"heldout_fraction must be in [0, 1), got {self.heldout_fraction}")
        if not 0.0 <= self.min_alignment_score <= 1.0:
            raise ValueError(f"min_alignment_score must be in [0, 1], got {self.min_alignment_score}")
        if self.chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {self.chunk_size}")
        for spec in self.vocab_texts:
            lang, sep, path = spec.partition(":")
            if not sep or not lang or not path:
                raise ValueError(f"vocab text {spec!r}: expected LANG:PATH, e.g. en:wiki.txt")
            if path.startswith("hf:"):
                parse_hub_spec(path, "texts")
        if self.translation_models is not None and len(self.translation_models) != 2:
            raise ValueError(
                f"translation_models needs (forward, backward) model names, got {self.translation_models!r}"
            )
        self.negative_band = tuple(self.negative_band)
        self.anchor_langs = tuple(self.anchor_langs)

    def to_dict(self) -> dict:
        """Every setting, the target filters flat (as ``stats.json`` and the fingerprint have them)."""
        values = asdict(self)
        return {**{k: v for k, v in values.items() if k != "targets"}, **values["targets"]}

    def fingerprint(self) -> str:
        """Hash of the fields that decide the records (a resume must use the same ones)."""
        kept = {k: v for k, v in self.to_dict().items() if k not in _NOT_FINGERPRINTED}
        return hashlib.sha1(json.dumps(kept, sort_keys=True, default=str).encode()).hexdigest()[:16]


def setting_types() -> dict[str, Any]:
    """The declared type of every setting ``CorpusConfig`` accepts, the target rules also flat (so a
    recipe's values can be checked and coerced before a build starts)."""
    return {**get_type_hints(CorpusConfig), **get_type_hints(TargetRules)}
