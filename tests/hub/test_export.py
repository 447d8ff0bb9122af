"""Export folders: exact contents, remote-code use by an outsider, heads-only reload, atomicity."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from isolated import run_isolated
from safetensors import safe_open
from transformers import AutoModel, AutoTokenizer

from hub.test_render import ABSOLUTE_PATH, make_trained_folder
from wicdistill import WicDistillModel, cli
from wicdistill.hub import HEADS_WEIGHTS_NAME, CardData, export_model
from wicdistill.hub import export as export_module
from wicdistill.pipeline_wicdistill import WordInContextPipeline, parse_marked_text

CODE_FILES = {
    "configuration_wicdistill.py",
    "modeling_wicdistill.py",
    "targets_wicdistill.py",
    "loss_wicdistill.py",
    "distillers_wicdistill.py",
    "encoder_wicdistill.py",
    "pipeline_wicdistill.py",
}
RUN_REPORTS = {"training_summary.json", "evaluation.json"}
CARD = CardData(model_id="org/wic-tiny", language=["en"], license="apache-2.0", encoder_id="org/tiny-bert")
MARKED = ["He sat on the [[bank]] of the river.", "She deposited money at the [[bank]]."]
SPAN = {"text": "A café in Zürich serves crème brûlée to the bankers.", "start": 10, "end": 16}
SIMILARITY = {"source_sentence": MARKED[0], "sentences": [MARKED[1], MARKED[0]]}


@pytest.fixture(scope="module")
def exports(saved_bert, tmp_path_factory):
    root = tmp_path_factory.mktemp("hub-export")
    model_dir = make_trained_folder(saved_bert, root)
    full = export_model(model_dir, root / "export" / "full", CARD)
    heads = export_model(
        model_dir, root / "export" / "heads", CARD, heads_only=True, encoder_revision="0123abc"
    )
    return {"root": root, "model_dir": model_dir, "full": full, "heads": heads}


def tokenizer_files(model_dir: Path, tmp_path: Path) -> set[str]:
    AutoTokenizer.from_pretrained(model_dir).save_pretrained(tmp_path / "tok")
    return {p.name for p in (tmp_path / "tok").iterdir()}


def test_full_export_holds_exactly_the_expected_files(exports, tmp_path):
    expected = (
        {"config.json", "model.safetensors", "README.md", "layer_attention.png", "handler.py"}
        | CODE_FILES
        | RUN_REPORTS
        | tokenizer_files(exports["model_dir"], tmp_path)
    )
    assert {p.name for p in exports["full"].iterdir()} == expected
    assert not [p for p in exports["full"].parent.iterdir() if p.name.startswith(".")], "no staging left"


def test_heads_only_export_holds_exactly_the_expected_files(exports):
    expected = (
        {"config.json", HEADS_WEIGHTS_NAME, "README.md", "layer_attention.png"} | CODE_FILES | RUN_REPORTS
    )
    assert {p.name for p in exports["heads"].iterdir()} == expected


def test_export_config_and_float32_weights(exports):
    config = json.loads((exports["full"] / "config.json").read_text())
    assert config["auto_map"] == {
        "AutoConfig": "configuration_wicdistill.WicDistillConfig",
        "AutoModel": "modeling_wicdistill.WicDistillModel",
    }
    assert (
        config["custom_pipelines"]["word-in-context"]["impl"] == "pipeline_wicdistill.WordInContextPipeline"
    )
    assert config["encoder_name_or_path"] == "org/tiny-bert"
    assert config["encoder"]["_name_or_path"] == "org/tiny-bert" and config["feature_cache"] == "features"
    heads_config = json.loads((exports["heads"] / "config.json").read_text())
    assert heads_config["auto_map"] == config["auto_map"] and "custom_pipelines" not in heads_config
    assert (heads_config["encoder_name_or_path"], heads_config["encoder_revision"]) == (
        "org/tiny-bert",
        "0123abc",
    )
    with safe_open(exports["full"] / "model.safetensors", "pt") as full:
        assert {full.get_slice(k).get_dtype() for k in full.keys()} == {"F32"}
        assert any(k.startswith("encoder.") for k in full.keys())
    with safe_open(exports["heads"] / HEADS_WEIGHTS_NAME, "pt") as heads:
        assert {heads.get_slice(k).get_dtype() for k in heads.keys()} == {"F32"}
        assert {k.split(".")[0] for k in heads.keys()} == {"meaning", "context"}


def test_exported_files_hold_no_local_paths(exports):
    root = str(exports["root"])
    for folder in (exports["full"], exports["heads"]):
        for path in folder.iterdir():
            if path.suffix in (".json", ".md", ".py"):
                text = path.read_text()
                assert root not in text and str(Path.home()) not in text, path.name
    summary = json.loads((exports["full"] / "training_summary.json").read_text())
    assert summary["corpus"]["path"] == "ntrex-en-fr" and summary["encoder"]["name_or_path"] == "tiny-bert"
    assert ABSOLUTE_PATH.findall((exports["full"] / "README.md").read_text()) == []


def test_the_card_matches_the_export_kind(exports):
    full, heads = (exports[k].joinpath("README.md").read_text() for k in ("full", "heads"))
    assert "pipeline(model=repo, revision=revision, trust_remote_code=True)" in full
    assert "![Mean attention received per selected layer](layer_attention.png)" in full
    assert "from_heads_pretrained(" in heads and 'encoder_revision = "0123abc"' in heads
    assert "handler.py" not in heads and "- heads-only" in heads


def test_heads_only_export_reloads_onto_a_separately_saved_encoder(exports, tmp_path):
    full = WicDistillModel.from_pretrained(exports["full"])
    tokenizer = AutoTokenizer.from_pretrained(exports["full"])
    full.encoder.save_pretrained(tmp_path / "encoder")
    targets = [parse_marked_text(t) for t in MARKED] + [SPAN]
    expected = full.encode(targets, tokenizer, output=["meaning", "context", "baseline"])
    from_path = WicDistillModel.from_heads_pretrained(exports["heads"], encoder=str(tmp_path / "encoder"))
    from_model = WicDistillModel.from_heads_pretrained(
        exports["heads"], encoder=AutoModel.from_pretrained(tmp_path / "encoder")
    )
    for model in (from_path, from_model):
        got = model.encode(targets, tokenizer, output=["meaning", "context", "baseline"])
        for name in expected:
            assert torch.equal(got[name], expected[name]), name


def test_heads_only_export_refuses_the_wrong_encoder(exports):
    from tiny_models import bert_config

    other = AutoModel.from_config(bert_config(135, hidden_size=48, num_attention_heads=4))
    with pytest.raises(ValueError, match=r"does not match .*'org/tiny-bert'.*hidden_size: 32 != 48"):
        WicDistillModel.from_heads_pretrained(exports["heads"], encoder=other)


def test_heads_only_folder_never_loads_as_a_full_model(exports):
    with pytest.raises(OSError, match="model.safetensors"):
        WicDistillModel.from_pretrained(exports["heads"])


def test_heads_only_needs_a_hub_encoder_id_and_a_revision(exports, tmp_path):
    with pytest.raises(ValueError, match="encoder_revision"):
        export_model(exports["model_dir"], tmp_path / "a", CARD, heads_only=True)
    with pytest.raises(ValueError, match="local folder: pass the encoder's Hub id"):
        export_model(exports["model_dir"], tmp_path / "b", CardData(), heads_only=True, encoder_revision="r")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_export_replaces_an_existing_folder_only_on_request(exports, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not empty; pass overwrite=True"):
        export_model(exports["model_dir"], out, CARD)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    export_model(exports["model_dir"], out, CARD, overwrite=True)
    assert not (out / "keep.txt").exists() and (out / "model.safetensors").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"], "no staging or old copy left"


def test_a_failed_export_leaves_nothing_behind(exports, tmp_path, monkeypatch):
    def fail(folder, card):
        raise RuntimeError("disk full")

    monkeypatch.setattr(export_module, "write_model_card", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        export_model(exports["model_dir"], tmp_path / "out", CARD)
    assert list(tmp_path.iterdir()) == []


def test_export_command(exports, tmp_path, capsys):
    out = tmp_path / "cli-export"
    code = cli.main(
        ["export", str(exports["model_dir"]), str(out), "--model-id", "org/x", "--encoder-id", "o/e"]
    )
    assert code == 0 and (out / "README.md").is_file()
    assert re.search(r"exported full folder .*: 16 files, [\d.]+ MB in [\d.]+ s", capsys.readouterr().out)
    code = cli.main(
        ["export", str(exports["model_dir"]), str(tmp_path / "h"), "--heads-only", "--encoder-id", "o/e"]
    )
    assert code == 1 and "--encoder-revision" in capsys.readouterr().err


def test_an_outsider_loads_the_export_with_remote_code(exports, tmp_path):
    """AutoModel, the pipeline and handler.py in a process that never imports wicdistill."""
    folder, out_file = str(exports["full"]), tmp_path / "results.json"
    result = run_isolated(
        f"""
        import importlib.util, json, sys, torch
        torch.set_num_threads(1)
        from transformers import AutoModel, AutoTokenizer, pipeline
        folder = {folder!r}
        model = AutoModel.from_pretrained(folder, trust_remote_code=True)
        tokenizer = AutoTokenizer.from_pretrained(folder)
        pipe = pipeline(model=folder, trust_remote_code=True)
        spec = importlib.util.spec_from_file_location("handler", folder + "/handler.py")
        handler_module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(handler_module)
        handler = handler_module.EndpointHandler(folder)
        marked, span, similarity = {MARKED!r}, {SPAN!r}, {SIMILARITY!r}
        results = {{
            "model_module": type(model).__module__,
            "pipeline": [type(pipe).__module__, type(pipe).__name__, pipe.task],
            "encode": model.encode([(span["text"], span["start"], span["end"])], tokenizer).tolist(),
            "marked": pipe(marked[0]),
            "span": pipe(span),
            "list": pipe(marked + [span]),
            "context": pipe(span, return_context=True),
            "pair": pipe((marked[0], marked[1])),
            "similarity": pipe(similarity),
            "handler_vector": handler({{"inputs": marked[0]}}),
            "handler_similarity": handler({{"inputs": similarity}}),
            "handler_context": handler({{"inputs": [span], "parameters": {{"return_context": True}}}}),
            "leaked": sorted(m for m in sys.modules if m.startswith("wicdistill")),
        }}
        with open({str(out_file)!r}, "w") as handle:
            json.dump(results, handle)
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    remote = json.loads(out_file.read_text())
    assert remote["leaked"] == []
    assert remote["model_module"].startswith("transformers_modules")
    assert remote["pipeline"][0].startswith("transformers_modules")
    assert remote["pipeline"][1:] == ["WordInContextPipeline", "word-in-context"]

    model = WicDistillModel.from_pretrained(exports["model_dir"])
    tokenizer = AutoTokenizer.from_pretrained(exports["model_dir"])
    pipe = WordInContextPipeline(model=model, tokenizer=tokenizer, device="cpu")
    expected = {
        "encode": model.encode([SPAN], tokenizer).tolist(),
        "marked": pipe(MARKED[0]),
        "span": pipe(SPAN),
        "list": pipe(MARKED + [SPAN]),
        "context": pipe(SPAN, return_context=True),
        "pair": pipe((MARKED[0], MARKED[1])),
        "similarity": pipe(SIMILARITY),
    }
    for name, value in expected.items():
        assert remote[name] == value, f"{name} differs from the in-process model"
    assert remote["encode"][0] == remote["span"]
    assert remote["handler_vector"] == expected["marked"]
    assert remote["handler_similarity"] == expected["similarity"]
    assert remote["handler_context"] == [expected["context"]]


@pytest.mark.parametrize("heads_only", [False, True])
def test_export_refuses_a_model_folder_with_non_finite_weights(exports, tmp_path, heads_only):
    import shutil

    from safetensors.torch import load_file, save_file

    broken = tmp_path / "broken"
    shutil.copytree(exports["model_dir"], broken)
    weights = load_file(broken / "model.safetensors")
    name = next(k for k in weights if k.startswith("meaning."))
    weights[name] = torch.full_like(weights[name], float("nan"))
    save_file(weights, str(broken / "model.safetensors"), metadata={"format": "pt"})
    with pytest.raises(ValueError, match=r"non-finite values \(NaN/inf\)"):
        export_model(broken, tmp_path / "out", CARD, heads_only=heads_only, encoder_revision="0123abc")
    assert not (tmp_path / "out" / "config.json").exists()


def _with_recorded_encoder(model_dir: Path, folder: Path, recorded: str) -> Path:
    """A copy of ``model_dir`` whose config and training summary name the encoder ``recorded``."""
    import shutil

    shutil.copytree(model_dir, folder)
    config = json.loads((folder / "config.json").read_text())
    config["encoder_name_or_path"] = recorded
    (folder / "config.json").write_text(json.dumps(config))
    summary = json.loads((folder / "training_summary.json").read_text())
    summary["encoder"]["name_or_path"] = recorded
    (folder / "training_summary.json").write_text(json.dumps(summary))
    return folder


def test_export_records_the_hub_id_of_a_stand_in_short_name(exports, tmp_path):
    model_dir = _with_recorded_encoder(exports["model_dir"], tmp_path / "model", "all-MiniLM-L6-v2")
    out = export_model(model_dir, tmp_path / "out", CardData(model_id="org/wic-tiny"))
    config = json.loads((out / "config.json").read_text())
    assert config["encoder_name_or_path"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert config["encoder"]["_name_or_path"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert "base_model: sentence-transformers/all-MiniLM-L6-v2\n" in (out / "README.md").read_text()


def test_export_refuses_a_base_model_that_is_no_hub_id(exports, tmp_path, capsys):
    model_dir = _with_recorded_encoder(exports["model_dir"], tmp_path / "model", "my-encoder")
    expected = (
        "the encoder 'my-encoder' recorded in the model is not a Hub id and cannot be the card's base_model; "
        "pass --encoder-id ORG/NAME (CardData(encoder_id=...)) naming it on the Hub"
    )
    with pytest.raises(ValueError) as caught:
        export_model(model_dir, tmp_path / "out", CardData(model_id="org/wic-tiny"))
    assert str(caught.value) == expected and not (tmp_path / "out").exists()
    assert cli.main(["export", str(model_dir), str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err.strip().endswith(expected)
    assert cli.main(["export", str(model_dir), str(tmp_path / "out"), "--encoder-id", "org/my-encoder"]) == 0
    assert (
        json.loads((tmp_path / "out" / "config.json").read_text())["encoder_name_or_path"] == "org/my-encoder"
    )


def test_exported_tokenizer_files_need_no_remote_code(exports, tmp_path):
    """No tokenizer auto_map (even one the model folder's tokenizer carried), a transformers class,
    none of the training machine's loading state; config.json keeps the model's auto_map."""
    import shutil

    model_dir = tmp_path / "model"
    shutil.copytree(exports["model_dir"], model_dir)
    settings = json.loads((model_dir / "tokenizer_config.json").read_text())
    settings["auto_map"] = {"AutoTokenizer": ["tokenization_custom.CustomTokenizer", None]}
    (model_dir / "tokenizer_config.json").write_text(json.dumps(settings))
    out = export_model(model_dir, tmp_path / "out", CARD)
    for folder in (exports["full"], out):
        exported = json.loads((folder / "tokenizer_config.json").read_text())
        assert "auto_map" not in exported and exported["tokenizer_class"] == "TokenizersBackend"
        assert not {"is_local", "local_files_only"} & set(exported)
        assert set(json.loads((folder / "config.json").read_text())["auto_map"]) == {
            "AutoConfig",
            "AutoModel",
        }


TOKENIZED = ["He sat on the bank of the river.", "A café in Zürich serves crème brûlée to the bankers."]


def test_the_cards_tokenizer_line_loads_in_a_clean_process_without_a_prompt(exports, tmp_path):
    """The card's usage lines and a bare ``AutoTokenizer.from_pretrained(folder)``, stdin closed:
    the same ids as the model folder's tokenizer, a transformers class, no remote-code question."""
    from isolated import clean_env

    folder = str(exports["full"])
    usage = (exports["full"] / "README.md").read_text().split("```python\n", 1)[1].split("```", 1)[0]
    (card_line,) = [line for line in usage.splitlines() if line.startswith("tokenizer = AutoTokenizer")]
    script = f"""
import json, sys
from transformers import AutoTokenizer
repo, revision = {folder!r}, "main"
{card_line}
print("CARD LINE DONE", flush=True)
bare = AutoTokenizer.from_pretrained(repo)
print("RESULT", json.dumps({{
    "card": [tokenizer(text)["input_ids"] for text in {TOKENIZED!r}],
    "bare": [bare(text)["input_ids"] for text in {TOKENIZED!r}],
    "classes": [type(t).__module__ for t in (tokenizer, bare)],
    "leaked": sorted(m for m in sys.modules if m.startswith("wicdistill")),
}}))
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=clean_env(tmp_path),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    card_output = done.stdout.split("CARD LINE DONE", 1)[0] + done.stderr
    assert "custom code" not in card_output, "the card's tokenizer line asks whether to run remote code"
    expected = [AutoTokenizer.from_pretrained(exports["model_dir"])(t)["input_ids"] for t in TOKENIZED]
    remote = json.loads(done.stdout.rsplit("RESULT ", 1)[1])
    assert remote["card"] == expected and remote["bare"] == expected and remote["leaked"] == []
    assert all(module.startswith("transformers.") for module in remote["classes"])


def test_the_exported_summary_names_no_relative_corpus_folder(exports, tmp_path):
    import shutil

    model_dir = tmp_path / "model"
    shutil.copytree(exports["model_dir"], model_dir)
    summary = json.loads((model_dir / "training_summary.json").read_text())
    summary["corpus"]["path"] = "outputs/quickstart/corpus"
    (model_dir / "training_summary.json").write_text(json.dumps(summary))
    out = export_model(model_dir, tmp_path / "out", CARD)
    assert json.loads((out / "training_summary.json").read_text())["corpus"]["path"] == "corpus"
    assert not [p.name for p in out.iterdir() if "outputs/quickstart" in p.read_text(errors="ignore")]


def test_card_names_every_code_file_the_export_ships(exports):
    card = (exports["full"] / "README.md").read_text(encoding="utf-8")
    shipped = {p.name for p in exports["full"].glob("*_wicdistill.py")}
    named = set(re.findall(r"`(\w+_wicdistill\.py)`", card))
    assert shipped == CODE_FILES and named == shipped
