"""The builder-agnostic pipeline: the engine writes a docs tree, a builder that runs none of our
MkDocs plugins builds it (mkdocs.tree.yml: what Zensical sees), and one post-build pass makes
the result the same site as `mkdocs build` with the plugin."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin, urlparse

import lxml.html
import pytest

from rutinebok.postbuild import END, START, process_page
from rutinebok.site import SiteError, read_settings
from rutinebok.terms import GlossaryTerm

from .conftest import PUBLIC_URL, REPO_URL, ROOT, TODAY, copy_data


def _env(**extra) -> dict:
    env = {**os.environ, "RUTINEBOK_TODAY": TODAY.isoformat(), "NO_MKDOCS_2_WARNING": "1",
           "RUTINEBOK_REPO_URL": REPO_URL, "RUTINEBOK_SITE_URL": PUBLIC_URL, "RUTINEBOK_DRAFT": ""}
    env.pop("RUTINEBOK_DATA", None)
    env.update(extra)
    return env


def _run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600, check=False)


_BUILD_TREE = """
import sys
import mkdocs.commands.build
from mkdocs.config import load_config
config = load_config(sys.argv[1], docs_dir=sys.argv[2], site_dir=sys.argv[3], strict=True)
mkdocs.commands.build.build(config)
"""


def build_tree(tmp: Path, env: dict | None = None) -> tuple[Path, str]:
    """write -> build without our plugin -> post-build pass; returns the site and the log."""
    env = env or _env()
    docs, site = tmp / "docs", tmp / "site"
    log = ""
    for step in (["-m", "rutinebok.site", "write", str(docs)],
                 ["-c", _BUILD_TREE, str(ROOT / "mkdocs.tree.yml"), str(docs), str(site)],
                 ["-m", "rutinebok.postbuild", str(site)]):
        done = _run(step, env)
        log += done.stdout + done.stderr
        assert done.returncode == 0, log
    return site, log


def _pages(site: Path) -> dict[str, Path]:
    return {p.relative_to(site).as_posix(): p for p in site.rglob("*.html")
            if not p.relative_to(site).as_posix().startswith(("pagefind/", "assets/"))}


def _internal_links(site: Path, rel: str) -> list[str]:
    doc = lxml.html.fromstring(_pages(site)[rel].read_bytes())
    base = "http://local/" + rel.removesuffix("index.html")
    out = []
    for el in doc.xpath("//a[@href]|//img[@src]|//script[@src]|//link[@href]"):
        url = urlparse(urljoin(base, el.get("href") or el.get("src")))
        if url.netloc == "local":
            out.append(url.path + ("#" + url.fragment if url.fragment else ""))
    return out


@pytest.fixture(scope="module")
def tree_site(tmp_path_factory) -> Path:
    return build_tree(tmp_path_factory.mktemp("tree"))[0]


def test_tree_build_has_the_same_pages_and_links_as_the_plugin_build(site_dir, tree_site):
    plugin_pages, tree_pages = _pages(site_dir), _pages(tree_site)
    assert set(tree_pages) == set(plugin_pages)
    assert len(plugin_pages) > 80
    files = {p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*") if p.is_file()
             and "pagefind" not in p.parts}
    assert files == {p.relative_to(tree_site).as_posix() for p in tree_site.rglob("*") if p.is_file()
                     and "pagefind" not in p.parts}
    assert any(f.startswith("pdf/") for f in files) and "kalender.ics" in files
    for rel in plugin_pages:
        assert _internal_links(tree_site, rel) == _internal_links(site_dir, rel), rel
        # Nothing of ours depends on the builder running our plugin: the pages are the same, up
        # to whitespace between tags (the tree config names the search plugin, only to keep
        # Zensical's own search off, and Material's header template leaves blank lines for it).
        assert _squeeze(tree_pages[rel].read_bytes()) == _squeeze(plugin_pages[rel].read_bytes()), rel


def _squeeze(html: bytes) -> bytes:
    return re.sub(rb"\s+", b" ", html)


def test_every_internal_link_of_the_tree_build_resolves(tree_site):
    checked = 0
    for rel in _pages(tree_site):
        for link in _internal_links(tree_site, rel):
            path = link.split("#")[0]
            target = tree_site / path.lstrip("/")
            if path.endswith("/") or target.is_dir():
                target = target / "index.html"
            assert target.is_file(), f"{rel}: {link}"
            checked += 1
    assert checked > 1000


def test_post_build_pass_ran_over_the_tree_build(tree_site):
    index = (tree_site / "index.html").read_text("utf-8")
    assert "rutinebok-policy" not in index and "rutinebok-inline-hashes" not in index
    assert re.search(r"script-src 'self' 'wasm-unsafe-eval' 'sha256-", index)
    assert (tree_site / "pagefind" / "pagefind.js").is_file()
    for rel, path in _pages(tree_site).items():
        text = path.read_text("utf-8")
        assert START not in text and END not in text, rel
    # The macros ran without the plugin: the front page's emergency numbers are there.
    assert 'class="rb-emergency"' in index and 'href="tel:112"' in index
    # Glossary terms and table labels, the pass's other two filters.
    routine = (tree_site / "rutiner" / "moss-krisesenter-nav" / "index.html").read_text("utf-8")
    assert "ordliste/" in routine and "data-label=" in (tree_site / "frister" / "index.html").read_text("utf-8")


# ---------------------------------------------------------------- the same tree built by Zensical
# One real Zensical build (pinned in requirements-zensical.lock, its own .venv-zensical made by
# `make zensical-deps`) of the very docs tree the MkDocs tree build above used.

ZENSICAL = ROOT / ".venv-zensical" / "bin" / "zensical"
ZENSICAL_VERSION = "0.0.73"


def _article(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_bytes()).xpath("//article")[0]


def _content_targets(article: lxml.html.HtmlElement, rel: str) -> list[str]:
    """Where the links in the content lead (Zensical writes some relative links longer,
    ../../organisasjoner/x/ for ../x/; they resolve alike)."""
    base = "http://local/" + rel.removesuffix("index.html")
    return [urljoin(base, h) for h in article.xpath(".//a/@href|.//img/@src")]


def _theme_links(site: Path, rel: str) -> list[str]:
    """The page's internal links but for the theme's assets and the skip link (Material jumps to
    the first heading, Zensical to its own #__skip anchor)."""
    doc = lxml.html.fromstring(_pages(site)[rel].read_bytes())
    base = "http://local/" + rel.removesuffix("index.html")
    skip = [urlparse(urljoin(base, h)) for h in doc.xpath("//a[contains(@class, 'md-skip')]/@href")]
    assert len(skip) <= 1, rel  # MkDocs has none on its 404 page, Zensical one
    skip = [u.path + "#" + u.fragment for u in skip]
    return sorted(link for link in _internal_links(site, rel) if link not in skip
                  and not link.startswith(("/assets/javascripts/", "/assets/stylesheets/")))


@pytest.fixture(scope="module")
def zensical_build(tree_site) -> tuple[Path, str]:
    """Zensical over tree_site's docs tree, then the post-build pass; returns the site and the log.

    Zensical wants docs_dir and site_dir inside the folder of its config, so the config sits in
    a project folder beside the docs tree, with data/, signed/, overrides/ and macros/ linked in.
    """
    assert ZENSICAL.is_file(), "Zensical mangler: kjør `make zensical-deps`"
    project = tree_site.parent / "zensical"
    project.mkdir()
    (tree_site.parent / "docs").rename(project / "docs")
    for name in ("mkdocs.yml", "overrides", "macros", "data", "signed"):
        if (ROOT / name).exists():
            os.symlink(ROOT / name, project / name)
    config = (ROOT / "mkdocs.tree.yml").read_text("utf-8")
    config = re.sub(r"(?m)^site_dir: .*$", "site_dir: site", re.sub(r"(?m)^docs_dir: .*$", "docs_dir: docs", config))
    (project / "mkdocs.tree.yml").write_text(config, "utf-8")
    # The macros module imports the engine from this checkout; Zensical's venv has its
    # dependencies but not the package itself.
    # (data/ is linked in from the checkout, outside the project folder: a build refuses such a
    # link from mkdocs.yml, and takes the folder when the operator names it.)
    env = _env(PYTHONPATH=str(ROOT), RUTINEBOK_DATA=str(ROOT / "data"))
    version = subprocess.run([str(ZENSICAL), "--version"], env=env, capture_output=True, text=True, check=False)
    done = subprocess.run([str(ZENSICAL), "build", "--strict", "-f", str(project / "mkdocs.tree.yml")],
                          cwd=project, env=env, capture_output=True, text=True, timeout=600, check=False)
    log = version.stdout + version.stderr + done.stdout + done.stderr
    assert done.returncode == 0, log
    post = _run(["-m", "rutinebok.postbuild", str(project / "site")], _env())
    log += post.stdout + post.stderr
    assert post.returncode == 0, log
    return project / "site", log


def test_zensical_is_the_pinned_version_and_builds_without_warnings(zensical_build):
    _site, log = zensical_build
    assert ZENSICAL_VERSION in log
    assert f"zensical=={ZENSICAL_VERSION}" in (ROOT / "requirements-zensical.lock").read_text("utf-8")
    assert "No issues found" in log and "Traceback" not in log


def test_zensical_builds_the_same_pages_with_the_same_content_and_links_as_mkdocs(tree_site, zensical_build):
    zsite = zensical_build[0]
    mk, zen = _pages(tree_site), _pages(zsite)
    assert set(zen) == set(mk) and len(mk) > 80
    # The generated files beside the pages are the same files; the theme's assets are not
    # (Zensical brings its own), and MkDocs also writes a sitemap.xml.gz.
    def files(site: Path) -> set[str]:
        return {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()
                and not p.relative_to(site).as_posix().startswith(("pagefind/", "assets/javascripts/",
                                                                   "assets/stylesheets/"))}
    # Zensical writes a search.json even with its search off; it lists no page.
    assert files(zsite) - files(tree_site) == {"search.json"}
    assert json.loads((zsite / "search.json").read_text("utf-8"))["items"] == []
    assert files(tree_site) - files(zsite) == {"sitemap.xml.gz"}
    for rel in ("kalender.ics", "assets/rutinebok.css", "assets/quick-exit.js"):
        assert (zsite / rel).read_bytes() == (tree_site / rel).read_bytes(), rel
    for rel in mk:
        a, b = _article(mk[rel]), _article(zen[rel])
        # Word for word the same content: Zensical renders the same Markdown with the same extensions.
        assert " ".join(b.text_content().split()) == " ".join(a.text_content().split()), rel
        assert _content_targets(b, rel) == _content_targets(a, rel), rel
        assert _theme_links(zsite, rel) == _theme_links(tree_site, rel), rel


def test_every_internal_link_of_the_zensical_build_resolves(zensical_build):
    zsite = zensical_build[0]
    checked = 0
    for rel in _pages(zsite):
        doc = lxml.html.fromstring(_pages(zsite)[rel].read_bytes())
        ids = set(doc.xpath("//@id"))
        for link in _internal_links(zsite, rel):
            path, _, fragment = link.partition("#")
            target = zsite / path.lstrip("/")
            if path.endswith("/") or target.is_dir():
                target = target / "index.html"
            assert target.is_file(), f"{rel}: {link}"
            if fragment and target == zsite / rel:
                assert fragment in ids, f"{rel}: {link}"
            checked += 1
    assert checked > 1000


def test_zensical_pages_have_the_routines_the_pass_and_the_quick_exit(zensical_build):
    zsite = zensical_build[0]
    from rutinebok.findings import Report
    from rutinebok.load import load_dataset

    ds = load_dataset(ROOT / "data", Report())
    assert len(ds.routines) > 3
    for rid, routine in ds.routines.items():
        page = zsite / "rutiner" / rid / "index.html"
        assert page.is_file(), rid
        h1 = " ".join(_article(page).xpath("string(.//h1)").split())
        assert h1 == " ".join(str(routine.title).split()), rid
    moss = (zsite / "rutiner" / "moss-krisesenter-nav" / "index.html").read_text("utf-8")
    assert 'href="tel:' in (zsite / "kontakter" / "index.html").read_text("utf-8")
    index = (zsite / "index.html").read_text("utf-8")
    # The macros ran under Zensical: the front page's emergency numbers.
    assert 'class="rb-emergency"' in index and 'href="tel:112"' in index
    # The post-build pass: policy filled with the inline scripts' hashes, markers gone, search index.
    assert re.search(r"script-src 'self' 'wasm-unsafe-eval' 'sha256-", index)
    assert (zsite / "pagefind" / "pagefind.js").is_file()
    assert "ordliste/" in moss and "data-label=" in (zsite / "frister" / "index.html").read_text("utf-8")
    # The theme printed where each page belongs, for a national site's search (search_index).
    assert re.search(r'<meta name="rb-areas" content="[^"]*moss-kommune', moss)
    for rel, path in _pages(zsite).items():
        text = path.read_text("utf-8")
        assert START not in text and END not in text, rel
        assert "rutinebok-policy" not in text and "rutinebok-inline-hashes" not in text, rel
        doc = lxml.html.fromstring(text)
        # The quick exit, first thing in the body, on every page (the 404 page too).
        exits = doc.xpath("//a[@data-quick-exit]")
        assert [a.get("href") for a in exits] == ["https://www.yr.no/"], rel
        assert doc.xpath("//script[contains(@src, 'quick-exit.js')]"), rel
        # One search box, Pagefind's (ours): Zensical's own search is switched off.
        assert not doc.xpath("//*[@data-md-component='search']"), rel
        # Nothing on the page is fetched from anywhere but the site itself.
        for el in doc.xpath("//script[@src]|//link[@rel='stylesheet']|//img[@src]|//iframe"):
            url = el.get("src") or el.get("href") or ""
            assert not urlparse(url).netloc, f"{rel}: {url}"


def test_zensical_pages_pass_axe_store_nothing_and_fit_a_phone(zensical_build, browser):
    import functools
    import socketserver
    import threading

    from .conftest import AXE, _QuietHandler

    zsite = zensical_build[0]
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(zsite)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        for width in (360, 1280):
            # Zensical's theme keeps a colour choice in localStorage unless the palette partials
            # are overridden (overrides/partials/palette.html): checked with the CSP in force.
            context = browser.new_context(viewport={"width": width, "height": 800}, locale="nb-NO")
            page = context.new_page()
            page.goto(base + "rutiner/moss-krisesenter-nav/")
            page.mouse.wheel(0, 1500)
            page.goto(base + "frister/")
            assert page.evaluate("() => [document.cookie, localStorage.length, sessionStorage.length]") == ["", 0, 0]
            context.close()
            context = browser.new_context(viewport={"width": width, "height": 800}, locale="nb-NO", bypass_csp=True)
            page = context.new_page()
            for path in ("", "rutiner/moss-krisesenter-nav/", "frister/", "veivisere/hvem-skal-vaere-koordinator/"):
                page.goto(base + path)
                assert page.evaluate("document.documentElement.scrollWidth") <= width, path
                assert page.locator("[data-quick-exit]").is_visible(), path
                page.evaluate(AXE.read_text("utf-8"))
                result = page.evaluate("""async () => await axe.run(document, {runOnly: {type: 'tag',
                    values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})""")
                violations = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
                assert violations == [], (width, path, violations)
            context.close()
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------- the post-build pass itself

ATTACK = ('<p>Hei</p><script>window.__pwned=1</script><img src=x onerror="alert(1)">'
          '<a href="javascript:alert(1)">x</a>' + END + '<script>window.__pwned=2</script>' + START +
          '<iframe src="https://evil.example"></iframe><p style="x">NAV</p>')


def _page(content: str) -> str:
    return ('<html><head><meta http-equiv="Content-Security-Policy" content="\'rutinebok-policy\'">'
            '<script>var theme=1</script></head><body><article>' + START + content + END +
            '</article><script src="x.js"></script></body></html>')


def test_the_pass_sanitises_everything_between_the_theme_markers_even_with_look_alike_markers():
    terms = [GlossaryTerm("NAV", "Arbeids- og velferdsforvaltningen", "Forklaring")]
    out = process_page(_page(ATTACK), "rutiner/x/", terms, [])
    body = out.split("<article>")[1].split("</article>")[0]
    assert "<script" not in body and "onerror" not in body and "javascript:" not in body
    assert "<iframe" not in body and "style=" not in body
    assert START not in out and END not in out
    assert 'href="../../ordliste/' in body  # the glossary term, linked from two levels down
    # Outside the content: the theme's own script stays, and the policy names its hash only.
    assert '<script>var theme=1</script>' in out and '<script src="x.js">' in out
    policy = re.search(r'content="(default-src[^"]+)"', out).group(1)
    assert policy.count("'sha256-") == 1 and "rutinebok" not in policy
    # Running the pass again changes nothing.
    assert process_page(out, "rutiner/x/", terms, []) == out


def test_the_pass_leaves_pages_without_markers_to_the_theme_and_skips_terms_on_the_glossary():
    terms = [GlossaryTerm("NAV", "Arbeids- og velferdsforvaltningen", "Forklaring")]
    plain = '<html><head></head><body><p>NAV <b onclick="x">y</b></p></body></html>'
    assert process_page(plain, "404.html", terms, []) == plain
    glossary = process_page(_page("<p>NAV</p>"), "ordliste/", terms, [])
    assert "<p>NAV</p>" in glossary


# ---------------------------------------------------------------- settings and failures


def test_a_misspelt_setting_stops_the_build_with_its_line_and_the_likely_key(tmp_path):
    config = tmp_path / "mkdocs.yml"
    text = (ROOT / "mkdocs.yml").read_text("utf-8").replace("    data: data\n", "    data: data\n    pdff: false\n")
    config.write_text(text, "utf-8")
    line = text.splitlines().index("    pdff: false") + 1
    with pytest.raises(SiteError) as err:
        read_settings({"data": "data", "pdff": False, "quick_exit_url": "u", "quick_exit_label": "l"}, config)
    assert str(err.value) == f"mkdocs.yml:{line}:5: extra.rutinebok.pdff: ukjent innstilling; mente du «pdf»?"
    with pytest.raises(SiteError, match=r"extra\.rutinebok\.pdf: ugyldig verdi"):
        read_settings({"pdf": "nei", "quick_exit_url": "u", "quick_exit_label": "l"}, config)
    # The real build refuses it too, before writing anything.
    (tmp_path / "project").mkdir()
    for name in ("content", "overrides", "macros"):
        os.symlink(ROOT / name, tmp_path / "project" / name)
    os.symlink(ROOT / "data", tmp_path / "project" / "data")
    (tmp_path / "project" / "mkdocs.yml").write_text(text, "utf-8")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
                          cwd=tmp_path / "project", env=_env(), capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode != 0
    assert "extra.rutinebok.pdff: ukjent innstilling; mente du «pdf»?" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert not (tmp_path / "site").exists()


def test_a_failed_write_leaves_the_old_tree_and_says_why(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("forrige versjon", "utf-8")
    data = copy_data(tmp_path / "data")
    routine = data / "routines" / "moss-krisesenter-nav.yml"
    routine.write_text(routine.read_text("utf-8").replace("actor: bruker", "actor: brukr", 1), "utf-8")
    done = _run(["-m", "rutinebok.site", "write", str(docs), "--no-pdf"], _env(RUTINEBOK_DATA=str(data)))
    log = done.stdout + done.stderr
    assert done.returncode == 1
    assert "moss-krisesenter-nav.yml:" in log and "mente du «bruker»" in log and "Traceback" not in log
    assert [p.name for p in docs.iterdir()] == ["index.md"]
    assert (docs / "index.md").read_text("utf-8") == "forrige versjon"
    assert not (tmp_path / "docs.new").exists()


def test_a_draft_tree_marks_every_page_and_keeps_front_matter(tmp_path):
    docs = tmp_path / "docs"
    done = _run(["-m", "rutinebok.site", "write", str(docs), "--no-pdf", "--draft"], _env())
    assert done.returncode == 0, done.stdout + done.stderr
    pages = list(docs.rglob("*.md"))
    assert len(pages) > 80
    for md in pages:
        text = md.read_text("utf-8")
        assert "Utkast – ikke for signering" in text, md
    front = (docs / "index.md").read_text("utf-8")
    assert front.startswith("---\nrender_macros: true\n") and front.index("Utkast") > front.index("\n---\n")
    assert not (docs / "pdf").exists()


# ---------------------------------------------------------------- the edit loop of `make serve`


def test_serve_rebuilds_a_changed_routine_and_the_pages_that_show_it(tmp_path):
    import signal
    import socket
    import time
    import urllib.request

    data = copy_data(tmp_path / "data")
    config = tmp_path / "mkdocs.yml"
    config.write_text((ROOT / "mkdocs.yml").read_text("utf-8")
                      .replace("docs_dir: content", f"docs_dir: {ROOT / 'content'}")
                      .replace("custom_dir: overrides", f"custom_dir: {ROOT / 'overrides'}")
                      .replace("module_name: macros/main", f"module_name: {ROOT / 'macros' / 'main'}")
                      .replace("    data: data\n", "    data: data\n    pdf: false\n"), "utf-8")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}/"

    def get(path: str) -> str:
        try:
            with urllib.request.urlopen(base + path, timeout=5) as r:
                return r.read().decode("utf-8")
        except OSError:
            return ""

    def wait(pred, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if pred():
                return True
            time.sleep(0.2)
        return False

    log = tmp_path / "serve.log"
    with open(log, "w", encoding="utf-8") as out:
        # Ctrl-C stops the server. A shell that started these tests in the background may have
        # made them ignore it, and an ignored signal stays ignored in a child: while the server
        # starts, this process handles it instead (a handled signal is reset in the child).
        before = signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "--strict", "--dirty", "-f",
                                       str(config), "--dev-addr", f"127.0.0.1:{port}"], cwd=ROOT, stdout=out,
                                      stderr=subprocess.STDOUT, env=_env(RUTINEBOK_DATA=str(data)),
                                      start_new_session=True)
        finally:
            signal.signal(signal.SIGINT, before)
        try:
            assert wait(lambda: "<h1" in get("rutiner/moss-krisesenter-nav/"), 300), log.read_text("utf-8")
            def article(path: str) -> str:  # the served page without the live-reload script
                return get(path).split("<article", 1)[-1].split("</article>", 1)[0]

            other = article("organisasjoner/alarmtelefonen/")
            routine = data / "routines" / "moss-krisesenter-nav.yml"
            text = routine.read_text("utf-8")
            title = re.search(r"(?m)^title: (.*)$", text).group(1)
            routine.write_text(text.replace(f"title: {title}", "title: Ny tittel for testen zebrafisktittel", 1), "utf-8")
            assert wait(lambda: "Ny tittel for testen" in get("rutiner/moss-krisesenter-nav/"), 120), \
                log.read_text("utf-8")
            # The pages that list the routine are rebuilt with it, not left stale by --dirty.
            assert wait(lambda: "Ny tittel for testen" in get("rutiner/"), 30)
            assert "Utkast – ikke for signering" in get("rutiner/moss-krisesenter-nav/")
            assert other and article("organisasjoner/alarmtelefonen/") == other
            assert START not in get("rutiner/moss-krisesenter-nav/")
            # The search index follows in a process of its own (rutinebok.preview), after each build.
            assert wait(lambda: '"zebrafisktittel"' in get("pagefind/vocab/ze.json"), 120), log.read_text("utf-8")
            assert "pagefind" in get("pagefind/pagefind.js").lower()
        finally:
            os.killpg(server.pid, signal.SIGINT)
            server.wait(timeout=30)
    served = log.read_text("utf-8")
    assert served.count("Documentation built") >= 2 and "Aborted" not in served and "Traceback" not in served
    # A rebuild logs the warnings that are new, and a count of the others.
    warned = [line for line in served.splitlines() if re.search(r"\.ya?ml:\d+:\d+: advarsel RB\d{3}", line)]
    assert warned and len(warned) == len(set(warned)), "a warning was logged again after a save"
    assert "advarsler som er vist før" in served


def test_the_preview_process_makes_the_pdfs_and_the_search_index(tmp_path, site_dir):
    """What `make serve` leaves to rutinebok.preview after a build: every routine's PDF copied
    into the served site, and the search index; a process of its own, so the next rebuild does
    not share an interpreter with it."""
    import shutil

    data = copy_data(tmp_path / "data")
    site = tmp_path / "site"
    shutil.copytree(site_dir, site, ignore=shutil.ignore_patterns("pdf", "pagefind"))
    config = tmp_path / "mkdocs.yml"
    config.write_text((ROOT / "mkdocs.yml").read_text("utf-8")
                      .replace("docs_dir: content", f"docs_dir: {ROOT / 'content'}")
                      .replace("    data: data\n", f"    data: data\n    pdf_cache: {tmp_path / 'pdf-cache'}\n"),
                      "utf-8")
    done = subprocess.run([sys.executable, "-m", "rutinebok.preview", str(config), str(site), "--pdf"],
                          check=False, env=_env(RUTINEBOK_DATA=str(data)), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    routines = sorted(p.stem for p in (data / "routines").glob("*.yml"))
    assert sorted(p.stem for p in (site / "pdf").glob("*.pdf")) == routines
    assert all((site / "pdf" / f"{rid}.pdf").read_bytes().startswith(b"%PDF-") for rid in routines)
    assert (site / "pagefind" / "pagefind.js").is_file()
    assert "Traceback" not in done.stderr


def test_a_stopped_preview_keeps_the_pdfs_it_made_and_leaves_nothing_running(tmp_path, site_dir, monkeypatch):
    """The next save stops the preview process: the PDFs it finished are in the cache's manifest
    (they are not made again), and neither it nor a Pagefind it started keeps running."""
    import json
    import shutil
    import time

    from rutinebok.mkdocs_plugin import RutinebokPlugin

    data = copy_data(tmp_path / "data")
    site = tmp_path / "site"
    shutil.copytree(site_dir, site, ignore=shutil.ignore_patterns("pdf", "pagefind"))
    cache = tmp_path / "pdf-cache"
    config = tmp_path / "mkdocs.yml"
    config.write_text((ROOT / "mkdocs.yml").read_text("utf-8")
                      .replace("docs_dir: content", f"docs_dir: {ROOT / 'content'}")
                      .replace("    data: data\n", f"    data: data\n    pdf_cache: {cache}\n"), "utf-8")
    for key, value in _env(RUTINEBOK_DATA=str(data)).items():
        monkeypatch.setenv(key, value)
    plugin = RutinebokPlugin()
    plugin._start_background(config, site, pdf=True)
    proc = plugin._background
    deadline = time.monotonic() + 300
    while not list(cache.glob("*.pdf")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    made = {p.stem for p in cache.glob("*.pdf")}
    assert made, "no PDF was made"
    plugin._stop_background()
    assert proc.returncode is not None
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)  # nothing of its process group is left
    manifest = json.loads((cache / ".rutinebok-pdf.json").read_text("utf-8"))
    assert made <= set(manifest["routines"])
