"""`rutinebok diff` on a scripted series of commits in a temporary git repository."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from rutinebok.cli import main
from rutinebok.diff import format_markdown, format_text, run_diff

from .conftest import ROOT

MOSS = "data/routines/moss-krisesenter-nav.yml"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def _edit(repo: Path, path: str, old: str, new: str) -> None:
    f = repo / path
    text = f.read_text("utf-8")
    assert old in text, old
    f.write_text(text.replace(old, new, 1), "utf-8")


def _commit(repo: Path, message: str) -> str:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)
    return _git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("repo")
    shutil.copytree(ROOT / "data", repo / "data")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "test@example.invalid")
    _git(repo, "config", "user.name", "Test")
    _commit(repo, "start")
    return repo


def _lines(summary) -> list[str]:
    return [line.strip() for line in format_text(summary).splitlines() if line.strip().startswith("- ")]


def test_deadline_change(repo):
    before = _git(repo, "rev-parse", "HEAD").strip()
    _edit(repo, MOSS, "value: PT48H", "value: PT72H")
    _edit(repo, MOSS, "version: 1\nstatus", "version: 2\nstatus")
    _edit(repo, MOSS, "change_log:\n", "change_log:\n  - version: 2\n    date: 2026-11-23\n    summary: Lengre frist.\n")
    after = _commit(repo, "deadline")
    assert _lines(run_diff(before, after, repo)) == [
        "- Versjon: 1 → 2.",
        "- Frist for steg 3 i «Søknad om nødhjelp hos NAV»: innen 48 timer etter at søknaden er mottatt → "
        "innen 72 timer etter at søknaden er mottatt.",
        "- Tidsregelen «Behandlingstid for søknad om nødhjelp»: 48 timer → 72 timer.",
        "- Krisesenteret i Moss har signert versjon 1; endringen krever nye signaturer.",
        "- NAV Moss har signert versjon 1; endringen krever nye signaturer.",
        "- NAV Rygge har signert versjon 1; endringen krever nye signaturer.",
        "- NAV Råde har signert versjon 1; endringen krever nye signaturer.",
        "- NAV Våler har signert versjon 1; endringen krever nye signaturer.",
    ]


def test_step_added_without_version_bump(repo, capsys, monkeypatch):
    before = _git(repo, "rev-parse", "HEAD").strip()
    _edit(repo, MOSS, "              to: [nav-veileder]\n",
          "              to: [nav-veileder]\n            - actor: nav-kontoret\n"
          "              action: Sender svar på søknaden til kvinnen.\n              deadline: P2D\n")
    after = _commit(repo, "step")
    lines = _lines(run_diff(before, after, repo))
    assert lines[0] == ("- Nytt steg 5 i «Søknad om nødhjelp hos NAV»: NAV-kontoret: Sender svar på søknaden "
                        "til kvinnen. (frist: innen 2 døgn)")
    assert lines[-1] == "- Versjonsnummeret er ikke økt (fortsatt 2); øk version og skriv i change_log."
    monkeypatch.chdir(repo)
    assert main(["diff", before, after, "--strict"]) == 1  # CI refuses a changed routine with the same version
    capsys.readouterr()


def test_contact_removed(repo):
    before = _git(repo, "rev-parse", "HEAD").strip()
    path = repo / "data/organisations/krisesenteret-i-moss.yml"
    text = path.read_text("utf-8")
    start = text.index("  - id: nettside")
    end = text.index("source: {document: seed-000", start)
    path.write_text(text[:start] + text[end:], "utf-8")
    after = _commit(repo, "contact")
    assert _lines(run_diff(before, after, repo)) == [
        "- Krisesenteret i Moss IKS: kontakten «Nettside» (http://www.mosskrisesenter.no) er fjernet."]


def test_formatting_only(repo):
    before = _git(repo, "rev-parse", "HEAD").strip()
    _edit(repo, "data/roles/bruker.yml", "kind: bruker", "kind:   bruker")
    after = _commit(repo, "format")
    summary = run_diff(before, after, repo)
    assert summary.formatting_only
    assert format_text(summary).endswith("Bare formatering er endret; innholdet er det samme.")
    assert "Bare formatering" in format_markdown(summary)


def test_working_tree_against_main_by_default(repo, capsys, monkeypatch):
    _edit(repo, "data/organisations/nav-moss.yml", "email: nav.moss@nav.no", "email: nav.moss.ny@nav.no")
    monkeypatch.chdir(repo)
    assert main(["diff", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "NAV Moss: «E-post for krisesenteret» endret: nav.moss@nav.no → nav.moss.ny@nav.no." in out
    assert out.startswith("### Hva endringen betyr")
    _git(repo, "checkout", "-q", "--", ".")


def test_bad_input(repo, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(repo)
    assert main(["diff", "finnes-ikke", "HEAD"]) == 2
    assert "ukjent revisjon «finnes-ikke»" in capsys.readouterr().err
    before = _git(repo, "rev-parse", "HEAD").strip()
    _edit(repo, MOSS, "title: Samarbeidsrutine", "title: [Samarbeidsrutine")
    broken = _commit(repo, "broken")
    assert main(["diff", before, broken]) == 1
    err = capsys.readouterr().err
    assert "kan ikke leses" in err and "moss-krisesenter-nav.yml:" in err and "Traceback" not in err
    _git(repo, "reset", "-q", "--hard", before)  # later tests start from readable data
    outside = tmp_path / "ikke-git"
    outside.mkdir()
    monkeypatch.chdir(outside)
    assert main(["diff"]) == 2
    assert "ikke i et git-repository" in capsys.readouterr().err


def test_check_against_warns_when_the_version_did_not_go_up(repo, capsys, monkeypatch):
    monkeypatch.chdir(repo)
    base = _git(repo, "rev-parse", "HEAD").strip()
    _edit(repo, "data/routines/moss-krisesenter-nav.yml", "Krisesenteret regnes ikke", "Krisesenteret er ikke")
    try:
        assert main(["check", "--data", "data", "--today", "2026-11-22", "--against", base,
                     "--format", "json"]) == 0
        out = capsys.readouterr().out
        assert '"code": "RB036"' in out and "versjonen er fortsatt 2" in out
        assert main(["check", "--data", "data", "--today", "2026-11-22", "--against", base, "--strict"]) == 1
        capsys.readouterr()
    finally:
        _git(repo, "checkout", "-q", "--", ".")
