"""Pushing against a recording stand-in for ``HfApi``: what is uploaded, and what fails before any call."""

import hashlib
from pathlib import Path
from types import SimpleNamespace

import huggingface_hub
import pytest
import yaml

from wicdistill import cli
from wicdistill.hub import MissingTokenError, publish, push_folder, resolve_token, validate_repo_id
from wicdistill.hub import publishing as publish_module
from wicdistill.hub import push as push_module


class RecordingApi:
    """Stands in for ``HfApi``: records each call and what the uploaded folder held at that moment."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.uploaded: dict[str, str] = {}
        self.card = ""

    def create_repo(self, repo_id, **kwargs):
        self.calls.append(("create_repo", {"repo_id": repo_id, **kwargs}))
        return SimpleNamespace(repo_id=repo_id)

    def create_branch(self, repo_id, **kwargs):
        self.calls.append(("create_branch", {"repo_id": repo_id, **kwargs}))

    def upload_folder(self, **kwargs):
        self.calls.append(("upload_folder", kwargs))
        root = Path(kwargs["folder_path"])
        self.uploaded = {
            str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in root.rglob("*")
            if p.is_file()
        }
        self.card = (root / "README.md").read_text()
        return SimpleNamespace(
            commit_url=f"https://huggingface.co/{kwargs['repo_id']}/commit/abc123", oid="abc123"
        )


@pytest.fixture
def no_token(monkeypatch, tmp_path):
    """No token anywhere: not in the environment, no stored login."""
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_OIDC_RESOURCE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_TOKEN_PATH", str(tmp_path / "hf" / "token"))
    return tmp_path / "hf" / "token"


@pytest.fixture
def export_folder(tmp_path) -> Path:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "wicdistill"}')
    (folder / "README.md").write_text("---\nlibrary_name: transformers\n---\n# card\n")
    (folder / "model.safetensors").write_bytes(b"\x00" * 64)
    (folder / "handler.py").write_text("class EndpointHandler: ...\n")
    return folder


def files_of(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*")}


def test_push_creates_the_repo_and_uploads_exactly_the_folder(export_folder, no_token):
    api = RecordingApi()
    url = push_folder(export_folder, "org/wic-distill-xlmr", private=True, token="hf_write", api=api)
    assert url == "https://huggingface.co/org/wic-distill-xlmr/commit/abc123"
    assert [name for name, _ in api.calls] == ["create_repo", "upload_folder"]
    create, upload = api.calls[0][1], api.calls[1][1]
    assert create == {
        "repo_id": "org/wic-distill-xlmr",
        "token": "hf_write",
        "private": True,
        "repo_type": "model",
        "exist_ok": True,
    }
    assert upload["repo_id"] == "org/wic-distill-xlmr" and upload["token"] == "hf_write"
    assert upload["revision"] is None and upload["delete_patterns"] == ["*"]
    assert api.uploaded == files_of(export_folder)


def test_push_to_a_branch_creates_it_first(export_folder, no_token):
    api = RecordingApi()
    push_folder(export_folder, "org/model", revision="v1", token="hf_write", api=api)
    assert [name for name, _ in api.calls] == ["create_repo", "create_branch", "upload_folder"]
    assert api.calls[1][1]["branch"] == "v1" and api.calls[2][1]["revision"] == "v1"


@pytest.mark.parametrize(
    "repo_id",
    [
        "wic-distill",
        "org/team/model",
        "org/",
        "/model",
        "org/my model",
        "org/-model",
        "org/model.",
        "org/wic--distill",
        "org/wic..distill",
        "org/model.git",
        "org/" + "m" * 97,
        "org/naïve",
        "",
    ],
)
def test_bad_repo_ids_fail_before_any_call(export_folder, repo_id):
    api = RecordingApi()
    with pytest.raises(ValueError, match=r"repo id '.*'"):
        push_folder(export_folder, repo_id, token="hf_write", api=api)
    assert api.calls == []


@pytest.mark.parametrize(
    "repo_id", ["org/wic-distill-xlmr", "a/b", "Org_1/model.v2", "user-name/WiC_Distill"]
)
def test_good_repo_ids_pass(repo_id):
    assert validate_repo_id(repo_id) == repo_id


def test_a_missing_token_fails_before_any_call(export_folder, no_token):
    api = RecordingApi()
    with pytest.raises(MissingTokenError, match=r"--token .*HF_TOKEN.*hf auth login"):
        push_folder(export_folder, "org/model", api=api)
    assert api.calls == []


def test_token_sources_in_order(no_token, monkeypatch):
    no_token.parent.mkdir(parents=True)
    no_token.write_text("hf_stored\n")
    assert resolve_token() == "hf_stored"
    monkeypatch.setenv("HF_TOKEN", "hf_env")
    assert resolve_token() == "hf_env"
    assert resolve_token("hf_given") == "hf_given"


def test_push_refuses_a_folder_that_is_not_an_export(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match=r"not an exported model folder \(missing README.md\)"):
        push_folder(tmp_path, "org/model", token="hf_write", api=RecordingApi())
    with pytest.raises(ValueError, match="not a valid branch name"):
        push_folder(tmp_path, "org/model", revision="my branch", token="hf_write", api=RecordingApi())


def test_publish_exports_then_pushes_the_whole_folder(saved_bert, no_token):
    api = RecordingApi()
    url = publish(saved_bert, "org/wic-tiny", revision="v2", token="hf_write", api=api)
    assert url.endswith("/commit/abc123")
    assert [name for name, _ in api.calls] == ["create_repo", "create_branch", "upload_folder"]
    assert {"config.json", "model.safetensors", "README.md", "handler.py", "pipeline_wicdistill.py"} <= set(
        api.uploaded
    )
    assert not Path(api.calls[-1][1]["folder_path"]).exists(), "the temporary export is removed"
    assert 'repo = "org/wic-tiny"' in api.card and 'revision = "v2"' in api.card
    assert yaml.safe_load(api.card.split("---\n")[1])["library_name"] == "transformers"


def test_publish_checks_repo_id_and_token_before_exporting(saved_bert, no_token, monkeypatch):
    def must_not_export(*args, **kwargs):
        raise AssertionError("exported before validating")

    monkeypatch.setattr(publish_module, "export_model", must_not_export)
    with pytest.raises(ValueError, match="namespace/name"):
        publish(saved_bert, "wic-tiny", token="hf_write", api=RecordingApi())
    with pytest.raises(MissingTokenError):
        publish(saved_bert, "org/wic-tiny", api=RecordingApi())


def test_push_command(export_folder, no_token, monkeypatch, capsys):
    api = RecordingApi()
    monkeypatch.setattr(push_module, "HfApi", lambda: api)
    assert cli.main(["push", str(export_folder), "org/wic-tiny", "--private", "--token", "hf_write"]) == 0
    assert "org/wic-tiny/commit/abc123" in capsys.readouterr().out
    assert api.calls[0][1]["private"] is True and api.uploaded == files_of(export_folder)
    assert cli.main(["push", str(export_folder), "org/bad id", "--token", "hf_write"]) == 1
    assert "repo id 'org/bad id'" in capsys.readouterr().err
    assert cli.main(["push", str(export_folder), "org/wic-tiny"]) == 1
    assert "no Hugging Face token" in capsys.readouterr().err
