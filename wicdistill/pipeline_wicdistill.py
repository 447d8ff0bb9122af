"""The ``word-in-context`` pipeline: meaning vectors of marked words, and their similarities.

Inputs, alone or in a list:

- ``"He sat on the [[bank]] of the river."``: the word between ``[[`` and ``]]`` is the target;
- ``{"text": ..., "start": ..., "end": ...}`` (character offsets, end exclusive) or
  ``{"text": ..., "spans": [[s, e], ...]}``;
- a pair of two targets, as a tuple or (in JSON) ``{"pair": [first, second]}``: the same dict
  as ``model.similarity``, ``{"score": cosine, "same_sense": bool, "threshold": t}`` when the
  model stores decision thresholds, else ``{"score": cosine}``;
- ``{"source_sentence": ..., "sentences": [...]}`` (the Hub's sentence-similarity widget
  shape): the cosine similarity of the source's target with each sentence's target.

A target gives its meaning vector as a list of floats, or ``{"meaning": [...], "context": [...]}``
with ``return_context=True``. All targets of one call are encoded together by ``model.encode``.

This file travels to the Hub with every checkpoint (``trust_remote_code``): it imports only the
standard library, torch, transformers and its siblings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from transformers import Pipeline

from .targets_wicdistill import Target, normalize_target

TASK = "word-in-context"
DEFAULT_BATCH_SIZE = 64
MARKER = re.compile(r"\[\[(.*?)\]\]", re.DOTALL)


def parse_marked_text(text: str, name: str = "input") -> Target:
    """The target of a text with exactly one ``[[word]]`` marker; offsets refer to the unmarked text."""
    opens, closes = text.count("[["), text.count("]]")
    found = list(MARKER.finditer(text))
    if opens != 1 or closes != 1 or len(found) != 1:
        raise ValueError(
            f"{name}: expected exactly one [[word]] marker, found {opens} '[[' and {closes} ']]' in "
            f"{text[:80]!r}"
        )
    match = found[0]
    word = match.group(1)
    if not word.strip():
        raise ValueError(f"{name}: the [[...]] marker holds no word in {text[:80]!r}")
    unmarked = text[: match.start()] + word + text[match.end() :]
    start = match.start() + len(word) - len(word.lstrip())
    end = match.start() + len(word.rstrip())
    return Target(unmarked, ((start, end),))


@dataclass(frozen=True)
class _Call:
    """One pipeline call's raw inputs, kept whole so that all its targets are encoded in one pass."""

    inputs: Any


class _Plan:
    """The unique targets of one call, each with the row it gets in the encoded result."""

    def __init__(self) -> None:
        self.targets: list[Target] = []
        self._rows: dict[Target, int] = {}

    def row(self, target: Target) -> int:
        if target not in self._rows:
            self._rows[target] = len(self.targets)
            self.targets.append(target)
        return self._rows[target]


def _target(item: Any, name: str) -> Target:
    if isinstance(item, str):
        return parse_marked_text(item, name)
    if isinstance(item, dict) and "text" in item:
        if not any(key in item for key in ("start", "end", "spans")):
            if not isinstance(item["text"], str):
                raise ValueError(f"{name}: 'text' must be a str, got {type(item['text']).__name__}")
            if set(item) - {"text", "lang"}:
                raise ValueError(
                    f"{name}: unknown key(s) {sorted(set(item) - {'text', 'lang'})} beside a marked text; "
                    f"expected 'text' and optionally 'lang'"
                )
            target = parse_marked_text(item["text"], name)
            return normalize_target(
                {"text": target.text, "spans": target.spans, "lang": item.get("lang")}, name
            )
        return normalize_target(item, name)
    raise ValueError(
        f"{name}: expected a text with one [[word]] marker or a dict with text/start/end, got {item!r:.120}"
    )


def _request(item: Any, name: str, plan: _Plan) -> tuple:
    """``("vector", row)``, ``("pair", row, row)`` or ``("scores", row, rows)`` for one input."""
    if isinstance(item, dict) and "source_sentence" in item:
        sentences = item.get("sentences")
        if isinstance(sentences, str):
            sentences = [sentences]
        if not isinstance(sentences, (list, tuple)) or not sentences:
            raise ValueError(
                f"{name}: 'sentences' must be a non-empty list of marked texts, got {sentences!r:.120}"
            )
        source = plan.row(_target(item["source_sentence"], f"{name}.source_sentence"))
        rows = tuple(plan.row(_target(s, f"{name}.sentences[{i}]")) for i, s in enumerate(sentences))
        return ("scores", source, rows)
    if isinstance(item, dict) and "pair" in item:
        pair = item["pair"]
        if set(item) != {"pair"} or not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ValueError(
                f"{name}: expected {{'pair': [first, second]}} with two targets, got {item!r:.120}"
            )
        return (
            "pair",
            plan.row(_target(pair[0], f"{name}.pair[0]")),
            plan.row(_target(pair[1], f"{name}.pair[1]")),
        )
    if isinstance(item, tuple):
        if len(item) != 2:
            raise ValueError(f"{name}: a tuple must be a pair of two targets, got {len(item)} elements")
        return ("pair", plan.row(_target(item[0], f"{name}[0]")), plan.row(_target(item[1], f"{name}[1]")))
    return ("vector", plan.row(_target(item, name)))


class WordInContextPipeline(Pipeline):
    """Word-in-context meaning vectors and cosine similarities from a WicDistill model."""

    _load_tokenizer = True
    _load_processor = False
    _load_image_processor = False
    _load_feature_extractor = False

    def __call__(self, inputs: Any, **kwargs: Any) -> Any:
        batch_size = kwargs.pop("batch_size", None) or self._batch_size or DEFAULT_BATCH_SIZE
        return super().__call__(_Call(inputs), encode_batch_size=batch_size, **kwargs)

    def _sanitize_parameters(
        self, return_context: bool | None = None, encode_batch_size: int | None = None, **unknown: Any
    ) -> tuple[dict, dict, dict]:
        if unknown:
            raise ValueError(
                f"the {TASK} pipeline got unknown parameter(s) {sorted(unknown)}; it takes return_context "
                f"and batch_size"
            )
        forward, post = {}, {}
        if encode_batch_size is not None:
            forward["batch_size"] = int(encode_batch_size)
        if return_context is not None:
            forward["return_context"] = bool(return_context)
            post["return_context"] = bool(return_context)
        return {}, forward, post

    def preprocess(self, call: _Call) -> dict[str, Any]:
        plan = _Plan()
        inputs = call.inputs
        if isinstance(inputs, list):
            if not inputs:
                raise ValueError(f"the {TASK} pipeline got an empty list of inputs")
            requests = [_request(item, f"inputs[{i}]", plan) for i, item in enumerate(inputs)]
        else:
            requests = [_request(inputs, "input", plan)]
        return {"targets": plan.targets, "requests": requests, "is_list": isinstance(inputs, list)}

    def _forward(
        self, model_inputs: dict[str, Any], batch_size: int = DEFAULT_BATCH_SIZE, return_context: bool = False
    ) -> dict[str, Any]:
        wanted = ["meaning", "context"] if return_context else ["meaning"]
        decided = self.model.config.decision_output
        if decided not in wanted and any(request[0] == "pair" for request in model_inputs["requests"]):
            wanted.append(decided)
        # plain dicts: with remote code the model's module may hold another Target class
        items = [{"text": t.text, "spans": t.spans, "lang": t.lang} for t in model_inputs["targets"]]
        vectors = self.model.encode(items, self.tokenizer, batch_size=batch_size, output=wanted)
        return {**model_inputs, "vectors": vectors}

    def postprocess(self, model_outputs: dict[str, Any], return_context: bool = False) -> Any:
        meaning = model_outputs["vectors"]["meaning"]
        context = model_outputs["vectors"].get("context")
        config, targets = self.model.config, model_outputs["targets"]
        decided = model_outputs["vectors"].get(config.decision_output)
        results = []
        for request in model_outputs["requests"]:
            kind, row = request[0], request[1]
            if kind == "vector":
                if return_context:
                    results.append({"meaning": meaning[row].tolist(), "context": context[row].tolist()})
                else:
                    results.append(meaning[row].tolist())
            elif kind == "pair":
                other = request[2]
                # float64, as the evaluation scores pairs: the decision there and here is the same
                score = float(F.cosine_similarity(decided[row].double(), decided[other].double(), dim=0))
                results.append(config.decision(score, targets[row].lang, targets[other].lang))
            else:
                others = meaning[torch.tensor(request[2], dtype=torch.long)]
                results.append(F.cosine_similarity(meaning[row][None, :], others, dim=1).tolist())
        return results if model_outputs["is_list"] else results[0]
