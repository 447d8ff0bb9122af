"""What a feature cache's done markers certify, and the checks run each time a cache is reused.

A chunk is marked done only after its rows of ``stacks.npy`` were fsynced, read back and found
finite; its marker (``done/chunk-NNNNNN.ok``, JSON) records their row range, byte count and sha256.
A complete cache's meta.json repeats every chunk's sha256 and holds those of the index and hosts.

Every open runs the fast path (file sizes, every marker present and matching meta.json, index and
hosts hashed in memory: milliseconds); ``verify=True`` re-reads and re-hashes all of the stacks.
Caches written before checksums (plain-text markers) are accepted with a one-time warning.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path
from typing import Any

import numpy as np

from ..io_utils import atomic_write_text

__all__ = [
    "MARKER_SCHEMA",
    "FeatureCacheCorrupt",
    "NonFiniteFeaturesError",
    "array_offset",
    "array_sha256",
    "check_complete_cache",
    "check_marker",
    "chunk_checksums",
    "marker_path",
    "read_marker",
    "refetch_fix",
    "remove_cache",
    "seal_chunk",
    "stacks_offset",
    "verify_chunk",
]

logger = logging.getLogger(__name__)

MARKER_SCHEMA = "wicdistill.features.chunk/1"
_READ_BYTES = 16 << 20
_LEGACY_MARKER = re.compile(r"^\((\d+), (\d+)\)\s*$")
_FP16_EXPONENT = np.uint16(0x7C00)  # all exponent bits set: Inf or NaN
_warned_unverified: set[str] = set()


class FeatureCacheCorrupt(ValueError):
    """A cache file does not match its size, marker or checksum; the message names the fix."""


class NonFiniteFeaturesError(ValueError):
    """NaN/Inf in features: from the encoder (names the records) or on disk (names the chunk)."""


def marker_path(folder: Path, chunk: int) -> Path:
    """Where chunk ``chunk``'s done marker lives (six digits: markers sort in chunk order)."""
    return folder / "done" / f"chunk-{chunk:06d}.ok"


def refetch_fix(folder: Path, chunk: int) -> str:
    """The two ways to repair one chunk: re-extract it alone, or rebuild the whole cache."""
    return (
        f"delete {marker_path(folder, chunk)} and rerun extract-features to re-extract it, "
        "or rerun with --overwrite"
    )


def array_offset(path: Path, shape: tuple[int, ...], dtype: np.dtype) -> int:
    """Data offset of the ``.npy`` file ``path`` after checking its header and its exact size.

    numpy reports a short file as "mmap length is greater than file size" or a failed reshape,
    naming neither the file nor how much is missing.
    """
    if not path.exists():
        raise FeatureCacheCorrupt(f"{path} is missing: rerun extract-features with --overwrite")
    try:
        with open(path, "rb") as handle:
            version = np.lib.format.read_magic(handle)
            if version == (1, 0):
                header = np.lib.format.read_array_header_1_0(handle)
            else:
                header = np.lib.format.read_array_header_2_0(handle)
            offset = handle.tell()
    except (ValueError, OSError, SyntaxError) as err:
        raise FeatureCacheCorrupt(
            f"{path} has no valid .npy header ({err}): rerun extract-features with --overwrite"
        ) from None
    found_shape, fortran, found_dtype = header
    if tuple(found_shape) != tuple(shape) or found_dtype != dtype or fortran:
        raise FeatureCacheCorrupt(
            f"{path} holds {found_dtype} {tuple(found_shape)}, meta.json expects {np.dtype(dtype)} "
            f"{tuple(shape)}: rerun extract-features with --overwrite"
        )
    expected = offset + int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
    actual = path.stat().st_size
    if actual != expected:
        state = "truncated" if actual < expected else "longer than its header says"
        raise FeatureCacheCorrupt(
            f"{path} is {state}: {actual} bytes, expected {expected} for {np.dtype(dtype)} "
            f"{tuple(shape)}: rerun extract-features with --overwrite"
        )
    return offset


def stacks_offset(folder: Path, meta: dict[str, Any]) -> int:
    """``array_offset`` of stacks.npy against the shape meta.json records."""
    return array_offset(folder / "stacks.npy", tuple(meta["shape"]), np.dtype(np.float16))


def _scan_rows(
    path: Path, offset: int, row_bytes: int, rows: tuple[int, int], check_finite: bool
) -> tuple[str, int | None]:
    """sha256 of rows ``[start, end)`` read from disk, and the first non-finite row (if asked)."""
    start, end = rows
    digest = hashlib.sha256()
    rows_per_read = max(1, _READ_BYTES // row_bytes)
    buffer = bytearray(min(end - start, rows_per_read) * row_bytes)
    with open(path, "rb", buffering=0) as handle:
        for first in range(start, end, rows_per_read):
            count = min(rows_per_read, end - first)
            view = memoryview(buffer)[: count * row_bytes]
            handle.seek(offset + first * row_bytes)
            got = handle.readinto(view)
            while got < len(view):
                more = handle.readinto(view[got:])
                if not more:
                    raise FeatureCacheCorrupt(
                        f"{path} ends inside row {first + got // row_bytes}: rerun extract-features "
                        "with --overwrite"
                    )
                got += more
            digest.update(view)
            if check_finite:
                bits = np.frombuffer(view, dtype=np.uint16)
                bad = np.flatnonzero((bits & _FP16_EXPONENT) == _FP16_EXPONENT)
                if len(bad):
                    return digest.hexdigest(), first + int(bad[0]) * 2 // row_bytes
    return digest.hexdigest(), None


def seal_chunk(folder: Path, offset: int, row_bytes: int, chunk: int, rows: tuple[int, int]) -> dict:
    """Hash chunk ``chunk`` as it is on disk and write its marker, refusing NaN/Inf."""
    path = folder / "stacks.npy"
    sha, bad_row = _scan_rows(path, offset, row_bytes, rows, check_finite=True)
    if bad_row is not None:
        raise NonFiniteFeaturesError(
            f"{path} chunk {chunk} (rows {rows[0]}-{rows[1] - 1}) holds NaN/Inf from row {bad_row}: "
            f"not marking it done; {refetch_fix(folder, chunk)}"
        )
    marker = {
        "schema": MARKER_SCHEMA,
        "chunk": chunk,
        "rows": [int(rows[0]), int(rows[1])],
        "bytes": (rows[1] - rows[0]) * row_bytes,
        "sha256": sha,
    }
    atomic_write_text(marker_path(folder, chunk), json.dumps(marker) + "\n")
    return marker


def read_marker(folder: Path, chunk: int) -> dict | None:
    """The marker of ``chunk`` (``legacy`` true for one without checksum), or None if absent."""
    path = marker_path(folder, chunk)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    legacy = _LEGACY_MARKER.match(text)
    if legacy:
        return {"chunk": chunk, "rows": [int(legacy[1]), int(legacy[2])], "legacy": True}
    try:
        marker = json.loads(text)
        if marker.get("schema") != MARKER_SCHEMA or marker.get("chunk") != chunk:
            raise ValueError(f"schema {marker.get('schema')!r}, chunk {marker.get('chunk')!r}")
        rows, size, sha = marker["rows"], int(marker["bytes"]), str(marker["sha256"])
        marker["rows"] = [int(rows[0]), int(rows[1])]
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as err:
        raise FeatureCacheCorrupt(
            f"{path} is not a valid done marker ({err}): {refetch_fix(folder, chunk)}"
        ) from None
    return {**marker, "bytes": size, "sha256": sha, "legacy": False}


def check_marker(folder: Path, marker: dict, rows: tuple[int, int], row_bytes: int) -> None:
    """Refuse a marker for other rows than the plan gives its chunk, or of the wrong size."""
    chunk = marker["chunk"]
    if tuple(marker["rows"]) != tuple(rows):
        raise FeatureCacheCorrupt(
            f"{marker_path(folder, chunk)} covers rows {marker['rows']}, chunk {chunk} is rows "
            f"{list(rows)}: {refetch_fix(folder, chunk)}"
        )
    if not marker["legacy"] and marker["bytes"] != (rows[1] - rows[0]) * row_bytes:
        raise FeatureCacheCorrupt(
            f"{marker_path(folder, chunk)} claims {marker['bytes']} bytes, chunk {chunk} holds "
            f"{(rows[1] - rows[0]) * row_bytes}: {refetch_fix(folder, chunk)}"
        )


def verify_chunk(folder: Path, offset: int, row_bytes: int, marker: dict) -> None:
    """Re-hash one chunk against its marker (a legacy marker: check its values are finite)."""
    chunk, rows = marker["chunk"], tuple(marker["rows"])
    path = folder / "stacks.npy"
    sha, bad_row = _scan_rows(path, offset, row_bytes, rows, check_finite=marker["legacy"])
    if bad_row is not None:
        raise NonFiniteFeaturesError(
            f"{path} chunk {chunk} (rows {rows[0]}-{rows[1] - 1}) holds NaN/Inf from row {bad_row}: "
            f"{refetch_fix(folder, chunk)}"
        )
    if not marker["legacy"] and sha != marker["sha256"]:
        raise FeatureCacheCorrupt(
            f"{path} chunk {chunk} (rows {rows[0]}-{rows[1] - 1}) does not match its checksum: "
            f"{refetch_fix(folder, chunk)}"
        )


def array_sha256(array: np.ndarray) -> str:
    """sha256 of an array's bytes in C order: hashes the loaded index/hosts without a second read."""
    return hashlib.sha256(memoryview(np.ascontiguousarray(array)).cast("B")).hexdigest()


def check_complete_cache(
    folder: Path, meta: dict[str, Any], index: np.ndarray, hosts: np.ndarray, verify: bool
) -> None:
    """The checks of every reuse of a complete cache; ``verify`` adds a full re-hash of the stacks."""
    offset = stacks_offset(folder, meta)
    row_bytes = int(np.prod(meta["shape"][1:])) * 2
    checksums = meta.get("checksums")
    if checksums is not None and len(checksums.get("chunks", [])) != meta["num_chunks"]:
        raise FeatureCacheCorrupt(
            f"{folder / 'meta.json'} records {len(checksums.get('chunks', []))} chunk checksums for "
            f"{meta['num_chunks']} chunks: rerun extract-features with --overwrite"
        )
    markers, next_row = [], 0
    for chunk in range(int(meta["num_chunks"])):
        marker = read_marker(folder, chunk)
        if marker is None:
            raise FeatureCacheCorrupt(
                f"{marker_path(folder, chunk)} is missing although {folder / 'meta.json'} marks the "
                f"cache complete: rerun extract-features on {folder} to re-extract chunk {chunk}, "
                "or rerun with --overwrite"
            )
        start, end = marker["rows"]
        if start != next_row or not start < end <= meta["num_targets"]:
            raise FeatureCacheCorrupt(
                f"{marker_path(folder, chunk)} covers rows {marker['rows']}, expected rows from "
                f"{next_row} up to at most {meta['num_targets']}: {refetch_fix(folder, chunk)}"
            )
        check_marker(folder, marker, (start, end), row_bytes)
        if checksums is not None and (marker["legacy"] or marker["sha256"] != checksums["chunks"][chunk]):
            raise FeatureCacheCorrupt(
                f"{marker_path(folder, chunk)} does not match the checksum {folder / 'meta.json'} "
                f"records for chunk {chunk}: {refetch_fix(folder, chunk)}"
            )
        markers.append(marker)
        next_row = marker["rows"][1]
    if next_row != meta["num_targets"]:
        raise FeatureCacheCorrupt(
            f"the done markers of {folder} cover rows 0-{next_row - 1} of {meta['num_targets']}: "
            "rerun extract-features with --overwrite"
        )
    if checksums is None:
        if str(folder) not in _warned_unverified:
            _warned_unverified.add(str(folder))
            logger.warning(
                "feature cache at %s predates checksums (written by an older wicdistill): its stacks "
                "are unverified; extract-features --verify checks that they are finite, --overwrite "
                "rebuilds the cache with checksums",
                folder,
            )
    else:
        for name, array in (("index.npy", index), ("hosts.npy", hosts)):
            if array_sha256(array) != checksums[name]:
                raise FeatureCacheCorrupt(
                    f"{folder / name} does not match its checksum in {folder / 'meta.json'}: "
                    "rerun extract-features with --overwrite"
                )
    if verify:
        for marker in markers:
            verify_chunk(folder, offset, row_bytes, marker)


def remove_cache(folder: Path) -> None:
    """Delete the files of a cache (meta.json first, so no crash leaves a 'complete' claim)."""
    for name in ("meta.json", "stacks.npy", "index.npy", "hosts.npy"):
        (folder / name).unlink(missing_ok=True)
    done = folder / "done"
    if done.is_dir():
        for marker in done.glob("chunk-*.ok"):
            marker.unlink()
        if not any(done.iterdir()):
            done.rmdir()


def chunk_checksums(folder: Path, num_chunks: int) -> list[str]:
    """The sha256 of every chunk, from its marker (all of them must be checksummed markers)."""
    sums = []
    for chunk in range(num_chunks):
        marker = read_marker(folder, chunk)
        if marker is None or marker["legacy"]:
            raise FeatureCacheCorrupt(
                f"{marker_path(folder, chunk)} is {'missing' if marker is None else 'without checksum'}: "
                "rerun extract-features"
            )
        sums.append(marker["sha256"])
    return sums
