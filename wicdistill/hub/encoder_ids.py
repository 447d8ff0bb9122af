"""The encoder's Hub id, the one name a card's ``base_model`` and an export's ``config.json`` may carry.

A training run records the encoder as the user named it: a Hub id, a local folder, or the short
name of one of this project's offline stand-ins (``wicdistill/backbones.py``). The Hub links a
model to its base only through a real repository id, so short names are mapped to the
repositories they stand in for, local folders are left unnamed, and any other name is refused
rather than published as a ``base_model`` that points nowhere.
"""

from __future__ import annotations

from pathlib import Path

from ..backbones import STAND_IN_HUB_IDS, minilm_path, multilingual_e5_folder
from .local_paths import is_local_path
from .push import validate_repo_id

# Hub models from before organisations, still served under their bare names: the encoders the
# paper and this project's recipes train on, and their smaller siblings
CANONICAL_HUB_IDS = frozenset(
    {
        "bert-base-cased",
        "bert-base-uncased",
        "bert-large-cased",
        "bert-large-uncased",
        "bert-base-multilingual-cased",
        "bert-base-multilingual-uncased",
        "roberta-base",
        "roberta-large",
        "xlm-roberta-base",
        "xlm-roberta-large",
        "distilbert-base-uncased",
        "distilbert-base-cased",
        "distilbert-base-multilingual-cased",
    }
)


def is_hub_id(name: str) -> bool:
    """``org/name`` with characters the Hub accepts, or a canonical id without an organisation."""
    if name in CANONICAL_HUB_IDS:
        return True
    try:
        validate_repo_id(name)
    except ValueError:
        return False
    return True


def _stand_in_folders() -> dict[Path, str]:
    """The folders the offline stand-ins load from on this machine, mapped to their Hub ids."""
    folders = {multilingual_e5_folder(): STAND_IN_HUB_IDS["multilingual-e5-small"]}
    try:
        folders[minilm_path()] = STAND_IN_HUB_IDS["all-minilm-l6-v2"]
    except FileNotFoundError:
        pass
    return {folder.resolve(): hub_id for folder, hub_id in folders.items()}


def public_encoder_id(name_or_path: str | None) -> str | None:
    """The Hub id a recorded encoder name stands for; ``None`` for an unrecognised local folder.

    Raises ``ValueError`` for a name that is neither a Hub id nor a folder: written as
    ``base_model`` it would link the model to a repository that does not exist.
    """
    if not name_or_path:
        return None
    if name_or_path.lower() in STAND_IN_HUB_IDS:
        return STAND_IN_HUB_IDS[name_or_path.lower()]
    if is_local_path(name_or_path) or Path(name_or_path).exists():
        return _stand_in_folders().get(Path(name_or_path).expanduser().resolve())
    if is_hub_id(name_or_path):
        return name_or_path
    raise ValueError(
        f"the encoder {name_or_path!r} recorded in the model is not a Hub id and cannot be the card's "
        f"base_model; pass --encoder-id ORG/NAME (CardData(encoder_id=...)) naming it on the Hub"
    )


def given_encoder_id(encoder_id: str) -> str:
    """An encoder id the user gave: kept as given, except a stand-in's short name, which is mapped."""
    return STAND_IN_HUB_IDS.get(encoder_id.lower(), encoder_id)
