"""The kind registry: a kind added in one place is loaded, checked, given a schema and an owner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pydantic import Field

from rutinebok import kinds
from rutinebok.checks import check
from rutinebok.checks.registry import unregister_check
from rutinebok.cli import main
from rutinebok.codeowners import codeowners_text
from rutinebok.findings import Report
from rutinebok.load import load_dataset
from rutinebok.model import Entity, Id, SourceRef
from rutinebok.schema import all_schemas, schema_name_for

VALID = Path(__file__).parent / "fixtures" / "valid"
TODAY = "2026-11-22"


class Toy(Entity):
    id: Id
    name: str
    friend: Id | None = Field(None, description="En annen leke.")
    source: SourceRef


def toy_friend(ctx, toy, src) -> None:
    if toy.friend:
        ctx.ref(src, ("friend",), toy.friend, ctx.ds.by_kind("toys"), "leke")


@pytest.fixture()
def toys(tmp_path):
    data = Path(shutil.copytree(VALID, tmp_path / "data"))
    source = load_dataset(data, Report()).sources.sources[0].id
    (data / "toys").mkdir()
    (data / "toys" / "bamse.yml").write_text(
        f"id: bamse\nname: Bamse\nfriend: ball\nsource: {{document: {source}}}\n", "utf-8")
    (data / "toys" / "ball.yml").write_text(
        f"id: ball\nname: Ball\nfriend: bamsen\nsource: {{document: {source}}}\n", "utf-8")
    kind = kinds.Kind("toys", Toy, "leke", "leker", "Leke", folder="toys")
    with kinds.registered(kind):
        check("toys", codes=("RB010",))(toy_friend)
        try:
            yield data
        finally:
            unregister_check(toy_friend)


def _check(capsys, data: Path) -> tuple[int, dict]:
    code = main(["check", "--data", str(data), "--today", TODAY, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_a_registered_kind_is_loaded_checked_and_has_a_schema(toys, capsys):
    ds = load_dataset(toys, Report())
    assert sorted(ds.by_kind("toys")) == ["ball", "bamse"]
    assert ds.ids()["bamse"] == "toys"
    assert [k.name for k, e in ds.items() if getattr(e, "id", None) == "ball"] == ["toys"]
    code, report = _check(capsys, toys)
    assert code == 1
    hits = [f for f in report["findings"] if f["file"].endswith("toys/ball.yml")]
    assert [(f["code"], f["line"], f["path"]) for f in hits] == [("RB010", 3, "friend")], hits
    assert "ukjent leke «bamsen»" in hits[0]["message"] and "bamse" in hits[0]["hint"]
    assert not [f for f in report["findings"] if f["file"].endswith("toys/bamse.yml")]
    assert report["summary"]["toys"] == 2
    schema = all_schemas()["toys"]
    assert schema["title"] == "Leke" and "friend" in schema["properties"]
    assert schema_name_for(toys / "toys" / "bamse.yml", toys) == "toys"
    # Nobody is forgotten: a kind without its own reviewers goes to the editors.
    assert f"/{toys.as_posix().strip('/')}/toys/ @rutinebok/redaksjon" in codeowners_text(toys)


def test_the_toy_kind_is_gone_after_the_test(tmp_path, capsys):
    data = Path(shutil.copytree(VALID, tmp_path / "data"))
    (data / "toys").mkdir()
    (data / "toys" / "bamse.yml").write_text("id: bamse\nname: Bamse\n", "utf-8")
    code, report = _check(capsys, data)
    assert code == 1 and [f["code"] for f in report["findings"]] == ["RB028"]
    assert "toys" not in all_schemas()


def test_every_kind_is_reachable_on_any_data_set(tmp_path):
    ds = load_dataset(tmp_path / "mangler", Report())
    for kind in kinds.all_kinds():
        assert (ds.single(kind.name) if kind.single else ds.by_kind(kind.name)) in (None, {})
    ds = load_dataset(VALID, Report())
    for kind in kinds.all_kinds():
        assert kind.model.__name__ and kind.noun and kind.plural and kind.title
        assert getattr(ds, kind.name) is (ds.single(kind.name) if kind.single else ds.by_kind(kind.name))


def test_a_kind_cannot_take_another_kinds_place():
    with pytest.raises(ValueError):
        kinds.register(kinds.Kind("andre-rutiner", Toy, "x", "x", "X", folder="routines"))
    with pytest.raises(ValueError):
        kinds.register(kinds.Kind("routines", Toy, "x", "x", "X", folder="x"))
    assert kinds.get("routines").model.__name__ == "Routine"
