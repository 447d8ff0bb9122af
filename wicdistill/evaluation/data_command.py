"""``wicdistill data``: list the benchmarks and where they are found, or install them into the cache.

    wicdistill data list [--data-dir DIR ...]
    wicdistill data download [NAME ...] [--from DIR_OR_ARCHIVE] [--no-verify] [--allow-unpinned] [--force]

NAME is a benchmark (``wic``, ``mcl-wic``, ``sts12`` …), a task or a task group (``mcl-wic-dev``,
``sts``); none means every benchmark that has a download URL.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

from .benchmarks import BENCHMARKS, Benchmark, benchmark_for_path
from .data_roots import BUNDLED_DATA, DataRoots, data_cache_dir
from .download import InstallResult, install, read_manifest


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="every benchmark: installed or not, where, licence")
    listing.add_argument(
        "--data-dir",
        action="append",
        help="look in this data folder (repeatable) instead of $WICDISTILL_DATA_DIR / the cache",
    )
    download = sub.add_parser("download", help="install benchmarks into the data cache")
    download.add_argument("names", nargs="*", metavar="NAME", help="benchmarks, tasks or task groups")
    download.add_argument(
        "--from",
        dest="source",
        help="install from a local copy: a release archive/file, a folder holding the release files, "
        "or a data folder laid out like the cache",
    )
    download.add_argument(
        "--no-verify",
        action="store_true",
        help="skip the sha256 checks (a modified local copy); the install is marked unverified",
    )
    download.add_argument(
        "--allow-unpinned",
        action="store_true",
        help="install a benchmark that has no pinned sha256 (the hash it got is printed)",
    )
    download.add_argument("--force", action="store_true", help="replace an installed benchmark")


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        print(format_listing(DataRoots(args.data_dir)))
        return 0
    benchmarks = resolve_benchmarks(args.names)
    if args.source is not None and Path(args.source).is_file() and len(benchmarks) != 1:
        raise ValueError(f"--from {args.source} is one file: name the one benchmark it holds")
    for benchmark in benchmarks:
        result = install(
            benchmark,
            source=args.source,
            verify=not args.no_verify,
            allow_unpinned=args.allow_unpinned,
            force=args.force,
        )
        print(format_result(result))
    return 0


def resolve_benchmarks(names: Iterable[str]) -> list[Benchmark]:
    """Benchmarks for benchmark, task and group names, in order; none -> every downloadable one."""
    from .tasks import resolve_tasks

    names = [name.strip() for name in names if name.strip()]
    if not names:
        return [benchmark for benchmark in BENCHMARKS.values() if benchmark.downloadable]
    chosen: list[Benchmark] = []
    for name in names:
        if name in BENCHMARKS:
            chosen.append(BENCHMARKS[name])
            continue
        try:
            specs = resolve_tasks([name])
        except ValueError:
            raise ValueError(
                f"unknown benchmark {name!r}: expected one of {', '.join(BENCHMARKS)}, or a task or "
                "task group of `wicdistill evaluate --tasks`"
            ) from None
        chosen.extend(benchmark_for_path(relative) for spec in specs for relative in task_files(spec))
    return list({benchmark.name: benchmark for benchmark in chosen}.values())


def task_files(spec) -> list[str]:
    """The files (relative to a data folder) a task reads: its pairs, then its tuning split."""
    return [source.relative for source in (spec.source, spec.tuning) if source is not None]


def required_files() -> dict[str, list[str]]:
    """Per benchmark, the files its tasks read (the offset tasks read MCL-WiC dev, listed there)."""
    from .tasks import TASKS

    needed: dict[str, list[str]] = {name: [] for name in BENCHMARKS}
    for spec in TASKS.values():
        for relative in task_files(spec):
            benchmark = benchmark_for_path(relative)
            if relative not in needed[benchmark.name]:
                needed[benchmark.name].append(relative)
    return needed


def _where(path: Path, relative: str) -> str:
    root = path
    for _ in Path(relative).parts:
        root = root.parent
    if root == BUNDLED_DATA:
        return "bundled with the package"
    if root == data_cache_dir():
        return f"cache {root}"
    return str(root)


def format_listing(roots: DataRoots) -> str:
    """One line per benchmark: name, status (task files found / all), where, licence."""
    rows = [("benchmark", "status", "where", "licence")]
    for name, files in required_files().items():
        benchmark = BENCHMARKS[name]
        found = {relative: roots.find(relative) for relative in files}
        present = [(relative, path) for relative, path in found.items() if path is not None]
        if not present:
            status = "missing"
        elif len(present) == len(files):
            status = "installed"
        else:
            status = f"partial ({len(present)}/{len(files)} files)"
        manifest = read_manifest(data_cache_dir() / benchmark.folder)
        if present and manifest is not None and not manifest.get("verified", True):
            status += ", unverified"
        where = ", ".join(dict.fromkeys(_where(path, relative) for relative, path in present)) or "-"
        rows.append((name, status, where, benchmark.licence))
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3] for row in rows]
    hint = "install: wicdistill data download NAME (into the cache) or --data-dir / $WICDISTILL_DATA_DIR"
    return "\n".join(lines + ["", f"cache: {data_cache_dir()}", hint])


def format_result(result: InstallResult) -> str:
    """What was installed, how it was checked, its licence and citation."""
    benchmark = result.benchmark
    if result.already_installed:
        return f"{benchmark.name}: already installed in {result.folder} (--force replaces it)"
    if not result.verified:
        check = "UNVERIFIED: installed from a local copy without sha256 checks (--no-verify)"
    elif result.unpinned:
        got = ", ".join(f"{name} {digest}" for name, digest in result.unpinned)
        check = f"UNPINNED: no sha256 to check against; got {got} (please report it)"
    elif result.files_checked:
        check = f"{result.files_checked} of {result.files_total} files match their pinned sha256"
        if result.files_checked < result.files_total:
            check += " (the others have no pin)"
    else:
        check = "the release file matches its pinned sha256"
    lines = [
        f"{benchmark.name}: installed into {result.folder}",
        f"  check:    {check}",
        f"  licence:  {benchmark.licence}",
        f"  cite:     {benchmark.citation}",
    ]
    if not result.verified or result.unpinned:
        print(f"warning: {benchmark.name} {check}", file=sys.stderr)
    return "\n".join(lines)
