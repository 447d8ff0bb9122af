"""Turn a trained model folder into a self-contained folder ready to upload to the Hub.

A full export holds float32 safetensors weights, ``config.json`` (``auto_map`` and
``custom_pipelines``), the remote-code files, the tokenizer (plain transformers files: no
``auto_map``, a transformers ``tokenizer_class``), ``README.md``, the layer-attention figure,
``handler.py`` for Inference Endpoints, and the run's JSON reports.
A heads-only export holds the distillers and a config naming the encoder's Hub id and pinned
revision; it loads only through ``WicDistillModel.from_heads_pretrained(..., encoder=...)``.

The folder is built beside ``out_dir`` and renamed into place, so ``out_dir`` is either the
previous export or the complete new one, never a half-written mix.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import tempfile
import uuid
import warnings
from dataclasses import replace
from importlib import resources
from pathlib import Path

import torch
from safetensors.torch import save_file
from transformers import AutoTokenizer
from transformers.dynamic_module_utils import custom_object_save
from transformers.models.auto.tokenization_auto import tokenizer_class_from_name

from ..io_utils import atomic_write_json
from ..modeling_wicdistill import WicDistillModel
from ..pipeline_wicdistill import TASK, WordInContextPipeline, parse_marked_text
from .card_data import EVALUATION_NAME, TRAINING_SUMMARY_NAME, CardData
from .examples import FIGURE_SENTENCES
from .figures import plot_layer_attention
from .local_paths import scrub_local_paths
from .render import write_model_card

HEADS_WEIGHTS_NAME = "distillers.safetensors"
FIGURE_NAME = "layer_attention.png"
HANDLER_NAME = "handler.py"
RUN_REPORTS = (TRAINING_SUMMARY_NAME, EVALUATION_NAME)
TOKENIZER_CONFIG_NAME = "tokenizer_config.json"
# what transformers records about how this machine loaded the tokenizer, not how it tokenizes
TOKENIZER_LOAD_STATE_KEYS = ("is_local", "local_files_only")


def export_model(
    model_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    card_data: CardData | None = None,
    heads_only: bool = False,
    encoder_revision: str | None = None,
    *,
    overwrite: bool = False,
) -> Path:
    """Write the Hub folder of the model saved in ``model_dir`` to ``out_dir``; return ``out_dir``.

    ``card_data`` holds the user's card fields (repo id, languages, licence, encoder id...);
    the rest is read from ``model_dir``. ``heads_only`` needs the encoder's Hub id (from
    ``card_data.encoder_id`` or the model's config) and ``encoder_revision``.
    ``overwrite`` replaces an existing non-empty ``out_dir``.
    """
    model_dir, out_dir = Path(model_dir), Path(out_dir)
    _check_paths(model_dir, out_dir, overwrite)
    card = (card_data or CardData()).with_model_dir(model_dir)
    if encoder_revision:
        card = replace(card, encoder_revision=encoder_revision)
    if heads_only:
        _check_heads_only(card, model_dir)
    model = WicDistillModel.from_pretrained(model_dir, dtype=torch.float32).eval()
    tokenizer = _load_tokenizer(model_dir)
    model.config.encoder_name_or_path = card.encoder_id
    model.config.encoder.name_or_path = card.encoder_id or ""
    if card.encoder_revision:
        model.config.encoder_revision = card.encoder_revision
    pipe = WordInContextPipeline(model=model, tokenizer=tokenizer, task=TASK, device="cpu")

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".partial", dir=out_dir.parent))
    try:
        if heads_only:
            _save_heads(pipe, staging)
        else:
            pipe.save_pretrained(staging)
            _standardise_tokenizer_config(staging / TOKENIZER_CONFIG_NAME, tokenizer)
            (staging / HANDLER_NAME).write_bytes(_handler_template())
        _scrub_config(staging / "config.json")
        _copy_run_reports(model_dir, staging)
        card = replace(card, heads_only=heads_only, **_figure(model, tokenizer, staging))
        write_model_card(staging, card)
        _make_readable(staging)
        _move_into_place(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out_dir


def _check_paths(model_dir: Path, out_dir: Path, overwrite: bool) -> None:
    if not (model_dir / "config.json").is_file():
        raise FileNotFoundError(f"{model_dir} is not a saved model folder (no config.json)")
    if out_dir.resolve() == model_dir.resolve():
        raise ValueError(f"the export folder must differ from the model folder, got {out_dir} for both")
    if out_dir.exists():
        if not out_dir.is_dir():
            raise FileExistsError(f"{out_dir} exists and is not a folder")
        if any(out_dir.iterdir()) and not overwrite:
            raise FileExistsError(
                f"{out_dir} exists and is not empty; pass overwrite=True (--overwrite) to replace it"
            )


def _check_heads_only(card: CardData, model_dir: Path) -> None:
    if not card.encoder_id:
        raise ValueError(
            f"a heads-only export must name its encoder on the Hub, but the model in {model_dir} was built "
            f"from a local folder: pass the encoder's Hub id (card encoder_id / --encoder-id)"
        )
    if not card.encoder_revision:
        raise ValueError(
            f"a heads-only export must pin the encoder: pass encoder_revision (--encoder-revision), a commit "
            f"hash or tag of {card.encoder_id!r} holding the weights the heads were trained on"
        )


def _load_tokenizer(model_dir: Path):
    try:
        return AutoTokenizer.from_pretrained(model_dir)
    except (OSError, ValueError) as err:
        raise FileNotFoundError(
            f"{model_dir} has no loadable tokenizer ({err}); save the encoder's tokenizer there with "
            f"tokenizer.save_pretrained({str(model_dir)!r})"
        ) from err


def _save_heads(pipe: WordInContextPipeline, folder: Path) -> None:
    """Config, code files and the distillers' weights only (no encoder, no tokenizer)."""
    model = pipe.model
    model.check_finite()
    config = copy.deepcopy(model.config)
    vars(config).pop("custom_pipelines", None)
    custom_object_save(model, folder, config=config)
    custom_object_save(pipe, folder)
    config.save_pretrained(folder)
    state = {k: v.contiguous() for k, v in model.state_dict().items() if not k.startswith("encoder.")}
    save_file(state, str(folder / HEADS_WEIGHTS_NAME), metadata={"format": "pt"})


def _is_transformers_tokenizer(name: object) -> bool:
    if not isinstance(name, str) or not name:
        return False
    found = tokenizer_class_from_name(name) or tokenizer_class_from_name(f"{name}Fast")
    return found is not None and found.__module__.startswith("transformers.")


def _standardise_tokenizer_config(path: Path, tokenizer) -> None:
    """Tokenizer files that ``AutoTokenizer`` loads with no code from the repository: no tokenizer
    ``auto_map`` (which makes transformers ask whether to run remote code), a ``tokenizer_class``
    that transformers itself provides, and none of this machine's loading state."""
    settings = json.loads(path.read_text(encoding="utf-8"))
    cleaned = {k: v for k, v in settings.items() if k != "auto_map" and k not in TOKENIZER_LOAD_STATE_KEYS}
    if not _is_transformers_tokenizer(cleaned.get("tokenizer_class")):
        loaded = type(tokenizer).__name__
        if not _is_transformers_tokenizer(loaded):
            raise ValueError(
                f"the tokenizer class {cleaned.get('tokenizer_class') or loaded!r} is not part of transformers, so "
                f"the export could not be loaded without remote code; save a transformers tokenizer in the model folder"
            )
        cleaned["tokenizer_class"] = loaded
    if cleaned != settings:
        atomic_write_json(path, cleaned)


def _scrub_config(path: Path) -> None:
    """Reduce any local path left in ``config.json`` (a nested config's origin, say) to its last part."""
    config = json.loads(path.read_text(encoding="utf-8"))
    scrubbed = scrub_local_paths(config)
    if scrubbed != config:
        atomic_write_json(path, scrubbed)


def _handler_template() -> bytes:
    return resources.files(__package__).joinpath("templates", HANDLER_NAME).read_bytes()


def _copy_run_reports(model_dir: Path, folder: Path) -> None:
    """The training and evaluation JSON, with local paths reduced to their last component (the
    summary's corpus folder too when it is relative: ``outputs/run/corpus`` -> ``corpus``)."""
    for name in RUN_REPORTS:
        source = model_dir / name
        if not source.exists():
            continue
        try:
            data = json.loads(source.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            warnings.warn(f"export: {name} is unreadable and is left out ({err})", stacklevel=3)
            continue
        corpus = data.get("corpus") if name == TRAINING_SUMMARY_NAME and isinstance(data, dict) else None
        if isinstance(corpus, dict) and isinstance(corpus.get("path"), str):
            corpus["path"] = Path(corpus["path"].replace("\\", "/")).name
        atomic_write_json(folder / name, scrub_local_paths(data))


def _figure(model: WicDistillModel, tokenizer, folder: Path) -> dict:
    """The layer-attention figure on the bundled example sentences; skipped with a warning on failure."""
    try:
        targets = [parse_marked_text(text, f"example {i}") for i, text in enumerate(FIGURE_SENTENCES)]
        stacks = model.encode(targets, tokenizer, output="layer_stack")
        profile = plot_layer_attention(model, stacks, folder / FIGURE_NAME)
    except Exception as err:  # the figure is optional: an export without it is still complete
        warnings.warn(f"export: layer-attention figure skipped ({type(err).__name__}: {err})", stacklevel=3)
        return {}
    return {"figure": FIGURE_NAME, "layer_attention": profile}


def _make_readable(folder: Path) -> None:
    """Temporary files are created private; the published folder is meant to be read by others."""
    folder.chmod(0o755)
    for path in folder.iterdir():
        path.chmod(0o644)


def _move_into_place(staging: Path, out_dir: Path) -> None:
    if not out_dir.exists():
        staging.rename(out_dir)
        return
    previous = out_dir.with_name(f".{out_dir.name}.{uuid.uuid4().hex[:8]}.old")
    out_dir.rename(previous)
    try:
        staging.rename(out_dir)
    except BaseException:
        previous.rename(out_dir)
        raise
    shutil.rmtree(previous, ignore_errors=True)
