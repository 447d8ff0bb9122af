"""The README's snippets, run offline: the quick tour from ``pip install`` to ``wicdistill push``,
and the "Use a trained model" examples.

The code blocks are read from README.md itself, so a changed snippet is a changed test. Hub
names become local stand-ins through ``stand_ins`` (the one substitution table); shell lines run
in-process through their entry points (``wicdistill.cli.main``, ``wicdistill.launch.main``) with
the small settings of ``SMALL_SETTINGS`` appended, from a temporary working directory.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import json
import re
import shlex
from pathlib import Path
from types import SimpleNamespace

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import REPO_ROOT, build_model
from fixtures.corpus.tiny_corpus import BITEXT_FR, tiny_masked_lm, wordpiece_tokenizer

from wicdistill import cli, launch

README = REPO_ROOT / "README.md"
TOUR = "Quick tour"
USE = "Use a trained model"
DATA = "Benchmark data"
EVAL_FIXTURES = Path(__file__).parent / "fixtures" / "eval"
TOUR_REPO = "my-org/wic-distill-xlmr-en-fr"
THRESHOLDS = {
    "output": "meaning",
    "date": "2026-12-02",
    "languages": {
        "en": {"threshold": 0.5, "dev_set": "wic-dev", "accuracy": 0.671, "pairs": 638},
        "fr": {"threshold": 0.7, "dev_set": "mcl-wic-dev fr-fr", "accuracy": 0.65, "pairs": 1000},
    },
    "default": {
        "threshold": 0.6,
        "dev_set": "mcl-wic-dev en-en",
        "accuracy": 0.68,
        "pairs": 1000,
        "transferred": True,
    },
}
# Appended to a README command so that it runs in seconds on the tiny stand-ins (flags win over
# the training YAML); keyed by the command's first words.
SMALL_SETTINGS = {
    "wicdistill build-corpus": [
        "--min-words", "5", "--skip-top-fraction", "0", "--negative-min-count", "1",
        "--negative-skip-top", "0", "--min-alignment-score", "0", "--batch-size", "8",
        "--sample-size", "3", "--threads", "1", "--device", "cpu", "--no-progress",
    ],
    "accelerate launch -m": [
        "--max_steps", "2", "--batch_size", "4", "--warmup_steps", "1", "--eval_every", "1",
        "--validation_fraction", "0.25", "--extraction_batch_size", "8", "--torch_threads", "1",
        "--report_to", "none", "--show_progress", "false",
    ],
    "wicdistill evaluate": ["--batch-size", "16", "--no-progress"],
}  # fmt: skip


def stand_ins(
    model_dir: Path, encoder_dir: Path | None = None, dataset_file: Path | None = None
) -> dict[str, str]:
    """The substitution table: each Hub name of the README -> its offline stand-in.

    Model repos are replaced where Python code names them (quoted); the shell lines keep the
    repo id for ``--model-id`` and ``push``, whose Hub client is a recording stand-in. The
    encoder and the dataset are needed by the shell snippets only.
    """
    table = {f'"{TOUR_REPO}"': repr(str(model_dir)), '"org/wic-distill-xlmr"': repr(str(model_dir))}
    if dataset_file is not None:
        table["hf:sentence-transformers/parallel-sentences-wikimatrix:en-fr:train"] = f"hf:{dataset_file}"
    if encoder_dir is not None:
        table["xlm-roberta-large"] = str(encoder_dir)
    return table


def substituted(text: str, table: dict[str, str]) -> str:
    for name, local in table.items():
        text = text.replace(name, local)
    return text


def section_blocks(heading: str) -> list[tuple[str, str]]:
    """``(language, code)`` of every fenced block in the README section ``## heading``."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"README.md has no '## {heading}' section"
    return re.findall(r"^```(\w+)\n(.*?)^```", match.group(1), re.M | re.S)


def blocks_of(heading: str, language: str) -> list[str]:
    return [code for lang, code in section_blocks(heading) if lang == language]


def run_python(code: str, table: dict[str, str]) -> tuple[dict, list]:
    """Execute a README Python block; returns its namespace and the value of each top-level
    expression statement (what a reader sees echoed in a notebook)."""
    tree = ast.parse(substituted(code, table))
    for i, node in enumerate(tree.body):
        if isinstance(node, ast.Expr):
            call = ast.parse("__values__.append(None)").body[0]
            call.value.args = [node.value]
            tree.body[i] = ast.copy_location(call, node)
    ast.fix_missing_locations(tree)
    namespace: dict = {"__values__": []}
    exec(compile(tree, str(README), "exec"), namespace)
    return namespace, namespace["__values__"]


def shell_commands(code: str) -> list[list[str]]:
    """The commands of a README shell block: continuation lines joined, comments dropped."""
    lines = code.replace("\\\n", " ").splitlines()
    return [words for words in (shlex.split(line, comments=True) for line in lines) if words]


def _data_command(argv: list[str]) -> int:
    """``wicdistill data ...`` through the CLI once it is registered there, else its module."""
    if "data" in cli.COMMANDS:
        return cli.main(["data", *argv])
    import argparse

    from wicdistill.evaluation import data_command

    parser = argparse.ArgumentParser(prog="wicdistill data")
    data_command.configure(parser)
    return data_command.run(parser.parse_args(argv))


def run_shell(argv: list[str], settings: dict[str, list[str]]) -> int:
    """One README command, in-process, with its small ``settings`` appended."""
    words = " ".join(argv[:3])
    extra = next((v for k, v in settings.items() if words.startswith(k)), [])
    if argv[:2] == ["pip", "install"]:  # offline: the installed distribution is the one named
        assert argv[2:] == ["wicdistill"]
        dist = importlib.metadata.distribution("wicdistill")
        scripts = {e.name: e.value for e in dist.entry_points if e.group == "console_scripts"}
        assert scripts["wicdistill"] == "wicdistill.cli:main"
        return 0
    if argv[:4] == ["accelerate", "launch", "-m", "wicdistill.launch"]:
        return launch.main(argv[4:] + extra)
    if argv[:2] == ["wicdistill", "data"]:
        return _data_command(argv[2:] + extra)
    assert argv[0] == "wicdistill", f"the test does not know how to run {argv}"
    return cli.main(argv[1:] + extra)


class RecordingApi:
    """Stands in for ``HfApi`` in ``wicdistill push``: records the calls, uploads nothing."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    def create_repo(self, repo_id, **kwargs):
        self.calls.append(("create_repo", {"repo_id": repo_id, **kwargs}))

    def upload_folder(self, **kwargs):
        self.calls.append(("upload_folder", kwargs))
        return SimpleNamespace(commit_url=f"https://huggingface.co/{kwargs['repo_id']}/commit/abc123")


def exported_tiny_model(tmp_path: Path, thresholds: dict | None) -> Path:
    """A tiny random model with ``thresholds`` in its config, exported as the Hub repo holds it."""
    from wicdistill.hub import CardData, export_model

    model, tokenizer = build_model("bert", decision_thresholds=thresholds)
    model_dir = tmp_path / "trained"
    model.save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)
    card = CardData(
        model_id=TOUR_REPO, language=["en", "fr"], license="apache-2.0", encoder_id="org/tiny-bert"
    )
    return export_model(model_dir, tmp_path / "export", card)


def check_decision(answer: dict, threshold: float) -> None:
    assert sorted(answer) == ["same_sense", "score", "threshold"]
    assert isinstance(answer["score"], float) and -1.0 <= answer["score"] <= 1.0
    assert isinstance(answer["same_sense"], bool)
    assert answer["threshold"] == threshold
    assert answer["same_sense"] == (answer["score"] >= answer["threshold"])


def offset_targets(code: str) -> list[str]:
    """The word each literal ``(text, start, end[, lang])`` target of a snippet points at,
    checked to be a whole word (the offsets are the part of a snippet a reader copies blindly)."""
    words = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Tuple) and all(isinstance(e, ast.Constant) for e in node.elts):
            values = [e.value for e in node.elts]
            if len(values) in (3, 4) and isinstance(values[0], str) and isinstance(values[1], int):
                text, start, end = values[:3]
                word = text[start:end]
                assert word.isalpha(), f"{values}: offsets {start}:{end} give {word!r}"
                assert not text[start - 1 : start].isalpha() and not text[end : end + 1].isalpha()
                words.append(word)
    return words


def check_tour_python(model_dir: Path, thresholds: dict) -> dict:
    """Run the tour's Python block against ``model_dir``; the en-fr pair takes the default."""
    (code,) = blocks_of(TOUR, "python")
    marked = re.findall(r"\[\[(\w+)\]\]", code)
    assert offset_targets(code) == marked == ["bank", "rive"], "the pipeline asks about the same pair"
    namespace, values = run_python(code, stand_ins(model_dir))
    answer = namespace["answer"]
    check_decision(answer, thresholds["default"]["threshold"])
    (piped,) = values
    assert piped == {**answer, "score": pytest.approx(answer["score"], abs=1e-6)}
    return answer


def test_tour_python_snippet_answers_with_the_stored_default_for_an_en_fr_pair(tmp_path):
    folder = exported_tiny_model(tmp_path, THRESHOLDS)
    answer = check_tour_python(folder, THRESHOLDS)
    assert answer["threshold"] == 0.6  # not en's 0.5 nor fr's 0.7: a crosslingual pair


def test_use_a_trained_model_snippets_run_on_an_export(tmp_path):
    folder = exported_tiny_model(tmp_path, THRESHOLDS)
    encode_block, pipeline_block = blocks_of(USE, "python")[:2]
    assert offset_targets(encode_block) == ["bank", "bank"] * 2
    table = stand_ins(folder)
    namespace, _ = run_python(encode_block, table)
    vectors, answer = namespace["vectors"], namespace["answer"]
    assert tuple(vectors.shape) == (2, 32)
    check_decision(answer, THRESHOLDS["languages"]["en"]["threshold"])  # an en-en pair
    assert answer["score"] == pytest.approx(float(namespace["cosine"]), abs=1e-5)
    _, (vector, pair, json_pair, scores) = run_python(pipeline_block, table)
    assert len(vector) == 32 and all(isinstance(x, float) for x in vector)
    check_decision(pair, THRESHOLDS["default"]["threshold"])  # no language named: the default
    assert json_pair == pair
    assert len(scores) == 2 and all(isinstance(s, float) for s in scores)


def test_use_a_trained_model_pair_is_a_bare_score_without_stored_thresholds(tmp_path):
    folder = exported_tiny_model(tmp_path, None)
    _, (_, pair, json_pair, _) = run_python(blocks_of(USE, "python")[1], stand_ins(folder))
    assert sorted(pair) == ["score"] and pair == json_pair


def write_mcl_wic_dev(root: Path, languages: tuple[str, ...]) -> None:
    """A tiny MCL-WiC dev set per language (data + gold), laid out as ``data download --from`` takes it."""
    sentences = [line.split("\t") for line in BITEXT_FR.read_text(encoding="utf-8").splitlines()]
    folder = root / "mcl-wic" / "dev" / "multilingual"
    folder.mkdir(parents=True)
    for lang in languages:
        records, gold = [], []
        side = 0 if lang == "en" else 1  # the other languages reuse the French side
        for i in range(len(sentences)):
            first, second = sentences[i][side], sentences[(i + 1) % len(sentences)][side]
            word1, word2 = first.split()[1], second.split()[1]
            start1, start2 = first.index(word1), second.index(word2)
            id_ = f"dev.{lang}-{lang}.{i}"
            records.append(
                {"id": id_, "lemma": word1, "pos": "NOUN", "sentence1": first, "sentence2": second,
                 "start1": str(start1), "end1": str(start1 + len(word1)),
                 "start2": str(start2), "end2": str(start2 + len(word2))}
            )  # fmt: skip
            gold.append({"id": id_, "tag": "T" if i % 2 else "F"})
        (folder / f"dev.{lang}-{lang}.data").write_text(
            json.dumps(records, ensure_ascii=False), encoding="utf-8"
        )
        (folder / f"dev.{lang}-{lang}.gold").write_text(json.dumps(gold), encoding="utf-8")


def test_tour_shell_snippets_build_train_evaluate_export_and_push(
    tmp_path, monkeypatch, fresh_accelerate_state
):
    from wicdistill.evaluation.tasks import resolve_tasks
    from wicdistill.hub import push as push_module

    # stand-ins: a tiny masked LM for xlm-roberta-large, WikiMatrix's two columns in a parquet file
    tokenizer = wordpiece_tokenizer()
    encoder_dir = tmp_path / "standins" / "encoder"
    tiny_masked_lm(tokenizer).save_pretrained(encoder_dir)
    tokenizer.save_pretrained(encoder_dir)
    rows = [line.split("\t") for line in BITEXT_FR.read_text(encoding="utf-8").splitlines()]
    dataset_file = tmp_path / "standins" / "wikimatrix-en-fr.parquet"
    pq.write_table(
        pa.table({"english": [r[0] for r in rows], "non_english": [r[1] for r in rows]}), dataset_file
    )
    table = stand_ins(tmp_path / "export-en-fr", encoder_dir, dataset_file)
    # benchmark data: a local copy for `data download mcl-wic`; the WiC fixture pre-installed in the
    # cache so that `wic` scores a few fixture pairs rather than the bundled 6,000 (train + dev)
    languages = tuple(spec.language.split("-")[0] for spec in resolve_tasks("mcl-wic-dev"))
    write_mcl_wic_dev(tmp_path / "standins" / "data", languages)
    local_data = ["--from", str(tmp_path / "standins" / "data"), "--no-verify"]
    settings = {**SMALL_SETTINGS, "wicdistill data download": local_data}
    monkeypatch.setenv("WICDISTILL_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("WICDISTILL_DATA_DIR", raising=False)
    assert _data_command(["download", "wic", "--from", str(EVAL_FIXTURES), "--no-verify"]) == 0
    api = RecordingApi()
    monkeypatch.setattr(push_module, "HfApi", lambda: api)
    monkeypatch.setenv("HF_TOKEN", "hf_readme_test")
    monkeypatch.chdir(tmp_path)

    pip_block, yaml_block, shell_block = (code for lang, code in section_blocks(TOUR) if lang != "python")
    commands = shell_commands(pip_block) + shell_commands(shell_block)
    (train,) = [c for c in commands if c[:2] == ["accelerate", "launch"]]
    config_file = tmp_path / train[train.index("--config") + 1]
    config_file.write_text(substituted(yaml_block, table), encoding="utf-8")
    for command in commands:
        argv = shlex.split(substituted(shlex.join(command), table))
        assert run_shell(argv, settings) == 0, f"README command failed: {shlex.join(command)}"

    records = [
        json.loads(line) for line in (tmp_path / "corpus-en-fr" / "train.jsonl").read_text().splitlines()
    ]
    assert records and {(r["anchor"]["lang"], r["positive"]["lang"]) for r in records} == {("en", "fr")}
    assert {r["negative_strategy"] for r in records} == {"mlm"}
    model_dir = tmp_path / "runs" / "xlmr-en-fr"
    summary = json.loads((model_dir / "training_summary.json").read_text())
    assert summary["training"]["steps"] == 2
    stored = json.loads((model_dir / "config.json").read_text())["decision_thresholds"]
    assert sorted(stored["languages"]) == sorted(languages)
    assert stored["languages"]["en"]["dev_set"] == "wic-dev"  # held-out WiC beats MCL-WiC dev en-en
    assert stored["default"]["dev_set"] == "mcl-wic-dev en-en" and stored["default"]["transferred"]
    export = tmp_path / "export-en-fr"
    assert {"config.json", "model.safetensors", "README.md", "handler.py"} <= {
        p.name for p in export.iterdir()
    }
    assert json.loads((export / "config.json").read_text())["decision_thresholds"] == stored
    assert "Same sense or not" in (export / "README.md").read_text()
    assert [name for name, _ in api.calls] == ["create_repo", "upload_folder"]
    created, uploaded = (arguments for _, arguments in api.calls)
    assert created["repo_id"] == uploaded["repo_id"] == TOUR_REPO
    assert Path(uploaded["folder_path"]) == Path("export-en-fr")
    # the folder just pushed is what the tour's Python snippet loads
    check_tour_python(export, stored)


def test_benchmark_data_commands_install_into_the_cache_with_licence_and_citation(
    tmp_path, monkeypatch, capsys
):
    text = README.read_text(encoding="utf-8")
    section = re.search(rf"^## {DATA}\n(.*?)(?=^## )", text, re.M | re.S).group(1)
    listing, download = re.findall(r"`(wicdistill data [^`]+)`", section.replace("\n", " "))
    monkeypatch.delenv("WICDISTILL_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    cache = tmp_path / "xdg" / "wicdistill" / "data"
    assert _data_command(shlex.split(listing)[2:]) == 0
    assert f"cache: {cache}" in capsys.readouterr().out
    local_copy = ["--from", str(EVAL_FIXTURES), "--no-verify"]
    assert _data_command(shlex.split(download)[2:] + local_copy) == 0
    out = capsys.readouterr().out
    assert sorted(p.name for p in cache.iterdir()) == ["am2ico", "mcl-wic"]
    for name in ("mcl-wic", "am2ico"):
        assert f"{name}: installed into {cache / name}" in out
    assert out.count("  licence:  ") == out.count("  cite:     ") == 2
