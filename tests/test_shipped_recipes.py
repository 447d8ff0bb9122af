"""Every shipped recipe (``configs/*.yaml``, globbed: a new recipe is tested by being there) runs all of
its stages offline, through ``wicdistill recipe`` in-process, on tiny local stand-ins.

The stand-ins are derived from the recipe's own structure, never from a copy of it: each model name
(the ``NAME_OR_FOLDER_KEYS`` of ``recipe_loading``) becomes a tiny random checkpoint built here
(a BERT masked LM over the corpus fixtures' WordPiece vocabulary for encoders and masked LMs, a
pair of random BART models saved with the same tokenizer for ``translation_models``); each corpus
input and vocabulary text becomes a small local dataset of its own kind (``hf:`` Hub datasets a
local parquet folder with the columns and split the spec names, file layouts the same layout);
each evaluation task reads the fixture benchmarks of ``tests/fixtures/eval``, a language the
fixtures lack taking the files of another language of the same benchmark. ``CORPUS_LIMITS``,
``TRAIN_LIMITS`` and ``EVALUATE_LIMITS`` then shrink the run to seconds (2 training steps).
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import REPO_ROOT
from fixtures.corpus.tiny_corpus import (
    BITEXT_FR,
    BITEXT_ZH,
    PARAPHRASES,
    tiny_bart,
    tiny_masked_lm,
    wordpiece_tokenizer,
)

from wicdistill.cli import main
from wicdistill.corpus.hub_datasets import PREFIX as HUB_PREFIX
from wicdistill.corpus.hub_datasets import HubSpec, parse_hub_spec
from wicdistill.corpus.pairs import SentencePair
from wicdistill.corpus.sources import SourceSpec, iterate_sources, parse_source
from wicdistill.evaluation.tasks import AM2ICO_LANGUAGES, MCL_LANGUAGES, OFFSET_GROUP, resolve_tasks
from wicdistill.recipe_loading import NAME_OR_FOLDER_KEYS, Recipe, load_recipe

SHIPPED = sorted((REPO_ROOT / "configs").glob("*.yaml"))
EVAL_FIXTURES = Path(__file__).parent / "fixtures" / "eval"
# Settings appended to every recipe (they win over its own): small enough for the fixture sentences
# and a run of seconds; the hash sample of a recipe would keep none of a dozen stand-in rows.
ROWS = 6  # sentence pairs (or sentences) per language of a stand-in input
CORPUS_LIMITS: dict[str, Any] = {
    "max_pairs": 400,  # bounds the one input that is not a stand-in (bundled)
    "sample_fraction": 1.0,
    "max_records": None,
    "min_words": 5,
    "max_words": 40,
    "skip_top_fraction": 0.0,
    "negative_min_count": 1,
    "negative_skip_top": 0,
    "min_alignment_score": 0.0,
    "chunk_size": 16,
    "batch_size": 16,
    "sample_size": 3,
    "num_threads": 1,
    "progress": False,
}
HELDOUT_FRACTION = 0.3  # for recipes that hold records back: enough of a few dozen pairs to score
TRAIN_LIMITS: dict[str, Any] = {
    "max_steps": 2,
    "batch_size": 4,
    "warmup_steps": 1,
    "eval_every": 1,
    "validation_fraction": 0.25,
    "extraction_batch_size": 16,
    "dataloader_num_workers": 0,
    "mixed_precision": "no",
    "torch_threads": 1,
    "report_to": "none",
    "show_progress": False,
}
EVALUATE_LIMITS: dict[str, Any] = {"batch_size": 16}
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")  # a variable without a default
_LANGUAGE_CODE = re.compile(r"(?<![A-Za-z])[a-z]{2}(?![A-Za-z])")  # ar in am2ico/ar/dev.tsv


@dataclass(frozen=True)
class StandInModels:
    encoder: str  # a masked-LM checkpoint: the bare encoder for alignment and features, its head for mlm
    translation: tuple[str, str]


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> StandInModels:
    folder = tmp_path_factory.mktemp("stand-in-models")
    tokenizer = wordpiece_tokenizer()
    tiny_masked_lm(tokenizer).save_pretrained(folder / "encoder")
    tokenizer.save_pretrained(folder / "encoder")
    for name, seed in (("forward", 1), ("backward", 2)):
        tiny_bart(tokenizer, seed).save_pretrained(folder / name)
        tokenizer.save_pretrained(folder / name)
    return StandInModels(str(folder / "encoder"), (str(folder / "forward"), str(folder / "backward")))


# --- text of the stand-in datasets -----------------------------------------------------------------


def _tsv_pairs(path: Path) -> list[tuple[str, str]]:
    return [tuple(line.split("\t")) for line in path.read_text(encoding="utf-8").splitlines()]


def pairs_for(left: str, right: str) -> list[tuple[str, str]]:
    """Fixture sentence pairs standing in for ``left``-``right`` text: English paraphrases for a
    monolingual pair, the en-zh bitext for Chinese, the en-fr bitext (French for any other language)."""
    if left[:2] == right[:2]:
        return _tsv_pairs(PARAPHRASES)[:ROWS]
    english_first = left[:2] == "en"
    other = right if english_first else left
    pairs = _tsv_pairs(BITEXT_ZH if other[:2] in ("zh", "cm") else BITEXT_FR)[:ROWS]
    return pairs if english_first else [(b, a) for a, b in pairs]


def english_sentences() -> list[str]:
    return [left for left, _ in pairs_for("en", "en")]


def _write_lines(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


# --- corpus inputs -----------------------------------------------------------------------------


def _hub_stand_in(spec: HubSpec, folder: Path) -> str:
    """A local folder holding ``spec``'s split as a parquet file with the columns it reads; returns
    the spec pointing there (same split, same options)."""
    columns: dict[str, list]
    if spec.use != "pairs":  # sentences to round-trip, or texts to count
        lang = spec.lang if spec.use == "sentences" else "en"
        texts = english_sentences() if lang == "en" else [b for _, b in pairs_for("en", lang)]
        columns = {spec.columns[0]: texts}
    elif spec.columns:
        ((left, right),) = spec.lang_pairs
        rows = pairs_for(left, right)
        columns = {spec.columns[0]: [a for a, _ in rows], spec.columns[1]: [b for _, b in rows]}
    else:  # a translation column with one {language: text} dict per row
        lang_pairs = spec.lang_pairs or (("en", "fr"),)
        rows = [{} for _ in range(min(len(pairs_for(*pair)) for pair in lang_pairs))]
        for left, right in lang_pairs:
            for row, (a, b) in zip(rows, pairs_for(left, right)):
                row.update({left: a, right: b})
        columns = {"translation": rows}
    if spec.score:
        columns[spec.score] = [spec.min_score + 1.0] * len(next(iter(columns.values())))
    dataset = folder / f"{re.sub(r'[^A-Za-z0-9.-]+', '_', spec.tag)}-{spec.use}"
    dataset.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), dataset / f"{spec.split}-00000-of-00001.parquet")
    _, _, options = spec.spec.partition("?")
    return f"{HUB_PREFIX}{dataset}::{spec.split}" + (f"?{options}" if options else "")


def _wmt_folder(folder: Path, langs: list[str], multireference: str | None = None) -> None:
    """A WMT ``sources/`` + ``references/`` folder: en-X sets, or two references of one English set."""
    if multireference is not None:
        rows = pairs_for(multireference, multireference)
        for ref, side in (("A", 0), ("B", 1)):
            name = f"newstest2021.de-{multireference}.ref.{ref}.{multireference}"
            _write_lines(folder / "references" / name, [row[side] for row in rows])
        return
    for lang in langs:
        rows = pairs_for("en", lang)
        _write_lines(folder / "sources" / f"newstest2021.en-{lang}.src.en", [a for a, _ in rows])
        _write_lines(folder / "references" / f"newstest2021.en-{lang}.ref.A.{lang}", [b for _, b in rows])


def stand_in_input(spec: str, folder: Path) -> str:
    """A small local dataset of the same kind as the input ``spec``, written under ``folder``;
    returns the spec that reads it."""
    parsed = parse_source(spec)
    kind, arg = parsed.kind, parsed.arg
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "bundled":
        return spec  # shipped with the package: already local
    if kind == "hf":
        return _hub_stand_in(parse_hub_spec(spec, "pairs"), folder)
    if kind == "roundtrip" and parsed.path.startswith(HUB_PREFIX):
        return "roundtrip:" + _hub_stand_in(parse_hub_spec(parsed.path, "sentences"), folder)
    codes = [code.strip() for code in (arg or "").split(",") if code.strip()]
    if kind == "roundtrip":
        path = folder / "sentences.txt"
        _write_lines(
            path, english_sentences() if (arg or "en") == "en" else [b for _, b in pairs_for("en", arg)]
        )
    elif kind in ("tsv", "files"):
        left, right = (arg or "en-en").split("-")
        rows = pairs_for(left, right)
        if kind == "tsv":
            path = folder / "pairs.tsv"
            _write_lines(path, [f"{a}\t{b}" for a, b in rows])
        else:
            paths = [folder / f"side.{left}", folder / f"side.{right}"]
            for side, file in enumerate(paths):
                _write_lines(file, [row[side] for row in rows])
            path = ",".join(map(str, paths))
    elif kind == "mrpc":
        paths = [folder / f"msr-para-{i}.tsv" for i, _ in enumerate(parsed.path.split(","))]
        header = "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String"
        for file in paths:
            rows = [f"1\t{2 * i}\t{2 * i + 1}\t{a}\t{b}" for i, (a, b) in enumerate(pairs_for("en", "en"))]
            _write_lines(file, [header, *rows])
        path = ",".join(map(str, paths))
    elif kind == "wmt-multiref":
        path = folder / "wmt"
        _wmt_folder(path, [], multireference=arg or "en")
    elif kind == "wmt":
        path = folder / "wmt"
        _wmt_folder(path, codes)
    elif kind == "tatoeba":
        path = folder / "tatoeba"
        for code in codes:
            rows = pairs_for("en", code)
            _write_lines(path / f"tatoeba.{code}-eng.eng", [a for a, _ in rows])
            _write_lines(path / f"tatoeba.{code}-eng.{code}", [b for _, b in rows])
    elif kind == "ntrex":
        path = folder / "ntrex"
        rows = pairs_for("en", "fr")  # one English source shared by every reference (multi-way)
        _write_lines(path / "newstest2019-src.eng.txt", [a for a, _ in rows])
        for code in codes:
            _write_lines(path / f"newstest2019-ref.{code}.txt", [b for _, b in rows])
    else:
        raise AssertionError(f"no stand-in for input kind {kind!r} ({spec}): add one to this test")
    return str(SourceSpec(kind, str(path), arg))


def stand_in_vocab_text(spec: str, folder: Path) -> str:
    lang, _, path = spec.partition(":")
    if path.startswith(HUB_PREFIX):
        return f"{lang}:{_hub_stand_in(parse_hub_spec(path, 'texts'), folder)}"
    text = folder / "vocabulary.txt"
    _write_lines(text, english_sentences() if lang == "en" else [b for _, b in pairs_for("en", lang)])
    return f"{lang}:{text}"


# --- benchmark data ----------------------------------------------------------------------------


def _language_free(relative: str) -> str:
    return _LANGUAGE_CODE.sub("xx", relative)


def stand_in_benchmarks(tasks: list[str], folder: Path) -> Path:
    """The fixture benchmarks, plus, for every file a task of ``tasks`` reads that they lack, the
    fixture of another language of the same benchmark under that language's name."""
    shutil.copytree(EVAL_FIXTURES, folder)
    fixtures = sorted(p.relative_to(EVAL_FIXTURES).as_posix() for p in EVAL_FIXTURES.rglob("*"))
    offset_languages = sorted(set(MCL_LANGUAGES + AM2ICO_LANGUAGES))  # whatever the held-back file holds
    for spec in resolve_tasks(tasks, offset_languages):
        for source in (spec.source, spec.tuning):
            if source is None or (folder / source.relative).exists():
                continue
            donors = [f for f in fixtures if _language_free(f) == _language_free(source.relative)]
            assert donors, f"task {spec.name}: no fixture like {source.relative} in {EVAL_FIXTURES}"
            donor, target = EVAL_FIXTURES / donors[0], folder / source.relative
            if donor.is_dir():
                shutil.copytree(donor, target)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            for sibling in donor.parent.iterdir():  # MCL-WiC's .gold next to its .data
                if sibling.stem == donor.stem:
                    shutil.copyfile(sibling, target.with_suffix(sibling.suffix))
    return folder


# --- the derived recipe ------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """``value`` with tuples as lists, for YAML."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _with_stand_in_models(section: str, values: dict[str, Any], models: StandInModels) -> dict[str, Any]:
    values = dict(values)
    for key in NAME_OR_FOLDER_KEYS.get(section, ()):
        if values.get(key) is not None:
            values[key] = list(models.translation) if key == "translation_models" else models.encoder
    return values


def stand_in_recipe(recipe: Recipe, models: StandInModels, folder: Path) -> dict[str, Any]:
    """The recipe's sections with every model, input and benchmark replaced by a local stand-in
    and the limits appended."""
    derived: dict[str, Any] = {"output_dir": str(folder / "out")}
    if recipe.corpus:
        corpus = _with_stand_in_models("corpus", recipe.corpus, models)
        corpus["inputs"] = [
            stand_in_input(spec, folder / "inputs" / str(i)) for i, spec in enumerate(corpus["inputs"])
        ]
        if corpus.get("vocab_texts"):
            corpus["vocab_texts"] = [
                stand_in_vocab_text(spec, folder / "vocab" / str(i))
                for i, spec in enumerate(corpus["vocab_texts"])
            ]
        corpus |= CORPUS_LIMITS
        if corpus.get("heldout_fraction"):
            corpus["heldout_fraction"] = HELDOUT_FRACTION
        derived["corpus"] = corpus
    derived["train"] = _with_stand_in_models("train", recipe.train, models) | TRAIN_LIMITS
    if recipe.evaluate.get("tasks"):
        evaluate = dict(recipe.evaluate) | EVALUATE_LIMITS
        evaluate["data_dir"] = [str(stand_in_benchmarks(evaluate["tasks"], folder / "benchmarks"))]
        if evaluate.get("stack_cache"):
            evaluate["stack_cache"] = str(folder / "stacks")
        derived["evaluate"] = evaluate
    return _plain(derived)


def pairs_read(spec: str) -> int:
    """Pairs (round-trip sentences) an input gives; every stand-in line must become one."""
    items = list(iterate_sources([spec]))
    rejected = [item for item in items if not isinstance(item, SentencePair)]
    assert not rejected, f"stand-in {spec}: lines its reader rejects: {rejected[:3]}"
    return len(items)


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_recipe_runs_every_stage_on_local_stand_ins(
    path, models, tmp_path, monkeypatch, fresh_accelerate_state
):
    settings = [
        line for line in path.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#")
    ]
    for name in sorted(set(_VARIABLE.findall("\n".join(settings)))):
        monkeypatch.setenv(name, str(tmp_path / "variables" / name))  # the folder is never read
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # ~ in a recipe must not reach the real one
    monkeypatch.delenv("WICDISTILL_DATA_DIR", raising=False)
    recipe = load_recipe(path)
    derived = stand_in_recipe(recipe, models, tmp_path)
    derived_path = tmp_path / path.name
    derived_path.write_text(yaml.safe_dump(derived, sort_keys=False), encoding="utf-8")
    assert str(REPO_ROOT) not in derived_path.read_text(), "the dry run would write into the repository"
    stand_in_pairs = [pairs_read(spec) for spec in derived.get("corpus", {}).get("inputs", [])]
    assert all(stand_in_pairs), f"a stand-in input gives no pair: {stand_in_pairs}"

    assert main(["recipe", str(derived_path)]) == 0

    out = tmp_path / "out"
    if recipe.corpus:
        records = _records(out / "corpus" / "train.jsonl")
        assert records, "the corpus stage wrote no training record"
        assert {r["negative_strategy"] for r in records} == {recipe.corpus.get("negative_strategy", "mlm")}
        stats = json.loads((out / "corpus" / "stats.json").read_text())
        assert stats["records"]["train"] == len(records)
        assert stats["inputs"]["pairs"] == min(sum(stand_in_pairs), CORPUS_LIMITS["max_pairs"])
        if any(spec.startswith("roundtrip:") for spec in recipe.corpus["inputs"]):
            assert "roundtrip" in {r["positive_source"] for r in records}
    meta = json.loads((out / "features" / "meta.json").read_text())
    assert (out / "features" / "stacks.npy").stat().st_size > 0 and meta
    model_dir = out / "model"
    summary = json.loads((model_dir / "training_summary.json").read_text())
    assert summary["training"]["steps"] == TRAIN_LIMITS["max_steps"]
    config = json.loads((model_dir / "config.json").read_text())
    for key, value in (recipe.train.get("model") or {}).items():
        assert config[key] == _plain(value), f"model setting {key} did not reach config.json"
    if recipe.evaluate.get("tasks"):
        report = json.loads((model_dir / "evaluation.json").read_text())
        named = [t for t in recipe.evaluate["tasks"] if t != OFFSET_GROUP]
        expected = {spec.name for spec in resolve_tasks(named)}
        offsets = {name for name in report["tasks"] if name.startswith("offset-")}
        assert set(report["tasks"]) - offsets == expected
        assert bool(offsets) == (OFFSET_GROUP in recipe.evaluate["tasks"])
        stored = json.loads((model_dir / "config.json").read_text()).get("decision_thresholds")
        if recipe.evaluate.get("store_thresholds"):
            assert stored["output"] == recipe.evaluate["store_thresholds"] and stored["default"]["threshold"]
        else:
            assert stored is None
