"""The command line: `check` on core dependencies only, file filters, partial data, user errors
and bugs told apart."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rutinebok.cli import main

from .conftest import ROOT

TODAY = "2026-11-22"
MOSS = "data/routines/moss-krisesenter-nav.yml"

# Packages only the site, the PDFs, signing or the tests need: `check` must run without them.
EXTRAS = ["weasyprint", "pyhanko", "pyhanko_certvalidator", "segno", "pydyf", "mkdocs", "material",
          "nh3", "jinja2", "lxml", "icalendar", "cryptography", "asn1crypto", "pkcs11", "playwright",
          "pagefind", "pypdf", "hypothesis", "jsonschema"]

_BLOCKER = textwrap.dedent("""
    import sys
    from importlib.abc import MetaPathFinder

    BLOCKED = set(sys.argv[1].split(","))

    class Blocker(MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r} (blocked)", name=name)
            return None

    sys.meta_path.insert(0, Blocker())
    from rutinebok.cli import main
    code = main(sys.argv[2:])
    loaded = sorted({m.split(".")[0] for m in sys.modules} & BLOCKED)
    print("LOADED:" + ",".join(loaded), file=sys.stderr)
    sys.exit(code)
""")


def _blocked(*argv: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _BLOCKER, ",".join(EXTRAS), *argv],
                          capture_output=True, text=True, cwd=cwd, timeout=300, check=False)


@pytest.fixture()
def data(tmp_path) -> Path:
    return Path(shutil.copytree(ROOT / "data", tmp_path / "data"))


def _check(capsys, *argv: str) -> tuple[int, dict, str]:
    code = main(["check", "--today", TODAY, "--format", "json", *argv])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_check_runs_with_the_core_dependencies_only():
    proc = _blocked("check", "--today", TODAY)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "0 feil" in proc.stdout and "LOADED:\n" in proc.stderr
    for argv in (["explain", "RB012"], ["schema", "--check"], ["codeowners", "--check"], ["new", "--help"]):
        proc = _blocked(*argv)
        assert proc.returncode == 0, (argv, proc.stderr[-2000:])
        assert "LOADED:\n" in proc.stderr, (argv, proc.stderr)


def test_a_command_without_its_extra_says_what_to_install(tmp_path):
    proc = _blocked("pdf", "--draft", "--out", str(tmp_path / "pdf"))
    assert proc.returncode == 1
    assert "rutinebok: feil: kommandoen «pdf» trenger Python-pakken" in proc.stderr
    assert "pip install 'rutinebok[pdf]'" in proc.stderr and "Traceback" not in proc.stderr


def test_other_files_still_get_their_warnings_after_an_error(data, capsys):
    (data / "roles" / "ny-rolle.yml").write_text("id: ny-rolle\nname: [Ny rolle\n", "utf-8")
    code, report, err = _check(capsys, "--data", str(data))
    assert code == 1 and err == ""
    codes = {(f["code"], Path(f["file"]).name) for f in report["findings"]}
    assert ("RB001", "ny-rolle.yml") in codes
    assert ("RB012", "moss-krisesenter-nav.yml") in codes  # a warning from another file
    # No cross-file errors that only come from the missing file.
    assert [f for f in report["findings"] if f["severity"] == "error"] == \
        [f for f in report["findings"] if f["code"] == "RB001"]
    assert report["summary"]["cross_checks_run"] is False


def test_check_of_one_file_shows_only_its_findings(data, capsys, monkeypatch):
    monkeypatch.chdir(data.parent)
    # An error elsewhere is not this file's concern; references still resolve against all data.
    (data / "roles" / "nav-veileder.yml").write_text(
        (data / "roles" / "nav-veileder.yml").read_text("utf-8").replace("organisation", "organisatoin", 1), "utf-8")
    code, report, err = _check(capsys, MOSS)
    assert err == "" and code == 0
    files = {f["file"] for f in report["findings"]}
    assert files == {MOSS}, files
    assert {"RB012", "RB014"} <= {f["code"] for f in report["findings"]}
    assert main(["check", "data/routines/finnes-ikke.yml"]) == 1
    assert "fant ikke filen data/routines/finnes-ikke.yml" in capsys.readouterr().err
    outside = data.parent / "utenfor.yml"
    outside.write_text("id: x\n", "utf-8")
    assert main(["check", str(outside)]) == 1  # a user error, not «intern feil»
    err = capsys.readouterr().err
    assert "ligger utenfor datamappen" in err and "intern feil" not in err


def test_a_bug_is_reported_as_a_bug(capsys, monkeypatch):
    import rutinebok.checks

    def broken(ds, today):
        raise KeyError("RB999")

    monkeypatch.setattr(rutinebok.checks, "run_checks", broken)
    monkeypatch.chdir(ROOT)
    assert main(["check", "--today", TODAY]) == 3
    err = capsys.readouterr().err
    assert "intern feil (KeyError" in err and "meld fra" in err and "Traceback" not in err


def test_a_user_error_is_plain_norwegian(tmp_path, capsys):
    data = Path(shutil.copytree(ROOT / "tests" / "fixtures" / "valid", tmp_path / "data"))
    assert main(["new", "routine", "Primærkontakt NAV", "--data", str(data)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("rutinebok: feil: «Primærkontakt NAV» er ikke en gyldig id")
    assert "primaerkontakt-nav" in err and "Traceback" not in err
