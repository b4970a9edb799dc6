"""The JSON Schemas editors use: current with the model, complete, and matching the data."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from rutinebok.load import data_files, read_yaml
from rutinebok.schema import (
    SCHEMA_LINE,
    all_schemas,
    schema_line,
    schema_name_for,
    stale,
    with_schema_line,
)

from .conftest import ROOT

DATA = ROOT / "data"
SCHEMAS = ROOT / "schema"


@functools.cache
def _schemas() -> dict[str, dict]:
    return all_schemas()


def test_committed_schema_is_current():
    assert stale(SCHEMAS) == [], "run `rutinebok schema` and commit schema/"


def test_schemas_are_valid_draft_7():
    """Draft 7: what the VS Code YAML extension supports fully (it only partly supports 2020-12)."""
    for schema in all_schemas().values():
        assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
        Draft7Validator.check_schema(schema)


def _properties(node, path=""):
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            yield f"{path}.{name}", prop
            yield from _properties(prop, f"{path}.{name}")
        for key, value in node.items():
            if key != "properties":
                yield from _properties(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _properties(item, f"{path}[{i}]")


def test_every_field_has_a_title_and_a_description():
    missing = [f"{kind}{path}" for kind, schema in all_schemas().items() for path, prop in _properties(schema)
               if not prop.get("title") or not prop.get("description")]
    assert missing == []


def test_every_field_title_is_norwegian():
    """No English title made by pydantic from the field name (e.g. «Review By»); see the Field(title=...) in rutinebok/model.py."""
    english = sorted({f"{kind}{path}" for kind, schema in all_schemas().items() for path, prop in _properties(schema)
                      if prop.get("title") == path.rsplit(".", 1)[-1].replace("_", " ").title()
                      and path.rsplit(".", 1)[-1] not in ("id", "status", "per", "plan", "start")})
    assert english == [], "add a Norwegian title (Field(title=...)) to the field in rutinebok/model.py"


def test_deadline_short_form_is_checked_like_the_model():
    from rutinebok.model import Deadline

    schema = all_schemas()["routines"]
    validator = Draft7Validator({**schema["definitions"]["Deadline"], "definitions": schema["definitions"]})
    for value in ("PT48H", "P3M", "2019-12-31", "snarest", {"within": "P2D", "after": "mottatt"}):
        Deadline.model_validate(value)
        assert validator.is_valid(value), value
    for value in ("48 timer", "P", "i morgen", {"within": "48t"}):
        assert not validator.is_valid(value), value


@pytest.mark.parametrize("path", data_files(DATA), ids=lambda p: str(p.relative_to(DATA)))
def test_data_file_has_its_schema_line_and_validates(path: Path):
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    assert first == schema_line(path, DATA, SCHEMAS), first
    assert first.startswith(SCHEMA_LINE)
    schema = _schemas()[schema_name_for(path, DATA)]
    data = read_yaml(path, str(path)).data
    errors = sorted(Draft7Validator(schema).iter_errors(data), key=lambda e: list(e.path))
    assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def test_schema_rejects_what_the_model_rejects():
    schema = all_schemas()["roles"]
    validator = Draft7Validator(schema)
    assert not validator.is_valid({"id": "x", "name": "X", "source": {"document": "seed-000"}, "extra": 1})
    assert not validator.is_valid({"id": "X Y", "name": "X", "source": {"document": "seed-000"}})
    assert validator.is_valid({"id": "x", "name": "X", "source": {"document": "seed-000"}})


def test_schema_line_is_inserted_or_updated_and_the_first_comment_kept():
    line = "# yaml-language-server: $schema=../../schema/roles.schema.json"
    assert with_schema_line("# Primærkontakt.\nid: x\n", line) == f"{line}\n# Primærkontakt.\nid: x\n"
    old = "# yaml-language-server: $schema=../schema/roles.json\n# Primærkontakt.\nid: x\n"
    assert with_schema_line(old, line) == f"{line}\n# Primærkontakt.\nid: x\n"
    assert with_schema_line(with_schema_line(old, line), line) == f"{line}\n# Primærkontakt.\nid: x\n"


def test_schema_check_command(tmp_path, capsys, monkeypatch):
    from rutinebok.cli import main

    monkeypatch.chdir(ROOT)
    assert main(["schema", "--check"]) == 0
    out = tmp_path / "schema"
    data = tmp_path / "data"
    (data / "roles").mkdir(parents=True)
    (data / "roles" / "x.yml").write_text("# En rolle.\nid: x\n", "utf-8")
    assert main(["schema", "--check", "--out", str(out), "--data", str(data)]) == 1
    err = capsys.readouterr().err
    assert "Skjemaene er ikke oppdatert" in err and "Første linje viser ikke til skjemaet i" in err
    assert main(["schema", "--out", str(out), "--data", str(data)]) == 0
    assert (data / "roles" / "x.yml").read_text("utf-8").split("\n")[:2] == [
        "# yaml-language-server: $schema=../../schema/roles.schema.json", "# En rolle."]
    assert main(["schema", "--check", "--out", str(out), "--data", str(data)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted([f"{k}.schema.json" for k in all_schemas()] + ["felter.md"])
