"""Reading recipes and training YAML files, checked whole before any stage runs (imports go
recipe -> training and corpus, never back).

A recipe has an ``output_dir`` and up to three sections::

    output_dir: ../outputs/minilm-en
    corpus:   {inputs: [...], encoder: all-MiniLM-L6-v2, negative_strategy: embedding, ...}  # CorpusConfig
    train:    {learning_rate: 3.0e-4, batch_size: 128, model: {alignment_weight: 1.0}, ...} # TrainingConfig
    evaluate: {tasks: [wic, scws, stsb-dev], heldout: true}

Loading checks every section at once, so a typo never waits for hours of corpus building:
unknown sections and keys are refused naming the closest valid key; each value is coerced to
the type its owner declares (``CorpusConfig``, ``TrainingConfig``, ``WicDistillConfig`` for
``model:``), so ``learning_rate: 3e-4``, which YAML 1.1 reads as a string, is the float 0.0003;
then the settings' own checks run (``CorpusConfig``, ``TrainingConfig.validate``, task names).
Every error is one line naming the file, ``section.key``, the value and what was expected.

Paths. In every string value ``${VAR}`` and ``${VAR:-default}`` are replaced from the environment
(an unset or empty VAR without a default is an error naming VAR and the key). Path values (the
keys in ``PATH_KEYS``, the PATH part of input specs such as ``tsv:PATH:en-fr``, of ``files:A,B``
and of ``LANG:PATH`` vocabulary texts) then expand ``~`` and are taken relative to the folder of
the YAML file, not the working directory. Encoder, masked-LM and translation model names are
paths only when they start with ``/``, ``./``, ``../`` or ``~`` (a Hub id also reads as ``a/b``);
``hf:`` inputs (Hub datasets) and ``bundled`` are left as they are.

A ``--config`` YAML file for ``train_accelerate.py`` is either a recipe (its train section is
used) or a flat mapping of training options with the same optional ``model:`` section; it gets
the same checks and the same path rules.
"""

from __future__ import annotations

import dataclasses
import os
import re
import types
import typing
import warnings
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any

import yaml

from .configuration_wicdistill import MODEL_SETTINGS, WicDistillConfig
from .training.config import (
    CORPUS_LANGUAGES,
    FLAT_MODEL_KEYS,
    LATEST_CHECKPOINT,
    TrainingConfig,
    build_parser,
    fold_flat_settings,
)

__all__ = [
    "EVALUATE_KEYS",
    "EVALUATE_TYPES",
    "PATH_KEYS",
    "SECTIONS",
    "Recipe",
    "coerce",
    "expand_variables",
    "is_recipe",
    "load_recipe",
    "load_training_yaml",
    "parse_config",
    "training_options",
]

SECTIONS = ("output_dir", "corpus", "train", "evaluate", "description")
# The recipe's own evaluation keys (``heldout: true`` means the held-back part of its corpus).
EVALUATE_TYPES: dict[str, Any] = {
    "tasks": list[str],
    "heldout": bool | str | None,
    "data_dir": list[str] | None,
    "stack_cache": str | None,
    "batch_size": int,
    "store_thresholds": str | None,
}
EVALUATE_KEYS = tuple(EVALUATE_TYPES)
# Values that are paths, per section (and the recipe's output_dir); "name-or-folder" values (a Hub
# id or a local folder) are paths only when they look like one (``_looks_like_path``).
PATH_KEYS: dict[str, tuple[str, ...]] = {
    "corpus": ("inputs", "vocab_texts"),
    "train": ("corpus", "output_dir", "features_dir", "eval_data_dir", "resume_from_checkpoint"),
    "evaluate": ("heldout", "data_dir", "stack_cache"),
}
NAME_OR_FOLDER_KEYS: dict[str, tuple[str, ...]] = {
    "corpus": ("encoder", "mlm_model", "translation_models"),
    "train": ("encoder",),
}
# inputs without a local path to resolve: the bundled pairs, and datasets read through ``datasets``
# (``hf:NAME...``, also as ``roundtrip:hf:...`` and ``LANG:hf:...`` vocabulary texts)
HUB_DATASET_PREFIX = "hf:"
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")
_warned_flat_keys = False


@dataclass
class Recipe:
    output_dir: Path
    corpus: dict[str, Any] = field(default_factory=dict)
    train: dict[str, Any] = field(default_factory=dict)
    evaluate: dict[str, Any] = field(default_factory=dict)

    @property
    def corpus_dir(self) -> Path:
        return self.output_dir / "corpus"

    def training_values(self) -> dict[str, Any]:
        """The train section with the recipe's own folders filled in."""
        values = dict(self.train)
        values.setdefault("corpus", str(self.corpus_dir))
        values.setdefault("output_dir", str(self.output_dir / "model"))
        values.setdefault("features_dir", str(self.output_dir / "features"))
        if "encoder" in self.corpus:
            values.setdefault("encoder", self.corpus["encoder"])
        return values


# --- types -------------------------------------------------------------------------------------


class _Mismatch(Exception):
    """A value that does not fit a type (reported by ``coerce`` with the whole expected type)."""


def _describe(kind: Any, plural: bool = False) -> str:
    """``list[int] | None`` -> ``"a list of integers, or null"``."""
    names = {bool: ("a boolean (true/false)", "booleans"), int: ("an integer", "integers")}
    names |= {float: ("a number", "numbers"), str: ("a string", "strings")}
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if kind in names:
        return names[kind][plural]
    if origin in (typing.Union, types.UnionType):
        options = [_describe(a) for a in args if a is not type(None)]
        return " or ".join(options) + (", or null" if type(None) in args else "")
    if origin in (list, tuple) and (len(args) == 1 or (len(args) == 2 and args[1] is Ellipsis)):
        return f"a list of {_describe(args[0], plural=True)}"
    if origin is tuple:
        return f"a list of {len(args)} {_describe(args[0], plural=True)}"
    if origin is dict or dataclasses.is_dataclass(kind):
        return "mappings" if plural else "a mapping"
    return "values" if plural else "a value"


def _split_list(value: str, element: Any) -> list[str]:
    """A string given for a list: comma-separated (also spaces when the items are not strings);
    a string with a colon is one item, since input specs carry commas (``tatoeba:DIR:ara,fra``)."""
    if element is str and ":" in value:
        return [value]
    pattern = r"," if element is str else r"[,\s]+"
    return [part.strip() for part in re.split(pattern, value) if part.strip()]


def _coerce(value: Any, kind: Any) -> Any:
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if kind is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        exact = [a for a in options if isinstance(a, type) and type(value) is a]
        for option in exact + [a for a in options if a not in exact]:
            try:
                return _coerce(value, option)
            except _Mismatch:
                continue
        raise _Mismatch
    if value is None:
        raise _Mismatch
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE
        raise _Mismatch
    if kind is int:
        if isinstance(value, bool):
            raise _Mismatch
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                number = _coerce(value, float)  # "1e3", which YAML 1.1 leaves a string
                if number.is_integer():
                    return int(number)
        raise _Mismatch
    if kind is float:
        if isinstance(value, bool):
            raise _Mismatch
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                raise _Mismatch from None
        raise _Mismatch
    if kind is str:
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        raise _Mismatch
    if origin in (list, tuple):
        element = args[0] if args else Any
        if isinstance(value, str):
            value = _split_list(value, element)
        elif not isinstance(value, (list, tuple)):
            value = [value]
        if origin is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
            if len(value) != len(args):
                raise _Mismatch
            return tuple(_coerce(v, a) for v, a in zip(value, args))
        items = [_coerce(v, element) for v in value]
        return tuple(items) if origin is tuple else items
    if origin is dict or dataclasses.is_dataclass(kind):
        if not isinstance(value, dict):
            raise _Mismatch
        return value
    if isinstance(kind, type) and isinstance(value, kind):
        return value
    raise _Mismatch


def coerce(value: Any, kind: Any, where: str) -> Any:
    """``value`` as the declared type ``kind`` (``"3e-4"`` -> 0.0003), or a one-line ValueError."""
    try:
        return _coerce(value, kind)
    except _Mismatch:
        shown = "null" if value is None else repr(value)
        hint = ""
        if isinstance(value, bool) and "string" in _describe(kind):
            hint = " (YAML reads unquoted yes/no/on/off/true/false as booleans: quote the value)"
        raise ValueError(f"{where}: expected {_describe(kind)}, got {shown}{hint}") from None


def check_keys(values: dict[str, Any], valid: typing.Iterable[str], where: str, noun: str) -> None:
    """Refuse keys outside ``valid``, naming the closest valid key of each."""
    valid = sorted(valid)
    unknown = sorted(k for k in values if k not in valid)
    if not unknown:
        return
    close = {k: match[0] for k in map(str, unknown) if (match := get_close_matches(k, valid, 1))}
    message = f"{where}: unknown {noun}(s) {unknown}"
    if close:
        message += (
            "; did you mean "
            + ", ".join(f"{m!r}" if len(unknown) == 1 else f"{m!r} for {k!r}" for k, m in close.items())
            + "?"
        )
    if len(close) < len(unknown):
        message += f"; valid: {', '.join(valid)}"
    raise ValueError(message)


def _coerce_section(values: dict[str, Any], kinds: dict[str, Any], where: str) -> dict[str, Any]:
    return {key: coerce(value, kinds[key], f"{where}.{key}") for key, value in values.items()}


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{where} must be a mapping of settings, got {type(value).__name__} {value!r}")
    return value


def _model_types() -> dict[str, Any]:
    hints = typing.get_type_hints(WicDistillConfig.__init__)
    return {name: hints.get(name, Any) for name in MODEL_SETTINGS}


def _checked_model(values: Any, where: str) -> dict[str, Any]:
    model = _mapping(values, where)
    check_keys(model, MODEL_SETTINGS, where, "model setting")
    kinds = _model_types()
    checked = {}
    for key, value in model.items():
        keep = key == "centering_languages" and value == CORPUS_LANGUAGES  # "every corpus language"
        checked[key] = value if keep else coerce(value, kinds[key], f"{where}.{key}")
    return checked


def _checked_training(values: dict[str, Any], where: str) -> dict[str, Any]:
    """Training options with their declared types (flat model keys kept flat, ``model:`` checked)."""
    kinds = {k: v for k, v in typing.get_type_hints(TrainingConfig).items() if k != "model"}
    model_kinds = _model_types()
    # the flat model keys are model settings, plus the two centring switches (booleans)
    kinds |= {key: model_kinds.get(key, bool) for key in FLAT_MODEL_KEYS}
    check_keys(values, [*kinds, "model"], where, "option")
    checked = _coerce_section({k: v for k, v in values.items() if k != "model"}, kinds, where)
    if "model" in values:
        checked["model"] = _checked_model(values["model"], f"{where}.model")
    return checked


# --- paths -------------------------------------------------------------------------------------


def expand_variables(value: Any, where: str) -> Any:
    """``value`` with ``${VAR}`` / ``${VAR:-default}`` replaced in every string inside it."""
    if isinstance(value, dict):
        return {k: expand_variables(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [expand_variables(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match) -> str:
        name, default = match.group(1), match.group(2)
        found = os.environ.get(name)
        if found:
            return found
        if default is not None:
            return default
        raise ValueError(
            f"{where}: environment variable {name} is not set (in {value!r}); set it "
            f"(export {name}=...) or give a default: ${{{name}:-DEFAULT}}"
        )

    expanded = _VARIABLE.sub(substitute, value)
    if "${" in _VARIABLE.sub("", value):
        raise ValueError(f"{where}: malformed variable in {value!r}; write ${{NAME}} or ${{NAME:-default}}")
    return expanded


def _resolve(path: str, base: Path) -> str:
    """``path`` with ``~`` expanded, relative to ``base`` unless absolute."""
    return os.path.normpath(os.path.join(base, os.path.expanduser(path)))


def _looks_like_path(value: str) -> bool:
    return value.startswith(("/", "./", "../", "~")) or value in (".", "..")


def _resolve_input(spec: str, base: Path, where: str) -> str:
    """An input spec with its PATH part(s) resolved; ``bundled`` and ``hf:`` specs as they are."""
    from .corpus.sources import SourceSpec, parse_source

    kind, _, rest = spec.partition(":")
    if kind == "bundled" or spec.startswith(HUB_DATASET_PREFIX) or rest.startswith(HUB_DATASET_PREFIX):
        return spec
    try:
        parsed = parse_source(spec)
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from None
    paths = ",".join(_resolve(part, base) for part in parsed.path.split(","))
    return str(SourceSpec(parsed.kind, paths, parsed.arg))


def _resolve_value(section: str, key: str, value: Any, base: Path, where: str) -> Any:
    if value is None or isinstance(value, bool):
        return value  # ``heldout: true``, an unset optional path
    if isinstance(value, (list, tuple)):
        resolved = [_resolve_value(section, key, v, base, f"{where}[{i}]") for i, v in enumerate(value)]
        return type(value)(resolved)
    if key in NAME_OR_FOLDER_KEYS.get(section, ()):
        return _resolve(value, base) if _looks_like_path(value) else value
    if section == "corpus" and key == "inputs":
        return _resolve_input(value, base, where)
    if section == "corpus" and key == "vocab_texts":
        lang, sep, path = value.partition(":")
        if not sep or not path or path.startswith(HUB_DATASET_PREFIX):
            return value
        return f"{lang}:{_resolve(path, base)}"
    if section == "train" and key == "resume_from_checkpoint" and value == LATEST_CHECKPOINT:
        return value
    return _resolve(value, base)


def _resolve_paths(section: str, values: dict[str, Any], base: Path, where: str) -> dict[str, Any]:
    keys = PATH_KEYS.get(section, ()) + NAME_OR_FOLDER_KEYS.get(section, ())
    return {
        k: _resolve_value(section, k, v, base, f"{where}.{k}") if k in keys else v for k, v in values.items()
    }


# --- sections ----------------------------------------------------------------------------------


def _read_mapping(path: Path) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            values = yaml.safe_load(handle)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ValueError(f"{path}: not valid YAML{where}: {getattr(err, 'problem', None) or err}") from None
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise ValueError(f"{path}: expected a mapping of options, got {type(values).__name__}")
    return values


def _corpus_section(values: Any, path: Path, base: Path) -> dict[str, Any]:
    from .corpus.config import setting_types

    where = f"{path}: corpus"
    corpus = expand_variables(_mapping(values, where), where)
    kinds = setting_types()
    check_keys(corpus, kinds, where, "corpus setting")
    checked = _coerce_section(corpus, kinds, where)
    if "targets" in checked:  # the target rules as a nested mapping
        rules = {
            k: v for k, v in kinds.items() if k in {f.name for f in dataclasses.fields(kinds["targets"])}
        }
        check_keys(checked["targets"], rules, f"{where}.targets", "target rule")
        checked["targets"] = _coerce_section(checked["targets"], rules, f"{where}.targets")
    return _resolve_paths("corpus", checked, base, where)


def _train_section(values: Any, path: Path, base: Path) -> dict[str, Any]:
    where = f"{path}: train"
    train = _checked_training(expand_variables(_mapping(values, where), where), where)
    return _resolve_paths("train", train, base, where)


def _evaluate_section(values: Any, path: Path, base: Path) -> dict[str, Any]:
    where = f"{path}: evaluate"
    evaluate = expand_variables(_mapping(values, where), where)
    check_keys(evaluate, EVALUATE_KEYS, where, "evaluate key")
    return _resolve_paths("evaluate", _coerce_section(evaluate, EVALUATE_TYPES, where), base, where)


def _check_settings(recipe: Recipe, path: Path) -> None:
    """Run the owners' own checks on the coerced sections, so no stage starts on a bad value."""
    if recipe.corpus:
        from .corpus.config import CorpusConfig

        if "inputs" not in recipe.corpus:
            raise ValueError(f"{path}: corpus.inputs is missing; list at least one input, e.g. [bundled]")
        try:
            CorpusConfig(**recipe.corpus)
        except ValueError as err:
            raise ValueError(f"{path}: corpus: {err}") from None
    options = training_options(recipe.training_values(), path)
    try:
        TrainingConfig(**options).validate()
    except ValueError as err:
        raise ValueError(f"{path}: train: {err}") from None
    tasks = recipe.evaluate.get("tasks")
    if tasks:
        from .evaluation.tasks import OFFSET_GROUP, resolve_tasks

        if OFFSET_GROUP in tasks and not recipe.evaluate.get("heldout"):
            raise ValueError(
                f"{path}: evaluate.tasks has {OFFSET_GROUP!r}, which needs evaluate.heldout "
                "(true for the recipe's own held-back records, or a JSONL path)"
            )
        named = [t for t in tasks if t != OFFSET_GROUP]
        if named:
            try:
                resolve_tasks(named)
            except ValueError as err:
                raise ValueError(f"{path}: evaluate.tasks: {err}") from None
        if recipe.evaluate.get("store_thresholds"):
            from .evaluation.protocols.decisions import check_threshold_sources

            try:
                check_threshold_sources(named, recipe.evaluate["store_thresholds"])
            except ValueError as err:
                raise ValueError(f"{path}: evaluate.store_thresholds: {err}") from None


def is_recipe(values: dict[str, Any]) -> bool:
    return isinstance(values.get("train"), dict)


def load_recipe(path: str | Path) -> Recipe:
    """A recipe with every section checked, coerced and its paths resolved (see the module doc)."""
    path = Path(path)
    values = _read_mapping(path)
    if "output_dir" not in values:
        raise ValueError(
            f"{path}: a recipe is a mapping with an output_dir and corpus/train/evaluate sections"
        )
    check_keys(values, SECTIONS, str(path), "recipe key")
    base = Path(os.path.abspath(path)).parent
    output_dir = coerce(
        expand_variables(values["output_dir"], f"{path}: output_dir"), str, f"{path}: output_dir"
    )
    recipe = Recipe(
        Path(_resolve(output_dir, base)),
        _corpus_section(values.get("corpus"), path, base),
        _train_section(values.get("train"), path, base),
        _evaluate_section(values.get("evaluate"), path, base),
    )
    _check_settings(recipe, path)
    return recipe


def training_options(values: dict[str, Any], source: str | Path) -> dict[str, Any]:
    """Checked, typed training options with flat model keys folded into ``model`` (FutureWarning, once)."""
    global _warned_flat_keys
    values = _checked_training(values, f"{source}: train")
    model = values.get("model") or {}
    flat = {k: values[k] for k in values if k in FLAT_MODEL_KEYS}
    if flat and not _warned_flat_keys:
        _warned_flat_keys = True
        warnings.warn(
            f"{source}: model settings {sorted(flat)} as top-level training options are deprecated and "
            "will stop working in the next release; put them under a model: section",
            FutureWarning,
            stacklevel=3,
        )
    options = {k: v for k, v in values.items() if k not in FLAT_MODEL_KEYS}
    options["model"] = {**model, **fold_flat_settings(flat)}
    return options


def load_training_yaml(path: str | Path) -> dict[str, Any]:
    """Training options from a flat YAML file, or from the ``train`` section of a recipe."""
    path = Path(path)
    values = _read_mapping(path)
    if is_recipe(values):
        values = load_recipe(path).training_values()
    else:
        base = Path(os.path.abspath(path)).parent
        values = _train_section(values, path, base)
    return training_options(values, path)


def parse_config(argv: list[str] | None = None) -> TrainingConfig:
    """Defaults < YAML file (``--config``) < explicit flags; a model flag overrides that one setting."""
    from .cli import DEBUG_FLAG, debug_help

    parser = build_parser()
    parser.add_argument(DEBUG_FLAG, action="store_true", help=debug_help())
    first, _ = parser.parse_known_args(argv)
    model: dict[str, Any] = {}
    if first.config:
        values = load_training_yaml(first.config)
        model = values.pop("model")
        parser.set_defaults(**values)
    args = vars(parser.parse_args(argv))
    args.pop("config")
    args.pop("debug")
    flags = {k: args.pop(k) for k in list(args) if k in FLAT_MODEL_KEYS}
    model.update(fold_flat_settings(flags))
    config = TrainingConfig(**args, model=model)
    config.validate()
    return config
