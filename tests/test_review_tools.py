"""Tools for reviewers: `new` files pass the check, CODEOWNERS is current, workflows are sound."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from rutinebok.cli import main
from rutinebok.codeowners import codeowners_text

from .conftest import ROOT


@pytest.mark.parametrize("kind", ["routine", "organisation", "role", "tree"])
def test_new_file_passes_the_check(kind, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)  # schema lines are relative to the repository
    data = Path(shutil.copytree(ROOT / "data", tmp_path / "data"))
    assert main(["new", kind, f"ny-{kind}", "--data", str(data)]) == 0
    folder = {"routine": "routines", "organisation": "organisations", "role": "roles", "tree": "trees"}[kind]
    text = (data / folder / f"ny-{kind}.yml").read_text("utf-8")
    assert text.startswith("# yaml-language-server: $schema=") and "\n# " in text
    capsys.readouterr()
    assert main(["check", "--data", str(data), "--today", "2026-11-22"]) == 0, capsys.readouterr().out
    # The same id again is refused, and nothing is overwritten.
    assert main(["new", kind, f"ny-{kind}", "--data", str(data)]) == 1
    assert "finnes allerede" in capsys.readouterr().err
    assert (data / folder / f"ny-{kind}.yml").read_text("utf-8") == text


def test_new_refuses_an_existing_id_of_another_kind_and_a_bad_id(tmp_path, capsys):
    data = Path(shutil.copytree(ROOT / "data", tmp_path / "data"))
    assert main(["new", "role", "nav-moss", "--data", str(data)]) == 1
    assert "finnes allerede" in capsys.readouterr().err
    assert main(["new", "role", "Ny Rolle", "--data", str(data)]) == 1
    assert "ikke en gyldig id" in capsys.readouterr().err


def test_codeowners_is_current():
    assert (ROOT / ".github" / "CODEOWNERS").read_text("utf-8") == codeowners_text(Path("data")), \
        "run `rutinebok codeowners` and commit .github/CODEOWNERS"


def test_codeowners_lists_every_party_of_a_routine():
    text = codeowners_text(Path("data"))
    line = next(x for x in text.splitlines() if "routines/moss-krisesenter-nav.yml" in x)
    for party in ["krisesenteret-i-moss", "nav-moss", "nav-rygge", "nav-rade", "nav-valer"]:
        assert f"@rutinebok/{party}" in line


def _make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text("utf-8"), re.MULTILINE))


@pytest.mark.parametrize("workflow", sorted((ROOT / ".github" / "workflows").glob("*.yml")), ids=lambda p: p.name)
def test_workflow_is_valid_yaml_and_calls_real_targets(workflow):
    doc = yaml.safe_load(workflow.read_text("utf-8"))
    assert doc.get("jobs"), workflow
    commands = " ".join(step.get("run", "") for job in doc["jobs"].values() for step in job.get("steps", []))
    called = set(re.findall(r"\bmake ([a-z][a-z-]*)", commands))
    assert called, f"{workflow.name} runs no make target"
    assert called <= _make_targets(), called - _make_targets()
    for sub in set(re.findall(r"rutinebok ([a-z]+)", commands)):
        assert main([sub, "--help"]) == 0


def test_pull_request_template_and_pre_commit_exist():
    template = (ROOT / ".github" / "pull_request_template.md").read_text("utf-8")
    assert "- [ ]" in template and "rutinebok check" in template
    hooks = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text("utf-8"))
    [hook] = [h for repo in hooks["repos"] for h in repo["hooks"]]
    assert "rutinebok check" in hook["entry"] and hook["files"] == "^data/"


def test_contributing_explains_every_check_code():
    from rutinebok.findings import CODES

    text = (ROOT / "CONTRIBUTING.md").read_text("utf-8")
    for code, name in CODES.items():
        assert f"| {code} | `{name}` |" in text, code
