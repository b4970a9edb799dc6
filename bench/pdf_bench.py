"""Benchmark: routine PDFs for a generated corpus; signing and verification per signature.

    .venv/bin/python bench/pdf_bench.py [ROUTINES] [--jobs N]

Reports the first build (1 process and N processes), the rebuild after one routine
changed, seconds per page and per routine, and signing/verification time per signature.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import time
from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rutinebok.generate import generate_corpus  # noqa: E402
from rutinebok.pdf import build_pdfs  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("routines", type=int, nargs="?", default=100)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    work = ROOT / "bench" / "out" / f"pdf-{args.routines}"
    data = work / "data"
    if not (data / ".rutinebok-generated.json").exists():
        generate_corpus(data, routines=args.routines, steps=20)
    result = {"routines": args.routines}
    for jobs in (1, args.jobs):
        out = work / f"pdf-j{jobs}"
        shutil.rmtree(out, ignore_errors=True)
        t = time.perf_counter()
        built = build_pdfs(data, out, jobs=jobs, site_url="https://rutinebok.example/")["built"]
        result[f"first_build_j{jobs}_s"] = round(time.perf_counter() - t, 2)
        assert len(built) == args.routines
    out = work / f"pdf-j{args.jobs}"
    pages = sum(len(PdfReader(p).pages) for p in out.glob("*.pdf"))
    result["pages"] = pages
    best = result[f"first_build_j{args.jobs}_s"]
    result["s_per_routine"] = round(result["first_build_j1_s"] / args.routines, 3)
    result["s_per_page"] = round(result["first_build_j1_s"] / pages, 4)
    result["parallel_speedup"] = round(result["first_build_j1_s"] / best, 2)
    changed = data / "routines" / "rutine-0001.yml"
    original = changed.read_text("utf-8")
    changed.write_text(original.replace("title: ", "title: Endret ", 1), "utf-8")
    t = time.perf_counter()
    rebuilt = build_pdfs(data, out, jobs=args.jobs, site_url="https://rutinebok.example/")
    result["rebuild_one_changed_s"] = round(time.perf_counter() - t, 2)
    result["rebuilt"] = len(rebuilt["built"])
    changed.write_text(original, "utf-8")
    result.update(_sign_bench(out / "rutine-0002.pdf", work))
    (work.parent / f"pdf_bench_{args.routines}.json").write_text(json.dumps(result, indent=2), "utf-8")
    for k, v in result.items():
        print(f"{k:<24} {v}")
    return 0


def _sign_bench(pdf: Path, work: Path) -> dict:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from pyhanko.sign import signers

    from rutinebok.sign import party_fields, sign_pdf, verify_pdf, _reader

    now = dt.datetime.now(dt.timezone.utc)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bench")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=9))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    (work / "k.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()))
    (work / "c.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    signer = signers.SimpleSigner.load(str(work / "k.pem"), str(work / "c.pem"))
    parties = list(party_fields(_reader(pdf)[0]))
    current, sign_times = pdf, []
    for i, party in enumerate(parties):
        out = work / f"signed-{i}.pdf"
        out.unlink(missing_ok=True)
        t = time.perf_counter()
        sign_pdf(current, party, out, signer)
        sign_times.append(time.perf_counter() - t)
        current = out
    t = time.perf_counter()
    rep = verify_pdf(current, [work / "c.pem"])
    verify = time.perf_counter() - t
    assert all(s.ok for s in rep.signatures)
    return {"signatures": len(parties), "sign_s_per_signature": round(sum(sign_times) / len(sign_times), 3),
            "verify_s_per_signature": round(verify / len(parties), 3)}


if __name__ == "__main__":
    sys.exit(main())
