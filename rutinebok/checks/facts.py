"""Facts no source gives: recorded as unknown and flagged, never guessed."""

from __future__ import annotations

from ..model import SIGNABLE_KINDS
from ..words import date_words
from .registry import check, rule

STALE_CONTACT_YEARS = 3


@rule("RB023", "unknown-fact", "advarsel", family="fakta", kind="organisations")
def organisation_facts(ctx, org, src) -> None:
    """En opplysning mangler eller er gammel (f.eks. telefonnummer, navn, Lovdata-id, dato for
    revisjon). Den skal ikke gjettes: legg den inn når en offentlig kilde oppgir den."""
    for i, c in enumerate(org.contacts):
        if c.as_of and (ctx.today - c.as_of).days > 365 * STALE_CONTACT_YEARS:
            ctx.add(src, "RB023", ("contacts", i, "as_of"), f"«{c.label}» er sist bekreftet {date_words(c.as_of)}",
                    "kontroller opplysningen mot en ny kilde og oppdater as_of")
    if org.ended_source is None and org.ended_on is not None:
        # A merger or a new name is a fact like any other: without a cited source it stays flagged.
        ctx.add(src, "RB023", ("ended_on",), f"kilden for at {org.name} opphørte er ikke oppgitt",
                "legg inn ended_source med en offentlig kilde (Lovdata, regjeringen.no)")
    if org.ended_on is None and not any(c.phone for c in org.contacts):
        ctx.add(src, "RB023", ("contacts",), f"{org.name} har ikke noe telefonnummer registrert",
                "legg inn nummeret med kilde når en offentlig kilde oppgir det; gjett aldri")


@check("laws", codes=("RB023",))
def law_facts(ctx, law, src) -> None:
    if not law.official_id:
        ctx.add(src, "RB023", ("official_id",), f"Lovdata-id for «{law.title}» er ukjent",
                "slå opp id-en på lovdata.no og legg den inn")


@check("routines", codes=("RB023",))
def routine_facts(ctx, r, src) -> None:
    if r.status != "utgått" and r.kind == "samarbeidsrutine" and r.review_by is None:
        ctx.add(src, "RB023", ("review_by",), "rutinen har ingen dato for evaluering eller revisjon",
                "sett review_by")
    s = r.signing
    if s is None or r.kind not in SIGNABLE_KINDS:
        return
    unnamed = [sig.party for sig in s.signatories if not sig.name]
    if unnamed:
        ctx.add(src, "RB023", ("signing", "signatories"),
                f"navnet på den som signerte er ukjent for {len(unnamed)} av {len(s.signatories)} parter",
                "legg inn navn bare når et offentlig dokument oppgir dem")

