"""The `sign` and `verify` subcommands."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from ..escape import terminal_lines
from ..safefiles import data_folder
from .common import EXIT_OK, EXIT_USAGE, SignError, _cn
from .keys import _passphrase, load_pkcs11_signer, load_signer
from .report import format_report
from .signing import default_output, sign_pdf
from .verify import verify_pdf


def _silence_warnings() -> None:
    import logging
    import warnings

    warnings.simplefilter("ignore")
    if not os.environ.get("RUTINEBOK_DEBUG"):
        logging.getLogger("pyhanko").setLevel(logging.CRITICAL + 1)
        logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL + 1)


# Set by rutinebok.cli.run (a process of its own): the data may be loaded in a forked process.
FORK_DATA = False


def _data_worker(data_dir):
    if not FORK_DATA:
        return None
    from . import worker

    return worker.start(data_dir)


def cmd_sign(args: argparse.Namespace) -> int:
    _silence_warnings()
    kinds = [bool(args.p12), bool(args.key or args.cert), bool(args.pkcs11_lib)]
    if sum(kinds) != 1 or (kinds[1] and not (args.key and args.cert)) or (kinds[2] and not args.token_label):
        print("rutinebok sign: bruk enten --p12 FIL, eller både --key PEM og --cert PEM, eller --pkcs11-lib BIBLIOTEK "
              "med --token-label NAVN (og --key-label NAVN)", file=sys.stderr)
        return EXIT_USAGE
    out = args.out or default_output(args.pdf, args.party)
    signer = None
    args.data = data_folder(args.data, exit_code=EXIT_USAGE)
    data_dir = args.data if Path(args.data).is_dir() else None
    data = _data_worker(data_dir)  # loads while the key is read and pyHanko imported
    try:
        if Path(out).resolve() == Path(args.pdf).resolve():
            raise SignError("--out kan ikke være samme fil som PDF-en som signeres; signerte filer er alltid nye filer")
        if args.pkcs11_lib:
            pin = _passphrase(args.pin_env, f"PIN-kode for brikken «{args.token_label}»")
            signer = load_pkcs11_signer(args.pkcs11_lib, args.token_label, args.key_label, pin)
        else:
            passphrase = _passphrase(args.passphrase_env, "Passord for nøkkelen") if args.passphrase_env else None
            signer = load_signer(args.p12, args.key, args.cert, passphrase,
                                 ask=lambda: _passphrase(None, "Passord for nøkkelen"))
        started = time.perf_counter()
        fields: dict[str, bool] = {}
        sign_pdf(args.pdf, args.party, out, signer, timestamp_url=args.timestamp_url, trust=args.trust,
                 data_dir=data_dir, ds=data, fields_after=fields)
        elapsed = time.perf_counter() - started
        remaining = [p for p, signed in fields.items() if not signed]
    except SignError as exc:
        print(f"rutinebok sign: {exc}", file=sys.stderr)
        return exc.exit_code
    finally:
        if data is not None:
            data.close()
        session = getattr(signer, "_rb_session", None)
        if session is not None:
            with __import__("contextlib").suppress(Exception):
                session.close()
    kind = "PAdES B-LT (med tidsstempel og valideringsdata)" if args.timestamp_url else "PAdES B-B"
    print(f"Signerte feltet for {args.party} ({kind}) som «{_cn(signer.signing_cert)}» på {elapsed:.2f} s: {out}")
    print("Alle parter har nå signert." if not remaining else "Gjenstår: " + ", ".join(remaining) + ".")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    _silence_warnings()
    args.data = data_folder(args.data, exit_code=EXIT_USAGE)  # 1 would say a signature is broken
    data = _data_worker(args.data)
    try:
        rep = verify_pdf(args.pdf, args.trust, args.data, ds=data)
    except SignError as exc:
        print(f"rutinebok verify: {exc}", file=sys.stderr)
        return exc.exit_code
    finally:
        if data is not None:
            data.close()
    if args.format == "json":
        print(json.dumps(rep.as_dict(args.allow_unsigned), ensure_ascii=False, indent=2))
    else:
        # Names and subjects come from the PDF (untrusted): controls shown, never sent to the terminal.
        print(terminal_lines(format_report(rep, args.allow_unsigned)))
    return rep.exit_code(args.allow_unsigned)


EXIT_CODES_HELP = ("Avslutningskoder: 0 godkjent; 1 en signatur er brutt, ikke klarert, ikke partens eller "
                   "dokumentet er endret på en måte som ikke er tillatt; 2 feil bruk; 3 felt er ikke signert ennå; "
                   "4 dataene er endret etter at PDF-en ble laget.")


def add_parsers(sub) -> None:
    s = sub.add_parser("sign", help="signer en parts felt i en rutine-PDF (PAdES)",
                       description="Signerer feltet party-<ID> i PDF-en som en ny fil; tidligere signaturer "
                                   "beholdes, og ingen fil overskrives. Sertifikatet må identifisere parten "
                                   "(organisasjonsnummer eller oppført fingeravtrykk) og tillate nonRepudiation.")
    s.add_argument("pdf", type=Path, metavar="PDF")
    s.add_argument("--party", required=True, metavar="ID", help="parten (organisasjons-id) som signerer")
    s.add_argument("--p12", type=Path, metavar="FIL", help="PKCS#12-fil (.p12/.pfx) med nøkkel og sertifikat")
    s.add_argument("--key", type=Path, metavar="PEM", help="privat nøkkel (PEM)")
    s.add_argument("--cert", type=Path, metavar="PEM", help="sertifikat (PEM)")
    s.add_argument("--passphrase-env", metavar="VAR",
                   help="miljøvariabelen som har passordet (uten den spørres det i terminalen)")
    s.add_argument("--pkcs11-lib", metavar="BIBLIOTEK", help="PKCS#11-bibliotek for smartkort eller brikke")
    s.add_argument("--token-label", metavar="NAVN", help="navnet på brikken (PKCS#11)")
    s.add_argument("--key-label", metavar="NAVN", help="navnet på nøkkelen og sertifikatet på brikken (PKCS#11)")
    s.add_argument("--pin-env", metavar="VAR", help="miljøvariabelen som har PIN-koden (uten den spørres det)")
    s.add_argument("--timestamp-url", metavar="URL",
                   help="tidsstempeltjeneste (RFC 3161); gir PAdES B-LT med sertifikater og tilbakekallingsdata")
    s.add_argument("--trust", type=Path, action="append", default=[], metavar="CA.pem",
                   help="klarert rotsertifikat, for å kontrollere tidligere signaturer og hente valideringsdata")
    s.add_argument("--data", type=Path, default=None, metavar="MAPPE",
                   help="datamappen, for å kontrollere at PDF-en er laget av dataene slik de er nå (standard: data)")
    s.add_argument("--out", type=Path, metavar="FIL",
                   help="den nye, signerte filen (standard: <navn>.signed-by-<ID>.pdf ved siden av PDF-en)")
    s.set_defaults(handler=cmd_sign)

    v = sub.add_parser("verify", help="kontroller signaturene i en rutine-PDF",
                       description="Viser hver parts felt og hver signatur. " + EXIT_CODES_HELP)
    v.add_argument("pdf", type=Path, metavar="PDF")
    v.add_argument("--trust", type=Path, action="append", default=[], metavar="CA.pem",
                   help="klarert rotsertifikat (PEM/DER); kan gis flere ganger")
    v.add_argument("--data", type=Path, default=None, metavar="MAPPE",
                   help="datamappen, for å se om rutinen er endret etter signering (standard: data)")
    v.add_argument("--allow-unsigned", action="store_true", help="godta felt som ikke er signert ennå")
    v.add_argument("--format", choices=("text", "json"), default="text")
    v.set_defaults(handler=cmd_verify)


def main(argv: list[str] | None = None) -> int:
    """`python -m rutinebok.sign sign|verify ...`: the same as `rutinebok sign|verify ...`."""
    from ..cli import main as cli_main

    return cli_main(list(sys.argv[1:] if argv is None else argv))
