"""One call from a trained model folder to a Hub repository: export to a temporary folder, push.

``train_accelerate.py --push_to_hub REPO_ID`` calls [`publish`] at the end of training. The repo
id and token are checked first, so a typo fails before minutes of export and upload.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from .card_data import CardData
from .export import export_model
from .push import push_folder, resolve_token, validate_repo_id, validate_revision


def publish(
    model_dir: str | os.PathLike,
    repo_id: str,
    *,
    card_data: CardData | None = None,
    private: bool = False,
    revision: str | None = None,
    token: str | None = None,
    heads_only: bool = False,
    encoder_revision: str | None = None,
    api: Any | None = None,
) -> str:
    """Export ``model_dir`` (card naming ``repo_id`` and ``revision``) and push it; return the commit URL."""
    validate_repo_id(repo_id)
    if revision is not None:
        validate_revision(revision)
    token = resolve_token(token)
    card = card_data or CardData()
    card = replace(card, model_id=card.model_id or repo_id, revision=revision or card.revision)
    with tempfile.TemporaryDirectory(prefix="wicdistill-publish-") as tmp:
        folder = export_model(model_dir, Path(tmp) / "export", card, heads_only, encoder_revision)
        return push_folder(folder, repo_id, private=private, revision=revision, token=token, api=api)
