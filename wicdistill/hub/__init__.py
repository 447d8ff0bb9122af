"""Publishing to the Hugging Face Hub: model cards, export, push, or both at once.

``CardData.from_model_dir(folder, model_id=..., language=[...], license=...)`` reads what a
training run left in ``folder``; ``write_model_card(folder, card)`` writes ``README.md``.
``export_model(model_dir, out_dir, card_data)`` writes a self-contained folder (optionally
heads-only); ``push_folder(folder, repo_id)`` uploads it; ``publish(model_dir, repo_id)`` does
both through a temporary folder.
"""

from .card_data import CardData, EvalResult, WidgetExample
from .encoder_ids import public_encoder_id
from .export import FIGURE_NAME, HANDLER_NAME, HEADS_WEIGHTS_NAME, export_model
from .figures import LayerAttentionProfile, layer_attention, plot_layer_attention
from .front_matter import FRONT_MATTER_KEYS, card_metadata
from .local_paths import scrub_local_paths
from .publishing import publish
from .push import MissingTokenError, push_folder, resolve_token, validate_repo_id
from .render import render_model_card, write_model_card

__all__ = [
    "FIGURE_NAME",
    "FRONT_MATTER_KEYS",
    "HANDLER_NAME",
    "HEADS_WEIGHTS_NAME",
    "CardData",
    "EvalResult",
    "LayerAttentionProfile",
    "MissingTokenError",
    "WidgetExample",
    "card_metadata",
    "export_model",
    "layer_attention",
    "plot_layer_attention",
    "public_encoder_id",
    "render_model_card",
    "scrub_local_paths",
    "write_model_card",
    "publish",
    "push_folder",
    "resolve_token",
    "validate_repo_id",
]
