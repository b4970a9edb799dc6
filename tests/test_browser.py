"""The site in a real browser: headless Debian Chromium via Playwright, against 127.0.0.1."""

from __future__ import annotations

import json
from urllib.parse import urlparse

import pytest

from .conftest import AXE

PAGE_TYPES = {
    "home": "/",
    "routine": "/rutiner/moss-krisesenter-nav/",
    "plan": "/rutiner/strategiplan-krisesenteret-i-moss-2016-2018/",
    "report": "/rutiner/kongsvinger-boligsosialt-arbeid/",
    "routines": "/rutiner/",
    "organisation": "/organisasjoner/krisesenteret-i-moss/",
    "role": "/roller/nav-kontoret/",
    "contacts": "/kontakter/",
    "deadlines": "/frister/",
    "calendar": "/kalender/",
    "laws": "/lover/",
    "glossary": "/ordliste/",
    "quick-exit": "/rask-utgang/",
    "accessibility": "/tilgjengelighet/",
}
EXIT_URL = "https://www.yr.no/"


def _neutral(route):
    route.fulfill(status=200, content_type="text/html", body="<title>Været</title><p>Været</p>")


@pytest.mark.parametrize("kind", sorted(PAGE_TYPES))
def test_no_request_leaves_localhost(page, site_url, kind):
    hosts = []
    page.on("request", lambda req: hosts.append(urlparse(req.url).hostname))
    page.goto(site_url + PAGE_TYPES[kind])
    page.wait_for_load_state("networkidle")
    if kind == "home":  # the search loads its index, vocabulary and WASM on first use
        page.locator("#rb-search-input").click()
        page.locator("#rb-search-input").press_sequentially("nødhjelp", delay=20)
        page.wait_for_function("document.getElementById('rb-search-results').dataset.query === 'nødhjelp'"
                               " && document.getElementById('rb-search-results').dataset.state === 'done'")
    assert hosts and set(hosts) == {"127.0.0.1"}, set(hosts)


@pytest.mark.parametrize("query, expected", [
    ("nødhjelp", "/rutiner/moss-krisesenter-nav/"),
    ("husleiegaranti", "/rutiner/moss-krisesenter-nav/"),
    ("48 timer", "/rutiner/moss-krisesenter-nav/"),
    # The role, the guide, or the Kristiansand routine whose section «Hvem skal være koordinator?» answers it.
    ("koordinator", {"/roller/koordinator/", "/veivisere/hvem-skal-vaere-koordinator/",
                     "/rutiner/kristiansand-nav-livsmestring/"}),
    ("boligkontoret", "/roller/boligkontoret/"),
    # «rutinene» asks for the routines: the list of them (home page section or index) answers it.
    # (Inflections and typos are tested in test_search_quality.py.)
    ("rutinene", {"/", "/rutiner/"}),
    ("timer", "/rutiner/moss-krisesenter-nav/"),
])
def test_search_puts_the_right_page_first(page, site_url, query, expected):
    from .test_search_quality import search

    hrefs, _ = search(page, site_url, query)
    assert hrefs, query
    href = urlparse(hrefs[0]).path
    allowed = expected if isinstance(expected, set) else {expected}
    assert href in allowed, f"{query!r}: first hit {href}"


def test_quick_exit_button_leaves_and_back_does_not_return(page, site_url):
    page.route(EXIT_URL + "**", _neutral)
    page.goto("about:blank")
    page.goto(site_url + "/rutiner/moss-krisesenter-nav/")
    page.locator("[data-quick-exit]").click()
    page.wait_for_url(EXIT_URL)
    page.go_back()
    page.wait_for_timeout(300)
    assert "127.0.0.1" not in page.url, page.url


def test_quick_exit_with_three_shift_presses(page, site_url):
    page.route(EXIT_URL + "**", _neutral)
    page.goto("about:blank")
    page.goto(site_url + "/roller/nav-kontoret/")
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(EXIT_URL)
    page.go_back()
    page.wait_for_timeout(300)
    assert "127.0.0.1" not in page.url


def test_quick_exit_by_keyboard_alone(page, site_url):
    page.route(EXIT_URL + "**", _neutral)
    page.goto(site_url + "/")
    for _ in range(3):  # it is among the first stops of the tab order
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.hasAttribute('data-quick-exit')"):
            break
    assert page.evaluate("document.activeElement.hasAttribute('data-quick-exit')")
    page.keyboard.press("Enter")
    page.wait_for_url(EXIT_URL)


def test_script_payload_does_not_run(browser, tmp_path):
    """Build the site from data carrying script payloads and load the page in the browser."""
    import functools
    import http.server
    import socketserver
    import threading

    from .conftest import build_site, copy_data
    from .test_site import _inject

    data = copy_data(tmp_path / "data")
    _inject(data)
    out = tmp_path / "site"
    assert build_site(out, data=data).returncode == 0
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    handler.log_message = lambda *a: None
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        context = browser.new_context()
        pg = context.new_page()
        dialogs = []
        pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        pg.goto(f"http://127.0.0.1:{server.server_address[1]}/rutiner/moss-krisesenter-nav/")
        pg.wait_for_load_state("networkidle")
        pg.locator("text=klikk").first.click()
        pg.locator("text=tekst").first.click()
        assert pg.evaluate("window.__pwned") is None
        assert "<script>window.__pwned=1</script>" in pg.locator("article").inner_text()
        assert dialogs == []
        context.close()
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("kind", sorted(PAGE_TYPES))
def test_axe_finds_no_wcag_a_or_aa_violation(page, site_url, kind):
    page.goto(site_url + PAGE_TYPES[kind])
    page.evaluate(AXE.read_text("utf-8"))  # not a script tag: the CSP refuses inline scripts
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})"""
    )
    violations = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)


@pytest.mark.parametrize("kind", sorted(PAGE_TYPES))
def test_readable_at_360_px(phone, site_url, kind):
    phone.goto(site_url + PAGE_TYPES[kind])
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{kind}: page is {width}px wide at a 360px viewport"
    box = phone.locator("[data-quick-exit]").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["y"] < 80


# ---------------------------------------------------------------- decision-tree guides

TREE = "/veivisere/hvilket-nav-kontor/"
PAGE_TYPES.update({"tree": TREE, "trees": "/veivisere/"})


def _visible_nodes(pg):
    return pg.locator(".rb-node:visible")


def _walk_first_options(pg, max_steps=12):
    """Click the first answer until an outcome shows; return the answers given."""
    given = []
    for _ in range(max_steps):
        node = _visible_nodes(pg)
        assert node.count() == 1, f"{node.count()} questions visible at once"
        options = node.locator("a.rb-option")
        if options.count() == 0:
            return given
        label = options.first.inner_text().strip()
        given.append(label)
        options.first.click()
    raise AssertionError("no outcome after 12 answers")


def test_guide_with_javascript(page, site_url):
    page.goto(site_url + TREE)
    first_question = _visible_nodes(page).locator(".rb-node__title").inner_text()
    given = _walk_first_options(page)
    assert given, "the guide asked nothing"
    outcome = _visible_nodes(page)
    assert outcome.locator(".rb-node__title").inner_text().startswith("Svar:")
    assert outcome.locator("a[href*='rutiner/']").count() >= 1  # a link to the routine section
    answers = page.locator(".rb-guide__answers li")
    assert answers.count() == len(given)
    assert given[0] in answers.first.inner_text()
    # Change the first answer: back at the first question, the later answers gone.
    page.locator(".rb-guide__answers button.rb-change").first.click()
    assert _visible_nodes(page).locator(".rb-node__title").inner_text() == first_question
    assert page.locator(".rb-guide__answers li").count() == 0
    assert page.evaluate("document.activeElement.classList.contains('rb-node__title')")


def test_guide_with_keyboard_only(page, site_url):
    page.goto(site_url + TREE)
    for _ in range(40):  # Tab to the first answer and press Enter
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('rb-option')"):
            break
    label = page.evaluate("document.activeElement.textContent.trim()")
    page.keyboard.press("Enter")
    assert label in page.locator(".rb-guide__answers").inner_text()


def test_guide_without_javascript(browser, site_url):
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    try:
        pg.goto(site_url + TREE)
        first_question = _visible_nodes(pg).locator(".rb-node__title").inner_text()
        given = _walk_first_options(pg)
        outcome = _visible_nodes(pg)
        assert outcome.locator(".rb-node__title").inner_text().startswith("Svar:")
        assert "#" in pg.url  # each step is its own addressable anchor
        if len(given) > 1:
            outcome.locator("a.rb-back").click()
            assert _visible_nodes(pg).locator("a.rb-option").count() >= 1
        _visible_nodes(pg).locator("a.rb-restart").click()
        assert _visible_nodes(pg).locator(".rb-node__title").inner_text() == first_question
    finally:
        context.close()
