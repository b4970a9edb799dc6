"""Who may sign for a party and what may change after signing: the party binding (organisation
number or listed fingerprint), key usage, the fields against the parties, and the strict change policy."""

from __future__ import annotations

from .common import FIELD_PREFIX, _cn


def parties_differ(meta, current) -> str | None:
    """When the PDF claims to be made from the data as it is now (same source hash), its
    parties, organisation numbers and allowed certificates must be the data's."""
    if current is None or current.source_hash != meta.source_hash:
        return None
    def key(m):
        return [(p.id, p.org_number, sorted(p.certificates)) for p in m.parties]
    if key(meta) != key(current):
        return ("partene i PDF-ens metadata stemmer ikke med dataene for den samme versjonen av rutinen "
                f"(PDF-en: {', '.join(p.id for p in meta.parties) or 'ingen'}; dataene: "
                f"{', '.join(p.id for p in current.parties) or 'ingen'}); PDF-en er endret etter at den ble laget")
    return None


def field_problems(names: list[str], meta) -> list[str]:
    """Missing, extra and renamed signature fields compared with the parties in the XMP."""
    expected = [p.field or FIELD_PREFIX + p.id for p in meta.parties]
    missing = [f for f in expected if f not in names]
    extra = [f for f in names if f not in expected]
    out = []
    if missing and extra and len(missing) == len(extra):
        out += [f"feltet {m} heter nå {e} (omdøpt)" for m, e in zip(missing, extra, strict=True)]
    else:
        if missing:
            out.append("signaturfelt mangler for " + ", ".join(m.removeprefix(FIELD_PREFIX) for m in missing))
        if extra:
            out.append("signaturfelt som ikke hører til noen part: " + ", ".join(extra))
    return out


def fingerprint(cert) -> str:
    import hashlib

    return hashlib.sha256(cert.dump()).hexdigest()


def _norm_fp(value: str) -> str:
    return value.replace(":", "").strip().lower()


def cert_org_numbers(cert) -> list[str]:
    """Organisation numbers a Norwegian enterprise certificate carries: subject serialNumber
    (Buypass, Commfides) or organizationIdentifier NTRNO-<9 digits> (eIDAS)."""
    import re

    found = []
    for rdn in cert.subject.chosen:
        for attr in rdn:
            oid = attr["type"].dotted
            try:
                value = str(attr["value"].native).strip()
            except (ValueError, TypeError):
                continue
            if oid == "2.5.4.5":  # serialNumber
                m = re.fullmatch(r"(?:NTRNO-)?(\d{9})", value.replace(" ", ""))
            elif oid == "2.5.4.97":  # organizationIdentifier
                m = re.fullmatch(r"NTRNO-(\d{9})", value.replace(" ", ""))
            else:
                continue
            if m and m.group(1) not in found:
                found.append(m.group(1))
    return found


def _who(party) -> str:
    return f"{party.name or party.id}"


def binding_problem(cert, party, source: str = "PDF-en") -> str | None:
    """Why `cert` may not sign for `party` (an xmp.Party), or None when it identifies it."""
    orgs = cert_org_numbers(cert)
    fp = fingerprint(cert)
    allowed = [_norm_fp(f) for f in party.certificates]
    if not party.org_number and not allowed:
        return (f"{source} oppgir verken organisasjonsnummer eller godkjente sertifikater for {_who(party)}, så ingen "
                "kan signere digitalt for parten. Legg inn org_number (med kilde) for organisasjonen eller "
                "sertifikatets fingeravtrykk under signing.signatories, og lag PDF-en på nytt")
    if party.org_number and party.org_number in orgs:
        return None
    if fp in allowed:
        return None
    expected = []
    if party.org_number:
        expected.append(f"organisasjonsnummer {party.org_number}")
    if allowed:
        expected.append("et sertifikat med fingeravtrykk " + " eller ".join(a[:16] + "…" for a in allowed))
    got = f"organisasjonsnummer {', '.join(orgs)}" if orgs else "ikke noe organisasjonsnummer"
    return (f"sertifikatet for «{_cn(cert)}» identifiserer ikke {_who(party)}: det har {got} "
            f"(SHA-256 {fp[:16]}…), men {source} krever " + " eller ".join(expected))


def key_usage_problem(cert) -> str | None:
    """The rule verify applies too: a signing certificate must allow nonRepudiation."""
    try:
        usage = cert.key_usage_value
    except ValueError:
        usage = None
    names = set(usage.native) if usage is not None else set()
    if "non_repudiation" not in names:
        has = ", ".join(sorted(names)) or "ingen"
        return (f"sertifikatet for «{_cn(cert)}» er ikke laget for å signere dokumenter: nøkkelbruken mangler "
                f"nonRepudiation (den har {has}). Bruk et virksomhetssertifikat for signering")
    return None


def strict_diff_policy():
    """After the first signature only these are acceptable: signatures in fields that
    existed already (each field once), and validation data (DSS) with the object and
    cross-reference streams that carry it. No new fields or annotations, no appearance
    changes of other fields, no /Info or XMP changes, no page changes."""
    from pyhanko.sign.diff_analysis import (
        CatalogModificationRule,
        DSSCompareRule,
        FormUpdatingRule,
        ModificationLevel,
        ObjectStreamRule,
        SigFieldModificationRule,
        StandardDiffPolicy,
        XrefStreamRule,
    )

    return StandardDiffPolicy(
        global_rules=[
            CatalogModificationRule(ignored_keys=frozenset({"/AcroForm", "/DSS", "/Extensions"})),
            XrefStreamRule().as_qualified(ModificationLevel.LTA_UPDATES),
            ObjectStreamRule().as_qualified(ModificationLevel.LTA_UPDATES),
            DSSCompareRule().as_qualified(ModificationLevel.LTA_UPDATES),
            _tagged_signature_widgets(),
        ],
        form_rule=FormUpdatingRule(field_rules=[SigFieldModificationRule(
            allow_in_place_appearance_stream_changes=False)]),
        reject_object_freeing=True,
        ignore_orphaned_objects=False,
    )


def _tagged_signature_widgets():
    """A rule for the one path the tag tree adds to a signature field: the /OBJR of its /Form
    structure element (`pdf.add_signature_fields`). When a party signs, its widget changes;
    pyHanko's form rule judges that change and clears the widget's paths from the form and
    the page, but not this one. This rule clears only that path, only for a signature field
    of the routine (party-*, in /AcroForm /Fields of the earlier revision) that the revision
    updates, and only where the structure element's /OBJR points at the widget; every other
    path to the widget, and what changed in it, is still the form rule's to approve."""
    from pyhanko.pdf_utils import generic
    from pyhanko.sign.diff_analysis import (
        ModificationLevel,
        QualifiedWhitelistRule,
        ReferenceUpdate,
    )
    from pyhanko.sign.diff_analysis.rules_api import Context

    class TaggedSignatureWidgets(QualifiedWhitelistRule):
        def apply_qualified(self, old, new):
            updated = new.explicit_refs_in_revision()
            try:
                fields = old.root["/AcroForm"]["/Fields"]
            except (KeyError, TypeError):
                return
            for ref in fields:
                if not isinstance(ref, generic.IndirectObject) or ref.reference not in updated:
                    continue
                field = ref.get_object()
                if field.get("/FT") != "/Sig" or not str(field.get("/T", "")).startswith(FIELD_PREFIX):
                    continue
                for path in old._get_usages_of_ref(ref.reference):
                    steps = list(path)
                    if steps[:3] != ["/Root", "/StructTreeRoot", "/K"] or steps[-1] != "/Obj":
                        continue
                    holder = old.trailer_view
                    for step in steps[:-1]:
                        holder = holder[step]
                    if isinstance(holder, generic.DictionaryObject) and holder.get("/Type") == "/OBJR":
                        yield ModificationLevel.FORM_FILLING, ReferenceUpdate(
                            ref.reference, context_checked=Context.from_absolute(old, path))

    return TaggedSignatureWidgets()


def _changes(status, covered_by_first: bool = False) -> tuple[str, str, bool]:
    """(coverage in words, what changed after in words, acceptable?)."""
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    coverage = status.coverage
    if coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return "hele filen", "ingen", True
    if coverage != SignatureCoverageLevel.ENTIRE_REVISION:
        return "uklart", "signaturen dekker ikke det den skal (mulig manipulering)", False
    if covered_by_first:
        return "sin versjon", "bare senere signaturer i de andre partenes felt", True
    level = status.modification_level
    diff = getattr(status, "diff_result", None)
    if level is None or not hasattr(diff, "modification_level"):
        return "sin versjon", "endringer som ikke er tillatt etter signering: " + _describe_diff(diff), False
    if status.docmdp_ok is False:
        return "sin versjon", "endringer som sertifiseringen (DocMDP) ikke tillater", False
    if level in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES):
        return "sin versjon", "bare valideringsdata (sertifikater og tilbakekallingsdata)", True
    if level == ModificationLevel.FORM_FILLING:
        return "sin versjon", "bare senere signaturer i de andre partenes felt", True
    return "sin versjon", "innholdet er endret etter signeringen (merknader eller annet innhold)", False


def _describe_diff(diff) -> str:
    """pyHanko's reason for a rejected change, put in words a leader can act on."""
    text = str(getattr(diff, "message", None) or diff or "ukjent endring")
    lower = text.lower()
    if "/annots" in lower or "annot" in lower or "widget" in lower:
        what = "nye felt eller merknader på en side"
    elif "/contents" in lower or "/page" in lower or "/kids" in lower:
        what = "sideinnholdet eller sidene er endret"
    elif "/info" in lower or "/metadata" in lower:
        what = "dokumentopplysningene (Info/XMP) er endret"
    elif "field" in lower or "/acroform" in lower or "/fields" in lower:
        what = "skjemafeltene er endret (nye, fjernede eller endrede felt)"
    elif "/ap" in lower or "appearance" in lower:
        what = "utseendet til et felt er endret"
    else:
        what = "innholdet er endret"
    return f"{what} ({text[:200]})"


def _is_certification(reader, emb) -> bool:
    """True when `emb` is the document's certification signature (/Perms /DocMDP), with
    permission level 2: form filling and signing."""
    from pyhanko.sign.fields import MDPPerm
    from pyhanko.sign.validation.pdf_embedded import read_certification_data

    try:
        info = read_certification_data(reader)
        return (info is not None and info.permission == MDPPerm.FILL_FORMS
                and info.author_sig.raw_get("/Contents") == emb.sig_object.raw_get("/Contents"))
    except Exception:  # noqa: BLE001 - a broken /Perms entry: not certified
        return False
