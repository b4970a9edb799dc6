"""`rutinebok sign`: one party's field signed into a new file, after every refusal has been checked."""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

from ..findings import did_you_mean
from .common import FIELD_PREFIX, SignError, _cn, _quiet_pyhanko
from .keys import _load_trust, check_key_matches, check_validity
from .policy import binding_problem, field_problems, fingerprint, key_usage_problem, parties_differ
from .reading import (
    _data_party_meta,
    _fields_at,
    _load_data,
    _reader,
    _reader_class,
    party_fields,
    pdfa_problems,
    signed_meta,
    updates_before_signing,
)
from .stamp import _stamp_style, _trusted_now, stamp_text
from .verify import verify_pdf


def default_output(pdf: Path, party: str) -> Path:
    """Next to the input: <name>.signed-by-<party>.pdf."""
    pdf = Path(pdf)
    return pdf.with_name(f"{pdf.stem}.signed-by-{party}.pdf")


class _NoMetaUpdates:
    """pyHanko rewrites /Info and replaces the XMP packet (losing the PDF/A identification and
    the archive metadata) in every incremental update it writes. A signature changes neither."""

    def __enter__(self):
        from pyhanko.pdf_utils.writer import BasePdfFileWriter

        self._cls, self._orig = BasePdfFileWriter, BasePdfFileWriter._update_meta
        BasePdfFileWriter._update_meta = lambda self: None
        return self

    def __exit__(self, *exc):
        self._cls._update_meta = self._orig


def _write_new(out: Path, data: bytes) -> None:
    """Write `data` as the new file `out`: never over an existing file or through a link.
    A fresh temporary name (O_EXCL, in the same folder) is linked to `out`; link() fails
    when `out` exists, as a file or as a link."""
    import tempfile

    folder = out.parent if str(out.parent) else Path(".")
    if out.is_symlink() or out.exists():
        raise SignError(f"{out} finnes allerede; en signert fil overskrives aldri. Velg et annet navn med --out")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise SignError(f"kunne ikke skrive i mappen {folder}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.link(tmp, out, follow_symlinks=False)
    except FileExistsError:
        raise SignError(f"{out} finnes allerede; en signert fil overskrives aldri") from None
    except OSError as exc:
        raise SignError(f"kunne ikke skrive {out}: {exc.strerror}") from None
    finally:
        with __import__("contextlib").suppress(OSError):
            os.unlink(tmp)


def sign_pdf(pdf: Path, party: str, out: Path, signer, timestamp_url: str | None = None,  # noqa: C901 - one refusal or check after another, in the order a user meets them
             timestamper=None, now: dt.datetime | None = None, trust: list[Path] | None = None,
             data_dir: Path | None = None, ds=None, validation_context=None, fields_after: dict | None = None) -> Path:
    """Sign party's field in `pdf` into the new file `out`: PAdES B-B, or B-LT with a
    timestamper (timestamp plus certificates and revocation data in the DSS).

    Refuses, before writing anything: a certificate that does not identify the party, lacks
    nonRepudiation, has expired or does not match the key; a PDF whose earlier signatures
    fail, that was changed after its last signature, whose fields do not match its parties,
    or whose data changed since it was made."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.fields import MDPPerm

    pdf, out = Path(pdf), Path(out)
    if out.is_symlink() or out.exists():
        raise SignError(f"{out} finnes allerede; en signert fil overskrives aldri. Velg et annet navn med --out")
    reader, data = _reader(pdf)
    ds = _load_data(ds, data_dir)
    meta = signed_meta(reader)
    if meta is None:
        raise SignError(f"{pdf} har ingen rutinebok-metadata (XMP); lag PDF-en med `rutinebok pdf`")
    names = _fields_at(reader, None)
    parties = party_fields(reader)
    expected = {p.id: p for p in meta.parties}
    if party not in parties:
        hint = did_you_mean(party, parties)
        raise SignError(f"PDF-en har ikke noe signaturfelt for «{party}»" + (f" ({hint})" if hint else "")
                        + ". Partene som kan signere er: " + ", ".join(parties))
    if parties[party]:
        raise SignError(f"feltet for {party} er allerede signert i {pdf}; hver part signerer én gang")
    if not any(parties.values()) and updates_before_signing(reader):
        raise SignError(f"{pdf} er endret etter at rutinebok laget den ({updates_before_signing(reader)} "
                        "oppdatering(er) uten signatur). Lag PDF-en på nytt med `rutinebok pdf`, eller hent den "
                        "opprinnelige")
    problems = field_problems(names, meta)
    if problems:
        raise SignError(f"{pdf} har ikke de signaturfeltene rutinen har parter for: " + "; ".join(problems)
                        + ". Hent den opprinnelige PDF-en")
    cert = signer.signing_cert
    who = expected[party]
    for problem in (key_usage_problem(cert), binding_problem(cert, who)):
        if problem:
            raise SignError(problem)
    current = _data_party_meta(ds, data_dir, meta.routine_id)
    if current is not None:
        if current.source_hash != meta.source_hash:
            raise SignError(f"dataene for rutinen {meta.routine_id} er endret etter at PDF-en ble laget; lag PDF-en "
                            "på nytt med `rutinebok pdf` og signer den nye")
        differ = parties_differ(meta, current)
        if differ:
            raise SignError(differ)
        now_party = next((p for p in current.parties if p.id == party), None)
        if now_party is not None:
            problem = binding_problem(cert, now_party, "dataene")
            if problem:
                raise SignError(problem)
    check_validity(cert, now or dt.datetime.now(dt.UTC))
    check_key_matches(signer)
    # Earlier signatures: intact, valid, bound to their parties, and nothing after the last.
    if any(parties.values()):
        problem = _prior_problem(pdf, reader, data, cert, trust, ds, data_dir)
        if problem:
            raise SignError(problem)
    if timestamper is None and timestamp_url:
        from pyhanko.sign.timestamps import HTTPTimeStamper

        timestamper = HTTPTimeStamper(timestamp_url, timeout=20)
    first = not any(parties.values())
    when, from_ts = dt.datetime.now(dt.UTC), False
    if timestamper is not None:
        try:
            when, from_ts = _trusted_now(timestamper), True
        except Exception as exc:  # noqa: BLE001 - network or protocol errors of the timestamp server
            raise SignError(f"tidsstempeltjenesten {timestamp_url or ''} svarte ikke ({type(exc).__name__}: "
                            f"{str(exc)[:200]}). Sjekk adressen og nettverket, eller signer uten --timestamp-url"
                            ) from None
    meta_args = {
        "field_name": FIELD_PREFIX + party, "subfilter": fields.SigSeedSubFilter.PADES, "md_algorithm": "sha256",
        "reason": f"Godkjent for {who.name or party}", "name": _cn(cert),
        "certify": first, "docmdp_permissions": MDPPerm.FILL_FORMS,
    }
    if timestamper is not None:
        vc = validation_context
        if vc is None:
            from pyhanko_certvalidator import ValidationContext

            vc = ValidationContext(trust_roots=_load_trust(list(trust or [])) or None, allow_fetching=True)
        meta_args.update(embed_validation_info=True, validation_context=vc)
    sig_meta = signers.PdfSignatureMetadata(**meta_args)
    buffer = io.BytesIO()
    style = _stamp_style(stamp_text(_cn(cert), who.name or party, when, from_ts))
    try:
        with _NoMetaUpdates(), _quiet_pyhanko():
            # The reader that checked the file: its objects are parsed already.
            writer = IncrementalPdfFileWriter.from_reader(reader)
            signers.PdfSigner(sig_meta, signer=signer, timestamper=timestamper, stamp_style=style).sign_pdf(
                writer, existing_fields_only=True, output=buffer)
    except Exception as exc:  # noqa: BLE001 - pyHanko: signing, timestamp server, revocation or PDF structure errors
        name = type(exc).__name__
        text = str(exc)[:300]
        refusal = _validation_refusal(exc, cert)
        if refusal:
            raise SignError(refusal) from None
        if "imestamp" in name or "imestamp" in text:
            raise SignError(f"tidsstempeltjenesten {timestamp_url or ''} svarte ikke som ventet ({text}). Prøv "
                            "igjen, eller signer uten --timestamp-url") from None
        if "Revocation" in name or "revocation" in text.lower() or "Path" in name or "Validation" in name:
            raise SignError(f"kunne ikke hente tilbakekallingsdata for sertifikatet for langtidsvalidering ({text}). "
                            "Sjekk nettverket, og at utstederen er oppgitt med --trust") from None
        raise SignError(f"signeringen mislyktes ({name}: {text})") from None
    signed = buffer.getvalue()
    written = _check_new_signature(signed, FIELD_PREFIX + party)
    _write_new(out, signed)
    if fields_after is not None:  # party id -> signed?, as read from the bytes just written
        fields_after.update(party_fields(written))
    return out



def _validation_refusal(exc: BaseException, cert) -> str | None:
    """The reason pyHanko could not validate the signer's certificate while gathering B-LT
    data, when the cause is one a leader can act on (revoked, expired, not trusted)."""
    from pyhanko_certvalidator.errors import (
        ExpiredError,
        InvalidCertificateError,
        PathBuildingError,
        RevokedError,
    )

    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, RevokedError):
            return (f"sertifikatet for «{_cn(cert)}» er tilbakekalt (ifølge utstederens tilbakekallingsdata, OCSP eller "
                    "CRL). Det kan ikke brukes til å signere; skaff et nytt sertifikat")
        if isinstance(exc, ExpiredError):
            return f"sertifikatet for «{_cn(cert)}» (eller utstederens) er utløpt. Skaff et nytt sertifikat"
        if isinstance(exc, PathBuildingError):
            return (f"sertifikatet for «{_cn(cert)}» kjedes ikke til noe klarert rotsertifikat; oppgi utstederen med "
                    "--trust CA.pem")
        if isinstance(exc, InvalidCertificateError):
            return f"sertifikatet for «{_cn(cert)}» er ikke gyldig for signering ({str(exc)[:200]})"
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def _prior_problem(pdf: Path, reader, data: bytes, cert, trust, ds, data_dir) -> str | None:
    """Why the earlier signatures forbid adding one more, or None."""
    rep = verify_pdf(pdf, list(trust or []), ds=ds, data_dir=data_dir, _reader_data=(reader, data))
    fp = fingerprint(cert)
    for s in rep.signatures:
        bad = [p for p in s.problems if trust or "ikke klarert" not in p]
        if bad:
            return (f"signaturen for {s.party} i {pdf} er ikke i orden: " + "; ".join(bad)
                    + ". Signer ikke denne filen; hent en riktig kopi")
        if s.fingerprint == fp:
            return (f"sertifikatet for «{_cn(cert)}» har allerede signert for {s.party}; hver part signerer med "
                    "sitt eget sertifikat")
    if rep.structure_problems:
        return f"{pdf} er endret på en måte som ikke er tillatt: " + "; ".join(rep.structure_problems)
    if rep.signatures and rep.signatures[-1].coverage != "hele filen":
        return (f"{pdf} er endret etter siste signatur ({rep.signatures[-1].changes_after}); signer ikke denne "
                "filen, men kopien slik den var etter siste signatur")
    return None


def _check_new_signature(data: bytes, field_name: str):
    """The signature just made must be intact and match its certificate, and the file must
    still be PDF/A (XMP identification kept, every font embedded), before it is written."""
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = _reader_class()(io.BytesIO(data), strict=False)
    emb = next((e for e in reader.embedded_signatures if e.field_name == field_name), None)
    if emb is None:
        raise SignError("signeringen mislyktes: signaturen finnes ikke i resultatet")
    with _quiet_pyhanko():
        # Integrity and key only: trust was checked before signing. Without roots of its own,
        # pyHanko would load the system's ~140 trust roots for nothing (0.1 s).
        status = validate_pdf_signature(emb, ValidationContext(trust_roots=[], allow_fetching=False), skip_diff=True)
    if not (status.intact and status.valid):
        raise SignError("signaturen som ble laget, stemmer ikke med sertifikatet; nøkkelen og sertifikatet hører "
                        "ikke sammen")
    problems = pdfa_problems(reader)
    if problems:
        raise SignError("den signerte filen ville ikke vært PDF/A: " + "; ".join(problems))
    return reader
