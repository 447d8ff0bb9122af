"""Inference Endpoints handler for a wicdistill word-in-context model (written by ``wicdistill export``).

Inference Endpoints build ``EndpointHandler(path)`` once with the repository folder and call it
with each request's JSON: ``{"inputs": ..., "parameters": {...}}``. ``inputs`` is what the
``word-in-context`` pipeline takes: ``"He sat on the [[bank]] of the river."``, a dict
``{"text", "start", "end"}`` (each optionally with ``"lang"``), ``{"pair": [first, second]}``,
a list of these, or ``{"source_sentence": ..., "sentences": [...]}`` for cosine similarities.
A pair answers ``{"score": cosine, "same_sense": bool, "threshold": t}`` when the model stores
decision thresholds (the threshold of the pair's language, else the default), else
``{"score": cosine}``. The only parameter is ``return_context`` (bool).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transformers import pipeline


class EndpointHandler:
    def __init__(self, path: str = "") -> None:
        folder = path or str(Path(__file__).resolve().parent)
        self.pipeline = pipeline(model=folder, trust_remote_code=True)

    def __call__(self, data: dict[str, Any]) -> list | dict:
        if not isinstance(data, dict) or "inputs" not in data:
            raise ValueError(
                f"expected a JSON object with 'inputs' and optional 'parameters', got {str(data)[:120]}"
            )
        parameters = data.get("parameters") or {}
        if not isinstance(parameters, dict):
            raise ValueError(f"'parameters' must be a JSON object, got {parameters!r:.120}")
        result = self.pipeline(data["inputs"], **parameters)
        return result if isinstance(result, (list, dict)) else [result]
