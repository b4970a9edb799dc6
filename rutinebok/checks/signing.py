"""Signing: who signs an agreement, and whether the signing that is recorded fits it."""

from __future__ import annotations

from ..findings import did_you_mean
from ..model import KIND_WORDS, SIGNABLE_KINDS
from ..words import date_words
from .registry import rule


@rule("RB037", "signing-by-kind", "advarsel", family="signering", kind="routines")
def signing_by_kind(ctx, r, src) -> None:
    """En avtale (samarbeidsrutine, ansvarsdeling) mangler parter, eller et dokument som ikke
    signeres (plan, rapport, arbeidsprosess) har signering."""
    kind = KIND_WORDS.get(r.kind, r.kind).lower()
    if r.kind in SIGNABLE_KINDS and not r.parties and r.status != "utgått":
        ctx.add(src, "RB037", ("parties",),
                f"en {kind} er en avtale som partene signerer, men rutinen har ingen parter",
                "legg inn partene under parties, eller velg en kind som ikke signeres")
    if r.kind not in SIGNABLE_KINDS and r.signing is not None:
        ctx.add(src, "RB037", ("signing",),
                f"en {kind} signeres ikke av partene, men rutinen har signering registrert",
                "fjern signing, eller sett kind: samarbeidsrutine hvis dokumentet er en avtale")


@rule("RB038", "signing-missing", "advarsel", family="signering", kind="routines")
def signing_missing(ctx, r, src) -> None:
    """En avtale med parter har ingen signering registrert (`signing`). Legg den inn når
    rutinen er signert."""
    if r.signing is None and r.signable and r.status != "utgått":
        ctx.add(src, "RB038", ("parties",), "ingen signering er registrert for partene",
                "legg inn signing når rutinen er signert")


@rule("RB014", "signed-after-effective", "advarsel", family="signering", kind="routines")
def signed_after_effective(ctx, r, src) -> None:
    """Rutinen ble signert etter datoen den skulle gjelde fra."""
    s = r.signing
    if r.kind in SIGNABLE_KINDS and s is not None and s.date and r.valid_from and s.date > r.valid_from:
        ctx.add(src, "RB014", ("signing", "date"),
                f"rutinen ble signert {date_words(s.date)}, etter at den trådte i kraft "
                f"{date_words(r.valid_from)}", "sjekk datoene; en rutine bør signeres før den gjelder")


@rule("RB017", "signatory-not-party", "feil", family="signering", kind="routines", also=("RB010", "RB011"))
def signatories(ctx, r, src) -> None:
    """Noen signerer som ikke er part i rutinen."""
    if r.kind not in SIGNABLE_KINDS or r.signing is None:
        return
    signed: dict[str, int] = {}
    for i, sig in enumerate(r.signing.signatories):
        path = ("signing", "signatories", i)
        if ctx.ref(src, path + ("party",), sig.party, ctx.orgs, "organisasjon") and sig.party not in r.parties:
            ctx.add(src, "RB017", path + ("party",), f"{sig.party} signerer, men er ikke part",
                    did_you_mean(sig.party, r.parties) or "legg den til i parties, eller fjern signaturen")
        if sig.role:
            ctx.actor(src, path + ("role",), sig.role)
        if sig.party in signed:
            line, _ = src.position(("signing", "signatories", signed[sig.party]))
            ctx.add(src, "RB011", path + ("party",),
                    f"{sig.party} har to signaturfelt (det første på linje {line})")
        signed[sig.party] = i


@rule("RB016", "party-not-signatory", "feil", family="signering", kind="routines")
def parties_without_signature(ctx, r, src) -> None:
    """En part mangler signaturfelt under `signing.signatories`."""
    if r.kind not in SIGNABLE_KINDS or r.signing is None:
        return
    signed = {sig.party for sig in r.signing.signatories}
    for i, p in enumerate(r.parties):
        if p not in signed:
            ctx.add(src, "RB016", ("parties", i), f"parten {p} har ikke noe signaturfelt",
                    "legg til en linje under signing.signatories")


@rule("RB041", "signer-unknown", "advarsel", family="signering", kind="routines")
def signers_known(ctx, r, src) -> None:
    """En part kan ikke signere digitalt: verken organisasjonsnummeret (`org_number`) eller
    godkjente sertifikater (`signing.signatories[].fingerprints`) er registrert."""
    if r.status == "utgått" or not r.signable:
        return
    listed = {sig.party for sig in (r.signing.signatories if r.signing else []) if sig.fingerprints}
    unknown = [p for p in r.parties if p in ctx.orgs and not ctx.orgs[p].org_number and p not in listed]
    if unknown:
        ctx.add(src, "RB041", ("parties",),
                "digital signering er ikke mulig for " + ", ".join(unknown) + ": verken organisasjonsnummer "
                "eller godkjente sertifikater er registrert",
                "legg inn org_number med org_number_source (fra Enhetsregisteret) i data/organisations/<id>.yml, "
                "eller sertifikatenes SHA-256-fingeravtrykk under signing.signatories[].fingerprints")
