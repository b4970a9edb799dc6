"""What one build keeps for the next (rutinebok.buildcache): the post-build pass and the search
index do again only what changed, give exactly what a build without the cache gives, and never
take anything from a cache folder that came with the repository."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from rutinebok import buildcache, postbuild, search_index
from rutinebok.buildcache import UntrustedCache
from rutinebok.postbuild import END, START
from rutinebok.terms import GlossaryTerm

from .conftest import ROOT, build_site

TERMS = [GlossaryTerm("NAV", "Arbeids- og velferdsforvaltningen", "Forklaring")]
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.no"]


@pytest.fixture
def work(tmp_path) -> Path:
    """A git work tree, as a project is: the cache is only used inside one."""
    subprocess.run([*GIT, "-C", str(tmp_path), "init", "-q"], check=True)
    return tmp_path
ATTACK = '<p>NAV hjelper.<img src=x onerror="alert(1)"><script>alert(2)</script></p>'


def _site(folder: Path) -> Path:
    pages = {"index.html": "<p>Forsiden: NAV.</p>",
             "rutiner/a/index.html": "<h2 id='frist'>Frist</h2><p>NAV svarer innen 3 dager.</p>" + ATTACK,
             "ordliste/index.html": "<dl><dt id='nav'>NAV</dt><dd>Forklaring</dd></dl>"}
    for rel, content in pages.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('<html><head><meta http-equiv="Content-Security-Policy" content="\'rutinebok-policy\'">'
                        f"<script>var x=1</script></head><body><article>{START}{content}{END}</article></body></html>",
                        "utf-8")
    return folder


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _counting(monkeypatch, module, name) -> list:
    calls: list = []
    real = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_a_page_processed_before_is_taken_from_the_cache_and_comes_out_the_same(work, monkeypatch):
    tmp_path = work
    cache = tmp_path / "cache"
    plain = _site(tmp_path / "plain")
    postbuild.run(plain, TERMS, [], index=False)
    without = _files(plain)
    first = _site(tmp_path / "first")
    assert postbuild.run(first, TERMS, [], index=False, cache=cache) == 3
    assert _files(first) == without
    body = (first / "rutiner/a/index.html").read_text("utf-8")
    assert "<script>alert" not in body and "onerror" not in body and 'class="rb-term"' in body

    calls = _counting(monkeypatch, postbuild, "process_content")
    second = _site(tmp_path / "second")
    assert postbuild.run(second, TERMS, [], index=False, cache=cache) == 3
    assert calls == [] and _files(second) == without

    # Another glossary: every page's terms may differ, so every page is processed again.
    third = _site(tmp_path / "third")
    postbuild.run(third, [*TERMS, GlossaryTerm("frist", "", "Tiden man har")], [], index=False, cache=cache)
    assert len(calls) == 3
    # Other code (a new version of the pass or of nh3): processed again too.
    monkeypatch.setattr(buildcache, "code_hash", lambda: "another version")
    postbuild.run(_site(tmp_path / "fourth"), TERMS, [], index=False, cache=cache)
    assert len(calls) == 6


def test_the_cache_keeps_what_builds_use_and_removes_what_none_used_for_a_day(work):
    tmp_path = work
    cache = tmp_path / "cache"
    postbuild.run(_site(tmp_path / "a"), TERMS, [], index=False, cache=cache)
    entries = [p for p in (cache / "postbuild").rglob("*") if p.is_file() and not p.name.startswith(".")]
    before = {p.name for p in entries}
    site = _site(tmp_path / "b")
    page = site / "rutiner/a/index.html"
    page.write_text(page.read_text("utf-8").replace("3 dager", "5 dager"), "utf-8")
    postbuild.run(site, TERMS, [], index=False, cache=cache)
    after = {p.name for p in (cache / "postbuild").rglob("*") if p.is_file() and not p.name.startswith(".")}
    assert len(before) == 3 and len(after) == 4 and before < after  # the old page's entry: still young
    for p in (cache / "postbuild").rglob("*"):
        if p.is_file():
            os.utime(p, (1, 1))  # nobody used anything for a long time
    again = _site(tmp_path / "c")
    page = again / "rutiner/a/index.html"
    page.write_text(page.read_text("utf-8").replace("3 dager", "5 dager"), "utf-8")
    postbuild.run(again, TERMS, [], index=False, cache=cache)
    kept = {p.name for p in (cache / "postbuild").rglob("*") if p.is_file() and not p.name.startswith(".")}
    assert len(kept) == 3 and kept == after - (before - kept) and len(before - kept) == 1
    assert "5 dager" in page.read_text("utf-8")


def test_a_damaged_entry_is_made_again_not_used(work):
    cache = work / "cache"
    postbuild.run(_site(work / "a"), TERMS, [], index=False, cache=cache)
    entries = [p for p in (cache / "postbuild").rglob("*") if p.is_file() and not p.name.startswith(".")]
    for n, p in enumerate(entries):
        raw = p.read_bytes()
        p.write_bytes(raw[:-5] if n % 2 else raw[:32] + b"\xff\xfe" + raw[34:])
    plain = _site(work / "plain")
    postbuild.run(plain, TERMS, [], index=False)
    again = _site(work / "again")
    postbuild.run(again, TERMS, [], index=False, cache=cache)
    assert _files(again) == _files(plain)


def test_no_cache_outside_a_git_work_tree_or_through_a_link(tmp_path_factory, work):
    """A copy of the project without its history (an archive, a container without .git) cannot
    tell what came from the repository: its cache is not used. Inside a work tree, a symbolic
    link on the way to the cache (which the repository could hold) stops the build."""
    outside = tmp_path_factory.mktemp("outside")
    site = _site(outside / "site")
    postbuild.run(site, TERMS, [], index=False, cache=outside / "cache")
    assert not (outside / "cache").exists()
    assert buildcache.check_not_tracked(outside / "cache") is False
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (work / "build").symlink_to(elsewhere)
    with pytest.raises(UntrustedCache, match="symbolsk lenke"):
        postbuild.run(_site(work / "site"), TERMS, [], index=False, cache=work / "build" / "cache")
    assert buildcache.check_not_tracked(work / "own" / "cache") is True


def test_a_cache_that_came_with_the_repository_stops_the_build(tmp_path):
    """A pull request that adds a stored page (with a script) under the cache folder: the build
    stops and says what to do; nothing is taken from the folder."""
    repo = tmp_path / "repo"
    site = _site(tmp_path / "site")
    raw = (site / "rutiner/a/index.html").read_text("utf-8")
    content = raw[raw.index(START) + len(START):raw.rindex(END)]
    poisoned = buildcache.key("rutiner/a/", postbuild.glossary_key(TERMS, []), content)
    # Sealed as a build seals it: anyone can compute the hashes.
    buildcache.Store(repo / "build" / "cache" / "postbuild").put(poisoned, b"<script>alert('cache')</script>")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.no"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-f", "build"], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    with pytest.raises(UntrustedCache, match="git rm -r --cached"):
        postbuild.run(site, TERMS, [], index=False, cache=repo / "build" / "cache")
    with pytest.raises(UntrustedCache):
        search_index.build(site, cache=repo / "build" / "cache")
    assert "alert('cache')" not in (site / "rutiner/a/index.html").read_text("utf-8")
    # Made by a build (not tracked): used.
    subprocess.run([*git, "rm", "-rq", "--cached", "build"], check=True)
    postbuild.run(site, TERMS, [], index=False, cache=repo / "build" / "cache")
    assert "alert('cache')" in (site / "rutiner/a/index.html").read_text("utf-8")


def _repository_with(tmp_path: Path, rel: str) -> Path:
    """A git repository holding one tracked file at `rel`, as a pull request would add it."""
    repo = tmp_path / "repo"
    path = repo / rel
    path.parent.mkdir(parents=True)
    path.write_text("<script>alert('cache')</script>", "utf-8")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.no"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-f", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    return repo


def test_the_real_build_refuses_a_cache_folder_in_the_repository(tmp_path):
    """Through mkdocs build: `extra.rutinebok.cache` (or the PDF cache) holding a tracked file
    stops the build before a page is written."""
    repo = _repository_with(tmp_path, "cache/postbuild/ab/abcd")
    base = (ROOT / "mkdocs.yml").read_text("utf-8")
    base = (base.replace("docs_dir: content", f"docs_dir: {ROOT / 'content'}")
            .replace("custom_dir: overrides", f"custom_dir: {ROOT / 'overrides'}")
            .replace("module_name: macros/main", f"module_name: {ROOT / 'macros' / 'main'}"))
    for setting in (f"cache: {repo / 'cache'}", f"pdf_cache: {repo / 'cache'}\n    cache: {tmp_path / 'own'}"):
        config = base.replace("    data: data\n", f"    data: data\n    {setting}\n")
        assert setting in config
        (tmp_path / "mkdocs.yml").write_text(config, "utf-8")
        out = tmp_path / "site"
        done = build_site(out, ROOT / "data", config=tmp_path / "mkdocs.yml")
        assert done.returncode != 0
        assert "sjekket inn i git" in done.stderr and "Traceback" not in done.stderr
        assert not (out / "index.html").exists()
        assert sorted(p.name for p in (repo / "cache").rglob("*")) == ["ab", "abcd", "postbuild"]


def _national(monkeypatch):
    monkeypatch.setenv("RUTINEBOK_SEARCH_SCOPED_FROM", "1")
    monkeypatch.setenv("RUTINEBOK_SEARCH_BUNDLE_PAGES", "1")


def _words(folder: Path) -> bytes:
    """The words of a Pagefind index (its gzipped word chunks, which hold them as text)."""
    return b"".join(gzip.decompress(p.read_bytes()) for p in folder.rglob("*.pf_index"))


def _not_pagefind(files: dict[str, bytes]) -> dict[str, bytes]:
    """What the search box reads beside Pagefind's files (whose names and bytes vary between
    runs of Pagefind over the same pages: it numbers them in the order its threads finish)."""
    return {rel: data for rel, data in files.items() if rel == "rb-search.json" or rel.startswith("vocab/")}


def test_the_search_index_of_unchanged_pages_is_copied_and_a_change_remakes_only_its_part(
        site_dir, work, monkeypatch):
    tmp_path = work
    _national(monkeypatch)
    site = tmp_path / "site"
    shutil.copytree(site_dir, site)
    shutil.rmtree(site / "pagefind")
    cache = tmp_path / "cache"
    without = tmp_path / "without"
    shutil.copytree(site, without)
    search_index.build(without)
    search_index.build(site, cache=cache)
    made = _files(site / "pagefind")
    assert _not_pagefind(made) == _not_pagefind(_files(without / "pagefind"))
    assert made.keys() - _not_pagefind(made).keys()
    settings = json.loads(made["rb-search.json"])
    assert len(set(settings["bundle"].values())) > 2

    import pagefind.service

    runs = _counting(monkeypatch, pagefind.service, "get_executable")
    search_index.build(site, cache=cache)
    assert runs == [] and _files(site / "pagefind") == made
    # What a later write does to the site's copy does not reach the cache.
    (site / "pagefind" / "pagefind.js").write_text("alert('changed')", "utf-8")
    search_index.build(site, cache=cache)
    assert runs == [] and _files(site / "pagefind") == made

    # New words in a section of a Kristiansand routine: its bundle is made again, nothing else
    # (the national catalogue holds only the page's title and lead).
    page = site / "rutiner" / "kristiansand-nav-livsmestring" / "index.html"
    html = page.read_text("utf-8")
    at = html.index("</h2>") + len("</h2>")
    page.write_text(html[:at] + "<p>Blåbærsyltetøy hver fredag.</p>" + html[at:], "utf-8")
    search_index.build(site, cache=cache)
    assert len(runs) == 1
    now = _files(site / "pagefind")
    bundle = str(settings["bundle"]["kristiansand-kommune"])
    changed = {rel.split("/")[1] for rel in set(now) ^ set(made) if rel.startswith("omrade/")}
    changed |= {rel.split("/")[1] for rel in set(now) & set(made) if rel.startswith("omrade/") and now[rel] != made[rel]}
    assert changed == {bundle}
    assert b"blabaersyltetoy" in _words(site / "pagefind" / "omrade" / bundle)
    assert b"blabaersyltetoy" not in _words(site / "pagefind" / "omrade" / str(settings["bundle"]["moss-kommune"]))
    assert b"blabaersyltetoy" in json.loads(now["vocab/bl.json"]).__repr__().encode()
    # What a build without the cache makes of the same pages.
    shutil.copyfile(page, without / "rutiner" / "kristiansand-nav-livsmestring" / "index.html")
    search_index.build(without)
    assert _not_pagefind(_files(without / "pagefind")) == _not_pagefind(now)
    assert _words(without / "pagefind" / "omrade" / bundle) == _words(site / "pagefind" / "omrade" / bundle)


def _site_config(folder: Path) -> Path:
    """The repository's mkdocs.yml in `folder`; the data folder is given to each build
    (RUTINEBOK_DATA: a build refuses a data folder of mkdocs.yml outside its project)."""
    config = (ROOT / "mkdocs.yml").read_text("utf-8")
    config = (config.replace("docs_dir: content", f"docs_dir: {ROOT / 'content'}")
              .replace("custom_dir: overrides", f"custom_dir: {ROOT / 'overrides'}")
              .replace("module_name: macros/main", f"module_name: {ROOT / 'macros' / 'main'}"))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mkdocs.yml").write_text(config, "utf-8")
    return folder / "mkdocs.yml"


def _built(config: Path, out: Path, data: Path) -> dict[str, bytes]:
    done = build_site(out, data, config=config)
    assert done.returncode == 0, done.stderr
    files = _files(out)
    # Pagefind's own files vary between runs over the same pages (see _not_pagefind).
    return {rel: data for rel, data in files.items() if not rel.startswith("pagefind/")} | \
        {f"pagefind/{rel}": data for rel, data in _not_pagefind(_files(out / "pagefind")).items()}


def test_a_build_with_the_cache_gives_the_site_a_build_without_it_gives(work, tmp_path_factory):
    """The whole seed site through mkdocs build: with the cache empty, then filled, then after a
    data change, each the same as a build without any cache (a project outside a git work tree)."""
    data = work / "data"
    shutil.copytree(ROOT / "data", data)
    cached = _site_config(work)
    plain = _site_config(tmp_path_factory.mktemp("no-git"))
    without = _built(plain, work / "without", data)
    assert not (plain.parent / "build" / "cache").exists()
    assert _built(cached, work / "first", data) == without
    assert any((work / "build" / "cache" / "postbuild").rglob("*"))
    assert _built(cached, work / "second", data) == without
    org = data / "organisations" / "nav-moss.yml"
    org.write_text(org.read_text("utf-8").replace("name: NAV Moss", "name: NAV Moss og omegn", 1), "utf-8")
    changed = _built(cached, work / "third", data)
    assert changed == _built(plain, work / "without-2", data) != without
    assert "NAV Moss og omegn" in changed["rutiner/moss-krisesenter-nav/index.html"].decode()


def test_data_files_read_before_are_not_parsed_again_and_give_the_same_data(tmp_path, monkeypatch):
    from rutinebok import load
    from rutinebok.buildcache import Table
    from rutinebok.findings import Report

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    cache = tmp_path / "cache"

    def dataset(parsed):
        report = Report()
        ds = load.load_dataset(data, report, parsed=parsed)
        return ds, sorted(f.format() for f in report.findings)

    plain = dataset(None)
    table = Table(cache, "yaml.json")
    first = dataset(table)
    table.save()
    calls = _counting(monkeypatch, load, "_fast_load")
    again = dataset(Table(cache, "yaml.json"))
    assert calls == []
    for ds, findings in (first, again):
        assert findings == plain[1]
        assert {rel: (s.data, s.text) for rel, s in ds.files.items()} == \
            {rel: (s.data, s.text) for rel, s in plain[0].files.items()}
        assert ds.routines == plain[0].routines and ds.organisations == plain[0].organisations
    # A changed file is parsed again; the others are not.
    org = min((data / "organisations").glob("*.yml"))
    org.write_text(org.read_text("utf-8").replace("name:", "name: Nytt navn #", 1), "utf-8")
    table = Table(cache, "yaml.json")
    changed = dataset(table)
    assert len(calls) == 1
    assert changed[0].organisations[org.stem].name.startswith("Nytt navn")
    table.save()
    assert len(json.loads(buildcache.Store(cache).get_file("yaml.json"))) == len(plain[0].files)


def test_the_engine_keeps_the_memo_it_read_and_the_calendar_events_between_builds(work, monkeypatch):
    """Engine.pages writes the page memo only when something changed since it was read, and
    Engine.files keeps the calendar events in the cache (a build), or not (`make serve`, which
    keeps them in memory); the feed is the same either way."""
    from rutinebok import incremental, render
    from rutinebok.load import LoadCache
    from rutinebok.site import Engine, Project

    data = work / "data"
    shutil.copytree(ROOT / "data", data)
    monkeypatch.setenv("RUTINEBOK_DATA", str(data))
    monkeypatch.setenv("RUTINEBOK_SITE_URL", "https://rutinebok.example/")
    monkeypatch.delenv("RUTINEBOK_DRAFT", raising=False)
    project = Project.from_mkdocs(_site_config(work))
    memo, ics = work / "build" / "cache" / incremental.MEMO_FILE, work / "build" / "cache" / "ics.json"
    render._EVENTS.clear()
    first = Engine(project)
    first.pages()
    feed = first.files(pdf=False)["kalender.ics"]
    written, stamp = memo.read_bytes(), memo.stat().st_mtime_ns
    assert len(json.loads(buildcache.Store(ics.parent).get_file("ics.json"))) > 5
    events = ics.stat().st_mtime_ns
    render._EVENTS.clear()  # another process
    made = []
    real = render._event_ics
    monkeypatch.setattr(render, "_event_ics", lambda *values: made.append(values) or real(*values))
    again = Engine(project)
    again.pages()
    assert again.files(pdf=False)["kalender.ics"] == feed and made == []
    assert memo.read_bytes() == written and memo.stat().st_mtime_ns == stamp
    assert ics.stat().st_mtime_ns == events
    serving = Engine(project, load_cache=LoadCache())
    render._EVENTS.clear()
    assert serving.files(pdf=False)["kalender.ics"] == feed and made
    assert ics.stat().st_mtime_ns == events
    routine = data / "routines" / "moss-krisesenter-nav.yml"
    routine.write_text(routine.read_text("utf-8").replace("title: ", "title: Endret ", 1), "utf-8")
    Engine(project).pages()
    assert memo.read_bytes() != written
