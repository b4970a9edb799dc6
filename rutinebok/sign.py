"""Signing and verifying routine PDFs: PAdES signatures by pyHanko, one party at a time.

`rutinebok sign` fills one party's field (``party-<organisation-id>``) with a PAdES
signature (B-B offline, B-LT with a timestamp server) as an incremental update, so earlier
signatures stay valid. The first signature certifies the document (DocMDP, form filling
and signing only); each field locks itself (FieldMDP). Only a certificate that identifies
the party signs its field: its organisation number (enterprise certificates) or a
fingerprint listed in the routine's data, as recorded in the PDF's XMP at build time.
A signed file is always a new file; nothing is overwritten.

`rutinebok verify` reports every party's field, each signature's signer, time, integrity,
trust, party binding and what changed after it under a strict change policy; compares
the fields with the parties named in the first signed revision; and tells whether the
routine's data changed since the PDF was made, with distinct exit codes.
`signing_status` gives the site the same facts for the copies under signed/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import safefiles
from .escape import terminal_lines
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


# --------------------------------------------------------------------------- what was signed


def _xmp_of(reader, revision: int | None = None) -> bytes | None:
    """The XMP packet of the document as it was in `revision` (None: as it is now)."""
    from pyhanko.pdf_utils.misc import PdfError as PyHankoPdfError

    try:
        if revision is None:
            return reader.root["/Metadata"].get_object().data
        ref = reader.get_historical_root(revision).raw_get("/Metadata")
        return reader.get_object(ref.reference, revision=revision).data
    except (KeyError, TypeError, AttributeError, ValueError, PyHankoPdfError):
        return None


def _signature_revisions(reader) -> list[int]:
    try:
        return sorted(emb.signed_revision for emb in reader.embedded_signatures)
    except Exception:  # noqa: BLE001 - a broken signature dictionary: reported by verify
        return []


def signed_meta(reader):
    """The routine metadata (XMP) as it was when the first signature was made, or in the
    current file when nothing is signed yet. Later unsigned updates cannot change it."""
    from . import xmp

    revisions = _signature_revisions(reader)
    raw = _xmp_of(reader, revisions[0] if revisions else None)
    return xmp.read(raw) if raw else None


def _fields_at(reader, revision: int | None) -> list[str]:
    """Signature field names in a revision (None: the current file)."""
    from pyhanko.sign.fields import enumerate_sig_fields

    handler = reader if revision is None else reader.get_historical_resolver(revision)
    try:
        return [name for name, _value, _ref in enumerate_sig_fields(handler)]
    except Exception:  # noqa: BLE001 - a broken form: no fields
        return []


BUILD_REVISIONS = 2  # `rutinebok pdf` writes the document, then one update with the empty fields


def updates_before_signing(reader) -> int:
    """How many updates were added to the PDF after `rutinebok pdf` made it and before the
    first signature (or until now, when nothing is signed): none are expected."""
    revisions = _signature_revisions(reader)
    first = revisions[0] if revisions else reader.xrefs.total_revisions
    return max(0, first - BUILD_REVISIONS)


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


# --------------------------------------------------------------------------- who may sign


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


def _load_data(ds, data_dir: Path | None):
    """The dataset in `data_dir` (or `ds` when given); None when there is none to load."""
    if ds is None and data_dir is not None and Path(data_dir, "routines").is_dir():
        from .findings import Report
        from .load import load_dataset

        try:
            ds = load_dataset(Path(data_dir), Report())
        except Exception:  # noqa: BLE001 - data that does not load: compare nothing
            return None
    return ds


def _data_party_meta(ds, data_dir: Path | None, routine_id: str):
    """The routine's archive metadata computed from the current data, or None when not available."""
    ds = _load_data(ds, data_dir)
    if ds is None or routine_id not in ds.routines:
        return None
    from .pdf import archive_meta

    try:
        return archive_meta(ds, routine_id)
    except Exception:  # noqa: BLE001
        return None


# --------------------------------------------------------------------------- signing


def _passphrase(env: str | None, what: str) -> bytes | None:
    """From the environment variable `env`, else asked for on the terminal, else None."""
    if env:
        if env not in os.environ:
            raise SignError(f"miljøvariabelen {env} er ikke satt", EXIT_USAGE)
        return os.environ[env].encode()
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        try:
            return getpass.getpass(f"{what}: ").encode()
        except (EOFError, KeyboardInterrupt):
            raise SignError("avbrutt", EXIT_USAGE) from None
    return None


def load_signer(p12: Path | None = None, key: Path | None = None, cert: Path | None = None,  # noqa: C901 - to be split in the sign/ split, issue 10/13 (signpdf branch)
                passphrase: bytes | None = None, ask=None):
    """A pyHanko signer from a PKCS#12 file, or from a PEM key and certificate. `ask()` gives
    a passphrase when the file turns out to be protected and none was given."""
    from pyhanko.sign import signers

    for path in (p12, key, cert):
        if path is not None and not Path(path).is_file():
            raise SignError(f"fant ikke filen {path}")
    if p12 is not None:
        raw = Path(p12).read_bytes()
        if not raw.startswith(b"\x30"):
            raise SignError(f"{p12} er ikke en PKCS#12-fil (.p12/.pfx)")
        for attempt in (0, 1):
            try:
                return signers.SimpleSigner.load_pkcs12_data(raw, other_certs=None, passphrase=passphrase)
            except ValueError:
                if passphrase is None and attempt == 0 and ask is not None:
                    passphrase = ask()
                    if passphrase is not None:
                        continue
                if passphrase is None:
                    raise SignError(f"{p12} er passordbeskyttet: oppgi passordet i en miljøvariabel med "
                                    "--passphrase-env VARIABEL, eller kjør kommandoen i en terminal") from None
                raise SignError(f"feil passord for {p12} (eller filen er skadet). Prøv igjen med riktig passord"
                                ) from None
            except Exception as exc:  # noqa: BLE001 - e.g. a PKCS#12 file with certificates but no key
                raise SignError(f"{p12} har ikke både en privat nøkkel og et sertifikat ({exc})") from None
    for attempt in (0, 1):
        try:
            signer = signers.SimpleSigner.load(str(key), str(cert), key_passphrase=passphrase)
        except TypeError:
            if passphrase is None and attempt == 0 and ask is not None:
                passphrase = ask()
                if passphrase is not None:
                    continue
            if passphrase is None:
                raise SignError(f"nøkkelen {key} er passordbeskyttet: bruk --passphrase-env VARIABEL, eller kjør "
                                "kommandoen i en terminal") from None
            raise SignError(f"nøkkelen {key} er ikke passordbeskyttet; dropp --passphrase-env") from None
        except ValueError:
            raise SignError(f"feil passord for nøkkelen {key}, eller filen er ikke en privat nøkkel") from None
        if signer is None:
            raise SignError(f"kunne ikke lese nøkkelen {key} og sertifikatet {cert}: feil passord, eller filene "
                            "er ikke en privat nøkkel og et sertifikat i PEM- eller DER-format")
        return signer
    raise SignError(f"kunne ikke lese nøkkelen {key}")


def load_pkcs11_signer(lib: str, token_label: str, key_label: str | None, pin: bytes | None):
    """A pyHanko signer for a key on a smartcard or token (PKCS#11)."""
    try:
        from pyhanko.sign import pkcs11 as p11
    except ImportError:
        raise SignError("PKCS#11 krever Python-pakken python-pkcs11; installer med `make install`") from None
    if not Path(lib).is_file():
        raise SignError(f"fant ikke PKCS#11-biblioteket {lib} (--pkcs11-lib); for SoftHSM2 er det vanligvis "
                        "/usr/lib/softhsm/libsofthsm2.so")
    if pin is None:
        raise SignError("PIN-koden mangler: oppgi den i en miljøvariabel med --pin-env VARIABEL, eller kjør "
                        "kommandoen i en terminal", EXIT_USAGE)
    try:
        from pyhanko.config.pkcs11 import TokenCriteria

        session = p11.open_pkcs11_session(lib, token_criteria=TokenCriteria(label=token_label), user_pin=pin.decode())
    except Exception as exc:  # noqa: BLE001 - python-pkcs11 raises many kinds
        name = type(exc).__name__
        if "PinIncorrect" in name or "PinLen" in name:
            raise SignError(f"feil PIN-kode for brikken «{token_label}». Prøv igjen (for mange feil låser brikken)"
                            ) from None
        if "NoSuchToken" in name or "TokenNotPresent" in name or "no token" in str(exc).lower():
            raise SignError(f"fant ingen brikke med navnet «{token_label}» (--token-label). Sjekk navnet med "
                            "`pkcs11-tool --list-slots`") from None
        raise SignError(f"kunne ikke åpne brikken «{token_label}» med {lib}: {name} {exc}".rstrip()) from None
    try:
        signer = p11.PKCS11Signer(session, key_label=key_label, cert_label=key_label, use_raw_mechanism=False)
        signer.signing_cert  # noqa: B018 - loads the certificate now, so a missing one is reported here
    except Exception as exc:  # noqa: BLE001
        session.close()
        raise SignError(f"fant ikke nøkkel og sertifikat «{key_label}» på brikken «{token_label}» (--key-label): "
                        f"{type(exc).__name__} {exc}".rstrip()) from None
    signer._rb_session = session
    return signer


def _cn(cert) -> str:
    """The certificate's common name, as plain text (no control characters for the terminal)."""
    import re

    try:
        name = cert.subject.native.get("common_name") or cert.subject.human_friendly
    except (AttributeError, ValueError):
        return "ukjent"
    if isinstance(name, list):
        name = ", ".join(map(str, name))
    return re.sub(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]", "", str(name))[:200] or "ukjent"


def check_validity(cert, now: dt.datetime) -> None:
    """Refuse a certificate that has expired or is not valid yet."""
    not_before, not_after = cert.not_valid_before, cert.not_valid_after
    who = _cn(cert)
    if now < not_before:
        raise SignError(f"sertifikatet for «{who}» er ikke gyldig ennå: det gjelder fra "
                        f"{not_before:%d.%m.%Y %H:%M} UTC. Vent, eller bruk et gyldig sertifikat")
    if now > not_after:
        raise SignError(f"sertifikatet for «{who}» gikk ut {not_after:%d.%m.%Y}. Skaff et nytt sertifikat")


def check_key_matches(signer) -> None:
    """Sign a test message and check it with the certificate's public key, before any output."""
    import asyncio

    from cryptography import x509 as cx509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    message = b"rutinebok: test av nokkel og sertifikat"
    try:
        raw = asyncio.run(signer.async_sign_raw(message, "sha256"))
    except Exception as exc:  # noqa: BLE001 - a key the library cannot use
        raise SignError(f"nøkkelen kan ikke signere ({type(exc).__name__}: {exc})") from None
    public = cx509.load_der_x509_certificate(signer.signing_cert.dump()).public_key()
    try:
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(raw, message, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(raw, message, ec.ECDSA(hashes.SHA256()))
        else:
            return
    except (InvalidSignature, ValueError):
        raise SignError(f"nøkkelen og sertifikatet hører ikke sammen: nøkkelen passer ikke til sertifikatet for "
                        f"«{_cn(signer.signing_cert)}». Bruk nøkkelen som sertifikatet ble utstedt for") from None


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


def stamp_text(signer_name: str, party_name: str, when: dt.datetime, from_timestamp: bool) -> str:
    """The words in the visible signature: who, for whom, when and whose clock said so."""
    try:
        from zoneinfo import ZoneInfo

        local, zone = when.astimezone(ZoneInfo("Europe/Oslo")), "norsk tid"
    except Exception:  # noqa: BLE001 - no time zone data: UTC
        local, zone = when.astimezone(dt.UTC), "UTC"
    source = "tid fra tidsstempeltjenesten" if from_timestamp else "tid fra klokken til den som signerte"
    text = (f"Signert digitalt av {signer_name},\nfor {party_name},\n{local:%d.%m.%Y kl. %H:%M} {zone}\n({source})")
    return text.replace("%", "%%")  # pyHanko fills %(name)s fields; names are text


def _stamp_style(text: str):
    import logging

    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    logging.getLogger("fontTools").setLevel(logging.ERROR)  # "FFTM NOT subset" notes from subsetting
    if not FONT_FILE.is_file():
        raise SignError(f"fant ikke skriften {FONT_FILE}; installer Debian-pakken fonts-dejavu-core. Uten den "
                        "blir den signerte filen ikke PDF/A")
    # Drawn with an embedded DejaVu subset, as PDF/A requires, so every name shows as written.
    text_box = TextBoxStyle(font=_font_factory(FONT_FILE), font_size=7, leading=9)
    return TextStampStyle(stamp_text=text, text_box_style=text_box, border_width=0, background=None)


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


def _trusted_now(timestamper) -> dt.datetime | None:
    """The time a timestamp authority gives now, for the visible stamp."""
    import asyncio
    import hashlib

    token = asyncio.run(timestamper.async_timestamp(hashlib.sha256(b"rutinebok").digest(), "sha256"))
    tst_info = token["content"]["encap_content_info"]["content"].parsed
    return tst_info["gen_time"].native


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


def sign_pdf(pdf: Path, party: str, out: Path, signer, timestamp_url: str | None = None,  # noqa: C901 - to be split in the sign/ split, issue 10/13 (signpdf branch)
             timestamper=None, now: dt.datetime | None = None, trust: list[Path] | None = None,
             data_dir: Path | None = None, ds=None, validation_context=None) -> Path:
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
            writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
            signers.PdfSigner(sig_meta, signer=signer, timestamper=timestamper, stamp_style=style).sign_pdf(
                writer, existing_fields_only=True, output=buffer)
    except Exception as exc:  # noqa: BLE001 - pyHanko: signing, timestamp server, revocation or PDF structure errors
        name = type(exc).__name__
        text = str(exc)[:300]
        if "imestamp" in name or "imestamp" in text:
            raise SignError(f"tidsstempeltjenesten {timestamp_url or ''} svarte ikke som ventet ({text}). Prøv "
                            "igjen, eller signer uten --timestamp-url") from None
        if "Revocation" in name or "revocation" in text.lower() or "Path" in name or "Validation" in name:
            raise SignError(f"kunne ikke hente tilbakekallingsdata for sertifikatet for langtidsvalidering ({text}). "
                            "Sjekk nettverket, og at utstederen er oppgitt med --trust") from None
        raise SignError(f"signeringen mislyktes ({name}: {text})") from None
    signed = buffer.getvalue()
    _check_new_signature(signed, FIELD_PREFIX + party)
    _write_new(out, signed)
    return out


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


def _check_new_signature(data: bytes, field_name: str) -> None:
    """The signature just made must be intact and match its certificate, and the file must
    still be PDF/A (XMP identification kept, every font embedded), before it is written."""
    from pyhanko.sign.validation import validate_pdf_signature

    reader = _reader_class()(io.BytesIO(data), strict=False)
    emb = next((e for e in reader.embedded_signatures if e.field_name == field_name), None)
    if emb is None:
        raise SignError("signeringen mislyktes: signaturen finnes ikke i resultatet")
    with _quiet_pyhanko():
        status = validate_pdf_signature(emb, skip_diff=True)
    if not (status.intact and status.valid):
        raise SignError("signaturen som ble laget, stemmer ikke med sertifikatet; nøkkelen og sertifikatet hører "
                        "ikke sammen")
    problems = pdfa_problems(reader)
    if problems:
        raise SignError("den signerte filen ville ikke vært PDF/A: " + "; ".join(problems))


def pdfa_problems(reader) -> list[str]:  # noqa: C901 - to be split in the sign/ split, issue 10/13 (signpdf branch)
    """What breaks PDF/A-2b in the parts a signature adds: XMP identification, fonts."""
    import re

    out = []
    raw = _xmp_of(reader) or b""
    if not re.search(rb"pdfaid:part\s*=\s*[\"']2[\"']|<pdfaid:part>2</pdfaid:part>", raw):
        out.append("XMP-metadataene mangler PDF/A-identifikasjonen")
    if b"urn:rutinebok:ns:xmp:rutine" not in raw:
        out.append("XMP-metadataene mangler rutineboks arkivmetadata")
    seen: set = set()

    def fonts(obj, depth=0):
        from pyhanko.pdf_utils import generic

        if depth > 12:
            return
        if isinstance(obj, generic.IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                return
            seen.add(key)
            obj = obj.get_object()
        if isinstance(obj, generic.DictionaryObject):
            if obj.get("/Type") == "/Font" or "/BaseFont" in obj:
                yield obj
            for k, v in obj.items():
                if k in ("/Parent", "/P", "/StructParent", "/StructTreeRoot"):
                    continue
                yield from fonts(v, depth + 1)
        elif isinstance(obj, generic.ArrayObject):
            for v in obj:
                yield from fonts(v, depth + 1)

    missing = set()
    for page in _pages(reader):
        for annot in page.get("/Annots", []) or []:
            for font in fonts(annot.get_object().get("/AP"), 0) if hasattr(annot, "get_object") else []:
                if font.get("/Subtype") == "/Type0":
                    continue  # checked through its descendant
                desc = font.get("/FontDescriptor")
                desc = desc.get_object() if desc is not None else None
                if desc is None or not any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    missing.add(str(font.get("/BaseFont", "?")))
    if missing:
        out.append("skrifter er ikke innebygd: " + ", ".join(sorted(missing)))
    return out


def _pages(reader):
    try:
        root = reader.root["/Pages"]
    except KeyError:
        return []
    stack, out = [root.get_object()], []
    while stack and len(out) < 10000:
        node = stack.pop()
        if node.get("/Type") == "/Pages":
            stack.extend(k.get_object() for k in reversed(node.get("/Kids", [])))
        else:
            out.append(node)
    return out


class _quiet_pyhanko:
    """pyHanko logs warnings and errors for things verify reports itself, in Norwegian; they
    are kept out of the terminal (and available with RUTINEBOK_DEBUG=1)."""

    def __enter__(self):
        import logging

        self._loggers = [logging.getLogger(n) for n in ("pyhanko", "pyhanko_certvalidator", "fontTools")]
        self._levels = [lg.level for lg in self._loggers]
        if not os.environ.get("RUTINEBOK_DEBUG"):
            for lg in self._loggers:
                lg.setLevel(logging.CRITICAL + 1)
        return self

    def __exit__(self, *exc):
        for lg, level in zip(self._loggers, self._levels, strict=True):
            lg.setLevel(level)


# --------------------------------------------------------------------------- verification


EXIT_UNSIGNED, EXIT_CHANGED = 3, 4


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
            if not blocks:
                raise ValueError("tom fil")
            for der in blocks:
                cert = x509.Certificate.load(der)
                cert.native  # noqa: B018 - parse now, so a bad file fails here
                roots.append(cert)
        except Exception:  # noqa: BLE001 - asn1crypto raises many kinds on garbage
            raise SignError(f"--trust {path} er ikke et sertifikat i PEM- eller DER-format. Oppgi utstederens "
                            "rotsertifikat (.pem/.cer/.crt)", EXIT_USAGE) from None
    return roots


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
        ],
        form_rule=FormUpdatingRule(field_rules=[SigFieldModificationRule(
            allow_in_place_appearance_stream_changes=False)]),
        reject_object_freeing=True,
        ignore_orphaned_objects=False,
    )


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


def verify_pdf(pdf: Path, trust: list[Path], data_dir: Path | None = None, ds=None, _reader_data=None) -> VerifyReport:  # noqa: C901 - to be split in the sign/ split, issue 10/13 (signpdf branch)
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


def _compare_with_data(report: VerifyReport, data_dir: Path | None, ds) -> None:
    from .pdf import routine_source_hash, source_hash

    if not report.routine or not report.source_hash:
        report.data_note = "PDF-en har ingen kontrollsum for dataene i den signerte versjonen"
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
                     f"{'sertifikatet tilhører parten' if s.bound else 'sertifikatet er IKKE partens'}; "
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
        lines.append(f"Resultat: IKKE GODKJENT (avslutningskode {rep.exit_code(allow_unsigned)})")
        lines += [f"  - {f}" for f in failures]
    else:
        done = "alle parter har signert" if not rep.unsigned else f"{len(rep.unsigned)} felt er ikke signert ennå"
        lines.append(f"Resultat: godkjent: alle signaturer er uendret, klarert og partenes egne; {done}.")
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
        # Only regular files named <id>.pdf inside the repository (safefiles.signed_pdfs);
        # the check reports the others (RB052). A copy that cannot be read is shown as such.
        for pdf in safefiles.signed_pdfs(folder, signed_dir.parent)[0]:
            try:
                rep = verify_pdf(pdf, [], ds=ds)
            except Exception as exc:  # noqa: BLE001 - any unreadable copy, never the build
                message = str(exc) if isinstance(exc, SignError) else "PDF-en kan ikke leses"
                st.copies.append({"file": pdf.name, "error": message.replace(str(pdf.parent), "")
                                  .replace(str(signed_dir.resolve()), "signed")})
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
                    if s.intact and s.valid and s.changes_ok and s.bound:
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


def _silence_warnings() -> None:
    import logging
    import warnings

    warnings.simplefilter("ignore")
    if not os.environ.get("RUTINEBOK_DEBUG"):
        logging.getLogger("pyhanko").setLevel(logging.CRITICAL + 1)
        logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL + 1)


def cmd_sign(args: argparse.Namespace) -> int:
    _silence_warnings()
    kinds = [bool(args.p12), bool(args.key or args.cert), bool(args.pkcs11_lib)]
    if sum(kinds) != 1 or (kinds[1] and not (args.key and args.cert)) or (kinds[2] and not args.token_label):
        print("rutinebok sign: bruk enten --p12 FIL, eller både --key PEM og --cert PEM, eller --pkcs11-lib BIBLIOTEK "
              "med --token-label NAVN (og --key-label NAVN)", file=sys.stderr)
        return EXIT_USAGE
    out = args.out or default_output(args.pdf, args.party)
    signer = None
    try:
        if Path(out).resolve() == Path(args.pdf).resolve():
            raise SignError("--out kan ikke være samme fil som PDF-en som signeres; signerte filer er alltid nye filer")
        if args.pkcs11_lib:
            pin = _passphrase(args.pin_env, f"PIN-kode for brikken «{args.token_label}»")
            signer = load_pkcs11_signer(args.pkcs11_lib, args.token_label, args.key_label, pin)
        else:
            passphrase = _passphrase(args.passphrase_env, "Passord for nøkkelen") if args.passphrase_env else None
            signer = load_signer(args.p12, args.key, args.cert, passphrase,
                                 ask=lambda: _passphrase(None, "Passord for nøkkelen"))
        data_dir = args.data if args.data and Path(args.data).is_dir() else None
        started = time.perf_counter()
        sign_pdf(args.pdf, args.party, out, signer, timestamp_url=args.timestamp_url, trust=args.trust,
                 data_dir=data_dir)
        elapsed = time.perf_counter() - started
        reader, _ = _reader(out)
        remaining = [p for p, signed in party_fields(reader).items() if not signed]
    except SignError as exc:
        print(f"rutinebok sign: {exc}", file=sys.stderr)
        return exc.exit_code
    finally:
        session = getattr(signer, "_rb_session", None)
        if session is not None:
            with __import__("contextlib").suppress(Exception):
                session.close()
    kind = "PAdES B-LT (med tidsstempel og valideringsdata)" if args.timestamp_url else "PAdES B-B"
    print(f"Signerte feltet for {args.party} ({kind}) som «{_cn(signer.signing_cert)}» på {elapsed:.2f} s: {out}")
    print("Alle parter har nå signert." if not remaining else "Gjenstår: " + ", ".join(remaining) + ".")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    _silence_warnings()
    try:
        rep = verify_pdf(args.pdf, args.trust, args.data)
    except SignError as exc:
        print(f"rutinebok verify: {exc}", file=sys.stderr)
        return exc.exit_code
    if args.format == "json":
        print(json.dumps(rep.as_dict(args.allow_unsigned), ensure_ascii=False, indent=2))
    else:
        # Names and subjects come from the PDF (untrusted): controls shown, never sent to the terminal.
        print(terminal_lines(format_report(rep, args.allow_unsigned)))
    return rep.exit_code(args.allow_unsigned)


EXIT_CODES_HELP = ("Avslutningskoder: 0 godkjent; 1 en signatur er brutt, ikke klarert, ikke partens eller "
                   "dokumentet er endret på en måte som ikke er tillatt; 2 feil bruk; 3 felt er ikke signert ennå; "
                   "4 dataene er endret etter at PDF-en ble laget.")


def add_parsers(sub) -> None:
    s = sub.add_parser("sign", help="signer en parts felt i en rutine-PDF (PAdES)",
                       description="Signerer feltet party-<ID> i PDF-en som en ny fil; tidligere signaturer "
                                   "beholdes, og ingen fil overskrives. Sertifikatet må identifisere parten "
                                   "(organisasjonsnummer eller oppført fingeravtrykk) og tillate nonRepudiation.")
    s.add_argument("pdf", type=Path, metavar="PDF")
    s.add_argument("--party", required=True, metavar="ID", help="parten (organisasjons-id) som signerer")
    s.add_argument("--p12", type=Path, metavar="FIL", help="PKCS#12-fil (.p12/.pfx) med nøkkel og sertifikat")
    s.add_argument("--key", type=Path, metavar="PEM", help="privat nøkkel (PEM)")
    s.add_argument("--cert", type=Path, metavar="PEM", help="sertifikat (PEM)")
    s.add_argument("--passphrase-env", metavar="VAR",
                   help="miljøvariabelen som har passordet (uten den spørres det i terminalen)")
    s.add_argument("--pkcs11-lib", metavar="BIBLIOTEK", help="PKCS#11-bibliotek for smartkort eller brikke")
    s.add_argument("--token-label", metavar="NAVN", help="navnet på brikken (PKCS#11)")
    s.add_argument("--key-label", metavar="NAVN", help="navnet på nøkkelen og sertifikatet på brikken (PKCS#11)")
    s.add_argument("--pin-env", metavar="VAR", help="miljøvariabelen som har PIN-koden (uten den spørres det)")
    s.add_argument("--timestamp-url", metavar="URL",
                   help="tidsstempeltjeneste (RFC 3161); gir PAdES B-LT med sertifikater og tilbakekallingsdata")
    s.add_argument("--trust", type=Path, action="append", default=[], metavar="CA.pem",
                   help="klarert rotsertifikat, for å kontrollere tidligere signaturer og hente valideringsdata")
    s.add_argument("--data", type=Path, default=Path("data"), metavar="MAPPE",
                   help="datamappen, for å kontrollere at PDF-en er laget av dataene slik de er nå (standard: data)")
    s.add_argument("--out", type=Path, metavar="FIL",
                   help="den nye, signerte filen (standard: <navn>.signed-by-<ID>.pdf ved siden av PDF-en)")
    s.set_defaults(handler=cmd_sign)

    v = sub.add_parser("verify", help="kontroller signaturene i en rutine-PDF",
                       description="Viser hver parts felt og hver signatur. " + EXIT_CODES_HELP)
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
