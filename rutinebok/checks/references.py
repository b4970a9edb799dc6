"""References: every id a file names must exist, be of the right kind, and be unique."""

from __future__ import annotations

import re

from ..findings import did_you_mean
from ..words import date_words
from .registry import Notice, check, define, rule

define("RB010", "unknown-reference", "feil", """
    En henvisning peker på noe som ikke finnes (en id, paragraf, seksjon, tiltak, tidsregel
    eller kontakt).""", "henvisninger")
define("RB011", "duplicate-id", "feil", """
    Den samme id-en er brukt to ganger (to filer, to seksjoner, to parter eller to
    signaturfelt for samme part). Meldingen sier hvor den første står.""", "henvisninger")
define("RB029", "reference-wrong-kind", "feil", """
    En id finnes, men er feil slags ting (f.eks. en rolle der det skal være en
    organisasjon).""", "henvisninger")

_LINK = re.compile(r"^@([a-z0-9][a-z0-9-]*)(?:#([a-z0-9][a-z0-9-]*))?$")


@check(None, codes=("RB010", "RB011"))
def sources_and_glossary(ctx) -> None:
    ds = ctx.ds
    if ds.sources is not None:
        src = ds.source_of(ds.sources)
        ctx.unique(src, ((("sources", i, "id"), s.id) for i, s in enumerate(ds.sources.sources)), "kilden")
    if ds.glossary is not None:
        src = ds.source_of(ds.glossary)
        ctx.unique(src, ((("terms", i, "term"), t.term) for i, t in enumerate(ds.glossary.terms)), "ordet",
                   "hvert ord står én gang i ordlisten")
        for i, term in enumerate(ds.glossary.terms):
            ctx.source(src, ("terms", i, "source"), term.source)


@check("organisations", codes=("RB010", "RB011"))
def organisation_references(ctx, org, src) -> None:
    for field in ("owned_by", "serves"):
        for i, ref in enumerate(getattr(org, field)):
            ctx.ref(src, (field, i), ref, ctx.orgs, "organisasjon")
    for field in ("part_of", "replaced_by"):
        if getattr(org, field):
            ctx.ref(src, (field,), getattr(org, field), ctx.orgs, "organisasjon")
    ctx.source(src, ("source",), org.source)
    ctx.unique(src, ((("contacts", i, "id"), c.id) for i, c in enumerate(org.contacts)), "kontaktpunktet")
    for i, c in enumerate(org.contacts):
        ctx.source(src, ("contacts", i, "source"), c.source)
    if org.ended_source is not None:
        ctx.source(src, ("ended_source",), org.ended_source)


@check("roles", codes=("RB010",))
def role_references(ctx, role, src) -> None:
    for i, ref in enumerate(role.organisations):
        ctx.ref(src, ("organisations", i), ref, ctx.orgs, "organisasjon")
    if role.part_of:
        ctx.ref(src, ("part_of",), role.part_of, ctx.roles, "rolle")
    ctx.source(src, ("source",), role.source)


@rule("RB042", "role-part-of-cycle", "feil", family="henvisninger", kind="roles")
def role_cycle(ctx, role, src) -> None:
    """En rolle er en del av seg selv gjennom `part_of` (A er del av B, som er del av A)."""
    if not role.part_of or role.part_of not in ctx.roles:
        return
    seen, cur = {role.id}, ctx.roles[role.part_of]
    while cur is not None:
        if cur.id in seen:
            ctx.add(src, "RB042", ("part_of",), f"rollen «{role.name}» er en del av seg selv gjennom part_of",
                    "fjern part_of i en av rollene")
            return
        seen.add(cur.id)
        cur = ctx.roles.get(cur.part_of) if cur.part_of else None


@check("laws", codes=("RB010", "RB011"))
def law_references(ctx, law, src) -> None:
    ctx.source(src, ("source",), law.source)
    ctx.unique(src, ((("paragraphs", i, "id"), p.id) for i, p in enumerate(law.paragraphs)), "paragrafen")
    for i, p in enumerate(law.paragraphs):
        for j, change in enumerate(p.changes):
            ctx.source(src, ("paragraphs", i, "changes", j, "source"), change.source)
            if change.see:
                ctx.ref(src, ("paragraphs", i, "changes", j, "see"), change.see, ctx.ds.laws, "lov")


@check("documents", codes=("RB010", "RB011"))
def document_references(ctx, doc, src) -> None:
    ctx.source(src, ("source",), doc.source)
    ctx.unique(src, ((("measures", i, "number"), m.number) for i, m in enumerate(doc.measures)), "tiltaket")


@check("routines", codes=("RB010", "RB011"))
def routine_references(ctx, r, src) -> None:
    ctx.source(src, ("source",), r.source)
    if r.owner:
        ctx.ref(src, ("owner",), r.owner, ctx.orgs, "organisasjon")
    for i, p in enumerate(r.parties):
        ctx.ref(src, ("parties", i), p, ctx.orgs, "organisasjon")
    for i, a in enumerate(r.external_actors):
        ctx.actor(src, ("external_actors", i), a)
    ctx.unique(src, ((("parties", i), p) for i, p in enumerate(r.parties)), "parten")
    if r.approved:
        ctx.source(src, ("approved", "source"), r.approved.source)
        if r.approved.organisation:
            ctx.ref(src, ("approved", "organisation"), r.approved.organisation, ctx.orgs, "organisasjon")
    ctx.unique(src, ((("attachments", i, "id"), a.id) for i, a in enumerate(r.attachments)), "vedlegget")
    ctx.unique(src, ((path + ("id",), s.id) for path, s in r.walk_sections()), "seksjonen",
               "gi seksjonen en annen id; lenker (@rutine#seksjon) og veivisere bruker den")
    block_ids = []
    for path, block in r.walk_blocks():
        if block.caution is not None:
            ctx.source(src, path + ("caution", "source"), block.caution.source)
            if block.caution.law:
                ctx.ref(src, path + ("caution", "law"), block.caution.law, ctx.ds.laws, "lov")
        if block.kind != "rule" and hasattr(block.value, "id"):
            block_ids.append((path + (block.kind, "id"), block.value.id))
    ctx.unique(src, block_ids, "id-en")


@check("routines", codes=("RB010",))
def governing_document_measures(ctx, r, src) -> None:
    for i, d in enumerate(r.governing_documents):
        path = ("governing_documents", i)
        if not ctx.ref(src, path + ("document",), d.document, ctx.ds.documents, "styringsdokument"):
            continue
        doc = ctx.ds.documents[d.document]
        numbers = [m.number for m in doc.measures]
        for j, m in enumerate(d.measures):
            if m not in numbers:
                ctx.add(src, "RB010", path + ("measures", j), f"«{doc.title}» har ikke tiltak nr. {m}",
                        did_you_mean(m, numbers) or "legg tiltaket inn i dokumentets measures")


@rule("RB025", "document-superseded", "advarsel", family="henvisninger", kind="routines",
      notice=Notice("Et styringsdokument er erstattet", "info"))
def superseded_documents(ctx, r, src) -> None:
    """Rutinen bygger på et dokument som er erstattet."""
    for i, d in enumerate(r.governing_documents):
        doc = ctx.ds.documents.get(d.document)
        if doc is not None and doc.superseded:
            ctx.add(src, "RB025", ("governing_documents", i, "document"),
                    f"rutinen bygger på «{doc.title}», som er erstattet",
                    doc.superseded_note or "vis til det nye dokumentet")


@rule("RB026", "organisation-ended", "advarsel", family="henvisninger", reader_visible=True)
def ended_organisations(ctx) -> None:
    """Rutinen viser til en organisasjon som har opphørt (slått sammen eller fått nytt navn).
    Leserne ser en merknad om hvem som har overtatt."""
    ended = {k: o for k, o in ctx.orgs.items() if o.ended_on and o.ended_on <= ctx.today}
    if not ended:
        return
    for r in ctx.ds.routines.values():
        if r.status == "utgått":
            continue
        src = ctx.ds.source_of(r)
        for field in ("parties", "external_actors"):
            for i, p in enumerate(getattr(r, field)):
                if p in ended:
                    o = ended[p]
                    ctx.add(src, "RB026", (field, i), f"{o.name} opphørte {date_words(o.ended_on)}",
                            f"nå: {o.replaced_by}" if o.replaced_by else "")


@rule("RB024", "broken-link", "feil", family="henvisninger", also=("RB050", "RB051"))
def text_links(ctx) -> None:
    """En lenke i teksten (`[tekst](@id)` eller `@id#seksjon`) peker på noe som ikke finnes."""
    from .inert import links_in_file

    for src in ctx.ds.files.values():
        links_in_file(ctx, src)


def id_link(ctx, src, path: tuple, target: str) -> bool:
    """RB024 for an @id link; False when the target is not an @id link at all."""
    m = _LINK.match(target.strip())
    if not m:
        return False
    ref, anchor = m.group(1), m.group(2)
    if ref not in ctx.ids:
        ctx.add(src, "RB024", path, f"lenken @{ref} peker på noe som ikke finnes",
                did_you_mean(ref, ctx.ids) or "bruk id-en til en rutine, organisasjon, rolle eller lov")
    elif anchor and ref in ctx.ds.routines:
        sections = ctx.section_ids(ref)
        if anchor not in sections:
            ctx.add(src, "RB024", path, f"rutinen {ref} har ingen seksjon «{anchor}»",
                    did_you_mean(anchor, sections))
    return True
