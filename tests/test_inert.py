"""Issue 9, one fixture per reported case: each gets its exact finding (file:line:column and
code), or, where the value is allowed text, is shown as text (see test_inert_property.py
for every field and every output)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rutinebok.cli import main

from .conftest import ROOT, TODAY

ROUTINE = "data/routines/moss-krisesenter-nav.yml"


@pytest.fixture()
def repo(tmp_path) -> Path:
    """A repository-shaped copy: data/, signed/ and the asset folder."""
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "data", root / "data")
    (root / "signed" / "moss-krisesenter-nav").mkdir(parents=True)
    (root / "content" / "assets" / "bilder").mkdir(parents=True)
    return root


def patch(repo: Path, rel: str, old: str, new: str) -> None:
    path = repo / rel
    text = path.read_text("utf-8")
    assert old in text, f"{rel}: «{old}» not found"
    path.write_text(text.replace(old, new, 1), "utf-8")


def check(repo: Path, capsys) -> tuple[int, list[dict], str]:
    code = main(["check", "--data", str(repo / "data"), "--today", TODAY.isoformat(), "--format", "json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, json.loads(out)["findings"], out


def at(findings: list[dict], code: str, file: str, line: int = 0, column: int = 0) -> dict:
    hits = [f for f in findings if f["code"] == code and f["file"] == file
            and (not line or (f["line"], f["column"]) == (line, column))]
    assert hits, f"no {code} at {file}:{line}:{column} in:\n" + "\n".join(
        f"{f['file']}:{f['line']}:{f['column']} {f['code']} {f['message']}" for f in findings
        if f["severity"] == "error" or f["code"] >= "RB050")
    return hits[0]


def _title(repo, value):
    patch(repo, ROUTINE, "title: ",
          "title: " + json.dumps(value, ensure_ascii=False) + " # ")


def _summary(repo, value):
    patch(repo, ROUTINE, "summary: >-\n", "summary: " + json.dumps(value, ensure_ascii=False) + "\nx_old: >-\n")
    text = (repo / ROUTINE).read_text("utf-8")
    import re

    (repo / ROUTINE).write_text(re.sub(r"x_old: >-\n(  .*\n)+", "", text), "utf-8")


# (case, how to make it, (code, file, line, column))
CASES = [
    ("email-with-markup",
     lambda r: patch(r, "data/organisations/nav-moss.yml", "email: nav.moss@nav.no",
                     "email: x<img/src/onerror=alert(1)>@nav.no"),
     ("RB009", "data/organisations/nav-moss.yml", 13, 12)),
    ("web-with-attribute-breakout",
     lambda r: patch(r, "data/organisations/alarmtelefonen.yml", "web: https://www.116111.no",
                     "web: 'https://www.116111.no/\"><img src=x onerror=alert(1)>'"),
     ("RB009", "data/organisations/alarmtelefonen.yml", 17, 10)),
    ("web-with-space",
     lambda r: patch(r, "data/organisations/alarmtelefonen.yml", "web: https://www.116111.no",
                     "web: https://www.116111.no/ x"),
     ("RB009", "data/organisations/alarmtelefonen.yml", 17, 10)),
    ("javascript-link-with-space-in-title",
     lambda r: _title(r, "Rutine [klikk]( javascript:alert(1))"), ("RB050", ROUTINE, 4, 8)),
    ("javascript-link-with-newline",
     lambda r: _summary(r, "Se [her](\njavascript:alert(1))."), ("RB050", ROUTINE, 6, 10)),
    ("reference-style-definition",
     lambda r: _summary(r, "Se [her][x].\n\n[x]: javascript:alert(1)"), ("RB050", ROUTINE, 6, 10)),
    ("entity-encoded-scheme",
     lambda r: _summary(r, "Se [her](&#106;avascript&#58;alert(1))."), ("RB050", ROUTINE, 6, 10)),
    ("tab-inside-scheme",
     lambda r: _summary(r, "Se [her](java&#9;script:alert(1))."), ("RB050", ROUTINE, 6, 10)),
    ("data-url-link",
     lambda r: _summary(r, "Se [her](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)."),
     ("RB050", ROUTINE, 6, 10)),
    ("link-to-a-local-file",
     lambda r: _summary(r, "Se [her](../../etc/passwd)."), ("RB050", ROUTINE, 6, 10)),
    ("javascript-link-in-glossary",
     lambda r: patch(r, "data/glossary.yml", "explanation: Et selskap", "explanation: '[x]( javascript:alert(1))' # "),
     ("RB050", "data/glossary.yml", 12, 18)),
    ("javascript-link-in-tree-answer",
     lambda r: patch(r, "data/trees/hvem-skal-vaere-koordinator.yml", "label: Ja",
                     "label: '[Ja]( javascript:alert(1))'"),
     ("RB050", "data/trees/hvem-skal-vaere-koordinator.yml", 18, 16)),
    ("image-from-the-build-machine",
     lambda r: _summary(r, "Kart: ![kart](http://127.0.0.1:9/kart.png)"), ("RB051", ROUTINE, 6, 10)),
    ("image-from-a-local-file",
     lambda r: _summary(r, "Kart: ![kart](file:///etc/hostname)"), ("RB051", ROUTINE, 6, 10)),
    ("image-by-absolute-path",
     lambda r: _summary(r, "Kart: ![kart](/etc/hostname)"), ("RB051", ROUTINE, 6, 10)),
    ("image-out-of-the-asset-folder",
     lambda r: _summary(r, "Kart: ![kart](bilder/../../../etc/hostname)"), ("RB051", ROUTINE, 6, 10)),
    ("remote-image-reference-style",
     lambda r: _summary(r, "Kart: ![kart][k]\n\n[k]: https://sporing.example/piksel.png"),
     ("RB051", ROUTINE, 6, 10)),
    ("ansi-escape-in-a-value",
     lambda r: patch(r, "data/roles/nav-leder.yml", "name: ", 'name: "\\e[2J\\e[1;1H0 feil" # '),
     ("RB053", "data/roles/nav-leder.yml", 0, 0)),
    ("nul-in-a-value",
     lambda r: patch(r, "data/roles/nav-leder.yml", "name: ", 'name: "NAV\\0leder" # '),
     ("RB053", "data/roles/nav-leder.yml", 0, 0)),
    ("c1-control-in-a-value",
     lambda r: patch(r, "data/roles/nav-leder.yml", "name: ", 'name: "NAV\\x9bleder" # '),
     ("RB053", "data/roles/nav-leder.yml", 0, 0)),
]


@pytest.mark.parametrize("case,make,expect", CASES, ids=[c[0] for c in CASES])
def test_each_case_gets_its_finding(case, make, expect, repo, capsys):
    make(repo)
    code, findings, _ = check(repo, capsys)
    assert code == 1
    f = at(findings, *expect)
    assert f["severity"] == "error" and f["message"]


def test_bidi_control_is_a_warning_with_position(repo, capsys):
    patch(repo, "data/roles/nav-leder.yml", "name: ", 'name: "NAV-\\u202eredel" # ')
    _, findings, _ = check(repo, capsys)
    f = at(findings, "RB054", "data/roles/nav-leder.yml")
    assert f["severity"] == "warning" and f["line"] > 0 and "U+202E" in f["message"]


def test_check_output_cannot_rewrite_the_terminal(repo, capsys):
    patch(repo, "data/roles/nav-leder.yml", "organisation_kinds: [", 'organisation_kinds: ["\\e[2J\\e[1;1H0 feil\\u202e\\x9b", ')
    assert main(["check", "--data", str(repo / "data"), "--today", TODAY.isoformat()]) == 1
    out = capsys.readouterr().out
    assert "\\x1b[2J" in out  # shown, harmless
    assert not any(c in out for c in "\x1b\x9b\u202e\x00\r")
    assert main(["check", "--data", str(repo / "data"), "--today", TODAY.isoformat(), "--format", "json"]) == 1
    out = capsys.readouterr().out
    assert not any(c in out for c in "\x1b\x9b\u202e\x00\r") and "\\u001b" not in out


# ---------------------------------------------------------------- files


def test_symlink_in_data_pointing_outside_is_not_read(repo, tmp_path, capsys):
    outside = tmp_path / "hemmelig.yml"
    outside.write_text("id: utenfor\nname: HEMMELIG\nsource: {document: seed-000}\n", "utf-8")
    (repo / "data" / "roles" / "utenfor.yml").symlink_to(outside)
    (repo / "data" / "roles" / "innenfor.yml").symlink_to(repo / "data" / "roles" / "nav-leder.yml")
    code, findings, out = check(repo, capsys)
    assert code == 1 and "HEMMELIG" not in out
    at(findings, "RB052", "data/roles/utenfor.yml")
    at(findings, "RB052", "data/roles/innenfor.yml")


def test_symlinked_folder_in_data_is_not_followed(repo, tmp_path, capsys):
    (tmp_path / "ute").mkdir()
    (tmp_path / "ute" / "x.yml").write_text("id: x\nname: HEMMELIG\nsource: {document: seed-000}\n", "utf-8")
    (repo / "data" / "roles" / "mappe").symlink_to(tmp_path / "ute")
    code, findings, out = check(repo, capsys)
    assert code == 1 and "HEMMELIG" not in out
    at(findings, "RB052", "data/roles/mappe")


def test_a_data_folder_linked_out_of_the_repository_is_not_read(repo, tmp_path, capsys, monkeypatch):
    """A pull request can replace data/ itself with a link (here to a folder outside, holding a
    role named HEMMELIG): `rutinebok check` and the site build refuse it, saying so, before
    reading a file. RUTINEBOK_DATA, the operator's own choice of folder, is not refused."""
    from rutinebok.site import Project, SiteError

    outside = tmp_path / "ute"
    shutil.move(repo / "data", outside)
    (outside / "roles" / "hemmelig.yml").write_text("id: hemmelig\nname: HEMMELIG\nsource: {document: seed-000}\n",
                                                   "utf-8")
    (repo / "data").symlink_to(outside)
    shutil.copy(ROOT / "mkdocs.yml", repo / "mkdocs.yml")
    monkeypatch.delenv("RUTINEBOK_DATA", raising=False)
    monkeypatch.chdir(repo)
    assert main(["check", "--today", TODAY.isoformat()]) == 1
    captured = capsys.readouterr()
    assert "symbolsk lenke ut av repoet" in captured.err and "HEMMELIG" not in captured.out + captured.err
    assert "Traceback" not in captured.err
    with pytest.raises(SiteError, match="symbolsk lenke ut av repoet.*Nettstedet ble ikke bygget"):
        Project.from_mkdocs(repo / "mkdocs.yml", serve=True)
    monkeypatch.setenv("RUTINEBOK_DATA", str(outside))
    assert Project.from_mkdocs(repo / "mkdocs.yml", serve=True).data_dir == outside


DATA_COMMANDS = [  # every command with the repository's data folder as its default, and its exit code
    (["pdf", "moss-krisesenter-nav", "--site-url", "https://rutinebok.example/"], 2),  # as a missing folder
    (["sign", "x.pdf", "--party", "nav-moss", "--p12", "x.p12"], 2),  # usage: 1 says a signature is broken
    (["verify", "x.pdf"], 2),
    (["schema"], 1),
    (["facts"], 2),
    (["new", "role", "ny-rolle"], 1),
    (["codeowners"], 1),
]


@pytest.mark.parametrize(("command", "exit_code"), DATA_COMMANDS, ids=[c[0][0] for c in DATA_COMMANDS])
def test_every_command_refuses_a_data_folder_linked_out_of_the_repository(repo, tmp_path, capsys, monkeypatch,
                                                                         command, exit_code):
    """Not only `check` and the site build: each command that reads (pdf, sign, verify, facts,
    codeowners; diff below) or writes (schema rewrites each file's first line, new adds a file) the default
    data folder refuses one that is a link out of the repository, before touching it. The
    folder outside is left as it was, and --data names a folder explicitly."""
    outside = tmp_path / "ute"
    shutil.move(repo / "data", outside)
    secret = outside / "roles" / "hemmelig.yml"
    secret.write_text("id: hemmelig\nname: HEMMELIG\nsource: {document: seed-000}\n", "utf-8")
    before = {f: f.read_bytes() for f in outside.rglob("*") if f.is_file()}
    (repo / "data").symlink_to(outside)
    monkeypatch.delenv("RUTINEBOK_DATA", raising=False)
    monkeypatch.chdir(repo)
    code = main(command)
    captured = capsys.readouterr()
    assert code == exit_code, captured.err
    assert "symbolsk lenke ut av repoet" in captured.err, captured.err
    assert "HEMMELIG" not in captured.out + captured.err and "Traceback" not in captured.err
    assert {f: f.read_bytes() for f in outside.rglob("*") if f.is_file()} == before
    assert not (repo / "build" / "pdf").exists() and not (repo / "site" / "pdf").exists()


def test_diff_refuses_a_data_folder_linked_out_of_the_repository(repo, tmp_path, capsys, monkeypatch):
    """`rutinebok diff` reads the working tree's data folder and, through `git archive`, the
    folder at each revision: a link out of the repository is refused in both places, as a
    user error (exit 1) without a traceback, and nothing behind the link is read."""
    import subprocess

    def git(*args):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("-c", "user.email=t@example.invalid", "-c", "user.name=T", "add", "-A")
    git("-c", "user.email=t@example.invalid", "-c", "user.name=T", "commit", "-q", "-m", "start")
    outside = tmp_path / "ute"
    shutil.move(repo / "data", outside)
    (outside / "roles" / "hemmelig.yml").write_text("id: hemmelig\nname: HEMMELIG\nsource: {document: seed-000}\n",
                                                   "utf-8")
    (repo / "data").symlink_to(outside)
    monkeypatch.chdir(repo)
    for args, says in ((["diff", "HEAD"], "symbolsk lenke ut av repoet"),):
        assert main(args) == 1
        captured = capsys.readouterr()
        assert says in captured.err and "HEMMELIG" not in captured.out + captured.err, captured.err
        assert "Traceback" not in captured.err and "intern feil" not in captured.err
    git("-c", "user.email=t@example.invalid", "-c", "user.name=T", "add", "-A")
    git("-c", "user.email=t@example.invalid", "-c", "user.name=T", "commit", "-q", "-m", "data as a link")
    assert main(["diff", "HEAD~1", "HEAD"]) == 1
    captured = capsys.readouterr()
    assert "peker ut av repoet" in captured.err and "HEMMELIG" not in captured.out + captured.err, captured.err
    assert "Traceback" not in captured.err and "intern feil" not in captured.err


def test_odd_names_and_symlinks_in_signed_are_findings(repo, capsys):
    folder = repo / "signed" / "moss-krisesenter-nav"
    (folder / "<svg onload=alert(1)>.pdf").write_bytes(b"%PDF-1.7\n")
    (folder / "lenke.pdf").symlink_to("/etc/hostname")
    code, findings, out = check(repo, capsys)
    assert code == 1
    at(findings, "RB052", "signed/moss-krisesenter-nav/<svg onload=alert(1)>.pdf")
    at(findings, "RB052", "signed/moss-krisesenter-nav/lenke.pdf")
    assert str(repo) not in out  # no path of the build machine


def test_signed_enumeration_keeps_only_regular_well_named_files(repo):
    from rutinebok.safefiles import signed_pdfs

    folder = repo / "signed" / "moss-krisesenter-nav"
    (folder / "moss-krisesenter-nav.pdf").write_bytes(b"%PDF-1.7\n")
    (folder / "<svg onload=alert(1)>.pdf").write_bytes(b"%PDF-1.7\n")
    (folder / "lenke.pdf").symlink_to(folder / "moss-krisesenter-nav.pdf")
    (folder / "mappe.pdf").mkdir()
    good, problems = signed_pdfs(folder, repo)
    assert [p.name for p in good] == ["moss-krisesenter-nav.pdf"]
    assert sorted(p.name for p, _ in problems) == ["<svg onload=alert(1)>.pdf", "lenke.pdf", "mappe.pdf"]


def test_deep_nesting_is_an_error_not_a_crash(repo):
    (repo / "data" / "roles" / "dyp.yml").write_text(
        "id: dyp\nname: Dyp\nalso_called: " + "[" * 30000 + "]" * 30000 + "\nsource: {document: seed-000}\n")
    (repo / "data" / "roles" / "dyp2.yml").write_text(
        "id: dyp2\nname: Dyp\nalso_called:\n" + "- " * 30000 + "x\nsource: {document: seed-000}\n")
    # In a subprocess: before the fix this was a segmentation fault (exit -11).
    result = subprocess.run([sys.executable, "-m", "rutinebok", "check", "--data", str(repo / "data"),
                             "--today", TODAY.isoformat(), "--format", "json"],
                            capture_output=True, text=True, timeout=120, cwd=repo, check=False)
    assert result.returncode == 1, (result.returncode, result.stderr[-500:])
    findings = json.loads(result.stdout)["findings"]
    at(findings, "RB055", "data/roles/dyp.yml", 3, 78)
    at(findings, "RB055", "data/roles/dyp2.yml", 4, 129)


# ---------------------------------------------------------------- diagrams and signed copies


def test_html_like_tree_label_is_plain_text_in_the_svg(real):
    from rutinebok.diagram import tree_svg

    ds = real[0]
    tree = ds.trees["hvilket-nav-kontor"].model_copy(deep=True)
    questions = [n for n in tree.nodes if n.question]
    questions[0].question = '<<TABLE HREF="javascript:alert(7)"> <TR> <TD>x</TD> </TR> </TABLE>>'
    questions[1].question = "<<B>ødelagt</I>> \\N \\l"
    svg = tree_svg(tree)
    assert "href" not in svg and "<TABLE" not in svg and "<B>" not in svg
    assert "&gt;&lt;TR&gt;" not in svg and "&lt;&lt;TABLE" in svg and "HREF=&quot;javascript:alert(7)&quot;&gt;" in svg
    assert "&lt;&lt;B&gt;ødelagt&lt;/I&gt;&gt; \\N \\l" in svg


def test_a_diagram_graphviz_cannot_draw_is_a_check_error_and_no_crash(repo, capsys, monkeypatch):
    import graphviz

    from rutinebok import diagram

    def fail(source):
        raise graphviz.CalledProcessError(1, ["dot"], stderr="Error: syntax error in line 3")

    diagram._svg_cached.cache_clear()
    monkeypatch.setattr(diagram, "_svg_cached", fail)
    code, findings, _ = check(repo, capsys)
    assert code == 1
    f = at(findings, "RB056", "data/trees/hvem-skal-vaere-koordinator.yml")
    assert f["line"] > 0 and "Graphviz" in f["message"]
    # The PDF command refuses bad data with its usual error, not an internal error (exit 3).
    assert main(["pdf", "moss-krisesenter-nav", "--data", str(repo / "data"), "--out", str(repo / "pdf")]) == 1
    assert "intern feil" not in capsys.readouterr().err


def test_signed_copy_with_an_unknown_party_field_does_not_crash_the_pages(real):
    from rutinebok.render import SiteOptions, SiteRenderer

    ds, _, findings = real
    r = SiteRenderer(ds, findings, SiteOptions(today=TODAY))
    r.signed = {"moss-krisesenter-nav": [{
        "file": "moss-krisesenter-nav.pdf", "unsigned": [], "changed_since_signing": False, "version": 1,
        "signatures": [{"party": "ukjent/x", "signer": "<b>X</b>", "when": "2026-01-01T00:00:00",
                        "intact": True, "changes_ok": True},
                       {"party": "nav-moss/finnes-ikke", "signer": "Y", "when": None, "intact": True,
                        "changes_ok": True}]}]}
    page = r.pages()["rutiner/moss-krisesenter-nav.md"]
    assert "ukjent/x: signert av &lt;b&gt;X&lt;/b&gt;" in page


def test_pdf_fetcher_serves_only_the_projects_files(tmp_path):
    from rutinebok.pdf import FONT_DIR, TEMPLATES, project_url_fetcher

    fetcher = project_url_fetcher()
    css = fetcher.fetch((TEMPLATES / "print.css").as_uri())
    assert css.read()[:10]
    css.close()
    font = next(FONT_DIR.glob("*.ttf"))
    fetcher.fetch(font.as_uri()).close()
    outside = tmp_path / "canary.png"
    outside.write_bytes(b"\x89PNG")
    (TEMPLATES.parent / "x").exists()
    for url in [outside.as_uri(), "file:///etc/hostname", (TEMPLATES / ".." / ".." / ".." / "pyproject.toml").as_uri(),
                "http://127.0.0.1:9/x.png", "https://example.org/x.png", "ftp://127.0.0.1/x"]:
        with pytest.raises(ValueError):
            fetcher.fetch(url)


@pytest.mark.parametrize("url,verdict", [
    ("https://nav.no", "ok"), ("mailto:a@b.no", "ok"), ("tel:+4769", "ok"), ("#x", "relative"),
    ("@nav-moss", "relative"), ("javascript:alert(1)", "unsafe"), (" javascript:alert(1)", "unsafe"),
    ("\njavascript:alert(1)", "unsafe"), ("java\tscript:alert(1)", "unsafe"), ("JaVaScRiPt:alert(1)", "unsafe"),
    ("&#106;avascript:alert(1)", "unsafe"), ("javascript&colon;alert(1)", "unsafe"),
    ("&amp;#106;avascript:alert(1)", "unsafe"), ("java\u200bscript:alert(1)", "unsafe"),
    ("data:text/html,x", "unsafe"), ("vbscript:x", "unsafe"), ("//evil.example/x", "unsafe"),
    ("\\\\evil.example\\x", "unsafe"), ("file:///etc/passwd", "unsafe"),
])
def test_url_verdicts(url, verdict):
    from rutinebok.escape import url_verdict

    assert url_verdict(url) == verdict


def test_norwegian_text_with_special_characters_reads_the_same_on_the_page(tmp_path):
    """Escaping for Markdown and autoescaping compose: no «&amp;amp;» for readers."""
    from .conftest import build_site, copy_data

    text = "Bø & Sauherad <kommune> «\"sitat\"» 'én' æøå ÆØÅ 50 % {x} [y] #1 &amp; &#65;"
    data = copy_data(tmp_path / "data")
    path = data / "organisations" / "nav-moss.yml"
    t = path.read_text("utf-8")
    path.write_text(t.replace("name: ", "name: " + json.dumps(text, ensure_ascii=False) + " # ", 1), "utf-8")
    out = tmp_path / "site"
    result = build_site(out, data=data)
    assert result.returncode == 0, result.stderr[-2000:]
    from .inert_scan import visible_text

    for page in ["organisasjoner/nav-moss/index.html", "kontakter/index.html", "rutiner/moss-krisesenter-nav/index.html"]:
        html = (out / page).read_text("utf-8")
        assert text in visible_text(html), page
        assert "&amp;amp;amp;" not in html and "&amp;lt;" not in html and "&amp;#34;" not in html
    # The search index is made from these same pages (rutinebok.search_index, after the build).
    assert (out / "pagefind").is_dir()


# ---------------------------------------------------------------- Content-Security-Policy


def test_every_page_has_a_strict_csp_first_in_head(site_dir):
    import re

    from rutinebok.csp import script_hashes

    pages = sorted(site_dir.rglob("*.html"))
    assert len(pages) > 50
    for page in pages:
        html = page.read_text("utf-8")
        head = html[: html.index("</head>")]
        m = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', head)
        assert m, page
        policy = m.group(1)
        assert "unsafe-inline" not in policy and "rutinebok-inline-hashes" not in policy and "*" not in policy
        assert "default-src 'none'" in policy
        # Pagefind's search needs WebAssembly ('wasm-unsafe-eval'); no other script source.
        assert re.search(r"script-src 'self' 'wasm-unsafe-eval' 'sha256-", policy), policy
        # It comes before any script, and allows exactly the page's own inline scripts.
        assert head.index("Content-Security-Policy") < head.find("<script") or "<script" not in head
        assert sorted(re.findall(r"'sha256-[^']+'", policy)) == sorted(script_hashes(html))


def test_pages_work_under_the_csp_without_violations(browser, site_url):
    """Search, a guide and the quick exit, with the browser reporting any CSP violation."""
    context = browser.new_context()
    context.add_init_script("window.__csp = []; document.addEventListener('securitypolicyviolation',"
                            " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")
    context.route("https://www.yr.no/**", lambda route: route.fulfill(status=200, content_type="text/html",
                                                                      body="<title>Været</title>"))
    page = context.new_page()
    console = []
    page.on("console", lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None)
    try:
        page.goto(site_url + "/")
        page.locator("#rb-search-input").click()
        page.locator("#rb-search-input").press_sequentially("nødhjelp", delay=20)
        page.locator("#rb-search-results a").first.wait_for(timeout=10_000)
        assert page.evaluate("window.__csp") == []
        page.goto(site_url + "/veivisere/hvilket-nav-kontor/")
        page.locator(".rb-node:visible a.rb-option").first.click()
        page.wait_for_timeout(200)
        assert page.locator(".rb-guide__answers li").count() == 1  # guide.js ran
        assert page.evaluate("window.__csp") == []
        page.goto(site_url + "/rutiner/moss-krisesenter-nav/")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__csp") == []
        page.locator("[data-quick-exit]").first.click()
        page.wait_for_url("https://www.yr.no/")
        assert console == [], console
    finally:
        context.close()


def test_an_image_from_the_asset_folder_is_allowed(repo, capsys):
    (repo / "content" / "assets" / "bilder" / "kart.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    _summary(repo, "Kart: ![Kart over Moss](bilder/kart.png)")
    code, findings, _ = check(repo, capsys)
    assert code == 0 and not [f for f in findings if f["code"] == "RB051"]
    (repo / "content" / "assets" / "bilder" / "kart.png").unlink()
    (repo / "content" / "assets" / "bilder" / "kart.png").symlink_to("/etc/hostname")
    code, findings, _ = check(repo, capsys)
    at(findings, "RB051", ROUTINE, 6, 10)


def test_check_and_pdf_never_read_the_canary_or_call_the_server(repo, capsys, tmp_path):
    """A canary file outside the repository and a canary HTTP server on 127.0.0.1."""
    import socketserver
    import threading

    from .test_inert_property import CANARY_FILE, _armed, _CanaryHandler, _opened

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _CanaryHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    _summary(repo, f"![a](http://127.0.0.1:{port}/a.png) ![b](file://{CANARY_FILE}) ![c]({CANARY_FILE}) "
                   f"[d](http://127.0.0.1:{port}/d) ![e][e]\n\n[e]: http://127.0.0.1:{port}/e.png")
    hits = len(_CanaryHandler.hits)
    _opened.clear()
    _armed[0] = True
    try:
        code, findings, _ = check(repo, capsys)
        assert main(["pdf", "--data", str(repo / "data"), "--out", str(tmp_path / "pdf")]) == 1
        (repo / "data" / "roles" / "lenke.yml").symlink_to(CANARY_FILE)
        code2, findings2, _ = check(repo, capsys)
    finally:
        _armed[0] = False
        server.shutdown()
        server.server_close()
    assert code == 1 and len([f for f in findings if f["code"] == "RB051"]) == 4
    assert code2 == 1 and at(findings2, "RB052", "data/roles/lenke.yml")
    assert _opened == [] and _CanaryHandler.hits[hits:] == []

