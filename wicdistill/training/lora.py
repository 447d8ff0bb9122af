"""Optional LoRA adapters on the encoder (an explicit opt-in: the method keeps the encoder frozen)."""

from __future__ import annotations

from typing import Any


def apply_lora(model: Any, r: int, alpha: int, dropout: float, target_modules: str) -> Any:
    """Wrap ``model`` with LoRA adapters on the encoder modules matching ``target_modules``.

    The distillers stay fully trainable (``modules_to_save``); everything else is frozen.
    """
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError as err:
        raise ImportError("LoRA needs peft: pip install 'wicdistill[peft]'") from err
    config = LoraConfig(
        r=r,
        lora_alpha=alpha,
        lora_dropout=dropout,
        target_modules=target_modules,
        modules_to_save=["meaning", "context"],
        bias="none",
    )
    peft_model = get_peft_model(model, config)
    matched = [n for n, _ in peft_model.named_parameters() if "lora_" in n]
    if not matched:
        raise ValueError(f"lora_target_modules={target_modules!r} matched no module of the encoder")
    return peft_model
