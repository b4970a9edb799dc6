"""Signing and verification with keys made here: parties in turn, refusals, tampering,
trust, timestamps, data changed after signing, and the status the site shows."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from rutinebok import sign as sign_mod
from rutinebok.sign import signing_status, verify_pdf

from .conftest import ROOT
from .pdf_helpers import MOSS, NOW, PARTIES, PASSWORD, Pki, build_moss


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Pki:
    return Pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def moss_pdf(tmp_path_factory) -> Path:
    return build_moss(tmp_path_factory.mktemp("pdf"))


def sign(pdf: Path, party: str, p12: Path, out: Path | None, monkeypatch, password: str = PASSWORD) -> int:
    monkeypatch.setenv("RB_TEST_PASS", password)
    args = ["sign", str(pdf), "--party", party, "--p12", str(p12), "--passphrase-env", "RB_TEST_PASS"]
    return sign_mod.main(args + (["--out", str(out)] if out else []))


@pytest.fixture(scope="module")
def three_signed(moss_pdf, pki, tmp_path_factory) -> list[Path]:
    """The Moss PDF signed by three parties in turn: two with .p12 files, one with PEM files."""
    folder = tmp_path_factory.mktemp("signed")
    mp = pytest.MonkeyPatch()
    try:
        start = folder / "rutine.pdf"
        shutil.copy(moss_pdf, start)
        # Without --out the signed copy goes next to the input, named after the party.
        assert sign(start, PARTIES[0], pki.p12("Leder Krisesenteret i Moss"), None, mp) == 0
        first = folder / f"rutine.signed-by-{PARTIES[0]}.pdf"
        assert first.is_file()
        second = folder / "to.pdf"
        assert sign(first, PARTIES[1], pki.p12("Leder NAV Moss"), second, mp) == 0
        key, cert = pki.pem_pair("Leder NAV Råde")
        third = folder / "tre.pdf"
        assert sign_mod.main(["sign", str(second), "--party", "nav-rade", "--key", str(key), "--cert", str(cert),
                              "--out", str(third)]) == 0
    finally:
        mp.undo()
    return [start, first, second, third]


def test_three_parties_sign_in_turn(three_signed, pki, capsys):
    start, *signed = three_signed
    # Each signature is an incremental update: the earlier file is unchanged at the start.
    previous = start.read_bytes()
    for path in signed:
        data = path.read_bytes()
        assert data.startswith(previous) and len(data) > len(previous)
        previous = data
    rep = verify_pdf(signed[-1], [pki.ca_pem], ROOT / "data")
    assert rep.fields == {p: p in ("krisesenteret-i-moss", "nav-moss", "nav-rade") for p in PARTIES}
    assert [s.party for s in rep.signatures] == ["krisesenteret-i-moss", "nav-moss", "nav-rade"]
    assert [s.signer for s in rep.signatures] == ["Leder Krisesenteret i Moss", "Leder NAV Moss", "Leder NAV Råde"]
    for s in rep.signatures:
        assert s.intact and s.valid and s.trusted and s.changes_ok and s.ok, s
        assert abs(dt.datetime.fromisoformat(s.signed_at) - NOW) < dt.timedelta(hours=1)
    assert rep.signatures[0].changes_after == "bare senere signaturer i de andre partenes felt"
    assert rep.signatures[-1].coverage == "hele filen"
    assert rep.changed_since_signing is False and rep.unsigned == ["nav-rygge", "nav-valer"]
    capsys.readouterr()
    args = ["verify", str(signed[-1]), "--trust", str(pki.ca_pem), "--data", str(ROOT / "data")]
    assert sign_mod.main(args) == 1  # two fields unsigned
    out = capsys.readouterr().out
    assert re.search(r"nav-valer +ikke signert", out) and "Resultat: IKKE GODKJENT" in out and "2 av 5 parter" in out
    assert sign_mod.main(args + ["--allow-unsigned"]) == 0
    out = capsys.readouterr().out
    assert "signert av «Leder NAV Råde»" in out and "uendret; klarert" in out
    assert "PDF-en stemmer med dataene" in out and "Resultat: godkjent" in out
    assert sign_mod.main(args + ["--allow-unsigned", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["unsigned"] == ["nav-rygge", "nav-valer"] and len(report["signatures"]) == 3
    assert report["changed_since_signing"] is False
    # The visible signature is drawn with an embedded font measured in 1/1000 em (PDF/A, and
    # letters spaced right).
    widget = next(a.get_object() for a in PdfReader(signed[-1]).pages[-1]["/Annots"]
                  if a.get_object().get("/T") == "party-nav-rade")
    font = _first_cid_font(widget["/AP"]["/N"])
    assert font is not None and "/FontFile2" in font["/FontDescriptor"]
    widths = [w for item in font["/W"] if isinstance(item, list) for w in item]
    assert widths and max(widths) < 1100, widths


def _first_cid_font(obj, depth: int = 0):
    obj = obj.get_object()
    if isinstance(obj, dict):
        if "/DescendantFonts" in obj:
            return obj["/DescendantFonts"][0].get_object()
        for key in ("/Resources", "/Font", "/XObject"):
            if key in obj:
                found = _first_cid_font(obj[key], depth + 1)
                if found is not None:
                    return found
        if depth:
            for value in obj.values():
                if hasattr(value, "get_object") and depth < 6:
                    found = _first_cid_font(value, depth + 1)
                    if found is not None:
                        return found
    return None


def test_tampering_is_detected(three_signed, pki, tmp_path, capsys):
    signed = three_signed[1]  # one signature, by the crisis centre
    data = bytearray(signed.read_bytes())
    reader = PdfReader(signed)
    byte_range = list(reader.get_fields()["party-krisesenteret-i-moss"]["/V"]["/ByteRange"])
    inside = data.index(b"/Producer", 0, byte_range[1])  # the document information, signed
    data[inside + 1] = ord("p")
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    rep = verify_pdf(tampered, [pki.ca_pem])
    assert not rep.signatures[0].intact and not rep.signatures[0].ok
    assert sign_mod.main(["verify", str(tampered), "--trust", str(pki.ca_pem), "--allow-unsigned"]) == 1
    out = capsys.readouterr().out
    assert "ENDRET etter signering" in out and "filen er endret etter signeringen" in out
    # A page appended after signing, as an incremental update.
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    with signed.open("rb") as f:
        w = IncrementalPdfFileWriter(f)
        page = generic.DictionaryObject({
            generic.NameObject("/Type"): generic.NameObject("/Page"),
            generic.NameObject("/MediaBox"): generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 595, 842)])})
        w.insert_page(page)
        appended = tmp_path / "appended.pdf"
        with appended.open("wb") as out_file:
            w.write(out_file)
    rep = verify_pdf(appended, [pki.ca_pem])
    s = rep.signatures[0]
    assert s.intact and not s.changes_ok and not s.ok
    assert s.changes_after.startswith("innholdet er endret etter signeringen")
    assert sign_mod.main(["verify", str(appended), "--trust", str(pki.ca_pem), "--allow-unsigned"]) == 1
    out = capsys.readouterr().out
    assert "innholdet er endret etter signeringen" in out and "Resultat: IKKE GODKJENT" in out


def test_refusals(moss_pdf, three_signed, pki, tmp_path, monkeypatch, capsys):
    p12 = pki.p12("Leder NAV Moss")
    # Unknown party: the valid ones, and what was probably meant.
    assert sign(moss_pdf, "nav-mos", p12, tmp_path / "a.pdf", monkeypatch) == 1
    err = capsys.readouterr().err
    assert "mente du «nav-moss»" in err and "krisesenteret-i-moss, nav-moss, nav-rygge" in err
    # Wrong passphrase; a protected file without one; the variable not set.
    assert sign(moss_pdf, "nav-moss", p12, tmp_path / "b.pdf", monkeypatch, password="feil") == 1
    assert "feil passord" in capsys.readouterr().err
    assert sign_mod.main(["sign", str(moss_pdf), "--party", "nav-moss", "--p12", str(p12),
                          "--out", str(tmp_path / "c.pdf")]) == 1
    assert "passordbeskyttet" in capsys.readouterr().err
    monkeypatch.delenv("RB_IKKE_SATT", raising=False)
    assert sign_mod.main(["sign", str(moss_pdf), "--party", "nav-moss", "--p12", str(p12), "--passphrase-env",
                          "RB_IKKE_SATT"]) == 2
    assert "RB_IKKE_SATT" in capsys.readouterr().err
    # Expired, and not yet valid, certificates.
    expired = pki.p12("Utgått", start=NOW - dt.timedelta(days=400), days=30)
    assert sign(moss_pdf, "nav-moss", expired, tmp_path / "d.pdf", monkeypatch) == 1
    assert "gikk ut" in capsys.readouterr().err
    future = pki.p12("Fremtidig", start=NOW + dt.timedelta(days=10))
    assert sign(moss_pdf, "nav-moss", future, tmp_path / "e.pdf", monkeypatch) == 1
    assert "ikke gyldig ennå" in capsys.readouterr().err
    # A field already signed.
    assert sign(three_signed[2], "nav-moss", p12, tmp_path / "f.pdf", monkeypatch) == 1
    assert "allerede signert" in capsys.readouterr().err
    # Never overwrite: an existing output file, or the input itself.
    existing = tmp_path / "finnes.pdf"
    shutil.copy(three_signed[1], existing)
    before = existing.read_bytes()
    assert sign(moss_pdf, "nav-rygge", pki.p12("Leder NAV Rygge"), existing, monkeypatch) == 1
    assert "overskrives aldri" in capsys.readouterr().err and existing.read_bytes() == before
    assert sign(existing, "nav-rygge", pki.p12("Leder NAV Rygge"), existing, monkeypatch) == 1
    assert "samme fil" in capsys.readouterr().err and existing.read_bytes() == before
    # Usage: neither or both key kinds.
    assert sign_mod.main(["sign", str(moss_pdf), "--party", "nav-moss"]) == 2
    assert "--p12" in capsys.readouterr().err
    # Not a PDF, a truncated PDF, a missing file: for signing and verifying.
    text, cut = tmp_path / "tekst.pdf", tmp_path / "avkortet.pdf"
    text.write_bytes(b"Dette er ikke en PDF.\n")
    cut.write_bytes(moss_pdf.read_bytes()[: len(moss_pdf.read_bytes()) // 2])
    for bad, words in [(text, "ikke en PDF-fil"), (cut, "avkortet"), (tmp_path / "borte.pdf", "fant ikke filen")]:
        assert sign(bad, "nav-moss", p12, tmp_path / f"ut-{bad.stem}.pdf", monkeypatch) == 1
        assert words in capsys.readouterr().err
        assert sign_mod.main(["verify", str(bad)]) == 1
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err
        assert not (tmp_path / f"ut-{bad.stem}.pdf").exists()
    # A --trust file that is not a certificate is a usage error.
    assert sign_mod.main(["verify", str(three_signed[1]), "--trust", str(text)]) == 2
    assert "ikke et sertifikat" in capsys.readouterr().err


def test_untrusted_signer(moss_pdf, pki, tmp_path, monkeypatch, capsys):
    other = Pki(tmp_path, cn="Annen CA")
    signed = tmp_path / "signed.pdf"
    assert sign(moss_pdf, "nav-moss", other.p12("Leder NAV Moss"), signed, monkeypatch) == 0
    rep = verify_pdf(signed, [pki.ca_pem])
    assert rep.signatures[0].intact and rep.signatures[0].valid and not rep.signatures[0].trusted
    assert sign_mod.main(["verify", str(signed), "--trust", str(pki.ca_pem), "--allow-unsigned"]) == 1
    out = capsys.readouterr().out
    assert "IKKE klarert" in out and "kjedes ikke til noe --trust-sertifikat" in out
    assert sign_mod.main(["verify", str(signed), "--trust", str(other.ca_pem), "--allow-unsigned"]) == 0


def test_timestamped_signature_offline(moss_pdf, pki, tmp_path):
    """PAdES B-T with pyHanko's dummy timestamp authority (no network)."""
    from pyhanko.sign import signers

    from rutinebok.sign import sign_pdf

    signer = signers.SimpleSigner.load_pkcs12(str(pki.p12("Leder NAV Våler")), passphrase=PASSWORD.encode())
    out = sign_pdf(moss_pdf, "nav-valer", tmp_path / "bt.pdf", signer, timestamper=pki.timestamper())
    rep = verify_pdf(out, [pki.ca_pem])
    s = rep.signatures[0]
    assert s.timestamped and s.time_source == "tidsstempel" and s.ok, s


def test_data_changed_after_signing(three_signed, pki, tmp_path, capsys):
    data = Path(shutil.copytree(ROOT / "data", tmp_path / "data"))
    signed = three_signed[1]
    assert verify_pdf(signed, [pki.ca_pem], data).changed_since_signing is False
    routine = data / "routines" / f"{MOSS}.yml"
    routine.write_text(routine.read_text("utf-8").replace("Søknad om nødhjelp hos NAV", "Søknad om nødhjelp", 1),
                       "utf-8")
    rep = verify_pdf(signed, [pki.ca_pem], data)
    assert rep.changed_since_signing is True
    assert sign_mod.main(["verify", str(signed), "--trust", str(pki.ca_pem), "--data", str(data),
                          "--allow-unsigned"]) == 0  # the signatures themselves are fine
    assert "endret etter signering" in capsys.readouterr().out
    routine.unlink()
    assert "finnes ikke lenger" in verify_pdf(signed, [pki.ca_pem], data).data_note


def test_signing_status_for_the_site(three_signed, real, tmp_path):
    ds = real[0]
    # No digital copy: the recorded paper signing, as what it was.
    status = signing_status(ds, tmp_path / "signed")
    moss = status[MOSS]
    assert not moss and list(moss) == [] and moss.paper["date"] == "2018-03-14"
    assert moss.paper["text"] == "Signert på papir i Moss 14. mars 2018, ingen digital kopi."
    assert moss.summary == moss.paper["text"] and moss.unsigned == PARTIES
    assert status["fra-krisesenter-til-egen-bolig"].summary == "Ikke signert."
    # A digital copy with two signatures, and an unreadable file beside it.
    folder = tmp_path / "signed" / MOSS
    folder.mkdir(parents=True)
    shutil.copy(three_signed[2], folder / "versjon-1.pdf")
    (folder / "skadet.pdf").write_bytes(b"%PDF-1.7\nikke mer")
    moss = signing_status(ds, tmp_path / "signed")[MOSS]
    copies = {c["file"]: c for c in moss}  # iterating gives the copies (the site template does this)
    assert "avkortet" in copies["skadet.pdf"]["error"]
    copy = copies["versjon-1.pdf"]
    assert [(s["party"], s["signer"], s["intact"]) for s in copy["signatures"]] == [
        ("krisesenteret-i-moss", "Leder Krisesenteret i Moss", True), ("nav-moss", "Leder NAV Moss", True)]
    assert copy["unsigned"] == ["nav-rygge", "nav-rade", "nav-valer"] and copy["changed_since_signing"] is False
    assert [s["party"] for s in moss.signed] == ["krisesenteret-i-moss", "nav-moss"]
    assert moss.unsigned == ["nav-rygge", "nav-rade", "nav-valer"]
    assert moss.summary.startswith("Signert digitalt av 2 av 5 parter. Ikke signert digitalt ennå: nav-rygge")
    assert "Signert på papir i Moss 14. mars 2018." in moss.summary
    json.dumps(moss.as_dict())  # plain data for templates and JSON


def test_signed_copy_is_published_with_its_status(three_signed, tmp_path):
    """A signed PDF under signed/<id>/ is copied into the site; the page reads who signed from it."""
    from .conftest import build_site

    project = tmp_path / "project"
    project.mkdir()
    for item in ["mkdocs.yml", "content", "overrides", "macros", "rutinebok", "data"]:
        src = ROOT / item
        (shutil.copytree if src.is_dir() else shutil.copy)(src, project / item)
    signed_dir = project / "signed" / MOSS
    signed_dir.mkdir(parents=True)
    shutil.copy(three_signed[2], signed_dir / "versjon-1.pdf")
    out = tmp_path / "site"
    result = build_site(out, config=project / "mkdocs.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (out / "pdf" / f"{MOSS}.pdf").is_file()
    assert (out / "pdf" / "signert" / MOSS / "versjon-1.pdf").read_bytes() == three_signed[2].read_bytes()
    page = (out / "rutiner" / MOSS / "index.html").read_text("utf-8")
    assert f"signert av Leder Krisesenteret i Moss, {NOW.year}-" in page and "Ikke alle parter har signert" in page
    assert f"pdf/{MOSS}.pdf" in page
