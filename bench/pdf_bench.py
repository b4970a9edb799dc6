"""Benchmark: routine PDFs for a generated corpus, and signing and verification per signature.

    .venv/bin/python bench/pdf_bench.py [ROUTINES] [--jobs N] [--serial-sample K]

ROUTINES defaults to 1000 (use e.g. 100 for a quick run). The corpus is generated once into
bench/out/pdf-N/data. Reports:
  - the first build of all routines with --jobs processes (default 2), pages, seconds per
    page and per routine;
  - the 1-process build of the first K routines (default: all) and the same K with --jobs
    processes: the parallel speed-up, and a check that both give the same bytes;
  - a rebuild with nothing changed, and with one routine changed (only it is rebuilt);
  - signing time per signature (every party of one PDF in turn) and verification time per
    signature.
Results go to bench/out/pdf_bench_N.json.
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

from bench.generate import generate_corpus
from rutinebok.pdf import build_pdfs, load_checked

SITE_URL = "https://rutinebok.example/"


def _timed(fn, *args, **kwargs):
    t = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, round(time.perf_counter() - t, 2)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("routines", type=int, nargs="?", default=1000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--serial-sample", type=int, default=None,
                    help="routines in the 1-process vs N-process comparison (default: all)")
    args = ap.parse_args(argv)
    n, jobs = args.routines, args.jobs
    work = ROOT / "bench" / "out" / f"pdf-{n}"
    data = work / "data"
    if not (data / ".rutinebok-generated.json").exists():
        shutil.rmtree(data, ignore_errors=True)
        generate_corpus(data, routines=n, steps=20)
    today = dt.date.today()
    (ds, _), load_s = _timed(load_checked, data, today)
    ids = sorted(ds.routines)
    sample = ids[: args.serial_sample or n]
    result: dict = {"routines": n, "jobs": jobs, "load_and_check_s": load_s}

    def fresh(name: str) -> Path:
        out = work / name
        shutil.rmtree(out, ignore_errors=True)
        return out

    # Warm up (imports, fonts, Graphviz) outside the timings.
    build_pdfs(ds, fresh("warmup"), SITE_URL, ids[:1], jobs=1, today=today)

    progress = _progress_printer()
    full = fresh(f"pdf-j{jobs}")
    built, first_s = _timed(build_pdfs, ds, full, SITE_URL, jobs=jobs, today=today, progress=progress)
    assert len(built["built"]) == n
    pages = sum(len(PdfReader(p).pages) for p in full.glob("*.pdf"))
    result.update(first_build_s=first_s, pages=pages, pages_per_routine=round(pages / n, 1),
                  s_per_routine=round(first_s / n, 3), s_per_page=round(first_s / pages, 4))

    serial_out = fresh("pdf-j1")
    _, serial_s = _timed(build_pdfs, ds, serial_out, SITE_URL, sample, jobs=1, today=today, progress=progress)
    parallel_out = fresh(f"pdf-j{jobs}-sample")
    _, parallel_s = _timed(build_pdfs, ds, parallel_out, SITE_URL, sample, jobs=jobs, today=today)
    same = all((serial_out / f"{r}.pdf").read_bytes() == (parallel_out / f"{r}.pdf").read_bytes() == (
        full / f"{r}.pdf").read_bytes() for r in sample)
    sample_pages = sum(len(PdfReader(serial_out / f"{r}.pdf").pages) for r in sample)
    result.update(sample_routines=len(sample), sample_1_process_s=serial_s, sample_parallel_s=parallel_s,
                  s_per_routine_1_process=round(serial_s / len(sample), 3),
                  s_per_page_1_process=round(serial_s / sample_pages, 4),
                  parallel_speedup=round(serial_s / parallel_s, 2), same_bytes_1_vs_parallel=same)

    # Rebuilds: nothing changed, then one routine changed (load + check + hash + one PDF).
    def rebuild():
        ds2, _ = load_checked(data, today)
        return build_pdfs(ds2, full, SITE_URL, jobs=jobs, today=today)

    unchanged, unchanged_s = _timed(rebuild)
    changed_file = data / "routines" / f"{ids[0]}.yml"
    original = changed_file.read_text("utf-8")
    changed_file.write_text(original.replace("title: ", "title: Endret ", 1), "utf-8")
    try:
        rebuilt, rebuilt_s = _timed(rebuild)
    finally:
        changed_file.write_text(original, "utf-8")
    result.update(rebuild_unchanged_s=unchanged_s, rebuilt_when_unchanged=len(unchanged["built"]),
                  rebuild_one_changed_s=rebuilt_s, rebuilt_when_one_changed=len(rebuilt["built"]))
    build_pdfs(data, full, SITE_URL, [ids[0]], jobs=1, today=today)  # back to the original

    result.update(_sign_bench(full / f"{ids[1]}.pdf", work))
    (work.parent / f"pdf_bench_{n}.json").write_text(json.dumps(result, indent=2), "utf-8")
    for k, v in result.items():
        print(f"{k:<28} {v}")
    return 0


def _progress_printer():
    def show(i: int, total: int, rid: str) -> None:
        if total >= 50 and (i % max(1, total // 10) == 0 or i == total):
            print(f"  [{i}/{total}] {rid}", file=sys.stderr, flush=True)

    return show


def _sign_bench(pdf: Path, work: Path) -> dict:
    """Every party of one PDF signs in turn (offline PAdES B-B), then the result is verified."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from pyhanko.sign import signers

    from rutinebok.sign import _reader, party_fields, sign_pdf, verify_pdf

    now = dt.datetime.now(dt.UTC)
    folder = work / "sign"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bench CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=9))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    parties = list(party_fields(_reader(pdf)[0]))
    current, sign_times = pdf, []
    for i, party in enumerate(parties):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Leder {party}")]))
                .issuer_name(ca_name).public_key(key.public_key()).serial_number(i + 2)
                .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=9))
                .sign(ca_key, hashes.SHA256()))
        (folder / f"{i}.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                            serialization.PrivateFormat.PKCS8,
                                                            serialization.NoEncryption()))
        (folder / f"{i}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        signer = signers.SimpleSigner.load(str(folder / f"{i}.key"), str(folder / f"{i}.crt"))
        out = folder / f"signed-{i}.pdf"
        t = time.perf_counter()
        sign_pdf(current, party, out, signer)
        sign_times.append(time.perf_counter() - t)
        current = out
    verify_pdf(folder / "signed-0.pdf", [folder / "ca.pem"])  # imports and first-use costs, not timed
    t = time.perf_counter()
    one = verify_pdf(folder / "signed-0.pdf", [folder / "ca.pem"])
    verify_one = time.perf_counter() - t
    t = time.perf_counter()
    rep = verify_pdf(current, [folder / "ca.pem"])
    verify_all = time.perf_counter() - t
    assert all(s.ok for s in rep.signatures) and len(rep.signatures) == len(parties) and one.signatures[0].ok
    return {"signatures": len(parties), "sign_s_per_signature": round(sum(sign_times) / len(sign_times), 3),
            "verify_one_signature_s": round(verify_one, 3),
            "verify_all_s": round(verify_all, 3),
            "verify_s_per_signature": round(verify_all / len(parties), 3)}


if __name__ == "__main__":
    sys.exit(main())
