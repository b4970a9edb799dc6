"""Checklists and coverage (does a routine cover what it must?), sources and legal
references per section, and page anchors (issue 15)."""

from __future__ import annotations

from ..coverage import covers_in, resolve, routine_coverage
from ..findings import did_you_mean
from ..model import ASKS_WORDS, KIND_WORDS, Checklist, Routine
from .registry import RULES, check, define, rule

# Anchors the routine page makes itself; a section or block with one of these ids would give
# two elements with the same id on the page, and a link to it would land on the wrong one.
# («lovgrunnlag» is not here: the page moves its own heading to «lovgrunnlag-oversikt».)
PAGE_ANCHORS = ("styringsdokumenter", "vedlegg", "signaturer", "endringslogg", "sjekklister")


define("RB061", "checklist-item-weak", "advarsel", """
    Et punkt i en sjekkliste er bare svakt dekket: punktet krever at rutinen sier hvem som gjør
    det, en frist, hvem man kontakter eller hvor ofte, men delen som dekker det (covers), sier
    det ikke. Bruk en prosedyre, et ansvar, et møte eller en kontaktliste, ikke bare tekst.
    """, "sjekklister")
define("RB062", "checklist-wrong-kind", "advarsel", """
    Rutinen svarer til en sjekkliste som ikke gjelder for denne slags rutine (applies_to i
    sjekklisten).
    """, "sjekklister")
define("RB065", "covered-and-not-applicable", "advarsel", """
    Et punkt i en sjekkliste er både dekket (covers) og forklart som ikke relevant
    (not_applicable). Velg det ene.
    """, "sjekklister")


@check("checklists", codes=("RB009", "RB010", "RB011", "RB029"))
def check_checklist(ck, c: Checklist, src) -> None:
    """A checklist: its source, unique item ids, and its legal references."""
    ck.source(src, ("source",), c.source)
    ids = []
    for i, item in enumerate(c.items):
        ids.append((("items", i, "id"), item.id))
        if item.legal is not None:
            legal_ref(ck, src, ("items", i, "legal"), item.legal)
        for j, sub in enumerate(item.items):
            ids.append((("items", i, "items", j, "id"), sub.id))
            if sub.legal is not None:
                legal_ref(ck, src, ("items", i, "items", j, "legal"), sub.legal)
    ck.unique(src, ids, "punktet")
    versions = [e.version for e in c.change_log]
    if max(versions) != c.version:
        ck.add(src, "RB009", ("version",),
               f"versjon {c.version} stemmer ikke med endringsloggen (høyeste versjon der er {max(versions)})",
               "legg til en linje i change_log for den nye versjonen")


def legal_ref(ck, src, path: tuple, lr) -> None:
    """A reference to a law, and to a paragraph the data knows."""
    if not ck.ref(src, path + ("law",), lr.law, ck.ds.laws, "lov eller forskrift"):
        return
    law = ck.ds.laws[lr.law]
    if lr.paragraph and lr.paragraph not in {p.id for p in law.paragraphs}:
        ids = [p.id for p in law.paragraphs]
        ck.add(src, "RB010", path + ("paragraph",),
               f"{law.short_name or law.title} har ikke {lr.paragraph} i dataene",
               did_you_mean(lr.paragraph, ids) or f"legg paragrafen inn i {law.file}")


@check("routines", codes=("RB010", "RB029"))
def section_laws(ck, r: Routine, src) -> None:
    """Legal references per section name a law and a paragraph the data knows."""
    for path, section in r.walk_sections():
        for i, lr in enumerate(section.legal_basis):
            legal_ref(ck, src, path + ("legal_basis", i), lr)


@rule("RB063", "source-unused", "advarsel", family="henvisninger", kind="routines", also=("RB010", "RB011"))
def check_sources(ck, r: Routine, src) -> None:
    """En kilde i rutinens `sources` er ikke brukt av noen seksjon eller blokk (`source: <id>`).
    Skriv source på delen som bygger på kilden, eller fjern kilden."""
    ck.unique(src, ((("sources", i, "id"), s.id) for i, s in enumerate(r.sources)), "kilden")
    for i, s in enumerate(r.sources):
        ck.source(src, ("sources", i), s)
    named = [s.id for s in r.sources]
    used: set[str] = set()
    refs = [(path + ("source",), section.source) for path, section in r.walk_sections() if section.source]
    refs += [(path + ("source",), block.source) for path, block in r.walk_blocks() if block.source]
    for path, ref in refs:
        used.add(ref)
        if ref not in named:
            ck.add(src, "RB010", path, f"ukjent kilde «{ref}»: den står ikke i rutinens sources",
                   did_you_mean(ref, named) or "legg kilden inn under sources med id, document og where")
    for i, s in enumerate(r.sources):
        if s.id not in used:
            ck.add(src, "RB063", ("sources", i, "id"),
                   f"kilden «{s.id}» er ikke brukt av noen seksjon eller blokk",
                   f"skriv source: {s.id} på seksjonen eller blokken som bygger på den, eller fjern den")


@rule("RB064", "duplicate-anchor", "feil", family="henvisninger", kind="routines")
def check_anchors(ck, r: Routine, src) -> None:
    """En seksjon eller blokk har en id som siden for rutinen allerede bruker til en egen
    overskrift (f.eks. `vedlegg` eller `signaturer`). To elementer med samme id gir lenker som
    går feil. Gi seksjonen eller blokken en annen id."""
    for path, section in r.walk_sections():
        if section.id in PAGE_ANCHORS:
            ck.add(src, "RB064", path + ("id",),
                   f"seksjonen «{section.title}» har id-en «{section.id}», som siden allerede bruker til "
                   "en egen overskrift; to overskrifter med samme id gir en lenke som går feil",
                   f"gi seksjonen en annen id, f.eks. «{section.id}-rutine»")
    for path, block in r.walk_blocks():
        value_id = getattr(block.value, "id", None)
        if value_id in PAGE_ANCHORS:
            ck.add(src, "RB064", path + (block.kind, "id"),
                   f"id-en «{value_id}» brukes allerede av en overskrift på siden",
                   f"gi blokken en annen id, f.eks. «{value_id}-{block.kind}»")


@rule("RB060", "checklist-item-uncovered", "advarsel", family="sjekklister", kind="routines",
      also=("RB010", "RB011", "RB029", "RB061", "RB062", "RB065"))
def check_coverage(ck, r: Routine, src) -> None:
    """Et punkt i en sjekkliste rutinen svarer til (`checklists`), er verken dekket av en
    seksjon eller blokk (`covers: [punkt-id]`) eller forklart (`not_applicable: {punkt-id:
    hvorfor}`). Med `--strict` er det en feil. Dekk aldri et punkt rutinen ikke svarer på."""
    checklists = ck.ds.by_kind("checklists")
    for i, cid in enumerate(r.checklists):
        if not ck.ref(src, ("checklists", i), cid, checklists, "sjekkliste"):
            continue
        c = checklists[cid]
        if r.kind not in c.applies_to:
            ck.add(src, "RB062", ("checklists", i),
                   f"sjekklisten «{c.title}» gjelder for {', '.join(KIND_WORDS[k].lower() for k in c.applies_to)}, "
                   f"ikke for {KIND_WORDS[r.kind].lower()}", "fjern sjekklisten, eller velg riktig kind")
    ck.unique(src, ((("checklists", i), c) for i, c in enumerate(r.checklists)), "sjekklisten")
    if not r.checklists:
        _no_checklist(ck, r, src)
        return
    for _, path, _, ref in covers_in(r):
        _unknown_item(ck, src, r, path, ref)
    for ref in r.not_applicable:
        _unknown_item(ck, src, r, ("not_applicable", ref), ref, key=True)
    if r.status == "utgått":
        return
    for cov in routine_coverage(r, checklists):
        _coverage_findings(ck, r, src, cov, checklists)


def _coverage_findings(ck, r: Routine, src, cov, checklists) -> None:
    index = r.checklists.index(cov.checklist.id)
    for ic in cov.items:
        if ic.status == "ikke-dekket":
            ck.add(src, "RB060", ("checklists", index),
                   f"punktet «{ic.item.title}» ({ic.item.id}) i sjekklisten «{cov.checklist.title}» er verken "
                   "dekket eller forklart",
                   f"skriv covers: [{ic.item.id}] på seksjonen som dekker det, eller forklar under "
                   f"not_applicable hvorfor det ikke gjelder")
        elif ic.status == "svakt":
            asked = ", ".join(ASKS_WORDS[a] for a in ic.item.asks_for)
            ck.add(src, "RB061", ic.covers[0].path,
                   f"punktet «{ic.item.title}» er svakt dekket: delen som dekker det, {ic.weak_words}",
                   (f"punktet krever {asked}; " if asked else "") +
                   "bruk et ansvar, en prosedyre, et møte eller en kontaktliste, ikke bare tekst")
    covered = {i.item.id for i in cov.items if i.covers}
    for ref in r.not_applicable:
        c, iid, _ = resolve(r, checklists, ref)
        if c is cov.checklist and iid in covered:
            ck.add(src, "RB065", ("not_applicable", ref),
                   f"punktet «{iid}» er både dekket (covers) og forklart som ikke relevant",
                   "fjern det fra not_applicable, eller fjern covers")


def _no_checklist(ck, r: Routine, src) -> None:
    """covers or not_applicable in a routine that answers to no checklist."""
    for _, path, _, ref in covers_in(r):
        ck.add(src, "RB010", path, f"«{ref}» viser til et punkt, men rutinen svarer ikke til noen sjekkliste",
               "legg sjekklisten inn under checklists øverst i rutinen")
    for ref in r.not_applicable:
        ck.add(src, "RB010", ("not_applicable", ref),
               f"«{ref}» viser til et punkt, men rutinen svarer ikke til noen sjekkliste",
               "legg sjekklisten inn under checklists øverst i rutinen")


def _unknown_item(ck, src, r: Routine, path: tuple, ref: str, key: bool = False) -> None:
    c, _, candidates = resolve(r, ck.ds.by_kind("checklists"), ref)
    if c is not None:
        return
    if "/" not in ref and candidates and all(x.endswith("/" + ref) for x in candidates):
        ck.out.append(src.finding("RB010", RULES["RB010"].severity, path,
                                  f"punktet «{ref}» finnes i flere av rutinens sjekklister",
                                  "skriv " + " eller ".join(f"«{x}»" for x in candidates), key=key))
        return
    ck.out.append(src.finding("RB010", RULES["RB010"].severity, path, f"ukjent punkt «{ref}» i sjekklistene til rutinen",
                              did_you_mean(ref, candidates) or "punkter: " + ", ".join(candidates[:12]),
                              key=key))
