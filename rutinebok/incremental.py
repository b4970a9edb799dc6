"""The edit loop of `make serve`: after a save, make again only the pages the change can reach.

A generated page is either the page of one entity (a routine, an organisation, a decision tree)
or a page made from many (the lists, the deadlines, the area pages). The second kind is made
every time. An entity's page shows the entity itself, the entities it refers to (names, contact
details, laws) and the entities that refer to it (the routines of an organisation, the trees of
a routine), nothing further; so after a change it is made again when the entity, one it refers
to or one that refers to it changed (references before and after the change both count, so a
removed reference also updates the page it pointed to), or when the checks now say something
else about it. Everything is made again when a file was added or removed, an entity changed
its id, a role or a one-file kind (the glossary) changed, or the day, the signed copies or the
settings changed: those reach pages in ways the references do not show.

Checklists are few and their pages gather from many routines: they are always made. A page of
a known set of entities (a role's page: the routines with its duties; a municipality's pages:
its routines, every organisation and guide) is made again when the change reaches one of them,
in the set now or at the last build.
`tests/test_incremental.py` makes the pages both ways after many kinds of edits and compares.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from .buildcache import Store
from .index import ENTITY_KINDS

Key = tuple[str, str]

# Pages of these kinds gather what many routines say about them: always made again.
ALWAYS = frozenset({"checklists"})
# A change in one of these reaches pages the references do not show (roles by organisation kind).
EVERYWHERE = frozenset({"roles"})


@dataclass
class Memo:
    """What the last build was made from, and the pages it made."""

    texts: dict[str, str] = field(default_factory=dict)  # data file -> its text's SHA-256
    owners: dict[str, Key] = field(default_factory=dict)  # data file -> (kind, id), or ("single", name)
    refs: dict[Key, frozenset[Key]] = field(default_factory=dict)  # entity -> entities it refers to
    findings: dict[str, str] = field(default_factory=dict)  # data file -> what the checks said of it
    rules: dict[Key, dict[str, str]] = field(default_factory=dict)  # routine -> time rules it states
    context: str = ""
    pages: dict[str, str] = field(default_factory=dict)
    deps: dict[str, frozenset | _Parts] = field(default_factory=dict)  # page -> the entities it showed
    made: set[str] = field(default_factory=set)  # pages made by the last call (the rest were kept)
    # The last call found nothing changed since the memo was made: the pages it made again (those
    # of no one entity) are made from the same data, and the memo holds what it held.
    same: bool = False


def _owners(ds) -> dict[str, Key]:
    out: dict[str, Key] = {}
    for kind in ENTITY_KINDS:
        for eid, entity in ds.by_kind(kind).items():
            out[entity._file] = (kind, eid)
    for name, entity in ds.singles.items():
        if entity is not None and getattr(entity, "_file", None):
            out[entity._file] = ("single", name)
    return out


def _findings(findings) -> dict[str, str]:
    """What the checks said of each file, as text to compare (and to keep between builds)."""
    out: dict[str, list] = {}
    for f in findings:
        out.setdefault(f.file, []).append((f.code, f.severity, f.message, f.path, f.line, f.column, f.hint))
    return {file: repr(tuple(sorted(items, key=repr))) for file, items in out.items()}


def _context(renderer) -> str:
    """Everything beside the data that reaches many pages, as text: the day, the settings, the
    signed copies, which national pages are compact (that decides links on many pages), and
    the engine's code and templates (buildcache.code_hash)."""
    from .buildcache import code_hash

    opt = renderer.opt
    signed = tuple(sorted((rid, repr(copies)) for rid, copies in renderer.signed.items()))
    agg = renderer.aggregates
    return repr((opt.today.isoformat(), opt.edit_base, opt.site_name, bool(renderer.pdf), signed,
                 agg.deadlines_compact, agg.calendar_compact, code_hash()))


def affected(memo: Memo, renderer, texts: dict[str, str], owners: dict[str, Key],
             findings: dict[str, tuple]) -> tuple[set[Key] | None, dict[Key, frozenset[Key]], dict, set[Key] | None]:
    """The entities whose pages must be made again (None: all of them), the references now, the
    time rules each routine states now, and the entities that changed themselves (or whose
    statement of a shared time rule did, or what the checks say of them)."""
    index = renderer.index

    def refs_of(key: Key) -> frozenset[Key]:
        found = set(index.references(*key))
        if key[0] == "routines":
            found |= _time_rules(renderer.ds.routines[key[1]])
        return frozenset(found)

    everything = (not memo.pages or set(texts) != set(memo.texts) or owners != memo.owners
                  or _context(renderer) != memo.context)
    changed_files = {rel for rel in texts if texts[rel] != memo.texts.get(rel)}
    changed_files |= {rel for rel in set(findings) | set(memo.findings) if findings.get(rel) != memo.findings.get(rel)}
    if not everything:
        everything = any(rel not in owners or owners[rel][0] in EVERYWHERE | {"single"} for rel in changed_files)

    def stated(key: Key) -> dict[str, str]:
        return _stated_rules(renderer.ds.routines[key[1]]) if key[0] == "routines" else {}

    if everything:
        keys = [key for key in owners.values() if key[0] != "single"]
        return None, {key: refs_of(key) for key in keys}, {key: stated(key) for key in keys}, None
    changed = {owners[rel] for rel in changed_files}
    refs, rules = dict(memo.refs), dict(memo.rules)
    for key in changed:
        refs[key], rules[key] = refs_of(key), stated(key)
    hit = set(changed)
    for key in changed:
        hit |= memo.refs.get(key, frozenset()) | refs[key]
    # A named time rule is stated in one routine and used in others (the deadline words come
    # from where it is stated): a changed statement reaches every routine that states or uses it.
    shared = set()
    for key in changed:
        old, new = memo.rules.get(key, {}), rules.get(key, {})
        shared |= {("time-rule", rid) for rid in set(old) | set(new) if old.get(rid) != new.get(rid)}
    if shared:
        changed |= {key for key, out in refs.items() if out & shared}
        changed |= {key for key, out in memo.refs.items() if out & shared}
        hit |= changed
    hit |= {key for key, out in refs.items() if out & changed}
    hit |= {key for key, out in memo.refs.items() if out & changed}
    return hit, refs, rules, changed


def _stated_rules(routine) -> dict[str, str]:
    """Each time rule the routine states, as text to compare (value, qualifier, words)."""
    return {block.rule.id: block.rule.model_dump_json() for _, block in routine.walk_blocks()
            if block.rule is not None}


def _time_rules(routine) -> set[Key]:
    """("time-rule", id) of every named time rule the routine states or uses in a deadline."""
    from .index import Index
    from .model import Strict

    found = set()
    for _, block in routine.walk_blocks():
        if block.rule is not None:
            found.add(("time-rule", block.rule.id))
        if isinstance(block.value, Strict):
            found.update(("time-rule", d.rule) for d in Index.deadlines_in(block.value) if d.rule)
    return found


def pages(renderer, memo: Memo | None) -> dict[str, str]:
    """The generated pages; with a memo of the last build, only the affected ones are made again
    (the memo is updated). Without one, every page is made."""
    makers = renderer.page_makers()
    if memo is None:
        return {path: make() for path, (_, make) in makers.items()}
    ds = renderer.ds
    texts = {rel: hashlib.sha256(source.text.encode()).hexdigest() for rel, source in ds.files.items()}
    owners = _owners(ds)
    findings = _findings(renderer.findings)
    hit, refs, rules, changed = affected(memo, renderer, texts, owners, findings)
    out: dict[str, str] = {}
    made = set()
    deps = {path: key for path, (key, _) in makers.items() if isinstance(key, frozenset)}
    for path, (key, make) in makers.items():
        if isinstance(key, frozenset):
            # A page of several entities (a role's duties, a municipality's pages): made again
            # when one of them, now or at the last build, changed. Its set names every entity
            # whose words it shows, so a neighbour's change counts only when it is in the set.
            remake = (changed is None or not changed.isdisjoint(key)
                      or not memo.deps.get(path, frozenset()).isdisjoint(changed))
        else:
            remake = hit is None or key is None or key in hit or key[0] in ALWAYS
        if remake or path not in memo.pages:
            out[path] = make()
            made.add(path)
        else:
            out[path] = memo.pages[path]
    memo.deps = deps
    memo.texts, memo.owners, memo.refs, memo.findings, memo.rules = texts, owners, refs, findings, rules
    memo.context, memo.pages, memo.made = _context(renderer), out, made
    memo.same = hit is not None and not hit and not changed
    return out


# --------------------------------------------------------------------------- between builds


class Shows(frozenset):
    """The entities a page shows, made of parts (kept apart so a memo can store a part that many
    pages share once)."""

    parts: tuple[frozenset, ...]

    def __new__(cls, *parts: frozenset) -> Self:
        self = super().__new__(cls, frozenset().union(*parts))
        self.parts = parts
        return self


@dataclass(frozen=True)
class _Parts:
    """A page's set as a kept memo has it: only asked whether a change touches it."""

    parts: tuple[frozenset, ...]

    def isdisjoint(self, other) -> bool:
        return all(part.isdisjoint(other) for part in self.parts)


MEMO_FILE = "pages.json"


def save(memo: Memo, folder: Path) -> None:
    """The memo as JSON in the build cache (rutinebok.buildcache), for the next build: only what
    a later `pages` compares and keeps (texts, owners, references, findings, rules, context,
    pages and their sets). Written whole or not at all. A page's set is written as the parts
    it was made of (Shows), each part once: every municipality's page shows every organisation."""
    parts: dict[int, int] = {}
    table: list[list] = []

    def part_ids(value) -> list[int]:
        out = []
        for part in getattr(value, "parts", (value,)):
            if id(part) not in parts:
                parts[id(part)] = len(table)
                table.append(sorted(part))
            out.append(parts[id(part)])
        return out

    data = {"texts": memo.texts, "owners": memo.owners, "refs": [[k, sorted(v)] for k, v in memo.refs.items()],
            "findings": memo.findings, "rules": [[k, v] for k, v in memo.rules.items()],
            "context": memo.context, "pages": memo.pages,
            "deps": {p: part_ids(v) for p, v in memo.deps.items()}, "parts": table}
    Store(folder).put_file(MEMO_FILE, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())


def load(folder: Path) -> Memo:
    """The memo an earlier build saved, or an empty one (all pages are made) when there is none
    or it cannot be read."""
    raw = Store(folder).get_file(MEMO_FILE)
    if raw is None:
        return Memo()
    try:
        data = json.loads(raw)
        parts = [frozenset((str(k), str(i)) for k, i in part) for part in data["parts"]]

        def key(value) -> Key:
            return (str(value[0]), str(value[1]))

        return Memo(texts=dict(data["texts"]), owners={f: key(k) for f, k in data["owners"].items()},
                    refs={key(k): frozenset(key(r) for r in v) for k, v in data["refs"]},
                    findings=dict(data["findings"]), rules={key(k): dict(v) for k, v in data["rules"]},
                    context=str(data["context"]), pages=dict(data["pages"]),
                    deps={p: _Parts(tuple(parts[i] for i in v)) for p, v in data["deps"].items()})
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return Memo()
