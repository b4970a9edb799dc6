"""Helpers for the PDF and signing tests: a throwaway PKI made with `cryptography`, and the
seed-000 PDF built once per test module."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .conftest import ROOT

MOSS = "moss-krisesenter-nav"
PARTIES = ["krisesenteret-i-moss", "nav-moss", "nav-rygge", "nav-rade", "nav-valer"]
PARTY_LABELS = ["Krisesenteret i Moss IKS", "NAV Moss", "NAV Rygge", "NAV Råde", "NAV Våler"]
SITE_URL = "https://rutinebok.example/"
PASSWORD = "hemmelig"
NOW = dt.datetime.now(dt.UTC)


# Made-up organisation numbers for the test copy of the data (never in data/): four parties
# are identified by organisation number, nav-valer only by a listed certificate fingerprint.
ORG_NUMBERS = {"krisesenteret-i-moss": "100000001", "nav-moss": "100000002", "nav-rygge": "100000003",
               "nav-rade": "100000004"}


def name(cn: str, org: str | None = None, org_style: str = "serial") -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn),
             x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Rutinebok test")]
    if org and org_style == "serial":  # Buypass/Commfides style
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, org))
    elif org:  # eIDAS style
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, f"NTRNO-{org}"))
    return x509.Name(attrs)


def make_cert(subject: x509.Name, key, issuer: x509.Name, issuer_key, *, ca=False, start=None, days=30,
              tsa=False, non_repudiation=True, crl_url: str | None = None, end=None,
              ocsp_url: str | None = None) -> x509.Certificate:
    start = start or NOW - dt.timedelta(days=1)
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
         .serial_number(x509.random_serial_number()).not_valid_before(start)
         .not_valid_after(end or start + dt.timedelta(days=days))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if crl_url:
        b = b.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            [x509.UniformResourceIdentifier(crl_url)], None, None, None)]), critical=False)
    if ocsp_url:
        b = b.add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
            x509.oid.AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url))]), critical=False)
    if ca:
        b = b.add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
    elif tsa:
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    else:
        b = b.add_extension(x509.KeyUsage(True, non_repudiation, False, False, False, False, False, False, False),
                            critical=True)
    return b.sign(issuer_key, hashes.SHA256())


class Pki:
    """A throwaway CA, made fresh for each test module, issuing one certificate per party."""

    def __init__(self, folder: Path, cn: str = "Rutinebok test-CA"):
        self.folder = folder
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        self.ca = make_cert(name(cn), self.ca_key, name(cn), self.ca_key, ca=True, days=365)
        self.ca_pem = folder / f"{cn.replace(' ', '-')}.pem"
        self.ca_pem.write_bytes(self.ca.public_bytes(serialization.Encoding.PEM))

    def key(self, kind: str = "ec"):
        return (rsa.generate_private_key(public_exponent=65537, key_size=2048) if kind == "rsa"
                else ec.generate_private_key(ec.SECP256R1()))

    def cert(self, cn: str, key, *, org: str | None = None, org_style: str = "serial", **kw) -> x509.Certificate:
        return make_cert(name(cn, org, org_style), key, self.ca.subject, self.ca_key, crl_url=self.crl_url,
                         ocsp_url=self.ocsp_url, **kw)

    crl_url: str | None = None
    ocsp_url: str | None = None

    def p12(self, cn: str, *, start=None, days=30, password: str = PASSWORD, org: str | None = None,
            org_style: str = "serial", key_kind: str = "ec", non_repudiation: bool = True, key=None,
            cert=None) -> Path:
        key = key or self.key(key_kind)
        cert = cert or self.cert(cn, key, org=org, org_style=org_style, start=start, days=days,
                                 non_repudiation=non_repudiation)
        path = self.folder / f"{cn.replace(' ', '-')}-{x509.random_serial_number() % 10**6}.p12"
        path.write_bytes(pkcs12.serialize_key_and_certificates(
            cn.encode(), key, cert, [self.ca], serialization.BestAvailableEncryption(password.encode())))
        return path

    def pem_pair(self, cn: str, org: str | None = None, key_kind: str = "ec") -> tuple[Path, Path]:
        key = self.key(key_kind)
        cert = self.cert(cn, key, org=org, org_style="identifier")
        k, c = self.folder / f"{cn}-key.pem", self.folder / f"{cn}-cert.pem"
        k.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()))
        c.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return k, c

    def crl(self, revoked: list[x509.Certificate] = ()) -> bytes:
        """The CA's certificate revocation list (DER), valid for a day."""
        b = (x509.CertificateRevocationListBuilder().issuer_name(self.ca.subject)
             .last_update(NOW - dt.timedelta(hours=1)).next_update(NOW + dt.timedelta(days=1)))
        for cert in revoked:
            b = b.add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(cert.serial_number)
                                          .revocation_date(NOW - dt.timedelta(minutes=30)).build())
        return b.sign(self.ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def timestamper(self):
        """pyHanko's DummyTimeStamper with a TSA certificate from this CA (offline B-T)."""
        from asn1crypto import keys as akeys
        from asn1crypto import x509 as ax509
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

        tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # the dummy TSA signs with RSA
        tsa = make_cert(name("Rutinebok test-TSA"), tsa_key, self.ca.subject, self.ca_key, tsa=True,
                        crl_url=self.crl_url, ocsp_url=self.ocsp_url)
        der = serialization.Encoding.DER
        return DummyTimeStamper(
            tsa_cert=ax509.Certificate.load(tsa.public_bytes(der)),
            tsa_key=akeys.PrivateKeyInfo.load(tsa_key.private_bytes(
                der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
            certs_to_embed=[ax509.Certificate.load(self.ca.public_bytes(der))])


def build_moss(out: Path, data: Path = ROOT / "data") -> Path:
    from rutinebok.pdf import build_pdfs

    build_pdfs(data, out, SITE_URL, [MOSS], jobs=1)
    return out / f"{MOSS}.pdf"


def fields_by_pyhanko(monkeypatch, render) -> tuple[bytes, list]:
    """A routine PDF as `rutinebok pdf` made it before 30 Nov 2026: `render()` without the fields
    (pdf.add_signature_fields stopped), then the same fields appended in one update by pyHanko's
    append_signature_field, each tagged as a /Form structure element. (bytes, the fields)."""
    import io

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.fields import (
        FieldMDPAction,
        FieldMDPSpec,
        SigFieldSpec,
        append_signature_field,
    )

    from rutinebok import pdf as pdf_mod

    made: list = []
    with monkeypatch.context() as patch:
        patch.setattr(pdf_mod, "add_signature_fields", lambda _pdf, fields: made.extend(fields))
        bare = render()
    from pypdf import PdfReader

    assert "/AcroForm" not in PdfReader(io.BytesIO(bare)).trailer["/Root"]
    class FieldWriter(IncrementalPdfFileWriter):
        def _update_meta(self):  # as rutinebok's did: no time of day in /Info and the XMP
            pass

    writer = FieldWriter(io.BytesIO(bare))
    for name, label, page, box in made:
        append_signature_field(writer, SigFieldSpec(
            sig_field_name=name, on_page=page, box=box, readable_field_name=label,
            field_mdp_spec=FieldMDPSpec(FieldMDPAction.INCLUDE, fields=[name])))
    root, tree = writer.root, writer.root["/StructTreeRoot"]
    document, nums = tree["/K"][0], tree["/ParentTree"]["/Nums"]
    key = max(int(nums[i]) for i in range(0, len(nums), 2)) + 1
    for ref in root["/AcroForm"]["/Fields"]:
        widget, page = ref.get_object(), ref.get_object()["/P"]
        form = writer.add_object(generic.DictionaryObject({
            generic.NameObject("/Type"): generic.NameObject("/StructElem"),
            generic.NameObject("/S"): generic.NameObject("/Form"),
            generic.NameObject("/P"): tree.raw_get("/K")[0],
            generic.NameObject("/K"): generic.ArrayObject([generic.DictionaryObject({
                generic.NameObject("/Type"): generic.NameObject("/OBJR"),
                generic.NameObject("/Obj"): ref})])}))
        document["/K"].append(form)
        nums.extend([generic.NumberObject(key), form])
        widget[generic.NameObject("/StructParent")] = generic.NumberObject(key)
        page[generic.NameObject("/Tabs")] = generic.NameObject("/S")
        key += 1
        for obj in (widget, page):
            writer.update_container(obj)
    for obj in (document, tree["/ParentTree"]):
        writer.update_container(obj)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), made


def data_with_signers(folder: Path, valer_fingerprints: list[str]) -> Path:
    """A copy of data/ where four Moss parties have (made-up) organisation numbers and
    nav-valer lists the fingerprints of the certificates that may sign for it."""
    import shutil

    data = Path(shutil.copytree(ROOT / "data", folder / "data"))
    for party, number in ORG_NUMBERS.items():
        path = data / "organisations" / f"{party}.yml"
        path.write_text(path.read_text("utf-8") + f"org_number: \"{number}\"\n"
                        "org_number_source: {document: seed-000, where: testdata}\n", "utf-8")
    routine = data / "routines" / f"{MOSS}.yml"
    text = routine.read_text("utf-8")
    fps = ", ".join(f'"{fp}"' for fp in valer_fingerprints)
    routine.write_text(text.replace("    - party: nav-valer\n", f"    - party: nav-valer\n      fingerprints: [{fps}]\n",
                                    1), "utf-8")
    return data


def cert_fingerprint(p12: Path, password: str = PASSWORD) -> str:
    import hashlib

    _, cert, _ = pkcs12.load_key_and_certificates(p12.read_bytes(), password.encode())
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(path)
    return " ".join(" ".join((page.extract_text() or "") for page in reader.pages).split())
