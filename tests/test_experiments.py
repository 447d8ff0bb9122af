"""The research scripts in experiments/ use only public API, import cleanly, and render the results.

Public means: a name imported from the top-level ``wicdistill`` package, or a name listed in the
``__all__`` of the module it is imported from. A refactor that moves or renames a name the scripts
use therefore breaks this test instead of a script nobody runs for months.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = REPO_ROOT / "experiments"
SCRIPTS = sorted(EXPERIMENTS.glob("*.py"))


def wicdistill_imports(path: Path) -> list[tuple[int, str, str | None]]:
    """(line, module, name) of every import of wicdistill in a script; name None for ``import x``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "wicdistill" or node.module.startswith("wicdistill."):
                found += [(node.lineno, node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [
                (node.lineno, alias.name, None)
                for alias in node.names
                if alias.name == "wicdistill" or alias.name.startswith("wicdistill.")
            ]
    return found


def is_public(module: str, name: str) -> bool:
    if module == "wicdistill":
        return True
    return name in getattr(importlib.import_module(module), "__all__", ())


def private_imports(path: Path) -> list[str]:
    """Each import in ``path`` that breaks the rule, as ``file:line: what``."""
    problems = []
    for line, module, name in wicdistill_imports(path):
        where = f"{path.name}:{line}"
        if name is None:
            if module != "wicdistill":
                problems.append(f"{where}: `import {module}`; import the names it needs with from-imports")
        elif name == "*":
            problems.append(f"{where}: `from {module} import *`")
        elif not is_public(module, name):
            problems.append(f"{where}: {module}.{name} is not in that module's __all__")
    return problems


def has_main_guard(path: Path) -> bool:
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Compare):
            test = node.test
            if (
                isinstance(test.left, ast.Name)
                and test.left.id == "__name__"
                and isinstance(test.comparators[0], ast.Constant)
                and test.comparators[0].value == "__main__"
            ):
                return True
    return False


def test_there_are_experiment_scripts():
    names = {path.stem for path in SCRIPTS}
    assert {"form_gap", "refit_centers", "transfer_diagnostics", "merge_builds", "analysis_figures"} <= names
    assert "make_results" in names


def test_experiments_import_only_public_api():
    problems = [problem for path in SCRIPTS for problem in private_imports(path)]
    assert not problems, "experiment scripts import non-public names:\n" + "\n".join(problems)


def test_the_rule_catches_private_imports(tmp_path):
    script = tmp_path / "bad.py"
    script.write_text(
        "from wicdistill import WicDistillModel\n"
        "from wicdistill.evaluation.metrics import roc_auc\n"
        "from wicdistill.evaluation.metrics import _vector\n"
        "from wicdistill.evaluation.loaders.wic import load_wic\n"
        "from wicdistill.corpus.builder import _limited\n"
        "import wicdistill.evaluation.metrics\n"
    )
    problems = private_imports(script)
    assert [p.split(":")[1] for p in problems] == ["3", "4", "5", "6"], problems
    assert "_vector" in problems[0] and "load_wic" in problems[1] and "_limited" in problems[2]


@pytest.mark.parametrize("path", SCRIPTS, ids=[path.stem for path in SCRIPTS])
def test_experiment_script_imports(path, monkeypatch):
    """Importing a script runs its imports and definitions, not its main."""
    assert has_main_guard(path), f'{path.name} needs `if __name__ == "__main__":` around its entry point'
    monkeypatch.syspath_prepend(str(EXPERIMENTS))  # scripts may import their siblings
    name = f"_experiment_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    assert callable(getattr(module, "main", None)), f"{path.name} has no main()"


def _make_results(monkeypatch):
    monkeypatch.syspath_prepend(str(EXPERIMENTS))
    spec = importlib.util.spec_from_file_location(
        "_experiment_make_results_check", EXPERIMENTS / "make_results.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_results_pages_are_rendered_from_the_registry(monkeypatch):
    """docs/results.md and the tables of experiments/NOTES.md are what make_results.py writes."""
    make_results = _make_results(monkeypatch)
    data = make_results.Data()
    page = make_results.page(data)
    assert (REPO_ROOT / "docs" / "results.md").read_text() == page, "rerun python experiments/make_results.py"
    assert len(page.splitlines()) <= 150
    notes = (EXPERIMENTS / "NOTES.md").read_text()
    assert make_results.GENERATED in notes
    assert notes == make_results.notes(data), "rerun python experiments/make_results.py"


def test_every_registry_run_has_its_summary(monkeypatch):
    make_results = _make_results(monkeypatch)
    data = make_results.Data()
    keys = {"ablation": data.ablation, "curve": data.ablation}
    for run in data.runs:
        if run["table"] in keys:
            assert run["name"] in keys[run["table"]], run
        elif run["table"] == "xling":
            assert (run["name"], "meaning") in data.xling, run
        elif run["table"] == "wide":
            assert (run["name"], "meaning") in data.wide, run
        assert run["folder"].startswith("bench/results/"), run


def test_fetch_script_pins_a_commit_that_holds_the_full_results():
    script = (EXPERIMENTS / "fetch_results.sh").read_text()
    commit = next(line.split("=", 1)[1] for line in script.splitlines() if line.startswith("COMMIT="))
    assert len(commit) == 40
    probe = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "ls-tree", "-r", "--name-only", commit, "bench/results/xling"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        pytest.skip(f"commit {commit[:7]} is not in this checkout (shallow clone or no git)")
    assert "bench/results/xling/X_paper/evaluation.json" in probe.stdout.splitlines()
