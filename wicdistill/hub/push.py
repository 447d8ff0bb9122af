"""Upload an exported folder to a Hub model repository.

The repository is created if needed and the folder uploaded with ``upload_folder`` as one
commit; remote files that the folder no longer holds are deleted in that commit, so the branch
mirrors the export (a stale ``model.safetensors`` beside new heads would load silently wrong).
``model.push_to_hub`` is not used: in transformers v5 it rewrites ``README.md``.
Repo ids and the token are checked before any call to the Hub.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from huggingface_hub import HfApi, get_token

_NAME_PART = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
MAX_PART_LENGTH = 96
EXPORT_MARKERS = ("config.json", "README.md")


class MissingTokenError(RuntimeError):
    """No Hugging Face token was given, set in the environment, or stored by a login."""


def validate_repo_id(repo_id: str) -> str:
    """``repo_id`` if it has the form ``namespace/name`` with characters the Hub accepts."""
    if not isinstance(repo_id, str) or repo_id.count("/") != 1:
        raise ValueError(
            f"repo id {repo_id!r} must have the form 'namespace/name' (a user or organisation, then the "
            f"model name), e.g. 'my-org/wic-distill-minilm'"
        )
    for label, part in zip(("namespace", "name"), repo_id.split("/")):
        if (
            len(part) > MAX_PART_LENGTH
            or not _NAME_PART.fullmatch(part)
            or "--" in part
            or ".." in part
            or part.endswith(".git")
        ):
            raise ValueError(
                f"repo id {repo_id!r}: the {label} {part!r} must be 1-{MAX_PART_LENGTH} letters, digits, '-', "
                f"'_' or '.', start and end with a letter or digit, and contain no '--', '..' or '.git' ending"
            )
    return repo_id


def validate_revision(revision: str) -> str:
    """A branch name usable in ``upload_folder(revision=...)``."""
    if (
        not revision
        or any(c.isspace() for c in revision)
        or ".." in revision
        or revision.startswith(("/", "-"))
    ):
        raise ValueError(f"revision {revision!r} is not a valid branch name (e.g. 'main' or 'v1')")
    return revision


def resolve_token(token: str | None = None) -> str:
    """The token to push with: ``token``, else ``HF_TOKEN``, else the one stored by ``hf auth login``."""
    resolved = token or get_token()
    if not resolved:
        raise MissingTokenError(
            "no Hugging Face token to push with: pass --token (token=...), set the HF_TOKEN environment "
            "variable, or log in once with `hf auth login`; the token needs write access"
        )
    return resolved


def check_export_folder(folder: str | os.PathLike) -> Path:
    """``folder`` as a path, if it looks like the output of ``wicdistill export``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder; export the model first with `wicdistill export`")
    missing = [name for name in EXPORT_MARKERS if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{folder} is not an exported model folder (missing {', '.join(missing)}); "
            f"run `wicdistill export MODEL_DIR {folder}` first"
        )
    return folder


def push_folder(
    folder: str | os.PathLike,
    repo_id: str,
    private: bool = False,
    revision: str | None = None,
    token: str | None = None,
    api: Any | None = None,
    commit_message: str | None = None,
) -> str:
    """Create ``repo_id`` if needed and upload ``folder`` to it as one commit; return the commit URL.

    ``private`` applies when the repository is created (an existing one keeps its visibility);
    ``revision`` names a branch, created if needed. ``api`` stands in for ``HfApi()`` in tests.
    """
    validate_repo_id(repo_id)
    if revision is not None:
        validate_revision(revision)
    folder = check_export_folder(folder)
    token = resolve_token(token)
    api = api if api is not None else HfApi()
    api.create_repo(repo_id, token=token, private=private, repo_type="model", exist_ok=True)
    if revision and revision != "main":
        api.create_branch(repo_id, branch=revision, token=token, repo_type="model", exist_ok=True)
    commit = api.upload_folder(
        repo_id=repo_id,
        folder_path=str(folder),
        repo_type="model",
        revision=revision,
        token=token,
        commit_message=commit_message or "Upload wicdistill model",
        delete_patterns=["*"],
    )
    return str(getattr(commit, "commit_url", None) or commit)
