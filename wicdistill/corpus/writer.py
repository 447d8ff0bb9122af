"""Resumable output: one JSONL shard and one commit marker per chunk of input pairs.

A chunk is committed by writing its shard (temporary file, fsync, rename) and then its marker
``chunk-<n>.json`` (the chunk's record count and stage counters, also atomic). A crash therefore
loses at most the chunks in flight, which the next run redoes from their plans. Chunks are
independent once planned, so the processes of a sharded build commit their own chunks into the
same folder and the merge reads them in input order. ``progress.json`` names the configuration
(fingerprint) and layout the folder belongs to, and whether the build finished.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..io_utils import atomic_write_text
from .store import WORK_FOLDER

PROGRESS = "progress.json"
LAYOUT = 2
"""Layout 1 (one progress file carrying the counters, per-word caps counted from records) cannot be resumed."""


def shard_path(work: Path, chunk: int) -> Path:
    return work / f"shard-{chunk:07d}.jsonl"


def marker_path(work: Path, chunk: int) -> Path:
    return work / f"chunk-{chunk:07d}.json"


class ShardWriter:
    """Committed chunks of records under ``<out_dir>/work``."""

    def __init__(self, out_dir: str | Path, fingerprint: str) -> None:
        self.work = Path(out_dir) / WORK_FOLDER
        self.fingerprint = fingerprint

    def load_state(self) -> dict[str, Any] | None:
        """The folder's progress (``next_chunk``: the first uncommitted chunk), or ``None`` for a
        fresh build; refuses another configuration's or an older layout's work."""
        path = self.work / PROGRESS
        if not path.exists():
            return None
        state = json.loads(path.read_text(encoding="utf-8"))
        if state.get("fingerprint") != self.fingerprint:
            raise ValueError(
                f"{self.work} holds a partial build made with a different configuration "
                f"(fingerprint {state.get('fingerprint')}, now {self.fingerprint}); "
                "use another output folder or pass overwrite=True (--overwrite)"
            )
        if state.get("layout") != LAYOUT:
            raise ValueError(
                f"{self.work} holds a partial build of an older wicdistill (layout {state.get('layout', 1)}, "
                f"now {LAYOUT}); rerun with --overwrite (overwrite=True) to rebuild it"
            )
        next_chunk = 0
        while marker_path(self.work, next_chunk).exists():
            next_chunk += 1
        return {**state, "next_chunk": next_chunk}

    def start(self) -> None:
        """Claim the folder for this configuration (kept as is when resuming)."""
        if not (self.work / PROGRESS).exists():
            self._write_progress(finished=False)

    def _write_progress(self, finished: bool) -> None:
        state = {"fingerprint": self.fingerprint, "layout": LAYOUT, "finished": finished}
        atomic_write_text(self.work / PROGRESS, json.dumps(state))

    def committed(self, chunk: int) -> dict[str, Any] | None:
        """A committed chunk's marker (``records``, ``stats``, the ``process`` that built it), ``None``
        if it is not committed."""
        path = marker_path(self.work, chunk)
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def commit(
        self, chunk: int, records: list[dict[str, Any]], stats: dict[str, Any], process: int = 0
    ) -> None:
        """Make a chunk's records durable, then mark it committed.

        Both writes are atomic, so a failure (a full disk) leaves the committed chunks whole; the
        error says so, and rerunning resumes from them."""
        try:
            lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
            atomic_write_text(shard_path(self.work, chunk), lines)
            marker = {"records": len(records), "stats": stats, "process": process}
            atomic_write_text(marker_path(self.work, chunk), json.dumps(marker, ensure_ascii=False))
        except OSError as error:
            raise OSError(
                error.errno,
                f"could not write chunk {chunk} under {self.work} ({error.strerror or error}); the chunks "
                f"before it are intact: free space and rerun the same command to resume",
            ) from error

    def mark_finished(self) -> None:
        self._write_progress(finished=True)

    def records(self, chunks: int) -> Iterator[dict[str, Any]]:
        """Records of chunks ``0 .. chunks - 1``, in input order, streamed from their shards."""
        for chunk in range(chunks):
            with open(shard_path(self.work, chunk), encoding="utf-8") as handle:
                for line in handle:
                    yield json.loads(line)

    def reset(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)
