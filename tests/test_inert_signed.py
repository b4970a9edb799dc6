"""Issue 9: a signed copy with an odd signature field under signed/. In a module of its own:
pyHanko runs its own event loop, which cannot start while Playwright's (test_inert.py's
browser) is running."""

from __future__ import annotations

from .conftest import TODAY


def test_signed_pdf_with_an_odd_field_name_does_not_crash_the_site(real, tmp_path):
    """The issue's case end to end: a real signature in a field named party-ukjent/x (and one
    in a field that names no party) in a copy under signed/; the pages still render."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    from rutinebok.render import SiteOptions, SiteRenderer
    from rutinebok.sign import signing_status

    from .pdf_helpers import MOSS, PASSWORD, Pki, build_moss

    pdf = build_moss(tmp_path / "pdf")
    (tmp_path / "pki").mkdir()
    signer = signers.SimpleSigner.load_pkcs12(str(Pki(tmp_path / "pki").p12("Ukjent")), passphrase=PASSWORD.encode())
    for name in ("party-ukjent/x", "noe-annet"):
        with pdf.open("rb") as fh:
            writer = IncrementalPdfFileWriter(fh)
            fields.append_signature_field(writer, fields.SigFieldSpec(name, box=(10, 10, 60, 40), on_page=0))
            signed = signers.sign_pdf(writer, signers.PdfSignatureMetadata(field_name=name), signer=signer)
        pdf = tmp_path / f"signed-{len(name)}.pdf"
        pdf.write_bytes(signed.getvalue())
    folder = tmp_path / "repo" / "signed" / MOSS
    folder.mkdir(parents=True)
    (folder / "versjon-1.pdf").write_bytes(pdf.read_bytes())
    ds, _, findings = real
    renderer = SiteRenderer(ds, findings, SiteOptions(today=TODAY))
    renderer.signed = signing_status(ds, tmp_path / "repo" / "signed")
    page = renderer.pages()[f"rutiner/{MOSS}.md"]
    assert "versjon-1.pdf" in page and str(tmp_path) not in page


def _with_catalog_in_object_stream(pdf: bytes, body: bytes, offset: int = 0) -> bytes:
    """pdf with an update whose catalog is `body`, the one object of a new object stream, so that
    the object's data runs to the end of the stream's data (as a crafted copy can)."""
    import re

    size = int(re.findall(rb"/Size (\d+)", pdf)[-1])
    prev = int(re.findall(rb"startxref\s+(\d+)", pdf)[-1])
    catalog, objstm, xref = size, size + 1, size + 2
    out = bytearray(pdf if pdf.endswith(b"\n") else pdf + b"\n")
    header = b"%d %d " % (catalog, offset)
    data = header + body
    objstm_at = len(out)
    out += (b"%d 0 obj\n<< /Type /ObjStm /N 1 /First %d /Length %d >>\nstream\n" % (objstm, len(header), len(data))
            + data + b"\nendstream\nendobj\n")
    xref_at = len(out)
    rows = bytes([2]) + objstm.to_bytes(4, "big") + (0).to_bytes(2, "big")
    rows += bytes([1]) + objstm_at.to_bytes(4, "big") + (0).to_bytes(2, "big")
    rows += bytes([1]) + xref_at.to_bytes(4, "big") + (0).to_bytes(2, "big")
    out += (b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Index [%d 3] /Root %d 0 R /Prev %d /Length %d >>\n"
            b"stream\n" % (xref, size + 3, catalog, catalog, prev, len(rows)) + rows
            + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at)
    return bytes(out)


def test_a_copy_whose_last_object_is_an_unending_comment_is_refused_not_read_for_ever(tmp_path):
    """pyHanko 0.38 reads a comment up to its end of line and never stops when the data ends
    first: a signed copy with such an object at the end of an object stream made `verify`, and
    so the site build, hang.
    Here the copy is refused as damaged, at once (checked in a process given 30 s)."""
    import subprocess
    import sys

    from .conftest import ROOT
    from .pdf_helpers import build_moss

    pdf = build_moss(tmp_path / "pdf")
    # The first two run pyHanko's comment loop into the end of the data (the second with the
    # object's offset just past it, where a read moves nothing); in the others pyHanko itself
    # stops at the end, and the copy must be refused without a traceback.
    for n, (body, offset) in enumerate(((b"%no end of line", 0), (b"%", 1), (b"[1 2 %no end", 0),
                                        (b"<< /A %no end", 0))):
        crafted = tmp_path / f"crafted-{n}.pdf"
        crafted.write_bytes(_with_catalog_in_object_stream(pdf.read_bytes(), body, offset))
        code = ("import sys; from pathlib import Path; from rutinebok.sign import SignError, verify_pdf\n"
                "try:\n    verify_pdf(Path(sys.argv[1]), [], data_dir=Path(sys.argv[2]))\n"
                "except SignError as exc:\n    print('refused:', exc)\n")
        done = subprocess.run([sys.executable, "-c", code, str(crafted), str(ROOT / "data")], capture_output=True,
                              text=True, timeout=30, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "refused:" in done.stdout and "skadet" in done.stdout, done.stdout
