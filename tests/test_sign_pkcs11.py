"""Signing with a key on a token through PKCS#11: a SoftHSM2 token initialised here, the
party's key imported into it and its certificate stored next to it, as on a smartcard."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from rutinebok import sign as sign_mod
from rutinebok.sign import verify_pdf

from .pdf_helpers import ORG_NUMBERS, Pki, build_moss, data_with_signers

SOFTHSM_LIB = Path("/usr/lib/softhsm/libsofthsm2.so")
PIN, SO_PIN, TOKEN, LABEL = "4321", "87654321", "rutinebok-test", "leder-nav-moss"


@pytest.fixture(scope="module")
def token(tmp_path_factory):
    """A SoftHSM2 token in a temporary folder with NAV Moss's key (RSA 2048) and certificate."""
    assert shutil.which("softhsm2-util") and SOFTHSM_LIB.is_file(), "install softhsm2 (make system-deps)"
    folder = tmp_path_factory.mktemp("hsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    old = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    env = dict(os.environ)
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", SO_PIN],
                   check=True, capture_output=True, env=env)
    pki = Pki(folder)
    key = pki.key("rsa")
    cert = pki.cert("Leder NAV Moss (kort)", key, org=ORG_NUMBERS["nav-moss"])
    key_pem = folder / "key.pem"
    key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    subprocess.run(["softhsm2-util", "--import", str(key_pem), "--token", TOKEN, "--label", LABEL, "--id", "01",
                    "--pin", PIN], check=True, capture_output=True, env=env)
    key_pem.unlink()
    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass

    lib = pkcs11.lib(str(SOFTHSM_LIB))
    with lib.get_token(token_label=TOKEN).open(rw=True, user_pin=PIN) as session:
        session.create_object({
            Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            Attribute.TOKEN: True, Attribute.LABEL: LABEL, Attribute.ID: b"\x01",
            Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
            Attribute.SUBJECT: cert.subject.public_bytes(), Attribute.ISSUER: cert.issuer.public_bytes(),
            Attribute.SERIAL_NUMBER: cert.serial_number.to_bytes(20, "big")})
    data = data_with_signers(folder, ["00" * 32])
    yield {"pki": pki, "data": data, "pdf": build_moss(folder / "pdf", data), "folder": folder}
    if old is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = old


def _sign(token, out: Path, *extra: str) -> int:
    return sign_mod.main(["sign", str(token["pdf"]), "--party", "nav-moss", "--pkcs11-lib", str(SOFTHSM_LIB),
                          "--token-label", TOKEN, "--key-label", LABEL, "--data", str(token["data"]),
                          "--out", str(out), *extra])


def test_pkcs11_signature_from_softhsm(token, monkeypatch, capsys):
    monkeypatch.setenv("RB_PIN", PIN)
    out = token["folder"] / "kort.pdf"
    assert _sign(token, out, "--pin-env", "RB_PIN") == 0, capsys.readouterr().err
    assert "Leder NAV Moss (kort)" in capsys.readouterr().out
    rep = verify_pdf(out, [token["pki"].ca_pem], token["data"])
    s = rep.signatures[0]
    assert s.ok and s.bound and s.trusted and s.certified and s.signer == "Leder NAV Moss (kort)", s.problems


def test_pkcs11_refusals(token, monkeypatch, capsys):
    monkeypatch.setenv("RB_PIN", "0000")
    assert _sign(token, token["folder"] / "a.pdf", "--pin-env", "RB_PIN") == 1
    err = capsys.readouterr().err
    assert "feil PIN-kode" in err and "Traceback" not in err and err.count("\n") == 1
    monkeypatch.setenv("RB_PIN", PIN)
    assert sign_mod.main(["sign", str(token["pdf"]), "--party", "nav-moss", "--pkcs11-lib", str(SOFTHSM_LIB),
                          "--token-label", "finnes-ikke", "--pin-env", "RB_PIN", "--out",
                          str(token["folder"] / "b.pdf")]) == 1
    assert "fant ingen brikke" in capsys.readouterr().err
    # No PIN variable and no terminal: a usage error, not a hang.
    monkeypatch.setattr("sys.stdin", None)
    assert _sign(token, token["folder"] / "c.pdf") == 2
    assert "PIN-koden mangler" in capsys.readouterr().err


def test_pin_prompt_on_a_terminal(token, monkeypatch, capsys):
    import io

    class Tty(io.StringIO):
        def isatty(self):
            return True

    asked = []
    monkeypatch.setattr("sys.stdin", Tty())
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or PIN)
    out = token["folder"] / "prompt.pdf"
    assert _sign(token, out) == 0, capsys.readouterr().err
    assert asked and "PIN-kode for brikken «rutinebok-test»" in asked[0]
