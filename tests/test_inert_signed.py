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
