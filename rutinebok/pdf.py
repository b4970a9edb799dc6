"""Printable routine PDFs: A4, PDF/A-2b, with one signature field per party.

WeasyPrint lays out a Jinja2 print template; pyHanko then adds an empty signature field
over each party's box on the signature page, so leaders can sign digitally in turn
(rutinebok sign) or print and sign by hand. Builds are reproducible (fixed dates, fixed
ids) and incremental (a manifest of input hashes), and run in parallel across cores.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import io
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import markdown as md_lib
import segno
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from . import __version__
from .checks import run_checks
from .findings import Report, did_you_mean
from .load import Dataset, load_dataset
from .model import KIND_WORDS
from .render import SiteOptions, SiteRenderer, md_safe

TEMPLATES = Path(__file__).parent / "templates" / "pdf"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
MANIFEST = ".rutinebok-pdf.json"
SIG_W_MM, SIG_H_MM = 80, 28  # the visible signature box; the field covers it exactly
PX_TO_PT = 0.75  # WeasyPrint positions are CSS px (1/96 in); PDF user space is pt (1/72 in)


class PdfError(Exception):
    """A problem the user can act on; printed without a traceback."""


def routine_source_hash(ds: Dataset, routine_id: str) -> str:
    """sha256 over the routine file and every file it refers to, plus the engine version."""
    r = ds.routines[routine_id]
    files = {r.file}
    for ref in set(r.parties) | {r.owner or ""} | set(r.external_actors):
        for kind in ("organisations", "roles"):
            ent = getattr(ds, kind).get(ref.partition("/")[0])
            if ent is not None:
                files.add(ent.file)
    for lr in r.legal_basis:
        if lr.law in ds.laws:
            files.add(ds.laws[lr.law].file)
    for t in ds.trees.values():
        if t.routine == routine_id:
            files.add(t.file)
    h = hashlib.sha256(f"rutinebok {__version__}\n".encode())
    for rel in sorted(files):
        # The path inside data/ (e.g. routines/x.yml), so the hash does not depend on where
        # the data folder lives.
        inner = "/".join(Path(rel).parts[-2:])
        h.update(inner.encode() + b"\0" + ds.files[rel].text.encode("utf-8") + b"\0")
    return h.hexdigest()


def _template_hash() -> str:
    h = hashlib.sha256()
    for p in sorted(TEMPLATES.rglob("*")) + [Path(__file__)]:
        if p.is_file():
            h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()


def _markdown(text: str | None) -> str:
    if not text:
        return ""
    return md_lib.markdown(md_safe(text), extensions=["tables", "def_list", "abbr"], output_format="html")


def _qr(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=3, border=2)


def routine_html(ds: Dataset, renderer: SiteRenderer, routine_id: str, site_url: str) -> str:
    from .diagram import tree_svg

    r = ds.routines[routine_id]
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(md=_markdown, date=renderer.date)
    url = f"{site_url.rstrip('/')}/rutiner/{r.id}/" if site_url else ""
    diagrams = [(t, "data:image/svg+xml;base64," + base64.b64encode(tree_svg(t).encode()).decode())
                for t in renderer.trees_of(r.id)]
    dates = [c.date for c in r.change_log]
    return env.get_template("routine.html.j2").render(
        routine=r, r=renderer, ds=ds, url=url, qr=_qr(url) if url else "", diagrams=diagrams,
        source_hash=routine_source_hash(ds, r.id), version=__version__, font_dir=FONT_DIR.as_uri(),
        sig_w=SIG_W_MM, sig_h=SIG_H_MM, modified=max(dates).isoformat(),
        kind_words=KIND_WORDS,
    )


def _epoch(routine) -> int:
    latest = max(c.date for c in routine.change_log)
    return int(dt.datetime.combine(latest, dt.time(12), tzinfo=dt.UTC).timestamp())


def render_pdf(ds: Dataset, renderer: SiteRenderer, routine_id: str, site_url: str) -> bytes:
    """One routine as PDF/A-2b bytes with empty signature fields, the same bytes every time."""
    from pyhanko.pdf_utils import generic
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field
    from weasyprint import HTML

    _FieldWriter = _field_writer_class()

    r = ds.routines[routine_id]
    # Font subsets and the document id otherwise carry the current time or randomness.
    os.environ["SOURCE_DATE_EPOCH"] = str(_epoch(r))
    html = routine_html(ds, renderer, routine_id, site_url)
    document = HTML(string=html, base_url=str(TEMPLATES)).render()
    boxes = []
    for number, page in enumerate(document.pages):
        height_pt = page.height * PX_TO_PT
        for anchor, (x1, y1, x2, y2) in page.anchors.items():
            if anchor.startswith("sig-"):
                # CSS px from the top-left -> PDF pt from the bottom-left.
                boxes.append((anchor[4:], number, (round(x1 * PX_TO_PT, 2), round(height_pt - y2 * PX_TO_PT, 2),
                                                    round(x2 * PX_TO_PT, 2), round(height_pt - y1 * PX_TO_PT, 2))))
    ident = hashlib.sha256(f"{r.id}:{routine_source_hash(ds, r.id)}".encode()).digest()[:16]
    pdf = document.write_pdf(pdf_variant="pdf/a-2b", custom_metadata=True, pdf_identifier=ident,
                             pdf_tags=True)
    missing = set(r.parties) - {party for party, _, _ in boxes}
    if missing:
        raise PdfError(f"{r.id}: fant ikke signaturfeltet for {', '.join(sorted(missing))} i oppsettet")
    writer = _FieldWriter(io.BytesIO(pdf))
    # The update gets a fixed second /ID (pyHanko would pick a random one).
    writer._document_id = generic.ArrayObject([generic.ByteStringObject(ident),
                                               generic.ByteStringObject(ident)])
    for party, page_number, box in boxes:
        append_signature_field(writer, SigFieldSpec(sig_field_name=f"party-{party}", on_page=page_number,
                                                    box=box))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _field_writer_class():
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    class FieldWriter(IncrementalPdfFileWriter):
        """Adds the empty signature fields without stamping the time of day into the file:
        the fields are part of the same document, whose dates come from the data."""

        def _update_meta(self):
            pass

    return FieldWriter


# --------------------------------------------------------------------------- building many


def _build_one(args: tuple) -> tuple[str, str]:
    data_dir, routine_id, out_dir, site_url, today = args
    ds, renderer = _cached(data_dir, today)  # loaded and checked once per worker process
    target = Path(out_dir) / f"{routine_id}.pdf"
    tmp = target.with_suffix(".pdf.tmp")
    tmp.write_bytes(render_pdf(ds, renderer, routine_id, site_url))
    tmp.replace(target)
    return routine_id, str(target)


_CACHE: dict[tuple, tuple[Dataset, SiteRenderer]] = {}


def _cached(data_dir: str, today: dt.date, ds: Dataset | None = None) -> tuple[Dataset, SiteRenderer]:
    key = (data_dir, today)
    if key not in _CACHE:
        if ds is None:
            report = Report()
            ds = load_dataset(Path(data_dir), report)
            if report.errors:
                raise PdfError("dataene har feil; kjør `rutinebok check`")
        _CACHE[key] = (ds, SiteRenderer(ds, run_checks(ds, today), SiteOptions(today=today)))
    return _CACHE[key]


def build_pdfs(data_dir: Path, out_dir: Path, ids: list[str] | None = None, site_url: str = "",
               jobs: int | None = None, today: dt.date | None = None, progress=None,
               ds: Dataset | None = None) -> dict:
    """Build PDFs for the given routines (all when None); skip those whose inputs are unchanged.

    Returns {"built": [...], "skipped": [...]}.
    """
    today = today or dt.date.today()
    if ds is None:  # the site build passes the data set it already loaded and checked
        report = Report()
        ds = load_dataset(data_dir, report)
        if report.errors:
            raise PdfError(f"dataene har {len(report.errors)} feil; kjør `rutinebok check` og rett dem først")
    wanted = ids or sorted(ds.routines)
    unknown = [i for i in wanted if i not in ds.routines]
    if unknown:
        hint = did_you_mean(unknown[0], ds.routines)
        raise PdfError(f"ukjent rutine «{unknown[0]}»" + (f" ({hint})" if hint else ""))
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = out_dir / MANIFEST
    manifest = json.loads(manifest_path.read_text("utf-8")) if manifest_path.exists() else {}
    templates = _template_hash()
    todo, skipped, keys = [], [], {}
    for rid in wanted:
        key = hashlib.sha256(f"{routine_source_hash(ds, rid)}:{templates}:{site_url}".encode()).hexdigest()
        keys[rid] = key
        if manifest.get(rid) == key and (out_dir / f"{rid}.pdf").exists():
            skipped.append(rid)
        else:
            todo.append(rid)
    jobs = max(1, jobs or os.cpu_count() or 1)
    built = []
    tasks = [(str(data_dir), rid, str(out_dir), site_url, today) for rid in todo]
    if jobs == 1 or len(tasks) <= 1:
        _CACHE.pop((str(data_dir), today), None)  # this process: use the data just loaded
        _cached(str(data_dir), today, ds)
        results = map(_build_one, tasks)
    else:
        pool = ProcessPoolExecutor(max_workers=jobs)
        results = pool.map(_build_one, tasks, chunksize=max(1, len(tasks) // (jobs * 8)))
    try:
        for n, (rid, _path) in enumerate(results, 1):
            built.append(rid)
            manifest[rid] = keys[rid]
            if progress:
                progress(n, len(tasks), rid)
    finally:
        if jobs > 1 and len(tasks) > 1:
            pool.shutdown()
        manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return {"built": built, "skipped": skipped}


# --------------------------------------------------------------------------- command line


def _progress(n: int, total: int, rid: str) -> None:
    if total >= 5:
        print(f"[{n}/{total}] {rid}", file=sys.stderr)


def cmd_pdf(args: argparse.Namespace) -> int:
    try:
        result = build_pdfs(args.data, args.out, args.ids or None, site_url=args.site_url, jobs=args.jobs,
                            progress=_progress)
    except PdfError as exc:
        print(f"rutinebok pdf: {exc}", file=sys.stderr)
        return 1
    print(f"Laget {len(result['built'])} PDF-er i {args.out}; {len(result['skipped'])} var uendret.")
    return 0


def _site_url() -> str:
    try:
        import yaml

        text = Path("mkdocs.yml").read_text(encoding="utf-8")
        for line in text.splitlines():
            if line.startswith("site_url:"):
                return yaml.safe_load(line)["site_url"]
    except OSError:
        pass
    return ""


def add_parsers(sub) -> None:
    p = sub.add_parser("pdf", help="lag utskrivbare PDF-er av rutinene (PDF/A, med signaturfelt)")
    p.add_argument("ids", nargs="*", metavar="ID", help="rutinene (standard: alle)")
    p.add_argument("--out", type=Path, default=Path("build/pdf"))
    p.add_argument("--data", type=Path, default=Path("data"))
    p.add_argument("--site-url", default=_site_url(), help="nettstedets adresse, for lenken og QR-koden")
    p.add_argument("--jobs", type=int, default=None, help="antall prosesser (standard: antall kjerner)")
    p.set_defaults(handler=cmd_pdf)
