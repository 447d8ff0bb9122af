"""Model cards for the Hub: card data, the layer-attention figure, and rendering.

``CardData.from_model_dir(folder, model_id=..., language=[...], license=...)`` reads what a
training run left in ``folder``; ``write_model_card(folder, card)`` writes ``README.md``.
"""

from .card_data import CardData, EvalResult, WidgetExample, public_encoder_id, scrub_local_paths
from .figures import LayerAttentionProfile, layer_attention, plot_layer_attention
from .front_matter import FRONT_MATTER_KEYS, card_metadata
from .render import render_model_card, write_model_card

__all__ = [
    "FRONT_MATTER_KEYS",
    "CardData",
    "EvalResult",
    "LayerAttentionProfile",
    "WidgetExample",
    "card_metadata",
    "layer_attention",
    "plot_layer_attention",
    "public_encoder_id",
    "render_model_card",
    "scrub_local_paths",
    "write_model_card",
]
