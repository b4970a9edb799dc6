"""Keys and certificates: PKCS#12, PEM, PKCS#11 tokens, passphrases and PINs, validity, key and
certificate matching, and the --trust roots."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

from .common import EXIT_USAGE, SignError, _cn


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


def load_signer(p12: Path | None = None, key: Path | None = None, cert: Path | None = None,  # noqa: C901 - one refusal or check after another, in the order a user meets them
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
