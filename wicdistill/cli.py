"""The ``wicdistill`` command: one sub-command per job, each in the module that owns the job.

A sub-command module defines ``configure(parser)`` (its arguments) and ``run(args) -> int``;
modules are imported only when their command runs, so ``wicdistill --help`` stays fast.
A failure ends with one line on stderr (what failed, the bad value, what to do) and one of the
exit codes below; ``--debug`` (before or after the command) or ``WICDISTILL_DEBUG=1`` prints the
traceback above that line. ``train_accelerate.py`` ends the same way.

Exit codes:
  0    done
  1    bad input: a wrong value or setting, a missing or unusable file or folder, a refused
       model or cache (the line names it and the fix)
  2    usage: an unknown command or option, a missing argument (argparse prints the usage)
  3    network or Hub: no connection, a timeout, a refused or insufficient token, an HTTP error
       from the Hub (the line names the repository where one was involved)
  4    unexpected error: a bug; the traceback is printed, please report it
  130  interrupted (Ctrl-C); long stages resume when the same command is run again
"""

from __future__ import annotations

import argparse
import importlib
import os
import socket
import sys
import traceback
from collections.abc import Callable

__all__ = [
    "COMMANDS",
    "EXIT_BAD_INPUT",
    "EXIT_BUG",
    "EXIT_INTERRUPTED",
    "EXIT_NETWORK",
    "EXIT_OK",
    "EXIT_USAGE",
    "HubFailure",
    "debug_requested",
    "describe_network_error",
    "exit_code",
    "is_network_error",
    "main",
    "report_errors",
]

EXIT_OK = 0
EXIT_BAD_INPUT = 1
EXIT_USAGE = 2
EXIT_NETWORK = 3
EXIT_BUG = 4
EXIT_INTERRUPTED = 130

DEBUG_FLAG = "--debug"
DEBUG_ENV = "WICDISTILL_DEBUG"
# What users can fix from the message: bad values, files and folders (OSError also covers a full
# disk or a refused permission), a missing optional dependency, a diverged training run.
_BAD_INPUT = (ValueError, OSError, ImportError, FloatingPointError)
# HTTP client libraries whose exceptions all mean "the remote side could not be reached or refused"
# (huggingface_hub's HfHubHTTPError derives from its client's HTTPError).
_NETWORK_LIBRARIES = ("httpx", "httpx2", "requests", "urllib3", "aiohttp")

COMMANDS: dict[str, tuple[str, str]] = {
    "quickstart": ("wicdistill.quickstart", "the README main job: corpus, features, training, evaluation"),
    "recipe": ("wicdistill.recipe", "run a recipe YAML end to end: corpus, features, training, evaluation"),
    "build-corpus": (
        "wicdistill.corpus.command",
        "build a training corpus of (anchor, positive, negative) triples",
    ),
    "pivot-positives": (
        "wicdistill.corpus.pivot_command",
        "add records whose positive differs in context and form, pivoting through bitext alignments",
    ),
    "extract-features": ("wicdistill.features.command", "cache the encoder's layer stacks of a corpus"),
    "evaluate": ("wicdistill.evaluation.command", "score a model on word-in-context benchmarks"),
    "fit-mix": (
        "wicdistill.evaluation.mix_command",
        "fit how much of the raw layer mean a trained model's meaning vector keeps, on dev tasks",
    ),
    "data": (
        "wicdistill.evaluation.data_command",
        "list the benchmarks and install them into the data cache",
    ),
    "export": ("wicdistill.hub.export_command", "write a self-contained folder ready for the Hub"),
    "push": ("wicdistill.hub.push_command", "upload an exported folder to a Hub repository"),
}


class HubFailure(ConnectionError):
    """A network or Hub failure whose message already says what failed, where, and what to do."""


def is_network_error(err: BaseException) -> bool:
    """Whether ``err`` means a remote host (the Hub) could not be reached or refused the request."""
    if isinstance(err, BrokenPipeError):  # a closed stdout pipe (``| head``), not the network
        return False
    if isinstance(err, (ConnectionError, TimeoutError, socket.gaierror)):
        return True
    return any(kind.__module__.partition(".")[0] in _NETWORK_LIBRARIES for kind in type(err).__mro__)


def _first_line(err: BaseException) -> str:
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    return lines[0] if lines else type(err).__name__


def _status_code(err: BaseException) -> int | None:
    try:  # httpx raises instead of returning None when an error carries no response
        return getattr(err.response, "status_code", None)  # type: ignore[attr-defined]
    except Exception:
        return None


def describe_network_error(err: BaseException) -> str:
    """One line for a network or Hub failure: what the Hub said (or that it was unreachable) and the fix."""
    status, detail = _status_code(err), _first_line(err)
    said = detail if status is None or detail.startswith(str(status)) else f"HTTP {status}: {detail}"
    if status == 401:
        return (
            f"the Hub refused the token ({said}): pass a valid one with --token, set HF_TOKEN, or log "
            "in again with `hf auth login`"
        )
    if status == 403:
        return (
            f"the token is not allowed to do this ({said}): use a token with write access to that namespace"
        )
    if status == 404:
        return f"not found on the Hub ({said}): check the repository id and the token's access to it"
    if status is not None:
        return f"the Hub answered {said}: retry later"
    if isinstance(err, TimeoutError) or "timeout" in type(err).__name__.lower():
        return f"the Hub did not answer in time ({type(err).__name__}: {detail}): retry later"
    return (
        f"cannot reach the Hugging Face Hub ({type(err).__name__}: {detail}): check the network "
        "connection and any proxy settings (or HF_HUB_OFFLINE), then rerun the same command"
    )


def exit_code(err: BaseException) -> int:
    """The documented exit code of a failure (see the module docstring)."""
    if isinstance(err, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(err, HubFailure) or is_network_error(err):
        return EXIT_NETWORK
    if isinstance(err, _BAD_INPUT):
        return EXIT_BAD_INPUT
    return EXIT_BUG


def _error_line(err: BaseException, code: int) -> str:
    if code == EXIT_NETWORK and not isinstance(err, HubFailure):
        return describe_network_error(err)
    if code == EXIT_BUG:
        return f"unexpected {type(err).__name__}: {_first_line(err)} (a bug: please report it with the traceback above)"
    return " ".join(line.strip() for line in str(err).splitlines() if line.strip()) or type(err).__name__


def debug_requested(argv: list[str]) -> bool:
    """``--debug`` among the options (before any ``--``), or ``$WICDISTILL_DEBUG`` set to a true value."""
    options = argv[: argv.index("--")] if "--" in argv else argv
    env = os.environ.get(DEBUG_ENV, "").strip().lower()
    return DEBUG_FLAG in options or env not in ("", "0", "false", "no", "off")


def report_errors(prog: str, body: Callable[[], int | None], debug: bool) -> int:
    """Run ``body``; a failure becomes one line on stderr and its exit code (plus the traceback with
    ``debug``, and always for a bug)."""
    try:
        return int(body() or EXIT_OK)
    except (Exception, KeyboardInterrupt) as err:
        code = exit_code(err)
        if debug or code == EXIT_BUG:
            traceback.print_exc()
        if code == EXIT_INTERRUPTED:
            print(f"{prog}: interrupted", file=sys.stderr)
        else:
            print(f"{prog}: error: {_error_line(err, code)}", file=sys.stderr)
        return code


def debug_help() -> str:
    """The help line of ``--debug``, the same for every command."""
    return f"print the traceback of a failure above its one-line error (also {DEBUG_ENV}=1)"


def _main_parser() -> argparse.ArgumentParser:
    doc = __doc__ or ""
    parser = argparse.ArgumentParser(
        prog="wicdistill",
        description=doc.splitlines()[0],
        epilog="exit codes:\n" + doc.split("Exit codes:\n", 1)[1].rstrip(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(DEBUG_FLAG, action="store_true", help=debug_help())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace | int:
    """Parsed arguments, or argparse's exit code (help: 0, a usage error: 2) as a return value."""
    try:
        return parser.parse_args(argv)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else EXIT_USAGE


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = debug_requested(argv)
    while argv and argv[0] == DEBUG_FLAG:
        argv.pop(0)
    parser = _main_parser()
    if not argv:
        parser.print_help()
        return EXIT_USAGE
    if argv[0] not in COMMANDS:
        parsed = _parse(parser, argv)
        return parsed if isinstance(parsed, int) else EXIT_USAGE
    module_name, help_text = COMMANDS[argv[0]]
    prog = f"wicdistill {argv[0]}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name and err.name.startswith("wicdistill"):
            print(f"{prog}: not available in this version ({err.name})", file=sys.stderr)
            return EXIT_USAGE
        raise
    command_parser = argparse.ArgumentParser(prog=prog, description=help_text)
    module.configure(command_parser)
    command_parser.add_argument(DEBUG_FLAG, action="store_true", help=debug_help())
    args = _parse(command_parser, argv[1:])
    if isinstance(args, int):
        return args
    del args.debug  # read from argv above; commands never see it
    return report_errors(prog, lambda: module.run(args), debug)


if __name__ == "__main__":
    # run the imported module, not this ``__main__`` copy: commands import ``HubFailure`` from it
    from wicdistill.cli import main as package_main

    raise SystemExit(package_main())
