"""Render a model card (``README.md``) from [`CardData`] and the packaged Jinja template.

Rendering is offline (it reads nothing but its arguments and the template) and each optional
section is built separately: a section that fails is left out with a warning, so writing a card
at the end of training cannot lose the trained model.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from ..io_utils import atomic_write_text
from .card_data import CardData
from .front_matter import render_front_matter

TEMPLATE_NAME = "model_card.md.j2"
CARD_NAME = "README.md"
PLACEHOLDER_REPO = "YOUR-NAMESPACE/YOUR-MODEL"
CITATION = """@article{arase2024distilling,
  title   = {Distilling Monolingual and Crosslingual Word-in-Context Representations},
  author  = {Arase, Yuki and Kajiwara, Tomoyuki},
  journal = {arXiv preprint arXiv:2409.08719},
  year    = {2024},
  url     = {https://arxiv.org/abs/2409.08719}
}"""

Rows = list[tuple[str, str]]


def _fmt(value: Any) -> str:
    """A table cell: compact numbers, joined lists, and no stray ``|`` breaking the table."""
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, float):
        text = f"{value:.4g}"
    elif isinstance(value, dict):
        text = ", ".join(f"{k}: {_fmt(v)}" for k, v in value.items() if v is not None)
    elif isinstance(value, (list, tuple)):
        text = ", ".join(_fmt(v) for v in value)
    else:
        text = str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _rows(values: dict[str, Any], labels: dict[str, str] | None = None) -> Rows:
    labels = labels or {}
    return [
        (labels.get(key, key.replace("_", " ")), _fmt(value))
        for key, value in values.items()
        if value is not None and value != "" and value != {} and value != []
    ]


LOCAL_CORPUS = "built with `wicdistill build-corpus` from inputs not published on the Hub"


def _corpus_rows(card: CardData) -> Rows:
    """Where the corpus came from (Hub datasets, else a description, never a local folder), then its facts."""
    if not card.corpus and not card.datasets:
        return []
    links = [f"[{d}](https://huggingface.co/datasets/{d})" for d in card.datasets]
    source = ", ".join(links) if links else LOCAL_CORPUS
    return [("corpus", source), *_rows(card.corpus, {"setting": "setting (host of the negatives)"})]


def _training_section(card: CardData) -> dict[str, Rows] | None:
    results = dict(card.training)
    if card.wall_time_s:
        results["wall time (s)"] = card.wall_time_s
    section = {
        "corpus": _corpus_rows(card),
        "hyperparameters": _rows(card.hyperparameters),
        "results": _rows(results),
    }
    return section if any(section.values()) else None


def _score(value: Any) -> str:
    return f"{value:.1f}" if isinstance(value, (int, float)) and not isinstance(value, bool) else "–"


def _evaluation_section(card: CardData) -> dict[str, Any] | None:
    if not card.evaluation:
        return None
    rows = [
        [
            _fmt(r.task),
            _fmt(r.dataset),
            _fmt(r.split or "–"),
            _fmt(r.language or "–"),
            _fmt(r.metric),
            _fmt(r.n_pairs if r.n_pairs is not None else "–"),
            _score(r.baseline),
            _score(r.meaning),
            _score(r.context),
        ]
        for r in card.evaluation
    ]
    unlocatable = ", ".join(f"{r.task}: {r.n_unlocatable}" for r in card.evaluation if r.n_unlocatable)
    return {"rows": rows, "unlocatable": unlocatable}


def _decision_row(pair: str, entry: dict[str, Any], date: Any) -> list[str]:
    accuracy = entry.get("accuracy")
    return [
        pair,
        _fmt(float(entry["threshold"])),
        _fmt(entry.get("dev_set") or "–"),
        f"{100 * accuracy:.1f}" if isinstance(accuracy, (int, float)) else "–",
        _fmt(entry.get("pairs") if entry.get("pairs") is not None else "–"),
        _fmt(date or "–"),
    ]


def _decision_section(card: CardData) -> dict[str, Any] | None:
    """The stored same-sense thresholds (``config.decision_thresholds``): one row per language, then
    the default that serves crosslingual pairs and pairs of other or unknown languages."""
    stored = card.decision_thresholds
    if not stored:
        return None
    date = stored.get("date")
    rows = [
        _decision_row(f"{lang}–{lang}", entry, date)
        for lang, entry in (stored.get("languages") or {}).items()
    ]
    default = stored.get("default")
    if default:
        label = "any other pair (crosslingual, other or unknown language)"
        if default.get("transferred"):
            label += ", transferred"
        rows.append(_decision_row(label, default, date))
    return {"output": stored.get("output") or "meaning", "rows": rows} if rows else None


def _figure_section(card: CardData) -> dict[str, Any] | None:
    profile = card.layer_attention
    if not card.figure or profile is None:
        return None
    table = [
        "| Layer | " + " | ".join(str(layer) for layer in profile.layers) + " |",
        "|---|" + "---|" * len(profile.layers),
        "| Meaning | " + " | ".join(f"{v:.3f}" for v in profile.meaning) + " |",
        "| Context | " + " | ".join(f"{v:.3f}" for v in profile.context) + " |",
    ]
    return {
        "path": card.figure,
        "num_targets": profile.num_targets,
        "uniform": f"{1 / len(profile.layers):.3f}",
        "table": table,
    }


def _environment_section(card: CardData) -> Rows | None:
    environment = {
        "hardware": card.hardware,
        "library versions (training)": card.versions,
    }
    return _rows(environment) or None


def _distiller_line(card: CardData) -> str:
    d = card.distiller
    parts = [
        f"{d['num_layers']} Transformer layer(s)" if "num_layers" in d else None,
        f"{d['heads']} heads" if "heads" in d else None,
        f"feed-forward {d['ffn_multiplier']} x hidden" if "ffn_multiplier" in d else None,
        f"dropout {d['dropout']}" if "dropout" in d else None,
        d.get("activation"),
        "learned layer-position embedding"
        if d.get("layer_position_embedding")
        else "no positional information",
        None if d.get("use_negatives", True) else "trained without negatives (ablation)",
        "residual meaning head (layer mean + learned correction, zero-initialised)"
        if d.get("meaning_head") == "residual"
        else None,
        f"meaning mixed with the raw layer mean (weight {d['meaning_mix']})"
        if d.get("meaning_mix")
        else None,
    ]
    return ", ".join(str(p) for p in parts if p)


def _loss_line(card: CardData) -> str | None:
    """Every loss term that shaped the model, with its weight: the paper's and the extra ones."""
    loss = card.loss
    if not loss and "use_negatives" not in card.distiller:
        return None
    paper = "the distillation loss of Arase & Kajiwara (2024)"
    if not card.distiller.get("use_negatives", True):
        paper += " without its negative terms"
    elif loss.get("negative_term") == "dissimilarity_weighted":
        paper += " with its negative terms weighted by 1 − negative_score"
    terms = [paper]
    if loss.get("alignment_weight"):
        terms.append(
            f"contrastive alignment of each word with its positive (weight {loss['alignment_weight']}, "
            f"temperature {loss.get('alignment_temperature')})"
        )
    if loss.get("form_consistency_weight"):
        terms.append(f"form consistency (weight {loss['form_consistency_weight']})")
    return " + ".join(terms)


def _centering_line(card: CardData) -> str | None:
    """How meaning vectors are centred: users must know whether a language is expected."""
    languages = card.centering_languages
    if languages is None:
        return None
    if not languages:
        return (
            "every meaning vector has the mean meaning vector of the training targets subtracted "
            "(stored in the model; no language needed)"
        )
    return (
        f"each meaning vector has its language's mean subtracted (stored for {', '.join(languages)}); "
        'give the language as a fourth item, `(text, start, end, "fr")`, or a `"lang"` key, '
        "otherwise the mean over all languages is used"
    )


def _encoder_link(card: CardData) -> str:
    if not card.encoder_id:
        return "the frozen encoder it was trained on"
    return f"the frozen encoder [`{card.encoder_id}`](https://huggingface.co/{card.encoder_id})"


SECTIONS: dict[str, Callable[[CardData], Any]] = {
    "training": _training_section,
    "evaluation": _evaluation_section,
    "decisions": _decision_section,
    "figure": _figure_section,
    "environment": _environment_section,
    "distiller_line": _distiller_line,
    "centering_line": _centering_line,
    "loss_line": _loss_line,
}


def _safely(name: str, build: Callable[[CardData], Any], card: CardData) -> Any:
    try:
        return build(card)
    except Exception as err:  # an optional section must never stop the card
        warnings.warn(f"model card: section {name!r} skipped ({type(err).__name__}: {err})", stacklevel=3)
        return None


def _template() -> jinja2.Template:
    source = resources.files(__package__).joinpath("templates", TEMPLATE_NAME).read_text(encoding="utf-8")
    environment = jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    return environment.from_string(source)


def render_model_card(card: CardData) -> str:
    """The full ``README.md``: YAML front matter, then the rendered template."""
    sections = {name: _safely(name, build, card) for name, build in SECTIONS.items()}
    body = _template().render(
        card=card,
        name=card.display_name,
        repo=card.model_id or PLACEHOLDER_REPO,
        encoder_link=_encoder_link(card),
        citation=CITATION,
        **sections,
    )
    return render_front_matter(card) + "\n" + body


def write_model_card(folder: str | os.PathLike, card: CardData) -> Path:
    """Render ``card`` and write it atomically as ``folder/README.md``."""
    path = Path(folder) / CARD_NAME
    atomic_write_text(path, render_model_card(card))
    return path
