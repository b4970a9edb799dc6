"""Decision trees: one bad tree per failure kind, every path of every real tree, big trees."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from bench.generate import generated_tree
from rutinebok.checks import Checker
from rutinebok.cli import main
from rutinebok.diagram import tree_svg
from rutinebok.escape import md_text
from rutinebok.findings import Finding
from rutinebok.load import SourceFile
from rutinebok.model import Tree
from rutinebok.render import SiteOptions, SiteRenderer

from .conftest import ROOT, TODAY

BAD = Path(__file__).parent / "bad_trees"
CASES = sorted(p.stem for p in BAD.glob("*.yml"))


def _case(stem: str):
    """A fixture as a parameter; `# xfail: why` in its header marks a known bug (strict, so a fix is noticed)."""
    m = re.search(r"^# xfail: (.*)$", (BAD / f"{stem}.yml").read_text(encoding="utf-8"), re.MULTILINE)
    return pytest.param(stem, marks=pytest.mark.xfail(reason=m.group(1), strict=True)) if m else stem


def _format(f: dict) -> str:
    """A JSON finding as the check prints it (Finding.format)."""
    return Finding(**{k: v for k, v in f.items() if k != "name"}).format()


def test_every_tree_failure_kind_has_a_fixture():
    assert {"unreachable-node", "cycle", "dangling-option", "unknown-role-in-outcome", "question-without-options",
            "duplicate-option-label", "duplicate-node", "unknown-start", "unknown-section"} <= set(CASES)


@pytest.mark.parametrize("case", [_case(c) for c in CASES])
def test_bad_tree_gives_its_error(case, tmp_path, capsys):
    data = Path(shutil.copytree(ROOT / "data", tmp_path / "data"))
    text = (BAD / f"{case}.yml").read_text(encoding="utf-8")
    (data / "trees" / f"{case}.yml").write_text(text, encoding="utf-8")
    spec, *fragments = [p.strip() for p in re.search(r"^# expect: (.*)$", text, re.MULTILINE).group(1).split("|")]
    code, position = spec.split()
    line, column = (int(x) for x in position.split(":"))
    assert main(["check", "--data", str(data), "--today", "2026-11-22", "--format", "json"]) == 1
    out, err = capsys.readouterr()
    assert err == ""
    findings = json.loads(out)["findings"]
    hits = [f for f in findings if f["code"] == code and f["file"].endswith(f"trees/{case}.yml")]
    errors = "\n".join(_format(f) for f in findings if f["severity"] == "error")
    assert hits, f"{case}: no {code}:\n{errors}"
    hits = [f for f in hits if (f["line"], f["column"]) == (line, column)]
    assert hits, f"{case}: {code} not at {line}:{column}:\n{errors}"
    for fragment in fragments:
        assert fragment in _format(hits[0]), f"{case}: «{fragment}» missing in {_format(hits[0])}"


def _paths(tree: Tree) -> list[list[tuple[str, str]]]:
    """Every path from the start to an outcome, as (node id, answer) steps."""
    nodes = {n.id: n for n in tree.nodes}
    done, stack = [], [(tree.start, [])]
    while stack:
        node_id, path = stack.pop()
        node = nodes[node_id]
        assert node_id not in [n for n, _ in path], f"{tree.id}: {node_id} repeats on a path"
        if node.outcome is not None:
            done.append(path + [(node_id, "")])
            continue
        assert node.options, f"{tree.id}: {node_id} is a dead end"
        for opt in node.options:
            stack.append((opt.next, path + [(node_id, opt.label)]))
    return done


# Counted by reading the trees; a change to a tree should change its count on purpose.
EXPECTED_PATHS = {"hvilket-nav-kontor": 7, "hvem-skal-vaere-koordinator": 8,
                  "trenger-beboeren-ny-bolig": 3, "hvilket-niva-av-oppfolging": 4}


def test_every_path_of_every_real_tree_ends_in_an_outcome_that_renders(real):
    ds, _, findings = real
    renderer = SiteRenderer(ds, findings, SiteOptions(today=TODAY))
    pages = renderer.pages()
    counts = {}
    for tree in ds.trees.values():
        paths = _paths(tree)
        counts[tree.id] = len(paths)
        on_a_path = {n for path in paths for n, _ in path}
        assert on_a_path == {n.id for n in tree.nodes}, f"{tree.id}: nodes on no path"
        page = pages[f"veivisere/{tree.id}.md"]
        for path in paths:
            outcome = next(n for n in tree.nodes if n.id == path[-1][0]).outcome
            assert f"Svar: {outcome.title}" in page
            for ref in outcome.responsible + outcome.contacts:
                assert renderer.href(ref), f"{tree.id}: {ref} does not resolve"
                assert md_text(renderer.name(ref.partition("/")[0])) in page  # as Markdown text
            for ref in outcome.contacts:
                for org, contact, _ in renderer.contact_rows([ref]):  # successors for merged offices
                    value = contact.phone or contact.email or contact.web or contact.address
                    assert value in page, f"{tree.id}: contact {ref} not shown"
    assert counts == EXPECTED_PATHS


# Outcomes whose source names no one: level 1 is solved «i egen enhet», whichever unit the
# citizen already talks to, and the levels model names no coordinator for it.
NO_ONE_NAMED = {("hvilket-niva-av-oppfolging", "niva-1")}


def test_every_outcome_names_someone_who_exists(real):
    ds = real[0]
    for tree in ds.trees.values():
        for node in tree.nodes:
            if node.outcome is None:
                continue
            refs = node.outcome.responsible + node.outcome.contacts
            for ref in refs:
                org_id, _, contact_id = ref.partition("/")
                if contact_id:
                    assert org_id in ds.organisations, (tree.id, node.id, ref)
                    assert contact_id in [c.id for c in ds.organisations[org_id].contacts], (tree.id, node.id, ref)
                else:
                    assert ref in ds.organisations or ref in ds.roles, (tree.id, node.id, ref)
            assert bool(refs) != ((tree.id, node.id) in NO_ONE_NAMED), (tree.id, node.id, refs)


@pytest.mark.parametrize("questions", [1000, 2000])
def test_big_generated_trees_are_sound_and_draw(real, questions):
    ds = real[0]
    tree = Tree.model_validate(generated_tree(questions))
    tree._file = "data/trees/generert.yml"
    ds.files[tree.file] = SourceFile(tree.file, None, {}, "")
    try:
        checker = Checker(ds, TODAY)
        checker.check_entity(tree, "trees", without=("RB056",))  # drawing is timed apart
        assert checker.out == []
    finally:
        del ds.files[tree.file]
    assert len(tree.nodes) == 2 * questions + 1
    if questions == 1000:  # drawing a 2,001-node graph is the benchmark's job, not the tests'
        svg = tree_svg(tree)
        assert "Spørsmål 999?" in svg and "Utfall 1999" in svg
