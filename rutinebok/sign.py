"""Signing and verifying routine PDFs: PAdES signatures by pyHanko, one party at a time.

`rutinebok sign` fills one party's field (``party-<organisation-id>``) with a PAdES
signature (B-B offline, B-T with a timestamp server) as an incremental update, so earlier
signatures stay valid. A signed file is always a new file; nothing is overwritten.

`rutinebok verify` reports every party's field, each signature's signer, time, integrity,
trust and what changed after it, and whether the routine's data changed since the PDF was
made. `signing_status` gives the site the same facts for the copies under signed/.
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
from typing import Any

from .findings import did_you_mean

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
FIELD_PREFIX = "party-"
FONT_FILE = Path(os.environ.get("RUTINEBOK_FONT_DIR", "/usr/share/fonts/truetype/dejavu")) / "DejaVuSans.ttf"


class SignError(Exception):
    """A refusal with a message the user can act on (printed without a traceback)."""

    def __init__(self, message: str, exit_code: int = EXIT_FAIL):
        super().__init__(message)
        self.exit_code = exit_code


# --------------------------------------------------------------------------- reading


def _reader(path: Path):
    """(pyHanko reader, file bytes) for a PDF, or SignError saying what is wrong with it."""
    from pyhanko.pdf_utils.misc import PdfError as PyHankoPdfError

    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SignError(f"fant ikke filen {path}") from None
    except IsADirectoryError:
        raise SignError(f"{path} er en mappe, ikke en PDF-fil") from None
    except OSError as exc:
        raise SignError(f"kan ikke lese {path}: {exc.strerror}") from None
    if not data.lstrip()[:5] == b"%PDF-":
        raise SignError(f"{path} er ikke en PDF-fil (den begynner ikke med %PDF-)")
    if b"%%EOF" not in data[-2048:]:
        raise SignError(f"{path} er avkortet: slutten av PDF-filen mangler (%%EOF). Hent filen på nytt")
    try:
        reader = _reader_class()(io.BytesIO(data), strict=False)
        reader.root  # noqa: B018 - forces the cross-reference table and catalog to be read
    except (PyHankoPdfError, ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise SignError(f"{path} er en skadet PDF-fil og kan ikke leses ({exc})") from None
    return reader, data


_READER_CLASS = None


def _reader_class():
    """pyHanko's reader, reading each object stream once.

    pyHanko 0.38 decompresses and scans a whole object stream for every object it reads
    from it. WeasyPrint puts a tagged PDF's ~1,000 structure elements into one object
    stream, and the modification analysis reads them all: quadratic, many seconds per
    signature. This reader keeps each decoded stream and its offset table.
    """
    global _READER_CLASS
    if _READER_CLASS is not None:
        return _READER_CLASS
    from pyhanko.pdf_utils import generic, misc
    from pyhanko.pdf_utils.generic import DecodePurpose
    from pyhanko.pdf_utils.reader import PdfFileReader

    class Reader(PdfFileReader):
        def _get_object_from_stream(self, idnum, stmnum, idx):
            stream = generic.Reference(stmnum, 0, self).get_object()
            cache = self.__dict__.setdefault("_rb_objstm", {})
            entry = cache.get(id(stream))
            if entry is None or entry[0] is not stream:
                if not isinstance(stream, generic.StreamObject) or stream.get("/Type") != "/ObjStm":
                    return super()._get_object_from_stream(idnum, stmnum, idx)
                data = stream.read_data(DecodePurpose.OBJECT_STREAM)
                buf, offsets = io.BytesIO(data), {}
                try:
                    for _ in range(int(stream["/N"])):
                        misc.read_non_whitespace(buf, seek_back=True)
                        objnum = generic.NumberObject.read_from_stream(buf)
                        misc.read_non_whitespace(buf, seek_back=True)
                        offsets.setdefault(int(objnum), int(generic.NumberObject.read_from_stream(buf)))
                except (ValueError, misc.PdfReadError):
                    return super()._get_object_from_stream(idnum, stmnum, idx)
                entry = cache[id(stream)] = (stream, data, offsets, int(stream["/First"]))
            _, data, offsets, first = entry
            if idnum not in offsets:
                return super()._get_object_from_stream(idnum, stmnum, idx)
            buf = io.BytesIO(data)
            buf.seek(first + offsets[idnum])
            try:
                return generic.read_object(buf, generic.Reference(idnum, 0, self))
            except (misc.PdfStreamError, misc.PdfReadError):
                return super()._get_object_from_stream(idnum, stmnum, idx)

    _READER_CLASS = Reader
    return Reader


def party_fields(reader) -> dict[str, bool]:
    """party id -> signed?, in the order of the fields in the PDF."""
    from pyhanko.sign.fields import enumerate_sig_fields

    out = {}
    for name, value, _ref in enumerate_sig_fields(reader):
        if name.startswith(FIELD_PREFIX):
            out[name[len(FIELD_PREFIX):]] = value is not None
    return out


def pdf_metadata(reader) -> dict[str, str | None]:
    """The routine id, routine version, source hash and engine version the PDF was made from."""
    try:
        info = reader.trailer["/Info"]
    except (KeyError, TypeError):
        info = {}

    def get(*keys: str) -> str | None:
        for key in keys:
            if key in info:
                return str(info[key])
        return None

    return {
        "routine": get("/RutinebokId", "/rutinebokid"),
        "version": get("/RutinebokVersion", "/rutinebokversion"),
        "source_hash": get("/RutinebokSourceHash", "/rutineboksourcehash"),
        "engine": get("/RutinebokEngine", "/rutinebokengine"),
    }


# --------------------------------------------------------------------------- signing


def load_signer(p12: Path | None = None, key: Path | None = None, cert: Path | None = None,
                passphrase: bytes | None = None):
    """A pyHanko signer from a PKCS#12 file, or from a PEM key and certificate."""
    from pyhanko.sign import signers

    for path in (p12, key, cert):
        if path is not None and not Path(path).is_file():
            raise SignError(f"fant ikke filen {path}")
    if p12 is not None:
        raw = Path(p12).read_bytes()
        if not raw.startswith(b"\x30"):
            raise SignError(f"{p12} er ikke en PKCS#12-fil (.p12/.pfx)")
        try:
            return signers.SimpleSigner.load_pkcs12_data(raw, other_certs=None, passphrase=passphrase)
        except ValueError:
            if passphrase is None:
                raise SignError(f"{p12} er passordbeskyttet: oppgi passordet i en miljøvariabel og bruk "
                                "--passphrase-env VARIABEL") from None
            raise SignError(f"feil passord for {p12} (eller filen er skadet)") from None
        except Exception as exc:  # noqa: BLE001 - e.g. a PKCS#12 file with certificates but no key
            raise SignError(f"{p12} har ikke både en privat nøkkel og et sertifikat ({exc})") from None
    signer = None
    try:
        signer = signers.SimpleSigner.load(str(key), str(cert), key_passphrase=passphrase)
    except TypeError:
        if passphrase is None:
            raise SignError(f"nøkkelen {key} er passordbeskyttet: bruk --passphrase-env VARIABEL") from None
        raise SignError(f"nøkkelen {key} er ikke passordbeskyttet; dropp --passphrase-env") from None
    except ValueError:
        raise SignError(f"feil passord for nøkkelen {key}, eller filen er ikke en privat nøkkel") from None
    if signer is None:
        raise SignError(f"kunne ikke lese nøkkelen {key} og sertifikatet {cert}: feil passord, eller filene "
                        "er ikke en privat nøkkel og et sertifikat i PEM- eller DER-format")
    return signer


def _cn(cert) -> str:
    try:
        return cert.subject.native.get("common_name") or cert.subject.human_friendly
    except (AttributeError, ValueError):
        return "ukjent"


def check_validity(cert, now: dt.datetime) -> None:
    """Refuse a certificate that has expired or is not valid yet."""
    not_before, not_after = cert.not_valid_before, cert.not_valid_after
    who = _cn(cert)
    if now < not_before:
        raise SignError(f"sertifikatet for «{who}» er ikke gyldig ennå: det gjelder fra "
                        f"{not_before:%d.%m.%Y %H:%M} UTC. Vent, eller bruk et gyldig sertifikat")
    if now > not_after:
        raise SignError(f"sertifikatet for «{who}» gikk ut {not_after:%d.%m.%Y}. Skaff et nytt sertifikat")


def default_output(pdf: Path, party: str) -> Path:
    """Next to the input: <name>.signed-by-<party>.pdf."""
    pdf = Path(pdf)
    return pdf.with_name(f"{pdf.stem}.signed-by-{party}.pdf")


def _font_factory(font_file: Path, font_size: int = 8):
    """pyHanko's OpenType font engine, measuring in 1/1000 em.

    pyHanko 0.38 writes a TrueType font's glyph widths (/W) in the font's own units; PDF
    wants 1/1000 em, so a font with 2048 units per em (DejaVu) came out twice as wide.
    Shaping and measuring in 1000 units per em gives the right widths for any font.
    """
    from dataclasses import dataclass as _dataclass

    from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory

    class Accumulator(GlyphAccumulator):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._to_milli = 1000 / self.units_per_em
            self.hb_font.scale = (1000, 1000)
            self.units_per_em = 1000

        def _get_cid_and_width(self, glyph_id: int) -> tuple[int, int]:
            if glyph_id not in self._glyphs:
                cid, width = super()._get_cid_and_width(glyph_id)
                self._glyphs[glyph_id] = (cid, round(width * self._to_milli))
            return self._glyphs[glyph_id]

    @_dataclass(frozen=True)
    class Factory(GlyphAccumulatorFactory):
        def create_font_engine(self, writer, obj_stream=None):
            with open(self.font_file, "rb") as fh:
                handle = io.BytesIO(fh.read())
            if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
                obj_stream = writer.prepare_object_stream()
            return Accumulator(writer=writer, font_handle=handle, font_size=self.font_size,
                               ot_script_tag=self.ot_script_tag, ot_language_tag=self.ot_language_tag,
                               writing_direction=self.writing_direction, bcp47_lang_code="nb",
                               obj_stream=obj_stream)

    return Factory(str(font_file), font_size=font_size)


def _stamp_style():
    import logging

    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    logging.getLogger("fontTools").setLevel(logging.ERROR)  # "FFTM NOT subset" notes from subsetting
    # The appearance is drawn with an embedded DejaVu subset, as PDF/A requires, so Norwegian
    # letters show; the box itself is the one printed on the signature page.
    font = _font_factory(FONT_FILE) if FONT_FILE.is_file() else None
    text_box = TextBoxStyle(font=font, font_size=8) if font else TextBoxStyle()
    return TextStampStyle(stamp_text="Signert digitalt av\n%(signer)s\n%(ts)s", timestamp_format="%d.%m.%Y %H:%M %Z",
                          text_box_style=text_box, border_width=0, background=None)


def sign_pdf(pdf: Path, party: str, out: Path, signer, timestamp_url: str | None = None,
             timestamper=None, now: dt.datetime | None = None) -> Path:
    """Sign party's field in `pdf` as PAdES (B-B, or B-T with a timestamper) into the new file `out`."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    pdf, out = Path(pdf), Path(out)
    if out.exists():
        raise SignError(f"{out} finnes allerede; en signert fil overskrives aldri. Velg et annet navn med --out")
    reader, data = _reader(pdf)
    parties = party_fields(reader)
    if not parties:
        raise SignError(f"{pdf} har ingen signaturfelt for parter (party-<id>); lag PDF-en med `rutinebok pdf`")
    if party not in parties:
        hint = did_you_mean(party, parties)
        raise SignError(f"PDF-en har ikke noe signaturfelt for «{party}»" + (f" ({hint})" if hint else "")
                        + ". Partene som kan signere er: " + ", ".join(parties))
    if parties[party]:
        raise SignError(f"feltet for {party} er allerede signert i {pdf}; hver part signerer én gang")
    check_validity(signer.signing_cert, now or dt.datetime.now(dt.UTC))
    if timestamper is None and timestamp_url:
        from pyhanko.sign.timestamps import HTTPTimeStamper

        timestamper = HTTPTimeStamper(timestamp_url, timeout=30)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_PREFIX + party, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason=f"Godkjent av {party}",
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    buffer = io.BytesIO()
    try:
        signers.PdfSigner(meta, signer=signer, timestamper=timestamper, stamp_style=_stamp_style()).sign_pdf(
            writer, existing_fields_only=True, output=buffer)
    except Exception as exc:  # pyHanko: signing, timestamp server or PDF structure errors
        from pyhanko.sign.general import SigningError
        from pyhanko.sign.timestamps import TimestampRequestError

        if isinstance(exc, TimestampRequestError) or "timestamp" in type(exc).__name__.lower():
            raise SignError(f"tidsstempeltjenesten {timestamp_url or ''} svarte ikke som ventet: {exc}") from None
        if isinstance(exc, SigningError | ValueError | KeyError | OSError):
            raise SignError(f"signeringen mislyktes: {exc}") from None
        raise
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(buffer.getvalue())
        os.link(tmp, out)  # fails if `out` appeared meanwhile: never overwrite a signed file
    except FileExistsError:
        raise SignError(f"{out} finnes allerede; en signert fil overskrives aldri") from None
    except OSError as exc:
        raise SignError(f"kunne ikke skrive {out}: {exc.strerror}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return out


# --------------------------------------------------------------------------- verification


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
    changes_ok: bool  # only later signatures / form filling
    ok: bool
    problems: list[str] = field(default_factory=list)


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

    @property
    def changed_since_signing(self) -> bool | None:
        """True when the routine's data changed after the PDF was made; None when unknown."""
        if not self.source_hash or not self.current_hash:
            return None
        return self.source_hash != self.current_hash

    @property
    def unsigned(self) -> list[str]:
        return [p for p, signed in self.fields.items() if not signed]

    def failures(self, allow_unsigned: bool = False) -> list[str]:
        """Why verification fails, in Norwegian; empty when it passes."""
        out = []
        if not self.fields:
            out.append("PDF-en har ingen signaturfelt for parter")
        for s in self.signatures:
            if not s.ok:
                out.append(f"signaturen for {s.party} er ikke i orden: " + "; ".join(s.problems))
        if self.unsigned and not allow_unsigned:
            out.append(f"{len(self.unsigned)} av {len(self.fields)} parter har ikke signert ("
                       + ", ".join(self.unsigned) + "); bruk --allow-unsigned for å godta det")
        return out

    def as_dict(self, allow_unsigned: bool = False) -> dict:
        d = asdict(self)
        d["changed_since_signing"] = self.changed_since_signing
        d["unsigned"] = self.unsigned
        d["failures"] = self.failures(allow_unsigned)
        d["ok"] = not d["failures"]
        return d


def _load_trust(paths: list[Path]) -> list:
    from asn1crypto import pem, x509

    roots = []
    for path in paths:
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise SignError(f"kan ikke lese --trust {path}: {exc.strerror}", EXIT_USAGE) from None
        try:
            blocks = [der for _, _, der in pem.unarmor(raw, multiple=True)] if pem.detect(raw) else [raw]
            for der in blocks:
                cert = x509.Certificate.load(der)
                cert.native  # noqa: B018 - parse now, so a bad file fails here
                roots.append(cert)
        except (ValueError, TypeError) as exc:
            raise SignError(f"--trust {path} er ikke et sertifikat i PEM- eller DER-format ({exc})",
                            EXIT_USAGE) from None
    return roots


def _changes(status) -> tuple[str, str, bool]:
    """(coverage in words, what changed after in words, acceptable?)."""
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    coverage = status.coverage
    if coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return "hele filen", "ingen", True
    if coverage != SignatureCoverageLevel.ENTIRE_REVISION:
        return "uklart", "signaturen dekker ikke det den skal (mulig manipulering)", False
    level = status.modification_level
    if level is None:
        return "sin versjon", "kunne ikke analyseres", False
    if level in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES):
        return "sin versjon", "bare tekniske tillegg (valideringsdata)", status.docmdp_ok is not False
    if level == ModificationLevel.FORM_FILLING:
        return "sin versjon", "bare senere signaturer i de andre partenes felt", status.docmdp_ok is not False
    reason = ""
    diff = getattr(status, "diff_result", None)
    if diff is not None and not hasattr(diff, "modification_level"):
        reason = f" ({diff})"
    return "sin versjon", "innholdet er endret etter signeringen" + reason, False


def verify_pdf(pdf: Path, trust: list[Path], data_dir: Path | None = None, ds=None) -> VerifyReport:
    """Verify every signature in `pdf` against the `trust` roots; compare with the data in
    `ds` or `data_dir` when given."""
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    roots = _load_trust(list(trust))
    reader, _ = _reader(pdf)
    meta = pdf_metadata(reader)
    report = VerifyReport(file=str(pdf), routine=meta["routine"], version=meta["version"], engine=meta["engine"],
                          fields=party_fields(reader), source_hash=meta["source_hash"])
    try:
        embedded = list(reader.embedded_signatures)
    except Exception as exc:  # noqa: BLE001 - pyHanko on a broken signature dictionary
        raise SignError(f"{pdf}: signaturene kan ikke leses ({exc})") from None
    for emb in embedded:
        name = emb.field_name or "?"
        party = name.removeprefix(FIELD_PREFIX)
        vc = ValidationContext(trust_roots=roots, allow_fetching=False)
        try:
            status = validate_pdf_signature(emb, vc)
        except Exception as exc:  # noqa: BLE001 - pyHanko raises on signatures it cannot even parse
            report.signatures.append(SignatureReport(
                name, party, "ukjent", "", None, "", False, False, False, False, "uklart", "kunne ikke kontrolleres",
                False, False, [f"signaturen kan ikke kontrolleres ({type(exc).__name__}: {exc})"]))
            continue
        coverage, changes, changes_ok = _changes(status)
        ts = status.timestamp_validity
        when = ts.timestamp if ts is not None else status.signer_reported_dt
        problems = []
        if not status.intact:
            problems.append("filen er endret etter signeringen (de signerte bytene stemmer ikke)")
        elif not status.valid:
            problems.append("signaturen stemmer ikke med sertifikatet")
        if not status.trusted:
            problems.append("sertifikatet er ikke klarert (kjedes ikke til noe --trust-sertifikat)" if roots
                            else "sertifikatet er ikke klarert (oppgi utstederen med --trust CA.pem)")
        if not changes_ok:
            problems.append(f"endringer etter signeringen: {changes}")
        if ts is not None and not (ts.intact and ts.valid):
            problems.append("tidsstempelet er ikke gyldig")
        report.signatures.append(SignatureReport(
            field=name, party=party, signer=_cn(status.signing_cert), subject=status.signing_cert.subject.human_friendly,
            signed_at=when.isoformat() if when else None,
            time_source="tidsstempel" if ts is not None else "oppgitt av den som signerte",
            intact=bool(status.intact), valid=bool(status.valid), trusted=bool(status.trusted),
            timestamped=ts is not None, coverage=coverage, changes_after=changes, changes_ok=changes_ok,
            ok=not problems, problems=problems))
    _compare_with_data(report, data_dir, ds)
    return report


def _compare_with_data(report: VerifyReport, data_dir: Path | None, ds) -> None:
    from .pdf import source_hash

    if not report.routine or not report.source_hash:
        report.data_note = "PDF-en har ingen kontrollsum for dataene (ikke laget av rutinebok pdf?)"
        return
    path = None
    if ds is not None:
        from .pdf import _entity_path

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
        report.data_note = f"rutinen {report.routine} finnes ikke lenger i dataene"
        return
    report.current_hash = source_hash(path.read_bytes(), report.engine or "")
    if report.changed_since_signing:
        report.data_note = ("dataene for rutinen er endret etter at PDF-en ble laget (endret etter signering): "
                            "signaturene gjelder en eldre versjon")
    else:
        report.data_note = "PDF-en stemmer med dataene slik de er nå"


def _when(iso: str | None) -> str:
    if not iso:
        return "ukjent tidspunkt"
    t = dt.datetime.fromisoformat(iso)
    if t.tzinfo is not None:
        t = t.astimezone(dt.UTC)
    return t.strftime("%d.%m.%Y kl. %H:%M UTC")


def format_report(rep: VerifyReport, allow_unsigned: bool = False) -> str:
    head = rep.file
    if rep.routine:
        head += f"\nRutine: {rep.routine}" + (f", versjon {rep.version}" if rep.version else "")
    lines = [head, ""]
    by_party = {s.party: s for s in rep.signatures}
    width = max((len(p) for p in rep.fields), default=0)
    for party, signed in rep.fields.items():
        s = by_party.get(party)
        if not signed or s is None:
            lines.append(f"  {party:<{width}}  ikke signert")
            continue
        lines.append(f"  {party:<{width}}  signert av «{s.signer}» {_when(s.signed_at)} ({s.time_source})")
        lines.append(f"  {'':<{width}}  {'uendret' if s.intact else 'ENDRET etter signering'}; "
                     f"{'klarert' if s.trusted else 'IKKE klarert'}; "
                     f"endringer etterpå: {s.changes_after}")
        for problem in s.problems:
            lines.append(f"  {'':<{width}}  ! {problem}")
    for s in rep.signatures:  # signatures outside the party fields
        if s.party not in rep.fields:
            lines.append(f"  {s.field}: signert av «{s.signer}» {_when(s.signed_at)}; "
                         + ("i orden" if s.ok else "; ".join(s.problems)))
    if rep.data_note:
        lines += ["", f"Dataene: {rep.data_note}."]
    failures = rep.failures(allow_unsigned)
    lines.append("")
    if failures:
        lines.append("Resultat: IKKE GODKJENT")
        lines += [f"  - {f}" for f in failures]
    else:
        done = "alle parter har signert" if not rep.unsigned else f"{len(rep.unsigned)} felt er ikke signert ennå"
        lines.append(f"Resultat: godkjent: alle signaturer er uendret og klarert; {done}.")
    return "\n".join(lines)


# --------------------------------------------------------------------------- site


@dataclass
class RoutineSigning:
    """What the site shows about a routine's signing. Iterating gives the signed copies
    (dicts with file, signatures, unsigned, changed_since_signing, or file and error)."""

    routine: str
    copies: list[dict] = field(default_factory=list)
    paper: dict | None = None  # the recorded paper signing, when there is one
    signed: list[dict] = field(default_factory=list)  # party, signer, when, file: valid and current
    unsigned: list[str] = field(default_factory=list)  # parties without a valid digital signature
    changed_since_signing: bool = False  # some copy was made from older data
    summary: str = ""

    def __iter__(self):
        return iter(self.copies)

    def __len__(self) -> int:
        return len(self.copies)

    def __bool__(self) -> bool:
        return bool(self.copies)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)

    def as_dict(self) -> dict:
        return asdict(self)


def _paper(routine) -> dict | None:
    s = routine.signing
    if s is None or s.method != "papir":
        return None
    from .words import date_words

    where = f" i {s.place}" if s.place else ""
    when = f" {date_words(s.date)}" if s.date else ""
    copy = "signert kopi finnes" if s.signed_copy else "ingen digital kopi"
    return {"place": s.place, "date": s.date.isoformat() if s.date else None,
            "parties": [x.party for x in s.signatories], "signed_copy": s.signed_copy,
            "text": f"Signert på papir{where}{when}, {copy}."}


def signing_status(ds, signed_dir: Path, data_dir: Path | None = None) -> dict[str, RoutineSigning]:
    """Per routine id: the signed copies under signed/<routine-id>/*.pdf, read from the PDFs
    (who signed and when, intact or not, parties not signed yet, data changed after signing),
    and a recorded paper signing. Every routine in `ds` has an entry."""
    signed_dir = Path(signed_dir)
    out: dict[str, RoutineSigning] = {}
    for rid, routine in sorted(ds.routines.items()):
        st = RoutineSigning(routine=rid, paper=_paper(routine))
        folder = signed_dir / rid
        valid: dict[str, dict] = {}
        for pdf in sorted(folder.glob("*.pdf")) if folder.is_dir() else []:
            try:
                rep = verify_pdf(pdf, [], ds=ds)
            except SignError as exc:
                st.copies.append({"file": pdf.name, "error": str(exc)})
                continue
            if rep.routine and rep.routine != rid:
                st.copies.append({"file": pdf.name, "error": f"kopien gjelder rutinen «{rep.routine}», ikke «{rid}»"})
                continue
            changed = bool(rep.changed_since_signing)
            st.changed_since_signing |= changed
            st.copies.append({
                "file": pdf.name,
                "signatures": [{"party": s.party, "signer": s.signer, "when": s.signed_at, "intact": s.intact,
                                "changes_ok": s.changes_ok} for s in rep.signatures],
                "unsigned": rep.unsigned,
                "changed_since_signing": changed,
                "version": rep.version,
            })
            if not changed:
                for s in rep.signatures:
                    if s.intact and s.valid and s.changes_ok:
                        valid.setdefault(s.party, {"party": s.party, "signer": s.signer, "when": s.signed_at,
                                                   "file": pdf.name})
        st.signed = [valid[p] for p in routine.parties if p in valid]
        st.unsigned = [p for p in routine.parties if p not in valid]
        st.summary = _summary(st, routine)
        out[rid] = st
    return out


def _summary(st: RoutineSigning, routine) -> str:
    parts = []
    if st.copies:
        if st.signed:
            parts.append(f"Signert digitalt av {len(st.signed)} av {len(routine.parties)} parter.")
        if st.unsigned:
            parts.append("Ikke signert digitalt ennå: " + ", ".join(st.unsigned) + ".")
        if st.changed_since_signing:
            parts.append("Rutinen er endret etter at den ble signert.")
    if st.paper:
        parts.append(st.paper["text"] if not st.copies else st.paper["text"].replace(", ingen digital kopi", ""))
    if not parts:
        parts.append("Ikke signert.")
    return " ".join(parts)


# --------------------------------------------------------------------------- command line


def cmd_sign(args: argparse.Namespace) -> int:
    if bool(args.p12) == bool(args.key or args.cert) or (not args.p12 and not (args.key and args.cert)):
        print("rutinebok sign: bruk enten --p12 FIL, eller både --key PEM og --cert PEM", file=sys.stderr)
        return EXIT_USAGE
    passphrase = None
    if args.passphrase_env:
        if args.passphrase_env not in os.environ:
            print(f"rutinebok sign: miljøvariabelen {args.passphrase_env} (--passphrase-env) er ikke satt",
                  file=sys.stderr)
            return EXIT_USAGE
        passphrase = os.environ[args.passphrase_env].encode()
    out = args.out or default_output(args.pdf, args.party)
    try:
        if Path(out).resolve() == Path(args.pdf).resolve():
            raise SignError("--out kan ikke være samme fil som PDF-en som signeres; signerte filer er alltid nye filer")
        signer = load_signer(args.p12, args.key, args.cert, passphrase)
        sign_pdf(args.pdf, args.party, out, signer, timestamp_url=args.timestamp_url)
        reader, _ = _reader(out)
        remaining = [p for p, signed in party_fields(reader).items() if not signed]
    except SignError as exc:
        print(f"rutinebok sign: {exc}", file=sys.stderr)
        return exc.exit_code
    kind = "PAdES B-T (med tidsstempel)" if args.timestamp_url else "PAdES B-B"
    print(f"Signerte feltet for {args.party} ({kind}) som «{_cn(signer.signing_cert)}»: {out}")
    print("Alle parter har nå signert." if not remaining else "Gjenstår: " + ", ".join(remaining) + ".")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    try:
        rep = verify_pdf(args.pdf, args.trust, args.data)
    except SignError as exc:
        print(f"rutinebok verify: {exc}", file=sys.stderr)
        return exc.exit_code
    if args.format == "json":
        print(json.dumps(rep.as_dict(args.allow_unsigned), ensure_ascii=False, indent=2))
    else:
        print(format_report(rep, args.allow_unsigned))
    return EXIT_FAIL if rep.failures(args.allow_unsigned) else EXIT_OK


def add_parsers(sub) -> None:
    s = sub.add_parser("sign", help="signer en parts felt i en rutine-PDF (PAdES)",
                       description="Signerer feltet party-<ID> i PDF-en som en ny fil; tidligere signaturer "
                                   "beholdes, og ingen fil overskrives.")
    s.add_argument("pdf", type=Path, metavar="PDF")
    s.add_argument("--party", required=True, metavar="ID", help="parten (organisasjons-id) som signerer")
    s.add_argument("--p12", type=Path, metavar="FIL", help="PKCS#12-fil (.p12/.pfx) med nøkkel og sertifikat")
    s.add_argument("--key", type=Path, metavar="PEM", help="privat nøkkel (PEM)")
    s.add_argument("--cert", type=Path, metavar="PEM", help="sertifikat (PEM)")
    s.add_argument("--passphrase-env", metavar="VAR", help="miljøvariabelen som har passordet")
    s.add_argument("--timestamp-url", metavar="URL", help="tidsstempeltjeneste (RFC 3161); gir PAdES B-T")
    s.add_argument("--out", type=Path, metavar="FIL",
                   help="den nye, signerte filen (standard: <navn>.signed-by-<ID>.pdf ved siden av PDF-en)")
    s.set_defaults(handler=cmd_sign)

    v = sub.add_parser("verify", help="kontroller signaturene i en rutine-PDF",
                       description="Viser hver parts felt og hver signatur. Avslutter med 0 bare når alle "
                                   "signaturer er uendret og klarert og alle felt er signert.")
    v.add_argument("pdf", type=Path, metavar="PDF")
    v.add_argument("--trust", type=Path, action="append", default=[], metavar="CA.pem",
                   help="klarert rotsertifikat (PEM/DER); kan gis flere ganger")
    v.add_argument("--data", type=Path, default=Path("data"), metavar="MAPPE",
                   help="datamappen, for å se om rutinen er endret etter signering (standard: data)")
    v.add_argument("--allow-unsigned", action="store_true", help="godta felt som ikke er signert ennå")
    v.add_argument("--format", choices=("text", "json"), default="text")
    v.set_defaults(handler=cmd_verify)


def main(argv: list[str] | None = None) -> int:
    """`python -m rutinebok.sign sign|verify ...`: these two commands on their own."""
    parser = argparse.ArgumentParser(prog="rutinebok")
    add_parsers(parser.add_subparsers(dest="command", required=True))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
