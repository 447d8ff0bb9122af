"""Installing a benchmark into the data cache: fetch (or take a local copy), verify, unpack, rename.

Everything happens in a hidden work folder inside the cache, and the benchmark's folder appears
only by one final rename after every check passed, so an interrupted or failed install leaves no
installed folder behind (a killed process may leave its hidden ``.NAME.*.staging`` folder, which
nothing reads; delete it at leisure).

Verification: a release file whose sha256 is pinned must match it; after unpacking, every file the
registry pins must be present and match. A local copy (``source``) is verified the same way, so a
copy of the official archive, or of a data folder holding the same files, passes; a modified copy
(a test fixture, a re-encoded file) is refused unless ``verify=False``, and is then installed and
recorded as unverified. A benchmark with no pin at all is refused unless ``allow_unpinned``; the
error prints the sha256 it got so that it can be reported and pinned.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from ..io_utils import atomic_write_json, read_json
from .benchmarks import Benchmark, Release
from .data_roots import data_cache_dir

__all__ = ["MANIFEST", "InstallResult", "install", "read_manifest", "sha256_of"]

MANIFEST = ".wicdistill-install.json"
FETCH_TIMEOUT_S = 60
_CHUNK = 1 << 20


@dataclass
class InstallResult:
    """What one install did, for the command's summary."""

    benchmark: Benchmark
    folder: Path
    already_installed: bool = False
    verified: bool = True
    files_checked: int = 0
    files_total: int = 0
    unpinned: list[tuple[str, str]] = field(default_factory=list)


def sha256_of(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(folder: str | os.PathLike) -> dict | None:
    """The install record of a cache folder (None for folders not installed by ``install``)."""
    path = Path(folder) / MANIFEST
    return read_json(path) if path.is_file() else None


def install(
    benchmark: Benchmark,
    source: str | os.PathLike | None = None,
    cache: str | os.PathLike | None = None,
    verify: bool = True,
    allow_unpinned: bool = False,
    force: bool = False,
    log: Callable[[str], None] = print,
) -> InstallResult:
    """Install ``benchmark`` into ``cache / benchmark.folder`` from its release URLs or ``source``.

    ``source``: an archive or file of the release, or a folder holding the release files or laid
    out like a data folder (``source / benchmark.folder``). An installed folder is kept unless
    ``force``.
    """
    cache = Path(cache) if cache is not None else data_cache_dir()
    destination = cache / benchmark.folder
    if destination.exists() and not force:
        return InstallResult(benchmark, destination, already_installed=True)
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{benchmark.name}.", suffix=".staging", dir=cache))
    try:
        staging = work / "content"
        staging.mkdir()
        result = InstallResult(benchmark, destination, verified=verify)
        obtained = _obtain(benchmark, source, work, staging, verify, log)
        files = sorted(p for p in staging.rglob("*") if p.is_file())
        result.files_total = len(files)
        if verify:
            result.files_checked = _check_pins(benchmark, staging, _origin(benchmark, source))
            archive_pins = sum(1 for release, _ in obtained if release.sha256)
            if not archive_pins and not result.files_checked:
                got_files = [(r.filename, digest) for r, digest in obtained]
                result.unpinned = got_files or [(p.name, sha256_of(p)) for p in files]
                if not allow_unpinned:
                    got = ", ".join(f"{name} {digest}" for name, digest in result.unpinned)
                    raise ValueError(
                        f"{benchmark.name}: no pinned sha256 to check {_origin(benchmark, source)} "
                        f"against (got {got}); rerun with --allow-unpinned to install it anyway, "
                        "and report the hash"
                    )
        atomic_write_json(staging / MANIFEST, _manifest(benchmark, source, obtained, result))
        destination.parent.mkdir(parents=True, exist_ok=True)
        if destination.exists():
            os.replace(destination, work / "previous")
        os.replace(staging, destination)
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _origin(benchmark: Benchmark, source: str | os.PathLike | None) -> str:
    return f"the local copy {source}" if source is not None else "the download"


def _obtain(
    benchmark: Benchmark,
    source: str | os.PathLike | None,
    work: Path,
    staging: Path,
    verify: bool,
    log: Callable[[str], None],
) -> list[tuple[Release, str]]:
    """Fill ``staging`` with the benchmark folder's content; returns the release files used and
    their sha256 (none when a data folder's copy was taken)."""
    if source is not None and (Path(source) / benchmark.folder).is_dir():
        shutil.copytree(Path(source) / benchmark.folder, staging, dirs_exist_ok=True)
        return []
    obtained = []
    for release, path in _release_files(benchmark, source, work, log):
        got = sha256_of(path)
        if verify and release.sha256:
            if got != release.sha256:
                raise ValueError(
                    f"{benchmark.name}: sha256 mismatch for {release.filename}: "
                    f"expected {release.sha256}, got {got}"
                )
        _unpack(release, path, staging / release.target)
        obtained.append((release, got))
    return obtained


def _release_files(
    benchmark: Benchmark, source: str | os.PathLike | None, work: Path, log: Callable[[str], None]
) -> Iterator[tuple[Release, Path]]:
    if source is None:
        missing = [release.filename for release in benchmark.releases if not release.url]
        if missing:
            raise FileNotFoundError(
                f"{benchmark.name} has no download URL for {', '.join(missing)} ({benchmark.note}): "
                f"install it with `wicdistill data download {benchmark.name} --from FILE_OR_DIR`"
            )
        for release in benchmark.releases:
            log(f"{benchmark.name}: fetching {release.url}")
            yield release, _fetch(release, work)
        return
    source = Path(source)
    if source.is_file():
        by_name = {release.filename: release for release in benchmark.releases}
        if len(benchmark.releases) == 1:
            yield benchmark.releases[0], source
            return
        if source.name not in by_name:
            raise ValueError(
                f"{source} is not one of the release files of {benchmark.name} "
                f"({', '.join(by_name)}): pass a folder holding them with --from"
            )
        others = [name for name in by_name if name != source.name]
        raise ValueError(
            f"{benchmark.name} needs {', '.join(others)} as well as {source.name}: "
            "pass a folder holding all of them with --from"
        )
    if not source.is_dir():
        raise FileNotFoundError(f"--from {source}: no such file or folder")
    missing = [r.filename for r in benchmark.releases if not (source / r.filename).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{source} holds neither {benchmark.folder}/ (a data folder) nor the release files "
            f"{', '.join(missing)} of {benchmark.name}"
        )
    for release in benchmark.releases:
        yield release, source / release.filename


def _fetch(release: Release, work: Path) -> Path:
    """Download ``release`` into ``work`` (a ``.part`` file renamed once complete)."""
    partial = work / f"{release.filename}.part"
    try:
        with urllib.request.urlopen(release.url, timeout=FETCH_TIMEOUT_S) as response:
            with open(partial, "wb") as out:
                shutil.copyfileobj(response, out, _CHUNK)
                out.flush()
                os.fsync(out.fileno())
    except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
        from ..cli import HubFailure  # the network exit code (3)

        reason = getattr(err, "reason", err)
        raise HubFailure(
            f"could not download {release.url}: {reason}; fetch {release.filename} yourself and "
            "install it with --from FILE"
        ) from None
    final = work / release.filename
    os.replace(partial, final)
    return final


def _unpack(release: Release, path: Path, target: Path) -> None:
    """Copy a plain file to ``target``, or an archive's content root (found by its anchor) into it."""
    if release.anchor is None:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        return
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = {info.filename: info for info in archive.infolist() if not info.is_dir()}
            _copy_members(release, path, members, lambda info: archive.open(info), target)
    elif tarfile.is_tarfile(path):
        with tarfile.open(path) as archive:
            members = {info.name: info for info in archive.getmembers() if info.isfile()}
            _copy_members(release, path, members, archive.extractfile, target)
    else:
        raise ValueError(f"{path} is not a zip or tar archive (expected {release.filename})")


def _copy_members(
    release: Release,
    path: Path,
    members: dict[str, object],
    open_member: Callable[[object], BinaryIO],
    target: Path,
) -> None:
    anchored = [name for name in members if name == release.anchor or name.endswith("/" + release.anchor)]
    if not anchored:
        raise ValueError(f"{path} has no member {release.anchor!r}: is it {release.filename} of the release?")
    prefix = min(anchored, key=len)[: -len(release.anchor)]
    for name, info in members.items():
        if not name.startswith(prefix):
            continue
        relative = PurePosixPath(name[len(prefix) :])
        if "__MACOSX" in relative.parts or relative.name.startswith("._"):
            continue
        if relative.is_absolute() or ".." in relative.parts:
            raise ValueError(f"{path}: member {name!r} points outside the archive; refusing to unpack")
        out = target.joinpath(*relative.parts)
        out.parent.mkdir(parents=True, exist_ok=True)
        with open_member(info) as src, open(out, "wb") as dst:
            shutil.copyfileobj(src, dst, _CHUNK)


def _check_pins(benchmark: Benchmark, staging: Path, origin: str) -> int:
    """Compare every pinned file with its sha256; returns how many were checked."""
    for relative, expected in sorted(benchmark.sha256.items()):
        path = staging / relative
        if not path.is_file():
            raise ValueError(
                f"{benchmark.name}: {relative} is missing from {origin} (a pinned file of the release)"
            )
        got = sha256_of(path)
        if got != expected:
            raise ValueError(
                f"{benchmark.name}: sha256 mismatch for {relative} from {origin}: "
                f"expected {expected}, got {got}"
            )
    return len(benchmark.sha256)


def _manifest(
    benchmark: Benchmark,
    source: str | os.PathLike | None,
    obtained: list[tuple[Release, str]],
    result: InstallResult,
) -> dict:
    return {
        "benchmark": benchmark.name,
        "installed_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "from": f"local copy {Path(source).name}" if source is not None else "download",
        "releases": [
            {"file": release.filename, "url": release.url, "sha256": digest} for release, digest in obtained
        ],
        "verified": result.verified,
        "files_checked": result.files_checked,
        "licence": benchmark.licence,
        "citation": benchmark.citation,
    }
