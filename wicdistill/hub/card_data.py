"""What a model card says: fields the user gives, plus fields read from the trained model folder.

The folder's ``config.json``, ``training_summary.json`` and ``evaluation.json`` (see
``docs/schemas.md``) fill the automatic fields. A report never fails the reading: a missing file
leaves its fields empty, an unreadable one is skipped with a warning. Local paths never reach a card:
they are reduced to their last component, the corpus is named by the Hub datasets the user gives
(its local folder is left out), and the encoder is named by its Hub id: a recorded encoder name
that is no Hub id and no folder raises ``ValueError`` (see ``encoder_ids``).
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .encoder_ids import given_encoder_id, public_encoder_id
from .examples import WIDGET_SENTENCES, WIDGET_SOURCE
from .figures import LayerAttentionProfile
from .local_paths import scrub_local_paths
from .reported_metrics import ReportedMetric, reported_metrics

__all__ = ["EVALUATION_NAME", "TRAINING_SUMMARY_NAME", "CardData", "EvalResult", "WidgetExample"]

TRAINING_SUMMARY_NAME = "training_summary.json"
EVALUATION_NAME = "evaluation.json"
ROW_NAMES = ("baseline", "meaning", "context")


@dataclass(frozen=True)
class WidgetExample:
    """One sentence-similarity widget example: a marked source and marked candidates."""

    source_sentence: str
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class EvalResult:
    """One task of ``evaluation.json``: the three rows scored on the same pairs, and the meaning
    row's reportable results (``model-index``)."""

    task: str
    dataset: str
    metric: str
    split: str | None = None
    language: str | None = None
    n_pairs: int | None = None
    n_unlocatable: int = 0
    baseline: float | None = None
    meaning: float | None = None
    context: float | None = None
    meaning_metrics: tuple[ReportedMetric, ...] = ()


def default_widget() -> list[WidgetExample]:
    return [WidgetExample(WIDGET_SOURCE, WIDGET_SENTENCES)]


@dataclass
class CardData:
    """Everything the model card template renders; empty fields leave their lines out."""

    # -- given by the user --------------------------------------------------------------------
    model_id: str | None = None
    model_name: str | None = None
    language: list[str] = field(default_factory=list)
    license: str | None = None
    encoder_id: str | None = None
    encoder_revision: str | None = None
    datasets: list[str] = field(default_factory=list)
    revision: str = "main"
    widget: list[WidgetExample] = field(default_factory=default_widget)
    # -- filled from the model folder -------------------------------------------------------
    layers: list[int] = field(default_factory=list)
    encoder_num_layers: int | None = None
    hidden_size: int | None = None
    distiller: dict[str, Any] = field(default_factory=dict)
    loss: dict[str, Any] = field(default_factory=dict)
    centering_languages: list[str] | None = None
    corpus: dict[str, Any] = field(default_factory=dict)
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    hardware: dict[str, Any] = field(default_factory=dict)
    wall_time_s: dict[str, float] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    evaluation: list[EvalResult] = field(default_factory=list)
    decision_thresholds: dict[str, Any] | None = None
    # -- filled by the export -----------------------------------------------------------------
    heads_only: bool = False
    figure: str | None = None
    layer_attention: LayerAttentionProfile | None = None

    @property
    def display_name(self) -> str:
        if self.model_name:
            return self.model_name
        if self.model_id:
            return self.model_id.split("/")[-1]
        return "wicdistill model"

    @classmethod
    def from_model_dir(cls, model_dir: str | os.PathLike, **user_fields: Any) -> CardData:
        """User fields as given, automatic fields read from ``model_dir``."""
        return cls(**user_fields).with_model_dir(model_dir)

    def with_model_dir(self, model_dir: str | os.PathLike) -> CardData:
        """A copy with the automatic fields read from ``model_dir``; user fields take precedence."""
        model_dir = Path(model_dir)
        updates: dict[str, Any] = {}
        config = _read_json(model_dir / "config.json") or {}
        updates.update(_from_config(config))
        summary = _read_json(model_dir / TRAINING_SUMMARY_NAME, schema="wicdistill.training/")
        if summary:
            updates.update(_from_summary(summary))
        evaluation = _read_json(model_dir / EVALUATION_NAME, schema="wicdistill.evaluation/")
        if evaluation:
            updates["evaluation"] = _eval_results(evaluation)
        updates = scrub_local_paths(updates)
        encoder_source = (summary or {}).get("encoder", {}).get("name_or_path") or config.get(
            "encoder_name_or_path"
        )
        if self.encoder_id:
            updates["encoder_id"] = given_encoder_id(self.encoder_id)
        else:
            updates["encoder_id"] = public_encoder_id(encoder_source)
        if not self.encoder_revision:
            updates["encoder_revision"] = (summary or {}).get("encoder", {}).get("revision")
        if not self.language:
            updates["language"] = list(updates.get("corpus", {}).get("languages") or [])
        return replace(self, **{k: v for k, v in updates.items() if v is not None})


def _read_json(path: Path, schema: str | None = None) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        warnings.warn(f"model card: {path.name} is unreadable and is left out ({err})", stacklevel=3)
        return None
    if not isinstance(data, dict) or (schema and not str(data.get("schema", "")).startswith(schema)):
        found = data.get("schema") if isinstance(data, dict) else type(data).__name__
        warnings.warn(
            f"model card: {path.name} is not a {schema}* document (schema {found!r}) and is left out",
            stacklevel=3,
        )
        return None
    return data


def _from_config(config: dict[str, Any]) -> dict[str, Any]:
    encoder = config.get("encoder") or {}
    distiller_keys = ("heads", "ffn_multiplier", "dropout", "activation")
    distiller = {k: config[f"distiller_{k}"] for k in distiller_keys if f"distiller_{k}" in config}
    if "distiller_layers" in config:
        distiller["num_layers"] = config["distiller_layers"]
    loss_keys = ("alignment_weight", "alignment_temperature", "form_consistency_weight", "negative_term")
    return {
        "layers": config.get("layers"),
        "encoder_num_layers": encoder.get("num_hidden_layers"),
        "hidden_size": encoder.get("hidden_size"),
        "distiller": {
            **distiller,
            "layer_position_embedding": config.get("layer_position_embedding"),
            "use_negatives": config.get("use_negatives"),
            **{k: config[k] for k in ("meaning_head", "meaning_mix") if k in config},
        },
        "loss": {k: config[k] for k in loss_keys if k in config},
        "centering_languages": config.get("centering_languages"),
        "decision_thresholds": config.get("decision_thresholds"),
    }


def _from_summary(summary: dict[str, Any]) -> dict[str, Any]:
    training = {k: v for k, v in (summary.get("training") or {}).items() if k != "loss_curve"}
    # the corpus folder is a place on the training machine; the card names Hub datasets instead
    corpus = {k: v for k, v in (summary.get("corpus") or {}).items() if k != "path"}
    return {
        "corpus": corpus,
        "hyperparameters": summary.get("hyperparameters"),
        "training": training,
        "hardware": summary.get("hardware"),
        "wall_time_s": summary.get("wall_time_s"),
        "versions": summary.get("versions"),
    }


def _eval_results(report: dict[str, Any]) -> list[EvalResult]:
    results = []
    for key, task in (report.get("tasks") or {}).items():
        rows = task.get("rows") or {}
        results.append(
            EvalResult(
                task=str(key),
                dataset=str(task.get("dataset") or key),
                metric=str(task.get("metric") or "score"),
                split=task.get("split"),
                language=task.get("language"),
                n_pairs=task.get("n_pairs"),
                n_unlocatable=int(task.get("n_unlocatable") or 0),
                meaning_metrics=reported_metrics(str(key), task, rows.get("meaning") or {}),
                **{row: (rows.get(row) or {}).get("score") for row in ROW_NAMES},
            )
        )
    return results
