"""The CI workflows, the pull-request template and the pre-commit hook: valid, and calling
only make targets and rutinebok commands that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from rutinebok.cli import main

from .conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"


def _make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text("utf-8"), re.MULTILINE))


def _workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text("utf-8"))


def _steps(doc: dict) -> list[dict]:
    return [step for job in doc["jobs"].values() for step in job.get("steps", [])]


@pytest.mark.parametrize("workflow", sorted(WORKFLOWS.glob("*.yml")), ids=lambda p: p.name)
def test_workflow_is_valid_yaml_and_calls_real_targets(workflow: Path, capsys):
    doc = yaml.safe_load(workflow.read_text("utf-8"))
    assert doc.get("jobs") and doc.get("name"), workflow
    commands = " ".join(step.get("run", "") for step in _steps(doc))
    called = set(re.findall(r"\bmake ([a-z][a-z-]*)", commands))
    assert called, f"{workflow.name} runs no make target"
    assert called <= _make_targets(), f"not in the Makefile: {called - _make_targets()}"
    for sub in set(re.findall(r"rutinebok ([a-z][a-z-]*)", commands)):
        assert main([sub, "--help"]) == 0, sub
    capsys.readouterr()
    for step in _steps(doc):
        assert "run" in step or re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", step.get("uses", "")), step


def test_pull_request_workflow():
    doc = _workflow("pr.yml")
    # PyYAML reads the key `on` as True (YAML 1.1); GitHub reads it as "on".
    assert "pull_request" in (doc.get("on") or doc.get(True))
    steps = _steps(doc)
    uses = [s.get("uses", "") for s in steps]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0  # diff and version check need the base branch
    assert sum(u.startswith("actions/upload-artifact@") for u in uses) == 2  # site and PDFs
    runs = "\n".join(s.get("run", "") for s in steps)
    for needed in ("make test", "make build", "make pdf", "rutinebok diff --format markdown",
                   "rutinebok diff --strict", "rutinebok check --against"):
        assert needed in runs, needed
    assert any(u.startswith("actions/github-script@") for u in uses)  # posts the summary as a comment


def test_pages_workflow():
    doc = _workflow("pages.yml")
    assert (doc.get("on") or doc.get(True))["push"]["branches"] == ["main"]
    uses = [s.get("uses", "") for s in _steps(doc)]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    assert doc["permissions"]["pages"] == "write" and doc["permissions"]["id-token"] == "write"


def test_pull_request_template_and_pre_commit_exist():
    template = (ROOT / ".github" / "pull_request_template.md").read_text("utf-8")
    assert "- [ ]" in template and "rutinebok check" in template
    hooks = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text("utf-8"))
    [hook] = [h for repo in hooks["repos"] for h in repo["hooks"]]
    assert "rutinebok check" in hook["entry"] and hook["files"] == "^data/"
    assert hook["language"] == "system" and hook["pass_filenames"] is False
