"""Names for ids, the same in every output: site, PDF, calendar and change summaries.

`entity_name` needs only the data; `Names` also knows the day, so it can tell that an
organisation has ended and which one took over. Neither knows about links or Markdown: the
site wraps the names in links, the PDF prints them as they are.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from .load import Dataset
from .model import JOINT_ACTORS, STATUS_WORDS, Organisation, Routine
from .words import date_words


def entity_name(ds: Dataset, ref: str) -> str:
    """The reader's name for an id («NAV Moss», «Primærkontakt», «NAV Moss: Sentralbord»);
    the id itself when the data does not know it (e.g. a party named in a signed PDF)."""
    if "/" in ref:
        org_id, _, cid = ref.partition("/")
        org = ds.organisations.get(org_id)
        contact = next((c for c in org.contacts if c.id == cid), None) if org else None
        if contact is None:
            return ref
        return f"{org.short_name or org.name}: {contact.label}"
    if ref in ds.organisations:
        o = ds.organisations[ref]
        return o.short_name or o.name
    if ref in ds.roles:
        return ds.roles[ref].name
    if ref in ds.routines:
        return ds.routines[ref].title
    if ref in JOINT_ACTORS:
        return JOINT_ACTORS[ref]
    if ref in ds.by_kind("checklists"):
        return ds.by_kind("checklists")[ref].title
    if ref in ds.laws:
        law = ds.laws[ref]
        return law.short_name or law.title
    return ref


class Names:
    """Names, and what the day says about the organisations and routines they name."""

    HOW_WORDS: ClassVar[dict[str, str]] = {"sammenslått": "ble slått sammen med"}

    def __init__(self, ds: Dataset, today: dt.date):
        self.ds = ds
        self.today = today

    def name(self, ref: str) -> str:
        return entity_name(self.ds, ref)

    def name_list(self, refs: list[str]) -> str:
        return ", ".join(self.name(x) for x in refs)

    def ended(self, ref: str) -> Organisation | None:
        """The organisation `ref` names, when it has ended by today."""
        org = self.ds.organisations.get(ref.partition("/")[0])
        return org if org is not None and org.ended_on and org.ended_on <= self.today else None

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

    def name_now(self, ref: str) -> str:
        """The name, with the current organisation when it has merged or been renamed."""
        successor = self.successor(ref)
        return f"{self.name(ref)} (nå {self.name(successor.id)})" if successor else self.name(ref)

    def ended_parts(self, org: Organisation) -> tuple[str, Organisation | None, str]:
        """«NAV Rygge ble slått sammen med », successor, « 1. januar 2020.»: the sentence about an
        ended organisation split around its successor's name (successor None: the whole sentence)."""
        successor = self.successor(org.id)
        name = org.short_name or org.name
        when = date_words(org.ended_on)
        if successor is None:
            return f"{name} {'ble nedlagt' if org.ended_how == 'nedlagt' else 'opphørte'} {when}.", None, ""
        if org.ended_how == "nytt-navn":
            return f"{name} fikk nytt navn {when} og heter nå ", successor, "."
        if org.ended_how == "sammenslått":
            return f"{name} {self.HOW_WORDS['sammenslått']} ", successor, f" {when}."
        return f"{name} opphørte {when}. Oppgavene ligger nå hos ", successor, "."

    def ended_text(self, org: Organisation) -> str:
        """The sentence about an ended organisation as plain text."""
        before, successor, after = self.ended_parts(org)
        return before if successor is None else before + (successor.short_name or successor.name) + after

    def contact_entries(self, ref: str) -> list[tuple]:
        """(organisation, contact) pairs for 'org' (all its contacts) or 'org/contact'."""
        org_id, _, cid = ref.partition("/")
        org = self.ds.organisations.get(org_id)
        if org is None:
            return []
        return [(org, c) for c in org.contacts if not cid or c.id == cid]

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

    # ------------------------------------------------------------------ routines and the day

    def historical(self, r: Routine) -> bool:
        """A document that no longer applies: withdrawn, or a plan whose period has ended."""
        return r.status == "utgått" or bool(r.period and r.period.last_year < self.today.year)

    def overdue(self, r: Routine) -> bool:
        return bool(r.review_by and r.review_by < self.today and r.status != "utgått") or (
            self.historical(r) and r.status != "utgått")

    def status_words(self, r: Routine) -> str:
        """The routine's status for readers, with what the dates say about it."""
        if self.historical(r):
            if r.status == "utgått":
                return "Utgått"
            return f"Historisk: planperioden {r.period.words} er over"
        text = STATUS_WORDS[r.status]
        if r.review_by and r.review_by < self.today and r.status != "utgått":
            text += f", men evalueringen er forsinket (skulle vært evaluert innen {date_words(r.review_by)})"
        return text


def law_url(ds: Dataset, lr) -> str:
    """Lovdata's address for the paragraph (the whole law when no paragraph is given)."""
    law = ds.laws.get(lr.law)
    if law is None or not law.lovdata_url:
        return ""
    if lr.paragraph and lr.paragraph.startswith("§"):
        return f"{law.lovdata_url}/{lr.paragraph.replace(' ', '')}"
    return law.lovdata_url


def legal_words(ds: Dataset, lr) -> str:
    """«krisesenterlova § 2 andre ledd bokstav a»."""
    law = ds.laws.get(lr.law)
    name = (law.short_name or law.title) if law else lr.law
    return f"{name} {lr.paragraph_words}".strip()


def part_notes(ds: Dataset, routine: Routine, part) -> list[dict]:
    """What a section or block says about its own origin, for the site and the print alike:
    its source (named through the routine's `sources`) and its legal references, as plain
    text and addresses that each output escapes and links itself."""
    notes = []
    ref = next((s for s in routine.sources if s.id == part.source), None) if getattr(part, "source", None) else None
    if ref is not None:
        src = next((s for s in ds.sources.sources if s.id == ref.document), None) if ds.sources else None
        if src is not None:
            url = src.url if src.url and src.url.startswith("https://") else ""
            notes.append({"label": "Kilde", "text": src.title, "url": url, "where": ref.where or ""})
    for lr in getattr(part, "legal_basis", []):
        notes.append({"label": "Lovgrunnlag", "text": legal_words(ds, lr), "url": law_url(ds, lr), "where": ""})
    return notes
