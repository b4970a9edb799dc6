"""Bad input against a small valid data set: every failure kind gives its own clear finding.

tests/fixtures/valid/ is a small, complete, valid data set (0 errors, 0 warnings).
Each tests/fixtures/invalid/<case>.yml starts with two header comments:

    # target: routines/ny-rutine.yml
    # expect: RB010 17:22 steps[0].actor | ukjent | nav-veilder | mente du

The file is written (byte for byte, headers included) at `target` in a copy of the valid set,
replacing or adding a file. The check must then exit 1, and report a finding with the code
at line:column (0:0 for a finding about the whole file) in that file, whose formatted text
(Finding.format()) contains every fragment: the words after line:column and each
' | '-separated part. No traceback, nothing on stderr.

Cases that cannot be a committed text file (not UTF-8, 10 MB, very deep nesting, a number
too long to convert) are generated here.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import time
from pathlib import Path

import pytest

from rutinebok.cli import main
from rutinebok.findings import Finding

FIXTURES = Path(__file__).parent / "fixtures"
VALID = FIXTURES / "valid"
INVALID = FIXTURES / "invalid"
TODAY = "2026-11-22"
CASES = sorted(p.stem for p in INVALID.glob("*.yml"))
_FINDING_FIELDS = [f.name for f in dataclasses.fields(Finding)]


# ---------------------------------------------------------------- helpers


@dataclasses.dataclass
class Case:
    name: str
    target: str
    code: str
    line: int
    column: int
    fragments: list[str]


def read_case(name: str) -> Case:
    text = (INVALID / f"{name}.yml").read_bytes().decode("utf-8")
    head = {}
    for line in text.splitlines()[:5]:
        m = re.match(r"# (target|expect): (.*)$", line)
        if m:
            head[m.group(1)] = m.group(2).strip()
    assert "target" in head and "expect" in head, f"{name}: header needs '# target:' and '# expect:'"
    spec, *fragments = [part.strip() for part in head["expect"].split(" | ")]
    code, position, *first = spec.split(None, 2)
    line, column = (int(x) for x in position.split(":"))
    return Case(name, head["target"], code, line, column, [*first, *fragments])


def install(case: Case, data: Path) -> Path:
    """Write the fixture at its target in the data set (replacing or adding)."""
    target = data / case.target
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes((INVALID / f"{case.name}.yml").read_bytes())
    return target


def check(capsys, data: Path, *extra: str, fmt: str = "json"):
    """Run `rutinebok check` in-process: (exit code, parsed JSON or text, stderr)."""
    capsys.readouterr()  # drop anything printed before
    code = main(["check", "--data", str(data), "--today", TODAY, "--format", fmt, *extra])
    out, err = capsys.readouterr()
    if fmt == "json":
        assert out.strip(), f"no report on stdout (exit {code}); stderr: {err}"
        return code, json.loads(out), err
    return code, out, err


def finding(d: dict) -> Finding:
    return Finding(**{k: d[k] for k in _FINDING_FIELDS})


def show(report: dict) -> str:
    return "\n".join(finding(f).format() for f in report["findings"]) or "(no findings)"


@pytest.fixture()
def data(tmp_path) -> Path:
    """A fresh copy of the valid set."""
    return Path(shutil.copytree(VALID, tmp_path / "data"))


@pytest.fixture(scope="module", autouse=True)
def _warm_up():
    """Import everything the CLI imports once, so the timed runs below time only the check."""
    main(["check", "--data", str(VALID), "--today", TODAY, "--format", "json"])


# ---------------------------------------------------------------- the valid set


def test_valid_set_has_no_findings(capsys):
    code, report, err = check(capsys, VALID)
    assert code == 0, show(report)
    assert report["findings"] == [], show(report)
    summary = report["summary"]
    assert (summary["errors"], summary["warnings"], summary["ok"], summary["cross_checks_run"]) == (0, 0, True, True)
    assert (summary["routines"], summary["organisations"], summary["roles"]) == (1, 3, 4)
    assert err == ""


def test_valid_set_is_strict_clean_and_marked_as_test_data(capsys):
    code, report, _ = check(capsys, VALID, "--strict")
    assert code == 0, show(report)
    files = sorted(VALID.rglob("*.yml"))
    assert {p.relative_to(VALID).parts[0] for p in files} >= {
        "organisations", "roles", "routines", "laws", "documents", "sources.yml", "glossary.yml"}
    for path in files:
        assert path.read_text(encoding="utf-8").splitlines()[0] == "# Testdata", path


# ---------------------------------------------------------------- one fixture per failure kind


def test_every_failure_kind_has_a_fixture():
    required = {
        "yaml-syntax", "tab-indent", "duplicate-key", "unknown-key", "missing-field", "wrong-type",
        "unknown-reference", "duplicate-id-across-files", "impossible-date", "malformed-duration",
        "invalid-email", "invalid-phone", "invalid-url", "empty-file", "python-object-tag",
        "billion-laughs", "id-filename-mismatch", "actor-not-party", "party-without-signatory",
        "signatory-not-party", "rule-value-conflict", "step-exceeds-limit", "review-before-effective",
        "unknown-law-paragraph", "broken-text-link", "unknown-file-kind",
    }
    assert required <= set(CASES), sorted(required - set(CASES))


@pytest.mark.parametrize("name", CASES)
def test_invalid_case_gives_its_finding(name, data, capsys):
    case = read_case(name)
    install(case, data)
    code, report, err = check(capsys, data)
    assert err == "" and "Traceback" not in err, err
    assert code == 1, show(report)
    assert report["summary"]["ok"] is False and report["summary"]["errors"] >= 1
    in_file = [f for f in report["findings"] if f["code"] == case.code and f["file"].endswith(case.target)]
    assert in_file, f"{name}: no {case.code} in {case.target}:\n{show(report)}"
    at = [f for f in in_file if (f["line"], f["column"]) == (case.line, case.column)]
    assert at, f"{name}: {case.code} not at {case.line}:{case.column}:\n{show(report)}"
    text = finding(at[0]).format()
    for fragment in case.fragments:
        assert fragment in text, f"{name}: «{fragment}» missing in:\n{text}"
    # The text output says the same thing, compiler-style, one line per finding.
    code, out, err = check(capsys, data, fmt="text")
    assert code == 1 and err == ""
    assert text in out.splitlines(), out


def test_text_output_is_compiler_style(data, capsys):
    install(read_case("unknown-reference"), data)
    code, out, _ = check(capsys, data, fmt="text")
    assert code == 1
    assert re.search(
        r"^data/routines/ny-rutine\.yml:17:22: feil RB010 \[unknown-reference\] "
        r"sections\[0\]\.blocks\[0\]\.procedure\.steps\[0\]\.actor: ukjent rolle eller organisasjon "
        r"«nav-veilder» \(mente du «nav-veileder»[^)]*\)$", out, re.MULTILINE), out
    assert "1 feil, 0 advarsler" in out


# ---------------------------------------------------------------- generated cases


def test_not_utf8(data, capsys):
    (data / "roles" / "rade.yml").write_bytes("id: rade\nname: Råde\nsource: {document: kilde}\n".encode("latin-1"))
    code, report, err = check(capsys, data)
    assert code == 1 and err == ""
    [f] = [f for f in report["findings"] if f["code"] == "RB004"]
    assert f["file"].endswith("roles/rade.yml")
    assert (f["line"], f["column"]) == (2, 8), show(report)
    assert "UTF-8" in f["message"] and "0xe5" in f["message"]


def test_not_utf8_column_counts_characters_not_bytes(data, capsys):
    """«Råde» with valid UTF-8 « and a latin-1 å: the column is the 9th character on the line.

    Every other finding counts columns in characters (as editors do); RB004 counts bytes, so
    each multi-byte character earlier on the line pushes the column one or more to the right.
    """
    (data / "roles" / "rade.yml").write_bytes("id: rade\nname: «R".encode() + b"\xe5de\xc2\xbb\n")
    code, report, err = check(capsys, data)
    assert code == 1 and err == ""
    [f] = [f for f in report["findings"] if f["code"] == "RB004"]
    assert (f["line"], f["column"]) == (2, 9), f"RB004 column should count characters: {finding(f).format()}"


def test_billion_laughs_is_refused_quickly(data, capsys):
    install(read_case("billion-laughs"), data)
    started = time.perf_counter()
    code, report, err = check(capsys, data)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"alias bomb took {elapsed:.2f} s"
    assert code == 1 and err == ""
    assert any(f["code"] == "RB003" for f in report["findings"]), show(report)


def test_ten_megabyte_file_is_refused_quickly(data, capsys):
    huge = data / "roles" / "stor.yml"
    huge.write_text("id: stor\nname: Stor\ndescription: >-\n" + ("  " + "x" * 98 + "\n") * 105_000, "utf-8")
    assert huge.stat().st_size > 10_000_000
    started = time.perf_counter()
    code, report, err = check(capsys, data)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"a 10 MB file took {elapsed:.2f} s"
    assert code == 1 and err == ""
    [f] = [f for f in report["findings"] if f["code"] == "RB006"]
    assert f["file"].endswith("roles/stor.yml") and "MiB" in f["message"]


def test_deeply_nested_value_is_refused_without_crashing(data, capsys):
    """1,000 nested [ ] (2 kB) in a file that also has a duplicate key, so the positioned
    (ruamel) reader runs. Today: RecursionError -> 'intern feil' on stderr, exit 3."""
    depth = 1_000
    (data / "roles" / "dyp.yml").write_text(
        "id: dyp\nname: Dyp\nalso_called: " + "[" * depth + "]" * depth + "\nsource: {document: kilde}\n"
        "name: Dyp igjen\n", "utf-8")
    code, report, err = check(capsys, data)
    assert err == "", f"crash instead of a finding: {err}"
    assert code == 1
    assert any(f["severity"] == "error" and f["file"].endswith("roles/dyp.yml") for f in report["findings"])


def test_too_long_number_is_refused_without_crashing(data, capsys):
    """A 5,000-digit year. Today: Python's int-digits limit raises ValueError -> exit 3."""
    (data / "documents" / "lang.yml").write_text(
        "id: lang\nkind: plan\ntitle: Lang\nyear: " + "1" * 5000 + "\nsource: {document: kilde}\n", "utf-8")
    code, report, err = check(capsys, data)
    assert err == "", f"crash instead of a finding: {err}"
    assert code == 1
    hits = [f for f in report["findings"] if f["code"] == "RB009" and f["file"].endswith("documents/lang.yml")]
    assert hits and (hits[0]["line"], hits[0]["column"]) == (4, 7), show(report)


# ---------------------------------------------------------------- warnings, --strict, usage


def test_strict_turns_a_warning_into_failure(data, capsys):
    routine = data / "routines" / "rutine.yml"
    text = routine.read_text(encoding="utf-8")
    assert "review_by: 2030-01-01\n" in text
    routine.write_text(text.replace("review_by: 2030-01-01\n", "review_by: 2025-01-01\n"), encoding="utf-8")
    code, report, err = check(capsys, data)
    assert code == 0 and err == ""
    [f] = report["findings"]
    assert (f["code"], f["severity"], f["line"], f["column"]) == ("RB012", "warning", 11, 12), show(report)
    assert f["file"].endswith("routines/rutine.yml") and f["path"] == "review_by"
    assert report["summary"]["warnings"] == 1 and report["summary"]["ok"] is True
    code, report, err = check(capsys, data, "--strict")
    assert code == 1 and err == ""
    assert report["summary"]["ok"] is False and report["summary"]["strict"] is True
    code, out, _ = check(capsys, data, "--strict", fmt="text")
    assert code == 1 and "--strict" in out


@pytest.mark.parametrize("argv", [
    ["check", "--today", "2026-13-01"],
    ["check", "--today", "i morgen"],
    ["nope"],
    [],
    ["check", "--no-such-option"],
    ["check", "--format", "xml"],
], ids=["bad-month", "not-a-date", "unknown-subcommand", "no-subcommand", "unknown-option", "bad-format"])
def test_usage_errors_exit_2_without_traceback(argv, capsys):
    capsys.readouterr()
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert "usage" in err
    assert out == ""
