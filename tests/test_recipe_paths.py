"""Paths in recipes resolve anywhere: ${VAR}, ~, and relative to the recipe file, not the working directory."""

import os
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from wicdistill.cli import main
from wicdistill.recipe_loading import expand_variables, load_recipe, load_training_yaml

SHIPPED = sorted((REPO_ROOT / "configs").glob("*.yaml"))


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """The working directory is not the recipe's folder."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return cwd


def _write(folder: Path, text: str, name: str = "recipe.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_relative_paths_are_taken_from_the_recipe_folder(tmp_path, elsewhere, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    here = tmp_path / "project" / "recipes"
    recipe = load_recipe(
        _write(
            here,
            "output_dir: ../runs/en\n"
            "corpus:\n"
            "  inputs: [tsv:data/p.tsv:en-fr, 'files:a.en,b.fr:en-fr', 'mrpc:m/train.tsv,m/val.tsv',\n"
            "           'tatoeba:/abs/tatoeba:ara,fra', wmt-multiref:wmt21, bundled,\n"
            "           'hf:org/bitext:en-fr:train?langs=en-fr', 'roundtrip:hf:org/wiki:train?column=text']\n"
            "  vocab_texts: [en:wiki.txt, 'en:hf:org/wiki?column=text']\n"
            "  encoder: ./models/enc\n"
            "  negative_strategy: embedding\n"
            "train: {features_dir: ~/features, resume_from_checkpoint: latest, encoder: org/enc}\n"
            "evaluate: {tasks: [wic], heldout: held.jsonl, data_dir: [bench, /abs/bench], stack_cache: ~/stacks}\n",
        )
    )
    assert recipe.output_dir == tmp_path / "project" / "runs" / "en"
    assert recipe.corpus["inputs"] == [
        f"tsv:{here}/data/p.tsv:en-fr",
        f"files:{here}/a.en,{here}/b.fr:en-fr",
        f"mrpc:{here}/m/train.tsv,{here}/m/val.tsv",
        "tatoeba:/abs/tatoeba:ara,fra",
        f"wmt-multiref:{here}/wmt21",
        "bundled",  # no path, and Hub datasets (hf:) and Hub ids stay as they are
        "hf:org/bitext:en-fr:train?langs=en-fr",
        "roundtrip:hf:org/wiki:train?column=text",
    ]
    assert recipe.corpus["vocab_texts"] == [f"en:{here}/wiki.txt", "en:hf:org/wiki?column=text"]
    assert recipe.corpus["encoder"] == str(here / "models" / "enc")
    values = recipe.training_values()
    assert values["features_dir"] == str(tmp_path / "home" / "features")
    assert values["resume_from_checkpoint"] == "latest"
    assert values["corpus"] == str(tmp_path / "project" / "runs" / "en" / "corpus")
    assert values["encoder"] == "org/enc"
    assert recipe.evaluate == {
        "tasks": ["wic"],
        "heldout": str(here / "held.jsonl"),
        "data_dir": [str(here / "bench"), "/abs/bench"],
        "stack_cache": str(tmp_path / "home" / "stacks"),
    }


def test_variables_and_defaults_are_expanded(tmp_path, elsewhere, monkeypatch):
    monkeypatch.setenv("WICDISTILL_TEST_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("WICDISTILL_TEST_UNSET", raising=False)
    recipe = load_recipe(
        _write(
            tmp_path / "r",
            "output_dir: ${WICDISTILL_TEST_UNSET:-runs}/x\n"
            "corpus: {inputs: ['tatoeba:${WICDISTILL_TEST_DATA}/tatoeba:ara,fra'], negative_strategy: random,\n"
            "         encoder: '${WICDISTILL_TEST_DATA}/enc', max_records: '${WICDISTILL_TEST_UNSET:-12}'}\n"
            "train: {}\n",
        )
    )
    assert recipe.output_dir == tmp_path / "r" / "runs" / "x"
    assert recipe.corpus["inputs"] == [f"tatoeba:{tmp_path}/data/tatoeba:ara,fra"]
    assert recipe.corpus["encoder"] == str(tmp_path / "data" / "enc") and recipe.corpus["max_records"] == 12


def test_an_unset_variable_is_one_line_naming_it_and_the_key(tmp_path, elsewhere, monkeypatch, capsys):
    monkeypatch.delenv("WICDISTILL_TEST_UNSET", raising=False)
    path = _write(
        tmp_path / "r", "output_dir: out\ncorpus: {inputs: ['tsv:${WICDISTILL_TEST_UNSET}/p.tsv']}\n"
    )
    assert main(["recipe", str(path)]) == 1
    assert capsys.readouterr().err == (
        f"wicdistill recipe: error: {path}: corpus.inputs[0]: environment variable WICDISTILL_TEST_UNSET is "
        "not set (in 'tsv:${WICDISTILL_TEST_UNSET}/p.tsv'); set it (export WICDISTILL_TEST_UNSET=...) or give "
        "a default: ${WICDISTILL_TEST_UNSET:-DEFAULT}\n"
    )
    with pytest.raises(ValueError, match=r"^k: malformed variable in 'a/\$\{1X\}'; write \$\{NAME\}"):
        expand_variables("a/${1X}", "k")


def test_a_flat_training_yaml_resolves_against_its_folder(tmp_path, elsewhere, monkeypatch):
    monkeypatch.setenv("WICDISTILL_TEST_DATA", str(tmp_path / "data"))
    path = _write(
        tmp_path / "cfg", "corpus: corpus.jsonl\noutput_dir: ${WICDISTILL_TEST_DATA}/model\nencoder: ../enc\n"
    )
    values = load_training_yaml(path)
    assert values["corpus"] == str(tmp_path / "cfg" / "corpus.jsonl")
    assert values["output_dir"] == str(tmp_path / "data" / "model")
    assert values["encoder"] == str(tmp_path / "enc")


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_recipes_use_the_documented_variable_and_parse_anywhere(
    path, tmp_path, elsewhere, monkeypatch
):
    text = path.read_text()
    values = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert "../shared" not in values
    if "${WICDISTILL_SHARED_DATA}" in values:  # this project's development data
        assert "WICDISTILL_SHARED_DATA" in text.split("\ndescription:")[0], "the header comments document it"
        monkeypatch.delenv("WICDISTILL_SHARED_DATA", raising=False)
        with pytest.raises(ValueError, match="environment variable WICDISTILL_SHARED_DATA is not set"):
            load_recipe(path)
    monkeypatch.setenv("WICDISTILL_SHARED_DATA", str(tmp_path / "data"))
    recipe = load_recipe(path)
    assert recipe.output_dir == REPO_ROOT / "outputs" / recipe.output_dir.name
    for spec in recipe.corpus["inputs"]:
        hub = spec.startswith(("hf:", "roundtrip:hf:"))  # a Hub dataset id: nothing local
        assert hub or spec.split(":")[1].startswith(str(tmp_path / "data")), spec
    for spec in recipe.corpus.get("vocab_texts", []):
        assert spec.partition(":")[2].startswith(("hf:", str(tmp_path / "data"))), spec
    assert recipe.evaluate.get("stack_cache") in (None, os.path.expanduser("~/.cache/wicdistill/stacks"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_recipe_check_runs_no_stage(path, elsewhere, monkeypatch, capsys):
    import wicdistill.corpus

    monkeypatch.setenv("WICDISTILL_SHARED_DATA", "/data")
    monkeypatch.setattr(wicdistill.corpus, "build_corpus", None)  # calling it would fail loudly
    assert main(["recipe", str(path), "--check"]) == 0
    out = capsys.readouterr().out
    assert f'"output_dir": "{REPO_ROOT / "outputs"}/' in out
    if "${WICDISTILL_SHARED_DATA}" in path.read_text():
        assert ":/data/parallel-wmt" in out
    else:
        assert '"hf:' in out or '"roundtrip:hf:' in out
    assert out.endswith(f"{path}: every section checked; nothing run (drop --check to run the stages)\n")
