"""What every check reads and the few helpers they share (references, uniqueness, sources).

The severity of a finding is the registered rule's (registry.py); a check names the code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from .. import kinds
from ..findings import Finding, did_you_mean
from ..index import time_rule_sites
from ..load import Dataset, SourceFile
from ..model import Deadline, Duration, Routine
from .registry import RULES

_UNIQUE_HINT = "id-er må være unike"


class Context:
    def __init__(self, ds: Dataset, today: dt.date):
        self.ds = ds
        self.today = today
        self.out: list[Finding] = []
        self.orgs = ds.organisations
        self.roles = ds.roles
        self.actors = {**ds.organisations, **ds.roles}
        self.ids = ds.ids()
        self.source_ids = {s.id for s in ds.sources.sources} if ds.sources else set()
        self._party_kinds: dict[str, set[str]] = {}
        self.rules: dict[str, tuple] = time_rule_sites(ds)  # id -> (routine, path, rule) of first statement

    # ------------------------------------------------------------------ reporting

    def add(self, src: SourceFile, code: str, path: tuple, message: str, hint: str = "") -> None:
        self.out.append(src.finding(code, RULES[code].severity, path, message, hint))

    def add_file(self, code: str, message: str, file: str, hint: str = "") -> None:
        """A finding about a file as a whole (no position inside it)."""
        self.out.append(Finding(code, RULES[code].severity, message, file, hint=hint))

    # ------------------------------------------------------------------ shared helpers

    def ref(self, src: SourceFile, path: tuple, value: str, pool: dict, what: str) -> bool:
        """Check that `value` names something in `pool`; RB010 with suggestions if not."""
        if value in pool:
            return True
        if value in self.ids:
            self.add(src, "RB029", path, f"«{value}» finnes, men er en annen slags ting "
                     f"({kinds.noun(self.ids[value])}), ikke {what}")
            return False
        self.add(src, "RB010", path, f"ukjent {what} «{value}»",
                 did_you_mean(value, pool) or f"ingen {what} med den id-en finnes")
        return False

    def actor(self, src: SourceFile, path: tuple, value: str) -> bool:
        if "/" in value:
            return self.contact(src, path, value)
        return self.ref(src, path, value, self.actors, "rolle eller organisasjon")

    def contact(self, src: SourceFile, path: tuple, value: str) -> bool:
        org_id, _, contact_id = value.partition("/")
        if not self.ref(src, path, org_id, self.orgs, "organisasjon"):
            return False
        ids = [c.id for c in self.orgs[org_id].contacts]
        if contact_id and contact_id not in ids:
            self.add(src, "RB010", path, f"{org_id} har ikke kontaktpunktet «{contact_id}»",
                     did_you_mean(contact_id, ids) or ("kontaktpunkter: " + ", ".join(ids) if ids else
                                                       f"{org_id} har ingen kontaktpunkter"))
            return False
        return True

    def source(self, src: SourceFile, path: tuple, source_ref) -> None:
        if source_ref is not None and self.ds.sources is not None:
            self.ref(src, path + ("document",), source_ref.document,
                     dict.fromkeys(self.source_ids), "kilde")

    def unique(self, src: SourceFile, items: Iterable[tuple[tuple, str]], what: str,
               hint: str = _UNIQUE_HINT) -> None:
        """RB011 for a repeated key, saying where the first one is."""
        seen: dict[str, tuple] = {}
        for path, key in items:
            if key in seen:
                line, _ = src.position(seen[key])
                self.add(src, "RB011", path, f"{what} «{key}» finnes to ganger (først på {src.rel}:{line})",
                         hint)
            else:
                seen[key] = path

    def deadline_duration(self, d: Deadline | None) -> Duration | None:
        if d is None:
            return None
        if d.within:
            return d.within
        if d.rule and d.rule in self.rules:
            return self.rules[d.rule][2].value
        return None

    def deadline(self, src: SourceFile, path: tuple, d: Deadline | None) -> None:
        if d is not None and d.rule:
            self.ref(src, path + ("rule",), d.rule, self.rules, "tidsregel")

    def section_ids(self, routine_id: str) -> list[str]:
        return [s.id for _, s in self.ds.routines[routine_id].walk_sections()]

    def section_ref(self, src: SourceFile, path: tuple, routine_id: str, section: str | None) -> None:
        if section is None or routine_id not in self.ds.routines:
            return
        ids = self.section_ids(routine_id)
        if section not in ids:
            self.add(src, "RB010", path, f"rutinen {routine_id} har ingen seksjon «{section}»",
                     did_you_mean(section, ids) or "seksjoner: " + ", ".join(ids))

    def party_actor(self, src: SourceFile, path: tuple, value: str, r: Routine) -> None:
        """RB018: an actor must belong to a party, or be declared external, or be the user."""
        if not self.actor(src, path, value) or not r.parties or "/" in value:
            return
        if value in r.external_actors:
            return
        if value in self.orgs:
            if value not in r.parties:
                self.add(src, "RB018", path, f"{value} har en oppgave, men er ikke part i rutinen",
                         "legg den til i parties eller external_actors")
            return
        role = self.roles[value]
        if role.kind == "bruker" or (not role.organisations and not role.organisation_kinds):
            return
        party_kinds = self._party_kinds.get(r.id)
        if party_kinds is None:
            party_kinds = self._party_kinds[r.id] = {self.orgs[p].kind for p in r.parties if p in self.orgs}
        if set(role.organisations) & set(r.parties) or party_kinds & set(role.organisation_kinds):
            return
        self.add(src, "RB018", path, f"rollen «{role.name}» finnes ikke hos noen av partene",
                 "legg rollen til i external_actors, eller knytt den til en part")
