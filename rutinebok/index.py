"""One index of the loaded data, built once and shared by the site, the PDFs, the PDF cache key
and the change summaries: ids per kind, the references each entity makes (found from the
model's typed reference fields), time rules, duties per actor and every deadline.

Templates get what they show from here, ready-made; nothing here knows about Markdown,
HTML or links. What a block kind holds comes from the block classes themselves (their
ACTORS, DEADLINES, `duties` and `deadline_rows`), so a new block kind needs no change here.
"""

from __future__ import annotations

import datetime as dt
import re
import typing
from collections import defaultdict
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

from pydantic import BaseModel

from .load import Dataset
from .model import Deadline, RefTo, Role, Routine, Strict, TimeRule
from .names import entity_name
from .words import date_words, deadline_words

# Folders under data/ whose entities other entities refer to by id.
ENTITY_KINDS = ("organisations", "roles", "laws", "documents", "routines", "trees", "checklists")

# A link to an entity written in data Markdown: [tekst](@id).
AT_LINK = re.compile(r"\]\(@([a-z0-9][a-z0-9-]*)")

_FAR = dt.datetime(9999, 1, 1)


@dataclass
class Duty:
    """Something an actor must do, wherever in a routine it is written."""

    routine: Routine
    section_id: str
    section_title: str
    kind: str  # step, notice, responsibility, meeting, participant, task, rule, level, description
    text: str
    deadline: str = ""
    condition: str = ""
    procedure: str = ""
    number: int = 0


def rule_words(rule: TimeRule) -> str:
    """A time rule's value with its qualifier («normalt maks 3 måneder», «inntil 2 måneder»),
    the same words wherever the rule is shown."""
    if rule.value is None:
        return "fra " + date_words(rule.starts)
    return f"{rule.qualifier} {rule.value.words}" if rule.qualifier else rule.value.words


# --------------------------------------------------------------------------- typed references


def _markers(annotation: Any) -> tuple[str, ...]:
    """The entity kinds a type refers to (RefTo markers anywhere in it: list[Ref], Id | None)."""
    kinds: list[str] = []
    stack = [annotation]
    while stack:
        t = stack.pop()
        if typing.get_origin(t) is typing.Annotated:
            kinds += [k for m in t.__metadata__ if isinstance(m, RefTo) for k in m.kinds]
        stack.extend(typing.get_args(t))
    return tuple(dict.fromkeys(kinds))


@cache
def reference_fields(model: type[BaseModel]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(field name, entity kinds) for the fields of `model` typed as references."""
    out = []
    for name, info in model.model_fields.items():
        kinds = tuple(dict.fromkeys(
            [k for m in info.metadata if isinstance(m, RefTo) for k in m.kinds] + list(_markers(info.annotation))))
        if kinds:
            out.append((name, kinds))
    return tuple(out)


def references(value: Any) -> set[tuple[str, str]]:
    """(kind, id) for every reference in a model: its typed reference fields (a contact
    'organisation/contact' names the organisation) and the [tekst](@id) links in its text."""
    found: set[tuple[str, str]] = set()
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, BaseModel):
            for name, kinds in reference_fields(type(v)):
                refs = getattr(v, name)
                for ref in refs if isinstance(refs, list) else [refs]:
                    if isinstance(ref, str):
                        found.update((kind, ref.partition("/")[0]) for kind in kinds)
            stack.extend(getattr(v, name) for name in type(v).model_fields)
        elif isinstance(v, list | tuple):
            stack.extend(v)
        elif isinstance(v, str) and "](@" in v:
            found.update(("@", ref) for ref in AT_LINK.findall(v))
    return found


def _field_values(value: Any, path: str) -> list:
    """The values at a dotted field path through lists («steps.to» -> every step's receivers)."""
    values = [value]
    for part in path.split("."):
        nxt = []
        for v in values:
            got = getattr(v, part, None)
            nxt.extend(got if isinstance(got, list) else [got])
        values = nxt
    return [v for v in values if v is not None]


# --------------------------------------------------------------------------- the index


def time_rule_sites(ds: Dataset) -> dict[str, tuple[Routine, tuple, TimeRule]]:
    """Each time rule id -> (routine, path, rule) of its first statement. The one place that
    finds time rules: the checks (a rule stated twice, deadlines that name a rule) and every
    output (deadline words, the deadlines page) read this."""
    sites: dict[str, tuple[Routine, tuple, TimeRule]] = {}
    for routine in ds.routines.values():
        for path, block in routine.walk_blocks():
            if block.rule is not None:
                sites.setdefault(block.rule.id, (routine, path + ("rule",), block.rule))
    return sites


class Index:
    """Built once per data set; every query the outputs need, answered from plain dicts."""

    def __init__(self, ds: Dataset):
        self.ds = ds
        self.ids: dict[str, set[str]] = {kind: set(ds.by_kind(kind)) for kind in ENTITY_KINDS}
        # Time rules: the first statement of each id, with where it stands ((routine, path, rule)).
        self.rule_sites = time_rule_sites(ds)
        self.trees_by_routine: dict[str, list] = defaultdict(list)
        for t in ds.trees.values():
            self.trees_by_routine[t.routine].append(t)
        self.rules: dict[str, TimeRule] = {rid: site[2] for rid, site in self.rule_sites.items()}
        self.duties: dict[str, list[Duty]] = defaultdict(list)
        self.meetings: list[tuple] = []  # (routine, section, meeting)
        rows: list[dict] = []
        for r in ds.routines.values():
            for _, section in r.walk_sections():
                for block in section.blocks:
                    v = block.value
                    if not isinstance(v, Strict):
                        continue
                    for duty in v.duties(self):
                        actor = duty.pop("actor")
                        self.duties[actor].append(Duty(r, section.id, section.title, **duty))
                    rows += [{"routine": r, "section": section, **row} for row in v.deadline_rows(self)]
                    if block.kind == "meeting":
                        self.meetings.append((r, section, v))
            if r.review_by:
                rows.append({"routine": r, "section": None, "what": "Evaluering/revisjon av rutinen",
                             "actors": [r.owner] if r.owner else [], "words": "innen " + date_words(r.review_by),
                             "sort": dt.datetime.combine(r.review_by, dt.time()), "kind": "dato"})
        self.deadline_rows = rows
        # Law id -> the routines that give it as legal basis, each once, in data order.
        self.citing: dict[str, list[str]] = defaultdict(list)
        for r in ds.routines.values():
            for lr in r.legal_basis:
                if r.id not in self.citing[lr.law]:
                    self.citing[lr.law].append(r.id)
        self._references: dict[tuple[str, str], set[tuple[str, str]]] = {}

    # ------------------------------------------------------------------ words

    def name(self, ref: str) -> str:
        return entity_name(self.ds, ref)

    rule_words = staticmethod(rule_words)

    def deadline(self, d: Deadline | None) -> str:
        if d is None:
            return ""
        rule = self.rules.get(d.rule) if d.rule else None
        return deadline_words(d, rule.value if rule else None, rule.qualifier if rule else None)

    def sort_key(self, d: Deadline) -> dt.datetime:
        if d.within:
            return d.within.sort_key()
        if d.rule and d.rule in self.rules and self.rules[d.rule].value:
            return self.rules[d.rule].value.sort_key()
        if d.by:
            return dt.datetime.combine(d.by, dt.time())
        return {"straks": dt.datetime(2001, 1, 1), "snarest": dt.datetime(2001, 1, 1, 0, 1)}.get(d.when, _FAR)

    # ------------------------------------------------------------------ references

    def references(self, kind: str, entity_id: str) -> set[tuple[str, str]]:
        """(kind, id) of every entity the given one names that exists in the data (not itself);
        a routine also names its decision trees (they name it)."""
        key = (kind, entity_id)
        if key not in self._references:
            entity = self.ds.by_kind(kind)[entity_id]
            found = set()
            for ref_kind, ref in references(entity):
                kinds = ENTITY_KINDS if ref_kind == "@" else (ref_kind,)
                found.update((k, ref) for k in kinds if ref in self.ids.get(k, ()))
            if kind == "routines":
                found.update(("trees", t.id) for t in self.trees_by_routine.get(entity_id, []))
            found.discard(key)
            self._references[key] = found
        return self._references[key]

    @staticmethod
    def actors_in(value: Any) -> list[str]:
        """Every actor a block value holds, from its class's ACTORS declaration."""
        out: list[str] = []
        for path in type(value).ACTORS:
            out += [a for a in _field_values(value, path) if isinstance(a, str)]
        return list(dict.fromkeys(out))

    @staticmethod
    def deadlines_in(value: Any) -> list[Deadline]:
        """Every deadline a block value holds, from its class's DEADLINES declaration."""
        return [d for path in type(value).DEADLINES for d in _field_values(value, path)]

    # ------------------------------------------------------------------ queries

    def trees_of(self, routine_id: str) -> list:
        return list(self.trees_by_routine.get(routine_id, []))

    def routines_of(self, org_id: str) -> list[Routine]:
        """The routines the organisation is a party to or owns, in data order."""
        return list(self._routines_by_org.get(org_id, ()))

    @cached_property
    def _routines_by_org(self) -> dict[str, list[Routine]]:
        # Once for all organisations: asking each organisation over every routine grew with
        # organisations × routines (25 million tests at 5,000 routines).
        out: dict[str, list[Routine]] = defaultdict(list)
        for r in self.ds.routines.values():
            for org_id in dict.fromkeys([*r.parties, *([r.owner] if r.owner else [])]):
                out[org_id].append(r)
        return out

    def roles_of(self, org) -> list[Role]:
        return [x for x in self.ds.roles.values()
                if org.id in x.organisations or org.kind in x.organisation_kinds]

    def deadline_groups(self) -> tuple[dict, dict]:
        """All deadlines sorted once, grouped by routine and by actor."""
        rows = sorted(self.deadline_rows, key=lambda row: row["sort"])
        by_routine: dict[str, list] = defaultdict(list)
        by_actor: dict[str, list] = defaultdict(list)
        for row in rows:
            by_routine[row["routine"].id].append(row)
            for actor in dict.fromkeys(row["actors"]):
                by_actor[actor].append(row)
        return dict(by_routine), dict(sorted(by_actor.items()))

    def routine_duties(self, actor: str, routine_id: str) -> list[Duty]:
        return list(self._duties_by_routine.get((actor, routine_id), ()))

    @cached_property
    def _duties_by_routine(self) -> dict[tuple[str, str], list[Duty]]:
        # Grouped once: scanning an actor's duties in every routine for each PDF grew with the
        # number of routines (a role in 1,000 routines has tens of thousands).
        out: dict[tuple[str, str], list[Duty]] = defaultdict(list)
        for actor, duties in self.duties.items():
            for d in duties:
                out[actor, d.routine.id].append(d)
        return out

    def section_title(self, routine_id: str, section_id: str) -> str:
        for _, s in self.ds.routines[routine_id].walk_sections():
            if s.id == section_id:
                return s.title
        return section_id
