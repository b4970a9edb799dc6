"""Rendering: the data set -> Markdown pages for the site, and the calendar feed.

Runs without MkDocs: `render_site()` returns {path: text}. The MkDocs hook only adds
these as generated files. Text from data/ goes through `md_safe` so it cannot carry HTML,
attributes or script links into the page.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

from jinja2 import BytecodeCache, Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from . import __version__
from .escape import (
    CONTROL_CHARS,
    finalize_markdown,
    html_text,
    ics_text,
    md_inline,
    md_source,
    md_text,
    md_url,
    pre_escaped,
)
from .findings import Finding
from .index import Duty, Index, rule_words
from .load import Dataset
from .model import KIND_WORDS, Deadline, Organisation, Role, Routine
from .names import Names, law_url, legal_words
from .notices import Banner, banners
from .outline import tree_outline
from .words import date_words, short_date

__all__ = ["Banner", "Duty", "SiteOptions", "SiteRenderer", "calendar_ics", "render_site"]

TEMPLATES = Path(__file__).parent / "templates"

# Folder on the site for each kind of entity.
# Help-seeker paths: (page, template, routine the facts come from).
HELP_PATHS = [("hjelp/bor-pa-krisesenteret.md", "helpseeker_crisis_centre.md.j2", "moss-krisesenter-nav")]

FOLDERS = {"routines": "rutiner", "organisations": "organisasjoner", "roles": "roller", "trees": "veivisere",
           "checklists": "sjekklister"}



def md_safe(text: str | None, resolve=None, image_base: str | None = None) -> Markup:
    """Data Markdown made inert before Markdown runs (see escape.md_source)."""
    return md_source(text, resolve, image_base)


def plain(text: str | None) -> Markup:
    """Data Markdown on one line, for headings, table cells and list items."""
    return md_inline(text)


def yaml_text(text: str | None) -> Markup:
    """A one-line plain-text value for YAML front matter (JSON strings are YAML).

    The theme prints title and description into HTML (text and attributes) without
    escaping them, so the value is HTML-escaped here, once (tests/test_inert.py reads it back).
    """
    line = " ".join(CONTROL_CHARS.sub(" ", text or "").split())
    return pre_escaped(json.dumps(str(html_text(line)), ensure_ascii=False))


def search_terms(terms: list[str] | None) -> Markup:
    """A hidden marker carrying a section's or entry's search words to the search index step
    (rutinebok.search_index). The words are escaped for an HTML attribute; nothing is shown."""
    if not terms:
        return Markup("")
    value = "; ".join(" ".join(str(t).split()) for t in terms)
    return Markup('<span hidden data-rb-search-terms="{}"></span>').format(value)


def search_terms_front(terms: list[str] | None) -> str:
    """The page's search words as a front-matter value (one string, words split by «;»)."""
    return yaml_text("; ".join(" ".join(str(t).split()) for t in terms or []))


@dataclass
class SiteOptions:
    edit_base: str = ""  # e.g. https://github.com/ORG/REPO/edit/main/
    today: dt.date = field(default_factory=dt.date.today)
    site_name: str = "Rutinebok"


class _CompiledTemplates(BytecodeCache):
    """The compiled templates, kept for the process: `make serve` makes a new renderer (and
    Jinja environment) for every rebuild, and compiling the site's templates again each time cost
    about 0.4 s. Jinja checks each template's source checksum, so an edited template is compiled
    again."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if (code := self._code.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _CompiledTemplates()


class SiteRenderer:
    """The site's Jinja set-up and page list. Names come from `Names`, queries from the shared
    `Index`; what is left here is how the site shows them (Markdown links, banners, pages)."""

    def __init__(self, ds: Dataset, findings: list[Finding], options: SiteOptions, index: Index | None = None):
        self.ds = ds
        self.findings = findings
        self.opt = options
        self.index = index if index is not None else Index(ds)
        self.names = Names(ds, options.today)
        self.rules = self.index.rules
        self.duties = self.index.duties
        self.pdf = False  # the site engine (rutinebok.site) sets these when it builds PDFs and finds signed copies
        self.signed: dict[str, list[dict]] = {}
        self.env = Environment(
            loader=FileSystemLoader([TEMPLATES / "site", TEMPLATES]),  # blocks/<kind>.md.j2 from TEMPLATES
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            # Output is Markdown: whatever a template prints is escaped as plain Markdown text
            # (finalize) unless it is Markup from the escape module; there is no `safe` filter.
            autoescape=True,
            finalize=finalize_markdown,
            bytecode_cache=_COMPILED,
        )
        self.env.filters.pop("safe", None)
        self.env.filters.update(md=self.md, plain=plain, date=self.date, short_date=short_date,
                                yaml_text=yaml_text, search_terms=search_terms,
                                search_terms_front=search_terms_front, slug=anchor_slug, url=md_url,
                                heading=lambda level: pre_escaped("#" * int(level)))
        self.env.globals.update(
            r=self, kind_words=KIND_WORDS, version=__version__, today=options.today,
        )

    # ------------------------------------------------------------------ helpers for templates

    def md(self, text: str | None, base: str = "../") -> Markup:
        """Data Markdown made inert, with @id links resolved to site paths."""
        return md_source(text, lambda ref: self.href(ref, base), image_base=str(base))

    @staticmethod
    def date(value: dt.date | None) -> str:
        return date_words(value) if value else "ikke oppgitt"

    def name(self, ref: str) -> str:
        return self.names.name(ref)

    def href(self, ref: str, base: str = "../") -> str:
        ref = ref.partition("/")[0]
        for kind, folder in FOLDERS.items():
            if ref in self.ds.by_kind(kind):
                return f"{base}{folder}/{ref}.md"
        return f"{base}lover.md#{ref}" if ref in self.ds.laws else ""

    def link(self, ref: str, base: str = "../") -> Markup:
        # The data does not change during a build, and the same names are linked on many pages
        # (about 100,000 links, 3,000 different ones, at 1,000 routines).
        cache = self.__dict__.setdefault("_links", {})
        key = (ref, str(base))
        if key not in cache:
            cache[key] = self._link(ref, base)
        return cache[key]

    def _link(self, ref: str, base: str) -> Markup:
        target = self.href(ref, base)
        label = md_text(self.name(ref))
        out = pre_escaped(f"[{label}]({md_url(target)})") if target else label
        successor = self.successor(ref)
        if successor is not None:
            # An organisation that merged or was renamed is never shown as if it still existed.
            out = pre_escaped(f"{out} (nå {self.link(successor.id, base)})")
        return out

    # ------------------------------------------------------------------ checklists and sources

    def coverage(self, routine: Routine) -> list:
        """The routine's coverage of each checklist it answers to (rutinebok.coverage)."""
        from .coverage import routine_coverage

        cache = self.__dict__.setdefault("_coverage", {})
        if routine.id not in cache:
            cache[routine.id] = routine_coverage(routine, self.ds.by_kind("checklists"))
        return cache[routine.id]

    def checklist_rows(self, checklist) -> list[tuple]:
        """(routine, its coverage of this checklist) for every routine that answers to it."""
        rows = []
        for routine in sorted(self.ds.routines.values(), key=lambda x: x.title):
            for cov in self.coverage(routine):
                if cov.checklist.id == checklist.id:
                    rows.append((routine, cov))
        return rows

    def cover_words(self, routine: Routine, ic) -> str:
        """«Dekket i 3 og 4.1», «Svakt dekket i 4 (sier ikke hvem som gjør det)», «Gjelder ikke: …»."""
        from .coverage import STATUS_WORDS as COVER_WORDS

        numbers = routine.clause_numbers()
        where = [numbers.get(s, s) for s in ic.sections]
        text = COVER_WORDS[ic.status]
        if where:
            text += " i " + _join_words(where)
        if ic.status == "svakt":
            text += f" ({ic.weak_words})"
        if ic.status == "gjelder-ikke":
            text += ": " + ic.reason
        return text

    @staticmethod
    def cover_status(ic) -> str:
        """The status without the clause numbers, for a table that has its own column for them."""
        from .coverage import status_text

        return status_text(ic)

    def named_source(self, routine: Routine, source_id: str | None):
        """The SourceRef a section or block names through the routine's sources list."""
        return next((s for s in routine.sources if s.id == source_id), None) if source_id else None

    def section_notes(self, routine: Routine, part, base: str = "../") -> Markup:
        """«Kilde: … · Lovgrunnlag: …» under a section heading or after a block that names its own."""
        bits = []
        ref = self.named_source(routine, part.source)
        if ref is not None:
            where = f", {plain(ref.where)}" if ref.where else ""
            bits.append(f"Kilde: {self.source_link(ref)}{where}")
        for lr in getattr(part, "legal_basis", []):
            label = plain(self.legal_words(lr))
            url = self.law_url(lr)
            bits.append("Lovgrunnlag: " + (f"[{label}]({md_url(url)})" if url else str(label)))
        if not bits:
            return pre_escaped("")
        return pre_escaped("*" + " · ".join(bits) + "*{ .rb-part-source }")

    def source_date(self, ref) -> str:
        src = next((s for s in self.ds.sources.sources if s.id == ref.document), None) if ref else None
        return date_words(src.date) if src is not None and src.date else ""

    @staticmethod
    def kinds_words(kinds: list[str]) -> str:
        return _join_words([KIND_WORDS[k] for k in kinds])

    @staticmethod
    def asks_words(asks: list[str]) -> str:
        from .model import ASKS_WORDS

        return _join_words([ASKS_WORDS[a] for a in asks])

    def law_url(self, lr) -> str:
        return law_url(self.ds, lr)

    def legal_words(self, lr) -> str:
        return legal_words(self.ds, lr)

    # ------------------------------------------------------------------ organisations that ended

    def ended(self, ref: str) -> Organisation | None:
        return self.names.ended(ref)

    def successor(self, ref: str) -> Organisation | None:
        return self.names.successor(ref)

    def ended_words(self, org: Organisation, base: str = "../", links: bool = True) -> Markup | str:
        """«NAV Rygge ble slått sammen med NAV Moss 1. januar 2020.»: Markdown with a link to the
        successor, or plain text when not `links` (for banners, which escape it themselves)."""
        if not links:
            return self.names.ended_text(org)
        before, successor, after = self.names.ended_parts(org)
        if successor is None:
            return md_text(before)
        # md_text trims the pieces: put back the spaces around the link.
        after_md = (" " if after.startswith(" ") else "") + str(md_text(after))
        return pre_escaped(f"{md_text(before)} {self.link(successor.id, base)}{after_md}")

    def contact_rows(self, refs: list[str]) -> list[tuple]:
        return self.names.contact_rows(refs)

    def name_now(self, ref: str) -> str:
        return self.names.name_now(ref)

    def name_list(self, refs: list[str]) -> str:
        return ", ".join(self.name(x) for x in refs)

    def links(self, refs: list[str], base: str = "../") -> Markup:
        return Markup(", ").join(self.link(x, base) for x in refs)

    rule_words = staticmethod(rule_words)

    def status_words(self, r: Routine) -> str:
        return self.names.status_words(r)

    def historical(self, r: Routine) -> bool:
        return self.names.historical(r)

    ORG_KIND_PLURAL: ClassVar[dict[str, str]] = {"krisesenter": "krisesentre", "nav-kontor": "NAV-kontorer", "kommune": "kommuner",
                       "kommunal-enhet": "kommunale enheter", "politi": "politidistrikter", "stiftelse": "stiftelser",
                       "statlig": "statlige etater", "forum": "fora", "fylkeskommune": "fylkeskommuner",
                       "nasjonal-tjeneste": "nasjonale tjenester", "annet": "andre organisasjoner"}

    def org_kind_words(self, kinds: list[str]) -> str:
        names = [self.ORG_KIND_PLURAL.get(k, k) for k in kinds]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " og " + names[-1]

    def ended_ids(self) -> list[str]:
        return [o.id for o in self.ds.organisations.values() if self.ended(o.id)]

    def source_title(self, ref) -> str:
        if ref is None or self.ds.sources is None:
            return ""
        return next((s.title for s in self.ds.sources.sources if s.id == ref.document), "")

    def source_link(self, ref) -> Markup:
        """A cited source as a Markdown link (its web address) or its title."""
        src = next((s for s in self.ds.sources.sources if s.id == ref.document), None) if ref else None
        if src is None:
            return pre_escaped("")
        if src.url and src.url.startswith("https://"):
            return pre_escaped(f"[{plain(src.title)}]({md_url(src.url)})")
        return plain(src.title)

    def caution_markdown(self, caution, base: str = "../") -> Markup:
        """A block's caution for the site: the reader's text, then the rule it points to."""
        out = str(self.md(caution.text, base))
        law = self.ds.laws.get(caution.law) if caution.law else None
        if law is not None:
            label = plain(f"{law.title}{' ' + caution.paragraph if caution.paragraph else ''}")
            url = law.lovdata_url
            out += "\n\n" + (f"Les [{label}]({md_url(url)}) på Lovdata." if url else f"Se {label}.")
        return pre_escaped(out)

    def tree_targets(self, routine_id: str) -> set[str]:
        """Sections of a routine that decision trees send readers to."""
        out = set()
        for t in self.ds.trees.values():
            if t.routine == routine_id and t.section:
                out.add(t.section)
            for n in t.nodes:
                if n.outcome and (n.outcome.routine or t.routine) == routine_id and n.outcome.section:
                    out.add(n.outcome.section)
        return out

    def landing_notice(self, r: Routine, section_id: str | None) -> str:
        """The warning next to a statement help-seekers are sent to, when its routine is out of date."""
        if not section_id or section_id not in self.tree_targets(r.id):
            return ""
        if self.historical(r):
            when = f"Planen gjaldt for {r.period.words}" if r.period else "Rutinen gjelder ikke lenger"
        elif r.review_by and r.review_by < self.opt.today and r.status != "utgått":
            when = f"Rutinen skulle vært evaluert innen {date_words(r.review_by)}"
        else:
            return ""
        return (f"{when}. Teksten er rutinens ordlyd, ikke et råd for deg i dag: regler og kontaktopplysninger "
                "kan ha endret seg. Spør NAV-kontoret eller krisesenteret om hva som gjelder nå.")

    def historical_ids(self) -> list[str]:
        return [x.id for x in self.ds.routines.values() if self.historical(x)]

    def overdue(self, r: Routine) -> bool:
        return self.names.overdue(r)

    def deadline(self, d: Deadline | None) -> str:
        return self.index.deadline(d)

    def edit_url(self, entity: Any) -> str:
        return f"{self.opt.edit_base}{entity.file}" if self.opt.edit_base and entity.file else ""

    def contacts_of(self, org: Organisation) -> list:
        return org.contacts

    def contact_age_note(self, contact) -> str:
        """A warning when a published number is old: people call what we publish."""
        if contact.as_of and (self.opt.today - contact.as_of).days > 3 * 365:
            return f" (oppgitt i {contact.as_of.year}, ikke bekreftet senere)"
        return ""

    @staticmethod
    def tel(phone: str) -> Markup:
        return pre_escaped("tel:" + re.sub(r"[^\d+]", "", phone))

    def banners(self, r: Routine) -> list[Banner]:
        """Warnings a reader must see at the top of a routine, made from the check's findings."""
        return banners(self.names, self.findings, r)

    def section_duties(self, role_id: str) -> dict[str, list[Duty]]:
        grouped: dict[str, list[Duty]] = defaultdict(list)
        for d in self.duties.get(role_id, []):
            grouped[d.routine.id].append(d)
        return grouped

    @cached_property
    def aggregates(self):
        """Compact forms of the pages that gather from every routine (see aggregate.py)."""
        from .aggregate import Aggregates

        return Aggregates(self)

    def search_areas(self, kind: str, entity) -> str:
        """The municipalities a page belongs to, for the search index (rutinebok.search_index):
        area ids split by spaces, or «*» (never an id) for what serves the whole country or no
        known place, which an area page also lists. On a national site a search from a
        municipality's pages covers its pages and «*»."""
        areas = self.aggregates.areas
        where = {"routines": areas.of_routine, "organisations": lambda o: areas.of_org(o.id),
                 "trees": areas.of_tree}[kind](entity)
        return "*" if isinstance(where, str) else " ".join(sorted(where))

    def role_duty_groups(self, role: Role) -> dict[str, list[tuple[str, list[Duty]]]]:
        # Asked for by the role page, the roles index and the compact form: computed once.
        cache = self.__dict__.setdefault("_duty_groups_cache", {})
        if role.id not in cache:
            cache[role.id] = self._role_duty_groups(role)
        return cache[role.id]

    def _role_duty_groups(self, role: Role) -> dict[str, list[tuple[str, list[Duty]]]]:
        """Every duty that reaches a role, per routine: its own first, then those it inherits.

        A role inherits the duties of the role it is part of (veileder i NAV -> NAV-kontoret)
        and of every organisation it works in (by id or by kind), each labelled by where it
        comes from so a reader sees «NAV-kontorets oppgave», not a duty of her own.
        """
        sources: list[tuple[str, str]] = [(role.id, "")]
        seen = {role.id}
        parent = self.ds.roles.get(role.part_of) if role.part_of else None
        while parent is not None and parent.id not in seen:
            seen.add(parent.id)
            sources.append((parent.id, f"Som en del av {parent.name}"))
            parent = self.ds.roles.get(parent.part_of) if parent.part_of else None
        grouped: dict[str, list[tuple[str, list[Duty]]]] = {}

        def put(rid: str, origin: str, duty: Duty) -> None:
            groups = grouped.setdefault(rid, [])
            for label, duties in groups:
                if label == origin:
                    duties.append(duty)
                    return
            groups.append((origin, [duty]))

        for actor, origin in sources:
            for d in self.duties.get(actor, []):
                put(d.routine.id, origin, d)
        # The same duty given to several organisations (the four NAV offices) is shown once.
        merged: dict[tuple, tuple[Duty, list[str]]] = {}
        for org in self.ds.organisations.values():
            if org.id in role.organisations or (org.kind in role.organisation_kinds and role.kind == "rolle"):
                for d in self.duties.get(org.id, []):
                    key = (d.routine.id, d.section_id, d.kind, d.text, d.procedure, d.number)
                    merged.setdefault(key, (d, []))[1].append(org.short_name or org.name)
        for d, names in merged.values():
            put(d.routine.id, "Oppgave for " + _join_words(names), d)
        return grouped

    def duty_count(self, role: Role) -> int:
        return sum(len(ds) for groups in self.role_duty_groups(role).values() for _, ds in groups)

    @staticmethod
    def count_words(n: int, one: str, many: str) -> str:
        return f"{n} {one if n == 1 else many}"

    @staticmethod
    def section_ids(routine: Routine) -> set[str]:
        return {s.id for _, s in routine.walk_sections()}

    def section_title(self, routine_id: str, section_id: str) -> str:
        return self.index.section_title(routine_id, section_id)

    def contact_entries(self, ref: str) -> list[tuple]:
        return self.names.contact_entries(ref)

    @staticmethod
    def tree_parents(tree) -> dict[str, str]:
        """Each node's first parent in breadth-first order from the start: the «Tilbake» target."""
        children = {n.id: [o.next for o in n.options] for n in tree.nodes}
        parents: dict[str, str] = {}
        queue, seen = [tree.start], {tree.start}
        for node_id in queue:
            for child in children.get(node_id, []):
                if child not in seen:
                    seen.add(child)
                    parents[child] = node_id
                    queue.append(child)
        return parents

    def tree_outline(self, tree) -> Markup:
        """The tree as nested Markdown lists: the diagram's text version."""
        return tree_outline(tree, lambda refs: self.links(refs, "../"))

    def trees_of(self, routine_id: str) -> list:
        return self.index.trees_of(routine_id)

    def routines_of(self, org_id: str) -> list[Routine]:
        return self.index.routines_of(org_id)

    def roles_of(self, org: Organisation) -> list[Role]:
        return self.index.roles_of(org)

    # ------------------------------------------------------------------ pages

    def deadline_groups(self) -> tuple[dict, dict]:
        """All deadlines sorted once, grouped by routine and by actor (linear, not per actor)."""
        return self.index.deadline_groups()

    def calendar_events(self) -> list[dict]:
        events = []
        for r in self.ds.routines.values():
            if r.review_by:
                events.append({"date": r.review_by, "title": f"Frist for evaluering: {r.title}", "routine": r,
                               "overdue": r.review_by < self.opt.today and r.status != "utgått"})
            if r.valid_from:
                events.append({"date": r.valid_from, "title": f"Rutinen gjelder fra: {r.title}", "routine": r,
                               "overdue": False})
            if r.period:
                end = dt.date(r.period.last_year, 12, 31)
                events.append({"date": end, "title": f"Planperioden slutter: {r.title}", "routine": r,
                               "overdue": end < self.opt.today and r.status != "utgått"})
        return sorted(events, key=lambda e: e["date"])

    def meeting_reminders(self) -> list[tuple]:
        """(routine, section, meeting, first day, RRULE) for every recurring meeting with an anchor.

        Anchored on the routine's valid-from date (or the first day of its plan period), and
        ending with the plan period when there is one.
        """
        freq = {"uke": "WEEKLY", "måned": "MONTHLY", "år": "YEARLY"}
        out = []
        for r, section, m in self.meetings():
            start = r.valid_from or (dt.date(r.period.first_year, 1, 1) if r.period else None)
            if start is None:
                continue
            f = m.frequency
            rule: dict[str, Any] = {"freq": freq[f.per]}
            if f.per == "år" and f.times > 1 and 12 % f.times == 0:
                rule = {"freq": "MONTHLY", "interval": 12 // f.times}
            elif f.per == "måned" and f.times > 1:
                rule = {"freq": "WEEKLY", "interval": max(1, 4 // f.times)}
            elif f.per == "uke" and f.times > 1:
                rule = {"freq": "DAILY", "interval": max(1, 7 // f.times)}
            if r.period:
                rule["until"] = dt.date(r.period.last_year, 12, 31)
            out.append((r, section, m, start, rule))
        return out

    def meetings(self) -> list[tuple[Routine, Any, Any]]:
        return self.index.meetings

    def routine_context(self, r: Routine) -> dict:
        """Everything the routine page shows, looked up here so the template only prints."""
        return {
            "routine": r, "base": "../", "pdf": self.pdf, "taken": self.section_ids(r),
            # digits and dots the engine made, not data
            "clauses": {k: pre_escaped(v) for k, v in r.clause_numbers().items()},
            "banners": self.banners(r), "help_paths": self.help_paths_for(r.id), "trees": self.trees_of(r.id),
            "status": self.status_words(r), "source_title": self.source_title(r.source),
            "laws": [(lr, self.ds.laws[lr.law]) for lr in r.legal_basis],
            "documents": [(g, self.ds.documents[g.document]) for g in r.governing_documents],
            "signed": self.signed.get(r.id, []), "edit_url": self.edit_url(r),
            "coverage": self.coverage(r), "search_areas": self.search_areas("routines", r),
            "notices": {s.id: text for _, s in r.walk_sections() if (text := self.landing_notice(r, s.id))},
        }

    def render(self, template: str, **ctx) -> str:
        if "base" in ctx:
            ctx["base"] = pre_escaped(ctx["base"])  # a constant path prefix, not data
        return self.env.get_template(template).render(**ctx)

    def pages(self) -> dict[str, str]:
        return {path: make() for path, (_, make) in self.page_makers().items()}

    def page_makers(self) -> dict[str, tuple[tuple[str, str] | frozenset | None, Callable[[], str]]]:
        """Each generated page: its path, the entity it is the page of ((kind, id)), or the
        entities it shows (a frozenset of them), or None for a page made from many entities,
        and how to make it. `make serve` remakes an entity's
        page only when the entity or one it refers to, or that refers to it, changed
        (rutinebok.incremental); pages of no one entity are made every time."""
        out: dict[str, tuple[tuple[str, str] | None, Callable[[], str]]] = {}

        def one(path: str, key: tuple[str, str] | frozenset | None, template: str, **ctx) -> None:
            out[path] = (key, lambda: self.render(template, **ctx))

        for r in self.ds.routines.values():
            out[f"rutiner/{r.id}.md"] = (("routines", r.id),
                                         lambda r=r: self.render("routine.md.j2", **self.routine_context(r)))
        for o in self.ds.organisations.values():
            one(f"organisasjoner/{o.id}.md", ("organisations", o.id), "organisation.md.j2", org=o, base="../",
                search_areas=self.search_areas("organisations", o))
        orgs = frozenset(("organisations", i) for i in self.ds.organisations)
        for role in self.ds.roles.values():
            # A role page gathers the role's duties from routines: it shows those routines and
            # the organisations that name the places they are for.
            deps = orgs | {("roles", role.id)} | {("routines", rid) for rid in self.role_duty_groups(role)}
            one(f"roller/{role.id}.md", deps, "role.md.j2", role=role, base="../")
        for t in self.ds.trees.values():
            one(f"veivisere/{t.id}.md", ("trees", t.id), "tree.md.j2", tree=t, base="../",
                search_areas=self.search_areas("trees", t))
            one(f"veivisere/{t.id}-diagram.md", ("trees", t.id), "tree_diagram.md.j2", tree=t, base="../")
        one("veivisere/index.md", None, "trees_index.md.j2", base="../")

        def routines_index() -> str:
            routines = sorted(self.ds.routines.values(), key=lambda x: x.title.lower())
            return self.render("routines_index.md.j2", base="../",
                               current=[x for x in routines if not self.historical(x)],
                               old=[x for x in routines if self.historical(x)])

        out["rutiner/index.md"] = (None, routines_index)
        for c in self.ds.by_kind("checklists").values():
            one(f"sjekklister/{c.id}.md", ("checklists", c.id), "checklist.md.j2", checklist=c, base="../")
        if self.ds.by_kind("checklists"):
            one("sjekklister/index.md", None, "checklists_index.md.j2", base="../")
        one("organisasjoner/index.md", None, "organisations_index.md.j2", base="../")
        one("roller/index.md", None, "roles_index.md.j2", base="../")

        def contacts() -> str:
            orgs = sorted(self.ds.organisations.values(), key=lambda x: x.name.lower())
            return self.render("contacts.md.j2", base="",
                               with_contacts=[o for o in orgs if o.contacts and not self.ended(o.id)],
                               without_contacts=[o for o in orgs if not o.contacts and not self.ended(o.id)],
                               gone=[o for o in orgs if self.ended(o.id)])

        # Made from the organisations alone (names, contacts, whether and how they ended).
        out["kontakter.md"] = (frozenset(("organisations", o) for o in self.ds.organisations), contacts)
        out.update(self.area_page_makers())
        one("frister.md", None, "deadlines.md.j2", base="")
        one("kalender.md", None, "calendar.md.j2", base="")
        out.update(self.aggregates.page_makers())
        out["lover.md"] = (None, lambda: self.render("laws.md.j2", base="", laws=[
            (law, self.index.citing.get(law.id, []))
            for law in sorted(self.ds.laws.values(), key=lambda x: x.title.lower())]))
        one("ordliste.md", None, "glossary.md.j2", base="")
        for path, template, routine_id in HELP_PATHS:
            if routine_id in self.ds.routines:
                out[path] = (None, lambda template=template, routine_id=routine_id: self.help_page(template, routine_id))
        return out

    def area_pages(self) -> dict[str, str]:
        """One page per municipality (omrade/<id>/): the area is chosen by the address alone, so
        nothing about the reader's choice is stored on her device."""
        return {path: make() for path, (_, make) in self.area_page_makers().items()}

    def area_page_makers(self) -> dict[str, tuple[frozenset | None, Callable[[], str]]]:
        """The area pages, each with the entities it shows: its routines and those for the whole
        country or for no known place, every organisation (contacts, emergency numbers, names of
        places) and every decision tree and checklist (see rutinebok.incremental)."""
        from .areas import NATIONAL, UNKNOWN
        from .incremental import Shows

        areas = self.aggregates.areas  # one Areas per renderer: it caches what serves where
        national, unknown = areas.everywhere(NATIONAL), areas.everywhere(UNKNOWN)
        chosen = [areas.area(i) for i in areas.ids]
        out: dict[str, tuple[frozenset | None, Callable[[], str]]] = {
            "omrade/index.md": (None, lambda: self.render("areas_index.md.j2", base="../", areas=chosen))}
        shared = frozenset({("routines", r.id) for r in national["routines"] + unknown["routines"]}
                           | {(kind, i) for kind in ("organisations", "trees", "checklists")
                              for i in self.ds.by_kind(kind)})

        def short_first(o):
            phones = [c.phone for c in o.contacts if c.phone]
            digits = min((re.sub(r"\D", "", p) for p in phones), key=lambda d: (len(d), d), default="9" * 20)
            return (len(digits), digits, o.name.lower())

        def page(a) -> str:
            emergency = sorted((o for o in national["organisations"] + a.organisations
                                if o.kind in ("nasjonal-tjeneste", "krisesenter") and any(c.phone for c in o.contacts)),
                               key=short_first)
            return self.render("area.md.j2", base="../", area=a, national=national, unknown=unknown,
                               emergency=emergency)

        for a in chosen:
            out[f"omrade/{a.id}.md"] = (Shows(shared, frozenset(("routines", r.id) for r in a.routines)),
                                        lambda a=a: page(a))
        return out

    @staticmethod
    def help_paths_for(routine_id: str) -> list[str]:
        return [path for path, _, rid in HELP_PATHS if rid == routine_id]

    def help_pages(self) -> dict[str, str]:
        """Step-by-step pages for help-seekers, generated from the routines they summarise."""
        return {path: self.help_page(template, routine_id) for path, template, routine_id in HELP_PATHS
                if routine_id in self.ds.routines}

    def help_page(self, template: str, routine_id: str) -> str:
        from .helpseeker import HelpPath

        return self.render(template, p=HelpPath(self, routine_id), base="../",
                           search_areas=self.search_areas("routines", self.ds.routines[routine_id]))

    def assets(self) -> dict[str, bytes]:
        """Binary files beside the pages: one SVG diagram per decision tree."""
        import graphviz

        from .diagram import tree_svg

        out = {}
        for t in self.ds.trees.values():
            try:
                out[f"veivisere/{t.id}.svg"] = tree_svg(t).encode("utf-8")
            except (graphviz.CalledProcessError, OSError, RuntimeError):
                continue  # the check reports it (RB056); the page keeps its text version
        return out

    def glossary_terms(self) -> list:
        from .terms import GlossaryTerm

        if self.ds.glossary is None:
            return []
        return [GlossaryTerm(t.term, t.expansion or "", " ".join(t.explanation.split()))
                for t in self.ds.glossary.terms]

    def names_with_spaces(self) -> list[str]:
        """Names in the data made of several words: a glossary word inside one is not the term."""
        names = set()
        for o in self.ds.organisations.values():
            names.update(n for n in (o.name, o.short_name) if n)
        for role in self.ds.roles.values():
            names.update([role.name, *role.also_called])
        return sorted(n for n in names if " " in n.strip() or "-" in n)


def render_site(ds: Dataset, findings: list[Finding], options: SiteOptions) -> dict[str, str]:
    return SiteRenderer(ds, findings, options).pages()


def calendar_ics(rr: SiteRenderer, site_url: str = "", kept=None) -> bytes:
    """The calendar feed: review dates, start dates, plan ends, and recurring meetings.

    Each event is made by the icalendar library from its values; the bytes of an event are kept
    for the process by those values (`make serve` makes the feed on every rebuild, and writing
    22,000 lines cost about a second at 1,000 routines), and the feed is the calendar's own lines
    around the events, as icalendar writes it (a test compares it with the whole feed made at once).
    `kept`: a buildcache.Table keeping each event's bytes between builds, by its values and the code."""
    global _EVENTS
    from icalendar import Calendar

    from . import buildcache

    cal = Calendar()
    cal.add("prodid", f"-//Rutinebok//{__version__}//NO")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Rutinebok: møter og frister")
    head = cal.to_ical()
    end = b"END:VCALENDAR\r\n"
    assert head.endswith(end)
    used: dict[tuple, bytes] = {}

    def event(*values) -> bytes:
        key = tuple(tuple(sorted(v.items())) if isinstance(v, dict) else v for v in values)
        if (made := used.get(key)) is None:
            # In memory (`make serve`), else in the build cache, else made. The cache is asked
            # even when memory has it: what a build does not ask for is dropped when it saves.
            k = buildcache.key("ics", json.dumps(key, default=str, ensure_ascii=False)) if kept is not None else ""
            text = kept.get(k) if k else None
            made = _EVENTS.get(key) or (text.encode("utf-8") if isinstance(text, str) else None) or _event_ics(*values)
            if k and not isinstance(text, str):
                kept.put(k, made.decode("utf-8"))
            used[key] = made
        return made

    parts = [head[:-len(end)]]
    for e in rr.calendar_events():
        parts.append(event(
            f"{e['routine'].id}-{e['date'].isoformat()}-{_slug(e['title'])}@rutinebok", e["date"], None, None, None,
            ics_text(e["title"]), None, f"{site_url.rstrip('/')}/rutiner/{e['routine'].id}/" if site_url else None))
    for r, _section, m, start, rule in rr.meeting_reminders():
        # The routine gives how often, never a date or time: an all-day reminder to schedule
        # the meeting, repeating from the day the routine took effect. No invented time.
        parts.append(event(
            f"{r.id}-{m.id}@rutinebok", start, start + dt.timedelta(days=1), rule, "TRANSPARENT",
            ics_text(f"Husk å avtale: {m.title} ({m.frequency.words})"),
            ics_text(f"Påminnelse. Innkaller: {rr.name(m.convener)}. Fra rutinen «{r.title}». "
                     "Rutinen fastsetter ikke dato eller klokkeslett; avtal tidspunkt."),
            f"{site_url.rstrip('/')}/rutiner/{r.id}/#{m.id}" if site_url else None))
    parts.append(end)
    _EVENTS = used  # only the events of the last feed are kept
    return b"".join(parts)


_EVENTS: dict[tuple, bytes] = {}


def _event_ics(uid: str, start: dt.date, end: dt.date | None, rule: dict | None, transp: str | None,
               summary: str, description: str | None, url: str | None) -> bytes:
    from icalendar import Event

    ev = Event()
    ev.add("uid", uid)
    ev.add("dtstamp", dt.datetime(2000, 1, 1, tzinfo=dt.UTC))  # fixed: same data, same feed
    ev.add("dtstart", start)
    if end is not None:
        ev.add("dtend", end)
    if rule is not None:
        ev.add("rrule", rule)
    if transp is not None:
        ev.add("transp", transp)
    ev.add("summary", summary)
    if description is not None:
        ev.add("description", description)
    if url is not None:
        ev.add("url", url)
    return ev.to_ical()


def _join_words(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " og " + items[-1]


def anchor_slug(text: str) -> str:
    """An anchor id from Norwegian text: «Nødhjelp» -> «nodhjelp», «EØS» -> «eos»."""
    folded = str(text).lower().translate(str.maketrans({"ø": "o", "æ": "ae", "å": "a"}))
    return _slug(folded) or "x"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]
