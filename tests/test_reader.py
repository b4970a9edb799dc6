"""The reader's path on a phone and a desktop, in real headless Chromium.

Every generated page is measured at 360 px (not a list of examples), the help-seeker path is
walked from the home page in taps, and the quick exit is checked against every control.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from rutinebok.render import SiteOptions, SiteRenderer

from .conftest import AXE, TODAY


def _all_pages(site_dir) -> list[str]:
    paths = []
    for path in sorted(site_dir.rglob("index.html")):
        rel = path.parent.relative_to(site_dir).as_posix()
        paths.append("/" if rel == "." else f"/{rel}/")
    return paths


# Elements that overflow the viewport on the right, tel: links not fully on screen.
MEASURE = """() => {
  const vw = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.rb-scroll, .rb-quick-exit-bar, .md-sidebar, .md-search, [popover], .md-top, .md-dialog')) continue;
    const style = getComputedStyle(el);
    if (style.position === 'fixed' || style.display === 'none' || style.visibility === 'hidden') continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > vw + 1) wide.push(`${el.tagName}.${el.className} ${Math.round(r.right)}px`);
  }
  const tels = [];
  for (const a of document.querySelectorAll('article a[href^="tel:"]')) {
    const r = a.getBoundingClientRect();
    const clipped = a.scrollWidth > a.clientWidth + 1 && getComputedStyle(a).overflow !== 'visible';
    if (!(r.width > 0 && r.left >= -1 && r.right <= vw + 1) || clipped) tels.push(a.textContent.trim());
  }
  return {scroll: document.documentElement.scrollWidth, vw, wide: wide.slice(0, 5), tels,
          count: document.querySelectorAll('article a[href^="tel:"]').length};
}"""


def test_every_page_reads_at_360_px(phone, site_url, site_dir):
    pages = _all_pages(site_dir)
    assert len(pages) > 60, pages  # every generated page, not a sample
    failures, tel_links = [], 0
    for path in pages:
        phone.goto(site_url + path)
        m = phone.evaluate(MEASURE)
        tel_links += m["count"]
        if m["scroll"] > 360 or m["wide"] or m["tels"]:
            failures.append((path, m["scroll"], m["wide"], m["tels"]))
    assert failures == [], json.dumps(failures, ensure_ascii=False, indent=1)
    assert tel_links > 20


@pytest.fixture()
def desktop(browser):
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900}, locale="nb-NO")
    pg = context.new_page()
    yield pg
    context.close()


READER_PAGES = {
    "help-path": "/hjelp/bor-pa-krisesenteret/",
    "role-inherited": "/roller/nav-veileder/",
    "role-external": "/roller/boligkontoret/",
    "roles": "/roller/",
    "diagram": "/veivisere/hvilket-nav-kontor-diagram/",
    "tree": "/veivisere/trenger-beboeren-ny-bolig/",
    "organisations": "/organisasjoner/",
    "home": "/",
    "routine": "/rutiner/moss-krisesenter-nav/",
    "contacts": "/kontakter/",
    "deadlines": "/frister/",
    "calendar": "/kalender/",
    "laws": "/lover/",
    "glossary": "/ordliste/",
    "accessibility": "/tilgjengelighet/",
    "not-found": "/404.html",
}


@pytest.mark.parametrize("width", [360, 1280])
def test_reader_pages_are_axe_clean_and_fit(browser, site_url, width):
    context = browser.new_context(bypass_csp=True, viewport={"width": width, "height": 800}, locale="nb-NO",
                                  is_mobile=width < 700, has_touch=width < 700)
    pg = context.new_page()
    try:
        problems = []
        for kind, path in READER_PAGES.items():
            pg.goto(site_url + path)
            m = pg.evaluate(MEASURE)
            if m["scroll"] > width or m["wide"] or m["tels"]:
                problems.append((kind, "overflow", m))
            pg.evaluate(AXE.read_text("utf-8"))  # not a script tag: the CSP refuses inline scripts
            result = pg.evaluate("""async () => await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})""")
            for v in result["violations"]:
                problems.append((kind, v["id"], [n["target"] for n in v["nodes"]][:3]))
        assert problems == [], json.dumps(problems, ensure_ascii=False, indent=1)
    finally:
        context.close()


# ---------------------------------------------------------------- quick exit covers nothing

OVERLAPS = """() => {
  const q = document.querySelector('[data-quick-exit]').getBoundingClientRect();
  const hits = [];
  const sel = 'a, button, input, select, textarea, summary, label[for], [tabindex]:not([tabindex="-1"])';
  for (const el of document.querySelectorAll(sel)) {
    if (el.closest('.rb-quick-exit-bar, .md-search__overlay, .md-overlay')) continue;  // backdrops, not controls
    const s = getComputedStyle(el);
    if (s.display === 'none' || s.visibility === 'hidden' || el.closest('[hidden]')) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) continue;
    const overlap = r.left < q.right && r.right > q.left && r.top < q.bottom && r.bottom > q.top;
    if (overlap) hits.push(`${el.tagName}.${el.className} ${el.getAttribute('aria-label') || el.textContent.trim().slice(0, 30)}`);
  }
  return hits;
}"""


@pytest.mark.parametrize("width", [320, 360, 768, 1280])
def test_quick_exit_never_covers_a_control(browser, site_url, width):
    context = browser.new_context(bypass_csp=True, viewport={"width": width, "height": 740}, locale="nb-NO",
                                  is_mobile=width < 700, has_touch=width < 700)
    pg = context.new_page()
    try:
        for path in ["/", "/rutiner/moss-krisesenter-nav/", "/hjelp/bor-pa-krisesenteret/"]:
            pg.goto(site_url + path)
            assert pg.evaluate(OVERLAPS) == [], (width, path)
        # With a long query typed and results shown, the search field stays uncovered, at its
        # centre and at its right end (where the browser puts the clear button).
        pg.goto(site_url + "/")
        box = pg.locator("#rb-search-input")
        box.click()
        box.fill("husleiegaranti og depositum for en bolig etter krisesenteret")
        pg.wait_for_function("document.getElementById('rb-search-results').dataset.state === 'done'")
        # Typing may scroll the page (on the home page the field sits below the emergency
        # numbers), and what scrolls under the sticky strip is not covered: measure at the top.
        pg.evaluate("window.scrollTo(0, 0)")
        hits = pg.evaluate(OVERLAPS)
        assert hits == [], (width, hits)
        box.scroll_into_view_if_needed()
        assert box.is_visible()
        b = box.bounding_box()
        for cx in (b["x"] + b["width"] / 2, b["x"] + b["width"] - 6):
            cy = b["y"] + b["height"] / 2
            top = pg.evaluate("([x, y]) => { const e = document.elementFromPoint(x, y); "
                              "return e ? e.outerHTML.slice(0, 80) : 'nothing'; }", [cx, cy])
            assert "data-quick-exit" not in top and top != "nothing", f"search field covered at {width}px: {top}"
        # Clearing the search keeps the reader on the site.
        box.press("Escape")
        assert box.input_value() == "" and "127.0.0.1" in pg.url
    finally:
        context.close()


# ---------------------------------------------------------------- the help-seeker path


def test_money_today_in_two_taps_and_housing_in_one_more(phone, site_url):
    phone.goto(site_url + "/")
    phone.get_by_role("link", name="Penger de første dagene").click()  # tap 1
    phone.wait_for_url("**/hjelp/bor-pa-krisesenteret/#penger")
    heading = phone.locator("#penger")
    assert "Penger" in heading.inner_text()
    # Tap 2 is a phone number or a web address, visible without scrolling.
    first_help = phone.locator("#penger ~ ul.rb-help a").first
    box = first_help.bounding_box()
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= 740 and box["x"] + box["width"] <= 360
    href = first_help.get_attribute("href")
    assert href.startswith(("tel:", "https://"))
    phone.locator("a.rb-next").first.click()  # tap 3
    assert phone.evaluate("location.hash") == "#bolig"
    b = phone.locator("#bolig").bounding_box()
    assert 0 <= b["y"] < 740


def test_home_page_emergency_numbers_come_before_the_search(phone, page, site_url):
    """On the home page 112 is the first thing under the header; the search sits below the
    numbers (moved there by the script), on other pages it stays under the header."""
    phone.goto(site_url + "/")
    phone.wait_for_selector("[data-rb-search]:not([hidden])")
    call = phone.locator('article a[href="tel:112"]').first.bounding_box()
    search = phone.locator("#rb-search-input").bounding_box()
    assert call and search
    assert call["y"] + call["height"] <= 740, "112 must be on the first phone screen"
    assert call["y"] < search["y"], "the emergency numbers come before the search box"
    page.goto(site_url + "/om/")
    page.wait_for_selector("[data-rb-search]:not([hidden])")
    heading = page.locator("article h1").first.bounding_box()
    assert page.locator("#rb-search-input").bounding_box()["y"] < heading["y"]


def test_help_path_facts_are_the_routine_data(real):
    """Every deadline on the help-seeker page is the routine's own value and qualifier."""
    ds, _, findings = real
    rr = SiteRenderer(ds, findings, SiteOptions(today=TODAY))
    page = rr.help_pages()["hjelp/bor-pa-krisesenteret.md"]
    routine = ds.routines["moss-krisesenter-nav"]
    rules = {b.rule.id: b.rule for _, b in routine.walk_blocks() if b.kind == "rule"}
    procs = {b.procedure.id: b.procedure for _, b in routine.walk_blocks() if b.kind == "procedure"}
    facts = dict(re.findall(r'data-fact="([^"]+)">([^<]+)<', page))
    assert facts, "the page marks no facts"
    for key, shown in facts.items():
        kind, _, ident = key.partition(":")
        if kind == "rule" and ident == "nodhjelp-behandlingstid":
            step = procs["nodhjelp"].steps[2]
            assert shown == rr.deadline(step.deadline)
            assert f"{rules[ident].qualifier} {rules[ident].value.words}" in shown
        elif kind == "rule":
            assert shown == f"{rules[ident].qualifier} {rules[ident].value.words}", key
        elif kind == "limit":
            assert shown == rr.deadline(procs[ident].limit)
    # Every step offers a phone number or a web address from the data.
    phones = {c.phone for o in ds.organisations.values() for c in o.contacts if c.phone}
    webs = {c.web for o in ds.organisations.values() for c in o.contacts if c.web}
    steps = re.split(r"\n## \d\. ", page)[1:]
    assert len(steps) == 4
    for step in steps:
        shown_phones = set(re.findall(r'class="rb-tel__number">([^<]+)<', step))
        shown_webs = set(re.findall(r'<a class="rb-tel rb-web" href="([^"]+)"', step))
        assert shown_phones | shown_webs, step[:60]
        assert shown_phones <= phones and shown_webs <= webs
    assert "55 55 33 33" in page and "https://www.nav.no/sosialhjelp" in page
    # The 2018 sentence about EEA citizens without rights is not advice to a help-seeker.
    assert "ingen rettigheter" not in page


def test_help_path_breaks_the_build_when_a_fact_goes_missing(real):
    from rutinebok.helpseeker import HelpPath, PathError

    ds, _, findings = real
    rr = SiteRenderer(ds, findings, SiteOptions(today=TODAY))
    path = HelpPath(rr, "moss-krisesenter-nav")
    with pytest.raises(PathError, match="som ikke finnes"):
        path.rule("nodhjelp-behandlingstid-x")
    with pytest.raises(PathError, match="kontaktpunktet"):
        path.contact("arbeids-og-velferdsetaten/fax")


# ---------------------------------------------------------------- guide history, glossary, print


def test_guide_back_and_forward_follow_the_questions(page, site_url):
    page.goto(site_url + "/veivisere/")
    page.goto(site_url + "/veivisere/hvilket-nav-kontor/")
    titles = []
    for _ in range(12):
        node = page.locator(".rb-node:visible")
        titles.append(node.locator(".rb-node__title").inner_text())
        options = node.locator("a.rb-option")
        if options.count() == 0:
            break
        options.first.click()
    assert len(titles) >= 3, titles
    def shows(title: str) -> None:
        page.wait_for_function("t => { const h = document.querySelector('.rb-node:not([hidden]) .rb-node__title');"
                               " return h && h.textContent.trim() === t; }", arg=title, timeout=5000)

    for expected in reversed(titles[:-1]):  # Back walks the questions in reverse
        page.go_back()
        shows(expected)
        assert "/veivisere/hvilket-nav-kontor/" in page.url
    page.go_forward()
    shows(titles[1])
    assert page.locator(".rb-guide__answers li").count() == 1
    page.go_back()
    shows(titles[0])
    page.go_back()
    page.wait_for_url("**/veivisere/")


def test_glossary_term_opens_on_tap(phone, site_url):
    phone.goto(site_url + "/rutiner/moss-krisesenter-nav/")
    term = phone.locator("button.rb-term", has_text="nødhjelp").first
    definition = phone.locator("#" + term.get_attribute("popovertarget"))
    assert not definition.is_visible()
    term.tap()
    assert definition.is_visible()
    assert "Økonomisk hjelp fra NAV" in definition.inner_text()
    assert phone.locator("button.rb-term", has_text=re.compile(r"^NAV$")).count() == 1


def test_routine_prints_without_navigation_or_blank_first_page(browser, site_url, tmp_path):
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900}, locale="nb-NO")
    pg = context.new_page()
    try:
        pg.goto(site_url + "/rutiner/moss-krisesenter-nav/")
        pdf = tmp_path / "print.pdf"
        pg.pdf(path=str(pdf), format="A4", print_background=True)
    finally:
        context.close()
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout
    lines = [x for x in first.splitlines() if x.strip()]
    # Page 1 carries the title, the warning, the summary and the document control table.
    assert len(lines) > 18 and "Dokumentstyring" in first, f"page 1 is mostly blank ({len(lines)} lines)"
    everything = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Rask utgang" not in everything and "På denne siden" not in everything
    assert "(https://lovdata.no/" in everything  # links are printed
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                                 text=True, check=True).stdout).group(1))
    # 11 before the checklist coverage section (issue 15) was added to the page; a blank page or
    # the site navigation in print would push it well past 12.
    assert pages <= 12


# ---------------------------------------------------------------- pages that must say the right thing


def _text(path):
    return re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8"))


def test_role_pages_reach_duties_through_hierarchy_and_kinds(site_dir):
    veileder = _text(site_dir / "roller" / "nav-veileder" / "index.html")
    assert "Som en del av NAV-kontoret" in veileder
    assert "NAV behandler søknaden om nødhjelp innen 48 timer" in re.sub(r"\s+", " ", veileder)
    # The same duty of the four NAV offices is shown once, naming all four.
    shared = [set(re.split(r", | og ", g)) for g in re.findall(r"Oppgave for (NAV [^:]+):", veileder)]
    assert {"NAV Moss", "NAV Rygge", "NAV Råde", "NAV Våler"} in shared
    housing = _text(site_dir / "roller" / "boligkontoret" / "index.html")
    assert "ingen oppgaver" not in housing
    assert "Varsler boligkontoret anonymt" in housing and "Årlig samarbeidsmøte".lower() in housing.lower()
    index = (site_dir / "roller" / "index.html").read_text(encoding="utf-8")
    assert "(1 oppgaver)" not in index and re.search(r"\(1 oppgave\)", index)
    for path in (site_dir / "roller").rglob("index.html"):
        html = path.read_text(encoding="utf-8")
        assert not re.search(r'rb-deadline">Frist: ingen fast frist', html, re.IGNORECASE)


def test_laws_page_keeps_used_in_apart_from_the_paragraphs(site_dir):
    html = (site_dir / "lover" / "index.html").read_text(encoding="utf-8")
    assert "Brukes i:" in html
    for li in re.findall(r"<li>(.*?)</li>", html, re.DOTALL):
        assert "Brukes i" not in li


def test_not_found_page_is_norwegian_with_quick_exit(site_dir):
    html = (site_dir / "404.html").read_text(encoding="utf-8")
    assert "Siden finnes ikke" in html and "Not found" not in html and "data-quick-exit" in html
    assert '<html lang="nb"' in html


def test_accessibility_statement_is_current(site_dir, real):
    text = _text(site_dir / "tilgjengelighet" / "index.html")
    assert "PDF-versjoner" not in text and "kommer senere" not in text
    assert "Dette fungerer ikke godt nok" in text
    centre = real[0].organisations["krisesenteret-i-moss"]
    assert any(c.phone and c.phone in text for c in centre.contacts)


def test_diagram_opens_in_a_page_with_quick_exit(site_dir, real):
    for tree in real[0].trees.values():
        html = (site_dir / "veivisere" / tree.id / "index.html").read_text(encoding="utf-8")
        assert f'href="../{tree.id}.svg"' not in html
        wrapper = (site_dir / "veivisere" / f"{tree.id}-diagram" / "index.html").read_text(encoding="utf-8")
        assert "data-quick-exit" in wrapper and f"{tree.id}.svg" in wrapper


def test_home_page_reaches_every_section_and_help_paths(site_dir):
    html = (site_dir / "index.html").read_text(encoding="utf-8")
    article = html[html.index("<article"):html.index("</article>")]
    for section in ["veivisere/", "rutiner/", "roller/", "organisasjoner/", "kontakter/", "frister/", "kalender/",
                    "lover/", "ordliste/", "om/", "tilgjengelighet/"]:
        assert f'href="{section}"' in article, section
    assert 'href="hjelp/bor-pa-krisesenteret/#penger"' in article
    assert 'href="hjelp/bor-pa-krisesenteret/#bolig"' in article


def test_long_routine_has_a_phone_menu_and_the_pdf_near_the_top(phone, site_url):
    phone.goto(site_url + "/rutiner/moss-krisesenter-nav/")
    pdf = phone.locator("a.rb-pdf-top")
    assert pdf.bounding_box()["y"] < 740, "the PDF link is not on the first screen"
    menu = phone.locator("details.rb-onpage")
    menu.locator("summary").tap()
    link = menu.get_by_role("link", name="Kommunal bolig")
    link.tap()
    assert phone.evaluate("location.hash") == "#kommunal-bolig"
    box = phone.locator("h3#kommunal-bolig").bounding_box()
    assert 0 <= box["y"] < 740


def test_quick_exit_covers_nothing_at_any_width(browser, site_url):
    """A sweep from 320 to 1280 px, so no breakpoint in between hides a control under the button."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 320, "height": 740}, locale="nb-NO")
    pg = context.new_page()
    try:
        pg.goto(site_url + "/rutiner/moss-krisesenter-nav/")
        for width in range(320, 1281, 40):
            pg.set_viewport_size({"width": width, "height": 740})
            pg.wait_for_timeout(50)
            assert pg.evaluate(OVERLAPS) == [], width
            box = pg.locator("[data-quick-exit]").bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width and box["y"] >= 0
    finally:
        context.close()


def test_anchors_are_unique_on_every_page(site_dir):
    """The «På denne siden» menu and links from other pages land on one place, never two."""
    for path in site_dir.rglob("*.html"):
        ids = re.findall(r'\sid="([^"]+)"', path.read_text(encoding="utf-8"))
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        assert dupes == [], f"{path.relative_to(site_dir)}: {dupes}"
