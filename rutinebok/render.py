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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from jinja2 import Environment, FileSystemLoader, StrictUndefined
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
from .load import Dataset
from .model import (
    JOINT_ACTORS,
    KIND_WORDS,
    STATUS_WORDS,
    Block,
    Deadline,
    Organisation,
    Role,
    Routine,
    TimeRule,
)
from .words import date_words, deadline_words, sentence, short_date

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
class Duty:
    """Something an actor must do, wherever in a routine it is written."""

    routine: Routine
    section_id: str
    section_title: str
    kind: str  # step, responsibility, meeting, task, rule, level, description
    text: str
    deadline: str = ""
    condition: str = ""
    procedure: str = ""
    number: int = 0


@dataclass
class Banner:
    level: str  # warning, danger, info
    title: str
    text: str


@dataclass
class SiteOptions:
    edit_base: str = ""  # e.g. https://github.com/ORG/REPO/edit/main/
    today: dt.date = field(default_factory=dt.date.today)
    site_name: str = "Rutinebok"


class SiteRenderer:
    def __init__(self, ds: Dataset, findings: list[Finding], options: SiteOptions):
        self.ds = ds
        self.findings = findings
        self.opt = options
        self.rules = {}
        for routine in ds.routines.values():
            for _, block in routine.walk_blocks():
                if block.rule is not None:
                    self.rules.setdefault(block.rule.id, block.rule)
        self.duties = self._collect_duties()
        self.pdf = False  # the MkDocs hook sets these when it builds PDFs and finds signed copies
        self.signed: dict[str, list[dict]] = {}
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES / "site"),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            # Output is Markdown: whatever a template prints is escaped as plain Markdown text
            # (finalize) unless it is Markup from the escape module; there is no `safe` filter.
            autoescape=True,
            finalize=finalize_markdown,
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
        if "/" in ref:
            org_id, _, cid = ref.partition("/")
            org = self.ds.organisations.get(org_id)
            contact = next((c for c in org.contacts if c.id == cid), None) if org else None
            if contact is None:
                return ref  # e.g. a party named in a signed PDF that the data does not know
            return f"{org.short_name or org.name}: {contact.label}"
        if ref in self.ds.organisations:
            o = self.ds.organisations[ref]
            return o.short_name or o.name
        if ref in self.ds.roles:
            return self.ds.roles[ref].name
        if ref in self.ds.routines:
            return self.ds.routines[ref].title
        if ref in JOINT_ACTORS:
            return JOINT_ACTORS[ref]
        if ref in self.ds.by_kind("checklists"):
            return self.ds.by_kind("checklists")[ref].title
        if ref in self.ds.laws:
            law = self.ds.laws[ref]
            return law.short_name or law.title
        return ref

    def href(self, ref: str, base: str = "../") -> str:
        ref = ref.partition("/")[0]
        for kind, folder in FOLDERS.items():
            if ref in self.ds.by_kind(kind):
                return f"{base}{folder}/{ref}.md"
        return f"{base}lover.md#{ref}" if ref in self.ds.laws else ""

    def link(self, ref: str, base: str = "../") -> Markup:
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
        from .coverage import STATUS_WORDS as COVER_WORDS

        if ic.status == "svakt":
            return f"{COVER_WORDS['svakt']} ({ic.weak_words})"
        if ic.status == "gjelder-ikke":
            return f"{COVER_WORDS['gjelder-ikke']}: {ic.reason}"
        return COVER_WORDS[ic.status]

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
        """Lovdata's address for the paragraph (the whole law when no paragraph is given)."""
        law = self.ds.laws.get(lr.law)
        if law is None or not law.lovdata_url:
            return ""
        if lr.paragraph and lr.paragraph.startswith("§"):
            return f"{law.lovdata_url}/{lr.paragraph.replace(' ', '')}"
        return law.lovdata_url

    def legal_words(self, lr) -> str:
        """«krisesenterlova § 2 andre ledd bokstav a»."""
        law = self.ds.laws.get(lr.law)
        name = (law.short_name or law.title) if law else lr.law
        return f"{name} {lr.paragraph_words}".strip()

    # ------------------------------------------------------------------ organisations that ended

    def ended(self, ref: str) -> Organisation | None:
        """The organisation `ref` names, when it has ended by today."""
        org = self.ds.organisations.get(ref.partition("/")[0])
        return org if org is not None and org.ended_on and org.ended_on <= self.opt.today else None

    def successor(self, ref: str) -> Organisation | None:
        """The organisation that took over, following renames and mergers to the current one."""
        org, seen = self.ended(ref), set()
        while org is not None and org.replaced_by and org.id not in seen:
            seen.add(org.id)
            nxt = self.ds.organisations.get(org.replaced_by)
            if nxt is None:
                return None
            if self.ended(nxt.id) is None:
                return nxt
            org = nxt
        return None

    HOW_WORDS: ClassVar[dict[str, str]] = {"sammenslått": "ble slått sammen med"}

    def ended_words(self, org: Organisation, base: str = "../", links: bool = True) -> Markup | str:
        """«NAV Rygge ble slått sammen med NAV Moss 1. januar 2020.»: Markdown with a link to the
        successor, or plain text when not `links` (for banners, which escape it themselves)."""
        successor = self.successor(org.id)
        name = org.short_name or org.name
        when = date_words(org.ended_on)
        if successor is None:
            text = f"{name} {'ble nedlagt' if org.ended_how == 'nedlagt' else 'opphørte'} {when}."
            return md_text(text) if links else text
        succ_name = successor.short_name or successor.name
        if org.ended_how == "nytt-navn":
            parts = (f"{name} fikk nytt navn {when} og heter nå ", ".")
        elif org.ended_how == "sammenslått":
            parts = (f"{name} {self.HOW_WORDS['sammenslått']} ", f" {when}.")
        else:
            parts = (f"{name} opphørte {when}. Oppgavene ligger nå hos ", ".")
        if not links:
            return parts[0] + succ_name + parts[1]
        # md_text trims the pieces: put back the spaces around the link.
        after = (" " if parts[1].startswith(" ") else "") + str(md_text(parts[1]))
        return pre_escaped(f"{md_text(parts[0])} {self.link(successor.id, base)}{after}")

    def contact_rows(self, refs: list[str]) -> list[tuple]:
        """(organisation, contact, names of ended organisations it now also serves, or '') for contact
        references, with an ended organisation's contacts replaced by its successor's, each once."""
        rows: list[list] = []
        seen: dict[tuple, list] = {}
        for ref in refs:
            org_id, _, cid = ref.partition("/")
            via = None
            successor = self.successor(org_id)
            if successor is not None:
                via = self.ds.organisations[org_id]
                org_id = successor.id
                if cid and not any(c.id == cid for c in successor.contacts):
                    cid = ""
            for org, c in self.contact_entries(f"{org_id}/{cid}" if cid else org_id):
                row = seen.get((org.id, c.id))
                if row is None:
                    row = seen[(org.id, c.id)] = [org, c, []]
                    rows.append(row)
                if via is not None and (via.short_name or via.name) not in row[2]:
                    row[2].append(via.short_name or via.name)
        return [(org, c, " og ".join(vias)) for org, c, vias in rows]

    def name_now(self, ref: str) -> str:
        """The name, with the current organisation when it has merged or been renamed."""
        successor = self.successor(ref)
        return f"{self.name(ref)} (nå {self.name(successor.id)})" if successor else self.name(ref)

    def name_list(self, refs: list[str]) -> str:
        return ", ".join(self.name(x) for x in refs)

    def links(self, refs: list[str], base: str = "../") -> Markup:
        return Markup(", ").join(self.link(x, base) for x in refs)

    @staticmethod
    def rule_words(rule: TimeRule) -> str:
        """A time rule's value with its qualifier («normalt maks 3 måneder», «inntil 2 måneder»),
        the same words wherever the rule is shown."""
        if rule.value is None:
            return "fra " + date_words(rule.starts)
        return f"{rule.qualifier} {rule.value.words}" if rule.qualifier else rule.value.words

    def status_words(self, r: Routine) -> str:
        """The routine's status for readers, with what the dates say about it."""
        if self.historical(r):
            if r.status == "utgått":
                return "Utgått"
            return f"Historisk: planperioden {r.period.words} er over"
        text = STATUS_WORDS[r.status]
        if r.review_by and r.review_by < self.opt.today and r.status != "utgått":
            text += f", men evalueringen er forsinket (skulle vært evaluert innen {date_words(r.review_by)})"
        return text

    def historical(self, r: Routine) -> bool:
        """A document that no longer applies: withdrawn, or a plan whose period has ended."""
        return r.status == "utgått" or bool(r.period and r.period.last_year < self.opt.today.year)

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
        return bool(r.review_by and r.review_by < self.opt.today and r.status != "utgått") or (
            self.historical(r) and r.status != "utgått")

    def deadline(self, d: Deadline | None) -> str:
        if d is None:
            return ""
        rule = self.rules.get(d.rule) if d.rule else None
        return deadline_words(d, rule.value if rule else None, rule.qualifier if rule else None)

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
        out = []
        from .checks import RULES  # the rule says what readers see: title, level and text

        words = {"review_by": date_words(r.review_by) if r.review_by else "",
                 "period": r.period.words if r.period else ""}
        for f in self.findings:
            notice = RULES[f.code].notice if f.file == r.file else None
            if notice is not None:
                text = notice.text.format(**words) if notice.text else sentence(f.message)
                out.append(Banner(notice.level, notice.title, text))
        named = dict.fromkeys([*r.parties, *r.external_actors, *([r.owner] if r.owner else [])])
        for ref in named:
            org = self.ended(ref)
            if org is not None:
                title = (f"{org.short_name or org.name} heter nå {self.name(self.successor(ref).id)}"
                         if org.ended_how == "nytt-navn" and self.successor(ref) else
                         f"{org.short_name or org.name} finnes ikke lenger")
                out.append(Banner("warning", title,
                                  self.ended_words(org, links=False)
                                  + " Rutinen er skrevet før endringen; kontaktopplysningene under viser til den "
                                    "som har overtatt."))
        return out

    def section_duties(self, role_id: str) -> dict[str, list[Duty]]:
        grouped: dict[str, list[Duty]] = defaultdict(list)
        for d in self.duties.get(role_id, []):
            grouped[d.routine.id].append(d)
        return grouped

    def role_duty_groups(self, role: Role) -> dict[str, list[tuple[str, list[Duty]]]]:
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
        for _, s in self.ds.routines[routine_id].walk_sections():
            if s.id == section_id:
                return s.title
        return section_id

    def contact_entries(self, ref: str) -> list[tuple]:
        """(organisation, contact) pairs for 'org' (all its contacts) or 'org/contact'."""
        org_id, _, cid = ref.partition("/")
        org = self.ds.organisations.get(org_id)
        if org is None:
            return []
        return [(org, c) for c in org.contacts if not cid or c.id == cid]

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
        nodes = {n.id: n for n in tree.nodes}
        lines: list[str] = []
        stack = [(tree.start, 0, "")]
        visited: set[str] = set()
        while stack:
            node_id, depth, label = stack.pop()
            node = nodes[node_id]
            pad = "    " * depth
            prefix = f"{plain(label)}: " if label else ""
            if node.outcome is not None:
                who = f" ({self.links(node.outcome.responsible, '../')})" if node.outcome.responsible else ""
                lines.append(f"{pad}- {prefix}**Svar: {plain(node.outcome.title)}**{who}")
                continue
            lines.append(f"{pad}- {prefix}{plain(node.question)}")
            if node_id in visited:
                continue
            visited.add(node_id)
            for opt in reversed(node.options):
                if opt.next in nodes:
                    stack.append((opt.next, depth + 1, opt.label))
        return pre_escaped("\n".join(lines))

    def trees_of(self, routine_id: str) -> list:
        return [t for t in self.ds.trees.values() if t.routine == routine_id]

    def routines_of(self, org_id: str) -> list[Routine]:
        return [r for r in self.ds.routines.values() if org_id in r.parties or r.owner == org_id]

    def roles_of(self, org: Organisation) -> list[Role]:
        return [x for x in self.ds.roles.values()
                if org.id in x.organisations or org.kind in x.organisation_kinds]

    # ------------------------------------------------------------------ duties

    def _collect_duties(self) -> dict[str, list[Duty]]:
        duties: dict[str, list[Duty]] = defaultdict(list)
        for r in self.ds.routines.values():
            for _, section in r.walk_sections():
                for block in section.blocks:
                    self._duties_in(r, section, block, duties)
        return duties

    def _duties_in(self, r: Routine, section, block: Block, duties) -> None:  # noqa: C901 - to be split in the moves into index.py, issue 14 B (render branch)
        def add(actor: str, **kw) -> None:
            duties[actor].append(Duty(r, section.id, section.title, **kw))

        v = block.value
        if block.kind == "procedure":
            for i, s in enumerate(v.steps, 1):
                add(s.actor, kind="step", text=s.action, deadline=self.deadline(s.deadline),
                    condition=s.condition or "", procedure=v.title, number=i)
                for receiver in dict.fromkeys(s.to):
                    # Being told is a duty too: the housing office must act on the notice it gets.
                    add(receiver, kind="notice", text=f"Tar imot fra {self.name(s.actor)}: {s.action}",
                        deadline=self.deadline(s.deadline), condition=s.condition or "",
                        procedure=v.title, number=i)
        elif block.kind == "responsibility":
            for a in v.responsible:
                add(a, kind="responsibility", text=v.duty, deadline=self.deadline(v.deadline))
        elif block.kind == "meeting":
            add(v.convener, kind="meeting", text=f"Kalle inn til {v.title.lower()} ({v.frequency.words}).")
            for who in dict.fromkeys(v.participants):
                if who != v.convener:
                    add(who, kind="participant", text=f"Delta i {v.title.lower()} ({v.frequency.words}).")
        elif block.kind == "phase":
            for t in v.tasks:
                for task in t.tasks:
                    add(t.actor, kind="task", text=task, procedure=f"Fase {v.number}: {v.title}")
        elif block.kind == "role":
            add(v.actor, kind="description", text=v.text)
        elif block.kind == "rule":
            for a in v.applies_to:
                add(a, kind="rule", text=v.text, deadline=self.rule_words(v))
        elif block.kind == "levels":
            for level in v.levels:
                for a in level.coordinator:
                    add(a, kind="level", text=f"Nivå {level.number} ({level.colour}): {level.title}. "
                        f"{level.plan or ''}".strip())

    # ------------------------------------------------------------------ pages

    def all_deadlines(self) -> list[dict]:
        rows = []
        for r in self.ds.routines.values():
            for _, section in r.walk_sections():
                for block in section.blocks:
                    if block.kind == "rule" and block.rule.value is not None:
                        rows.append({"routine": r, "section": section, "what": block.rule.name,
                                     "actors": block.rule.applies_to, "words": self.rule_words(block.rule),
                                     "sort": block.rule.value.sort_key(), "kind": "tidsregel"})
                    elif block.kind == "procedure":
                        for i, s in enumerate(block.procedure.steps, 1):
                            if s.deadline is None:
                                continue
                            rows.append({"routine": r, "section": section,
                                         "what": f"{block.procedure.title}, steg {i}: {s.action}",
                                         "actors": [s.actor], "words": self.deadline(s.deadline),
                                         "sort": self._sort(s.deadline), "kind": "steg"})
            if r.review_by:
                rows.append({"routine": r, "section": None, "what": "Evaluering/revisjon av rutinen",
                             "actors": [r.owner] if r.owner else [], "words": "innen " + date_words(r.review_by),
                             "sort": dt.datetime.combine(r.review_by, dt.time()), "kind": "dato"})
        return rows

    def deadline_groups(self) -> tuple[dict, dict]:
        """All deadlines sorted once, grouped by routine and by actor (linear, not per actor)."""
        rows = sorted(self.all_deadlines(), key=lambda row: row["sort"])
        by_routine: dict[str, list] = defaultdict(list)
        by_actor: dict[str, list] = defaultdict(list)
        for row in rows:
            by_routine[row["routine"].id].append(row)
            for actor in dict.fromkeys(row["actors"]):
                by_actor[actor].append(row)
        return dict(by_routine), dict(sorted(by_actor.items()))

    def _sort(self, d: Deadline):
        far = dt.datetime(9999, 1, 1)
        if d.within:
            return d.within.sort_key()
        if d.rule and d.rule in self.rules and self.rules[d.rule].value:
            return self.rules[d.rule].value.sort_key()
        if d.by:
            return dt.datetime.combine(d.by, dt.time())
        return {"straks": dt.datetime(2001, 1, 1), "snarest": dt.datetime(2001, 1, 1, 0, 1)}.get(d.when, far)

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
        return [(r, section, b.meeting) for r in self.ds.routines.values()
                for _, section in r.walk_sections() for b in section.blocks if b.kind == "meeting"]

    def render(self, template: str, **ctx) -> str:
        if "base" in ctx:
            ctx["base"] = pre_escaped(ctx["base"])  # a constant path prefix, not data
        return self.env.get_template(template).render(**ctx)

    def pages(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for r in self.ds.routines.values():
            out[f"rutiner/{r.id}.md"] = self.render("routine.md.j2", routine=r, base="../")
        for o in self.ds.organisations.values():
            out[f"organisasjoner/{o.id}.md"] = self.render("organisation.md.j2", org=o, base="../")
        for role in self.ds.roles.values():
            out[f"roller/{role.id}.md"] = self.render("role.md.j2", role=role, base="../")
        for t in self.ds.trees.values():
            out[f"veivisere/{t.id}.md"] = self.render("tree.md.j2", tree=t, base="../")
            out[f"veivisere/{t.id}-diagram.md"] = self.render("tree_diagram.md.j2", tree=t, base="../")
        out["veivisere/index.md"] = self.render("trees_index.md.j2", base="../")
        out["rutiner/index.md"] = self.render("routines_index.md.j2", base="../")
        for c in self.ds.by_kind("checklists").values():
            out[f"sjekklister/{c.id}.md"] = self.render("checklist.md.j2", checklist=c, base="../")
        if self.ds.by_kind("checklists"):
            out["sjekklister/index.md"] = self.render("checklists_index.md.j2", base="../")
        out["organisasjoner/index.md"] = self.render("organisations_index.md.j2", base="../")
        out["roller/index.md"] = self.render("roles_index.md.j2", base="../")
        out["kontakter.md"] = self.render("contacts.md.j2", base="")
        out["frister.md"] = self.render("deadlines.md.j2", base="")
        out["kalender.md"] = self.render("calendar.md.j2", base="")
        out["lover.md"] = self.render("laws.md.j2", base="")
        out["ordliste.md"] = self.render("glossary.md.j2", base="")
        out.update(self.help_pages())
        return out

    @staticmethod
    def help_paths_for(routine_id: str) -> list[str]:
        return [path for path, _, rid in HELP_PATHS if rid == routine_id]

    def help_pages(self) -> dict[str, str]:
        """Step-by-step pages for help-seekers, generated from the routines they summarise."""
        from .helpseeker import HelpPath

        out = {}
        for path, template, routine_id in HELP_PATHS:
            if routine_id in self.ds.routines:
                out[path] = self.render(template, p=HelpPath(self, routine_id), base="../")
        return out

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


def calendar_ics(rr: SiteRenderer, site_url: str = "") -> bytes:
    """The calendar feed: review dates, start dates, plan ends, and recurring meetings."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", f"-//Rutinebok//{__version__}//NO")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Rutinebok: møter og frister")
    stamp = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # fixed: same data, same feed
    for e in rr.calendar_events():
        ev = Event()
        ev.add("uid", f"{e['routine'].id}-{e['date'].isoformat()}-{_slug(e['title'])}@rutinebok")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", e["date"])
        ev.add("summary", ics_text(e["title"]))
        if site_url:
            ev.add("url", f"{site_url.rstrip('/')}/rutiner/{e['routine'].id}/")
        cal.add_component(ev)
    for r, section, m, start, rule in rr.meeting_reminders():
        # The routine gives how often, never a date or time: an all-day reminder to schedule
        # the meeting, repeating from the day the routine took effect. No invented time.
        ev = Event()
        ev.add("uid", f"{r.id}-{m.id}@rutinebok")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", start)
        ev.add("dtend", start + dt.timedelta(days=1))
        ev.add("rrule", rule)
        ev.add("transp", "TRANSPARENT")
        ev.add("summary", ics_text(f"Husk å avtale: {m.title} ({m.frequency.words})"))
        ev.add("description", ics_text(f"Påminnelse. Innkaller: {rr.name(m.convener)}. Fra rutinen «{r.title}». "
                                       "Rutinen fastsetter ikke dato eller klokkeslett; avtal tidspunkt."))
        if site_url:
            ev.add("url", f"{site_url.rstrip('/')}/rutiner/{r.id}/#{m.id}")
        cal.add_component(ev)
    return cal.to_ical()


def _join_words(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " og " + items[-1]


def anchor_slug(text: str) -> str:
    """An anchor id from Norwegian text: «Nødhjelp» -> «nodhjelp», «EØS» -> «eos»."""
    folded = str(text).lower().translate(str.maketrans({"ø": "o", "æ": "ae", "å": "a"}))
    return _slug(folded) or "x"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]
