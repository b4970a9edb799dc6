"""Which municipalities each organisation, routine and guide serves, read only from the data.

An area is a municipality: an organisation of kind «kommune». What serves it is what the data
says: the municipality itself, its units (part_of), services whose `serves` names it, and
routines and guides whose parties serve it. National services serve every area. Everything
else is unknown and is never guessed: area pages list it under its own heading.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Organisation, Routine

NATIONAL = "nasjonal"
UNKNOWN = "ukjent"


@dataclass
class Area:
    org: Organisation
    organisations: list[Organisation] = field(default_factory=list)
    routines: list[Routine] = field(default_factory=list)
    trees: list = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.org.id


class Areas:
    def __init__(self, ds, names):
        self.ds = ds
        self.names = names
        self._org_cache: dict[str, frozenset[str] | str] = {}
        self.ids = sorted((o.id for o in ds.organisations.values() if o.kind == "kommune" and not self.gone(o.id)),
                          key=lambda i: ds.organisations[i].name.lower())

    def gone(self, org_id: str) -> bool:
        return self.names.ended(org_id) is not None

    def current(self, municipality_id: str) -> str:
        """A merged municipality's area is now its successor's (Rygge is part of Moss since 2020)."""
        successor = self.names.successor(municipality_id) if self.gone(municipality_id) else None
        return successor.id if successor is not None else municipality_id

    def of_org(self, org_id: str, _seen: frozenset[str] = frozenset()) -> frozenset[str] | str:
        """The municipalities an organisation serves, NATIONAL, or UNKNOWN."""
        if org_id in self._org_cache:
            return self._org_cache[org_id]
        org = self.ds.organisations.get(org_id)
        result: frozenset[str] | str = UNKNOWN
        if org is None or org_id in _seen:
            result = UNKNOWN
        elif org.kind == "kommune":
            result = frozenset({self.current(org.id)})
        elif org.serves:
            result = frozenset(self.current(m) for m in org.serves)
        elif org.kind == "nasjonal-tjeneste":
            result = NATIONAL
        elif org.part_of:
            result = self.of_org(org.part_of, _seen | {org_id})
        self._org_cache[org_id] = result
        return result

    def of_routine(self, routine: Routine) -> frozenset[str] | str:
        """Where a routine applies: where every kind of party in it is present. Parties of one
        kind add up (the NAV offices of four municipalities), kinds narrow it down (a crisis
        centre for four municipalities with NAV A only applies in A). National parties do not
        narrow it; a party whose area is unknown is left out rather than guessed."""
        by_kind: dict[str, set[str]] = {}
        national = False
        for ref in dict.fromkeys([routine.owner, *routine.parties]):
            if not ref or ref not in self.ds.organisations:
                continue
            a = self.of_org(ref)
            if a == NATIONAL:
                national = True
            elif a != UNKNOWN:
                by_kind.setdefault(self.ds.organisations[ref].kind, set()).update(a)
        if by_kind:
            # Parties that share no municipality: it concerns all of theirs, never none.
            return frozenset(set.intersection(*by_kind.values()) or set.union(*by_kind.values()))
        return NATIONAL if national else UNKNOWN

    def of_tree(self, tree) -> frozenset[str] | str:
        """A guide applies where the routine it is drawn from applies."""
        routine = self.ds.routines.get(tree.routine)
        if routine is None:
            return UNKNOWN
        cache = getattr(self, "_routine_cache", {})
        return cache[routine.id] if routine.id in cache else self.of_routine(routine)

    def area(self, area_id: str) -> Area:
        if not hasattr(self, "_by_area"):
            self._index()
        out = Area(self.ds.organisations[area_id])
        found = self._by_area.get(area_id, {})
        out.organisations = sorted(found.get("organisations", []), key=lambda o: o.name.lower())
        out.routines = sorted(found.get("routines", []), key=lambda r: r.title.lower())
        out.trees = sorted(found.get("trees", []), key=lambda t: t.title.lower())
        return out

    def _index(self) -> None:
        """Each item's area once, then grouped by municipality: one pass, however many areas."""
        self._by_area: dict[str, dict[str, list]] = {}

        def put(kind, item, a):
            if a != NATIONAL and a != UNKNOWN:
                for m in a:
                    self._by_area.setdefault(m, {}).setdefault(kind, []).append(item)

        for o in self.ds.organisations.values():
            if not self.gone(o.id):
                put("organisations", o, self.of_org(o.id))
        self._routine_cache = {r.id: self.of_routine(r) for r in self.ds.routines.values()}
        for r in self.ds.routines.values():
            put("routines", r, self._routine_cache[r.id])
        for t in self.ds.trees.values():
            put("trees", t, self.of_tree(t))

    def everywhere(self, which: str) -> dict[str, list]:
        """Items that show on every area page: NATIONAL ones, or UNKNOWN ones."""
        ds = self.ds
        return {
            "organisations": sorted((o for o in ds.organisations.values()
                                     if not self.gone(o.id) and o.kind != "kommune" and self.of_org(o.id) == which),
                                    key=lambda o: o.name.lower()),
            "routines": sorted((r for r in ds.routines.values() if self.of_routine(r) == which),
                               key=lambda r: r.title.lower()),
            "trees": sorted((t for t in ds.trees.values() if self.of_tree(t) == which),
                            key=lambda t: t.title.lower()),
        }
