"""Feature extraction: one encoder pass per distinct sentence, fp16 stacks written chunk by chunk.

Sentences are length-sorted and batched with dynamic padding; tokenization and padding can run
in data-loader workers; only the selected layers at the target positions leave the device.
Chunks are assigned round-robin to processes under ``accelerate launch`` and each finished
chunk leaves a marker, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import os
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset
from tqdm.auto import tqdm

from ..io_utils import atomic_write_json, atomic_write_text, read_json
from ..modeling_wicdistill import collate_sentences, encoder_max_length, tokenize_targets
from .cache import CACHE_SCHEMA, FeatureCache, FeatureCacheMismatch, check_compatible
from .identity import encoder_identity
from .plan import ExtractionPlan, build_plan, read_corpus


class NonFiniteFeaturesError(ValueError):
    """The encoder produced NaN/Inf for some targets; names the records that use them."""


class _SentenceBatches(Dataset):
    """Item ``i`` is the padded batch of sentences ``bounds[i]``, ready for the encoder."""

    def __init__(
        self,
        plan: ExtractionPlan,
        record_ids: list[str],
        bounds: list[tuple[int, int]],
        tokenizer: Any,
        max_length: int,
    ):
        self.plan, self.record_ids, self.bounds = plan, record_ids, bounds
        self.tokenizer, self.max_length = tokenizer, max_length
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0

    def __len__(self) -> int:
        return len(self.bounds)

    def __getitem__(self, i: int) -> dict[str, Any]:
        start, end = self.bounds[i]
        texts = self.plan.sentences[start:end]
        spans = [[[span] for span in self.plan.sentence_spans[s]] for s in range(start, end)]
        first = int(self.plan.first_target[start])
        names = [
            [
                f"of record {self.record_ids[self.plan.target_record[t]]}"
                for t in range(int(self.plan.first_target[s]), int(self.plan.first_target[s + 1]))
            ]
            for s in range(start, end)
        ]
        sentences = tokenize_targets(self.tokenizer, texts, spans, self.max_length, "around_targets", names)
        batch = collate_sentences(sentences, self.pad_id)
        batch["first_target"] = first
        batch["num_sentences"] = end - start
        return batch


def _batch_bounds(start: int, end: int, batch_size: int) -> list[tuple[int, int]]:
    return [(s, min(s + batch_size, end)) for s in range(start, end, batch_size)]


def _raise_non_finite(plan: ExtractionPlan, corpus_ids: list[str], bad_rows: np.ndarray) -> None:
    mask = np.isin(plan.index, bad_rows).any(axis=1)
    records = [corpus_ids[i] for i in np.nonzero(mask)[0][:20]]
    raise NonFiniteFeaturesError(
        f"the encoder produced NaN/Inf features for {len(bad_rows)} target(s), used by record(s) "
        f"{records}{' ...' if mask.sum() > 20 else ''}: check these texts or run in float32"
    )


def extract_features(
    corpus: Any,
    model: Any,
    tokenizer: Any,
    out_dir: str | Path,
    *,
    batch_size: int = 64,
    chunk_sentences: int = 2048,
    num_workers: int = 0,
    max_length: int | None = None,
    accelerator: Any | None = None,
    autocast_dtype: torch.dtype | None = None,
    show_progress: bool = True,
) -> FeatureCache:
    """Encode every target of ``corpus`` once and write its fp16 layer stack into ``out_dir``.

    Rerunning on an unfinished folder resumes it; a folder built for another encoder, layer set
    or corpus is refused. ``autocast_dtype`` defaults to bfloat16 on CUDA and none on CPU.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    started = time.perf_counter()
    out_dir = Path(out_dir)
    columns = read_corpus(corpus)
    plan = build_plan(columns, chunk_sentences)
    identity = encoder_identity(model)
    rank = accelerator.process_index if accelerator is not None else 0
    world = accelerator.num_processes if accelerator is not None else 1
    is_main = rank == 0
    device = accelerator.device if accelerator is not None else model.device
    stack_shape = (plan.num_targets, len(model.config.layers), model.config.hidden_size)

    meta_path = out_dir / "meta.json"
    if meta_path.exists():
        meta = read_json(meta_path)
        check_compatible(meta, out_dir, identity, plan.fingerprint)
        if meta.get("complete"):
            return FeatureCache(out_dir, identity, plan.fingerprint)
        if meta["encoder"]["layers"] != identity["layers"]:
            raise FeatureCacheMismatch(
                f"the unfinished cache at {out_dir} extracts layers {meta['encoder']['layers']}; resume it "
                f"with the same layers (the model selects {identity['layers']})"
            )
    elif is_main:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "done").mkdir(exist_ok=True)
        np.save(out_dir / "index.npy", plan.index)
        np.save(out_dir / "hosts.npy", plan.hosts)
        np.lib.format.open_memmap(
            out_dir / "stacks.npy", mode="w+", dtype=np.float16, shape=stack_shape
        ).flush()
        meta = {
            "schema": CACHE_SCHEMA,
            "complete": False,
            "encoder": identity,
            "corpus": {"fingerprint": plan.fingerprint, "records": len(columns)},
            "num_targets": plan.num_targets,
            "num_sentences": len(plan.sentences),
            "num_chunks": len(plan.chunks),
            "shape": list(stack_shape),
            "dtype": "float16",
        }
        atomic_write_json(meta_path, meta)
    if accelerator is not None:
        accelerator.wait_for_everyone()

    # rows are written with pwrite at their offset rather than through a memory map, so the
    # resident memory stays one batch deep however large the cache grows
    header = np.load(out_dir / "stacks.npy", mmap_mode="r").offset
    row_bytes = int(np.prod(stack_shape[1:])) * 2
    stacks_fd = os.open(out_dir / "stacks.npy", os.O_WRONLY)
    todo = [
        c
        for c in range(len(plan.chunks))
        if c % world == rank and not (out_dir / "done" / f"chunk-{c:06d}.ok").exists()
    ]
    limit = max_length or encoder_max_length(model.encoder, tokenizer)
    if autocast_dtype is None and device.type == "cuda":
        autocast_dtype = torch.bfloat16
    autocast = (
        torch.autocast(device.type, dtype=autocast_dtype) if autocast_dtype is not None else nullcontext()
    )
    total = sum(plan.chunks[c][1] - plan.chunks[c][0] for c in todo)
    progress = tqdm(
        total=total,
        desc=f"features [{rank}]" if world > 1 else "features",
        unit="sent",
        disable=not show_progress,
    )
    was_training = model.training
    model.eval()
    try:
        for chunk in todo:
            start, end = plan.chunks[chunk]
            loader = DataLoader(
                _SentenceBatches(plan, columns.ids, _batch_bounds(start, end, batch_size), tokenizer, limit),
                batch_size=None,
                num_workers=num_workers,
                pin_memory=device.type == "cuda",
            )
            for batch in loader:
                first = batch.pop("first_target")
                num_sentences = batch.pop("num_sentences")
                inputs = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
                with torch.inference_mode(), autocast:
                    stack = model.extract_layer_stack(**inputs)
                stack = stack.to(torch.float16).cpu().numpy()
                finite = np.isfinite(stack).reshape(len(stack), -1).all(axis=1)
                if not finite.all():
                    _raise_non_finite(plan, columns.ids, first + np.nonzero(~finite)[0])
                os.pwrite(stacks_fd, np.ascontiguousarray(stack).tobytes(), header + first * row_bytes)
                progress.update(num_sentences)
            os.fsync(stacks_fd)
            atomic_write_text(out_dir / "done" / f"chunk-{chunk:06d}.ok", f"{plan.chunk_targets(chunk)}\n")
    finally:
        progress.close()
        os.close(stacks_fd)
        model.train(was_training)
    if accelerator is not None:
        accelerator.wait_for_everyone()
    if is_main:
        missing = [
            c for c in range(len(plan.chunks)) if not (out_dir / "done" / f"chunk-{c:06d}.ok").exists()
        ]
        if missing:
            raise RuntimeError(f"feature extraction left chunks {missing[:10]} unfinished in {out_dir}")
        meta = read_json(meta_path)
        meta["complete"] = True
        meta["wall_time_s"] = round(meta.get("wall_time_s", 0.0) + time.perf_counter() - started, 3)
        atomic_write_json(meta_path, meta)
    if accelerator is not None:
        accelerator.wait_for_everyone()
    return FeatureCache(out_dir, identity, plan.fingerprint)
