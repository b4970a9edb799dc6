"""The JSON Schemas editors use: current with the model, complete, and matching the data."""

from __future__ import annotations

from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from rutinebok.load import data_files, read_yaml
from rutinebok.schema import SCHEMA_LINE, all_schemas, schema_line, schema_name_for, stale

from .conftest import ROOT

DATA = ROOT / "data"
SCHEMAS = ROOT / "schema"


def test_committed_schema_is_current():
    assert stale(SCHEMAS) == [], "run `rutinebok schema` and commit schema/"


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


@pytest.mark.parametrize("path", data_files(DATA), ids=lambda p: str(p.relative_to(DATA)))
def test_data_file_has_its_schema_line_and_validates(path: Path):
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    assert first == schema_line(path, DATA, SCHEMAS), first
    assert first.startswith(SCHEMA_LINE)
    schema = all_schemas()[schema_name_for(path, DATA)]
    data = read_yaml(path, str(path)).data
    errors = sorted(Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.path))
    assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def test_schema_rejects_what_the_model_rejects():
    schema = all_schemas()["roles"]
    validator = Draft202012Validator(schema)
    assert not validator.is_valid({"id": "x", "name": "X", "source": {"document": "seed-000"}, "extra": 1})
    assert not validator.is_valid({"id": "X Y", "name": "X", "source": {"document": "seed-000"}})
    assert validator.is_valid({"id": "x", "name": "X", "source": {"document": "seed-000"}})
