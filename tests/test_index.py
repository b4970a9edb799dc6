"""The shared index and the block registry: block kinds as data, references from typed fields,
duties and deadlines read from the block classes' declarations, and no web renderer in print,
review or signing."""

from __future__ import annotations

import ast
import copy
from pathlib import Path
from types import SimpleNamespace

import jinja2
import pytest

from rutinebok import pdf as pdf_mod
from rutinebok.index import Index, references
from rutinebok.model import _BLOCK_EXTRAS, BLOCK_TYPES, Block, Step
from rutinebok.render import SiteOptions, SiteRenderer

from .conftest import ROOT, TODAY

BLOCKS = ROOT / "rutinebok" / "templates" / "blocks"


def test_every_block_kind_has_a_site_and_a_print_template():
    assert set(BLOCK_TYPES) == {k for k in Block.model_fields if k not in _BLOCK_EXTRAS}
    missing = [f"{kind}.{ext}" for kind in BLOCK_TYPES for ext in ("md.j2", "html.j2")
               if not (BLOCKS / f"{kind}.{ext}").is_file()]
    assert missing == []
    strays = sorted({p.name.split(".")[0] for p in BLOCKS.iterdir()} - set(BLOCK_TYPES))
    assert strays == [], "templates for block kinds the model does not have"


def test_block_templates_are_included_by_name_not_chosen_in_a_chain():
    for path in (ROOT / "rutinebok" / "templates").rglob("*.j2"):
        assert "b.kind ==" not in path.read_text(encoding="utf-8"), path


def test_block_declarations_name_real_fields():
    """ACTORS and DEADLINES are field paths through the model; a typo would silently drop duties."""
    for kind, model in BLOCK_TYPES.items():
        if model is None:
            continue
        for path in (*model.ACTORS, *model.DEADLINES):
            current = model
            for part in path.split("."):
                assert part in current.model_fields, f"{kind}: {path}"
                ann = current.model_fields[part].annotation
                inner = [a for a in getattr(ann, "__args__", ()) if isinstance(a, type) and hasattr(a, "model_fields")]
                current = inner[0] if inner else ann


class _Toy:
    """Stand-in value for a block kind the model does not have."""

    title = "Lekeblokk <b>"


def _toy_block():
    return SimpleNamespace(kind="toy", value=_Toy(), caution=None)


def test_a_new_block_kind_renders_through_the_registry_on_the_site(real):
    ds, _, findings = real
    r = SiteRenderer(ds, findings, SiteOptions(today=TODAY))
    r.env.loader = jinja2.ChoiceLoader([
        jinja2.DictLoader({"blocks/toy.md.j2": "**Leke: {{ v.title }}** ({{ base }}){{ '\\n' }}"}), r.env.loader])
    macro = r.env.get_template("_blocks.md.j2").module.block
    out = str(macro(_toy_block(), "../", ()))
    assert "**Leke: Lekeblokk &#60;b&#62;** (../)" in out  # the kind's own template, data escaped


def test_a_new_block_kind_renders_through_the_registry_in_print(real):
    ds, _, findings = real
    ctx = pdf_mod.print_context(ds, TODAY, findings)
    env = pdf_mod._env().overlay(loader=jinja2.ChoiceLoader([
        jinja2.DictLoader({"blocks/toy.html.j2": "<p class=toy>{{ v.title }}</p>"}), pdf_mod._env().loader]))
    macro = env.get_template("_blocks.html.j2").make_module({"r": ctx, "ds": ds, "f": {}}).block
    assert '<p class=toy>Lekeblokk &lt;b&gt;</p>' in str(macro(_toy_block()))


def test_references_come_from_typed_fields_not_from_text(real):
    ds = copy.deepcopy(real[0])
    r = ds.routines["moss-krisesenter-nav"]
    before = Index(ds).references("routines", r.id)
    assert ("organisations", "nav-moss") in before and ("roles", "nav-kontoret") in before
    # An id in running text (no link) is not a reference; the same id in an actor field is.
    unused = next(x for x in ds.roles if ("roles", x) not in before)
    section = r.sections[0]
    section.blocks.append(Block(text=f"Ordet {unused} i teksten."))
    assert ("roles", unused) not in Index(ds).references("routines", r.id)
    section.blocks.append(Block(text=f"Se [rollen](@{unused})."))
    assert ("roles", unused) in Index(ds).references("routines", r.id)
    section.blocks.pop()
    proc = next(b.procedure for _, b in r.walk_blocks() if b.kind == "procedure")
    proc.steps.append(Step(actor=unused, action="Gjør noe."))
    assert ("roles", unused) in Index(ds).references("routines", r.id)


def test_references_of_a_model_include_contacts_and_markdown_links(real):
    tree = real[0].trees["hvilket-nav-kontor"]
    found = references(tree)
    assert ("routines", "moss-krisesenter-nav") in found
    assert any(kind == "organisations" for kind, _ in found)


def test_duties_follow_the_block_declarations(real):
    """Every actor a duty-bearing block declares has a duty in the index for that routine."""
    ds = real[0]
    index = Index(ds)
    for r in ds.routines.values():
        for _, b in r.walk_blocks():
            v = b.value
            if isinstance(v, str) or not list(v.duties(index)):
                continue
            for actor in index.actors_in(v):
                if b.kind == "phase" and actor in {c for a in v.alternatives for c in a.contacts}:
                    continue  # contacts of an alternative are whom to call, not who acts
                assert index.routine_duties(actor, r.id), (r.id, b.kind, actor)


def test_deadline_rows_match_the_declared_deadlines(real):
    ds = real[0]
    index = Index(ds)
    steps_with_deadline = sum(1 for r in ds.routines.values() for _, b in r.walk_blocks() if b.kind == "procedure"
                              for s in b.procedure.steps if s.deadline is not None)
    assert sum(1 for row in index.deadline_rows if row["kind"] == "steg") == steps_with_deadline
    declared = [d for r in ds.routines.values() for _, b in r.walk_blocks() if not isinstance(b.value, str)
                for d in index.deadlines_in(b.value)]
    assert len(declared) >= steps_with_deadline


def _modules(*names: str) -> list[str]:
    """Module files, a package's files when the name is a package (sign/, diff/)."""
    pkg = ROOT / "rutinebok"
    return [f"{n}/{p.name}" for n in names if (pkg / n).is_dir() for p in sorted((pkg / n).glob("*.py"))] + \
        [f"{n}.py" for n in names if (pkg / f"{n}.py").is_file()]


@pytest.mark.parametrize("module", _modules("pdf", "sign", "xmp", "index", "names", "notices", "outline", "diff"))
def test_print_review_and_signing_never_import_the_web_renderer(module):
    tree = ast.parse((ROOT / "rutinebok" / module).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
    assert not {m for m in imported if m and m.split(".")[-1] in ("render", "mkdocs_hook")}
    assert "SiteRenderer" not in Path(ROOT / "rutinebok" / module).read_text(encoding="utf-8")


QUERY_FREE = ["site/routine.md.j2", "site/_blocks.md.j2", "site/laws.md.j2", "site/routines_index.md.j2",
              "site/contacts.md.j2", *sorted(f"blocks/{p.name}" for p in BLOCKS.iterdir())]


@pytest.mark.parametrize("template", QUERY_FREE)
def test_these_templates_get_ready_made_context_and_never_query_the_data(template):
    """The routine page, its blocks and the law, routine and contact lists print what the
    renderer hands them; they do not look things up in the data set themselves."""
    text = (ROOT / "rutinebok" / "templates" / template).read_text(encoding="utf-8")
    assert "r.ds" not in text and ".values()" not in text and "selectattr(" not in text
