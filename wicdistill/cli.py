"""The ``wicdistill`` command: one sub-command per job, each in the module that owns the job.

A sub-command module defines ``configure(parser)`` (its arguments) and ``run(args) -> int``;
modules are imported only when their command runs, so ``wicdistill --help`` stays fast.
Bad input ends with a one-line error and exit code 1 (``WICDISTILL_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "quickstart": ("wicdistill.quickstart", "the README main job: corpus, features, training, evaluation"),
    "recipe": ("wicdistill.recipe", "run a recipe YAML end to end: corpus, features, training, evaluation"),
    "build-corpus": (
        "wicdistill.corpus.command",
        "build a training corpus of (anchor, positive, negative) triples",
    ),
    "extract-features": ("wicdistill.features.command", "cache the encoder's layer stacks of a corpus"),
    "evaluate": ("wicdistill.evaluation.command", "score a model on word-in-context benchmarks"),
    "export": ("wicdistill.hub.export_command", "write a self-contained folder ready for the Hub"),
    "push": ("wicdistill.hub.push_command", "upload an exported folder to a Hub repository"),
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="wicdistill", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        parser.parse_args(argv or ["--help"])
        return 2
    module_name, help_text = COMMANDS[argv[0]]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name and err.name.startswith("wicdistill"):
            print(f"wicdistill {argv[0]}: not available in this version ({err.name})", file=sys.stderr)
            return 2
        raise
    command_parser = argparse.ArgumentParser(prog=f"wicdistill {argv[0]}", description=help_text)
    module.configure(command_parser)
    args = command_parser.parse_args(argv[1:])
    try:
        return int(module.run(args) or 0)
    except (ValueError, FileNotFoundError) as err:
        if os.environ.get("WICDISTILL_DEBUG"):
            raise
        print(f"wicdistill {argv[0]}: error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
