"""The rule registry: every code has one meaning, one severity, a Norwegian docstring, a fixture
or a named test that triggers it, a line in CONTRIBUTING.md, and `rutinebok explain`."""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import pytest

from rutinebok import kinds
from rutinebok.checks import RULES
from rutinebok.checks.registry import CHECKS, define, markdown_table
from rutinebok.cli import main
from rutinebok.explain import with_table
from rutinebok.findings import Finding

from .conftest import ROOT

TESTS = Path(__file__).parent
VALID = TESTS / "fixtures" / "valid"
TODAY = "2026-11-22"
FIXTURE_DIRS = [TESTS / "bad_data", TESTS / "fixtures" / "invalid", TESTS / "bad_trees", TESTS / "fixtures" / "warnings"]

# Codes a committed fixture cannot show (bytes that are not UTF-8, 10 MB, deep nesting, a git
# history, files that are symbolic links): the test that triggers each, by name.
NAMED_TESTS = {
    "RB004": "test_invalid_data.py::test_not_utf8",
    "RB006": "test_invalid_data.py::test_ten_megabyte_file_is_refused_quickly",
    "RB036": "test_diff.py::test_check_against_warns_when_the_version_did_not_go_up",
    "RB052": "test_inert.py::test_symlink_in_data_pointing_outside_is_not_read",
    "RB055": "test_inert.py::test_deep_nesting_is_an_error_not_a_crash",
    "RB056": "test_rules.py::test_diagram_failure_is_reported",
    "RB057": "test_rules.py::test_missing_data_folder",
}

# Warnings (and a few errors) shown on the small valid set, one edit each:
# code -> [(file, old text, new text), ...]
ROUTINE = "routines/rutine.yml"
EDITS: dict[str, list[tuple[str, str, str]]] = {
    "RB012": [(ROUTINE, "review_by: 2030-01-01", "review_by: 2025-01-01")],
    "RB013": [(ROUTINE, "status: gjeldende\n", "status: gjeldende\nperiod: {first_year: 2020, last_year: 2024}\n")],
    "RB014": [(ROUTINE, "  date: 2023-12-01", "  date: 2024-02-01")],
    "RB021": [("laws/krisesenterlova.yml", "    title: Samordning av tiltak\n",
               ("    title: Samordning av tiltak\n    changes:\n      - {date: 2025-01-01, kind: endret, "
               "summary: Ny ordlyd., source: {document: lovdata}}\n"))],
    "RB022": [("laws/krisesenterlova.yml", "    title: Samordning av tiltak\n",
               ("    title: Samordning av tiltak\n    changes:\n      - {date: 2025-01-01, kind: endret, "
               "summary: Ny ordlyd., source: {document: lovdata}}\n")),
              (ROUTINE, "  date: 2023-12-01\n  signatories", "  signatories")],
    "RB023": [("laws/krisesenterlova.yml", "official_id: LOV-2009-06-19-44\n", "")],
    "RB025": [("documents/handlingsplan.yml", "publisher: Testby\n", "publisher: Testby\nsuperseded: true\n")],
    "RB026": [("organisations/nav-sor.yml", "kind: nav-kontor\n",
               ("kind: nav-kontor\nended_on: 2025-01-01\nended_how: sammenslått\nreplaced_by: nav-nord\n"
               "ended_source: {document: kilde}\n"))],
    "RB038": [(ROUTINE, ("signing:\n  method: papir\n  place: Testby\n  date: 2023-12-01\n  signatories:\n"
               "    - {party: krisesenteret, role: primaerkontakt, name: Kari Nordmann}\n"
               "    - {party: nav-nord, role: nav-leder, name: Ola Nordmann}\n"
               "    - {party: nav-sor, role: nav-leder, name: Per Hansen}\n"), "")],
    "RB040": [(ROUTINE, "deadline: PT24H", "deadline: P4D"), (ROUTINE, "value: P2D", "value: P3D")],
    "RB041": [("organisations/nav-sor.yml", 'org_number: "100000003"\n', "")],
    "RB042": [("roles/nav-leder.yml", "organisations: [nav-nord, nav-sor]\n",
               "organisations: [nav-nord, nav-sor]\npart_of: nav-veileder\n"),
              ("roles/nav-veileder.yml", "source:", "part_of: nav-leder\nsource:")],
    "RB050": [(ROUTINE, "[NAV Nord](@nav-nord)", "[NAV Nord](javascript:alert(1))")],
    "RB051": [(ROUTINE, "[NAV Nord](@nav-nord)", "![NAV Nord](https://example.com/x.png)")],
    "RB053": [(ROUTINE, "summary: Hvem gjør", 'summary: "Hvem\\x1b gjør')],
    "RB054": [(ROUTINE, "summary: Hvem gjør", 'summary: "Hvem\\u202e gjør')],
    "RB058": [("roles/bruker.yml", None, "- bare\n- en liste\n")],
    "RB062": [("checklists/krav.yml", "applies_to: [samarbeidsrutine, arbeidsprosess]", "applies_to: [arbeidsprosess]")],
    "RB065": [(ROUTINE, "not_applicable:\n", "not_applicable:\n  samarbeidsmote: Rutinen har ingen faste møter.\n")],
}
# Values that need the rest of the line quoted after an edit.
_QUOTE_END = {"RB053", "RB054"}


def _fixture_codes() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for folder in FIXTURE_DIRS:
        for p in sorted(folder.glob("*.yml")):
            for m in re.finditer(r"^# expect: (RB\d{3})", p.read_text("utf-8"), re.MULTILINE):
                out.setdefault(m.group(1), []).append(p.name)
    return out


def _test_exists(spec: str) -> bool:
    file, _, name = spec.partition("::")
    tree = ast.parse((TESTS / file).read_text("utf-8"))
    return any(isinstance(n, ast.FunctionDef) and n.name == name for n in ast.walk(tree))


def test_every_code_has_a_fixture_or_a_named_test():
    fixtures = _fixture_codes()
    missing = [c for c in RULES if c not in fixtures and c not in EDITS and c not in NAMED_TESTS]
    assert not missing, f"codes nothing triggers: {missing}"
    for code, spec in NAMED_TESTS.items():
        assert _test_exists(spec), f"{code}: no test {spec}"
        source = (TESTS / spec.partition("::")[0]).read_text("utf-8")
        assert code in source, f"{code}: {spec} does not look for it"
    unknown = sorted(set(fixtures) - set(RULES))
    assert not unknown, f"fixtures expect codes nobody registered: {unknown}"


def test_every_rule_has_one_severity_a_name_and_a_norwegian_meaning():
    names = [r.name for r in RULES.values()]
    assert len(names) == len(set(names))
    for code, r in RULES.items():
        assert re.fullmatch(r"RB\d{3}", code) and r.code == code
        assert r.severity in ("error", "warning")
        assert re.fullmatch(r"[a-z0-9-]+", r.name)
        assert len(r.doc) > 30 and re.search(r"[æøå]|\b(er|ikke|en|et|har|som|og|i|den|det|kan|til)\b", r.doc, re.IGNORECASE), code
    with pytest.raises(ValueError):
        define("RB012", "review-overdue", "feil", "To alvorlighetsgrader for én kode.", "datoer")
    # A finding with another severity than its rule's, or an unregistered code, is a bug.
    with pytest.raises(ValueError):
        Finding("RB012", "error", "x")
    with pytest.raises(ValueError):
        Finding("RB999", "warning", "x")


def test_every_check_reports_registered_codes_for_a_registered_kind():
    names = {k.name for k in kinds.all_kinds()}
    for c in CHECKS:
        assert c.codes and set(c.codes) <= set(RULES), (c.fn.__name__, c.codes)
        assert c.kind is None or c.kind in names, (c.fn.__name__, c.kind)


def test_contributing_code_table_is_generated_from_the_rules():
    text = (ROOT / "CONTRIBUTING.md").read_text("utf-8")
    assert with_table(text, markdown_table()) == text, \
        "CONTRIBUTING.md is stale: run `rutinebok explain --write CONTRIBUTING.md`"


def test_explain_prints_the_rule(capsys):
    assert main(["explain", "rb12"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("RB012 [review-overdue] (advarsel)") and RULES["RB012"].doc in out
    assert "Evalueringen er forsinket" in out
    assert main(["explain", "RB099"]) == 1
    err = capsys.readouterr().err
    assert "koden «RB099» finnes ikke" in err and "Traceback" not in err


def _edited(tmp_path: Path, code: str) -> Path:
    data = Path(shutil.copytree(VALID, tmp_path / "data"))
    for rel, old, new in EDITS[code]:
        path = data / rel
        if old is None:
            path.write_text(new, "utf-8")
            continue
        text = path.read_text("utf-8")
        assert old in text, f"{code}: {old!r} not in {rel}"
        if code in _QUOTE_END:  # the edit opened a double-quoted value: close it at the line's end
            start = text.index(old)
            end = text.index("\n", start)
            text = text[:start] + new + text[start + len(old):end] + '"' + text[end:]
        else:
            text = text.replace(old, new, 1)
        path.write_text(text, "utf-8")
    return data


@pytest.mark.parametrize("code", sorted(EDITS))
def test_each_code_is_triggered_by_its_edit(code, tmp_path, capsys):
    data = _edited(tmp_path, code)
    exit_code = main(["check", "--data", str(data), "--today", TODAY, "--format", "json"])
    out, err = capsys.readouterr()
    assert err == ""
    findings = json.loads(out)["findings"]
    hits = [f for f in findings if f["code"] == code]
    assert hits, f"{code} not reported: {[(f['code'], f['message']) for f in findings]}"
    assert all(f["severity"] == RULES[code].severity for f in hits)
    assert exit_code == (1 if any(f["severity"] == "error" for f in findings) else 0)


def test_missing_data_folder(tmp_path, capsys):
    assert main(["check", "--data", str(tmp_path / "finnes-ikke"), "--format", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [f["code"] for f in findings] == ["RB057"]
    assert "fant ikke datamappen" in findings[0]["message"]


def test_diagram_failure_is_reported(tmp_path, capsys, monkeypatch):
    """RB056: whatever Graphviz refuses is a finding on the tree, not a crash of the build."""
    import graphviz

    import rutinebok.diagram

    def refuse(tree):
        raise graphviz.CalledProcessError(1, ["dot"], stderr="syntax error in line 1")

    monkeypatch.setattr(rutinebok.diagram, "tree_svg", refuse)
    data = Path(shutil.copytree(ROOT / "data", tmp_path / "data"))
    assert main(["check", "--data", str(data), "--today", TODAY, "--format", "json"]) == 1
    hits = [f for f in json.loads(capsys.readouterr().out)["findings"] if f["code"] == "RB056"]
    assert hits and all(f["file"].startswith("data/trees/") for f in hits)
    assert "syntax error in line 1" in hits[0]["message"]


def test_reader_banners_take_title_and_level_from_the_rules(real):
    from rutinebok.render import SiteOptions, SiteRenderer

    ds, _, findings = real
    renderer = SiteRenderer(ds, findings, SiteOptions())
    shown = 0
    for r in ds.routines.values():
        banners = renderer.banners(r)
        for f in findings:
            notice = RULES[f.code].notice
            if f.file == r.file and notice is not None:
                assert any(b.title == notice.title and b.level == notice.level for b in banners), f.code
                shown += 1
    assert shown >= 3
