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
    ap.add_argument("--sign-only", action="store_true", help="only the signing and verification timings")
    ap.add_argument("--sample-only", type=int, metavar="K",
                    help="only K routines of the corpus, one process: cold build, then warm (nothing changed)")
    args = ap.parse_args(argv)
    n, jobs = args.routines, args.jobs
    work = ROOT / "bench" / "out" / f"pdf-{n}"
    if args.sign_only:
        result = _sign_bench(ROOT / "bench" / "out")
        (ROOT / "bench" / "out" / "sign_bench.json").write_text(json.dumps(result, indent=2), "utf-8")
        for k, v in result.items():
            print(f"{k:<28} {v}")
        return 0
    data = work / "data"
    if not (data / ".rutinebok-generated.json").exists():
        shutil.rmtree(data, ignore_errors=True)
        generate_corpus(data, routines=n, steps=20)
    today = dt.date.today()
    (ds, findings), load_s = _timed(load_checked, data, today)
    ids = sorted(ds.routines)
    if args.sample_only:
        return _sample_only(ds, findings, ids[: args.sample_only], work, today, load_s)
    sample = ids[: args.serial_sample or n]
    result: dict = {"routines": n, "jobs": jobs, "load_and_check_s": load_s}

    def fresh(name: str) -> Path:
        out = work / name
        shutil.rmtree(out, ignore_errors=True)
        return out

    # Warm up (imports, fonts, Graphviz) outside the timings.
    build_pdfs(ds, fresh("warmup"), SITE_URL, ids[:1], jobs=1, today=today, findings=findings)

    progress = _progress_printer()
    full = fresh(f"pdf-j{jobs}")
    built, first_s = _timed(build_pdfs, ds, full, SITE_URL, jobs=jobs, today=today, progress=progress, findings=findings)
    assert len(built["built"]) == n
    pages = sum(len(PdfReader(p).pages) for p in full.glob("*.pdf"))
    result.update(first_build_s=first_s, pages=pages, pages_per_routine=round(pages / n, 1),
                  s_per_routine=round(first_s / n, 3), s_per_page=round(first_s / pages, 4))

    serial_out = fresh("pdf-j1")
    _, serial_s = _timed(build_pdfs, ds, serial_out, SITE_URL, sample, jobs=1, today=today, progress=progress, findings=findings)
    parallel_out = fresh(f"pdf-j{jobs}-sample")
    _, parallel_s = _timed(build_pdfs, ds, parallel_out, SITE_URL, sample, jobs=jobs, today=today, findings=findings)
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

    result.update(_sign_bench(work))
    (work.parent / f"pdf_bench_{n}.json").write_text(json.dumps(result, indent=2), "utf-8")
    for k, v in result.items():
        print(f"{k:<28} {v}")
    return 0


def _sample_only(ds, findings, sample: list[str], work: Path, today: dt.date, load_s: float) -> int:
    """Per-page time on a sample when the whole corpus cannot be built on a loaded machine:
    one process, empty output (cold, every PDF made), then the same again (warm: every PDF
    found unchanged in the cache)."""
    out = work / "pdf-sample"
    shutil.rmtree(out, ignore_errors=True)
    import os

    build_pdfs(ds, work / "warmup", SITE_URL, sample[:1], jobs=1, today=today, findings=findings)  # imports, fonts
    load_start = round(os.getloadavg()[0], 2)
    # CPU seconds of this process too: on a shared machine they move far less than wall time.
    cpu = time.process_time()
    # The findings of load_checked, as the site build passes its own: the checks are timed there.
    cold, cold_s = _timed(build_pdfs, ds, out, SITE_URL, sample, jobs=1, today=today, findings=findings)
    cold_cpu, cpu = time.process_time() - cpu, time.process_time()
    warm, warm_s = _timed(build_pdfs, ds, out, SITE_URL, sample, jobs=1, today=today, findings=findings)
    warm_cpu = time.process_time() - cpu
    pages = sum(len(PdfReader(out / f"{r}.pdf").pages) for r in sample)
    result = {"corpus_routines": len(ds.routines), "load_and_check_s": load_s, "sample_routines": len(sample),
              "pages": pages, "cold_s": cold_s, "cold_built": len(cold["built"]),
              "cold_s_per_routine": round(cold_s / len(sample), 3), "cold_s_per_page": round(cold_s / pages, 4),
              "cold_cpu_s": round(cold_cpu, 2), "cold_cpu_s_per_page": round(cold_cpu / pages, 4),
              "warm_s": warm_s, "warm_built": len(warm["built"]),
              "warm_s_per_routine": round(warm_s / len(sample), 4), "warm_cpu_s": round(warm_cpu, 2),
              "load_1min_start_end": [load_start, round(os.getloadavg()[0], 2)]}
    (work.parent / f"pdf_bench_sample_{len(ds.routines)}_{len(sample)}.json").write_text(
        json.dumps(result, indent=2), "utf-8")
    for k, v in result.items():
        print(f"{k:<28} {v}")
    return 0


def _progress_printer():
    def show(i: int, total: int, rid: str) -> None:
        if total >= 50 and (i % max(1, total // 10) == 0 or i == total):
            print(f"  [{i}/{total}] {rid}", file=sys.stderr, flush=True)

    return show


MOSS = "moss-krisesenter-nav"  # the seed routine with five parties, as leaders sign it
MADE_UP_ORG_NUMBERS = {"krisesenteret-i-moss": "100000001", "nav-moss": "100000002", "nav-rygge": "100000003",
                       "nav-rade": "100000004", "nav-valer": "100000005"}


def _sign_setup(folder: Path) -> dict:
    """A copy of data/ where the five Moss parties have made-up organisation numbers (never in
    data/), the Moss PDF built from it, a CA and one enterprise certificate per party with
    its organisation number in serialNumber and nonRepudiation, as `sign` requires."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    data = Path(shutil.copytree(ROOT / "data", folder / "data"))
    for party, number in MADE_UP_ORG_NUMBERS.items():
        path = data / "organisations" / f"{party}.yml"
        path.write_text(path.read_text("utf-8") + f'org_number: "{number}"\n'
                        "org_number_source: {document: seed-000, where: benchmark}\n", "utf-8")
    build_pdfs(data, folder / "pdf", SITE_URL, [MOSS], jobs=1)
    now = dt.datetime.now(dt.UTC)
    start, end = now - dt.timedelta(days=1), now + dt.timedelta(days=9)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bench CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(start).not_valid_after(end)
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    (folder / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    keys = {}
    for i, (party, number) in enumerate(MADE_UP_ORG_NUMBERS.items()):
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Leder {party}"),
                             x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Bench"),
                             x509.NameAttribute(NameOID.SERIAL_NUMBER, number)])
        cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_name).public_key(key.public_key())
                .serial_number(i + 2).not_valid_before(start).not_valid_after(end)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False),
                               critical=True)
                .sign(ca_key, hashes.SHA256()))
        k, c = folder / f"{party}.key", folder / f"{party}.crt"
        k.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()))
        c.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        keys[party] = (k, c)
    return {"data": data, "pdf": folder / "pdf" / f"{MOSS}.pdf", "ca": folder / "ca.pem", "keys": keys}


def _sign_bench(work: Path) -> dict:
    """The five Moss parties sign in turn (offline PAdES B-B), three times:
    cold: `rutinebok sign` as a new process per signature, as a leader runs it (interpreter
    start, imports, data load and check of the earlier signatures included), once with
    rutinebok's bytecode compiled (an installed copy) and once without; warm: sign_pdf
    in this process after a first signature has paid for imports and fonts. Then verification
    of the file after one and after all five signatures."""
    import compileall
    import os
    import resource
    import subprocess

    from pyhanko.sign import signers

    from rutinebok.sign import sign_pdf, verify_pdf

    load_start = round(os.getloadavg()[0], 2)
    s = _sign_setup(work / "sign")
    folder = work / "sign"
    parties = list(MADE_UP_ORG_NUMBERS)
    cli = [sys.executable, "-m", "rutinebok"]
    # Cold runs twice: from a copy of the package without bytecode, as on this machine
    # (PYTHONDONTWRITEBYTECODE is set, so every run compiles rutinebok's own modules again),
    # and with bytecode, as in a copy installed by pip (which compiles at install).
    src = folder / "src"
    shutil.copytree(ROOT / "rutinebok", src / "rutinebok", ignore=shutil.ignore_patterns("__pycache__"))
    compileall.compile_dir(ROOT / "rutinebok", quiet=1)
    env = os.environ | {"PYTHONDONTWRITEBYTECODE": "1"}

    def child_cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    cpu: dict[str, list[float]] = {}

    def cold_run(cwd: Path, tag: str) -> list[float]:
        times, current = [], s["pdf"]
        cpu[tag] = []
        for i, party in enumerate(parties):
            key, cert = s["keys"][party]
            out = folder / f"cold{tag}-{i + 1}.pdf"
            t, c = time.perf_counter(), child_cpu()
            done = subprocess.run([*cli, "sign", str(current), "--party", party, "--key", str(key), "--cert",
                                   str(cert), "--data", str(s["data"]), "--out", str(out)],
                                  check=False, cwd=cwd, env=env, capture_output=True, text=True)
            times.append(round(time.perf_counter() - t, 3))
            cpu[tag].append(round(child_cpu() - c, 3))
            assert done.returncode == 0, done.stderr
            current = out
        return times

    cold_source = cold_run(src, "-source")
    cold = cold_run(ROOT, "")
    current = folder / f"cold-{len(parties)}.pdf"
    warm, current = [], s["pdf"]
    sign_pdf(current, parties[0], folder / "warmup.pdf", signers.SimpleSigner.load(*map(str, s["keys"][parties[0]])),
             data_dir=s["data"])
    for i, party in enumerate(parties):
        signer = signers.SimpleSigner.load(*map(str, s["keys"][party]))
        out = folder / f"warm-{i + 1}.pdf"
        t = time.perf_counter()
        sign_pdf(current, party, out, signer, data_dir=s["data"])
        warm.append(round(time.perf_counter() - t, 3))
        current = out
    t = time.perf_counter()
    one = verify_pdf(folder / "warm-1.pdf", [s["ca"]], s["data"])
    verify_one = time.perf_counter() - t
    t = time.perf_counter()
    rep = verify_pdf(current, [s["ca"]], s["data"])
    verify_all = time.perf_counter() - t
    verify_cli = {}
    for tag, cwd in (("source", src), ("bytecode", ROOT)):
        t, c = time.perf_counter(), child_cpu()
        done = subprocess.run([*cli, "verify", str(current), "--trust", str(s["ca"]), "--data", str(s["data"])],
                              check=False, cwd=cwd, env=env, capture_output=True, text=True)
        verify_cli[tag] = round(time.perf_counter() - t, 3)
        cpu["verify-" + tag] = [round(child_cpu() - c, 3)]
        assert done.returncode == 0, done.stdout + done.stderr
    assert rep.exit_code() == 0 and len(rep.signatures) == len(parties) and one.signatures[0].ok
    return {"signatures": len(parties), "sign_cold_cli_s": cold, "sign_cold_cli_no_bytecode_s": cold_source,
            "sign_warm_s": warm, "verify_one_signature_s": round(verify_one, 3),
            "verify_five_signatures_s": round(verify_all, 3), "verify_five_cold_cli_s": verify_cli["bytecode"],
            "verify_five_cold_cli_no_bytecode_s": verify_cli["source"], "load_1min_start_end": [load_start, round(os.getloadavg()[0], 2)],
            # CPU seconds (user + system) of each process: less moved by other jobs than wall time.
            "sign_cold_cli_cpu_s": cpu[""], "sign_cold_cli_no_bytecode_cpu_s": cpu["-source"],
            "verify_five_cold_cli_cpu_s": cpu["verify-bytecode"][0],
            "verify_five_cold_cli_no_bytecode_cpu_s": cpu["verify-source"][0]}


if __name__ == "__main__":
    sys.exit(main())
