"""PDFs read back, and signatures made and verified with real keys made here."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pypdf import PdfReader

from rutinebok.cli import main
from rutinebok.pdf import build_pdfs
from rutinebok.sign import verify_pdf

from .conftest import ROOT

MOSS = "moss-krisesenter-nav"
PARTIES = ["krisesenteret-i-moss", "nav-moss", "nav-rygge", "nav-rade", "nav-valer"]
NOW = dt.datetime.now(dt.UTC)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Rutinebok test")])


def _cert(subject, key, issuer, issuer_key, *, ca=False, start=None, days=30):
    start = start or NOW - dt.timedelta(days=1)
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
         .serial_number(x509.random_serial_number()).not_valid_before(start)
         .not_valid_after(start + dt.timedelta(days=days))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        b = b.add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
    else:
        b = b.add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
    return b.sign(issuer_key, hashes.SHA256())


class Pki:
    """A throwaway CA with one certificate per party, made fresh for the test session."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        self.ca = _cert(_name("Test-CA"), self.ca_key, _name("Test-CA"), self.ca_key, ca=True, days=365)
        self.ca_pem = folder / "ca.pem"
        self.ca_pem.write_bytes(self.ca.public_bytes(serialization.Encoding.PEM))

    def party(self, cn: str, *, start=None, days=30, ca=None, password=b"hemmelig") -> Path:
        key = ec.generate_private_key(ec.SECP256R1())
        ca, ca_key = ca or (self.ca, self.ca_key)
        cert = _cert(_name(cn), key, ca.subject, ca_key, start=start, days=days)
        p12 = self.folder / f"{cn}.p12"
        p12.write_bytes(pkcs12.serialize_key_and_certificates(
            cn.encode(), key, cert, [ca], serialization.BestAvailableEncryption(password)))
        return p12


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return Pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def moss_pdf(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pdf")
    build_pdfs(ROOT / "data", out, [MOSS], site_url="https://rutinebok.example/", jobs=1)
    return out / f"{MOSS}.pdf"


def _sign(pdf: Path, party: str, p12: Path, out: Path, monkeypatch, password="hemmelig") -> int:
    monkeypatch.setenv("RB_TEST_PASS", password)
    return main(["sign", str(pdf), "--party", party, "--p12", str(p12), "--passphrase-env", "RB_TEST_PASS",
                 "--out", str(out)])


def test_pdf_has_the_routine_and_five_signature_fields(moss_pdf):
    reader = PdfReader(moss_pdf)
    text = " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())
    for fragment in ["Søknad om nødhjelp hos NAV", "innen 48 timer", "nav.moss@nav.no", "Når kvinnen trenger ytelser",
                     "Søknad om kommunal bolig", "3 måneder", "Krisesenteret i Moss", "NAV Moss", "NAV Rygge",
                     "NAV Råde", "NAV Våler", "Side 1 av", "Signaturer"]:
        assert fragment in text, fragment
    fields = reader.get_fields()
    assert sorted(fields) == sorted(f"party-{p}" for p in PARTIES)
    assert all(f.get("/FT") == "/Sig" for f in fields.values())
    meta = reader.metadata
    assert meta["/rutinebokid"] == MOSS and len(meta["/rutineboksourcehash"]) == 64
    assert meta.title.startswith("Samarbeidsrutine")
    assert reader.trailer["/Root"]["/Lang"] == "nb"
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert re.search(rb"pdfaid:part(>|=\")2", xmp) and re.search(rb"pdfaid:conformance(>|=\")B", xmp), xmp[:400]
    assert bool(reader.trailer["/Root"]["/MarkInfo"]["/Marked"])  # tagged PDF
    assert reader.outline, "bookmarks from the headings"


def test_build_is_reproducible_and_incremental(tmp_path):
    data = Path(shutil.copytree(ROOT / "data", tmp_path / "data"))
    out1, out2 = tmp_path / "a", tmp_path / "b"
    ids = [MOSS, "fra-krisesenter-til-egen-bolig"]
    assert sorted(build_pdfs(data, out1, ids, jobs=1)["built"]) == sorted(ids)
    assert sorted(build_pdfs(data, out2, ids, jobs=2)["built"]) == sorted(ids)
    for rid in ids:
        assert (out1 / f"{rid}.pdf").read_bytes() == (out2 / f"{rid}.pdf").read_bytes(), rid
    assert build_pdfs(data, out1, ids, jobs=1) == {"built": [], "skipped": ids}
    routine = data / "routines" / "fra-krisesenter-til-egen-bolig.yml"
    routine.write_text(routine.read_text("utf-8").replace("Om prosessen", "Om arbeidsprosessen", 1), "utf-8")
    assert build_pdfs(data, out1, ids, jobs=1) == {"built": ["fra-krisesenter-til-egen-bolig"], "skipped": [MOSS]}


def test_three_parties_sign_in_turn_and_all_verify(moss_pdf, pki, tmp_path, monkeypatch, capsys):
    current = moss_pdf
    for party in PARTIES[:3]:
        out = tmp_path / f"signed-{party}.pdf"
        assert _sign(current, party, pki.party(party), out, monkeypatch) == 0
        current = out
    rep = verify_pdf(current, [pki.ca_pem], ROOT / "data")
    assert rep.fields == {p: p in PARTIES[:3] for p in PARTIES}
    assert [s.party for s in rep.signatures] == PARTIES[:3]
    for s in rep.signatures:
        assert s.intact and s.valid and s.trusted and s.ok, s
        assert s.party in s.signer
    assert rep.changed_since_signing is False
    args = ["verify", str(current), "--trust", str(pki.ca_pem)]
    assert main(args) == 1  # two fields unsigned
    assert main(args + ["--allow-unsigned"]) == 0
    out = capsys.readouterr().out
    assert "nav-valer: ikke signert" in out and "uendret" in out and "klarert" in out


def test_tampering_is_detected(moss_pdf, pki, tmp_path, monkeypatch, capsys):
    signed = tmp_path / "signed.pdf"
    assert _sign(moss_pdf, "nav-moss", pki.party("nav-moss"), signed, monkeypatch) == 0
    data = bytearray(signed.read_bytes())
    i = data.index(b"Samarbeidsrutine", 2000)  # inside the signed content stream or metadata
    data[i] = ord("s")
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    assert main(["verify", str(tampered), "--trust", str(pki.ca_pem), "--allow-unsigned"]) == 1
    # A page appended after signing, as an incremental update.
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    with signed.open("rb") as f:
        w = IncrementalPdfFileWriter(f)
        page = generic.DictionaryObject({generic.NameObject("/Type"): generic.NameObject("/Page"),
                                         generic.NameObject("/MediaBox"): generic.ArrayObject(
                                             [generic.NumberObject(0)] * 2 + [generic.NumberObject(595),
                                                                              generic.NumberObject(842)])})
        w.insert_page(page)
        appended = tmp_path / "appended.pdf"
        with appended.open("wb") as out:
            w.write(out)
    rep = verify_pdf(appended, [pki.ca_pem])
    assert not rep.signatures[0].ok and rep.signatures[0].changes_after == "innholdet er endret etter signeringen"
    assert main(["verify", str(appended), "--trust", str(pki.ca_pem), "--allow-unsigned"]) == 1
    capsys.readouterr()


def test_refusals(moss_pdf, pki, tmp_path, monkeypatch, capsys):
    p12 = pki.party("nav-moss")
    signed = tmp_path / "signed.pdf"
    assert _sign(moss_pdf, "nav-mos", p12, tmp_path / "x.pdf", monkeypatch) == 1
    assert "mente du «nav-moss»" in capsys.readouterr().err
    assert _sign(moss_pdf, "nav-moss", p12, tmp_path / "y.pdf", monkeypatch, password="feil") == 1
    assert "feil passord" in capsys.readouterr().err
    expired = pki.party("utgatt", start=NOW - dt.timedelta(days=400), days=30)
    assert _sign(moss_pdf, "nav-moss", expired, tmp_path / "z.pdf", monkeypatch) == 1
    assert "gikk ut" in capsys.readouterr().err
    future = pki.party("fremtidig", start=NOW + dt.timedelta(days=10))
    assert _sign(moss_pdf, "nav-moss", future, tmp_path / "w.pdf", monkeypatch) == 1
    assert "ikke gyldig ennå" in capsys.readouterr().err
    assert _sign(moss_pdf, "nav-moss", p12, signed, monkeypatch) == 0
    before = signed.read_bytes()
    assert _sign(moss_pdf, "nav-rygge", pki.party("nav-rygge"), signed, monkeypatch) == 1
    assert "overskrives aldri" in capsys.readouterr().err and signed.read_bytes() == before
    assert _sign(signed, "nav-moss", p12, tmp_path / "again.pdf", monkeypatch) == 1
    assert "allerede signert" in capsys.readouterr().err
    for name, content in [("tekst.pdf", b"hei"), ("kort.pdf", moss_pdf.read_bytes()[:5000])]:
        bad = tmp_path / name
        bad.write_bytes(content)
        assert main(["verify", str(bad)]) == 1
        err = capsys.readouterr().err
        assert ("ikke en PDF" in err or "avkortet" in err) and "Traceback" not in err


def test_untrusted_signer_fails_verification(moss_pdf, pki, tmp_path, monkeypatch, capsys):
    other_key = ec.generate_private_key(ec.SECP256R1())
    other = _cert(_name("Annen CA"), other_key, _name("Annen CA"), other_key, ca=True, days=365)
    p12 = pki.party("nav-moss-annen", ca=(other, other_key))
    signed = tmp_path / "signed.pdf"
    assert _sign(moss_pdf, "nav-moss", p12, signed, monkeypatch) == 0
    rep = verify_pdf(signed, [pki.ca_pem])
    assert rep.signatures[0].intact and not rep.signatures[0].trusted
    assert main(["verify", str(signed), "--trust", str(pki.ca_pem), "--allow-unsigned"]) == 1
    assert "IKKE klarert" in capsys.readouterr().out


def test_timestamped_signature_offline(moss_pdf, pki, tmp_path):
    """PAdES B-T with pyHanko's dummy timestamp authority (no network)."""
    from asn1crypto import keys as akeys
    from asn1crypto import x509 as ax509
    from cryptography.hazmat.primitives.asymmetric import rsa
    from pyhanko.sign import signers
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    from rutinebok.sign import sign_pdf

    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # the dummy TSA is RSA-only
    tsa = (x509.CertificateBuilder().subject_name(_name("Test-TSA")).issuer_name(pki.ca.subject)
           .public_key(tsa_key.public_key()).serial_number(x509.random_serial_number())
           .not_valid_before(NOW - dt.timedelta(days=1)).not_valid_after(NOW + dt.timedelta(days=30))
           .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
           .sign(pki.ca_key, hashes.SHA256()))
    stamper = DummyTimeStamper(
        tsa_cert=ax509.Certificate.load(tsa.public_bytes(serialization.Encoding.DER)),
        tsa_key=akeys.PrivateKeyInfo.load(tsa_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
        certs_to_embed=[ax509.Certificate.load(pki.ca.public_bytes(serialization.Encoding.DER))])
    signer = signers.SimpleSigner.load_pkcs12(str(pki.party("nav-rade")), passphrase=b"hemmelig")
    out = sign_pdf(moss_pdf, "nav-rade", tmp_path / "bt.pdf", signer, timestamper=stamper)
    rep = verify_pdf(out, [pki.ca_pem])
    assert rep.signatures[0].timestamped and rep.signatures[0].ok


def test_signed_copy_is_published_with_its_status(pki, tmp_path, monkeypatch):
    """A signed PDF under signed/<id>/ is copied into the site; the page reads who signed from it."""
    from .conftest import build_site

    project = tmp_path / "project"
    project.mkdir()
    for name in ["mkdocs.yml", "content", "overrides", "macros", "rutinebok", "data"]:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, project / name)
    pdf_dir = tmp_path / "pdf"
    build_pdfs(project / "data", pdf_dir, [MOSS], site_url="http://127.0.0.1:8000/", jobs=1)
    signed_dir = project / "signed" / MOSS
    signed_dir.mkdir(parents=True)
    one = tmp_path / "one.pdf"
    assert _sign(pdf_dir / f"{MOSS}.pdf", "nav-moss", pki.party("nav-moss"), one, monkeypatch) == 0
    assert _sign(one, "nav-rygge", pki.party("nav-rygge"), signed_dir / "versjon-1.pdf", monkeypatch) == 0
    out = tmp_path / "site"
    result = build_site(out, config=project / "mkdocs.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    html = (out / "rutiner" / MOSS / "index.html").read_text("utf-8")
    assert (out / "pdf" / "signert" / MOSS / "versjon-1.pdf").read_bytes() == (signed_dir / "versjon-1.pdf").read_bytes()
    assert "signert av" in html and "nav-moss" in html and "nav-rygge" in html
    assert "Ikke alle parter har signert" in html and "Rutinen er endret etter at den ble signert" not in html
    # Change the data after signing: the page warns.
    routine = project / "data" / "routines" / f"{MOSS}.yml"
    routine.write_text(routine.read_text("utf-8").replace("Søknad om nødhjelp hos NAV", "Søknad om nødhjelp", 1), "utf-8")
    out2 = tmp_path / "site2"
    assert build_site(out2, config=project / "mkdocs.yml").returncode == 0
    assert "Rutinen er endret etter at den ble signert" in (out2 / "rutiner" / MOSS / "index.html").read_text("utf-8")
