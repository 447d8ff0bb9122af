"""``wicdistill push OUT_DIR REPO_ID``: upload an exported folder to a Hub model repository."""

from __future__ import annotations

import argparse
import sys

from .push import MissingTokenError, push_folder


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out_dir", help="a folder written by `wicdistill export`")
    parser.add_argument("repo_id", help="namespace/name of the model repository (created if missing)")
    parser.add_argument("--private", action="store_true", help="create the repository as private")
    parser.add_argument("--revision", help="branch to push to (created if missing; default: main)")
    parser.add_argument(
        "--token", help="a write token (default: $HF_TOKEN, then the stored login; prefer those to this flag)"
    )
    parser.add_argument("--commit-message", help="message of the upload commit")


def run(args: argparse.Namespace) -> int:
    try:
        url = push_folder(
            args.out_dir,
            args.repo_id,
            private=args.private,
            revision=args.revision,
            token=args.token,
            commit_message=args.commit_message,
        )
    except (FileNotFoundError, ValueError, MissingTokenError) as err:
        print(f"wicdistill push: {err}", file=sys.stderr)
        return 2
    print(f"pushed {args.out_dir} to {args.repo_id}: {url}")
    return 0
