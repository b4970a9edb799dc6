"""Signing and verification with keys made here: five parties in turn, party binding,
locking (DocMDP/FieldMDP with a strict change policy), completeness against the parties in
the signed XMP, data freshness from signed bytes, refusals, and the site's status."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from rutinebok import sign as sign_mod
from rutinebok.sign import signing as signing_mod
from rutinebok.sign import signing_status, verify_pdf

from .conftest import ROOT
from .pdf_helpers import (
    MOSS,
    NOW,
    ORG_NUMBERS,
    PARTIES,
    PARTY_LABELS,
    PASSWORD,
    Pki,
    build_moss,
    cert_fingerprint,
    data_with_signers,
)


class Setup:
    """A CA, one enterprise certificate per party (ECDSA and RSA, organisation number as
    serialNumber or organizationIdentifier), a data copy that names them, and its PDF."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.pki = Pki(folder)
        self.p12 = {}
        for i, (party, label) in enumerate(zip(PARTIES, PARTY_LABELS, strict=True)):
            kind = "rsa" if i % 2 else "ec"
            self.p12[party] = self.pki.p12(f"Leder {label}", org=ORG_NUMBERS.get(party), key_kind=kind,
                                           org_style="serial" if i < 2 else "identifier")
        self.data = data_with_signers(folder, [cert_fingerprint(self.p12["nav-valer"])])
        self.pdf = build_moss(folder / "pdf", self.data)


@pytest.fixture(scope="module")
def setup(tmp_path_factory) -> Setup:
    return Setup(tmp_path_factory.mktemp("sign"))


def sign(s: Setup, pdf: Path, party: str, out: Path | None, p12: Path | None = None, extra=()) -> int:
    os.environ["RB_TEST_PASS"] = PASSWORD
    args = ["sign", str(pdf), "--party", party, "--p12", str(p12 or s.p12[party]), "--passphrase-env", "RB_TEST_PASS",
            "--data", str(s.data), *extra]
    return sign_mod.main(args + (["--out", str(out)] if out else []))


def verify(s: Setup, pdf: Path, *extra: str) -> int:
    return sign_mod.main(["verify", str(pdf), "--trust", str(s.pki.ca_pem), "--data", str(s.data), *extra])


@pytest.fixture(scope="module")
def signed(setup) -> list[Path]:
    """The PDF signed by all five parties in turn; [unsigned, after 1, ..., after 5]."""
    folder = setup.folder / "turn"
    folder.mkdir()
    start = folder / "rutine.pdf"
    shutil.copy(setup.pdf, start)
    paths, timings = [start], []
    for i, party in enumerate(PARTIES):
        out = None if i == 0 else folder / f"{i + 1}.pdf"
        t = time.perf_counter()
        assert sign(setup, paths[-1], party, out) == 0
        timings.append(time.perf_counter() - t)
        paths.append(out or folder / f"rutine.signed-by-{party}.pdf")
    print("signing times (s):", ", ".join(f"{t:.2f}" for t in timings))
    return paths


def _bypass(monkeypatch):
    """Let `sign` write what an attacker's tool would: no party binding, no checks of earlier signatures."""
    monkeypatch.setattr(signing_mod, "binding_problem", lambda *a, **k: None)
    monkeypatch.setattr(signing_mod, "key_usage_problem", lambda *a, **k: None)
    monkeypatch.setattr(signing_mod, "_prior_problem", lambda *a, **k: None)


# --------------------------------------------------------------------------- in turn


def test_five_parties_sign_in_turn_and_stay_pdfa(setup, signed, capsys):
    previous = signed[0].read_bytes()
    for step, path in enumerate(signed[1:], 1):
        data = path.read_bytes()
        assert data.startswith(previous) and len(data) > len(previous)  # incremental updates
        previous = data
        t = time.perf_counter()
        rep = verify_pdf(path, [setup.pki.ca_pem], setup.data)
        per_sig = (time.perf_counter() - t) / step
        print(f"verify after {step} signatures: {per_sig:.2f} s per signature")
        assert [s.party for s in rep.signatures] == PARTIES[:step]
        for s in rep.signatures:
            assert s.ok and s.intact and s.valid and s.trusted and s.bound and s.changes_ok, s.problems
            assert abs(dt.datetime.fromisoformat(s.signed_at) - NOW) < dt.timedelta(hours=1)
        assert rep.signatures[0].certified and not any(s.certified for s in rep.signatures[1:])
        assert rep.structure_problems == [] and rep.changed_since_signing is False
        assert rep.exit_code() == (0 if step == 5 else 3) and rep.exit_code(allow_unsigned=True) == 0
        # PDF/A after every signature: XMP identification and archive metadata kept, fonts embedded.
        reader, _ = sign_mod._reader(path)
        assert sign_mod.pdfa_problems(reader) == []
        xmp = PdfReader(path).trailer["/Root"]["/Metadata"].get_object().get_data()
        assert b'pdfaid:part="2"' in xmp and b"<rb:routineId>moss-krisesenter-nav</rb:routineId>" in xmp
        assert b"pdfaExtension:schemas" in xmp
    capsys.readouterr()
    assert verify(setup, signed[-1]) == 0
    out = capsys.readouterr().out
    assert "Resultat: godkjent" in out and "sertifikatet tilhører parten" in out
    assert verify(setup, signed[2]) == 3
    assert re.search(r"nav-valer +ikke signert", capsys.readouterr().out)
    assert verify(setup, signed[-1], "--format", "json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["exit_code"] == 0 and len(report["signatures"]) == 5
    assert report["parties"] == PARTIES and report["signatures"][0]["org_numbers"] == ["100000001"]


def _form_elements(path: Path) -> dict[str, dict]:
    """Field name -> {page, struct_parent, parent_tree} for each /Form structure element with
    an /OBJR to a signature widget, read back with pypdf."""
    reader = PdfReader(path)
    tree = reader.trailer["/Root"]["/StructTreeRoot"]
    nums = tree["/ParentTree"]["/Nums"]
    parent_tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    found, stack = {}, [tree]
    while stack:
        elem = stack.pop().get_object()
        kids = elem.get("/K")
        kids = kids if isinstance(kids, list) else [kids] if kids is not None else []
        if elem.get("/S") == "/Form":
            for kid in kids:
                kid = kid.get_object()
                if kid.get("/Type") == "/OBJR":
                    widget = kid["/Obj"].get_object()
                    key = int(widget["/StructParent"])
                    found[str(widget["/T"])] = {
                        "page": kid["/Pg"].get_object() == widget["/P"].get_object(),
                        "parent_tree": parent_tree[key].idnum == elem.indirect_reference.idnum,
                        "label": str(widget.get("/TU", "")), "tabs": widget["/P"].get_object().get("/Tabs")}
        stack += [k for k in kids if hasattr(k.get_object(), "keys")]
    return found


def test_signature_fields_are_in_the_tag_tree_before_and_after_signing(signed):
    """PDF/UA: each party's widget sits in a /Form structure element (with /OBJR), is found
    from its /StructParent through the parent tree, and its page tabs in structure order."""
    for path in (signed[0], signed[2], signed[-1]):
        forms = _form_elements(path)
        assert sorted(forms) == sorted(f"party-{p}" for p in PARTIES), path.name
        for name, form in forms.items():
            assert form["page"] and form["parent_tree"] and form["tabs"] == "/S", (path.name, name)
            assert form["label"].startswith("Signatur for "), form


def test_stamp_is_norwegian_with_embedded_font(signed):
    reader = PdfReader(signed[-1])
    widgets = {a.get_object()["/T"]: a.get_object() for p in reader.pages for a in p.get("/Annots", [])
               if a.get_object().get("/T", "").startswith("party-")}
    assert set(widgets) == {f"party-{p}" for p in PARTIES}
    assert widgets["party-nav-moss"]["/TU"] == "Signatur for NAV Moss"
    text = " ".join(_appearance_text(signed[-1], "party-nav-rade").split())
    assert "Signert digitalt av Leder NAV Råde," in text and "for NAV Råde," in text
    assert "tid fra klokken til den som signerte" in text and "pyHanko" not in text
    font = _first_cid_font(widgets["party-nav-rade"]["/AP"]["/N"])
    assert font is not None and "/FontFile2" in font["/FontDescriptor"]
    widths = [w for item in font["/W"] if isinstance(item, list) for w in item]
    assert widths and max(widths) < 1100, widths


def _appearance_text(pdf: Path, field_name: str) -> str:
    """The text of a signature field's appearance, decoded through its embedded font's
    ToUnicode map: the appearance is drawn alone on the page and the page's text read."""
    from pypdf import PdfWriter
    from pypdf.generic import ContentStream, DictionaryObject, NameObject

    writer = PdfWriter(clone_from=str(pdf))
    for page in writer.pages:
        for annot in page.get("/Annots", []):
            widget = annot.get_object()
            if widget.get("/T") != field_name:
                continue
            resources = page["/Resources"].get_object()
            if "/XObject" not in resources:
                resources[NameObject("/XObject")] = DictionaryObject()
            resources["/XObject"].get_object()[NameObject("/RbSig")] = widget["/AP"].get_object().raw_get("/N")
            content = ContentStream(None, writer)
            content.set_data(b"q /RbSig Do Q")
            page[NameObject("/Contents")] = writer._add_object(content)
            buf = io.BytesIO()
            writer.write(buf)
            return PdfReader(buf).pages[writer.pages.index(page)].extract_text()
    raise AssertionError(f"no field {field_name}")


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


def test_full_unicode_name_in_stamp(setup, tmp_path):
    p12 = setup.pki.p12("Áŋŋá Čoarvi Łukasz", org=ORG_NUMBERS["nav-rygge"])
    out = tmp_path / "u.pdf"
    assert sign(setup, setup.pdf, "nav-rygge", out, p12) == 0
    assert "Signert digitalt av Áŋŋá Čoarvi Łukasz," in " ".join(_appearance_text(out, "party-nav-rygge").split())
    assert verify_pdf(out, [setup.pki.ca_pem], setup.data).signatures[0].ok


# --------------------------------------------------------------------------- who may sign


def test_wrong_party_certificate_is_refused_and_reported(setup, signed, tmp_path, monkeypatch, capsys):
    # NAV Rygge's certificate in NAV Våler's field (Våler allows only a listed fingerprint).
    assert sign(setup, signed[4], "nav-valer", tmp_path / "x.pdf", setup.p12["nav-rygge"]) == 1
    err = capsys.readouterr().err
    assert "identifiserer ikke NAV Våler" in err and "organisasjonsnummer 100000003" in err
    assert "fingeravtrykk" in err and not (tmp_path / "x.pdf").exists()
    # NAV Moss's certificate (other organisation number) in NAV Rygge's field.
    assert sign(setup, signed[2], "nav-rygge", tmp_path / "y.pdf", setup.p12["nav-moss"]) == 1
    err = capsys.readouterr().err
    assert "100000002" in err and "krever organisasjonsnummer 100000003" in err
    # A certificate without any organisation number.
    plain = setup.pki.p12("Leder uten orgnr")
    assert sign(setup, setup.pdf, "nav-moss", tmp_path / "z.pdf", plain) == 1
    assert "ikke noe organisasjonsnummer" in capsys.readouterr().err
    # Written anyway by a tool that skips the check: verify names the mismatch, exit 1.
    _bypass(monkeypatch)
    forged = tmp_path / "forged.pdf"
    assert sign(setup, signed[4], "nav-valer", forged, setup.p12["nav-rygge"]) == 0
    monkeypatch.undo()
    rep = verify_pdf(forged, [setup.pki.ca_pem], setup.data)
    bad = rep.signatures[-1]
    assert not bad.ok and not bad.bound and any("identifiserer ikke NAV Våler" in p for p in bad.problems)
    assert any("samme sertifikatet har allerede signert for nav-rygge" in p for p in bad.problems)
    assert verify(setup, forged) == 1


def test_same_certificate_in_two_boxes(setup, signed, tmp_path, monkeypatch, capsys):
    _bypass(monkeypatch)
    twice = tmp_path / "twice.pdf"
    assert sign(setup, signed[2], "nav-rygge", twice, setup.p12["nav-moss"]) == 0
    monkeypatch.undo()
    rep = verify_pdf(twice, [setup.pki.ca_pem], setup.data)
    assert any("samme sertifikatet har allerede signert for nav-moss" in p for p in rep.signatures[-1].problems)
    capsys.readouterr()
    assert verify(setup, twice, "--allow-unsigned") == 1


def test_party_without_org_number_or_fingerprint_cannot_sign(setup, tmp_path, capsys):
    pdf = build_moss(tmp_path / "plain")  # the real data: no organisation numbers are known
    assert sign(setup, pdf, "nav-moss", tmp_path / "a.pdf") == 1
    err = capsys.readouterr().err
    assert "verken organisasjonsnummer eller godkjente sertifikater for NAV Moss" in err
    assert "org_number" in err and "Traceback" not in err


def test_check_tells_the_editor_what_to_add(real):
    _, _, findings = real
    found = [f for f in findings if f.code == "RB041" and "moss-krisesenter-nav" in f.file]
    assert found and "nav-moss" in found[0].message and "org_number" in (found[0].hint or "")


# --------------------------------------------------------------------------- locking


def _update(src: Path, dst: Path, change) -> Path:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    with src.open("rb") as f, sign_mod._NoMetaUpdates():  # a careful attacker keeps the XMP
        w = IncrementalPdfFileWriter(f, strict=False)
        change(w)
        with dst.open("wb") as out:
            w.write(out)
    return dst


def test_a_pdf_made_with_the_fields_in_an_update_still_signs_and_verifies(setup, tmp_path, monkeypatch, capsys):
    """Until 30 Nov 2026 `rutinebok pdf` wrote the document, then the empty fields in one update
    (pyHanko). Such a PDF is still what rutinebok made: it signs and verifies. An update after
    that one is still one update too many, and a PDF made now (fields in the document) takes none."""
    from rutinebok import pdf as pdf_mod

    from .pdf_helpers import SITE_URL, fields_by_pyhanko

    ds, findings = pdf_mod.load_checked(setup.data, dt.date.today())
    ctx = pdf_mod.print_context(ds, dt.date.today(), findings)
    earlier, _made = fields_by_pyhanko(monkeypatch, lambda: pdf_mod.render_pdf(ds, ctx, MOSS, SITE_URL))
    now = setup.pdf.read_bytes()
    assert now.count(b"%%EOF") == 1 and earlier.count(b"%%EOF") == 2
    (tmp_path / "earlier.pdf").write_bytes(earlier)
    assert sign(setup, tmp_path / "earlier.pdf", "krisesenteret-i-moss", tmp_path / "earlier-1.pdf") == 0
    assert verify(setup, tmp_path / "earlier-1.pdf", "--allow-unsigned") == 0
    capsys.readouterr()

    def touch(w):  # an update that changes nothing visible: still an update before signing
        w.update_root()

    for made, updated in ((tmp_path / "earlier.pdf", 2), (setup.pdf, 1)):
        changed = _update(made, tmp_path / f"touched-{updated}.pdf", touch)
        assert changed.read_bytes().count(b"%%EOF") == updated + 1
        assert sign(setup, changed, "krisesenteret-i-moss", tmp_path / "x.pdf") == 1
        assert "er endret etter at rutinebok laget den (1 oppdatering(er)" in capsys.readouterr().err


def test_overlay_field_after_signing_fails(setup, signed, tmp_path, capsys):
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field

    def overlay(w):
        append_signature_field(w, SigFieldSpec("overlay", on_page=0, box=(0, 400, 595, 842)))

    attacked = _update(signed[-1], tmp_path / "overlay.pdf", overlay)
    rep = verify_pdf(attacked, [setup.pki.ca_pem], setup.data)
    assert not all(s.ok for s in rep.signatures)
    assert any("overlay" in p for p in rep.structure_problems)
    assert verify(setup, attacked) == 1
    out = capsys.readouterr().out
    assert "felt lagt til etter første signatur: overlay" in out and "IKKE GODKJENT" in out


def test_fields_removed_before_signing(setup, tmp_path, monkeypatch, capsys):
    from pyhanko.pdf_utils import generic

    def remove(w):
        af_ref = w.root.raw_get("/AcroForm")
        af = af_ref.get_object()
        af[generic.NameObject("/Fields")] = generic.ArrayObject(
            [r for r in af["/Fields"] if r.get_object()["/T"] == "party-nav-valer"])
        if isinstance(af_ref, generic.IndirectObject):
            w.mark_update(af_ref)
        else:
            w.update_root()

    stripped = _update(setup.pdf, tmp_path / "stripped.pdf", remove)
    assert sign(setup, stripped, "nav-valer", tmp_path / "a.pdf") == 1
    assert "er endret etter at rutinebok laget den (1 oppdatering(er)" in capsys.readouterr().err
    monkeypatch.setattr(signing_mod, "updates_before_signing", lambda *a: 0)
    assert sign(setup, stripped, "nav-valer", tmp_path / "a.pdf") == 1
    assert "signaturfelt mangler for krisesenteret-i-moss, nav-moss, nav-rygge, nav-rade" in capsys.readouterr().err
    monkeypatch.undo()
    _bypass(monkeypatch)
    monkeypatch.setattr(signing_mod, "field_problems", lambda *a: [])
    monkeypatch.setattr(signing_mod, "updates_before_signing", lambda *a: 0)
    assert sign(setup, stripped, "nav-valer", tmp_path / "b.pdf") == 0
    monkeypatch.undo()
    rep = verify_pdf(tmp_path / "b.pdf", [setup.pki.ca_pem], setup.data)
    assert rep.signatures[0].ok  # the signature itself is fine; the document is incomplete
    assert any("signaturfelt mangler for krisesenteret-i-moss" in p for p in rep.structure_problems)
    assert verify(setup, tmp_path / "b.pdf") == 1
    # The same, with the XMP party list rewritten to match the one remaining field.
    import re as _re

    def rewrite(w):
        remove(w)
        meta_ref = w.root.raw_get("/Metadata")
        stream = meta_ref.get_object()
        xmp = stream.data
        xmp = _re.sub(rb"<rdf:li rdf:parseType=\"Resource\"><rbp:id>(?!nav-valer).*?</rdf:li>", b"", xmp, flags=_re.DOTALL)
        assert xmp.count(b"<rbp:id>") == 1
        stream._data = xmp
        stream._encoded_data = None
        w.mark_update(meta_ref)

    forged = _update(setup.pdf, tmp_path / "forged.pdf", rewrite)
    _bypass(monkeypatch)
    monkeypatch.setattr(signing_mod, "field_problems", lambda *a: [])
    assert sign(setup, forged, "nav-valer", tmp_path / "c0.pdf") == 1  # sign itself refuses
    assert "er endret etter at rutinebok laget den" in capsys.readouterr().err
    _bypass(monkeypatch)
    monkeypatch.setattr(signing_mod, "field_problems", lambda *a: [])
    monkeypatch.setattr(signing_mod, "updates_before_signing", lambda *a: 0)
    monkeypatch.setattr(signing_mod, "parties_differ", lambda *a: None)
    assert sign(setup, forged, "nav-valer", tmp_path / "c.pdf") == 0
    monkeypatch.undo()
    rep = verify_pdf(tmp_path / "c.pdf", [setup.pki.ca_pem], setup.data)
    assert rep.parties == ["nav-valer"]
    assert any("endret 1 gang(er) etter at den ble laget" in p for p in rep.structure_problems), rep.structure_problems
    assert any("partene i PDF-ens metadata stemmer ikke med dataene" in p for p in rep.structure_problems)
    assert rep.exit_code() == 1


def test_info_hash_spoof_in_unsigned_update(setup, signed, tmp_path, capsys):
    from pyhanko.pdf_utils import generic

    def spoof(w):
        info = w.trailer_view["/Info"].get_object()
        info[generic.NameObject("/RutinebokSourceHash")] = generic.TextStringObject("0" * 64)
        w.mark_update(w.trailer_view.raw_get("/Info"))

    attacked = _update(signed[-1], tmp_path / "spoof.pdf", spoof)
    rep = verify_pdf(attacked, [setup.pki.ca_pem], setup.data)
    assert rep.source_hash != "0" * 64  # read from the signed XMP, not the unsigned /Info
    assert not rep.signatures[-1].ok and not rep.signatures[-1].changes_ok
    assert verify(setup, attacked) == 1
    assert "endringer som ikke er tillatt etter signering" in capsys.readouterr().out


def test_data_changed_since_signing_has_its_own_exit(setup, signed, tmp_path, capsys):
    data = Path(shutil.copytree(setup.data, tmp_path / "data"))
    routine = data / "routines" / f"{MOSS}.yml"
    routine.write_text(routine.read_text("utf-8").replace("Søknad om nødhjelp hos NAV", "Søknad om nødhjelp", 1),
                       "utf-8")
    rep = verify_pdf(signed[-1], [setup.pki.ca_pem], data)
    assert rep.changed_since_signing is True and rep.exit_code() == 4
    args = ["verify", str(signed[-1]), "--trust", str(setup.pki.ca_pem), "--data", str(data)]
    assert sign_mod.main(args) == 4
    assert "endret etter signering" in capsys.readouterr().out
    # Signing on top of changed data is refused.
    os.environ["RB_TEST_PASS"] = PASSWORD
    assert sign_mod.main(["sign", str(signed[1]), "--party", "nav-moss", "--p12", str(setup.p12["nav-moss"]),
                          "--passphrase-env", "RB_TEST_PASS", "--data", str(data), "--out",
                          str(tmp_path / "x.pdf")]) == 1
    assert "lag PDF-en på nytt" in capsys.readouterr().err
    routine.unlink()
    assert verify_pdf(signed[-1], [setup.pki.ca_pem], data).exit_code() == 4


def test_renamed_role_counts_as_data_change(setup, signed, tmp_path):
    """The PDF prints the names of the roles its steps name: renaming one changes the document."""
    data = Path(shutil.copytree(setup.data, tmp_path / "data"))
    assert verify_pdf(signed[-1], [setup.pki.ca_pem], data).exit_code() == 0
    role = data / "roles" / "nav-veileder.yml"
    text = role.read_text("utf-8")
    role.write_text(re.sub(r"(?m)^name: .*$", "name: Saksbehandler i NAV", text, count=1), "utf-8")
    rep = verify_pdf(signed[-1], [setup.pki.ca_pem], data)
    assert rep.changed_since_signing is True and rep.exit_code() == 4


def test_page_content_changed_between_signatures(setup, signed, tmp_path, capsys):
    from pyhanko.pdf_utils import generic

    def paint(w):
        stream = generic.StreamObject(stream_data=b"1 1 1 rg 0 500 595 342 re f")
        w.add_stream_to_page(0, w.add_object(stream))

    attacked = _update(signed[1], tmp_path / "painted.pdf", paint)
    rep = verify_pdf(attacked, [setup.pki.ca_pem], setup.data)
    assert not rep.signatures[0].ok and not rep.signatures[0].changes_ok
    capsys.readouterr()
    assert sign(setup, attacked, "nav-moss", tmp_path / "next.pdf") == 1
    err = capsys.readouterr().err
    assert "ikke i orden" in err and not (tmp_path / "next.pdf").exists()


def test_byte_tampering_is_detected(setup, signed, tmp_path, capsys):
    data = bytearray(signed[1].read_bytes())
    byte_range = list(PdfReader(signed[1]).get_fields()["party-krisesenteret-i-moss"]["/V"]["/ByteRange"])
    inside = data.index(b"stream\n", byte_range[1] // 2, byte_range[1]) + 20
    data[inside] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    rep = verify_pdf(tampered, [setup.pki.ca_pem])
    assert not rep.signatures[0].intact and not rep.signatures[0].ok
    assert verify(setup, tampered, "--allow-unsigned") == 1
    assert "filen er endret etter signeringen" in capsys.readouterr().out


def _attacked_files(signed, tmp_path) -> list[Path]:
    """The five-signature file and attacked ones: a new field, painted page content, a
    widget reached from a second place, and a reference cycle."""
    from pyhanko.pdf_utils import generic
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field

    def overlay(w):
        append_signature_field(w, SigFieldSpec("overlay", on_page=0, box=(0, 400, 595, 842)))

    def paint(w):
        w.add_stream_to_page(0, w.add_object(generic.StreamObject(stream_data=b"0 0 0 rg 0 0 9 9 re f")))

    def second_path_and_cycle(w):
        fields = w.root["/AcroForm"]["/Fields"]
        loop = generic.DictionaryObject()
        loop_ref = w.add_object(loop)
        loop[generic.NameObject("/Self")] = loop_ref
        loop[generic.NameObject("/Widget")] = fields[0]
        w.root[generic.NameObject("/RbExtra")] = generic.ArrayObject([loop_ref, fields[-1]])
        w.update_root()

    return [signed[-1], _update(signed[2], tmp_path / "o.pdf", overlay), _update(signed[1], tmp_path / "p.pdf", paint),
            _update(signed[3], tmp_path / "c.pdf", second_path_and_cycle)]


def test_reference_map_is_pyhankos(setup, signed, tmp_path):
    """The faster reverse reference map (rutinebok.sign.refs) gives the change analysis
    exactly what pyHanko's own gives, for every revision of a signed file and of attacked
    ones: a new field, painted page content, a widget reached from a second place, and a
    reference cycle."""
    from pyhanko.pdf_utils.reader import HistoricalResolver

    from rutinebok.sign import refs

    compared = 0
    for path in _attacked_files(signed, tmp_path):
        reader, _ = sign_mod._reader(path)
        for revision in range(reader.xrefs.total_revisions):
            ours = reader.get_historical_resolver(revision)
            assert type(ours) is not HistoricalResolver  # the fast map is the one in use
            ours._indirect_object_access_cache = None
            refs.reverse_references(ours)
            theirs = HistoricalResolver(reader, revision)
            HistoricalResolver._load_reverse_xref_cache(theirs)
            assert ours._indirect_object_access_cache == theirs._indirect_object_access_cache, (path.name, revision)
            compared += 1
    assert compared == 6 + 4 + 3 + 5  # the document and its signatures in each file, and each attack's update


def _same_object(a, b, pdf_a, pdf_b, path="") -> str | None:
    """Where two pyHanko objects differ (type, value, container reference and the handler
    its references resolve in), or None. References of `pdf_a` correspond to `pdf_b`."""
    from pyhanko.pdf_utils import generic

    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} != {type(b).__name__}"
    ca, cb = getattr(a, "container_ref", None), getattr(b, "container_ref", None)
    if type(ca) is not type(cb) or ca != cb or (
            ca is not None and not (ca.pdf is cb.pdf or (ca.pdf is pdf_a and cb.pdf is pdf_b))):
        return f"{path}: container_ref {ca!r} != {cb!r}"
    if isinstance(a, generic.DictionaryObject):
        if list(a) != list(b) or [type(k) for k in a] != [type(k) for k in b]:
            return f"{path}: keys {list(a)} != {list(b)}"
        if isinstance(a, generic.StreamObject) and a.encoded_data != b.encoded_data:
            return f"{path}: stream data"
        for key in a:
            found = _same_object(a.raw_get(key), b.raw_get(key), pdf_a, pdf_b, f"{path}{key}")
            if found:
                return found
        return None
    if isinstance(a, generic.ArrayObject):
        if len(a) != len(b):
            return f"{path}: {len(a)} != {len(b)} items"
        for i, (x, y) in enumerate(zip(list.__iter__(a), list.__iter__(b), strict=True)):
            found = _same_object(x, y, pdf_a, pdf_b, f"{path}[{i}]")
            if found:
                return found
        return None
    if isinstance(a, generic.IndirectObject):
        ra, rb = a.reference, b.reference
        return None if ra == rb and (ra.pdf is rb.pdf or (ra.pdf is pdf_a and rb.pdf is pdf_b)) else f"{path}: {ra} != {rb}"
    if isinstance(a, generic.BooleanObject):
        return None if a.value == b.value else f"{path}: {a.value} != {b.value}"
    if isinstance(a, generic.NullObject):
        return None
    return None if a == b and str(a) == str(b) else f"{path}: {a!r} != {b!r}"


def _object_stream_entries(reader):
    """(data, offset, container reference) for every object in every object stream of the file."""
    from pyhanko.pdf_utils import generic, misc
    from pyhanko.pdf_utils.generic import DecodePurpose

    streams = {s for rev in range(reader.xrefs.total_revisions) for s in reader.xrefs.object_streams_used_in(rev)}
    for stream_id in streams:
        stream = reader.get_object(generic.Reference(getattr(stream_id, "idnum", stream_id), 0, reader))
        data = stream.read_data(DecodePurpose.OBJECT_STREAM)
        buf, first = io.BytesIO(data), int(stream["/First"])
        for _ in range(int(stream["/N"])):
            misc.read_non_whitespace(buf, seek_back=True)
            number = int(generic.NumberObject.read_from_stream(buf))
            misc.read_non_whitespace(buf, seek_back=True)
            yield data, first + int(generic.NumberObject.read_from_stream(buf)), generic.Reference(number, 0, reader)


def test_object_stream_reader_is_pyhankos(setup, signed, tmp_path):
    """rutinebok.sign.objparse reads every object of the object streams of signed and
    attacked files into what pyHanko's parser makes of them (handling each one itself,
    no fallback), and gives anything unusual back to pyHanko's parser."""
    from pyhanko.pdf_utils import generic

    from rutinebok.sign.objparse import Fallback, read_object

    def pyhankos(data, pos, ref):
        buf = io.BytesIO(data)
        buf.seek(pos)
        return generic.read_object(buf, ref)

    compared = 0
    for path in _attacked_files(signed, tmp_path):
        reader, _ = sign_mod._reader(path)
        for data, pos, ref in _object_stream_entries(reader):
            assert _same_object(read_object(data, pos, ref), pyhankos(data, pos, ref), reader, reader) is None
            compared += 1
    assert compared > 4 * 2000
    # Forms a PDF writer may use, each read here or given back, never read differently.
    reader, _ = sign_mod._reader(signed[0])
    ref = generic.Reference(7, 0, reader)
    handled = [
        b"<</Type/StructElem/S/P/K[1 0 R 2 3 R 12]/Pg 4 0 R>>", b"<< /A -.5 /B +3 /C 1.50 /D [ ] /E << >> >>",
        b"[true false null /N#20ame (a\\(b\\)c\\n) <FEFF00E5> ()]", b"/\xc3\xa5", b"5 0 R", b"12 0 Rx", b"12 0 R/x",
        b"[12 0 R]", b"[1 2 R]", b"<</K 0 0 R>>", b"1 2", b"/A#2", b"(unterminated", b"<</A 1 /A 2>>",
        b"<</Length 0>> stream\nendstream", b"<</A 1>>%c\n", b"<</A %c\n1>>", b"[1 0\x0bR]", b"1,2", b"1.2.3",
        b" 1", b"[" * 200 + b"]" * 200, b"<</A 1>", b"tru", b"<< /A 1", b"[1 2", b"{", b"<0A1>", b"<0G>",
    ]
    fast = 0
    for text in handled:
        try:
            expected = pyhankos(text, 0, ref)
        except Exception:  # noqa: BLE001 - pyHanko refuses it: so must the fast path, by falling back
            with pytest.raises(Fallback):
                read_object(text, 0, ref)
            continue
        try:
            got = read_object(text, 0, ref)
        except Fallback:
            continue
        fast += 1
        assert _same_object(got, expected, reader, reader) is None, text
    assert fast >= 8


def test_revision_copies_are_pyhankos(setup, signed, tmp_path):
    """The reader's faster copy of each object into a revision gives what pyHanko's
    HistoricalResolver gives, for every object of every revision of signed and attacked files."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.reader import HistoricalResolver

    compared = 0
    for path in _attacked_files(signed, tmp_path)[:2]:
        reader, _ = sign_mod._reader(path)
        for revision in range(reader.xrefs.total_revisions):
            ours, theirs = reader.get_historical_resolver(revision), HistoricalResolver(reader, revision)
            assert type(ours)._subsume_object is not HistoricalResolver._subsume_object
            for ref in {r for rev in range(revision + 1) for r in reader.xrefs.explicit_refs_in_revision(rev)}:
                a = ours(generic.Reference(ref.idnum, ref.generation, ours))
                b = theirs(generic.Reference(ref.idnum, ref.generation, theirs))
                assert _same_object(a, b, ours, theirs) is None, (path.name, revision, ref)
                compared += 1
    assert compared > 10000


def test_stamp_font_subset_is_pyhankos():
    """The stamp's font subset, made without decompiling the layout tables, is byte for byte
    the one pyHanko's own subsetting makes."""
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
    from pyhanko.pdf_utils.writer import PdfFileWriter

    from rutinebok.sign import stamp

    def subset(own: bool) -> bytes:
        engine = stamp._font_factory(stamp.FONT_FILE).create_font_engine(PdfFileWriter())
        if not own:
            engine._extract_subset = lambda options=None: GlyphAccumulator._extract_subset(engine, options)
        engine.shape("Signert digitalt av Áŋŋá Čoarvi Łukasz, for NAV Våler, 29.11.2026 kl. 21:03 ﬁ 中文")
        engine.prepare_write()
        # pyHanko saves the subset when it embeds it, which stamps the current second in head.modified
        engine.tt["head"].modified = 0
        engine.tt.recalcTimestamp = False
        out = io.BytesIO()
        engine.tt.save(out)
        return out.getvalue()

    assert subset(True) == subset(False)


# --------------------------------------------------------------------------- refusals


def test_refusals(setup, signed, tmp_path, monkeypatch, capsys):
    pdf = setup.pdf
    # Unknown party.
    assert sign(setup, pdf, "nav-mos", tmp_path / "a.pdf", setup.p12["nav-moss"]) == 1
    assert "mente du «nav-moss»" in capsys.readouterr().err
    # Wrong passphrase, one line, no traceback.
    monkeypatch.setenv("RB_FEIL", "feil")
    assert sign_mod.main(["sign", str(pdf), "--party", "nav-moss", "--p12", str(setup.p12["nav-moss"]),
                          "--passphrase-env", "RB_FEIL", "--out", str(tmp_path / "b.pdf")]) == 1
    err = capsys.readouterr().err
    assert "feil passord" in err and "Traceback" not in err and err.count("\n") == 1
    # No passphrase and no terminal.
    assert sign_mod.main(["sign", str(pdf), "--party", "nav-moss", "--p12", str(setup.p12["nav-moss"]),
                          "--out", str(tmp_path / "c.pdf")]) == 1
    assert "passordbeskyttet" in capsys.readouterr().err
    # Expired and future certificates.
    expired = setup.pki.p12("Utgått", start=NOW - dt.timedelta(days=400), days=30, org=ORG_NUMBERS["nav-moss"])
    assert sign(setup, pdf, "nav-moss", tmp_path / "d.pdf", expired) == 1
    assert "gikk ut" in capsys.readouterr().err
    # No nonRepudiation: refused by sign, and verify says why (not "kjedes ikke").
    no_nr = setup.pki.p12("Bare digitalSignature", org=ORG_NUMBERS["nav-moss"], non_repudiation=False)
    assert sign(setup, pdf, "nav-moss", tmp_path / "e.pdf", no_nr) == 1
    assert "nonRepudiation" in capsys.readouterr().err and not (tmp_path / "e.pdf").exists()
    _bypass(monkeypatch)
    assert sign(setup, pdf, "nav-moss", tmp_path / "e2.pdf", no_nr) == 0
    monkeypatch.undo()
    rep = verify_pdf(tmp_path / "e2.pdf", [setup.pki.ca_pem], setup.data)
    text = "; ".join(rep.signatures[0].problems)
    assert "nonRepudiation" in text and "kjedes ikke" not in text
    # Key and certificate that do not belong together: refused before writing.
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    other_key = setup.pki.key("ec")
    cert = setup.pki.cert("Leder NAV Moss", setup.pki.key("ec"), org=ORG_NUMBERS["nav-moss"])
    key_pem, cert_pem = tmp_path / "k.pem", tmp_path / "c.pem"
    key_pem.write_bytes(other_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption()))
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    assert sign_mod.main(["sign", str(pdf), "--party", "nav-moss", "--key", str(key_pem), "--cert", str(cert_pem),
                          "--data", str(setup.data), "--out", str(tmp_path / "f.pdf")]) == 1
    assert "hører ikke sammen" in capsys.readouterr().err and not (tmp_path / "f.pdf").exists()
    assert pkcs12  # the p12 variant is covered by the fixtures
    # Already signed field.
    assert sign(setup, signed[2], "nav-moss", tmp_path / "g.pdf") == 1
    assert "allerede signert" in capsys.readouterr().err
    # Never overwrite, never write through a link.
    existing = tmp_path / "finnes.pdf"
    existing.write_bytes(b"keep")
    assert sign(setup, pdf, "nav-moss", existing) == 1
    assert "overskrives aldri" in capsys.readouterr().err and existing.read_bytes() == b"keep"
    target = tmp_path / "target.txt"
    target.write_bytes(b"keep")
    link = tmp_path / "lenke.pdf"
    link.symlink_to(target)
    assert sign(setup, pdf, "nav-moss", link) == 1
    assert target.read_bytes() == b"keep" and link.is_symlink()
    dangling = tmp_path / "dangling.pdf"
    dangling.symlink_to(tmp_path / "nowhere.pdf")
    assert sign(setup, pdf, "nav-moss", dangling) == 1
    assert not (tmp_path / "nowhere.pdf").exists()
    (tmp_path / ".ny.pdf.tmp").symlink_to(target)  # an old-style temp name planted as a link
    assert sign(setup, pdf, "nav-moss", tmp_path / "ny.pdf") == 0
    assert target.read_bytes() == b"keep" and not [p for p in tmp_path.glob(".ny.pdf.*") if not p.is_symlink()]
    capsys.readouterr()
    # Usage errors.
    assert sign_mod.main(["sign", str(pdf), "--party", "nav-moss"]) == 2
    assert "--p12" in capsys.readouterr().err
    text_file = tmp_path / "tekst.pdf"
    text_file.write_bytes(b"Dette er ikke en PDF.\n")
    assert sign_mod.main(["verify", str(signed[1]), "--trust", str(text_file)]) == 2
    err = capsys.readouterr().err
    assert "ikke et sertifikat" in err and "intern feil" not in err
    for bad, words in [(text_file, "ikke en PDF-fil"), (tmp_path / "borte.pdf", "fant ikke filen")]:
        assert sign(setup, bad, "nav-moss", tmp_path / f"ut-{bad.stem}.pdf") == 1
        assert words in capsys.readouterr().err
        assert sign_mod.main(["verify", str(bad)]) == 1
        assert words in capsys.readouterr().err


def test_unreachable_timestamp_server(setup, tmp_path, capsys):
    assert sign(setup, setup.pdf, "nav-moss", tmp_path / "t.pdf",
                extra=["--timestamp-url", "http://127.0.0.1:9/tsa"]) == 1
    err = capsys.readouterr().err
    assert "tidsstempeltjenesten http://127.0.0.1:9/tsa svarte ikke" in err
    assert "Traceback" not in err and "intern feil" not in err and err.count("\n") == 1
    assert not (tmp_path / "t.pdf").exists()


def test_untrusted_signer(setup, tmp_path, capsys):
    other = Pki(tmp_path, cn="Annen CA")
    p12 = other.p12("Leder NAV Moss", org=ORG_NUMBERS["nav-moss"])
    out = tmp_path / "s.pdf"
    assert sign(setup, setup.pdf, "nav-moss", out, p12) == 0
    rep = verify_pdf(out, [setup.pki.ca_pem], setup.data)
    assert rep.signatures[0].intact and rep.signatures[0].bound and not rep.signatures[0].trusted
    assert verify(setup, out, "--allow-unsigned") == 1
    out_text = capsys.readouterr().out
    assert "IKKE klarert" in out_text and "Traceback" not in out_text
    assert sign_mod.main(["verify", str(out), "--trust", str(other.ca_pem), "--data", str(setup.data),
                          "--allow-unsigned"]) == 0


def test_timestamped_signature_offline(setup, tmp_path):
    """PAdES with pyHanko's dummy timestamp authority (no network): the stamp's time comes
    from the timestamp."""
    from pyhanko.sign import signers
    from pyhanko_certvalidator import ValidationContext

    from rutinebok.sign import sign_pdf

    signer = signers.SimpleSigner.load_pkcs12(str(setup.p12["nav-valer"]), passphrase=PASSWORD.encode())
    vc = ValidationContext(trust_roots=[_ca(setup)], allow_fetching=False,
                           revocation_mode="soft-fail")
    out = sign_pdf(setup.pdf, "nav-valer", tmp_path / "bt.pdf", signer, timestamper=setup.pki.timestamper(),
                   data_dir=setup.data, validation_context=vc)
    rep = verify_pdf(out, [setup.pki.ca_pem], setup.data)
    s = rep.signatures[0]
    assert s.timestamped and s.time_source == "tidsstempel" and s.ok, s.problems
    assert "tid fra tidsstempeltjenesten" in " ".join(_appearance_text(out, "party-nav-valer").split())


def _ca(setup):
    from asn1crypto import x509 as ax509
    from cryptography.hazmat.primitives import serialization

    return ax509.Certificate.load(setup.pki.ca.public_bytes(serialization.Encoding.DER))


# --------------------------------------------------------------------------- site


def test_signing_status_for_the_site(setup, signed, real, tmp_path):
    ds = real[0]
    status = signing_status(ds, tmp_path / "signed")
    moss = status[MOSS]
    assert not moss and list(moss) == [] and moss.paper["date"] == "2018-03-14"
    assert moss.summary == moss.paper["text"] and moss.unsigned == PARTIES
    assert status["fra-krisesenter-til-egen-bolig"].summary == "Ikke signert."
    folder = tmp_path / "signed" / MOSS
    folder.mkdir(parents=True)
    shutil.copy(signed[2], folder / "versjon-1.pdf")
    (folder / "skadet.pdf").write_bytes(b"%PDF-1.7\nikke mer")
    from rutinebok.findings import Report
    from rutinebok.load import load_dataset

    ds2 = load_dataset(setup.data, Report())
    moss = signing_status(ds2, tmp_path / "signed")[MOSS]
    copies = {c["file"]: c for c in moss}
    assert "avkortet" in copies["skadet.pdf"]["error"]
    copy = copies["versjon-1.pdf"]
    assert [(s["party"], s["intact"]) for s in copy["signatures"]] == [("krisesenteret-i-moss", True),
                                                                       ("nav-moss", True)]
    assert copy["unsigned"] == ["nav-rygge", "nav-rade", "nav-valer"] and copy["changed_since_signing"] is False
    assert [s["party"] for s in moss.signed] == ["krisesenteret-i-moss", "nav-moss"]
    assert moss.summary.startswith("Signert digitalt av 2 av 5 parter.")
    json.dumps(moss.as_dict())
    # With the real data (no organisation numbers) the same copy counts for nobody.
    assert signing_status(ds, tmp_path / "signed")[MOSS].signed == []


def test_signed_copy_is_published_with_its_status(setup, signed, tmp_path):
    """A signed PDF under signed/<id>/ is copied into the site; the page reads who signed from it."""
    from .conftest import build_site

    project = tmp_path / "project"
    project.mkdir()
    for item in ["mkdocs.yml", "content", "overrides", "macros", "rutinebok"]:
        src = ROOT / item
        (shutil.copytree if src.is_dir() else shutil.copy)(src, project / item)
    shutil.copytree(setup.data, project / "data")
    signed_dir = project / "signed" / MOSS
    signed_dir.mkdir(parents=True)
    shutil.copy(signed[2], signed_dir / "versjon-1.pdf")
    out = tmp_path / "site"
    result = build_site(out, config=project / "mkdocs.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (out / "pdf" / "signert" / MOSS / "versjon-1.pdf").read_bytes() == signed[2].read_bytes()
    page = (out / "rutiner" / MOSS / "index.html").read_text("utf-8")
    assert "signert av Leder Krisesenteret i Moss" in page and f", {NOW.year}-" in page
    assert "Ikke alle parter har signert" in page


def test_passphrase_prompt_on_a_terminal(setup, tmp_path, monkeypatch, capsys):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    asked = []
    monkeypatch.setattr("sys.stdin", Tty())
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or PASSWORD)
    out = tmp_path / "prompt.pdf"
    assert sign_mod.main(["sign", str(setup.pdf), "--party", "nav-moss", "--p12", str(setup.p12["nav-moss"]),
                          "--data", str(setup.data), "--out", str(out)]) == 0, capsys.readouterr().err
    assert asked == ["Passord for nøkkelen: "] and out.is_file()


def test_sign_and_verify_as_processes_print_everything_and_keep_their_exit_codes(setup, signed, tmp_path):
    """`rutinebok sign` and `verify` end their process without the interpreter's teardown
    (rutinebok.cli.run): through a pipe, every line must still come out, with the right code."""
    import subprocess
    import sys

    # Block-buffered output, as in a leader's shell (this machine sets PYTHONUNBUFFERED).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"} | {"RB_TEST_PASS": PASSWORD}
    cli = [sys.executable, "-m", "rutinebok"]

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*cli, *args], capture_output=True, text=True, cwd=ROOT, env=env, check=False)

    trust = ["--trust", str(setup.pki.ca_pem), "--data", str(setup.data)]
    done = run("verify", str(signed[-1]), *trust)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().splitlines()[-1].startswith("Resultat: godkjent"), done.stdout
    assert done.stdout.count("sertifikatet tilhører parten") == len(PARTIES)
    done = run("verify", str(signed[2]), *trust, "--format", "json")
    assert done.returncode == 3  # fields not signed yet
    assert json.loads(done.stdout)["unsigned"] == PARTIES[2:]  # the whole document, not a cut-off buffer
    out = tmp_path / "third.pdf"
    done = run("sign", str(signed[2]), "--party", PARTIES[2], "--p12", str(setup.p12[PARTIES[2]]),
               "--passphrase-env", "RB_TEST_PASS", "--data", str(setup.data), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().splitlines()[-1] == "Gjenstår: " + ", ".join(PARTIES[3:]) + ".", done.stdout
    assert verify_pdf(out, [setup.pki.ca_pem], setup.data).exit_code(allow_unsigned=True) == 0
    done = run("sign", str(signed[2]), "--party", PARTIES[2], "--p12", str(setup.p12[PARTIES[2]]),
               "--passphrase-env", "RB_TEST_PASS", "--data", str(setup.data), "--out", str(out))
    assert done.returncode == 1 and "finnes allerede" in done.stderr and not done.stdout
    # The data as the forked process loads it: a change since the PDF was made is seen by both.
    changed = Path(shutil.copytree(setup.data, tmp_path / "changed"))
    org = changed / "organisations" / "nav-rygge.yml"
    org.write_text(org.read_text("utf-8") + "# endret\n", "utf-8")
    done = run("verify", str(signed[-1]), "--trust", str(setup.pki.ca_pem), "--data", str(changed))
    assert done.returncode == 4 and "endret etter signering" in done.stdout, done.stdout + done.stderr
    done = run("sign", str(signed[2]), "--party", PARTIES[2], "--p12", str(setup.p12[PARTIES[2]]),
               "--passphrase-env", "RB_TEST_PASS", "--data", str(changed), "--out", str(tmp_path / "x.pdf"))
    assert done.returncode == 1 and "endret etter at PDF-en ble laget" in done.stderr, done.stderr


def test_forked_data_answers_are_the_same(setup, signed, tmp_path):
    """From the command line the data is loaded in a forked process (sign/worker.py); its
    answers are those the commands compute here: the parties as the data gives them, and
    whether the routine changed (same data, a changed organisation, a routine that is gone,
    no source hash, a routine whose file no longer loads)."""
    from rutinebok.sign import worker
    from rutinebok.sign.reading import _data_party_meta, _load_data
    from rutinebok.sign.verify import VerifyReport, _compare_with_data

    meta = sign_mod.signed_meta(sign_mod._reader(signed[-1])[0])
    changed = Path(shutil.copytree(setup.data, tmp_path / "changed"))
    org = changed / "organisations" / "nav-rygge.yml"
    org.write_text(org.read_text("utf-8") + "# endret\n", "utf-8")
    broken = Path(shutil.copytree(setup.data, tmp_path / "broken"))
    (broken / "routines" / f"{MOSS}.yml").write_text("id: [\n", "utf-8")
    gone = Path(shutil.copytree(setup.data, tmp_path / "gone"))
    (gone / "routines" / f"{MOSS}.yml").unlink()
    seen = set()
    for data_dir in (setup.data, changed, broken, gone):
        forked = worker.start(data_dir)
        assert isinstance(forked, worker.DataWorker)
        ds = _load_data(None, data_dir)  # as verify_pdf and sign_pdf load it
        try:
            for rid in (MOSS, "finnes-ikke"):
                assert forked.party_meta(rid) == _data_party_meta(ds, data_dir, rid)
            for rid, source_hash in ((MOSS, meta.source_hash), (MOSS, "0" * 64), (MOSS, None), ("finnes-ikke", "1")):
                here, there = (VerifyReport(file="x", routine=rid, source_hash=source_hash, engine=meta.engine)
                               for _ in range(2))
                _compare_with_data(here, data_dir, ds)
                _compare_with_data(there, data_dir, forked)
                assert there == here
                seen.add((here.changed_since_signing, here.data_note.split(" ")[0]))
        finally:
            forked.close()
    assert len(seen) >= 4  # current, changed, missing and unknown were all compared
    assert worker.start(tmp_path / "no-data") is None
    # A forked process that is gone (killed, out of memory): the answers come from here.
    import signal

    forked = worker.start(changed)
    os.kill(forked.pid, signal.SIGKILL)
    os.waitpid(forked.pid, 0)
    ds = _load_data(None, changed)
    assert forked.party_meta(MOSS) == _data_party_meta(ds, changed, MOSS)
    here, there = (VerifyReport(file="x", routine=MOSS, source_hash=meta.source_hash, engine=meta.engine)
                   for _ in range(2))
    _compare_with_data(here, changed, ds)
    _compare_with_data(there, changed, forked)
    assert there == here and here.changed_since_signing
    forked.close()
