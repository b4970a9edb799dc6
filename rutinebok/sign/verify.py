"""`rutinebok verify`: each signature's integrity, trust, party binding and later changes, the
fields against the signed parties, and whether the routine's data changed since signing."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .common import (
    EXIT_CHANGED,
    EXIT_FAIL,
    EXIT_OK,
    EXIT_UNSIGNED,
    FIELD_PREFIX,
    SignError,
    _cn,
    _quiet_pyhanko,
)
from .keys import _load_trust
from .policy import (
    _changes,
    _is_certification,
    binding_problem,
    cert_org_numbers,
    field_problems,
    fingerprint,
    key_usage_problem,
    parties_differ,
    strict_diff_policy,
)
from .reading import (
    _data_party_meta,
    _fields_at,
    _load_data,
    _reader,
    party_fields,
    pdf_metadata,
    signed_meta,
    updates_before_signing,
)


@dataclass

class SignatureReport:
    field: str
    party: str
    signer: str  # the certificate's common name
    subject: str  # the full subject
    signed_at: str | None  # ISO 8601
    time_source: str  # "tidsstempel" or "oppgitt av den som signerte"
    intact: bool  # the signed bytes are unchanged
    valid: bool  # the signature matches the certificate's key
    trusted: bool  # the certificate chains to a --trust root
    timestamped: bool
    coverage: str  # what the signature covers
    changes_after: str  # what changed after it, in words
    changes_ok: bool  # only later signatures in the parties' own fields, and validation data
    ok: bool
    problems: list[str] = field(default_factory=list)
    bound: bool = False  # the certificate identifies the party (organisation number or fingerprint)
    fingerprint: str = ""  # SHA-256 of the certificate
    org_numbers: list[str] = field(default_factory=list)  # organisation numbers in the certificate
    certified: bool = False  # a certification signature (DocMDP)
    ltv: bool = False  # validated with the revocation data in the file (B-LT)


@dataclass

class VerifyReport:
    file: str
    routine: str | None = None
    version: str | None = None
    engine: str | None = None
    fields: dict[str, bool] = field(default_factory=dict)
    signatures: list[SignatureReport] = field(default_factory=list)
    source_hash: str | None = None
    current_hash: str | None = None
    data_note: str = ""
    kind: str | None = None
    parties: list[str] = field(default_factory=list)  # the parties the signed revision names
    structure_problems: list[str] = field(default_factory=list)  # fields vs parties, metadata
    data_missing: bool = False  # the routine is no longer in the data

    @property
    def changed_since_signing(self) -> bool | None:
        """True when the routine's data changed after the PDF was made; None when unknown."""
        if self.data_missing:
            return True
        if not self.source_hash or not self.current_hash:
            return None
        return self.source_hash != self.current_hash

    @property
    def unsigned(self) -> list[str]:
        return [p for p, signed in self.fields.items() if not signed]

    def failures(self, allow_unsigned: bool = False) -> list[str]:
        """Why verification fails, in Norwegian; empty when it passes."""
        return [text for _, text in self._failures(allow_unsigned)]

    def _failures(self, allow_unsigned: bool = False) -> list[tuple[int, str]]:
        out = []
        if not self.fields:
            out.append((EXIT_FAIL, "PDF-en har ingen signaturfelt for parter"))
        out += [(EXIT_FAIL, p) for p in self.structure_problems]
        for s in self.signatures:
            if not s.ok:
                out.append((EXIT_FAIL, f"signaturen for {s.party} er ikke i orden: " + "; ".join(s.problems)))
        if self.changed_since_signing:
            out.append((EXIT_CHANGED, ("dataene for rutinen er endret etter at PDF-en ble laget; signaturene "
                                      "gjelder en eldre versjon")))
        if self.unsigned and not allow_unsigned:
            out.append((EXIT_UNSIGNED, f"{len(self.unsigned)} av {len(self.fields)} parter har ikke signert ("
                        + ", ".join(self.unsigned) + "); bruk --allow-unsigned for å godta det"))
        return out

    def exit_code(self, allow_unsigned: bool = False) -> int:
        """0 ok; 1 a signature broken, untrusted or not the party's, or a forbidden change;
        4 the data changed since signing; 3 fields not signed yet. The most serious wins."""
        codes = {code for code, _ in self._failures(allow_unsigned)}
        for code in (EXIT_FAIL, EXIT_CHANGED, EXIT_UNSIGNED):
            if code in codes:
                return code
        return EXIT_OK

    def as_dict(self, allow_unsigned: bool = False) -> dict:
        d = asdict(self)
        d["changed_since_signing"] = self.changed_since_signing
        d["unsigned"] = self.unsigned
        d["failures"] = self.failures(allow_unsigned)
        d["exit_code"] = self.exit_code(allow_unsigned)
        d["ok"] = not d["failures"]
        return d


def _validation_context(roots, reader, when: dt.datetime | None):
    """Trust roots, plus the file's own certificates and revocation data (DSS) when it has
    them, so a B-LT signature checks at the time its timestamp proves, also after the
    certificate has expired."""
    from pyhanko_certvalidator import ValidationContext

    kwargs: dict = {"trust_roots": roots, "allow_fetching": False}
    try:
        from pyhanko.sign.validation import DocumentSecurityStore

        dss = DocumentSecurityStore.read_dss(reader)
    except Exception:  # noqa: BLE001 - no DSS
        dss = None
    if dss is not None:
        kwargs["revocation_mode"] = "hard-fail"
        if when is not None:
            kwargs["moment"] = when
        try:
            return dss.as_validation_context(kwargs), True
        except Exception:  # noqa: BLE001 - unreadable validation data: validate without it
            kwargs.pop("moment", None)
            kwargs.pop("revocation_mode", None)
    return ValidationContext(**kwargs), False


def verify_pdf(pdf: Path, trust: list[Path], data_dir: Path | None = None, ds=None, _reader_data=None) -> VerifyReport:  # noqa: C901 - one refusal or check after another, in the order a user meets them
    """Verify every signature in `pdf` against the `trust` roots, the parties named in the
    signed revision and the strict change policy; compare with the data in `ds` or `data_dir`."""
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints

    roots = _load_trust(list(trust))
    reader, _ = _reader_data or _reader(pdf)
    ds = _load_data(ds, data_dir)
    info = pdf_metadata(reader)
    meta = signed_meta(reader)
    report = VerifyReport(file=str(pdf), fields=party_fields(reader), engine=info["engine"])
    if meta is None:
        report.routine, report.version, report.source_hash = info["routine"], info["version"], None
        report.structure_problems.append("PDF-en har ingen rutinebok-metadata (XMP) i den signerte versjonen, så "
                                         "det er ukjent hvilke parter som skal signere")
    else:
        report.routine, report.version, report.kind = meta.routine_id, meta.version, meta.kind
        report.source_hash, report.engine = meta.source_hash, meta.engine or info["engine"]
        report.parties = [p.id for p in meta.parties]
        report.structure_problems += field_problems(_fields_at(reader, None), meta)
        extra = updates_before_signing(reader)
        if extra and report.fields and any(report.fields.values()):
            report.structure_problems.append(
                f"PDF-en ble endret {extra} gang(er) etter at den ble laget og før første signatur; det første "
                "signerte dokumentet er ikke det rutinebok laget")
    try:
        embedded = list(reader.embedded_signatures)
    except Exception as exc:  # noqa: BLE001 - pyHanko on a broken signature dictionary
        raise SignError(f"{pdf}: signaturene kan ikke leses ({exc})") from None
    if embedded and meta is not None:
        at_first = _fields_at(reader, embedded[0].signed_revision)
        now_fields = _fields_at(reader, None)
        added = [f for f in now_fields if f not in at_first]
        if added:
            report.structure_problems.append("felt lagt til etter første signatur: " + ", ".join(added))
    parties = {p.id: p for p in meta.parties} if meta else {}
    current = _data_party_meta(ds, data_dir, meta.routine_id) if meta else None
    current_parties = {p.id: p for p in current.parties} if current else {}
    if meta is not None:
        differ = parties_differ(meta, current)
        if differ:
            report.structure_problems.append(differ)
    policy = strict_diff_policy()
    usage = KeyUsageConstraints(key_usage={"non_repudiation"}, match_all_key_usages=True)
    seen_fp: dict[str, str] = {}
    # The first signature's difference analysis covers every later revision, one pair at a
    # time; a later signature's changes are a suffix of those. When the first passes, the
    # others need no analysis of their own (it is quadratic in the number of revisions).
    first_ok = False
    for n, emb in enumerate(embedded):
        skip_diff = n > 0 and first_ok
        name = emb.field_name or "?"
        party = name.removeprefix(FIELD_PREFIX)
        try:
            with _quiet_pyhanko():
                vc, ltv = _validation_context(roots, reader, None)
                status = validate_pdf_signature(emb, vc, diff_policy=policy, key_usage_settings=usage,
                                                skip_diff=skip_diff)
                ts = status.timestamp_validity
                if ltv and not status.trusted and ts is not None and ts.intact and ts.valid and ts.trusted:
                    # B-LT: check the chain when the timestamp proves the signature existed,
                    # with the certificates and revocation data stored in the file.
                    vc, ltv = _validation_context(roots, reader, ts.timestamp)
                    status = validate_pdf_signature(emb, vc, diff_policy=policy, key_usage_settings=usage,
                                                    skip_diff=skip_diff)
        except Exception as exc:  # noqa: BLE001 - pyHanko raises on signatures it cannot even parse
            report.signatures.append(SignatureReport(
                name, party, "ukjent", "", None, "", False, False, False, False, "uklart", "kunne ikke kontrolleres",
                False, False, [f"signaturen kan ikke kontrolleres ({type(exc).__name__}: {exc})"]))
            continue
        cert = status.signing_cert
        coverage, changes, changes_ok = _changes(status, skip_diff)
        if n == 0:
            first_ok = changes_ok
        ts = status.timestamp_validity
        when = ts.timestamp if ts is not None else status.signer_reported_dt
        problems = []
        if not status.intact:
            problems.append("filen er endret etter signeringen (de signerte bytene stemmer ikke)")
        elif not status.valid:
            problems.append("signaturen stemmer ikke med sertifikatet")
        usage_problem = key_usage_problem(cert)
        if usage_problem:
            problems.append(usage_problem)
        elif getattr(status, "revoked", False):
            problems.append("sertifikatet er tilbakekalt (ifølge tilbakekallingsdataene, OCSP eller CRL); signaturen "
                            "gjelder ikke. Parten må signere på nytt med et gyldig sertifikat")
        elif not status.trusted:
            problems.append("sertifikatet er ikke klarert (kjedes ikke til noe --trust-sertifikat, eller er utløpt "
                            "eller tilbakekalt)" if roots else
                            "sertifikatet er ikke klarert (oppgi utstederen med --trust CA.pem)")
        if not changes_ok:
            problems.append(f"endringer etter signeringen: {changes}")
        if ts is not None and not (ts.intact and ts.valid):
            problems.append("tidsstempelet er ikke gyldig")
        certifies = _is_certification(reader, emb)
        if n == 0 and not certifies:
            problems.append("første signatur sertifiserer ikke dokumentet (DocMDP mangler), så senere endringer er "
                            "ikke låst")
        elif n > 0 and certifies:
            problems.append("bare første signatur kan sertifisere dokumentet")
        bound = False
        if party not in parties:
            problems.append(f"feltet {name} hører ikke til noen part i rutinen")
        else:
            problem = binding_problem(cert, parties[party])
            if problem is None and party in current_parties:
                problem = binding_problem(cert, current_parties[party], "dataene")
            if problem:
                problems.append(problem)
            else:
                bound = True
        fp = fingerprint(cert)
        if fp in seen_fp:
            problems.append(f"det samme sertifikatet har allerede signert for {seen_fp[fp]}; hver part signerer "
                            "med sitt eget")
        seen_fp.setdefault(fp, party)
        report.signatures.append(SignatureReport(
            field=name, party=party, signer=_cn(cert), subject=cert.subject.human_friendly,
            signed_at=when.isoformat() if when else None,
            time_source="tidsstempel" if ts is not None else "oppgitt av den som signerte",
            intact=bool(status.intact), valid=bool(status.valid), trusted=bool(status.trusted),
            timestamped=ts is not None, coverage=coverage, changes_after=changes, changes_ok=changes_ok,
            ok=not problems, problems=problems, bound=bound, fingerprint=fp, org_numbers=cert_org_numbers(cert),
            certified=certifies, ltv=ltv))
    _compare_with_data(report, data_dir, ds)
    return report


def _compare_with_data(report: VerifyReport, data_dir: Path | None, ds) -> None:
    if hasattr(ds, "compare"):  # worker.DataWorker: this function, run on the data in a forked process
        ds.compare(report)
        return
    from ..archive import routine_source_hash, source_hash

    if not report.routine or not report.source_hash:
        report.data_note = "PDF-en har ingen kontrollsum for dataene i den signerte versjonen"
        return
    path = None
    if ds is not None:
        from ..archive import _entity_path

        path = _entity_path(ds, "routines", report.routine)
    elif data_dir is not None:
        path = next((p for p in (Path(data_dir) / "routines" / f"{report.routine}{s}" for s in (".yml", ".yaml"))
                     if p.is_file()), None)
        if path is None and not Path(data_dir).is_dir():
            report.data_note = f"fant ikke datamappen {data_dir}; kunne ikke sammenligne med dataene"
            return
    else:
        return
    if path is None:
        report.data_missing = True
        report.data_note = f"rutinen {report.routine} finnes ikke lenger i dataene"
        return
    if ds is not None and report.routine in ds.routines:
        report.current_hash = routine_source_hash(ds, report.routine, report.engine or "")
    else:
        report.current_hash = source_hash(path.read_bytes(), report.engine or "")
    if report.changed_since_signing:
        report.data_note = ("dataene for rutinen er endret etter at PDF-en ble laget (endret etter signering): "
                            "signaturene gjelder en eldre versjon")
    else:
        report.data_note = "PDF-en stemmer med dataene slik de er nå"
