"""``wicdistill push OUT_DIR REPO_ID``: upload an exported folder to a Hub model repository.

Bad input (a repo id, the folder, no token) raises for ``wicdistill.cli`` to report (exit 1); a
network or Hub failure becomes one ``HubFailure`` line naming the repository (exit 3).
"""

from __future__ import annotations

import argparse

from ..cli import HubFailure, describe_network_error, is_network_error
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
    except MissingTokenError as err:  # found before any call to the Hub: the user's to fix
        raise PermissionError(str(err)) from err
    except Exception as err:
        if not is_network_error(err):
            raise
        raise HubFailure(
            f"could not push {args.out_dir} to {args.repo_id}: {describe_network_error(err)}"
        ) from err
    print(f"pushed {args.out_dir} to {args.repo_id}: {url}")
    return 0
