"""A saved model loads through ``trust_remote_code`` in a process that never imports wicdistill."""

import json
import sys

import torch
from conftest import REPO_ROOT
from isolated import run_isolated

from wicdistill import WicDistillModel

MODEL_FILES = (
    "configuration_wicdistill.py",
    "modeling_wicdistill.py",
    "targets_wicdistill.py",
    "loss_wicdistill.py",
    "distillers_wicdistill.py",
    "encoder_wicdistill.py",
)
HUB_FILES = (*MODEL_FILES, "pipeline_wicdistill.py")
ALLOWED_IMPORTS = set(sys.stdlib_module_names) | {"torch", "transformers"}

ITEMS = [
    ["He sat on the bank of the river.", 14, 18],
    ["A café in Zürich serves crème brûlée to the bankers.", 10, 16],
]


def test_remote_code_load_is_bit_equal(saved_bert, tmp_path):
    assert sorted(p.name for p in saved_bert.glob("*_wicdistill.py")) == sorted(MODEL_FILES)
    out_file = tmp_path / "vectors.pt"
    result = run_isolated(
        f"""
        import sys, torch
        from transformers import AutoModel, AutoTokenizer
        model = AutoModel.from_pretrained({str(saved_bert)!r}, trust_remote_code=True)
        tokenizer = AutoTokenizer.from_pretrained({str(saved_bert)!r})
        assert "wicdistill" not in sys.modules, "the package leaked into the isolated process"
        assert type(model).__module__.startswith("transformers_modules"), type(model).__module__
        items = [tuple(i) for i in {ITEMS!r}]
        out = model.encode(items, tokenizer, output=["meaning", "context", "baseline"])
        torch.save(out, {str(out_file)!r})
        print(type(model).__module__)
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    remote = torch.load(out_file)
    local = WicDistillModel.from_pretrained(saved_bert)
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(saved_bert)
    expected = local.encode([tuple(i) for i in ITEMS], tokenizer, output=["meaning", "context", "baseline"])
    for name, value in expected.items():
        assert torch.equal(remote[name], value), name


def test_loading_without_trust_remote_code_fails_loudly(saved_bert, tmp_path):
    result = run_isolated(
        f"""
        from transformers import AutoModel
        AutoModel.from_pretrained({str(saved_bert)!r})
        """,
        tmp_path,
    )
    assert result.returncode != 0
    assert "trust_remote_code" in result.stderr


def test_hub_files_import_only_torch_transformers_and_siblings():
    for name in HUB_FILES:
        path = REPO_ROOT / "wicdistill" / name
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            stripped = line.strip()
            if line.startswith((" ", "\t")) and not stripped.startswith(("from ", "import ")):
                continue
            if stripped.startswith("from ."):
                assert stripped.split()[1].lstrip(".") in {n[:-3] for n in HUB_FILES}, line
                continue
            if stripped.startswith(("import ", "from ")):
                root = stripped.split()[1].split(".")[0]
                assert root in ALLOWED_IMPORTS, f"{name}: {line}"


def test_auto_map_written_by_save(saved_bert):
    config = json.loads((saved_bert / "config.json").read_text())
    assert config["auto_map"]["AutoModel"] == "modeling_wicdistill.WicDistillModel"
