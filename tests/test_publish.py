"""Ready to publish: the public address everywhere (HTML, PDF, QR codes, ICS, sitemap), drafts
marked as drafts, publication refused without a public address, edit links only with a repository."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from rutinebok.address import (
    DRAFT_TITLE,
    AddressError,
    edit_base,
    github_pages_url,
    public_site_problem,
    require_public_site_url,
)
from rutinebok.cli import main

from .conftest import PUBLIC_URL, ROOT, build_site

LOCAL = re.compile(rb"127\.0\.0\.1|localhost|file:|\[::1\]|0\.0\.0\.0", re.IGNORECASE)


def pdf_bytes_expanded(path: Path) -> bytes:
    """Every object of the PDF with its streams decompressed: what a reader of the file can find."""
    reader = PdfReader(path)
    out = [path.read_bytes()]
    for num in range(1, int(reader.trailer["/Size"])):
        try:
            obj = reader.get_object(IndirectObject(num, 0, reader))
        except (KeyError, ValueError, AttributeError):  # free entries in the cross-reference table
            obj = None
        if obj is None:
            continue
        if hasattr(obj, "get_data"):
            try:
                out.append(obj.get_data())
            except (NotImplementedError, zlib.error, ValueError):
                # A filter pypdf cannot undo (e.g. an image codec): search the raw stream instead.
                out.append(bytes(getattr(obj, "_data", b"") or b""))
        out.append(repr(obj).encode("utf-8", "replace"))
    for page in reader.pages:
        out.append((page.extract_text() or "").encode("utf-8"))
    return b"\n".join(out)


def qr_codes(pdf: Path, tmp: Path) -> list[str]:
    """The QR codes zbarimg finds on the PDF's first page, rendered by pdftoppm."""
    png = tmp / f"{pdf.stem}-p1"
    subprocess.run(["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-singlefile", "-png", str(pdf), str(png)],
                   check=True, capture_output=True, timeout=120)
    result = subprocess.run(["zbarimg", "-q", "--raw", str(png) + ".png"], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode in (0, 4), result.stderr  # 4: no code found
    return [line for line in result.stdout.splitlines() if line.strip()]


def link_uris(pdf: Path) -> list[str]:
    uris = []
    for page in PdfReader(pdf).pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is not None and "/URI" in action:
                uris.append(str(action["/URI"]))
    return uris


# ---------------------------------------------------------------- the address rules


@pytest.mark.parametrize("url", ["", None, "http://127.0.0.1:8000/", "http://localhost:8000/", "http://[::1]/",
                                 "http://0.0.0.0/", "http://192.168.1.5/", "file:///srv/site/", "intranett",
                                 "https://rutiner.localhost/"])
def test_local_or_empty_addresses_are_not_publishable(url):
    assert public_site_problem(url)
    with pytest.raises(AddressError, match="RUTINEBOK_SITE_URL"):
        require_public_site_url(url)


def test_public_address_is_normalised():
    assert public_site_problem("https://rutiner.example.no") is None
    assert require_public_site_url("https://rutiner.example.no") == "https://rutiner.example.no/"


def test_github_pages_address_comes_from_the_repository():
    assert github_pages_url("Kommune-X/rutinebok") == "https://kommune-x.github.io/rutinebok/"
    assert github_pages_url("kommune-x/kommune-x.github.io") == "https://kommune-x.github.io/"
    assert github_pages_url("kommune-x/rutinebok", cname="rutiner.kommune.no\n") == "https://rutiner.kommune.no/"
    assert github_pages_url("kommune-x/rutinebok", override="https://a.example/b") == "https://a.example/b/"
    assert edit_base("https://github.com/kommune-x/rutinebok/") == "https://github.com/kommune-x/rutinebok/edit/main/"
    assert edit_base("") == ""


def test_adresse_command_writes_the_pages_environment(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("GITHUB_REPOSITORY", "kommune-x/rutinebok")
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.delenv("RUTINEBOK_SITE_URL", raising=False)
    monkeypatch.delenv("RUTINEBOK_REPO_URL", raising=False)
    assert main(["adresse", "--github", "--cname", str(tmp_path / "CNAME")]) == 0
    assert capsys.readouterr().out.splitlines() == ["RUTINEBOK_SITE_URL=https://kommune-x.github.io/rutinebok/",
                                                    "RUTINEBOK_REPO_URL=https://github.com/kommune-x/rutinebok"]


def test_pages_workflow_sets_the_address_before_building():
    import yaml

    steps = yaml.safe_load((ROOT / ".github/workflows/pages.yml").read_text("utf-8"))["jobs"]["build"]["steps"]
    runs = [s.get("run", "") for s in steps]
    adresse = next(i for i, r in enumerate(runs) if "rutinebok adresse --github" in r)
    assert "GITHUB_ENV" in runs[adresse]
    assert adresse < next(i for i, r in enumerate(runs) if "make build" in r)
    pr = (ROOT / ".github/workflows/pr.yml").read_text("utf-8")
    assert 'RUTINEBOK_DRAFT: "1"' in pr  # previews are drafts


# ---------------------------------------------------------------- a publication build


def test_published_site_has_no_local_or_file_address(site_dir):
    checked = 0
    for path in site_dir.rglob("*"):
        if "assets/javascripts" in path.as_posix():
            continue  # the theme's own bundle (it tests for location.protocol "file:")
        if path.suffix in (".html", ".xml", ".ics", ".json", ".js", ".svg", ".txt"):
            data = path.read_bytes()
            hit = LOCAL.search(data)
            assert hit is None, f"{path.relative_to(site_dir)}: {data[max(0, hit.start() - 80):hit.end() + 80]!r}"
            checked += 1
        elif path.suffix == ".pdf":
            data = pdf_bytes_expanded(path)
            hit = LOCAL.search(data)
            assert hit is None, f"{path.relative_to(site_dir)}: {data[max(0, hit.start() - 80):hit.end() + 80]!r}"
            checked += 1
    assert checked > 50
    sitemap = (site_dir / "sitemap.xml").read_text("utf-8")
    assert f"<loc>{PUBLIC_URL}rutiner/moss-krisesenter-nav/</loc>" in sitemap
    ics = (site_dir / "kalender.ics").read_text("utf-8")
    assert f"URL:{PUBLIC_URL}rutiner/" in ics.replace("\r\n ", "")
    canonical = (site_dir / "rutiner" / "moss-krisesenter-nav" / "index.html").read_text("utf-8")
    assert f'<link rel="canonical" href="{PUBLIC_URL}rutiner/moss-krisesenter-nav/">' in canonical


def test_qr_codes_decode_to_each_routines_published_address(site_dir, real, tmp_path):
    ds = real[0]
    for rid in ds.routines:
        pdf = site_dir / "pdf" / f"{rid}.pdf"
        url = f"{PUBLIC_URL}rutiner/{rid}/"
        assert qr_codes(pdf, tmp_path) == [url], rid
        assert url in (PdfReader(pdf).pages[0].extract_text() or "").replace("\n", "")


def test_internal_links_in_pdfs_point_at_the_published_pages(site_dir):
    uris = link_uris(site_dir / "pdf" / "kristiansand-nav-livsmestring.pdf")
    internal = [u for u in uris if u.startswith(PUBLIC_URL)]
    assert f"{PUBLIC_URL}rutiner/kristiansand-nav-livsmestring/#koordinator-i-nav" in internal, uris
    for u in uris:
        assert re.match(r"^(https://|mailto:|tel:)", u), u


def test_relative_links_never_reach_a_pdf():
    from rutinebok.pdf import _only_absolute_links

    html = ('<a href="lover.md#x">a</a> <a class="k" href="../rutiner/x/">b</a> <a href="https://e.no/">c</a> '
            '<a href="#s-1">d</a> <a href="file:///etc/passwd">e</a>')
    out = _only_absolute_links(html)
    assert 'href="lover.md' not in out and 'href="../' not in out and "file:" not in out
    assert 'href="https://e.no/"' in out and 'href="#s-1"' in out and '<a class="k">b</a>' in out


def test_pdf_bytes_do_not_depend_on_the_folder(tmp_path):
    from rutinebok.pdf import build_pdfs

    here, there = tmp_path / "here", tmp_path / "elsewhere" / "deep" / "copy"
    build_pdfs(ROOT / "data", here, PUBLIC_URL, ["kristiansand-nav-livsmestring"], jobs=1)
    shutil.copytree(ROOT / "data", there / "data")
    build_pdfs(there / "data", there / "pdf", PUBLIC_URL, ["kristiansand-nav-livsmestring"], jobs=1)
    a = (here / "kristiansand-nav-livsmestring.pdf").read_bytes()
    assert a == (there / "pdf" / "kristiansand-nav-livsmestring.pdf").read_bytes()
    assert str(ROOT).encode() not in pdf_bytes_expanded(here / "kristiansand-nav-livsmestring.pdf")


def test_edit_links_point_at_the_configured_repository(site_dir):
    page = (site_dir / "rutiner" / "moss-krisesenter-nav" / "index.html").read_text("utf-8")
    assert 'href="https://github.com/example/rutinebok/edit/main/data/routines/moss-krisesenter-nav.yml"' in page
    for path in site_dir.rglob("*.html"):
        assert "github.com/rutinebok/rutinebok" not in path.read_text("utf-8"), path


# ---------------------------------------------------------------- refused and draft builds


def test_publication_with_a_local_address_is_refused_and_keeps_nothing(tmp_path):
    out = tmp_path / "site"
    result = build_site(out, site_url="http://127.0.0.1:8000/")
    assert result.returncode != 0
    message = result.stdout + result.stderr
    assert "Nettstedets adresse «http://127.0.0.1:8000/» er en lokal adresse" in message
    assert "RUTINEBOK_SITE_URL" in message and "Traceback" not in message
    assert not (out / "index.html").exists()


def test_pdf_command_refuses_a_local_address_without_draft(tmp_path, capsys):
    out = tmp_path / "pdf"
    code = main(["pdf", "moss-krisesenter-nav", "--out", str(out), "--site-url", "http://localhost:8000/",
                 "--data", str(ROOT / "data"), "--jobs", "1"])
    err = capsys.readouterr().err
    assert code == 1 and "lokal adresse" in err and "--draft" in err
    assert not (out / "moss-krisesenter-nav.pdf").exists()


@pytest.fixture(scope="module")
def draft_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("draft") / "site"
    result = build_site(out, draft=True, site_url=None, repo_url="")
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_draft_pages_and_pdfs_say_so_and_have_no_qr(draft_site, tmp_path):
    for page in ("index.html", "rutiner/moss-krisesenter-nav/index.html", "frister/index.html"):
        assert DRAFT_TITLE in (draft_site / page).read_text("utf-8"), page
    pdf = draft_site / "pdf" / "moss-krisesenter-nav.pdf"
    reader = PdfReader(pdf)
    assert all(DRAFT_TITLE in (p.extract_text() or "").replace("\n", " ") for p in reader.pages)
    assert qr_codes(pdf, tmp_path) == []
    assert not LOCAL.search(pdf_bytes_expanded(pdf))


def test_draft_without_repository_has_no_edit_links(draft_site):
    for path in draft_site.rglob("*.html"):
        text = path.read_text("utf-8")
        assert "Foreslå endring" not in text and "/edit/main/" not in text, path


def test_hand_written_pages_link_to_their_source_and_generated_pages_to_their_data(site_dir):
    """With a repository address, a hand-written page offers «Foreslå endring på denne siden»
    pointing at its own file under content/; a generated page points at its data file instead."""
    from .conftest import REPO_URL

    about = (site_dir / "om" / "index.html").read_text("utf-8")
    assert f'href="{REPO_URL}/edit/main/content/om.md"' in about
    assert "Foreslå endring på denne siden" in about
    routine = (site_dir / "rutiner" / "moss-krisesenter-nav" / "index.html").read_text("utf-8")
    assert "Foreslå endring på denne siden" not in routine
    assert f"{REPO_URL}/edit/main/data/routines/moss-krisesenter-nav.yml" in routine
