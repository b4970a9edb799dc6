"""The builder-agnostic pipeline: the engine writes a docs tree, a builder that runs none of our
MkDocs plugins builds it (mkdocs.tree.yml: what Zensical sees), and one post-build pass makes
the result the same site as `mkdocs build` with the plugin."""

from __future__ import annotations

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
        # Nothing of ours depends on the builder running our plugin: the pages are the same.
        assert tree_pages[rel].read_bytes() == plugin_pages[rel].read_bytes(), rel


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
        server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "--strict", "--dirty", "-f", str(config),
                                   "--dev-addr", f"127.0.0.1:{port}"], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                  env=_env(RUTINEBOK_DATA=str(data)), start_new_session=True)
        try:
            assert wait(lambda: "<h1" in get("rutiner/moss-krisesenter-nav/"), 300), log.read_text("utf-8")
            def article(path: str) -> str:  # the served page without the live-reload script
                return get(path).split("<article", 1)[-1].split("</article>", 1)[0]

            other = article("organisasjoner/alarmtelefonen/")
            routine = data / "routines" / "moss-krisesenter-nav.yml"
            text = routine.read_text("utf-8")
            title = re.search(r"(?m)^title: (.*)$", text).group(1)
            routine.write_text(text.replace(f"title: {title}", "title: Ny tittel for testen", 1), "utf-8")
            assert wait(lambda: "Ny tittel for testen" in get("rutiner/moss-krisesenter-nav/"), 120), \
                log.read_text("utf-8")
            # The pages that list the routine are rebuilt with it, not left stale by --dirty.
            assert wait(lambda: "Ny tittel for testen" in get("rutiner/"), 30)
            assert "Utkast – ikke for signering" in get("rutiner/moss-krisesenter-nav/")
            assert other and article("organisasjoner/alarmtelefonen/") == other
            assert START not in get("rutiner/moss-krisesenter-nav/")
        finally:
            os.killpg(server.pid, signal.SIGINT)
            server.wait(timeout=30)
    served = log.read_text("utf-8")
    assert served.count("Documentation built") >= 2 and "Aborted" not in served and "Traceback" not in served
