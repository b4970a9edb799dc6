"""Checklist coverage: which items of a routine's checklists its sections and blocks cover.

One computation that the check, the routine page, the checklist page, the PDF appendix and
`rutinebok diff` all read, so they cannot disagree about what is covered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .model import ASKS_WORDS, JOINT_ACTORS, Block, Checklist, ChecklistItem, Routine, Section

Status = Literal["dekket", "svakt", "gjelder-ikke", "ikke-dekket"]
STATUS_WORDS = {"dekket": "Dekket", "svakt": "Svakt dekket", "gjelder-ikke": "Gjelder ikke",
                "ikke-dekket": "Ikke dekket"}


@dataclass
class Cover:
    """One place in a routine that says it covers an item."""

    section: str  # id of the section (a block's own section)
    path: tuple  # YAML path to the covers entry
    part: Section | Block


@dataclass
class ItemCoverage:
    checklist: Checklist
    item: ChecklistItem
    status: Status
    covers: list[Cover] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # what the item asks for that no covering part names
    missing_items: list[str] = field(default_factory=list)  # sub-item titles not covered
    reason: str = ""  # why it does not apply

    @property
    def sections(self) -> list[str]:
        return list(dict.fromkeys(c.section for c in self.covers))

    @property
    def weak_words(self) -> str:
        parts = []
        if self.missing:
            parts.append("sier ikke " + _join([ASKS_WORDS[m] for m in self.missing]))
        if self.missing_items:
            parts.append("dekker ikke " + _join([f"«{t}»" for t in self.missing_items]))
        return "; ".join(parts)


@dataclass
class ChecklistCoverage:
    checklist: Checklist
    items: list[ItemCoverage]

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def covered(self) -> int:
        return sum(1 for i in self.items if i.status in ("dekket", "svakt"))

    @property
    def weak(self) -> int:
        return sum(1 for i in self.items if i.status == "svakt")

    @property
    def not_applicable(self) -> int:
        return sum(1 for i in self.items if i.status == "gjelder-ikke")

    @property
    def uncovered(self) -> int:
        return sum(1 for i in self.items if i.status == "ikke-dekket")

    @property
    def words(self) -> str:
        """«Dekker 3 av 5 punkter (1 svakt), 1 gjelder ikke, 1 er ikke dekket»."""
        out = f"Dekker {self.covered} av {self.total} punkter"
        if self.weak:
            out += f" ({self.weak} svakt)"
        if self.not_applicable:
            out += f", {self.not_applicable} gjelder ikke"
        if self.uncovered:
            out += f", {self.uncovered} er ikke dekket"
        return out


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " og " + items[-1]


def resolve(routine: Routine, checklists: dict[str, Checklist], ref: str
            ) -> tuple[Checklist | None, str, list[str]]:
    """(checklist, item-or-sub-item id, candidates) for a covers/not_applicable reference.

    A plain id is looked up in every checklist the routine answers to; `checklist/item` picks
    one. No checklist when the id is unknown or is in two checklists (candidates say which)."""
    mine = [checklists[c] for c in routine.checklists if c in checklists]
    if "/" in ref:
        cid, _, iid = ref.partition("/")
        c = checklists.get(cid) if cid in routine.checklists else None
        if c is not None and iid in c.all_ids():
            return c, iid, []
        return None, iid, [f"{x.id}/{i}" for x in mine for i in x.all_ids()]
    hits = [c for c in mine if ref in c.all_ids()]
    if len(hits) == 1:
        return hits[0], ref, []
    if len(hits) > 1:
        return None, ref, [f"{c.id}/{ref}" for c in hits]
    return None, ref, [i for c in mine for i in c.all_ids()]


def _procedure(v) -> set[str]:
    out = {"frist"} if v.limit is not None else set()
    for s in v.steps:
        if s.actor != "ikke-oppgitt":
            out.add("aktør")
        if s.deadline is not None:
            out.add("frist")
        if s.to:
            out.add("kontakt")
    return out


def _responsibility(v) -> set[str]:
    return {"aktør"} | ({"frist"} if v.deadline is not None else set()) | (
        {"hyppighet"} if v.frequency is not None else set())


def _phase(v) -> set[str]:
    return ({"aktør"} if v.tasks else set()) | ({"kontakt"} if any(a.contacts for a in v.alternatives) else set())


# What each block kind names, for the «weakly covered» rule; text, tables and lists name nothing.
FEATURES = {
    "procedure": _procedure,
    "responsibility": _responsibility,
    "meeting": lambda v: {"aktør", "hyppighet"},
    "rule": lambda v: {"frist"},
    "contacts": lambda v: {"kontakt"},
    "role": lambda v: {"aktør"},
    "phase": _phase,
    "levels": lambda v: {"aktør"} if any(level.coordinator for level in v.levels) else set(),
}


def features(part: Section | Block) -> set[str]:
    """What a covering part names: an actor, a deadline, a contact, a frequency."""
    blocks: list[Block] = []
    if isinstance(part, Block):
        blocks = [part]
    else:
        stack = [part]
        while stack:
            s = stack.pop()
            blocks.extend(s.blocks)
            stack.extend(s.sections)
    out: set[str] = set()
    for b in blocks:
        fn = FEATURES.get(b.kind)
        if fn is not None:
            out |= fn(b.value)
    return out


def covers_in(routine: Routine):
    """Yield (section id, path to the covers entry, part, reference) for every covers entry."""
    for path, section in routine.walk_sections():
        for i, ref in enumerate(section.covers):
            yield section.id, path + ("covers", i), section, ref
        for j, block in enumerate(section.blocks):
            for i, ref in enumerate(block.covers):
                yield section.id, path + ("blocks", j, "covers", i), block, ref


def routine_coverage(routine: Routine, checklists: dict[str, Checklist]) -> list[ChecklistCoverage]:
    """Coverage of every checklist the routine answers to (unknown checklists are left out)."""
    found: dict[tuple[str, str], list[Cover]] = {}
    for section_id, path, part, ref in covers_in(routine):
        c, iid, _ = resolve(routine, checklists, ref)
        if c is not None:
            found.setdefault((c.id, iid), []).append(Cover(section_id, path, part))
    reasons: dict[tuple[str, str], str] = {}
    for ref, reason in routine.not_applicable.items():
        c, iid, _ = resolve(routine, checklists, ref)
        if c is not None:
            reasons[(c.id, iid)] = reason
    out = []
    for cid in dict.fromkeys(routine.checklists):
        c = checklists.get(cid)
        if c is None:
            continue
        items = []
        for item in c.items:
            direct = found.get((c.id, item.id), [])
            subs = {sub.id: found.get((c.id, sub.id), []) for sub in item.items}
            covers = direct + [x for s in subs.values() for x in s]
            if not covers:
                if (c.id, item.id) in reasons:
                    items.append(ItemCoverage(c, item, "gjelder-ikke", reason=reasons[(c.id, item.id)]))
                else:
                    items.append(ItemCoverage(c, item, "ikke-dekket"))
                continue
            have: set[str] = set()
            for cover in covers:
                have |= features(cover.part)
            missing = [a for a in item.asks_for if a not in have]
            missing_items = [] if direct else [
                sub.title for sub in item.items if not subs[sub.id] and (c.id, sub.id) not in reasons]
            status: Status = "svakt" if missing or missing_items else "dekket"
            items.append(ItemCoverage(c, item, status, covers, missing, missing_items))
        out.append(ChecklistCoverage(c, items))
    return out


def coverage_by_routine(routines, checklists: dict[str, Checklist]) -> dict[str, list[ChecklistCoverage]]:
    return {r.id: routine_coverage(r, checklists) for r in routines if r.checklists}


def joint_actor_words(actor: str) -> str | None:
    return JOINT_ACTORS.get(actor)


def status_text(ic) -> str:
    """An item's coverage status in words, without clause numbers (for a table with a column of
    its own for them): the same words on the site and in print."""
    if ic.status == "svakt":
        return f"{STATUS_WORDS['svakt']} ({ic.weak_words})"
    if ic.status == "gjelder-ikke":
        return f"{STATUS_WORDS['gjelder-ikke']}: {ic.reason}"
    return STATUS_WORDS[ic.status]
