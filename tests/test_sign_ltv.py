"""Long-term validation (PAdES B-LT): the CA's revocation list is served on 127.0.0.1 while
signing with a test timestamp authority; the file then carries certificates, the CRL and
the timestamp, and still verifies after the signer's certificate has expired and the
server is gone."""

from __future__ import annotations

import datetime as dt
import http.server
import threading
import time
from pathlib import Path

import pytest

from rutinebok import sign as sign_mod
from rutinebok.sign import sign_pdf, verify_pdf

from .pdf_helpers import NOW, ORG_NUMBERS, PASSWORD, Pki, build_moss, data_with_signers


class CrlServer:
    """Serves one CRL on 127.0.0.1 (a free port) until stopped; counts the requests."""

    def __init__(self):
        self.crl = b""
        self.requests = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests += 1
                self.send_response(200 if server.crl else 404)
                self.send_header("Content-Type", "application/pkix-crl")
                self.end_headers()
                self.wfile.write(server.crl)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/ca.crl"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def ltv(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ltv")
    server = CrlServer()
    try:
        pki = Pki(folder)
        pki.crl_url = server.url
        server.crl = pki.crl()
        data = data_with_signers(folder, ["00" * 32])
        pdf = build_moss(folder / "pdf", data)
        yield {"pki": pki, "server": server, "data": data, "pdf": pdf, "folder": folder}
    finally:
        server.stop()


def _signer(p12: Path):
    from pyhanko.sign import signers

    return signers.SimpleSigner.load_pkcs12(str(p12), passphrase=PASSWORD.encode())


def _vc(pki: Pki):
    from asn1crypto import x509 as ax509
    from cryptography.hazmat.primitives import serialization
    from pyhanko_certvalidator import ValidationContext

    root = ax509.Certificate.load(pki.ca.public_bytes(serialization.Encoding.DER))
    return ValidationContext(trust_roots=[root], allow_fetching=True, revocation_mode="hard-fail")


def test_b_lt_signature_survives_certificate_expiry(ltv):
    pki, server = ltv["pki"], ltv["server"]
    # A certificate that expires a few seconds after signing.
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=4)
    key = pki.key("ec")
    short_cert = pki.cert("Leder NAV Moss", key, org=ORG_NUMBERS["nav-moss"], start=NOW - dt.timedelta(days=1),
                          end=expires)
    p12 = pki.p12("Leder NAV Moss", key=key, cert=short_cert)
    before = server.requests
    out = sign_pdf(ltv["pdf"], "nav-moss", ltv["folder"] / "blt.pdf", _signer(p12),
                   timestamper=pki.timestamper(), data_dir=ltv["data"], validation_context=_vc(pki))
    assert server.requests > before  # the CRL was fetched while signing
    rep = verify_pdf(out, [pki.ca_pem], ltv["data"])
    s = rep.signatures[0]
    assert s.ok and s.timestamped and s.ltv, s.problems
    from pypdf import PdfReader

    dss = PdfReader(out).trailer["/Root"]["/DSS"]
    assert dss["/CRLs"] and dss["/Certs"]
    assert sign_mod.pdfa_problems(sign_mod._reader(out)[0]) == []
    # After expiry, offline: still valid at the time the timestamp proves.
    time.sleep(max(0.0, (expires - dt.datetime.now(dt.UTC)).total_seconds()) + 1)
    crl, server.crl = server.crl, b""  # the CA's server is gone
    try:
        rep = verify_pdf(out, [pki.ca_pem], ltv["data"])
    finally:
        server.crl = crl
    s = rep.signatures[0]
    assert s.ok and s.trusted and s.ltv, s.problems


def test_b_b_signature_fails_after_expiry_without_ltv_data(ltv):
    """The contrast: without the embedded validation data the same kind of signature is not
    trusted once its certificate has expired."""
    pki = ltv["pki"]
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3)
    key = pki.key("ec")
    cert = pki.cert("Leder NAV Rygge", key, org=ORG_NUMBERS["nav-rygge"], start=NOW - dt.timedelta(days=1),
                    end=expires)
    out = sign_pdf(ltv["pdf"], "nav-rygge", ltv["folder"] / "bb.pdf", _signer(pki.p12("x", key=key, cert=cert)),
                   data_dir=ltv["data"])
    assert verify_pdf(out, [pki.ca_pem], ltv["data"]).signatures[0].ok
    time.sleep(max(0.0, (expires - dt.datetime.now(dt.UTC)).total_seconds()) + 1)
    s = verify_pdf(out, [pki.ca_pem], ltv["data"]).signatures[0]
    assert not s.ok and not s.trusted
