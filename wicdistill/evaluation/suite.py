"""``evaluate``: run a list of tasks on a model and return the JSON report (docs/schemas.md)."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from .context import EvalContext, as_path
from .data_roots import DataRoots
from .loaders import load_translation_pairs
from .stack_store import StackStore
from .tasks import OFFSET_GROUP, resolve_tasks
from .vectors import VectorCache

SCHEMA = "wicdistill.evaluation/1"

PathLike = str | os.PathLike


def _finite(value: Any) -> Any:
    """NaN/inf (undefined correlations) become None so the report is strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _task_names(tasks: str | Iterable[str]) -> list[str]:
    names = tasks.split(",") if isinstance(tasks, str) else list(tasks)
    return [name.strip() for name in names if name.strip()]


def display_name(name_or_path: str | None) -> str | None:
    """A hub-style name as is; a local folder by its last meaningful component, so reports carry no
    machine paths."""
    if not name_or_path or not os.path.isabs(str(name_or_path)):
        return name_or_path
    path = Path(name_or_path)
    return path.parent.name if path.name in ("model", "") and path.parent.name else path.name


def _model_label(model: Any) -> str:
    name = getattr(model, "name_or_path", "") or getattr(model.config, "_name_or_path", "")
    return display_name(str(name)) if name else "(in-memory model)"


def evaluate(
    model: Any,
    tokenizer: Any,
    tasks: str | Sequence[str],
    data_dir: PathLike | Sequence[PathLike] | None = None,
    heldout: PathLike | None = None,
    batch_size: int = 64,
    show_progress: bool = True,
    model_name: str | None = None,
    stack_cache: PathLike | None = None,
) -> dict:
    """Score ``model`` on ``tasks`` (names or groups, see ``wicdistill.evaluation.tasks``).

    ``data_dir``: one or more data folders searched in order (default ``$WICDISTILL_DATA_DIR`` or
    the data cache of ``wicdistill data download``; WiC train/dev also ship inside the package). ``heldout``: a JSONL file of
    held-back corpus records, needed by the ``offset-*`` tasks. ``stack_cache``: a folder where
    the encoder's layer stacks of the benchmark targets are kept, so evaluating further models on
    the same (frozen) encoder runs only their distillers. Every task reports the raw encoder
    baseline, the meaning and the context vector on the same pairs.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    names = _task_names(tasks)
    offset_languages: list[str] = []
    if OFFSET_GROUP in names:
        if heldout is None:
            raise ValueError(
                "the 'offset' group needs heldout=<held-back corpus JSONL> to know its languages"
            )
        offset_languages = sorted(load_translation_pairs(heldout))
    specs = resolve_tasks(names, offset_languages)
    context = EvalContext(
        model=model,
        tokenizer=tokenizer,
        roots=DataRoots(data_dir),
        heldout=as_path(heldout),
        batch_size=batch_size,
        show_progress=show_progress,
        cache=VectorCache(StackStore(stack_cache, model) if stack_cache is not None else None),
    )
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "model": model_name or _model_label(model),
        "encoder": display_name(getattr(model.config, "encoder_name_or_path", None)),
        "layers": list(model.config.layers),
        "tasks": {},
    }
    started = time.perf_counter()
    progress = tqdm(specs, desc="tasks", unit="task", disable=not show_progress)
    for spec in progress:
        progress.set_postfix_str(spec.name)
        task_started = time.perf_counter()
        entry = spec.run(context, spec)
        entry["wall_time_s"] = round(time.perf_counter() - task_started, 2)
        report["tasks"][spec.name] = _finite(entry)
    report["wall_time_s"] = round(time.perf_counter() - started, 2)
    return report
