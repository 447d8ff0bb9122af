"""Publishing to the Hugging Face Hub: export a trained model folder, push it, or both at once.

``export_model(model_dir, out_dir, card_data)`` writes a self-contained folder (optionally
heads-only); ``push_folder(folder, repo_id)`` uploads it; ``publish(model_dir, repo_id)`` does
both through a temporary folder.
"""

from .export import FIGURE_NAME, HANDLER_NAME, HEADS_WEIGHTS_NAME, export_model
from .publishing import publish
from .push import MissingTokenError, push_folder, resolve_token, validate_repo_id

__all__ = [
    "FIGURE_NAME",
    "HANDLER_NAME",
    "HEADS_WEIGHTS_NAME",
    "MissingTokenError",
    "export_model",
    "publish",
    "push_folder",
    "resolve_token",
    "validate_repo_id",
]
