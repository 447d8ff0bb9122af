"""Feature extraction: one encoder pass per distinct sentence, fp16 stacks written chunk by chunk.

Sentences are length-sorted and batched with dynamic padding; tokenization and padding can run
in data-loader workers; only the selected layers at the target positions leave the device.
The loop never waits for the GPU: stacks are copied off the device asynchronously and written
by a background thread while the encoder already runs the next batch.
Chunks are assigned round-robin to processes under ``accelerate launch`` and each finished
chunk leaves a marker with the checksum of its rows as read back from disk, so an interrupted
run resumes where it stopped and a reused cache can be checked (see ``integrity``).
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset
from tqdm.auto import tqdm

from ..corpus.store import read_corpus
from ..faults import kill_point
from ..io_utils import atomic_write_json, read_json
from ..targets_wicdistill import collate_sentences, encoder_max_length, tokenize_targets
from .cache import CACHE_SCHEMA, FeatureCache, FeatureCacheMismatch, check_compatible
from .identity import encoder_identity
from .integrity import (
    NonFiniteFeaturesError,
    array_offset,
    array_sha256,
    check_marker,
    chunk_checksums,
    marker_path,
    read_marker,
    remove_cache,
    seal_chunk,
    verify_chunk,
)
from .plan import ExtractionPlan, build_plan

__all__ = ["NonFiniteFeaturesError", "extract_features"]

logger = logging.getLogger(__name__)


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


class _StackWriter:
    """Moves finished stacks to the host and ``pwrite``s them in one background thread.

    ``submit`` returns at once (the device-to-host copy is queued behind the encoder on the same
    stream), so the main loop keeps the GPU fed; at most ``depth`` batches are in flight.
    ``seal`` makes a finished chunk durable (fsync, then read back, hashed, checked finite and
    marked) in a third thread: the marker never claims rows that are not on disk, but no loop
    waits for the disk.
    """

    def __init__(
        self, fd: int, header: int, row_bytes: int, on_bad: Callable[[np.ndarray], None], depth: int = 2
    ):
        self.fd, self.header, self.row_bytes, self.on_bad, self.depth = fd, header, row_bytes, on_bad, depth
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wicdistill-writer")
        self.pending: deque[tuple[Future, Any]] = deque()
        self.syncer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wicdistill-fsync")
        self.seals: list[Future] = []

    def submit(self, stack: torch.Tensor, first: int, tag: Any) -> list[Any]:
        """Queue ``stack`` (fp16, any device) for rows ``first...``; returns tags whose writes ended."""
        finite = torch.isfinite(stack).flatten(1).all(dim=1)
        event = None
        if stack.device.type == "cuda":
            host = torch.empty(stack.shape, dtype=stack.dtype, pin_memory=True)
            host.copy_(stack, non_blocking=True)
            finite_host = torch.empty(finite.shape, dtype=torch.bool, pin_memory=True)
            finite_host.copy_(finite, non_blocking=True)
            event = torch.cuda.Event()
            event.record()
        else:
            host, finite_host = stack, finite
        self.pending.append((self.pool.submit(self._write, host, finite_host, event, first), tag))
        finished = []
        while len(self.pending) > self.depth:
            future, done_tag = self.pending.popleft()
            future.result()
            finished.append(done_tag)
        return finished

    def _write(self, host: torch.Tensor, finite: torch.Tensor, event: Any, first: int) -> None:
        if event is not None:
            event.synchronize()
        bad = ~finite.numpy()
        if bad.any():
            self.on_bad(first + np.nonzero(bad)[0])
        # a byte view, not a copy: pwrite releases the GIL for the whole write
        data = memoryview(np.ascontiguousarray(host.numpy())).cast("B")
        offset = self.header + first * self.row_bytes
        while data:
            written = os.pwrite(self.fd, data, offset)
            data, offset = data[written:], offset + written

    def drain(self, raise_errors: bool = True) -> Iterator[Any]:
        """Wait for every queued write, yielding the tags of those that succeeded, oldest first."""
        while self.pending:
            future, tag = self.pending.popleft()
            if future.exception() is None:
                yield tag
            elif raise_errors:
                raise future.exception()

    def seal(self, mark_done: Callable[[], None]) -> None:
        """fsync everything written so far, then run ``mark_done`` (both off the calling thread)."""

        def durable() -> None:
            os.fsync(self.fd)
            mark_done()

        self.seals.append(self.syncer.submit(durable))

    def close(self, raise_errors: bool = True) -> None:
        """Wait for the queued writes and seals; re-raise the first seal error if asked."""
        self.pool.shutdown(wait=True)
        self.syncer.shutdown(wait=True)
        errors = [f.exception() for f in self.seals if f.exception() is not None]
        if errors and raise_errors:
            raise errors[0]


def _raise_non_finite(plan: ExtractionPlan, corpus_ids: list[str], bad_rows: np.ndarray) -> None:
    mask = np.isin(plan.index, bad_rows).any(axis=1)
    records = [corpus_ids[i] for i in np.nonzero(mask)[0][:20]]
    raise NonFiniteFeaturesError(
        f"the encoder produced NaN/Inf features for {len(bad_rows)} target(s), used by record(s) "
        f"{records}{' ...' if mask.sum() > 20 else ''}: check these texts or run in float32"
    )


def _check_done_chunks(
    out_dir: Path, plan: ExtractionPlan, offset: int, row_bytes: int, verify: bool
) -> None:
    """Before resuming, refuse markers that do not fit the plan and checksum those that lack one.

    A marker written before checksums existed is upgraded from the rows on disk (finite check
    included) rather than trusted as is; ``verify`` re-hashes the checksummed ones.
    """
    for chunk in range(len(plan.chunks)):
        marker = read_marker(out_dir, chunk)
        if marker is None:
            continue
        check_marker(out_dir, marker, plan.chunk_targets(chunk), row_bytes)
        if marker["legacy"]:
            seal_chunk(out_dir, offset, row_bytes, chunk, plan.chunk_targets(chunk))
        elif verify:
            verify_chunk(out_dir, offset, row_bytes, marker)


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
    verify: bool = False,
    overwrite: bool = False,
) -> FeatureCache:
    """Encode every target of ``corpus`` once and write its fp16 layer stack into ``out_dir``.

    Rerunning on an unfinished folder resumes it; a folder built for another encoder, layer set
    or corpus is refused. A complete folder is reused after the cheap checks of every open
    (sizes, markers, metadata checksums); ``verify`` re-hashes all of its stacks; chunks whose
    marker was deleted are re-extracted. ``overwrite`` deletes the cache files and starts afresh.
    ``autocast_dtype`` defaults to bfloat16 on CUDA and none on CPU.
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

    row_bytes = int(np.prod(stack_shape[1:])) * 2
    meta_path = out_dir / "meta.json"
    if overwrite and is_main:
        remove_cache(out_dir)
    if overwrite and accelerator is not None:
        accelerator.wait_for_everyone()
    if meta_path.exists():
        meta = read_json(meta_path)
        check_compatible(meta, out_dir, identity, plan.fingerprint)
        if meta.get("complete"):
            unmarked = [c for c in range(meta["num_chunks"]) if not marker_path(out_dir, c).exists()]
            if not unmarked:
                return FeatureCache(out_dir, identity, plan.fingerprint, verify=verify)
            if is_main:
                logger.warning(
                    "feature cache at %s is marked complete but chunks %s have no done marker: "
                    "re-extracting them",
                    out_dir,
                    unmarked[:10],
                )
        if meta["encoder"]["layers"] != identity["layers"]:
            raise FeatureCacheMismatch(
                f"the unfinished cache at {out_dir} extracts layers {meta['encoder']['layers']}; resume it "
                f"with the same layers (the model selects {identity['layers']})"
            )
        if is_main:
            offset = array_offset(out_dir / "stacks.npy", stack_shape, np.dtype(np.float16))
            _check_done_chunks(out_dir, plan, offset, row_bytes, verify)
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
    # resident memory stays a few batches deep however large the cache grows
    header = array_offset(out_dir / "stacks.npy", stack_shape, np.dtype(np.float16))
    stacks_fd = os.open(out_dir / "stacks.npy", os.O_WRONLY)
    todo = [c for c in range(len(plan.chunks)) if c % world == rank and not marker_path(out_dir, c).exists()]
    limit = max_length or encoder_max_length(model.encoder, tokenizer)
    if autocast_dtype is None and device.type == "cuda":
        autocast_dtype = torch.bfloat16
    autocast = (
        torch.autocast(device.type, dtype=autocast_dtype) if autocast_dtype is not None else nullcontext()
    )
    batches = [(c, s, e) for c in todo for s, e in _batch_bounds(*plan.chunks[c], batch_size)]
    unwritten = Counter(c for c, _, _ in batches)
    progress = tqdm(
        total=sum(e - s for _, s, e in batches),
        desc=f"features [{rank}]" if world > 1 else "features",
        unit="sent",
        disable=not show_progress,
    )
    loader = DataLoader(
        _SentenceBatches(plan, columns.ids, [(s, e) for _, s, e in batches], tokenizer, limit),
        batch_size=None,
        num_workers=num_workers,
        pin_memory=device.type == "cuda",
    )
    writer = _StackWriter(
        stacks_fd, header, row_bytes, lambda rows: _raise_non_finite(plan, columns.ids, rows)
    )

    def written(tag: tuple[int, int]) -> None:
        chunk, num_sentences = tag
        progress.update(num_sentences)
        unwritten[chunk] -= 1
        if unwritten[chunk] == 0:
            rows = plan.chunk_targets(chunk)

            def mark_done() -> None:
                seal_chunk(out_dir, header, row_bytes, chunk, rows)
                kill_point("extract-features", chunk)

            writer.seal(mark_done)

    was_training = model.training
    model.eval()
    try:
        for (chunk, _, _), batch in zip(batches, loader):
            first = batch.pop("first_target")
            num_sentences = batch.pop("num_sentences")
            # the target masks stay on the host: pooling indexes from them without a GPU sync
            masks = {k: batch.pop(k) for k in ("target_token_mask", "target_sentence_index")}
            inputs = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
            with torch.inference_mode(), autocast:
                stack = model.extract_layer_stack(**inputs, **masks)
            for tag in writer.submit(stack.to(torch.float16), first, (chunk, num_sentences)):
                written(tag)
        for tag in writer.drain():
            written(tag)
        writer.close()
    finally:
        # after a crash, batches already on their way are still written and their chunks marked
        for tag in writer.drain(raise_errors=False):
            written(tag)
        writer.close(raise_errors=False)
        progress.close()
        os.close(stacks_fd)
        model.train(was_training)
    if accelerator is not None:
        accelerator.wait_for_everyone()
    if is_main:
        missing = [c for c in range(len(plan.chunks)) if not marker_path(out_dir, c).exists()]
        if missing:
            raise RuntimeError(f"feature extraction left chunks {missing[:10]} unfinished in {out_dir}")
        meta = read_json(meta_path)
        meta["checksums"] = {
            "index.npy": array_sha256(plan.index),
            "hosts.npy": array_sha256(plan.hosts),
            "chunks": chunk_checksums(out_dir, len(plan.chunks)),
        }
        meta["complete"] = True
        meta["wall_time_s"] = round(meta.get("wall_time_s", 0.0) + time.perf_counter() - started, 3)
        atomic_write_json(meta_path, meta)
    if accelerator is not None:
        accelerator.wait_for_everyone()
    return FeatureCache(out_dir, identity, plan.fingerprint, verify=verify)
