"""Resumable, append-only output: one JSONL shard per chunk of input pairs and a progress file.

A shard is written to a temporary file, flushed and renamed; only then does ``progress.json``
(also written atomically) move past its chunk. A crash therefore loses at most the chunk in
flight, which the next run redoes from the same input position with the same counters.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PROGRESS = "progress.json"


def atomic_write(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder, fsync, rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ShardWriter:
    """Committed chunks of records under ``<out_dir>/work``."""

    def __init__(self, out_dir: str | Path, fingerprint: str) -> None:
        self.work = Path(out_dir) / "work"
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
        """Make a chunk's records durable, then advance the progress marker past it."""
        if records:
            lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
            atomic_write(self.work / f"shard-{chunk:07d}.jsonl", lines)
        state = {**state, "fingerprint": self.fingerprint, "next_chunk": chunk + 1}
        atomic_write(self.work / PROGRESS, json.dumps(state, ensure_ascii=False))

    def mark_finished(self, state: dict[str, Any]) -> None:
        atomic_write(
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
