"""Area pages (omrade/<kommune>/): what serves a municipality, read from the data only."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from rutinebok.areas import NATIONAL, UNKNOWN, Areas
from rutinebok.model import Organisation, Routine, Tree
from rutinebok.names import Names
from rutinebok.render import SiteOptions, SiteRenderer

from .conftest import AXE, TODAY


def _org(id_, kind, **kw):
    return Organisation(id=id_, name=id_.replace("-", " ").title(), kind=kind, source={"document": "seed-000"}, **kw)


@pytest.fixture()
def two():
    """Two municipalities, A and B, and one of everything the area rules look at."""
    orgs = [
        _org("a-kommune", "kommune"), _org("b-kommune", "kommune"),
        _org("nav-a", "nav-kontor", serves=["a-kommune"]), _org("nav-b", "nav-kontor", serves=["b-kommune"]),
        _org("enhet-a", "kommunal-enhet", part_of="a-kommune"),
        _org("senter", "krisesenter", serves=["a-kommune", "b-kommune"]),
        _org("linjen", "nasjonal-tjeneste"), _org("direktoratet", "statlig"),
        _org("c-kommune", "kommune", ended_on=TODAY.replace(year=TODAY.year - 1), replaced_by="a-kommune"),
        _org("nav-c", "nav-kontor", serves=["c-kommune"]),
    ]
    routines = [
        Routine.model_construct(id="r-a", title="Rutine A", owner=None, parties=["senter", "nav-a"]),
        Routine.model_construct(id="r-b", title="Rutine B", owner="nav-b", parties=[]),
        Routine.model_construct(id="r-c", title="Rutine C", owner=None, parties=["nav-c"]),
        Routine.model_construct(id="r-ab", title="Rutine AB", owner=None, parties=["enhet-a", "nav-b"]),
        Routine.model_construct(id="r-land", title="Rutine Land", owner="linjen", parties=[]),
        Routine.model_construct(id="r-ukjent", title="Rutine Ukjent", owner=None, parties=["direktoratet"]),
        Routine.model_construct(id="r-ingen", title="Rutine Ingen", owner=None, parties=[]),
    ]
    trees = [Tree.model_construct(id="t-b", title="Tre B", routine="r-b"),
             Tree.model_construct(id="t-x", title="Tre X", routine="r-ingen")]
    ds = SimpleNamespace(organisations={o.id: o for o in orgs}, routines={r.id: r for r in routines},
                         trees={t.id: t for t in trees})
    return Areas(ds, Names(ds, TODAY))


def _ids(items):
    return [x.id for x in items]


def test_an_area_lists_exactly_what_serves_it(two):
    assert two.ids == ["a-kommune", "b-kommune"], "an ended municipality is not an area"
    a, b = two.area("a-kommune"), two.area("b-kommune")
    # nav-c served the municipality merged into A; nav-c itself has not ended, so it serves A now.
    assert _ids(a.organisations) == ["a-kommune", "enhet-a", "nav-a", "nav-c", "senter"]
    assert _ids(b.organisations) == ["b-kommune", "nav-b", "senter"]
    assert _ids(a.routines) == ["r-a", "r-ab", "r-c"]
    assert _ids(b.routines) == ["r-ab", "r-b"]
    assert _ids(a.trees) == [] and _ids(b.trees) == ["t-b"]


def test_national_and_unknown_are_never_guessed(two):
    national, unknown = two.everywhere(NATIONAL), two.everywhere(UNKNOWN)
    assert _ids(national["organisations"]) == ["linjen"] and _ids(national["routines"]) == ["r-land"]
    assert _ids(unknown["organisations"]) == ["direktoratet"]
    assert _ids(unknown["routines"]) == ["r-ingen", "r-ukjent"] and _ids(unknown["trees"]) == ["t-x"]
    assert two.of_org("direktoratet") == UNKNOWN and two.of_routine(two.ds.routines["r-ingen"]) == UNKNOWN


def _links(page: str) -> set[str]:
    return set(re.findall(r"\]\(\.\./(?:organisasjoner|rutiner|veivisere)/([^).#]+)\.md", page))


def test_real_area_pages(real):
    ds, _, findings = real
    pages = SiteRenderer(ds, findings, SiteOptions(today=TODAY)).area_pages()
    assert {"omrade/index.md", "omrade/moss-kommune.md", "omrade/kongsvinger-kommune.md"} <= set(pages)
    assert "omrade/rygge-kommune.md" not in pages, "Rygge is part of Moss since 2020"
    kongsvinger, moss = pages["omrade/kongsvinger-kommune.md"], pages["omrade/moss-kommune.md"]
    own_k = kongsvinger.partition("## For hele landet")[0]
    own_m = moss.partition("## For hele landet")[0]
    assert {"nav-kongsvinger", "kkeiendom", "kongsvinger-boligsosialt-arbeid"} <= _links(own_k)
    assert not {"nav-moss", "krisesenteret-i-moss", "moss-krisesenter-nav", "nav-kristiansand"} & _links(own_k)
    assert {"nav-moss", "krisesenteret-i-moss", "moss-krisesenter-nav", "hvilket-nav-kontor"} <= _links(own_m)
    assert not {"nav-kongsvinger", "kongsvinger-boligsosialt-arbeid", "nav-rygge"} & _links(own_m)
    for page in pages.values():
        if page is pages["omrade/index.md"]:
            continue
        for number in ("tel:112", "tel:113", "tel:116006", "tel:116111"):
            assert number in page
        assert "Vi vet ikke hvilke kommuner" in page and "statsforvalteren" in page
    assert "tel:69250550" in moss and "tel:69250550" not in kongsvinger
    assert "ikke registrert hvilket krisesenter" in kongsvinger and "ikke registrert hvilket krisesenter" not in moss


def test_area_pages_in_the_browser(phone, site_url, site_dir):
    """From the home page to an area by taps; nothing stored; every link on the pages resolves."""
    phone.goto(site_url + "/")
    phone.locator('article a[href$="omrade/"]').first.click()
    phone.wait_for_url("**/omrade/")
    phone.locator('article a[href$="moss-kommune/"]').first.click()
    phone.wait_for_url("**/omrade/moss-kommune/")
    assert phone.locator("article h1").inner_text() == "Moss kommune"
    stored = phone.evaluate("() => [document.cookie, localStorage.length, sessionStorage.length]")
    assert stored == ["", 0, 0]
    assert phone.context.cookies() == []
    phone.evaluate(AXE.read_text("utf-8"))
    result = phone.evaluate("""async () => await axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})""")
    assert result["violations"] == []
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 360
    for area in sorted((site_dir / "omrade").glob("*/index.html")) + [site_dir / "omrade" / "index.html"]:
        phone.goto(site_url + "/" + area.parent.relative_to(site_dir).as_posix() + "/")
        hrefs = phone.evaluate("""() => [...document.querySelectorAll('article a[href]')]
            .map(a => a.href).filter(h => h.startsWith(location.origin))""")
        assert hrefs
        for href in hrefs:
            path = href[len(site_url):].split("#")[0].split("?")[0]
            target = site_dir / path.lstrip("/")
            assert (target / "index.html").exists() or target.is_file(), (area, href)


def test_generated_corpus_has_areas(tmp_path):
    """The benchmark corpus has municipalities grouped in regions: every municipality has a NAV
    office, a crisis centre and a police district that serve it, and routines on its page."""
    from bench.generate import generate_corpus
    from rutinebok.findings import Report
    from rutinebok.load import load_dataset

    generate_corpus(tmp_path / "data", routines=60, steps=2, orgs=60)
    report = Report()
    ds = load_dataset(tmp_path / "data", report)
    assert not ds.failed_files
    areas = Areas(ds, Names(ds, TODAY))
    assert len(areas.ids) == 12
    for area_id in areas.ids:
        a = areas.area(area_id)
        kinds = {o.kind for o in a.organisations}
        assert {"kommune", "nav-kontor", "krisesenter", "politi"} <= kinds, (area_id, kinds)
        assert a.routines, area_id
    regions = {tuple(sorted(o.serves)) for o in ds.organisations.values() if o.kind == "krisesenter"}
    assert len(regions) > 1 and all(1 < len(r) <= 5 for r in regions)
