"""Signing and verifying routine PDFs: PAdES signatures by pyHanko, one party at a time.

Each signature is an incremental update, so earlier signatures stay valid. Signed files
are never overwritten. Verification reports every party's field, each signature's signer,
time, integrity and trust, changes after signing, and whether the data changed since.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .findings import did_you_mean

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
FIELD_PREFIX = "party-"


class SignError(Exception):
    """A refusal with a message the user can act on."""


def _reader(path: Path):
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SignError(f"kan ikke lese {path}: {exc.strerror}") from None
    if not data.startswith(b"%PDF-"):
        raise SignError(f"{path} er ikke en PDF-fil")
    if b"%%EOF" not in data[-1024:]:
        raise SignError(f"{path} er avkortet (mangler slutten av filen)")
    try:
        return PdfFileReader(io.BytesIO(data), strict=False), data
    except (PdfReadError, ValueError, KeyError, IndexError) as exc:
        raise SignError(f"{path} er en skadet PDF: {exc}") from None


def party_fields(reader) -> dict[str, bool]:
    """party id -> signed?"""
    from pyhanko.sign.fields import enumerate_sig_fields

    out = {}
    for name, value, _ref in enumerate_sig_fields(reader):
        if name.startswith(FIELD_PREFIX):
            out[name[len(FIELD_PREFIX):]] = value is not None
    return out


def _load_signer(args):
    from pyhanko.sign import signers

    passphrase = None
    if args.passphrase_env:
        if args.passphrase_env not in os.environ:
            raise SignError(f"miljøvariabelen {args.passphrase_env} er ikke satt")
        passphrase = os.environ[args.passphrase_env].encode()
    try:
        if args.p12:
            signer = signers.SimpleSigner.load_pkcs12(str(args.p12), passphrase=passphrase)
        else:
            signer = signers.SimpleSigner.load(str(args.key), str(args.cert), key_passphrase=passphrase)
    except (ValueError, TypeError, OSError) as exc:
        signer = None
        reason = str(exc)
    else:
        reason = ""
    if signer is None:
        raise SignError("kunne ikke åpne nøkkelen: feil passord, eller filen er ikke en gyldig nøkkel/sertifikat"
                        + (f" ({reason})" if reason else ""))
    return signer


def _check_validity(cert, now: dt.datetime) -> None:
    not_before = cert.not_valid_before
    not_after = cert.not_valid_after
    who = cert.subject.human_friendly
    if now < not_before:
        raise SignError(f"sertifikatet for «{who}» er ikke gyldig ennå (gyldig fra {not_before:%d.%m.%Y})")
    if now > not_after:
        raise SignError(f"sertifikatet for «{who}» gikk ut {not_after:%d.%m.%Y}")


def sign_pdf(pdf: Path, party: str, out: Path, signer, timestamp_url: str | None = None,
             timestamper=None, now: dt.datetime | None = None) -> Path:
    """Sign party's field as PAdES (B-B, or B-T with a timestamper) into a new file `out`."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    if out.exists():
        raise SignError(f"{out} finnes allerede; signerte filer overskrives aldri. Velg et annet navn med --out")
    reader, data = _reader(pdf)
    parties = party_fields(reader)
    if party not in parties:
        hint = did_you_mean(party, parties)
        raise SignError(f"PDF-en har ikke noe signaturfelt for «{party}»"
                        + (f" ({hint})" if hint else "") + ". Feltene er: " + ", ".join(parties))
    if parties[party]:
        raise SignError(f"feltet for {party} er allerede signert")
    _check_validity(signer.signing_cert, now or dt.datetime.now(dt.UTC))
    if timestamper is None and timestamp_url:
        from pyhanko.sign.timestamps import HTTPTimeStamper

        timestamper = HTTPTimeStamper(timestamp_url)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_PREFIX + party, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason="Godkjent av part", location=None,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    buffer = io.BytesIO()
    signers.sign_pdf(writer, meta, signer=signer, timestamper=timestamper, output=buffer)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(buffer.getvalue())
    try:
        os.link(tmp, out)  # fails if `out` appeared meanwhile: never overwrite a signed file
    except FileExistsError:
        raise SignError(f"{out} finnes allerede; signerte filer overskrives aldri") from None
    finally:
        tmp.unlink(missing_ok=True)
    return out


# --------------------------------------------------------------------------- verification


@dataclass
class SignatureReport:
    party: str
    signer: str
    signed_at: str | None
    intact: bool
    valid: bool
    trusted: bool
    timestamped: bool
    changes_after: str  # "ingen", "bare senere signaturer", or what changed
    ok: bool


@dataclass
class VerifyReport:
    file: str
    fields: dict[str, bool] = field(default_factory=dict)
    signatures: list[SignatureReport] = field(default_factory=list)
    source_hash: str | None = None
    data_hash: str | None = None
    routine: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def changed_since_signing(self) -> bool | None:
        if not self.source_hash or not self.data_hash:
            return None
        return self.source_hash != self.data_hash


def verify_pdf(pdf: Path, trust: list[Path], data_dir: Path | None = None) -> VerifyReport:
    from asn1crypto import pem, x509
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader, _ = _reader(pdf)
    report = VerifyReport(file=str(pdf), fields=party_fields(reader))
    roots = []
    for path in trust:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise SignError(f"kan ikke lese {path}: {exc.strerror}") from None
        if pem.detect(raw):
            _, _, raw = pem.unarmor(raw)
        roots.append(x509.Certificate.load(raw))
    vc = ValidationContext(trust_roots=roots, allow_fetching=False)
    for emb in reader.embedded_signatures:
        name = emb.field_name
        party = name.removeprefix(FIELD_PREFIX)
        try:
            status = validate_pdf_signature(emb, vc)
        except Exception as exc:  # pyHanko raises on unreadable signature structures
            report.signatures.append(SignatureReport(party, "ukjent", None, False, False, False, False,
                                                     f"kunne ikke kontrolleres: {exc}", False))
            continue
        level = status.modification_level
        if level is None or level == ModificationLevel.NONE:
            changes = "ingen"
        elif level in (ModificationLevel.LTA_UPDATES, ModificationLevel.FORM_FILLING):
            changes = "bare senere signaturer og utfylling av felt"
        else:
            changes = "innholdet er endret etter signeringen"
        ok = bool(status.intact and status.valid and status.trusted and (status.docmdp_ok is not False)
                  and changes != "innholdet er endret etter signeringen")
        when = status.signer_reported_dt or (status.timestamp_validity.timestamp
                                             if status.timestamp_validity else None)
        report.signatures.append(SignatureReport(
            party=party, signer=status.signing_cert.subject.human_friendly,
            signed_at=when.isoformat() if when else None, intact=bool(status.intact), valid=bool(status.valid),
            trusted=bool(status.trusted), timestamped=status.timestamp_validity is not None,
            changes_after=changes, ok=ok))
    info = reader.trailer["/Info"] if "/Info" in reader.trailer else {}
    report.source_hash = str(info.get("/rutineboksourcehash")) if "/rutineboksourcehash" in info else None
    report.routine = str(info.get("/rutinebokid")) if "/rutinebokid" in info else None
    if data_dir is not None and report.routine:
        from .findings import Report
        from .load import load_dataset
        from .pdf import routine_source_hash

        ds = load_dataset(data_dir, Report())
        if report.routine in ds.routines:
            report.data_hash = routine_source_hash(ds, report.routine)
    return report


def format_report(rep: VerifyReport) -> str:
    lines = [f"{rep.file}" + (f" (rutine {rep.routine})" if rep.routine else "")]
    signed = {s.party: s for s in rep.signatures}
    for party, is_signed in rep.fields.items():
        s = signed.get(party)
        if not is_signed or s is None:
            lines.append(f"  {party}: ikke signert")
            continue
        state = "uendret" if s.intact else "ENDRET etter signering"
        trust = "klarert" if s.trusted else "IKKE klarert (sertifikatet kjedes ikke til --trust)"
        when = s.signed_at or "ukjent tid"
        lines.append(f"  {party}: signert av {s.signer}, {when}; {state}; {trust}; "
                     f"endringer etterpå: {s.changes_after}" + ("; tidsstemplet" if s.timestamped else ""))
    if rep.changed_since_signing:
        lines.append("  Dataene er endret etter at PDF-en ble laget: signaturene gjelder en eldre versjon.")
    elif rep.changed_since_signing is False:
        lines.append("  PDF-en stemmer med dataene slik de er nå.")
    return "\n".join(lines)


def signing_status(ds, signed_dir: Path, data_dir: Path | None) -> dict[str, list[dict]]:
    """Signed copies under signed/<routine-id>/*.pdf, read from the PDFs themselves.

    For each copy: who signed which field and when, whether each signature is intact,
    which parties have not signed, and whether the data changed after the PDF was made.
    """
    out: dict[str, list[dict]] = {}
    if not signed_dir.is_dir():
        return out
    for folder in sorted(p for p in signed_dir.iterdir() if p.is_dir()):
        for pdf in sorted(folder.glob("*.pdf")):
            try:
                rep = verify_pdf(pdf, [], data_dir)
            except SignError as exc:
                out.setdefault(folder.name, []).append({"file": pdf.name, "error": str(exc)})
                continue
            out.setdefault(folder.name, []).append({
                "file": pdf.name,
                "signatures": [{"party": s.party, "signer": s.signer, "when": s.signed_at, "intact": s.intact}
                               for s in rep.signatures],
                "unsigned": [p for p, signed in rep.fields.items() if not signed],
                "changed_since_signing": rep.changed_since_signing,
            })
    return out


# --------------------------------------------------------------------------- command line


def cmd_sign(args: argparse.Namespace) -> int:
    if bool(args.p12) == bool(args.key or args.cert) or (not args.p12 and not (args.key and args.cert)):
        print("rutinebok sign: bruk enten --p12 FIL, eller både --key PEM og --cert PEM", file=sys.stderr)
        return EXIT_USAGE
    out = args.out or args.pdf.with_name(f"{args.pdf.stem}.signert-{args.party}.pdf")
    try:
        signer = _load_signer(args)
        sign_pdf(args.pdf, args.party, out, signer, timestamp_url=args.timestamp_url)
    except SignError as exc:
        print(f"rutinebok sign: {exc}", file=sys.stderr)
        return EXIT_FAIL
    print(f"Signerte feltet for {args.party}: {out}")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    try:
        rep = verify_pdf(args.pdf, args.trust, args.data)
    except SignError as exc:
        print(f"rutinebok verify: {exc}", file=sys.stderr)
        return EXIT_FAIL
    if args.format == "json":
        out = asdict(rep)
        out["changed_since_signing"] = rep.changed_since_signing
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(format_report(rep))
    all_ok = all(s.ok for s in rep.signatures)
    all_signed = all(rep.fields.values()) if rep.fields else False
    return EXIT_OK if all_ok and (all_signed or args.allow_unsigned) else EXIT_FAIL


def add_parsers(sub) -> None:
    s = sub.add_parser("sign", help="signer en parts felt i en rutine-PDF (PAdES)")
    s.add_argument("pdf", type=Path)
    s.add_argument("--party", required=True, help="parten (organisasjons-id) som signerer")
    s.add_argument("--p12", type=Path, help="PKCS#12-fil med nøkkel og sertifikat")
    s.add_argument("--key", type=Path, help="privat nøkkel (PEM)")
    s.add_argument("--cert", type=Path, help="sertifikat (PEM)")
    s.add_argument("--passphrase-env", metavar="VAR", help="miljøvariabel med passordet")
    s.add_argument("--timestamp-url", help="tidsstempeltjeneste (gir PAdES B-T)")
    s.add_argument("--out", type=Path, help="ny fil for den signerte PDF-en (overskrives aldri)")
    s.set_defaults(handler=cmd_sign)

    v = sub.add_parser("verify", help="kontroller signaturene i en rutine-PDF")
    v.add_argument("pdf", type=Path)
    v.add_argument("--trust", type=Path, action="append", default=[], help="klarert rot-sertifikat (PEM/DER)")
    v.add_argument("--data", type=Path, default=Path("data"), help="datamappen, for å se om dataene er endret")
    v.add_argument("--allow-unsigned", action="store_true", help="godta felt som ikke er signert ennå")
    v.add_argument("--format", choices=("text", "json"), default="text")
    v.set_defaults(handler=cmd_verify)
