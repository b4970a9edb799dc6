"""Routine PDFs: content read back with pypdf, signature fields, PDF/A metadata, reproducible
bytes, incremental rebuilds, bad input."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from rutinebok import __version__
from rutinebok import pdf as pdf_mod
from rutinebok.pdf import MANIFEST, build_pdfs, routine_source_hash, source_hash

from .conftest import ROOT, TODAY
from .pdf_helpers import (
    MOSS,
    PARTIES,
    PARTY_LABELS,
    SITE_URL,
    build_moss,
    fields_by_pyhanko,
    pdf_text,
)

MM = 72 / 25.4


@pytest.fixture(scope="module")
def moss_pdf(tmp_path_factory) -> Path:
    return build_moss(tmp_path_factory.mktemp("pdf"))


@pytest.fixture(scope="module")
def all_pdfs(tmp_path_factory) -> Path:
    """Every seed routine, built in parallel."""
    out = tmp_path_factory.mktemp("all")
    result = build_pdfs(ROOT / "data", out, SITE_URL, jobs=2)
    assert len(result["built"]) == 5
    return out


def test_markdown_goes_through_the_sites_extensions():
    from mkdocs.utils.yaml import yaml_load  # understands mkdocs.yml's !ENV tags

    config = yaml_load((ROOT / "mkdocs.yml").read_text("utf-8"))
    names, options = [], {}
    for ext in config["markdown_extensions"]:
        if isinstance(ext, dict):
            (key, value), = ext.items()
            names.append(key)
            options[key] = value or {}
        else:
            names.append(ext)
    assert pdf_mod.MARKDOWN_EXTENSIONS == names
    assert pdf_mod.MARKDOWN_CONFIG == {k: v for k, v in options.items() if v}
    # Data text cannot carry HTML into the PDF: md_safe runs before Markdown.
    html = pdf_mod.markdown_html('Se <script>alert(1)</script> og [lenke](javascript:alert(1)) {: onclick="x"}')
    assert "<script" not in html and 'href="javascript' not in html and not re.search(r"<[^>]*onclick", html)
    assert "&lt;script&gt;" in html  # shown as text


def test_the_routine_is_in_the_pdf(moss_pdf, real):
    text = pdf_text(moss_pdf)
    for fragment in [
        # title page and document control
        "Samarbeidsrutine mellom Krisesenteret i Moss IKS og NAV i Mosseregionen", "Dokumentstyring",
        "Gjelder fra 1. mars 2018", "Evalueres innen 31. desember 2019", "på papir i Moss, 14. mars 2018",
        "LOV-2009-06-19-44", "Innhold",
        # the three procedures as numbered steps with actor and deadline words
        "Prosedyre: Søknad om nødhjelp hos NAV", "Prosedyre: Når kvinnen trenger ytelser til bolig fra NAV",
        "Prosedyre: Søknad om kommunal bolig", "Krisesenteret i Moss: Varsler NAV", "NAV-kontoret: Behandler søknaden",
        "Frist: innen 48 timer", "48 timer", "normalt maks 3 måneder",
        # meetings, contacts, attachments, glossary, change log, signature page
        "Møte: Årlig samarbeidsmøte", "nav.moss@nav.no", "nav.valer@nav.no", "Vedlegg", "Ordforklaringer",
        "Endringslogg", "Signaturer", "Stilling", "Sted og dato",
        # what is signed, and what each party commits to
        ("godkjenner partene «Samarbeidsrutine mellom Krisesenteret i Moss IKS og NAV i Mosseregionen», versjon 2, "
        "som gjelder fra 1. mars 2018. Kontrollkode for innholdet:"),
        "Dette skal Krisesenteret i Moss IKS gjøre", "Dette skal NAV Moss gjøre",
        "Dette skal NAV Rygge, NAV Råde og NAV Våler gjøre (hver for seg)",
        # running footer and the web version
        f"{MOSS} · versjon 2 · Side 1 av", "Gjeldende versjon på nett", f"{SITE_URL}rutiner/{MOSS}/",
    ]:
        assert fragment in text, fragment
    assert "ikke oppgitt" not in text.partition("Signaturer Med sin signatur")[2]  # lines to fill in instead
    assert "rutinebok sign" not in text  # a leader is not told to run a command
    code = pdf_mod.content_code(routine_source_hash(real[0], MOSS))  # the routine and every file it shows
    assert f"Kontrollkode for innholdet: {code}" in text
    reader = PdfReader(moss_pdf)
    last = " ".join((reader.pages[-1].extract_text() or "").split())
    for label in PARTY_LABELS:
        assert f"For {label}" in last, label
    pages = len(reader.pages)
    assert f"Side {pages} av {pages}" in last
    # The running header carries the title from page 2 on.
    assert "Samarbeidsrutine mellom Krisesenteret" in (reader.pages[1].extract_text() or "")
    # Lovdata links and the web link are live links.
    uris = {a.get_object()["/A"]["/URI"] for p in reader.pages for a in p.get("/Annots", [])
            if a.get_object().get("/Subtype") == "/Link" and "/URI" in a.get_object().get("/A", {})}
    assert "https://lovdata.no/lov/2009-06-19-44" in uris and f"{SITE_URL}rutiner/{MOSS}/" in uris


def test_one_signature_field_per_party_over_its_box(moss_pdf):
    reader = PdfReader(moss_pdf)
    fields = reader.get_fields()
    assert sorted(fields) == sorted(f"party-{p}" for p in PARTIES)
    assert all(f.get("/FT") == "/Sig" and "/V" not in f for f in fields.values())
    last = reader.pages[-1]
    widgets = [a.get_object() for a in last["/Annots"] if a.get_object().get("/FT") == "/Sig"]
    assert sorted(w["/T"] for w in widgets) == sorted(f"party-{p}" for p in PARTIES)
    width, height = float(last.mediabox.width), float(last.mediabox.height)
    assert round(width / MM) == 210 and round(height / MM) == 297  # A4
    for w in widgets:
        x1, y1, x2, y2 = (float(v) for v in w["/Rect"])
        assert abs((x2 - x1) - pdf_mod.SIG_W_MM * MM) < 1 and abs((y2 - y1) - pdf_mod.SIG_H_MM * MM) < 1
        assert 0 < x1 < x2 < width and 0 < y1 < y2 < height
        assert int(w["/F"]) & 4  # printed
    # The fields sit over the boxes WeasyPrint drew: compare with the layout's anchors.
    assert len({tuple(w["/Rect"]) for w in widgets}) == 5


def test_archival_metadata(moss_pdf, real):
    reader = PdfReader(moss_pdf)
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data()
    assert re.search(rb"pdfaid:part(>|=\")2", xmp) and re.search(rb"pdfaid:conformance(>|=\")B", xmp), xmp[:600]
    assert root["/Lang"] == "nb"
    assert root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root  # tagged
    assert root["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"  # sRGB output intent
    info = reader.metadata
    assert info.title.startswith("Samarbeidsrutine mellom")
    assert info["/RutinebokId"] == MOSS and info["/RutinebokVersion"] == "2"
    assert info["/RutinebokEngine"] == __version__
    routine_bytes = (ROOT / "data" / "routines" / f"{MOSS}.yml").read_bytes()
    assert info["/RutinebokSourceHash"] == routine_source_hash(real[0], MOSS, __version__)
    # The routine file and every data file the PDF shows content from (here the role and
    # organisation files, the laws, the glossary...).
    assert source_hash(routine_bytes, __version__) == hashlib.sha256(
        f"rutinebok {__version__}\n".encode() + routine_bytes).hexdigest() != info["/RutinebokSourceHash"]
    # The archive metadata (XMP) with its PDF/A extension schema.
    from rutinebok import xmp as xmp_mod

    meta = xmp_mod.read(xmp)
    assert meta is not None and meta.routine_id == MOSS and meta.version == "2" and meta.kind == "samarbeidsrutine"
    assert meta.source_hash == info["/RutinebokSourceHash"] and meta.valid_from == "2018-03-01"
    assert [p.id for p in meta.parties] == PARTIES and [p.name for p in meta.parties] == PARTY_LABELS
    assert all(p.org_number is None and p.field == f"party-{p.id}" for p in meta.parties)  # unknown, not guessed
    for prop in ("routineId", "version", "kind", "validFrom", "reviewBy", "sourceHash", "parties"):
        assert f"<pdfaProperty:name>{prop}</pdfaProperty:name>".encode() in xmp
    assert b"<pdfaSchema:namespaceURI>urn:rutinebok:ns:xmp:rutine:1.0/</pdfaSchema:namespaceURI>" in xmp
    assert b"<pdfaType:type>Party</pdfaType:type>" in xmp
    assert info["/Keywords"] == f"samarbeidsrutine, {MOSS}"
    # Dates from the routine's change log, not from the clock.
    assert info["/CreationDate"].startswith("D:20261129") and info["/ModDate"] == info["/CreationDate"]
    # Every font is embedded.
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            for desc in font.get("/DescendantFonts", [font]):
                desc = desc.get_object()
                fd = desc["/FontDescriptor"].get_object()
                assert any(k in fd for k in ("/FontFile", "/FontFile2", "/FontFile3")), desc["/BaseFont"]
                fonts.add(str(desc["/BaseFont"]).split("+")[-1])
    assert any("DejaVu" in f for f in fonts), fonts
    # Bookmarks from the headings.
    titles = [o.title for o in reader.outline if not isinstance(o, list)]
    assert titles[0].startswith("Samarbeidsrutine") or "Dokumentstyring" in str(reader.outline)
    outline = str(reader.outline)
    for heading in ["Dokumentstyring", "Livsopphold og nødhjelp", "Kontakter", "Signaturer"]:
        assert heading in outline, heading


def test_every_block_kind_prints(all_pdfs):
    expect = {
        "kongsvinger-boligsosialt-arbeid": ["Nivå 1", "Koordinerer", "Møte:"],
        "fra-krisesenter-til-egen-bolig": ["Fase 1", "Oppgaver per rolle"],
        "strategiplan-krisesenteret-i-moss-2016-2018": ["Planperiode", "Tiltak for perioden"],
        "kristiansand-nav-livsmestring": ["Veivisere", "Signaturer"],
        MOSS: ["Veivisere", "Hvilket NAV-kontor"],
    }
    for rid, fragments in expect.items():
        text = pdf_text(all_pdfs / f"{rid}.pdf")
        for fragment in fragments:
            assert fragment in text, (rid, fragment)
        reader = PdfReader(all_pdfs / f"{rid}.pdf")
        data = yaml.safe_load((ROOT / "data" / "routines" / f"{rid}.yml").read_text("utf-8"))
        # Agreements get a signature page and one field per party; plans and reports none.
        signable = data["kind"] in ("samarbeidsrutine", "ansvarsdeling") and data["parties"]
        assert len(reader.get_fields() or {}) == (len(data["parties"]) if signable else 0), rid
        assert ("Signaturer Med sin signatur godkjenner" in text) == bool(signable), rid
        assert ("Dette skal partene gjøre" in text) == bool(signable), rid
    manifest = json.loads((all_pdfs / MANIFEST).read_text("utf-8"))
    assert sorted(manifest["routines"]) == sorted(expect)


def test_same_data_same_bytes_and_only_changed_routines_rebuilt(tmp_path, all_pdfs):
    data = Path(shutil.copytree(ROOT / "data", tmp_path / "data"))
    out = tmp_path / "out"
    other = "fra-krisesenter-til-egen-bolig"
    progress = []
    result = build_pdfs(data, out, SITE_URL, [MOSS, other], jobs=1, progress=lambda *a: progress.append(a))
    assert result == {"built": [MOSS, other], "skipped": []}
    assert progress == [(1, 2, MOSS), (2, 2, other)]
    assert "SOURCE_DATE_EPOCH" not in os.environ  # restored after rendering
    # Same data, another folder, another process count, another time: the same bytes.
    for rid in (MOSS, other):
        assert (out / f"{rid}.pdf").read_bytes() == (all_pdfs / f"{rid}.pdf").read_bytes(), rid
    # Unchanged: nothing is rendered again.
    before = {rid: (out / f"{rid}.pdf").stat().st_mtime_ns for rid in (MOSS, other)}
    assert build_pdfs(data, out, SITE_URL, [MOSS, other], jobs=1) == {"built": [], "skipped": [MOSS, other]}
    # One routine changed: only its PDF is rebuilt.
    routine = data / "routines" / f"{other}.yml"
    routine.write_text(routine.read_text("utf-8").replace("Om prosessen", "Om arbeidsprosessen", 1), "utf-8")
    assert build_pdfs(data, out, SITE_URL, [MOSS, other], jobs=1) == {"built": [other], "skipped": [MOSS]}
    assert (out / f"{MOSS}.pdf").stat().st_mtime_ns == before[MOSS]
    assert "Om arbeidsprosessen" in pdf_text(out / f"{other}.pdf")
    # An organisation only the Moss routine refers to: only the Moss PDF is rebuilt.
    org = data / "organisations" / "nav-valer.yml"
    org.write_text(org.read_text("utf-8").replace("nav.valer@nav.no", "post.valer@nav.no"), "utf-8")
    assert build_pdfs(data, out, SITE_URL, [MOSS, other], jobs=1) == {"built": [MOSS], "skipped": [other]}
    assert "post.valer@nav.no" in pdf_text(out / f"{MOSS}.pdf")
    # A deleted PDF is made again; another site URL changes the QR code and link.
    (out / f"{other}.pdf").unlink()
    assert build_pdfs(data, out, SITE_URL, [MOSS, other], jobs=1)["built"] == [other]
    assert build_pdfs(data, out, "https://annen.example/", [MOSS], jobs=1)["built"] == [MOSS]


def test_the_rebuild_key_covers_named_roles_and_the_notices_of_the_day(tmp_path):
    import datetime as dt

    data = Path(shutil.copytree(ROOT / "data", tmp_path / "data"))
    out = tmp_path / "out"
    # Before the review date: no notice that the evaluation is overdue.
    assert build_pdfs(data, out, SITE_URL, [MOSS], jobs=1, today=dt.date(2019, 6, 1))["built"] == [MOSS]
    assert "Evalueringen er forsinket" not in pdf_text(out / f"{MOSS}.pdf")
    assert build_pdfs(data, out, SITE_URL, [MOSS], jobs=1, today=dt.date(2019, 6, 2))["skipped"] == [MOSS]
    # After it: the same data, but the PDF must now say so, so it is made again.
    assert build_pdfs(data, out, SITE_URL, [MOSS], jobs=1, today=dt.date(2026, 11, 22))["built"] == [MOSS]
    assert "Evalueringen er forsinket" in pdf_text(out / f"{MOSS}.pdf")
    # A role printed as a step's actor is renamed: the PDF shows the new name.
    role = data / "roles" / "nav-kontoret.yml"
    role.write_text(role.read_text("utf-8").replace("name: NAV-kontoret", "name: NAV-kontoret lokalt"), "utf-8")
    assert build_pdfs(data, out, SITE_URL, [MOSS], jobs=1, today=dt.date(2026, 11, 22))["built"] == [MOSS]
    assert "NAV-kontoret lokalt: Behandler søknaden" in pdf_text(out / f"{MOSS}.pdf")


def test_pdf_command_and_bad_input(tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    data = str(ROOT / "data")
    assert pdf_mod.main(["moss-krisesenter-na", "--out", str(out), "--data", data]) == 1
    err = capsys.readouterr().err
    assert "fant ingen rutine med id «moss-krisesenter-na»" in err and "moss-krisesenter-nav" in err
    assert "Traceback" not in err and not list(out.glob("*.pdf"))
    assert pdf_mod.main(["--out", str(out), "--data", str(tmp_path / "finnes-ikke")]) == 2
    assert "fant ikke datamappen" in capsys.readouterr().err
    assert pdf_mod.main(["--jobs", "0", "--out", str(out), "--data", data]) == 2
    assert pdf_mod.main(["--ukjent-valg"]) == 2
    capsys.readouterr()
    # Data with errors: no PDFs, a pointer to the check.
    bad = Path(shutil.copytree(ROOT / "data", tmp_path / "bad"))
    routine = bad / "routines" / f"{MOSS}.yml"
    routine.write_text(routine.read_text("utf-8").replace("owner: krisesenteret-i-moss", "owner: finnes-ikke"),
                       "utf-8")
    assert pdf_mod.main([MOSS, "--out", str(out), "--data", str(bad)]) == 1
    assert "rutinebok check" in capsys.readouterr().err
    # The progress line for long runs.
    pdf_mod._progress(12, 1000, "rutine-0012")
    assert capsys.readouterr().err == "[12/1000] rutine-0012\n"


def test_the_fonts_copied_for_a_build_are_removed_when_it_ends(tmp_path):
    """WeasyPrint copies the fonts into a temporary folder; the build keeps one copy per process
    and removes it when the process or pool worker ends, quietly, in one process and in several."""
    import subprocess
    import sys

    strategy = "strategiplan-krisesenteret-i-moss-2016-2018"  # short, not signable
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    for jobs in ("1", "2"):
        done = subprocess.run([sys.executable, "-m", "rutinebok", "pdf", "fra-krisesenter-til-egen-bolig", strategy,
                               "--jobs", jobs, "--out", str(tmp_path / f"out{jobs}"), "--data", str(ROOT / "data"),
                               "--site-url", SITE_URL], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        assert "Exception" not in done.stderr and "Traceback" not in done.stderr, done.stderr
        assert list(tmp.iterdir()) == [], f"--jobs {jobs}: {sorted(p.name for p in tmp.iterdir())}"
    for rid in ("fra-krisesenter-til-egen-bolig", strategy):
        assert (tmp_path / "out1" / f"{rid}.pdf").read_bytes() == (tmp_path / "out2" / f"{rid}.pdf").read_bytes()


def test_what_lives_for_the_whole_build_is_left_out_of_each_collection():
    """The data set and the print context live for the whole build; after the first PDF's style is
    made, the cyclic collector's full passes (one every few PDFs) no longer walk them, and the
    garbage a PDF makes is still collected."""
    import subprocess
    import sys

    script = f"""
import datetime as dt, gc, weakref
from pathlib import Path
from rutinebok import pdf
ds, findings = pdf.load_checked(Path({str(ROOT / "data")!r}), dt.date.fromisoformat({TODAY.isoformat()!r}))
ctx = pdf.print_context(ds, dt.date.fromisoformat({TODAY.isoformat()!r}), findings)
before = any(o is ctx.names for o in gc.get_objects())
pdf.print_style()
after = any(o is ctx.names for o in gc.get_objects())
class Cycle: pass
c = Cycle(); c.me = c; gone = weakref.ref(c); del c
gc.collect()
print(before, after, gone() is None)
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "False", "True"], done.stdout + done.stderr


def test_the_collector_runs_less_often_while_pdfs_are_made_and_as_before_after(tmp_path):
    """Laying out pages makes and drops objects by the hundred thousand: the build raises the
    collector's first threshold while it renders (pdf.PDF_GC_THRESHOLD) and puts it back."""
    import gc

    before = gc.get_threshold()
    seen = []
    build_pdfs(ROOT / "data", tmp_path, SITE_URL, ["strategiplan-krisesenteret-i-moss-2016-2018"], jobs=1,
               progress=lambda *_: seen.append(gc.get_threshold()))
    assert seen == [(max(before[0], pdf_mod.PDF_GC_THRESHOLD), *before[1:])]
    assert gc.get_threshold() == before


def _field_dicts(pdf: bytes) -> list[dict]:
    """Each signature field as pypdf reads it: its keys and values, which of them are indirect
    objects (ISO 32000 requires /Lock to be), its page's index, its empty appearance's size and
    what the tag tree holds for it (by /StructParent)."""
    import io

    from pypdf.generic import IndirectObject

    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    pages = [page.indirect_reference.idnum for page in reader.pages]
    nums = root["/StructTreeRoot"]["/ParentTree"]["/Nums"]
    tagged = dict(zip(nums[::2], nums[1::2], strict=True))
    top = root["/StructTreeRoot"]["/K"]
    document = (top[0] if isinstance(top, list) else top).get_object()
    in_document = {k.idnum for k in document["/K"] if hasattr(k, "idnum")}
    out = []
    for ref in root["/AcroForm"]["/Fields"]:
        widget = ref.get_object()
        field = {k: widget[k] for k in widget if k not in ("/AP", "/P", "/StructParent")}
        field["indirect"] = sorted(k for k in widget if isinstance(widget.raw_get(k), IndirectObject))
        appearance = widget["/AP"]["/N"].get_object()
        elem = tagged[widget["/StructParent"]].get_object()
        field.update(
            page=pages.index(widget.raw_get("/P").idnum),
            tabs=widget["/P"].get("/Tabs"),
            appearance=(appearance.get_data(), appearance["/Subtype"],
                        sorted(int(abs(float(v))) for v in appearance["/BBox"])),
            tag=(elem["/S"], elem["/K"][0].raw_get("/Obj").idnum == ref.idnum, elem["/P"]["/S"],
                 tagged[widget["/StructParent"]].idnum in in_document),
            in_page_annots=any(a.idnum == ref.idnum for a in widget["/P"]["/Annots"]))
        out.append(field)
    form = {k: v for k, v in root["/AcroForm"].items() if k != "/Fields"}
    return [form, isinstance(root.raw_get("/AcroForm"), IndirectObject), out]


def test_the_signature_fields_are_the_ones_pyhankos_append_signature_field_makes(monkeypatch):
    """The fields are written with the PDF (pdf.add_signature_fields, in WeasyPrint's finisher)
    rather than read back and appended by pyHanko: they must be what pyHanko's own
    append_signature_field (with the tagging that went with it) gives, key for key, on the same
    pages, in the same place, in the tag tree and in the page's annotations."""
    ds, findings = pdf_mod.load_checked(ROOT / "data", TODAY)
    ctx = pdf_mod.print_context(ds, TODAY, findings)
    ours = pdf_mod.render_pdf(ds, ctx, MOSS, SITE_URL)

    theirs, made = fields_by_pyhanko(monkeypatch, lambda: pdf_mod.render_pdf(ds, ctx, MOSS, SITE_URL))
    assert len(made) == len(PARTIES)
    assert _field_dicts(ours) == _field_dicts(theirs)
    assert [f["/TU"] for f in _field_dicts(ours)[-1]] == [f"Signatur for {label}" for label in PARTY_LABELS]


def test_a_build_given_its_checked_data_does_not_check_or_index_it_again(tmp_path, monkeypatch):
    """The site build passes its data set with its findings and index (Engine.build_pdfs): the
    PDFs are made without running the checks or building an index a second time, and are the
    same as from the data folder."""
    from rutinebok import checks, index

    ds, findings = pdf_mod.load_checked(ROOT / "data", TODAY)
    shared = index.Index(ds)
    made = []
    monkeypatch.setattr(checks, "run_checks", lambda *a, **k: made.append("checks") or [])
    monkeypatch.setattr(pdf_mod, "Index", lambda *a, **k: made.append("index"))
    build_pdfs(ds, tmp_path / "given", SITE_URL, [MOSS], jobs=1, today=TODAY, findings=findings, index=shared)
    assert made == []
    monkeypatch.undo()
    build_pdfs(ROOT / "data", tmp_path / "folder", SITE_URL, [MOSS], jobs=1, today=TODAY)
    assert (tmp_path / "given" / f"{MOSS}.pdf").read_bytes() == (tmp_path / "folder" / f"{MOSS}.pdf").read_bytes()


def _flate_streams(pdf: bytes) -> list[tuple[bool, bytes, bytes]]:
    """(is a cross-reference stream, stored, decompressed) for every Flate stream of the file."""
    import zlib

    out = []
    for m in re.finditer(rb"\bstream\r?\n", pdf):
        chunk = pdf[m.end():pdf.find(b"endstream", m.end())]
        inflate = zlib.decompressobj()
        try:
            raw = inflate.decompress(chunk)
        except zlib.error:
            continue  # not Flate
        head = pdf[max(0, m.start() - 300):m.start()]
        xref = b"/XRef" in head[head.rfind(b"obj"):]
        out.append((xref, chunk[:len(chunk) - len(inflate.unused_data)], raw))
    return out


def test_streams_are_written_at_zlib_level_6_and_hold_what_level_9_would(real, monkeypatch):
    """pydyf writes at level 9; the build at level 6 (pdf.FLATE_LEVEL): every stream, the object
    stream of the tag tree and the cross-reference stream included, is zlib's level 6 of the very
    bytes pydyf's own writing holds."""
    import contextlib
    import zlib

    ds, _, findings = real
    ctx = pdf_mod.print_context(ds, TODAY, findings)
    built = pdf_mod.render_pdf(ds, ctx, MOSS, SITE_URL)
    monkeypatch.setattr(pdf_mod, "_flate_level", contextlib.nullcontext)
    plain = pdf_mod.render_pdf(ds, ctx, MOSS, SITE_URL)
    ours, theirs = _flate_streams(built), _flate_streams(plain)
    assert len(ours) == len(theirs) > 20 and [x for x, *_ in ours] == [x for x, *_ in theirs]
    # (a cross-reference stream holds byte offsets, which move with every stream's size)
    assert [raw for x, _, raw in ours if not x] == [raw for x, _, raw in theirs if not x]
    assert all(stored == zlib.compress(raw, 6) for _, stored, raw in ours if raw)  # (not pyHanko's empty field faces)
    assert not all(stored == zlib.compress(raw, 6) for _, stored, raw in theirs)
    assert len(plain) < len(built) < 1.1 * len(plain)
