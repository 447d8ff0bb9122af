"""Resumable, append-only output: one JSONL shard per chunk of input pairs and a progress file.

A shard is written to a temporary file, flushed and renamed; only then does ``progress.json``
(also written atomically) move past its chunk. A crash therefore loses at most the chunk in
flight, which the next run redoes from the same input position with the same counters.
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


class ShardWriter:
    """Committed chunks of records under ``<out_dir>/work``."""

    def __init__(self, out_dir: str | Path, fingerprint: str) -> None:
        self.work = Path(out_dir) / WORK_FOLDER
        self.fingerprint = fingerprint

    def load_state(self) -> dict[str, Any] | None:
        """The committed progress, or ``None`` for a fresh build; refuses another config's work."""
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
        return state

    def commit(self, chunk: int, records: list[dict[str, Any]], state: dict[str, Any]) -> None:
        """Make a chunk's records durable, then advance the progress marker past it.

        Both writes are atomic, so a failure (a full disk) leaves the previous chunk's state whole;
        the error says so, and rerunning resumes from it."""
        try:
            if records:
                lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
                atomic_write_text(self.work / f"shard-{chunk:07d}.jsonl", lines)
            state = {**state, "fingerprint": self.fingerprint, "next_chunk": chunk + 1}
            atomic_write_text(self.work / PROGRESS, json.dumps(state, ensure_ascii=False))
        except OSError as error:
            raise OSError(
                error.errno,
                f"could not write chunk {chunk} under {self.work} ({error.strerror or error}); the chunks "
                f"before it are intact: free space and rerun the same command to resume",
            ) from error

    def mark_finished(self, state: dict[str, Any]) -> None:
        atomic_write_text(
            self.work / PROGRESS, json.dumps({**state, "fingerprint": self.fingerprint, "finished": True})
        )

    def records(self, next_chunk: int) -> Iterator[dict[str, Any]]:
        """Records of the committed chunks, in input order (stale shards past the marker are ignored)."""
        for path in sorted(self.work.glob("shard-*.jsonl")):
            if int(path.stem.split("-")[1]) >= next_chunk:
                continue
            with open(path, encoding="utf-8") as handle:
                for line in handle:
                    yield json.loads(line)

    def reset(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)
