"""Pages that gather from every routine (roles, deadlines, calendar) kept readable on a national site.

Today's full form shows every duty, deadline or date on one page. That is right for a small
site and useless at scale: a thousand routines made a 9 MB deadlines page and role pages of
1-3 MB, which no phone can open. Past a threshold measured in rows a reader would have to
scroll, a page switches to a compact form that grows by one short line per routine or per area,
and the rows move to one page per area (omrade/<area>/frister.md, .../kalender.md), which is
itself one line per routine when the area is past the same threshold. Every duty and deadline
stays on its routine page, which is also what the search indexes. The seed site is far below
every threshold and keeps its full pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from .areas import NATIONAL, UNKNOWN, Areas
from .model import Role, Routine

if TYPE_CHECKING:
    from .render import SiteRenderer

# Rows of the full form, each 2-4 lines on a 360 px phone. The seed site's busiest role has
# 27 duties and its deadlines page 17 rows; 100 duty rows or 200 deadline rows (each shown
# twice, by routine and by role) is already several minutes of scrolling, so past these a
# page lists one line per routine or area instead. Kept well above the seed so the seed
# site keeps its full pages.
ROLE_FULL_MAX_DUTIES = 100
DEADLINES_FULL_MAX_ROWS = 200
# Meetings plus dates (about three per routine): past this the calendar lists areas.
CALENDAR_FULL_MAX_ROWS = 100

# Page keys of the two groups that are not a municipality.
NATIONAL_KEY = "hele-landet"
UNKNOWN_KEY = "uten-kommune"


@dataclass
class AreaGroup:
    """The routines of one area, for the per-area deadlines and calendar pages."""

    key: str  # omrade/<key>/frister.md
    title: str  # «Moss», «Hele landet»
    area_id: str | None  # the municipality, for a link to its area page
    routines: list[Routine] = field(default_factory=list)


@dataclass
class RoutineLine:
    """One routine on a compact role page."""

    routine: Routine
    section_id: str  # where the role's first duty is
    duties: int
    shortest: str  # the shortest deadline's words, "" when none of the duties has one
    municipalities: int = 0  # how many, when the routine is for more than one


class Aggregates:
    def __init__(self, rr: SiteRenderer):
        self.rr = rr
        self.ds = rr.ds
        self.areas = Areas(rr.ds, rr.names)

    # ------------------------------------------------------------------ areas

    @cached_property
    def routine_area(self) -> dict[str, frozenset[str] | str]:
        return {r.id: self.areas.of_routine(r) for r in self.ds.routines.values()}

    def _fixed_key(self, wanted: str) -> str:
        key = wanted
        while key in self.ds.organisations:  # a municipality could in principle have this id
            key = "x-" + key
        return key

    @cached_property
    def national_key(self) -> str:
        return self._fixed_key(NATIONAL_KEY)

    @cached_property
    def unknown_key(self) -> str:
        return self._fixed_key(UNKNOWN_KEY)

    def area_words(self, area: frozenset[str] | str) -> str:
        if area == NATIONAL:
            return "Hele landet"
        if area == UNKNOWN:
            return "Kommune ikke oppgitt"
        names = sorted(self.rr.name(m) for m in area)
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " og " + names[-1]

    @cached_property
    def area_groups(self) -> list[AreaGroup]:
        """Hele landet, each municipality with routines, then what no source places. A routine
        for several municipalities is on the page of each: a reader looks up where she lives."""
        national = AreaGroup(self.national_key, "Hele landet", None)
        unknown = AreaGroup(self.unknown_key, "Kommune ikke oppgitt", None)
        by_id: dict[str, AreaGroup] = {}
        for r in sorted(self.ds.routines.values(), key=lambda x: x.title.lower()):
            a = self.routine_area[r.id]
            if a == NATIONAL:
                national.routines.append(r)
            elif a == UNKNOWN:
                unknown.routines.append(r)
            else:
                for m in a:
                    if m not in by_id:
                        by_id[m] = AreaGroup(m, self.rr.name(m), m)
                    by_id[m].routines.append(r)
        groups = sorted(by_id.values(), key=lambda g: g.title.lower())
        return [g for g in (national, *groups, unknown) if g.routines]

    def group_of(self, area_id: str) -> AreaGroup | None:
        """The municipality's per-area pages, when it has routines."""
        return next((g for g in self.area_groups if g.area_id == area_id), None)

    def area_page_exists(self, area_id: str | None) -> bool:
        return area_id is not None and area_id in self.areas.ids

    # ------------------------------------------------------------------ roles

    def role_compact(self, role: Role) -> bool:
        return self.rr.duty_count(role) > ROLE_FULL_MAX_DUTIES

    def role_actor_ids(self, role: Role) -> set[str]:
        """The role, the roles it is part of, and the organisations it works in: whose duties
        reach it (the same sources as SiteRenderer.role_duty_groups)."""
        out = {role.id}
        parent = self.ds.roles.get(role.part_of) if role.part_of else None
        while parent is not None and parent.id not in out:
            out.add(parent.id)
            parent = self.ds.roles.get(parent.part_of) if parent.part_of else None
        for org in self.ds.organisations.values():
            if org.id in role.organisations or (org.kind in role.organisation_kinds and role.kind == "rolle"):
                out.add(org.id)
        return out

    @cached_property
    def _shortest(self) -> dict[tuple[str, str], tuple]:
        """(routine id, actor) -> ((time, position), row) of the shortest deadline, in one pass."""
        out: dict[tuple[str, str], tuple] = {}
        for i, row in enumerate(self.rr.index.deadline_rows):
            if row["section"] is None:
                continue  # the routine's own review date is not a duty
            for actor in row["actors"]:
                key = (row["routine"].id, actor)
                # Equal times (48 timer, 2 døgn): the first in the data wins, as on frister.md.
                if key not in out or (row["sort"], i) < out[key][0]:
                    out[key] = ((row["sort"], i), row)
        return out

    def role_lines(self, role: Role) -> list[tuple[str, list[RoutineLine]]]:
        """One line per routine the role has duties in, grouped by the routine's municipality.

        Routines for several municipalities get one group of their own (their line says how
        many), not a heading naming every municipality and not a line under each of them: the
        page grows by one line per routine and one heading per municipality, no more."""
        actors = self.role_actor_ids(role)
        grouped: dict[tuple[int, str], list[RoutineLine]] = {}
        for rid, groups in self.rr.role_duty_groups(role).items():
            routine = self.ds.routines[rid]
            duties = [d for _, ds in groups for d in ds]
            rows = [found for a in actors if (found := self._shortest.get((rid, a)))]
            shortest = min(rows, key=lambda found: found[0])[1]["words"] if rows else ""
            area = self.routine_area[rid]
            line = RoutineLine(routine, duties[0].section_id, len(duties), shortest,
                               len(area) if isinstance(area, frozenset) and len(area) > 1 else 0)
            if area == NATIONAL:
                key = (0, "Hele landet")
            elif area == UNKNOWN:
                key = (3, "Kommune ikke oppgitt")
            elif len(area) > 1:
                key = (2, "Flere kommuner")
            else:
                key = (1, self.area_words(area))
            grouped.setdefault(key, []).append(line)
        return [(key[1], sorted(lines, key=lambda x: x.routine.title.lower()))
                for key, lines in sorted(grouped.items(), key=lambda kv: (kv[0][0], kv[0][1].lower()))]

    # ------------------------------------------------------------------ deadlines and calendar

    @cached_property
    def deadlines_compact(self) -> bool:
        return len(self.rr.index.deadline_rows) > DEADLINES_FULL_MAX_ROWS

    @cached_property
    def calendar_compact(self) -> bool:
        return len(self.rr.meetings()) + len(self.events) > CALENDAR_FULL_MAX_ROWS

    @cached_property
    def deadline_groups(self) -> tuple[dict, dict]:
        return self.rr.deadline_groups()  # sorted once for every page

    @cached_property
    def events(self) -> list[dict]:
        return self.rr.calendar_events()

    @property
    def deadline_rows_count(self) -> int:
        return len(self.rr.index.deadline_rows)

    def deadline_count(self, routines: list[Routine]) -> int:
        by_routine = self.deadline_groups[0]
        return sum(len(by_routine.get(r.id, [])) for r in routines)

    def area_deadlines_compact(self, group: AreaGroup) -> bool:
        """An area with many routines (the generated corpus puts 40 in one) gets the same one
        line per routine as a busy role."""
        return self.deadline_count(group.routines) > DEADLINES_FULL_MAX_ROWS

    def area_calendar_compact(self, group: AreaGroup) -> bool:
        return len(self.meetings_of(group.routines)) + len(self.events_of(group.routines)) > CALENDAR_FULL_MAX_ROWS

    def calendar_lines(self, group: AreaGroup) -> list[tuple[Routine, list, dict | None]]:
        """(routine, its meetings, its next date or None) for each routine of the area."""
        out = []
        for x in group.routines:
            events = sorted(self._events_by_routine.get(x.id, []), key=lambda e: e["date"])
            upcoming = next((e for e in events if e["date"] >= self.rr.opt.today), None)
            out.append((x, [m for _, _, m in self._meetings_by_routine.get(x.id, [])], upcoming))
        return out

    def routine_deadlines(self, routines: list[Routine]) -> list[tuple[str, list]]:
        by_routine = self.deadline_groups[0]
        return [(r.id, by_routine[r.id]) for r in routines if r.id in by_routine]

    def actor_deadline_counts(self) -> list[tuple[str, int]]:
        """Roles only: there are a few dozen; organisations (one per office) are found by area."""
        return [(actor, len(rows)) for actor, rows in self.deadline_groups[1].items() if actor in self.ds.roles]

    @cached_property
    def _meetings_by_routine(self) -> dict[str, list[tuple]]:
        out: dict[str, list[tuple]] = {}
        for m in self.rr.meetings():
            out.setdefault(m[0].id, []).append(m)
        return out

    @cached_property
    def _events_by_routine(self) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for e in self.events:
            out.setdefault(e["routine"].id, []).append(e)
        return out

    def meetings_of(self, routines: list[Routine]) -> list[tuple]:
        by = self._meetings_by_routine
        return [m for r in routines for m in by.get(r.id, [])]

    def events_of(self, routines: list[Routine]) -> list[dict]:
        """In date order, as on the national calendar."""
        by = self._events_by_routine
        return sorted((e for r in routines for e in by.get(r.id, [])), key=lambda e: e["date"])

    def pages(self) -> dict[str, str]:
        """The per-area deadlines and calendar pages, made only when the national page is compact."""
        return {path: make() for path, (_, make) in self.page_makers().items()}

    def page_makers(self) -> dict[str, tuple[frozenset, Callable[[], str]]]:
        """Each per-area page: the entities it shows (its routines, and every organisation, for
        the names of actors and places; see rutinebok.incremental) and how to make it."""
        from .incremental import Shows

        out: dict[str, tuple[frozenset, Callable[[], str]]] = {}
        rr = self.rr
        # The organisations name the actors in the rows and the places in the headings.
        orgs = frozenset(("organisations", i) for i in rr.ds.organisations)
        for g in self.area_groups:
            deps = Shows(orgs, frozenset(("routines", r.id) for r in g.routines))
            if self.deadlines_compact:
                out[f"omrade/{g.key}/frister.md"] = (deps, lambda g=g: rr.render(
                    "area_deadlines.md.j2", base="../../", group=g))
            if self.calendar_compact:
                out[f"omrade/{g.key}/kalender.md"] = (deps, lambda g=g: rr.render(
                    "area_calendar.md.j2", base="../../", group=g))
        return out
