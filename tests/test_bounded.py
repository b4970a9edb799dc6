"""Pages that gather from every routine stay small on a national site, and nothing is lost.

A generated corpus (bench/generate.py, 80 routines, 20 steps) is past every threshold in
rutinebok/aggregate.py; the seed site is below them and keeps its full pages.
"""

from __future__ import annotations

import html
import posixpath
import re
from pathlib import Path

import pytest

from rutinebok import aggregate
from rutinebok.checks import run_checks
from rutinebok.findings import Report
from rutinebok.load import load_dataset
from rutinebok.render import SiteOptions, SiteRenderer

from .conftest import TODAY

ROUTINES = 80
# The whole page's Markdown. At 80 routines a role page is one line per routine (about 250
# bytes with its link) or at most ROLE_FULL_MAX_DUTIES full duty rows; before the compact
# form the busiest role page was 200 KB here and frister.md 750 KB.
PAGE_BUDGET = 40_000
# National pages that list areas and roles, not routines.
NATIONAL_BUDGET = 12_000

LINK = re.compile(r"\]\(([^)\s]+)\)")


def aggregate_paths(pages: dict[str, str]) -> list[str]:
    return [p for p in pages if p.startswith("roller/") or p in ("frister.md", "kalender.md")
            or re.fullmatch(r"omrade/[^/]+/(frister|kalender)\.md", p)]


def links(pages: dict[str, str], path: str) -> set[str]:
    """The pages (with #anchor) a page links to, resolved to paths in the docs tree."""
    out = set()
    for target in LINK.findall(pages[path]):
        if "://" in target or target.startswith(("tel:", "mailto:", "#")):
            continue
        file, _, anchor = target.partition("#")
        if not file.endswith(".md"):
            continue
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), file))
        out.add(resolved + ("#" + anchor if anchor else ""))
    return out


def anchors(markdown: str) -> set[str]:
    return set(re.findall(r"\{[^}\n]*#([a-z0-9-]+)[^}\n]*\}", markdown))


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    from bench.generate import generate_corpus

    data = tmp_path_factory.mktemp("bounded") / "data"
    generate_corpus(data, routines=ROUTINES, steps=20)
    report = Report()
    ds = load_dataset(data, report)
    assert not ds.failed_files
    rr = SiteRenderer(ds, run_checks(ds, TODAY), SiteOptions(today=TODAY))
    return rr, rr.pages()


def test_the_generated_corpus_is_past_every_threshold(generated):
    rr, pages = generated
    agg = rr.aggregates
    assert agg.deadlines_compact and agg.calendar_compact
    assert any(agg.role_compact(role) for role in rr.ds.roles.values())
    assert any(p.endswith("/frister.md") for p in pages) and any(p.endswith("/kalender.md") for p in pages)


def test_every_aggregate_page_stays_under_its_budget(generated):
    _, pages = generated
    sizes = {p: len(pages[p].encode("utf-8")) for p in aggregate_paths(pages)}
    over = {p: n for p, n in sizes.items() if n > PAGE_BUDGET}
    assert not over, over
    for p in ("frister.md", "kalender.md"):
        assert sizes[p] <= NATIONAL_BUDGET, (p, sizes[p])


def test_every_deadline_is_one_link_from_the_area_page_that_frister_links_to(generated):
    """frister.md -> omrade/<area>/frister.md -> the routine (at its section), and the routine
    page holds the deadline's words and that section."""
    rr, pages = generated
    area_pages = {t for t in links(pages, "frister.md") if re.fullmatch(r"omrade/[^/#]+/frister\.md", t)}
    assert area_pages
    reachable = set().union(*(links(pages, p) for p in area_pages))
    reachable_files = {t.partition("#")[0] for t in reachable}
    for row in rr.index.deadline_rows:
        rid = row["routine"].id
        routine_page = f"rutiner/{rid}.md"
        assert routine_page in reachable_files, (rid, row["what"])
        if row["section"] is not None:  # (the routine's review date is in its own words there)
            assert row["words"] in html.unescape(pages[routine_page]), (rid, row["words"])
            assert row["section"].id in anchors(pages[routine_page]), (rid, row["section"].id)
    # Each area page lists its routines, one line each or as tables, and says which.
    for p in area_pages:
        assert pages[p].startswith("---\ntitle: \"Frister: "), p


def test_every_meeting_and_date_is_one_link_from_the_area_page_that_kalender_links_to(generated):
    rr, pages = generated
    area_pages = {t for t in links(pages, "kalender.md") if re.fullmatch(r"omrade/[^/#]+/kalender\.md", t)}
    assert area_pages
    reachable = set().union(*(links(pages, p) for p in area_pages))
    reachable_files = {t.partition("#")[0] for t in reachable}
    for routine, _, m in rr.meetings():
        assert f"rutiner/{routine.id}.md" in reachable_files, (routine.id, m.id)
        assert m.id in anchors(pages[f"rutiner/{routine.id}.md"]) or f'id="{m.id}"' in pages[f"rutiner/{routine.id}.md"]
    for e in rr.calendar_events():
        assert f"rutiner/{e['routine'].id}.md" in reachable_files, e["title"]


def test_every_duty_of_a_role_is_one_link_away_on_its_routine_page(generated):
    rr, pages = generated
    for role in rr.ds.roles.values():
        path = f"roller/{role.id}.md"
        targets = links(pages, path)
        for rid, groups in rr.role_duty_groups(role).items():
            duties = [d for _, ds in groups for d in ds]
            first = duties[0].section_id
            if rr.aggregates.role_compact(role):
                assert f"rutiner/{rid}.md#{first}" in targets, (role.id, rid)
            routine_page = pages[f"rutiner/{rid}.md"]
            for d in duties:
                assert f"rutiner/{rid}.md" in {t.partition("#")[0] for t in targets}, (role.id, rid)
                assert d.section_id in anchors(routine_page), (rid, d.section_id)


def test_a_compact_role_page_has_one_line_per_routine_with_count_and_shortest_deadline(generated):
    rr, pages = generated
    compact = [role for role in rr.ds.roles.values() if rr.aggregates.role_compact(role)]
    assert compact
    for role in compact:
        text = pages[f"roller/{role.id}.md"]
        groups = rr.role_duty_groups(role)
        items = [line for line in text.splitlines() if line.startswith("- [")]
        assert len(items) == len(groups), role.id
        assert f"har {rr.duty_count(role)} oppgaver i {len(groups)} rutiner" in text
        actors = rr.aggregates.role_actor_ids(role)
        for rid, origin_groups in groups.items():
            line = next(x for x in items if f"(../rutiner/{rid}.md#" in x)
            n = sum(len(ds) for _, ds in origin_groups)
            assert f": {n} oppgave{'' if n == 1 else 'r'}, " in line, (role.id, line)
            rows = [row for row in rr.index.deadline_rows if row["routine"].id == rid
                    and row["section"] is not None and set(row["actors"]) & actors]
            if rows:
                shortest = min(rows, key=lambda row: row["sort"])
                assert line.endswith("korteste frist: " + shortest["words"]), (line, shortest["words"])
            else:
                assert line.endswith("ingen fast frist"), line
        # No duty text is repeated on the compact page: the routine page has it.
        assert "Frist:" not in text


def test_no_new_page_is_an_orphan(generated):
    """Every page the compact forms add is linked from a page in the navigation."""
    _, pages = generated
    roots = ["frister.md", "kalender.md", "roller/index.md", "omrade/index.md"]
    seen, queue = set(roots), list(roots)
    while queue:
        p = queue.pop()
        for t in links(pages, p):
            f = t.partition("#")[0]
            if f in pages and f not in seen:
                seen.add(f)
                queue.append(f)
    new = [p for p in aggregate_paths(pages) if p.startswith("omrade/")]
    assert new and not [p for p in new if p not in seen]
    # And each municipality's page links to its own deadlines and calendar.
    for p in new:
        area_id = p.split("/")[1]
        if f"omrade/{area_id}.md" in pages:
            assert p in links(pages, f"omrade/{area_id}.md"), p


def test_the_seed_site_is_below_every_threshold(real):
    """Five routines: the full pages, no per-area deadlines or calendar pages."""
    ds, _, findings = real
    rr = SiteRenderer(ds, findings, SiteOptions(today=TODAY))
    pages = rr.pages()
    assert not rr.aggregates.deadlines_compact and not rr.aggregates.calendar_compact
    assert not any(rr.aggregates.role_compact(role) for role in ds.roles.values())
    assert not [p for p in pages if re.fullmatch(r"omrade/[^/]+/(frister|kalender)\.md", p)]
    assert "## Etter rutine" in pages["frister.md"] and "## Faste møter" in pages["kalender.md"]
    assert max(rr.duty_count(r) for r in ds.roles.values()) * 3 < aggregate.ROLE_FULL_MAX_DUTIES


# ---------------------------------------------------------------- in the browser

BROWSER_ROUTINES = 40  # past every threshold with 6 steps each; a build without PDFs


@pytest.fixture(scope="module")
def generated_site(tmp_path_factory):
    """A real `mkdocs build` of a generated corpus (PDFs off: they are not what is tested here),
    served on 127.0.0.1."""
    import functools
    import socketserver
    import threading

    from bench.generate import generate_corpus

    from .conftest import ROOT, build_site

    work = tmp_path_factory.mktemp("bounded-site")
    generate_corpus(work / "data", routines=BROWSER_ROUTINES, steps=6)
    config = work / "mkdocs.yml"
    # The hand-written pages' macros name seed organisations a generated corpus lacks: there
    # they may print their error instead of stopping the build (the real site stops).
    config.write_text((ROOT / "mkdocs.yml").read_text("utf-8")
                      .replace("on_error_fail: true", "on_error_fail: false")
                      .replace("docs_dir: content", f"docs_dir: {ROOT / 'content'}")
                      .replace("custom_dir: overrides", f"custom_dir: {ROOT / 'overrides'}")
                      .replace("module_name: macros/main", f"module_name: {ROOT / 'macros' / 'main'}")
                      .replace("    data: data\n", "    data: data\n    pdf: false\n"), "utf-8")
    out = work / "site"
    result = build_site(out, data=work / "data", config=config)
    assert result.returncode == 0, result.stdout + result.stderr
    from .conftest import _QuietHandler

    handler = functools.partial(_QuietHandler, directory=str(out))
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", out
    server.shutdown()
    server.server_close()


def _compact_pages(out: Path) -> dict[str, str]:
    """One page of each compact kind, found in the built site."""
    area = min(p.parent.parent.name for p in (out / "omrade").glob("*/frister/index.html")
               if (p.parent.parent / "index.html").exists())  # a municipality, not «hele landet»
    roles = sorted(p.parent.name for p in (out / "roller").glob("*/index.html")
                   if "for mange til å vise på én side" in p.read_text("utf-8"))
    assert roles, "no compact role page in the generated site"
    return {"deadlines": "/frister/", "calendar": "/kalender/", "role": f"/roller/{roles[0]}/",
            "area-deadlines": f"/omrade/{area}/frister/", "area-calendar": f"/omrade/{area}/kalender/",
            "area": f"/omrade/{area}/"}


def test_compact_pages_are_axe_clean_and_readable_at_360_px(browser, generated_site):
    import json

    from .conftest import AXE

    url, out = generated_site
    pages = _compact_pages(out)
    for viewport in ({"width": 1280, "height": 900}, {"width": 360, "height": 740}):
        context = browser.new_context(viewport=viewport, locale="nb-NO", bypass_csp=True)
        pg = context.new_page()
        for kind, path in pages.items():
            pg.goto(url + path)
            if kind in ("deadlines", "calendar", "role"):
                assert "til å vise på én side" in pg.locator("article").inner_text(), kind
            width = pg.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], (kind, width)
            assert pg.locator("[data-quick-exit]").count() == 1, (kind, path)
            box = pg.locator("[data-quick-exit]").bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], kind
            pg.evaluate(AXE.read_text("utf-8"))
            result = pg.evaluate("""async () => await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})""")
            violations = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
            assert violations == [], (kind, json.dumps(violations, ensure_ascii=False))
        context.close()


def test_the_reader_gets_from_frister_to_a_deadline_in_a_routine_by_clicking(browser, generated_site):
    """National page -> her municipality -> a routine -> the section with the deadline."""
    url, _ = generated_site
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="nb-NO")
    pg = context.new_page()
    pg.goto(url + "/frister/")
    pg.locator("article a[href*='omrade/']").first.click()
    pg.wait_for_url("**/omrade/*/frister/")
    link = pg.locator("article a[href*='rutiner/']").first
    # One line per routine («…: 12 frister, korteste frist: straks») or the full table row.
    words = link.evaluate("""a => { const li = a.closest('li');
        if (li) return li.innerText.split('korteste frist: ')[1].trim();
        return a.closest('tr').querySelector('td').innerText.trim(); }""")
    assert words
    link.click()
    pg.wait_for_url("**/rutiner/**")
    anchor = pg.url.split("#")[1]
    assert pg.locator(f"[id='{anchor}']").count() == 1
    assert words in pg.locator("article").inner_text()
    context.close()
