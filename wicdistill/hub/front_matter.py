"""The card's YAML front matter: a fixed whitelist of Hub metadata keys, never an empty value.

The Hub reads these keys to index the model (``library_name``, ``pipeline_tag``, ``tags``,
``base_model``, ``datasets``), to show example inputs (``widget``) and results (``model-index``);
an empty or ``null`` value there shows up as a metadata warning, so empty values are dropped.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from .card_data import CardData, EvalResult

FRONT_MATTER_KEYS = (
    "language",
    "license",
    "library_name",
    "pipeline_tag",
    "tags",
    "base_model",
    "datasets",
    "widget",
    "model-index",
)
BASE_TAGS = ("word-in-context", "wicdistill", "custom_code")
PIPELINE_TAG = "sentence-similarity"


def _prune(value: Any) -> Any:
    """Drop ``None``, empty strings and empty containers, recursively."""
    if isinstance(value, dict):
        pruned = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v is not None} or None
    if isinstance(value, (list, tuple)):
        pruned = [_prune(v) for v in value]
        return [v for v in pruned if v is not None] or None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "dataset"


def _task(result: EvalResult) -> dict[str, str]:
    if result.metric == "accuracy":
        return {"type": "word-in-context", "name": "Word-in-Context"}
    return {"type": "semantic-similarity", "name": "Semantic Similarity in Context"}


def model_index(card: CardData) -> list[dict[str, Any]] | None:
    """``model-index`` entries: the meaning vector's reportable results on each evaluated task, each
    named with its protocol (see ``reported_metrics``); a task with none is left out."""
    results = []
    for result in card.evaluation:
        metrics = [
            {
                "type": metric.name,
                "value": metric.value,
                "name": f"{metric.name} (meaning vector, {metric.protocol})",
            }
            for metric in result.meaning_metrics
        ]
        if not metrics:
            continue
        dataset = {
            "name": result.dataset,
            "type": _slug(result.dataset),
            "config": result.language,
            "split": result.split,
        }
        results.append({"task": _task(result), "dataset": dataset, "metrics": metrics})
    return [{"name": card.display_name, "results": results}] if results else None


def card_metadata(card: CardData) -> dict[str, Any]:
    """The front matter as a dict, keys in ``FRONT_MATTER_KEYS`` order, empty values removed."""
    tags = list(dict.fromkeys([*BASE_TAGS, *card.language, *(["heads-only"] if card.heads_only else [])]))
    metadata = {
        "language": list(card.language),
        "license": card.license,
        "library_name": "transformers",
        "pipeline_tag": PIPELINE_TAG,
        "tags": tags,
        "base_model": card.encoder_id,
        "datasets": list(card.datasets),
        "widget": [
            {"source_sentence": w.source_sentence, "sentences": list(w.sentences)} for w in card.widget
        ],
        "model-index": model_index(card),
    }
    pruned = _prune(metadata) or {}
    return {key: pruned[key] for key in FRONT_MATTER_KEYS if key in pruned}


def render_front_matter(card: CardData) -> str:
    """``---``-delimited YAML block for the top of ``README.md``."""
    text = yaml.safe_dump(card_metadata(card), sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{text}---\n"
