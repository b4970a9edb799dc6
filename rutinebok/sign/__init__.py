"""Signing and verifying routine PDFs: PAdES signatures by pyHanko, one party at a time.

`rutinebok sign` fills one party's field (``party-<organisation-id>``) with a PAdES
signature (B-B offline, B-LT with a timestamp server) as an incremental update, so earlier
signatures stay valid. The first signature certifies the document (DocMDP, form filling
and signing only); each field locks itself (FieldMDP). Only a certificate that identifies
the party signs its field: its organisation number (enterprise certificates) or a
fingerprint listed in the routine's data, as recorded in the PDF's XMP at build time.
A signed file is always a new file; nothing is overwritten.

`rutinebok verify` reports every party's field, each signature's signer, time, integrity,
trust, party binding and what changed after it under a strict change policy; compares
the fields with the parties named in the first signed revision; and tells whether the
routine's data changed since the PDF was made, with distinct exit codes.
`signing_status` gives the site the same facts for the copies under signed/.

The package: `reading` (PDF access, metadata as signed), `policy` (who may sign, what may
change), `keys` (certificates, tokens, trust roots), `stamp` (the visible signature),
`signing` (`rutinebok sign`), `verify` (`rutinebok verify`), `report` (terminal report,
site status) and `cli` (the two subcommands).
"""

from __future__ import annotations

from .cli import EXIT_CODES_HELP, add_parsers, cmd_sign, cmd_verify, main
from .common import (
    EXIT_CHANGED,
    EXIT_FAIL,
    EXIT_OK,
    EXIT_UNSIGNED,
    EXIT_USAGE,
    FIELD_PREFIX,
    SignError,
)
from .keys import check_key_matches, check_validity, load_pkcs11_signer, load_signer
from .policy import (
    binding_problem,
    cert_org_numbers,
    field_problems,
    fingerprint,
    key_usage_problem,
    parties_differ,
    strict_diff_policy,
)
from .reading import (
    _reader,
    party_fields,
    pdf_metadata,
    pdfa_problems,
    signed_meta,
    updates_before_signing,
)
from .report import RoutineSigning, format_report, signing_status
from .signing import _NoMetaUpdates, default_output, sign_pdf
from .stamp import FONT_FILE, stamp_text
from .verify import SignatureReport, VerifyReport, verify_pdf

__all__ = [
    "EXIT_CHANGED", "EXIT_CODES_HELP", "EXIT_FAIL", "EXIT_OK", "EXIT_UNSIGNED", "EXIT_USAGE", "FIELD_PREFIX",
    "FONT_FILE", "RoutineSigning", "SignError", "SignatureReport", "VerifyReport", "_NoMetaUpdates", "_reader",
    "add_parsers", "binding_problem", "cert_org_numbers", "check_key_matches", "check_validity", "cmd_sign",
    "cmd_verify", "default_output", "field_problems", "fingerprint", "format_report", "key_usage_problem",
    "load_pkcs11_signer", "load_signer", "main", "parties_differ", "party_fields", "pdf_metadata", "pdfa_problems",
    "sign_pdf", "signed_meta", "signing_status", "stamp_text", "strict_diff_policy", "updates_before_signing",
    "verify_pdf",
]
