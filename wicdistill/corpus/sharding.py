"""The processes of one build (``accelerate launch --num_processes N``): which chunks each owns,
and the two points where they meet.

Chunks of input pairs go round-robin by position (chunk ``c`` to process ``c % N``), so shards
are stable for a given ``chunk_size`` and ``N``; a chunk committed by any process is never redone,
whatever ``N`` the resumed run has. Vocabulary counts are summed over all processes before any
chunk is planned; the main process merges the committed chunks after the last one.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class BuildProcesses:
    rank: int = 0
    world: int = 1
    barrier: Callable[[], None] = lambda: None
    gather: Callable[[Any], list[Any]] = lambda value: [value]

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def owns(self, chunk: int) -> bool:
        return chunk % self.world == self.rank

    @classmethod
    def from_environment(cls) -> BuildProcesses:
        """One process, or the ``accelerate launch`` group this process belongs to (gloo on CPUs)."""
        if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
            return cls()
        import torch.distributed as dist
        from accelerate import PartialState

        from ..distributed import cpu_processes_only

        state = PartialState(cpu=cpu_processes_only())

        def gather(value: Any) -> list[Any]:
            values: list[Any] = [None] * state.num_processes
            dist.all_gather_object(values, value)
            return values

        return cls(state.process_index, state.num_processes, state.wait_for_everyone, gather)


def wait_for_file(path: Path, poll_s: float = 0.02) -> None:
    """Block until another process has written ``path`` (its writes are atomic renames)."""
    while not path.exists():
        time.sleep(poll_s)
