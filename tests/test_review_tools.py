"""Tools for reviewers: `new` files pass the check, CODEOWNERS is current, CONTRIBUTING explains every code."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from rutinebok.cli import main
from rutinebok.codeowners import codeowners_text
from rutinebok.load import read_yaml
from rutinebok.schema import all_schemas

from .conftest import ROOT


@pytest.mark.parametrize("kind", ["routine", "organisation", "role", "tree"])
def test_new_file_passes_the_check(kind, tmp_path, capsys):
    data = Path(shutil.copytree(ROOT / "data", tmp_path / "data"))
    assert main(["new", kind, f"ny-{kind}", "--data", str(data)]) == 0
    folder = {"routine": "routines", "organisation": "organisations", "role": "roles", "tree": "trees"}[kind]
    path = data / folder / f"ny-{kind}.yml"
    text = path.read_text("utf-8")
    first, second = text.split("\n")[:2]
    assert first == f"# yaml-language-server: $schema=../../schema/{folder}.schema.json"
    assert second.startswith(f"# ny-{kind}: ")  # a comment that says what to fill in
    capsys.readouterr()
    assert main(["check", "--data", str(data), "--today", "2026-11-22", "--format", "json"]) == 0
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [f for f in findings if f["file"].endswith(f"ny-{kind}.yml") and f["severity"] == "error"] == []
    errors = list(Draft7Validator(all_schemas()[folder]).iter_errors(read_yaml(path, str(path)).data))
    assert errors == [], [e.message for e in errors]
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
    assert main(["new", "organisation", "NAV Sarpsborg", "--data", str(data)]) == 1
    assert "f.eks. «nav-sarpsborg»" in capsys.readouterr().err
    assert main(["new", "role", "x", "--data", str(tmp_path / "finnes-ikke")]) == 1
    assert "fant ikke datamappen" in capsys.readouterr().err
    assert main(["new", "tabell", "x", "--data", str(data)]) == 2  # not a kind: usage error
    capsys.readouterr()


def test_codeowners_is_current(monkeypatch):
    monkeypatch.chdir(ROOT)  # CODEOWNERS paths are relative to the repository
    assert (ROOT / ".github" / "CODEOWNERS").read_text("utf-8") == codeowners_text(Path("data")), \
        "run `rutinebok codeowners` and commit .github/CODEOWNERS"


def test_codeowners_lists_every_party_of_a_routine(monkeypatch):
    monkeypatch.chdir(ROOT)
    text = codeowners_text(Path("data"))
    line = next(x for x in text.splitlines() if "routines/moss-krisesenter-nav.yml" in x)
    for party in ["krisesenteret-i-moss", "nav-moss", "nav-rygge", "nav-rade", "nav-valer"]:
        assert f"@rutinebok/{party}" in line


def test_contributing_explains_every_check_code():
    from rutinebok.checks import RULES

    text = (ROOT / "CONTRIBUTING.md").read_text("utf-8")
    for code, r in RULES.items():
        assert f"| {code} | `{r.name}` |" in text, code
