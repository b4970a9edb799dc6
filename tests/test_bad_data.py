"""Bad input, one fixture per failure kind: each gives its own clear error, never a traceback.

A fixture in tests/bad_data/ says where it goes in a copy of the real data/ (`# target:`),
optionally how it changes an existing file (`# patch: "old" -> "new"`), and what the check
must say (`# expect: CODE [line:column] | fragment | ...`).
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest

from rutinebok.cli import main

from .conftest import ROOT

BAD = Path(__file__).parent / "bad_data"
CASES = sorted(p.stem for p in BAD.glob("*.yml"))


def _header(text: str) -> dict:
    out = {}
    for line in text.splitlines():
        m = re.match(r"# (target|patch|expect): (.*)$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def _apply(case: str, data: Path) -> str:
    text = (BAD / f"{case}.yml").read_text(encoding="utf-8")
    head = _header(text)
    target = data / head["target"]
    if "patch" in head:
        old, new = (json.loads(part) for part in re.match(r'^(".*") -> (".*")$', head["patch"]).groups())
        original = target.read_text(encoding="utf-8")
        assert old in original, f"{case}: the patch does not apply to {head['target']}"
        target.write_text(original.replace(old, new, 1), encoding="utf-8")
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return head["target"]


def _check(capsys, data: Path, *extra: str) -> tuple[int, dict, str]:
    code = main(["check", "--data", str(data), "--today", "2026-11-22", "--format", "json", *extra])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def _format(f: dict) -> str:
    where = f["file"] + (f":{f['line']}:{f['column']}" if f["line"] else "")
    path = f"{f['path']}: " if f["path"] else ""
    hint = f" ({f['hint']})" if f["hint"] else ""
    return f"{where}: {f['severity']} {f['code']} [{f['name']}] {path}{f['message']}{hint}"


@pytest.fixture()
def data(tmp_path) -> Path:
    return Path(shutil.copytree(ROOT / "data", tmp_path / "data"))


@pytest.mark.parametrize("case", CASES)
def test_bad_input_gives_its_error(case, data, capsys):
    target = _apply(case, data)
    expect = _header((BAD / f"{case}.yml").read_text(encoding="utf-8"))["expect"]
    spec, *fragments = [part.strip() for part in expect.split("|")]
    code, *position = spec.split()
    exit_code, report, err = _check(capsys, data)
    assert err == "" and "Traceback" not in err
    hits = [f for f in report["findings"] if f["code"] == code and f["file"].endswith(target)]
    assert hits, f"{case}: no {code} in {target}:\n{_format_all(report)}"
    # An error stops the check; a warning (the real data has some) does not.
    assert exit_code == (1 if hits[0]["severity"] == "error" else 0), _format_all(report)
    if position:
        line, column = (int(x) for x in position[0].split(":"))
        hits = [f for f in hits if (f["line"], f["column"]) == (line, column)]
        assert hits, f"{case}: {code} not at {position[0]}:\n{_format_all(report)}"
    text = _format(hits[0])
    for fragment in fragments:
        assert fragment in text, f"{case}: «{fragment}» missing in: {text}"


def _format_all(report: dict) -> str:
    return "\n".join(_format(f) for f in report["findings"] if f["severity"] == "error")


def test_every_failure_kind_has_a_fixture():
    assert {"yaml-syntax", "tab-indent", "duplicate-key", "unknown-key", "missing-field", "wrong-type",
            "unknown-reference", "duplicate-id", "impossible-date", "malformed-duration", "invalid-email",
            "invalid-phone", "invalid-url", "empty-file", "python-object-tag", "billion-laughs"} <= set(CASES)


def test_not_utf8(data, capsys):
    (data / "roles" / "latin1.yml").write_bytes("id: latin1\nname: Råde\n".encode("latin-1"))
    exit_code, report, _err = _check(capsys, data)
    [f] = [f for f in report["findings"] if f["code"] == "RB004"]
    assert exit_code == 1 and (f["line"], f["column"]) == (2, 8) and "UTF-8" in f["message"]


def test_alias_bomb_and_huge_file_are_refused_quickly(data, capsys):
    """A safety bound, not a speed test: these must not expand or be read whole."""
    _apply("billion-laughs", data)
    started = time.perf_counter()
    _check(capsys, data)
    assert time.perf_counter() - started < 1.0 + _baseline(capsys, ROOT / "data")
    huge = data / "roles" / "stor.yml"
    huge.write_text("id: stor\nname: Stor\ndescription: >-\n" + ("  " + "x" * 98 + "\n") * 105_000, "utf-8")
    assert huge.stat().st_size > 10_000_000
    started = time.perf_counter()
    exit_code, report, _ = _check(capsys, data)
    assert time.perf_counter() - started < 1.0 + _baseline(capsys, ROOT / "data")
    [f] = [f for f in report["findings"] if f["code"] == "RB006"]
    assert "MiB" in f["message"] and exit_code == 1


def _baseline(capsys, data: Path) -> float:
    started = time.perf_counter()
    _check(capsys, data)
    return time.perf_counter() - started


def test_valid_data_gives_exit_0_and_strict_turns_warnings_into_failure(data, capsys):
    exit_code, report, _ = _check(capsys, data)
    assert exit_code == 0 and report["summary"]["errors"] == 0 and report["summary"]["warnings"] > 0
    exit_code, report, _ = _check(capsys, data, "--strict")
    assert exit_code == 1 and report["summary"]["ok"] is False


@pytest.mark.parametrize("argv", [
    ["check", "--today", "2026-13-01"], ["nope"], ["check", "--no-such-option"], ["check", "--format", "xml"],
])
def test_usage_errors_exit_2_without_traceback(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "usage" in err


def test_text_output_is_compiler_style(data, capsys):
    _apply("unknown-reference", data)
    assert main(["check", "--data", str(data), "--today", "2026-11-22"]) == 1
    out = capsys.readouterr().out
    assert re.search(r"roles/ny-rolle\.yml:5:17: feil RB010 \[unknown-reference\] organisations\[0\]: "
                     r"ukjent organisasjon «nav-mos» \(mente du «nav-moss»\?\)", out), out
    assert "1 feil" in out
