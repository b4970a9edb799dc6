"""Revocation from OCSP instead of a CRL: a responder on 127.0.0.1 answers from the test's
own CA (responses made with `cryptography`, signed by the CA). A good answer is embedded
in the signed file (PAdES B-LT) and still counts when the responder is gone; a revoked
certificate is refused by `sign`, and a file that carries its "revoked" answer fails
`verify`."""

from __future__ import annotations

import datetime as dt
import http.server
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from rutinebok import sign as sign_mod
from rutinebok.sign import SignError, sign_pdf, verify_pdf

from .pdf_helpers import NOW, ORG_NUMBERS, PASSWORD, Pki, build_moss, data_with_signers


class OcspResponder:
    """An OCSP responder (RFC 6960 over HTTP POST) for one CA; serials in `revoked` are
    answered as revoked, every other serial as good. Counts the requests it answers."""

    def __init__(self):
        self.pki: Pki | None = None
        self.revoked: set[int] = set()
        self.up = True
        self.requests = 0
        responder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if not responder.up:
                    self.send_response(503)
                    self.end_headers()
                    return
                responder.requests += 1
                der = responder.answer(ocsp.load_der_ocsp_request(body))
                self.send_response(200)
                self.send_header("Content-Type", "application/ocsp-response")
                self.send_header("Content-Length", str(len(der)))
                self.end_headers()
                self.wfile.write(der)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/ocsp"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def answer(self, request: ocsp.OCSPRequest) -> bytes:
        pki = self.pki
        serial = request.serial_number
        cert = pki.issued[serial]
        now = dt.datetime.now(dt.UTC)
        revoked = serial in self.revoked
        builder = ocsp.OCSPResponseBuilder().add_response(
            cert=cert, issuer=pki.ca, algorithm=hashes.SHA1(),
            cert_status=ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD,
            this_update=now - dt.timedelta(minutes=5), next_update=now + dt.timedelta(days=1),
            revocation_time=NOW - dt.timedelta(hours=2) if revoked else None,
            revocation_reason=x509.ReasonFlags.key_compromise if revoked else None,
        ).responder_id(ocsp.OCSPResponderEncoding.HASH, pki.ca)
        for ext in request.extensions:
            if isinstance(ext.value, x509.OCSPNonce):
                builder = builder.add_extension(ext.value, critical=False)
        return builder.sign(pki.ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class OcspPki(Pki):
    """The test CA, remembering what it issued so the responder can answer for it."""

    def __init__(self, folder: Path, url: str):
        self.issued: dict[int, x509.Certificate] = {}
        self.ocsp_url = url
        super().__init__(folder, "Rutinebok OCSP-CA")

    def cert(self, cn, key, **kw):
        cert = super().cert(cn, key, **kw)
        self.issued[cert.serial_number] = cert
        return cert

    def timestamper(self):
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

        stamper = super().timestamper()
        tsa = x509.load_der_x509_certificate(stamper.tsa_cert.dump())
        self.issued[tsa.serial_number] = tsa
        assert isinstance(stamper, DummyTimeStamper)
        return stamper


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ocsp")
    responder = OcspResponder()
    try:
        pki = OcspPki(folder, responder.url)
        responder.pki = pki
        data = data_with_signers(folder, ["00" * 32])
        yield {"pki": pki, "responder": responder, "data": data, "pdf": build_moss(folder / "pdf", data),
               "folder": folder}
    finally:
        responder.stop()


def _signer(pki: Pki, party: str, label: str):
    from pyhanko.sign import signers

    p12 = pki.p12(f"Leder {label}", org=ORG_NUMBERS[party])
    signer = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=PASSWORD.encode())
    return signer, x509.load_der_x509_certificate(signer.signing_cert.dump())


def _vc(pki: Pki, **kw):
    from asn1crypto import x509 as ax509
    from pyhanko_certvalidator import ValidationContext

    root = ax509.Certificate.load(pki.ca.public_bytes(serialization.Encoding.DER))
    return ValidationContext(trust_roots=[root], revocation_mode="hard-fail", **kw)


def _dss(path: Path):
    from pypdf import PdfReader

    return PdfReader(path).trailer["/Root"].get("/DSS")


def test_b_lt_with_ocsp_embeds_the_answer_and_verifies_offline(env):
    pki, responder = env["pki"], env["responder"]
    signer, _ = _signer(pki, "nav-moss", "NAV Moss")
    before = responder.requests
    out = sign_pdf(env["pdf"], "nav-moss", env["folder"] / "good.pdf", signer, timestamper=pki.timestamper(),
                   data_dir=env["data"], validation_context=_vc(pki, allow_fetching=True))
    assert responder.requests > before  # the answer came from the responder, not from a CRL
    dss = _dss(out)
    assert dss is not None and dss.get("/OCSPs") and not dss.get("/CRLs")
    responder.up = False  # offline from here: only what the file carries
    try:
        rep = verify_pdf(out, [pki.ca_pem], env["data"])
    finally:
        responder.up = True
    s = rep.signatures[0]
    assert s.ok and s.trusted and s.ltv and s.timestamped, s.problems
    assert sign_mod.pdfa_problems(sign_mod._reader(out)[0]) == []


def test_revoked_certificate_is_refused_by_sign(env):
    pki, responder = env["pki"], env["responder"]
    signer, cert = _signer(pki, "nav-rygge", "NAV Rygge")
    responder.revoked.add(cert.serial_number)
    out = env["folder"] / "revoked-refused.pdf"
    with pytest.raises(SignError) as err:
        sign_pdf(env["pdf"], "nav-rygge", out, signer, timestamper=pki.timestamper(), data_dir=env["data"],
                 validation_context=_vc(pki, allow_fetching=True))
    assert "tilbakekall" in str(err.value)
    assert not out.exists()


def test_revoked_answer_in_the_file_fails_verify(env, capsys):
    """An attacker's tool signs anyway and embeds the responder's "revoked" answer: `verify`
    reads it from the file (no network) and does not trust the signature."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.validation import DocumentSecurityStore

    pki, responder = env["pki"], env["responder"]
    signer, cert = _signer(pki, "nav-rade", "NAV Råde")
    responder.revoked.add(cert.serial_number)
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, pki.ca, hashes.SHA1()).build()
    revoked_answer = responder.answer(request)
    assert ocsp.load_der_ocsp_response(revoked_answer).certificate_status == ocsp.OCSPCertStatus.REVOKED
    stamper = pki.timestamper()
    good_tsa = responder.answer(ocsp.OCSPRequestBuilder().add_certificate(
        x509.load_der_x509_certificate(stamper.tsa_cert.dump()), pki.ca, hashes.SHA1()).build())
    from asn1crypto import ocsp as aocsp

    with env["pdf"].open("rb") as fh, sign_mod._NoMetaUpdates():
        w = IncrementalPdfFileWriter(fh, strict=False)
        DocumentSecurityStore.supply_dss_in_writer(
            w, None, certs=[signer.signing_cert, stamper.tsa_cert],
            ocsps=[aocsp.OCSPResponse.load(revoked_answer), aocsp.OCSPResponse.load(good_tsa)])
        meta = signers.PdfSignatureMetadata(field_name="party-nav-rade", subfilter=fields.SigSeedSubFilter.PADES,
                                            certify=True, docmdp_permissions=fields.MDPPerm.FILL_FORMS)
        out = env["folder"] / "revoked-embedded.pdf"
        with out.open("wb") as dst:
            signers.PdfSigner(meta, signer=signer, timestamper=stamper).sign_pdf(
                w, existing_fields_only=True, output=dst)
    assert _dss(out).get("/OCSPs")
    responder.up = False
    try:
        rep = verify_pdf(out, [pki.ca_pem], env["data"])
        code = sign_mod.main(["verify", str(out), "--trust", str(pki.ca_pem), "--data", str(env["data"]),
                              "--allow-unsigned"])
    finally:
        responder.up = True
    s = rep.signatures[0]
    assert s.intact and s.valid and s.bound  # the bytes are fine; the certificate is not
    assert not s.trusted and not s.ok
    assert code == 1
    text = capsys.readouterr().out
    assert "IKKE GODKJENT" in text and "sertifikatet er tilbakekalt" in text
    assert any("sertifikatet er tilbakekalt" in p for p in s.problems)
